//! Wholesale users of a customer, one at a time (SPEC §5, §9.2, §9.3): add, change,
//! remove and precheck. The subscribers API calls these; Control Hub's user pages are to
//! call the same functions, so both doors keep one set of rules.
//!
//! Rules, checked together so that every refusal of a request is reported at once:
//! - first and last name are required; the email looks like one and is unique across the
//!   whole service (one identity per email): an email of another organisation's person
//!   is an *external* user, who cannot receive a wholesale package, and an email that
//!   already holds a package is the vendor's 10022;
//! - the package is a user package (SPEC §2: never the workspace-only
//!   `common_area_calling` or an add-on) that the customer holds, with a free seat when
//!   its quantity is capped (the package row is locked, so two admins adding the last
//!   seat at the same moment cannot both get it);
//! - a calling package needs a phone number or an extension (or both) and a location of
//!   the customer (`locationId`, or its only location); a package without calling takes
//!   neither;
//! - a full administrator's package is never lowered (`domain::admin_package::level`).
//!
//! Every assignment opens a licence interval and every change or removal ends one, in
//! the append-only history billing reads (`store::subscribers`, migration 0017).

use time::OffsetDateTime;
use uuid::Uuid;

use crate::domain::admin_package;
use crate::domain::email_address::looks_like_email;
use crate::domain::fields::Field;
use crate::domain::packages::Package;
use crate::domain::roles::Role;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::services::RequestCtx;
use crate::services::customer::rules::EMAIL_IN_USE_CODE;
use crate::services::emails;
use crate::state::AppState;
use crate::store;
use crate::store::subscribers::{Changed, CustomerFacts, Held, OrgTurn};
use crate::tenancy::Actor;

const NAME_MAX: usize = 64;

/// A user to add, as a door read it (trimmed, empty as `None`).
#[derive(Debug, Default, Clone)]
pub struct NewUser {
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// The one package; the door has already made one of `package` / `packages`.
    pub package: Option<String>,
    pub primary_phone_number: Option<String>,
    pub extension: Option<String>,
    pub location_id: Option<Uuid>,
}

/// A change to a user: what is `None` stays as it is.
#[derive(Debug, Default, Clone)]
pub struct UserChange {
    pub package: Option<String>,
    pub primary_phone_number: Option<String>,
    pub extension: Option<String>,
    pub location_id: Option<Uuid>,
}

/// Who asks, for the audit log: the person, the org they act for, and the request (none
/// for a job working through what they asked for, a CSV import).
pub struct Asker<'a> {
    pub person_id: Uuid,
    pub email: &'a str,
    pub acting_for: Uuid,
    pub ctx: Option<&'a RequestCtx<'a>>,
}

impl<'a> Asker<'a> {
    /// The audit entry of a successful change `action` to customer `org`.
    pub(crate) fn entry<'e>(
        &'e self,
        org: Uuid,
        action: &'e str,
        detail: serde_json::Value,
    ) -> store::audit::Entry<'e> {
        store::audit::Entry {
            actor_person_id: Some(self.person_id),
            actor_email: Some(self.email),
            acting_for_org_id: Some(self.acting_for),
            target_org_id: Some(org),
            action,
            outcome: "success",
            detail,
            request_id: self.ctx.map(|c| c.request_id),
            ip: self.ctx.map(|c| c.ip),
        }
    }

    pub fn of(actor: &'a Actor, acting_for: Uuid, ctx: &'a RequestCtx<'a>) -> Self {
        Asker {
            person_id: actor.person_id,
            email: &actor.email,
            acting_for,
            ctx: Some(ctx),
        }
    }
}

fn field(name: &str) -> Field {
    Field::Other(name.to_string())
}

fn email_in_use(errors: &mut FieldErrors, message: &str) {
    errors.push(crate::domain::fields::FieldError {
        field: field("email"),
        message: message.into(),
        vendor_code: Some(EMAIL_IN_USE_CODE),
        conflict: false,
    });
}

