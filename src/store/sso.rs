//! Single sign-on (SPEC §10): a partner's identity providers, the server-side sign-in
//! transactions that tie an IdP's answer to the request we sent, the SAML assertions
//! already consumed, and who may sign in through an IdP.

use sqlx::{PgConnection, PgExecutor};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::tenancy::scope::PartnerOrgId;

/// One identity provider as stored. The OIDC client secret stays sealed here
/// (`auth::secrets`); it is opened only to call the token endpoint.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct IdpRow {
    pub id: Uuid,
    pub partner_org_id: Uuid,
    /// `saml` or `oidc`.
    pub kind: String,
    pub name: String,
    pub saml_entity_id: Option<String>,
    pub saml_sso_url: Option<String>,
    /// Base64 DER of each trusted signing certificate (one or two).
    pub saml_certificates: Vec<String>,
    pub saml_metadata: Option<String>,
    pub pass_email_in_request: bool,
    pub allow_idp_initiated: bool,
    pub oidc_client_id: Option<String>,
    pub oidc_client_secret_enc: Option<Vec<u8>>,
    pub oidc_scopes: Option<String>,
    pub oidc_authorization_endpoint: Option<String>,
    pub oidc_token_endpoint: Option<String>,
    pub oidc_discovery_endpoint: Option<String>,
    pub oidc_userinfo_endpoint: Option<String>,
    pub oidc_jwks_endpoint: Option<String>,
    pub oidc_issuer: Option<String>,
    pub jwks_fetched_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

const IDP_COLUMNS: &str = "id, partner_org_id, kind, name, saml_entity_id, saml_sso_url, saml_certificates,
    saml_metadata, pass_email_in_request, allow_idp_initiated, oidc_client_id, oidc_client_secret_enc,
    oidc_scopes, oidc_authorization_endpoint, oidc_token_endpoint, oidc_discovery_endpoint,
    oidc_userinfo_endpoint, oidc_jwks_endpoint, oidc_issuer, jwks_fetched_at, created_at, updated_at";

/// The partner's IdPs, SAML first, then by name.
pub async fn list(db: impl PgExecutor<'_>, partner: PartnerOrgId) -> sqlx::Result<Vec<IdpRow>> {
    sqlx::query_as(&format!(
        "SELECT {IDP_COLUMNS} FROM identity_providers WHERE partner_org_id = $1
         ORDER BY kind DESC, lower(name)"
    ))
    .bind(partner.id())
    .fetch_all(db)
    .await
}

/// One of the partner's IdPs; another partner's is `None`.
pub async fn get(
    db: impl PgExecutor<'_>,
    partner: PartnerOrgId,
    id: Uuid,
) -> sqlx::Result<Option<IdpRow>> {
    sqlx::query_as(&format!(
        "SELECT {IDP_COLUMNS} FROM identity_providers WHERE partner_org_id = $1 AND id = $2"
    ))
    .bind(partner.id())
    .bind(id)
    .fetch_optional(db)
    .await
}

/// An IdP by id alone: for the sign-in flows, whose transaction or URL names it (the
/// people it may sign in are then looked up only among the orgs bound to it).
pub async fn by_id(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<Option<IdpRow>> {
    sqlx::query_as(&format!(
        "SELECT {IDP_COLUMNS} FROM identity_providers WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await
}

/// The partner's SAML IdP (there is at most one: the SP is per partner).
pub async fn saml_of(
    db: impl PgExecutor<'_>,
    partner_org_id: Uuid,
) -> sqlx::Result<Option<IdpRow>> {
    sqlx::query_as(&format!(
        "SELECT {IDP_COLUMNS} FROM identity_providers WHERE partner_org_id = $1 AND kind = 'saml'"
    ))
    .bind(partner_org_id)
    .fetch_optional(db)
    .await
}

/// Is an IdP name taken (case-insensitively, by any partner), apart from `except`?
pub async fn name_taken(
    db: impl PgExecutor<'_>,
    name: &str,
    except: Option<Uuid>,
) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM identity_providers WHERE lower(name) = lower($1)
                        AND id IS DISTINCT FROM $2)",
    )
    .bind(name)
    .bind(except)
    .fetch_one(db)
    .await
}

