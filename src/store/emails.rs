//! The email outbox (SPEC §13): every automatic email is written here first, in the
//! transaction of the change it follows; delivery happens afterwards.

use sqlx::PgExecutor;
use time::OffsetDateTime;
use uuid::Uuid;

pub struct NewEmail<'a> {
    pub org_id: Option<Uuid>,
    pub to: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub kind: &'a str,
    /// A secret the body carries (an invitation's link), taken out of the stored body
    /// once SMTP has delivered it (migration 0015).
    pub secret: Option<&'a str>,
}

pub async fn enqueue(
    db: impl PgExecutor<'_>,
    e: &NewEmail<'_>,
    now: OffsetDateTime,
) -> sqlx::Result<Uuid> {
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO email_outbox (id, org_id, to_address, subject, body, kind, created_at, secret)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(e.org_id)
    .bind(e.to)
    .bind(e.subject)
    .bind(e.body)
    .bind(e.kind)
    .bind(now)
    .bind(e.secret)
    .execute(db)
    .await?;
    Ok(id)
}

/// Many emails at once (a CSV import's welcomes); answers their ids in order.
pub async fn enqueue_many(
    db: impl PgExecutor<'_>,
    emails: &[NewEmail<'_>],
    now: OffsetDateTime,
) -> sqlx::Result<Vec<Uuid>> {
    let ids: Vec<Uuid> = emails.iter().map(|_| Uuid::new_v4()).collect();
    sqlx::query(
        "INSERT INTO email_outbox (id, org_id, to_address, subject, body, kind, created_at, secret)
         SELECT id, org_id, to_address, subject, body, kind, $1, secret
         FROM UNNEST($2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
              AS e (id, org_id, to_address, subject, body, kind, secret)",
    )
    .bind(now)
    .bind(&ids)
    .bind(emails.iter().map(|e| e.org_id).collect::<Vec<_>>())
    .bind(emails.iter().map(|e| e.to).collect::<Vec<_>>())
    .bind(emails.iter().map(|e| e.subject).collect::<Vec<_>>())
    .bind(emails.iter().map(|e| e.body).collect::<Vec<_>>())
    .bind(emails.iter().map(|e| e.kind).collect::<Vec<_>>())
    .bind(emails.iter().map(|e| e.secret).collect::<Vec<_>>())
    .execute(db)
    .await?;
    Ok(ids)
}

#[derive(Debug, sqlx::FromRow)]
pub struct EmailRow {
    pub id: Uuid,
    pub org: Option<String>,
    pub to_address: String,
    pub subject: String,
    pub body: String,
    pub kind: String,
    pub created_at: OffsetDateTime,
    pub sent_at: Option<OffsetDateTime>,
    pub last_error: Option<String>,
}

/// Emails about a partner's own org and the customers it onboarded, newest first.
pub async fn for_partner(
    db: impl PgExecutor<'_>,
    partner: Uuid,
    limit: i64,
) -> sqlx::Result<Vec<EmailRow>> {
    sqlx::query_as(
        "SELECT e.id, o.name AS org, e.to_address, e.subject, e.body, e.kind, e.created_at, e.sent_at, e.last_error
         FROM email_outbox e LEFT JOIN orgs o ON o.id = e.org_id
         WHERE e.org_id = $1 OR o.onboarded_by = $1
         ORDER BY e.created_at DESC LIMIT $2",
    )
    .bind(partner)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// An email as the delivery job sends it.
#[derive(sqlx::FromRow)]
pub struct Outgoing {
    pub to_address: String,
    pub subject: String,
    pub body: String,
    pub sent_at: Option<OffsetDateTime>,
}

/// The email a delivery job is for. (Worker side: the id is the job's.)
pub async fn outgoing(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<Option<Outgoing>> {
    sqlx::query_as::<_, Outgoing>(
        "SELECT to_address, subject, body, sent_at FROM email_outbox WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await
}

/// What stands in a delivered email's stored body where its secret was.
pub const SECRET_REMOVED: &str = "[link removed once the email was delivered]";

/// The SMTP server took the email. A secret its body carried is taken out of the stored
/// copy: it is the recipient's alone now.
pub async fn mark_sent(db: impl PgExecutor<'_>, id: Uuid, at: OffsetDateTime) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE email_outbox SET sent_at = $2, last_error = NULL,
                body = CASE WHEN secret IS NULL OR secret = '' THEN body ELSE replace(body, secret, $3) END,
                secret = NULL
         WHERE id = $1",
    )
    .bind(id)
    .bind(at)
    .bind(SECRET_REMOVED)
    .execute(db)
        .await?;
    Ok(())
}

/// The last delivery attempt failed, for the mailbox page.
pub async fn record_failure(db: impl PgExecutor<'_>, id: Uuid, error: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE email_outbox SET last_error = $2 WHERE id = $1")
        .bind(id)
        .bind(error)
        .execute(db)
        .await?;
    Ok(())
}