/// The package named, as one a user can hold, or the reason it is not.
fn user_package(raw: &str, errors: &mut FieldErrors) -> Option<Package> {
    match Package::parse(raw.trim()) {
        Some(p) if admin_package::is_user_package(p) => Some(p),
        Some(Package::CommonAreaCalling) => {
            errors.add(
                field("packages"),
                "common_area_calling is the package of workspaces (shared phones), not of users.",
            );
            None
        }
        Some(p) => {
            errors.add(
                field("packages"),
                format!(
                    "{} is an add-on, not a package: a user holds one of {}.",
                    p.id(),
                    user_package_ids()
                ),
            );
            None
        }
        None => {
            errors.add(
                field("packages"),
                format!(
                    "“{raw}” is not a package; use one of {}.",
                    user_package_ids()
                ),
            );
            None
        }
    }
}

fn user_package_ids() -> String {
    admin_package::LEVELS
        .iter()
        .map(|p| p.id())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A phone number as people write them: an optional `+`, then 7–15 digits, with spaces,
/// dashes, dots or brackets between them.
fn valid_phone(s: &str) -> bool {
    let digits = s.chars().filter(char::is_ascii_digit).count();
    let body = s.strip_prefix('+').unwrap_or(s);
    (7..=15).contains(&digits)
        && body
            .chars()
            .all(|c| c.is_ascii_digit() || " -.()".contains(c))
}

/// An extension: 2–10 digits.
fn valid_extension(s: &str) -> bool {
    (2..=10).contains(&s.len()) && s.chars().all(|c| c.is_ascii_digit())
}

pub(crate) fn check_numbers(
    phone: Option<&str>,
    extension: Option<&str>,
    errors: &mut FieldErrors,
) {
    if let Some(p) = phone
        && !valid_phone(p)
    {
        errors.add(
            field("primaryPhoneNumber"),
            format!("“{p}” is not a phone number such as +1 240 555 1212."),
        );
    }
    if let Some(e) = extension
        && !valid_extension(e)
    {
        errors.add(
            field("extension"),
            format!("“{e}” is not an extension: use 2 to 10 digits."),
        );
    }
}

fn check_name(value: Option<&str>, name: &str, label: &str, errors: &mut FieldErrors) {
    match value {
        None => errors.add(field(name), format!("Enter the user's {label}.")),
        Some(v) if v.chars().count() > NAME_MAX => errors.add(
            field(name),
            format!("The {label} can be at most {NAME_MAX} characters."),
        ),
        Some(_) => {}
    }
}

/// The customer must be one whose provisioning finished.
fn ready(facts: &CustomerFacts) -> AppResult<()> {
    match facts.status.as_deref() {
        Some("provisioned" | "provisioned_with_errors") => Ok(()),
        _ => Err(AppError::Conflict(format!(
            "{} is not provisioned yet (it is {}): users can be added once it is.",
            facts.name,
            facts.status.as_deref().unwrap_or("being created")
        ))),
    }
}

/// The location a calling user gets: the one named (which must be the customer's), or
/// the customer's only one.
fn calling_location(
    named: Option<Uuid>,
    kept: Option<Uuid>,
    locations: &[Uuid],
    errors: &mut FieldErrors,
) -> Option<Uuid> {
    match named.or(kept) {
        Some(id) if locations.contains(&id) => Some(id),
        Some(id) => {
            errors.add(
                field("locationId"),
                format!("{id} is not a location of this customer."),
            );
            None
        }
        None => match locations {
            [only] => Some(*only),
            [] => {
                errors.add(
                    field("locationId"),
                    "This customer has no location yet: a calling user needs one.",
                );
                None
            }
            _ => {
                errors.add(
                    field("locationId"),
                    "This customer has several locations: choose the user's location (locationId).",
                );
                None
            }
        },
    }
}

/// Refuses a package the customer does not hold, or whose seats are all assigned.
fn not_held(package: Package, errors: &mut FieldErrors) {
    errors.add(
        field("packages"),
        format!(
            "This customer does not have {} ({}).",
            package.name(),
            package.id()
        ),
    );
}

/// `check_seat` for an unlimited package in a shared turn: held until the commit.
async fn hold_seat(
    conn: &mut sqlx::PgConnection,
    org: Uuid,
    package: Package,
    errors: &mut FieldErrors,
) -> AppResult<()> {
    if store::customer_packages::hold_for_assignment(conn, org, package.id())
        .await?
        .is_none()
    {
        not_held(package, errors);
    }
    Ok(())
}

pub(crate) async fn check_seat(
    conn: &mut sqlx::PgConnection,
    org: Uuid,
    package: Package,
    errors: &mut FieldErrors,
) -> AppResult<()> {
    match store::customer_packages::lock_for_assignment(conn, org, package.id()).await? {
        None => not_held(package, errors),
        Some((Some(quantity), assigned)) if assigned >= i64::from(quantity) => {
            errors.push(crate::domain::fields::FieldError {
                field: field("packages"),
                message: format!(
                    "All {quantity} of {} are assigned: the package's limit is {quantity}.",
                    package.name()
                ),
                vendor_code: None,
                conflict: true,
            });
        }
        Some(_) => {}
    }
    Ok(())
}

/// Adds a user to customer `org` (already checked to be the asker's), provisioned at
/// once; answers the new subscriber's id.
pub async fn add(
    state: &AppState,
    org: Uuid,
    user: &NewUser,
    asker: &Asker<'_>,
) -> AppResult<Uuid> {
    match add_many(state, org, std::slice::from_ref(user), asker).await? {
        Ok(mut ids) => Ok(ids.remove(0)),
        Err(mut refused) => Err(AppError::Validation(refused.remove(0).1)),
    }
}

/// The rows of a batch that were refused: (index in the batch, its refusals).
pub type RefusedRows = Vec<(usize, FieldErrors)>;

/// Adds several users (Control Hub's form: up to `MAX_BATCH`) all or none, in one
/// transaction: each row is checked after the ones before it were added, so two rows
/// with one email, or more rows than free seats, are refused like a second request.
/// Answers the new ids in order, or every refused row with its reasons.
pub async fn add_many(
    state: &AppState,
    org: Uuid,
    users: &[NewUser],
    asker: &Asker<'_>,
) -> AppResult<Result<Vec<Uuid>, RefusedRows>> {
    if users.len() > MAX_BATCH {
        return Err(AppError::field(
            field("rows"),
            format!("Add at most {MAX_BATCH} users at a time."),
        ));
    }
    // Adds that count no seat, check no number and cannot make the first admin run side
    // by side (the API's and a partner's bulk of end users, mostly); any other takes the
    // customer's turn, and so does one that finds, once in, that it needs it.
    let no_numbers = users
        .iter()
        .all(|u| u.primary_phone_number.is_none() && u.extension.is_none());
    if no_numbers && let Some(done) = add_batch(state, org, users, asker, OrgTurn::Shared).await? {
        return Ok(done);
    }
    Ok(add_batch(state, org, users, asker, OrgTurn::Exclusive)
        .await?
        .expect("an exclusive turn is never given up"))
}

/// `add_many` in the given turn; `None` when a shared turn does not suffice.
async fn add_batch(
    state: &AppState,
    org: Uuid,
    users: &[NewUser],
    asker: &Asker<'_>,
    turn: OrgTurn,
) -> AppResult<Option<Result<Vec<Uuid>, RefusedRows>>> {
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let facts = store::subscribers::customer_facts_in_turn(&mut tx, org, turn)
        .await?
        .ok_or(AppError::NotFound)?;
    ready(&facts)?;
    if turn == OrgTurn::Shared {
        // The first user of a new org becomes its full admin: decided alone.
        if !facts.attached && !facts.has_full_admin {
            return Ok(None);
        }
        // A limited package's seats are counted alone; an unlimited one's row is held
        // (shared) until the commit, so its quantity cannot be set meanwhile.
        let mut named: Vec<Package> = users
            .iter()
            .filter_map(|u| u.package.as_deref().and_then(Package::parse))
            .collect();
        named.sort_by_key(|p| p.id());
        named.dedup();
        for p in named {
            if let Some(Some(_)) =
                store::customer_packages::hold_for_assignment(&mut tx, org, p.id()).await?
            {
                return Ok(None);
            }
        }
    }
    let mut has_full_admin = facts.has_full_admin;
    let mut ids = vec![];
    let mut refused = vec![];
    for (i, user) in users.iter().enumerate() {
        let added = match add_in(&mut tx, org, &facts, has_full_admin, user, asker, now).await {
            // Another customer's request took the email between the check and the
            // insert: the same refusal as when it was there first.
            // (Or, side by side, another add gave the same person a package first.)
            Err(AppError::Sqlx(sqlx::Error::Database(e)))
                if matches!(
                    e.constraint(),
                    Some("people_email_key" | "subscribers_person_id_key")
                ) =>
            {
                let mut errors = FieldErrors::new();
                email_in_use(&mut errors, crate::services::customer::rules::EMAIL_IN_USE);
                refused.push((i, errors));
                break;
            }
            other => other?,
        };
        match added {
            Ok((id, made_admin)) => {
                has_full_admin |= made_admin;
                ids.push(id);
            }
            Err(errors) => refused.push((i, errors)),
        }
    }
    if !refused.is_empty() {
        // Dropping the transaction undoes the rows that passed.
        return Ok(Some(Err(refused)));
    }
    tx.commit().await?;
    Ok(Some(Ok(ids)))
}

/// At most this many users in one submission of Control Hub's form (SPEC §5).
pub const MAX_BATCH: usize = 25;

/// The audit action of an added user, and what its entry records.
pub(crate) const CREATED: &str = "subscriber.create";

pub(crate) fn created_detail(
    id: Uuid,
    email: &str,
    package: Package,
    made_admin: bool,
) -> serde_json::Value {
    serde_json::json!({
        "subscriber_id": id, "email": email, "package": package.id(), "made_full_admin": made_admin,
    })
}

/// The welcome email of an end user of the customer, under the template's brand.
pub(crate) fn welcome(facts: &CustomerFacts, first_name: &str) -> (String, String) {
    emails::welcome(
        facts.brand.as_deref().unwrap_or("Webex"),
        first_name,
        &facts.name,
        facts.support_url.as_deref(),
    )
}

/// A new user's fields checked before the database is asked: every refusal they earn,
/// with the email (trimmed) and package they name.
pub(crate) struct Checked<'u> {
    pub errors: FieldErrors,
    pub email: Option<&'u str>,
    pub package: Option<Package>,
}