/// What a SAML IdP is saved with.
pub struct SamlIdp<'a> {
    pub name: &'a str,
    pub entity_id: &'a str,
    pub sso_url: &'a str,
    pub certificates: &'a [String],
    pub metadata: &'a str,
    pub pass_email_in_request: bool,
    pub allow_idp_initiated: bool,
}

/// Saves the partner's SAML IdP, replacing the one it had (same id, so the orgs bound to
/// it stay bound); answers its id.
pub async fn put_saml(
    conn: &mut PgConnection,
    partner: PartnerOrgId,
    v: &SamlIdp<'_>,
    now: OffsetDateTime,
) -> sqlx::Result<Uuid> {
    sqlx::query_scalar(
        "INSERT INTO identity_providers (id, partner_org_id, kind, name, saml_entity_id, saml_sso_url,
             saml_certificates, saml_metadata, pass_email_in_request, allow_idp_initiated, created_at, updated_at)
         VALUES ($1, $2, 'saml', $3, $4, $5, $6, $7, $8, $9, $10, $10)
         ON CONFLICT (partner_org_id) WHERE kind = 'saml' DO UPDATE
         SET name = excluded.name, saml_entity_id = excluded.saml_entity_id,
             saml_sso_url = excluded.saml_sso_url, saml_certificates = excluded.saml_certificates,
             saml_metadata = excluded.saml_metadata,
             pass_email_in_request = excluded.pass_email_in_request,
             allow_idp_initiated = excluded.allow_idp_initiated, updated_at = excluded.updated_at
         RETURNING id",
    )
    .bind(Uuid::new_v4())
    .bind(partner.id())
    .bind(v.name)
    .bind(v.entity_id)
    .bind(v.sso_url)
    .bind(v.certificates)
    .bind(v.metadata)
    .bind(v.pass_email_in_request)
    .bind(v.allow_idp_initiated)
    .bind(now)
    .fetch_one(&mut *conn)
    .await
}

/// What an OIDC IdP is saved with. `client_secret_enc` `None` keeps the stored secret
/// (an edit that leaves the secret field empty).
pub struct OidcIdp<'a> {
    pub name: &'a str,
    pub client_id: &'a str,
    pub client_secret_enc: Option<&'a [u8]>,
    pub scopes: &'a str,
    pub authorization_endpoint: Option<&'a str>,
    pub token_endpoint: Option<&'a str>,
    pub discovery_endpoint: Option<&'a str>,
    pub userinfo_endpoint: Option<&'a str>,
    pub jwks_endpoint: Option<&'a str>,
    pub issuer: Option<&'a str>,
}

/// An OIDC IdP's statement with its id ($1), partner ($2), fields ($3–$12, in the
/// order of `OidcIdp`) and the time ($13) bound, as both writes number them.
fn bind_oidc<'q>(
    sql: &'q str,
    partner: PartnerOrgId,
    id: Uuid,
    v: &'q OidcIdp<'q>,
    now: OffsetDateTime,
) -> sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments> {
    sqlx::query(sql)
        .bind(id)
        .bind(partner.id())
        .bind(v.name)
        .bind(v.client_id)
        .bind(v.client_secret_enc)
        .bind(v.scopes)
        .bind(v.authorization_endpoint)
        .bind(v.token_endpoint)
        .bind(v.discovery_endpoint)
        .bind(v.userinfo_endpoint)
        .bind(v.jwks_endpoint)
        .bind(v.issuer)
        .bind(now)
}

pub async fn insert_oidc(
    conn: &mut PgConnection,
    partner: PartnerOrgId,
    id: Uuid,
    v: &OidcIdp<'_>,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    let sql = "INSERT INTO identity_providers (id, partner_org_id, kind, name, oidc_client_id,
             oidc_client_secret_enc, oidc_scopes, oidc_authorization_endpoint, oidc_token_endpoint,
             oidc_discovery_endpoint, oidc_userinfo_endpoint, oidc_jwks_endpoint, oidc_issuer,
             created_at, updated_at)
         VALUES ($1, $2, 'oidc', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)";
    bind_oidc(sql, partner, id, v, now)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Answers whether the partner had that OIDC IdP.
