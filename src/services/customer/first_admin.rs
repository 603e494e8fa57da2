//! The first administrator of a new customer (SPEC §4.2, §5): the `primaryEmail` given
//! at creation becomes, when provisioning finishes, a person of the customer org with
//! the customer full admin role, a wholesale user holding the creation package (which
//! counts against that package's quantity and starts its billing), and an invitation
//! email to choose a password and sign in to Control Hub.
//!
//! Why at the end of provisioning, not at creation: the customer is only *promised* the
//! email while it is `provisioning` (migration 0008 keeps it unique among live
//! customers); its users, like its first location and SIP domain, are made by the job,
//! and a customer whose provisioning fails has nothing to administer until it is
//! repaired and retried (the retry makes the admin then).
//!
//! Not for an org wholesale was attached to (SPEC §4.5): there the first user
//! provisioned is not made admin, and the org keeps the admins it had.
//!
//! Idempotent: the person is found by the email (unique across the installation, SPEC
//! §5), so a job run again finds the admin it made and neither makes a second person
//! nor sends a second invitation.

use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::domain::admin_package::admin_package_of;
use crate::domain::roles::Role;
use crate::jobs::worker::Mail;
use crate::paths;
use crate::services::emails::{self, InviteAccess};
use crate::store;
use crate::store::customer_records::ProvisioningFacts;

/// How long an invitation's link works.
pub const INVITATION_VALID_FOR: Duration = Duration::days(7);

/// The vendor-style code of a customer provisioned without its administrator.
pub const ADMIN_NOT_MADE_CODE: u32 = 4103;

/// What became of the first administrator.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Made now; `invited` unless the person existed already.
    Made {
        person_id: Uuid,
        /// `None` for a customer of workspaces only.
        package: Option<String>,
        invited: bool,
    },
    /// Made by an earlier run of the job: nothing done again.
    AlreadyMade,
    /// Nobody to make: an attached org, or one without an administrator's email.
    NotForThisOrg,
    /// Could not be made; the customer is provisioned with this error to see to.
    Refused(String),
}

/// Makes the first administrator of the customer `org_id`, in the provisioning job's
/// transaction. `location_id` is the first location, for a calling package.
pub async fn provision(
    conn: &mut sqlx::PgConnection,
    org_id: Uuid,
    facts: &ProvisioningFacts,
    location_id: Option<Uuid>,
    mail: &Mail,
    now: OffsetDateTime,
) -> anyhow::Result<Outcome> {
    if facts.attached {
        return Ok(Outcome::NotForThisOrg);
    }
    let Some(email) = facts.primary_email.as_deref() else {
        return Ok(Outcome::NotForThisOrg);
    };
    // The creation package (`domain::admin_package`: the highest level of the packages
    // the customer was created with). A customer of workspaces only has none to give:
    // its admin administers, and holds no wholesale package.
    let package = admin_package_of(&facts.packages);

    let existing = store::people::by_email(&mut *conn, email).await?;
    if let Some(person) = &existing
        && person.org_id != org_id
    {
        return Ok(Outcome::Refused(format!(
            "No administrator was made: {email} already belongs to a user of another organisation \
             (one email is one identity across the service), so this customer has no administrator yet."
        )));
    }
    // Made by an earlier run (in one transaction with its role, package and invitation):
    // nothing is done twice.
    if let Some(person) = &existing
        && (package.is_none()
            || store::subscribers::package_of(conn, person.id)
                .await?
                .is_some())
    {
        store::people::grant(&mut *conn, person.id, org_id, Role::CustomerFullAdmin).await?;
        return Ok(Outcome::AlreadyMade);
    }

    // The admin counts against the package's quantity (SPEC §4.1) like any user; a new
    // customer's quantity is at least 1, so this refuses only a customer whose package
    // was filled before provisioning finished.
    if let Some(package) = package
        && let Some((Some(quantity), assigned)) =
            store::customer_packages::lock_for_assignment(conn, org_id, package.id()).await?
        && assigned >= i64::from(quantity)
    {
        return Ok(Outcome::Refused(format!(
            "No administrator was made: all {quantity} of {} are assigned, so this customer has \
             no administrator yet.",
            package.name()
        )));
    }

    // A person of this org already (who holds no package yet) is the one made admin;
    // otherwise the person is new, and invited.
    let invited = existing.is_none();
    let person_id = match existing {
        Some(person) => person.id,
        None => {
            let id = store::people::insert(
                &mut *conn,
                &store::people::NewPerson {
                    org_id,
                    email,
                    first_name: "",
                    last_name: "",
                    password_hash: None,
                },
            )
            .await?;
            let held = package.map(|p| p.name());
            invite(conn, org_id, id, email, facts, held, mail, now).await?;
            id
        }
    };
    store::people::grant(&mut *conn, person_id, org_id, Role::CustomerFullAdmin).await?;
    if let Some(package) = package {
        assign(conn, org_id, person_id, package.id(), location_id, now).await?;
    }
    Ok(Outcome::Made {
        person_id,
        package: package.map(|p| p.id().to_string()),
        invited,
    })
}

async fn assign(
    conn: &mut sqlx::PgConnection,
    org_id: Uuid,
    person_id: Uuid,
    package: &str,
    location_id: Option<Uuid>,
    now: OffsetDateTime,
) -> sqlx::Result<Uuid> {
    let calling = crate::domain::packages::Package::parse(package).is_some_and(|p| p.is_calling());
    let subscriber = store::subscribers::NewSubscriber {
        person_id,
        package,
        location_id: location_id.filter(|_| calling),
        extension: None,
        primary_phone_number: None,
    };
    store::subscribers::insert_provisioned(conn, org_id, &subscriber, now).await
}

/// Writes the invitation email to the outbox: with a link to choose a password under
/// the built-in identity, or the sign-in page under the partner's single sign-on.
#[allow(clippy::too_many_arguments)]
async fn invite(
    conn: &mut sqlx::PgConnection,
    org_id: Uuid,
    person_id: Uuid,
    email: &str,
    facts: &ProvisioningFacts,
    package_name: Option<&str>,
    mail: &Mail,
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    let sign_in = format!("{}{}", mail.links, paths::LOGIN);
    let (link, expires);
    let access = if facts.auth_mode == "webex" {
        let until = now + INVITATION_VALID_FOR;
        let secret = store::invitations::create(&mut *conn, person_id, now, until).await?;
        link = format!("{}{}?token={secret}", mail.links, paths::LOGIN_INVITE);
        expires = until
            .format(time::macros::format_description!(
                "[year]-[month]-[day] [hour]:[minute] UTC"
            ))
            .unwrap_or_default();
        InviteAccess::ChoosePassword {
            link: &link,
            expires: &expires,
        }
    } else {
        link = String::new();
        InviteAccess::SingleSignOn { sign_in: &sign_in }
    };
    let (subject, body) = emails::admin_invitation(
        &facts.brand,
        &facts.name,
        package_name,
        &access,
        facts.support_url.as_deref(),
    );
    let email = store::emails::NewEmail {
        org_id: Some(org_id),
        to: email,
        subject: &subject,
        body: &body,
        kind: "admin_invitation",
        secret: Some(link.as_str()).filter(|l| !l.is_empty()),
    };
    emails::send(conn, &email, now).await?;
    Ok(())
}