pub(crate) fn check_fields(user: &NewUser) -> Checked<'_> {
    let mut errors = FieldErrors::new();
    let email = user
        .email
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty());
    match email {
        None => errors.add(field("email"), "Enter the user's email address."),
        Some(e) if !looks_like_email(e) => {
            errors.add(field("email"), format!("“{e}” is not an email address."))
        }
        Some(_) => {}
    }
    check_name(
        user.first_name.as_deref(),
        "firstName",
        "first name",
        &mut errors,
    );
    check_name(
        user.last_name.as_deref(),
        "lastName",
        "last name",
        &mut errors,
    );
    let package = match user.package.as_deref() {
        None => {
            errors.add(field("packages"), "Choose the user's package.");
            None
        }
        Some(raw) => user_package(raw, &mut errors),
    };
    let calling = package.is_some_and(Package::is_calling);
    let (phone, extension) = (
        user.primary_phone_number.as_deref(),
        user.extension.as_deref(),
    );
    check_numbers(phone, extension, &mut errors);
    if package.is_some() && !calling && (phone.is_some() || extension.is_some()) {
        errors.add(
            field("primaryPhoneNumber"),
            "A phone number or extension goes with a calling package only.",
        );
    }
    if calling && phone.is_none() && extension.is_none() {
        errors.add(
            field("extension"),
            "A calling package needs a phone number, an extension or both.",
        );
    }

    Checked {
        errors,
        email,
        package,
    }
}