pub async fn update_oidc(
    conn: &mut PgConnection,
    partner: PartnerOrgId,
    id: Uuid,
    v: &OidcIdp<'_>,
    now: OffsetDateTime,
) -> sqlx::Result<bool> {
    let sql = "UPDATE identity_providers SET name = $3, oidc_client_id = $4,
             oidc_client_secret_enc = coalesce($5, oidc_client_secret_enc), oidc_scopes = $6,
             oidc_authorization_endpoint = $7, oidc_token_endpoint = $8, oidc_discovery_endpoint = $9,
             oidc_userinfo_endpoint = $10, oidc_jwks_endpoint = $11, oidc_issuer = $12, updated_at = $13
         WHERE id = $1 AND partner_org_id = $2 AND kind = 'oidc'";
    let done = bind_oidc(sql, partner, id, v, now)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Removes one of the partner's IdPs; the orgs bound to it keep their SSO mode and lose
/// the binding, so their users cannot sign in until an IdP is configured again (never a
/// silent fall-back to passwords). Answers the removed IdP's name.
pub async fn delete(
    conn: &mut PgConnection,
    partner: PartnerOrgId,
    id: Uuid,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "DELETE FROM identity_providers WHERE partner_org_id = $1 AND id = $2 RETURNING name",
    )
    .bind(partner.id())
    .bind(id)
    .fetch_optional(&mut *conn)
    .await
}

/// Binds the partner's customers that were created for this IdP (their template named
/// it, `orgs.idp_ref`) and have none yet; answers how many.
pub async fn bind_waiting_orgs(
    conn: &mut PgConnection,
    partner: PartnerOrgId,
    idp_id: Uuid,
    kind: &str,
    reference: &str,
) -> sqlx::Result<u64> {
    let done = sqlx::query(
        "UPDATE orgs o SET idp_id = $2
         FROM org_relationships r
         WHERE r.manager_org_id = $1 AND r.managed_org_id = o.id AND r.relation = 'onboarded'
           AND o.kind = 'customer' AND o.idp_id IS NULL AND o.auth_mode = $3
           AND lower(o.idp_ref) = lower($4)",
    )
    .bind(partner.id())
    .bind(idp_id)
    .bind(kind)
    .bind(reference)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}

/// How many customers each of the partner's IdPs serves.
pub async fn bound_counts(
    db: impl PgExecutor<'_>,
    partner: PartnerOrgId,
) -> sqlx::Result<Vec<(Uuid, i64)>> {
    sqlx::query_as(
        "SELECT i.id, count(o.id) FROM identity_providers i
         LEFT JOIN orgs o ON o.idp_id = i.id
         WHERE i.partner_org_id = $1 GROUP BY i.id",
    )
    .bind(partner.id())
    .fetch_all(db)
    .await
}

/// The partner's own sign-in settings: the IdP its admins use and the break-glass admin.
pub async fn admin_sign_in(
    db: impl PgExecutor<'_>,
    partner: PartnerOrgId,
) -> sqlx::Result<(Option<Uuid>, Option<Uuid>)> {
    sqlx::query_as("SELECT admin_idp_id, break_glass_person_id FROM orgs WHERE id = $1")
        .bind(partner.id())
        .fetch_one(db)
        .await
}

