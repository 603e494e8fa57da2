//! Automatic emails (SPEC §13). They are written to the outbox with the change that
//! causes them; the `email.deliver` job sends them over SMTP when `HUB_SMTP_URL` is set
//! (e.g. `smtp://mail.example:587` or `smtps://user:pass@mail.example`). Without SMTP they
//! stay in the outbox, readable on the mailbox page.

use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sqlx::PgConnection;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::jobs::payloads::{DeliverEmail, JobPayload};
use crate::jobs::queue::{self, ClaimedJob};
use crate::jobs::worker::JobContext;
use crate::store::emails::{self, NewEmail};

pub const DELIVER_JOB: &str = DeliverEmail::KIND;

/// Writes an email to the outbox and enqueues its delivery, in the caller's transaction.
pub async fn send(
    conn: &mut PgConnection,
    email: &NewEmail<'_>,
    now: OffsetDateTime,
) -> sqlx::Result<Uuid> {
    let id = emails::enqueue(&mut *conn, email, now).await?;
    let job = DeliverEmail {
        email_id: id,
        org: email.org_id,
    };
    queue::enqueue_payload(conn, &job, now).await?;
    Ok(id)
}

/// `send` for many emails in two statements: the outbox rows and their delivery jobs.
pub async fn send_many(
    conn: &mut PgConnection,
    list: &[NewEmail<'_>],
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    if list.is_empty() {
        return Ok(());
    }
    let ids = emails::enqueue_many(&mut *conn, list, now).await?;
    let jobs: Vec<DeliverEmail> = ids
        .into_iter()
        .zip(list)
        .map(|(email_id, e)| DeliverEmail {
            email_id,
            org: e.org_id,
        })
        .collect();
    queue::enqueue_payloads(conn, &jobs, now).await
}

/// The emergency-services notice US and Canadian customers receive (SPEC §13).
pub fn e911_notice(brand: &str, company: &str) -> (String, String) {
    (
        format!("{brand}: important information about emergency calls (E911)"),
        format!(
            "Hello,\n\n{company} now has calling services from {brand}.\n\n\
             Emergency calls (911) from your phones and apps send the address of the location they are\n\
             assigned to. Keep every location's address up to date, and tell your users that calls made\n\
             away from their usual location may reach emergency services with the wrong address unless\n\
             they update it.\n\n{brand}\n"
        ),
    )
}

/// A welcome email for an end user (never for customer admins).
pub fn welcome(
    brand: &str,
    first_name: &str,
    company: &str,
    support: Option<&str>,
) -> (String, String) {
    (
        format!("Welcome to {brand}"),
        format!(
            "Hello {first_name},\n\n{company} has set you up with {brand}. Sign in with this email address to get started.\n{}\n{brand}\n",
            help_line(support)
        ),
    )
}

/// The managing partner's support address, when its branding has one (SPEC §12).
fn help_line(support: Option<&str>) -> String {
    support
        .map(|url| format!("\nNeed help? {url}\n"))
        .unwrap_or_default()
}

/// How the invited administrator gets in.
pub enum InviteAccess<'a> {
    /// Built-in identity: the link where they choose their password, and its expiry.
    ChoosePassword { link: &'a str, expires: &'a str },
    /// The partner's single sign-on (SPEC §10): the sign-in page sends them to the IdP.
    SingleSignOn { sign_in: &'a str },
}

/// The invitation of a new customer's full administrator (SPEC §4.2, §5). Not a welcome
/// email (those go to end users only, SPEC §13): it tells the admin what they now
/// administer and how to get in.
pub fn admin_invitation(
    brand: &str,
    company: &str,
    package: Option<&str>,
    access: &InviteAccess<'_>,
    support: Option<&str>,
) -> (String, String) {
    let how = match access {
        InviteAccess::ChoosePassword { link, expires } => format!(
            "To sign in, first choose your password here:\n\n{link}\n\n\
             The link works once and until {expires}. If it has expired, ask {brand} to invite you again."
        ),
        InviteAccess::SingleSignOn { sign_in } => format!(
            "Sign in at {sign_in} with this email address: you will be sent to your\n\
             organisation's single sign-on."
        ),
    };
    let held = package
        .map(|p| format!(" You hold the {p} package."))
        .unwrap_or_default();
    (
        format!("{brand}: you are the administrator of {company}"),
        format!(
            "Hello,\n\n{brand} has set up {company} and made you its full administrator in Control Hub,\n\
             where you manage your organisation's users, locations and settings.{held}\n\n{how}\n{}\n{brand}\n",
            help_line(support)
        ),
    )
}

/// The invitation of a new sub-partner's first administrator (SPEC §11): who set the
/// sub-partner up, what they now run, and the link to choose a password.
pub fn sub_partner_invitation(
    parent: &str,
    sub_partner: &str,
    link: &str,
    expires: &str,
) -> (String, String) {
    (
        format!("{parent}: you are the administrator of {sub_partner} in Partner Hub"),
        format!(
            "Hello,\n\n{parent} has set up {sub_partner} as its sub-partner and made you its full\n\
             administrator in Partner Hub, where you onboard and manage your own customers.\n\n\
             To sign in, first choose your password here:\n\n{link}\n\n\
             The link works once and until {expires}. If it has expired, ask {parent} to invite you again.\n\n{parent}\n"
        ),
    )
}

/// The `email.deliver` job.
pub async fn run_delivery(ctx: JobContext, job: ClaimedJob) -> anyhow::Result<()> {
    let Some(url) = ctx.mail.smtp_url.clone() else {
        return Ok(()); // no SMTP: the email stays in the mailbox page
    };
    let id = DeliverEmail::of(&job)?.email_id;
    let Some(mail) = emails::outgoing(&ctx.db, id).await? else {
        return Ok(());
    };
    if mail.sent_at.is_some() {
        return Ok(());
    }
    let from: Mailbox = ctx.mail.from.parse()?;
    let message = Message::builder()
        .from(from)
        .to(mail.to_address.parse()?)
        .subject(mail.subject)
        .body(mail.body)?;
    let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&url)?.build();
    match transport.send(message).await {
        Ok(_) => {
            emails::mark_sent(&ctx.db, id, ctx.clock.now()).await?;
            Ok(())
        }
        Err(e) => {
            emails::record_failure(&ctx.db, id, &e.to_string()).await?;
            Err(e.into())
        }
    }
}