/// Checks one user against the rules and, when none refuses it, adds it in `tx`;
/// answers its id and whether it became the customer's full admin.
pub(crate) async fn add_in(
    tx: &mut sqlx::PgConnection,
    org: Uuid,
    facts: &CustomerFacts,
    has_full_admin: bool,
    user: &NewUser,
    asker: &Asker<'_>,
    now: OffsetDateTime,
) -> AppResult<Result<(Uuid, bool), FieldErrors>> {
    let Checked {
        mut errors,
        email,
        package,
    } = check_fields(user);
    let calling = package.is_some_and(Package::is_calling);
    let (phone, extension) = (
        user.primary_phone_number.as_deref(),
        user.extension.as_deref(),
    );

    let mut existing_person = None;
    if let Some(e) = email.filter(|e| looks_like_email(e))
        && let Some(person) = store::people::by_email(&mut *tx, e).await?
    {
        if person.org_id != org {
            email_in_use(
                &mut errors,
                &format!(
                    "{} {e} belongs to a person of another organisation: an external user cannot receive a wholesale package.",
                    crate::services::customer::rules::EMAIL_IN_USE
                ),
            );
        } else if store::subscribers::package_of(tx, person.id)
            .await?
            .is_some()
        {
            email_in_use(&mut errors, crate::services::customer::rules::EMAIL_IN_USE);
        } else {
            existing_person = Some(person);
        }
    }
    let mut location = None;
    if calling {
        let locations = store::subscribers::location_ids(tx, org).await?;
        location = calling_location(user.location_id, None, &locations, &mut errors);
    }
    match package {
        // A shared turn holds only unlimited packages (`add_batch`): no seat to count.
        Some(p) if facts.shared => hold_seat(tx, org, p, &mut errors).await?,
        Some(p) => check_seat(tx, org, p, &mut errors).await?,
        None => {}
    }
    check_number_taken(tx, org, None, phone, extension, &mut errors).await?;
    let (Some(email), Some(package), true) = (email, package, errors.is_empty()) else {
        return Ok(Err(errors));
    };
    let first_name = user.first_name.as_deref().unwrap_or_default();
    let last_name = user.last_name.as_deref().unwrap_or_default();

    let person_id = match &existing_person {
        Some(p) => p.id,
        None => {
            store::people::insert(
                &mut *tx,
                &store::people::NewPerson {
                    org_id: org,
                    email,
                    first_name,
                    last_name,
                    password_hash: None,
                },
            )
            .await?
        }
    };
    let id = store::subscribers::insert_provisioned(
        tx,
        org,
        &store::subscribers::NewSubscriber {
            person_id,
            package: package.id(),
            location_id: location,
            extension,
            primary_phone_number: phone,
        },
        now,
    )
    .await?;
    // The first user of a new org is its full admin (SPEC §5); not in an attached org.
    let made_admin = !facts.attached && !has_full_admin;
    if made_admin {
        store::people::grant(&mut *tx, person_id, org, Role::CustomerFullAdmin).await?;
    }
    let is_admin = made_admin
        || existing_person.is_some() && store::people::holds_any_role(&mut *tx, person_id).await?;
    // Welcome emails go to end users only, never to admins (SPEC §13).
    if !is_admin {
        let (subject, body) = welcome(facts, first_name);
        emails::send(
            tx,
            &store::emails::NewEmail {
                org_id: Some(org),
                to: email,
                subject: &subject,
                body: &body,
                kind: "welcome",
                secret: None,
            },
            now,
        )
        .await?;
    }
    audit(
        tx,
        asker,
        org,
        CREATED,
        created_detail(id, email, package, made_admin),
        now,
    )
    .await?;
    Ok(Ok((id, made_admin)))
}