pub async fn set_admin_sign_in(
    conn: &mut PgConnection,
    partner: PartnerOrgId,
    idp: Option<Uuid>,
    break_glass: Option<Uuid>,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE orgs SET admin_idp_id = $2, break_glass_person_id = $3 WHERE id = $1")
        .bind(partner.id())
        .bind(idp)
        .bind(break_glass)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Where an email signs in: its person's org and whether that org signs in through an
/// IdP. `None` when nobody has the email (the page then asks for a password, as for
/// everyone, revealing nothing).
#[derive(Debug, sqlx::FromRow)]
pub struct Route {
    pub person_id: Uuid,
    pub org_id: Uuid,
    /// `webex` (built-in passwords), `saml` or `oidc`.
    pub auth_mode: String,
    /// The IdP that signs this person in, when one is bound.
    pub idp_id: Option<Uuid>,
    pub idp_kind: Option<String>,
}

pub async fn route_of(db: impl PgExecutor<'_>, email: &str) -> sqlx::Result<Option<Route>> {
    // A partner's admins go through the partner's admin IdP unless they are its
    // break-glass admin; a customer's people through the IdP their org was created for.
    sqlx::query_as(
        "SELECT p.id AS person_id, o.id AS org_id,
                CASE WHEN o.kind = 'customer' THEN o.auth_mode
                     WHEN o.admin_idp_id IS NOT NULL AND o.break_glass_person_id IS DISTINCT FROM p.id
                     THEN i.kind ELSE 'webex' END AS auth_mode,
                i.id AS idp_id, i.kind AS idp_kind
         FROM people p JOIN orgs o ON o.id = p.org_id
         LEFT JOIN identity_providers i ON i.id = CASE
              WHEN o.kind = 'customer' THEN o.idp_id
              WHEN o.break_glass_person_id IS DISTINCT FROM p.id THEN o.admin_idp_id END
         WHERE p.email = $1::citext AND NOT p.disabled",
    )
    .bind(email.trim())
    .fetch_optional(db)
    .await
}

/// The person an IdP vouched for, looked up only inside the orgs bound to that IdP: its
/// customers, and its partner's admins when the partner signs in through it. The email
/// matches case-insensitively (`citext`).
pub async fn person_for(
    db: impl PgExecutor<'_>,
    idp_id: Uuid,
    email: &str,
) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar(
        "SELECT p.id FROM people p JOIN orgs o ON o.id = p.org_id
         WHERE p.email = $2::citext AND NOT p.disabled AND o.deleted_at IS NULL
           AND ((o.kind = 'customer' AND o.idp_id = $1 AND o.auth_mode IN ('saml', 'oidc'))
                OR (o.kind <> 'customer' AND o.admin_idp_id = $1))",
    )
    .bind(idp_id)
    .bind(email.trim())
    .fetch_optional(db)
    .await
}

/// A sign-in in flight: what we sent the IdP, kept server-side (DESIGN "Security
/// decisions": the SAML POST back is cross-site, so nothing of it rides on the cookie).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Transaction {
    pub id: String,
    pub idp_id: Uuid,
    pub saml_request_id: Option<String>,
    pub oidc_state: Option<String>,
    pub oidc_nonce: Option<String>,
    pub pkce_verifier: Option<String>,
    pub login_hint: Option<String>,
    pub return_to: Option<String>,
    /// `sign_in` or `test` (an admin's test of the IdP: a report, no session).
    pub purpose: String,
    pub tested_by: Option<Uuid>,
    /// A hash of the session id of the browser that started it (OIDC).
    pub browser: Option<String>,
    pub expires_at: OffsetDateTime,
}

pub struct NewTransaction<'a> {
    pub id: &'a str,
    pub idp_id: Uuid,
    pub saml_request_id: Option<&'a str>,
    pub oidc_state: Option<&'a str>,
    pub oidc_nonce: Option<&'a str>,
    pub pkce_verifier: Option<&'a str>,
    pub login_hint: Option<&'a str>,
    pub return_to: Option<&'a str>,
    pub tested_by: Option<Uuid>,
    pub browser: Option<&'a str>,
}

pub async fn begin(
    db: impl PgExecutor<'_>,
    t: &NewTransaction<'_>,
    now: OffsetDateTime,
    expires_at: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO sso_transactions (id, idp_id, saml_request_id, oidc_state, oidc_nonce, pkce_verifier,
             login_hint, return_to, purpose, tested_by, created_at, expires_at, browser)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(t.id)
    .bind(t.idp_id)
    .bind(t.saml_request_id)
    .bind(t.oidc_state)
    .bind(t.oidc_nonce)
    .bind(t.pkce_verifier)
    .bind(t.login_hint)
    .bind(t.return_to)
    .bind(if t.tested_by.is_some() { "test" } else { "sign_in" })
    .bind(t.tested_by)
    .bind(now)
    .bind(expires_at)
    .bind(t.browser)
    .execute(db)
    .await?;
    Ok(())
}

const TXN_COLUMNS: &str =
    "id, idp_id, saml_request_id, oidc_state, oidc_nonce, pkce_verifier, login_hint,
    return_to, purpose, tested_by, browser, expires_at";

/// Which key finds a transaction: the SAML RelayState is its id; OIDC's `state`.
pub enum TxnKey<'a> {
    Id(&'a str),
    OidcState(&'a str),
}

/// Takes a transaction once: it is marked consumed in the same statement, so a second
/// answer to the same request (a replay, a double submit) finds nothing. An expired one
/// is not taken either.
pub async fn take(
    db: impl PgExecutor<'_>,
    key: TxnKey<'_>,
    now: OffsetDateTime,
) -> sqlx::Result<Option<Transaction>> {
    let (column, value) = match key {
        TxnKey::Id(v) => ("id", v),
        TxnKey::OidcState(v) => ("oidc_state", v),
    };
    sqlx::query_as(&format!(
        "UPDATE sso_transactions SET consumed_at = $2
         WHERE {column} = $1 AND consumed_at IS NULL AND expires_at > $2
         RETURNING {TXN_COLUMNS}"
    ))
    .bind(value)
    .bind(now)
    .fetch_optional(db)
    .await
}

/// Keeps a test's report on its transaction, for the settings page to show.
pub async fn keep_report(
    db: impl PgExecutor<'_>,
    id: &str,
    report: &serde_json::Value,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE sso_transactions SET report = $2 WHERE id = $1")
        .bind(id)
        .bind(report)
        .execute(db)
        .await?;
    Ok(())
}

/// A test's report, for the admin who ran it (anyone else's is `None`).
pub async fn report_of(
    db: impl PgExecutor<'_>,
    id: &str,
    person: Uuid,
) -> sqlx::Result<Option<(Uuid, serde_json::Value)>> {
    sqlx::query_as(
        "SELECT idp_id, report FROM sso_transactions
         WHERE id = $1 AND tested_by = $2 AND report IS NOT NULL",
    )
    .bind(id)
    .bind(person)
    .fetch_optional(db)
    .await
}

/// Records a SAML assertion id as used until it expires; answers false when it already
/// was (a replay).
pub async fn consume_assertion(
    db: impl PgExecutor<'_>,
    assertion_id: &str,
    expires_at: OffsetDateTime,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "INSERT INTO saml_consumed_assertions (assertion_id, expires_at) VALUES ($1, $2)
         ON CONFLICT (assertion_id) DO NOTHING",
    )
    .bind(assertion_id)
    .bind(expires_at)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Notes that an IdP's keys were fetched again (an unknown key id); answers false when
/// they were fetched less than a minute ago, so a flood of bad tokens cannot make us
/// hammer the IdP.
pub async fn may_refetch_keys(
    db: impl PgExecutor<'_>,
    idp_id: Uuid,
    now: OffsetDateTime,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE identity_providers SET jwks_fetched_at = $2
         WHERE id = $1 AND (jwks_fetched_at IS NULL OR jwks_fetched_at < $2 - interval '1 minute')",
    )
    .bind(idp_id)
    .bind(now)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Is there any OIDC IdP (whose secrets need `HUB_SECRETS_KEY`)?
pub async fn any_oidc(db: impl PgExecutor<'_>) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM identity_providers WHERE kind = 'oidc')")
        .fetch_one(db)
        .await
}

/// Records on a new customer the IdP its template names (SPEC §10: from now on a
/// template change moves it nowhere) and binds it when the partner has that IdP.
pub async fn bind_new_customer(conn: &mut PgConnection, org_id: Uuid) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE orgs o SET
             idp_ref = CASE o.auth_mode WHEN 'saml' THEN t.saml_entity_id
                                        WHEN 'oidc' THEN t.oidc_idp_name END,
             idp_id = (SELECT i.id FROM identity_providers i
                       WHERE i.partner_org_id = t.owner_org_id AND i.kind = o.auth_mode
                         AND lower(CASE i.kind WHEN 'saml' THEN i.saml_entity_id ELSE i.name END)
                             = lower(CASE o.auth_mode WHEN 'saml' THEN t.saml_entity_id
                                                      ELSE t.oidc_idp_name END))
         FROM onboarding_templates t
         WHERE o.id = $1 AND t.id = o.template_id AND o.auth_mode IN ('saml', 'oidc')",
    )
    .bind(org_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