/// A phone number is one user's across the service, an extension one user's within the
/// customer: refused when another user (not `except`) holds it.
async fn check_number_taken(
    conn: &mut sqlx::PgConnection,
    org: Uuid,
    except: Option<Uuid>,
    phone: Option<&str>,
    extension: Option<&str>,
    errors: &mut FieldErrors,
) -> AppResult<()> {
    if phone.is_none() && extension.is_none() {
        return Ok(());
    }
    let (phone_taken, extension_taken) = store::subscribers::numbers_taken(
        conn,
        org,
        store::subscribers::NumberHolder {
            user: except,
            workspace: None,
        },
        phone,
        extension,
    )
    .await?;
    for (taken, name, value) in [
        (phone_taken, "primaryPhoneNumber", phone),
        (extension_taken, "extension", extension),
    ] {
        if taken {
            errors.push(crate::domain::fields::FieldError {
                field: field(name),
                message: format!(
                    "{} is already assigned to another user or workspace.",
                    value.unwrap_or_default()
                ),
                vendor_code: None,
                conflict: true,
            });
        }
    }
    Ok(())
}

/// Changes user `id` of customer `org`: its package, numbers or location.
pub async fn change(
    state: &AppState,
    org: Uuid,
    id: Uuid,
    to: &UserChange,
    asker: &Asker<'_>,
) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    change_in(&mut tx, org, id, to, asker, state.clock.now()).await?;
    tx.commit().await?;
    Ok(())
}

/// `change` inside the caller's transaction (a CSV import applies each row in its own).
pub(crate) async fn change_in(
    tx: &mut sqlx::PgConnection,
    org: Uuid,
    id: Uuid,
    to: &UserChange,
    asker: &Asker<'_>,
    now: OffsetDateTime,
) -> AppResult<()> {
    let facts = store::subscribers::customer_facts(tx, org)
        .await?
        .ok_or(AppError::NotFound)?;
    let held = store::subscribers::lock(tx, org, id)
        .await?
        .ok_or(AppError::NotFound)?;
    ready(&facts)?;
    let mut errors = FieldErrors::new();
    let current = Package::parse(&held.package);
    let package = match to.package.as_deref() {
        None => current,
        Some(raw) => user_package(raw, &mut errors),
    };
    let moving = package.is_some() && package != current;
    let calling = package.is_some_and(Package::is_calling);
    let was_calling = current.is_some_and(Package::is_calling);
    let phone = to
        .primary_phone_number
        .as_deref()
        .or(held.primary_phone_number.as_deref().filter(|_| was_calling));
    let extension = to
        .extension
        .as_deref()
        .or(held.extension.as_deref().filter(|_| was_calling));
    check_numbers(
        to.primary_phone_number.as_deref(),
        to.extension.as_deref(),
        &mut errors,
    );
    if calling {
        // SPEC §5: moving onto a calling package means giving its calling number.
        if moving && !was_calling && to.primary_phone_number.is_none() && to.extension.is_none() {
            errors.add(
                field("extension"),
                "Moving to a calling package needs the user's phone number, extension or both.",
            );
        } else if phone.is_none() && extension.is_none() {
            errors.add(
                field("extension"),
                "A calling package needs a phone number, an extension or both.",
            );
        }
    } else if package.is_some() && (to.primary_phone_number.is_some() || to.extension.is_some()) {
        errors.add(
            field("primaryPhoneNumber"),
            "A phone number or extension goes with a calling package only.",
        );
    }
    if moving
        && let (Some(from), Some(next)) = (current, package)
        && store::people::holds_role_on(&mut *tx, held.person_id, org, Role::CustomerFullAdmin)
            .await?
        && admin_package::level(next) > admin_package::level(from)
    {
        errors.add(
            field("packages"),
            format!(
                "This user is a full administrator of {}: their package cannot be lowered from {} to {}.",
                facts.name,
                from.name(),
                next.name()
            ),
        );
    }
    let mut location = None;
    if calling {
        let locations = store::subscribers::location_ids(tx, org).await?;
        location = calling_location(to.location_id, held.location_id, &locations, &mut errors);
    }
    if moving && let Some(p) = package {
        check_seat(tx, org, p, &mut errors).await?;
    }
    let (phone, extension) = if calling {
        (phone, extension)
    } else {
        (None, None)
    };
    check_number_taken(tx, org, Some(held.id), phone, extension, &mut errors).await?;
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let Some(package) = package else {
        unreachable!("refused above without a package");
    };
    store::subscribers::change(
        tx,
        &held,
        &Changed {
            package: package.id(),
            location_id: location,
            primary_phone_number: phone,
            extension,
        },
        now,
    )
    .await?;
    audit(
        tx,
        asker,
        org,
        "subscriber.update",
        serde_json::json!({
            "subscriber_id": held.id, "from_package": held.package, "package": package.id(),
            "location_id": location,
        }),
        now,
    )
    .await?;
    Ok(())
}

/// Removes user `id` of customer `org`: its licence ends now; the person goes too unless
/// they administer something (an admin stays, without a package).
pub async fn remove(state: &AppState, org: Uuid, id: Uuid, asker: &Asker<'_>) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    remove_in(&mut tx, org, id, asker, state.clock.now()).await?;
    tx.commit().await?;
    Ok(())
}

/// `remove` inside the caller's transaction.
pub(crate) async fn remove_in(
    tx: &mut sqlx::PgConnection,
    org: Uuid,
    id: Uuid,
    asker: &Asker<'_>,
    now: OffsetDateTime,
) -> AppResult<()> {
    store::subscribers::customer_facts(tx, org)
        .await?
        .ok_or(AppError::NotFound)?;
    let held: Held = store::subscribers::lock(tx, org, id)
        .await?
        .ok_or(AppError::NotFound)?;
    store::subscribers::remove(tx, &held, now).await?;
    let person_removed = if store::people::holds_any_role(&mut *tx, held.person_id).await? {
        false
    } else {
        store::people::delete_without_roles(&mut *tx, held.person_id).await?
    };
    audit(
        tx,
        asker,
        org,
        "subscriber.delete",
        serde_json::json!({
            "subscriber_id": held.id, "package": held.package, "person_removed": person_removed,
        }),
        now,
    )
    .await?;
    Ok(())
}

/// The subscriber precheck (SPEC §9.3): the same rules as `add` for what the request
/// gives, changing nothing. `customer` is the asker's customer, when one was named.
pub async fn precheck(state: &AppState, customer: Option<Uuid>, user: &NewUser) -> AppResult<()> {
    let mut errors = FieldErrors::new();
    let email = user
        .email
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty());
    let Some(email) = email else {
        return Err(AppError::field(
            field("email"),
            "Enter the user's email address.",
        ));
    };
    if !looks_like_email(email) {
        return Err(AppError::field(
            field("email"),
            format!("“{email}” is not an email address."),
        ));
    }
    let mut conn = state.db.acquire().await?;
    if let Some(person) = store::people::by_email(&mut *conn, email).await? {
        let subscribed = store::subscribers::package_of(&mut conn, person.id)
            .await?
            .is_some();
        match customer {
            Some(org) if person.org_id != org => email_in_use(
                &mut errors,
                &format!(
                    "{} {email} is tied to another organisation (customer or partner).",
                    crate::services::customer::rules::EMAIL_IN_USE
                ),
            ),
            None => email_in_use(&mut errors, crate::services::customer::rules::EMAIL_IN_USE),
            Some(_) if subscribed => {
                email_in_use(&mut errors, crate::services::customer::rules::EMAIL_IN_USE)
            }
            Some(_) => {}
        }
    }
    if let Some(raw) = user.package.as_deref()
        && let Some(p) = user_package(raw, &mut errors)
        && let Some(org) = customer
    {
        let calling = p.is_calling();
        check_numbers(
            user.primary_phone_number.as_deref(),
            user.extension.as_deref(),
            &mut errors,
        );
        if !store::subscribers::customer_holds(&mut conn, org, p.id()).await? {
            errors.add(
                field("packages"),
                format!("This customer does not have {} ({}).", p.name(), p.id()),
            );
        }
        if calling {
            let locations = store::subscribers::location_ids(&mut conn, org).await?;
            calling_location(user.location_id, None, &locations, &mut errors);
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(errors))
    }
}

async fn audit(
    conn: &mut sqlx::PgConnection,
    asker: &Asker<'_>,
    org: Uuid,
    action: &str,
    detail: serde_json::Value,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    store::audit::append(conn, &asker.entry(org, action, detail), now).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_and_extensions_as_people_write_them() {
        for ok in [
            "+12405551212",
            "+1-240-555-1212",
            "(240) 555 1212",
            "0201234567",
        ] {
            assert!(valid_phone(ok), "{ok}");
        }
        for bad in [
            "12345",
            "+1 240 555 1212 99999",
            "call me",
            "+44+2071234567",
        ] {
            assert!(!valid_phone(bad), "{bad}");
        }
        assert!(valid_extension("5221"));
        assert!(!valid_extension("1"));
        assert!(!valid_extension("52a1"));
    }

    #[test]
    fn only_user_packages_are_a_users_package() {
        let mut errors = FieldErrors::new();
        assert_eq!(
            user_package("customer_assist", &mut errors),
            Some(Package::CxEssentials)
        );
        assert_eq!(user_package("common_area_calling", &mut errors), None);
        assert_eq!(user_package("attendant_console", &mut errors), None);
        assert_eq!(user_package("gold", &mut errors), None);
        assert_eq!(errors.len(), 3);
    }

    #[test]
    fn a_calling_user_gets_the_named_or_the_only_location() {
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        let mut errors = FieldErrors::new();
        assert_eq!(calling_location(None, None, &[a], &mut errors), Some(a));
        assert_eq!(
            calling_location(Some(b), None, &[a, b], &mut errors),
            Some(b)
        );
        assert_eq!(
            calling_location(None, Some(a), &[a, b], &mut errors),
            Some(a)
        );
        assert!(errors.is_empty());
        assert_eq!(calling_location(None, None, &[a, b], &mut errors), None);
        assert_eq!(
            calling_location(Some(Uuid::new_v4()), None, &[a], &mut errors),
            None
        );
        assert_eq!(calling_location(None, None, &[], &mut errors), None);
        assert_eq!(errors.len(), 3);
    }
}
