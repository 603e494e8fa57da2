//! What Control Hub does to a customer's users beyond their package (SPEC §5, §7): the
//! names and primary email (editable even in restricted mode), the customer admin roles
//! (customer full admins and partner admins give them), and the door to
//! `services::subscribers` for adding, changing and removing users, with the
//! restricted-by-partner mode checked first: a customer admin's direct POST is refused
//! (403, audited by the denial middleware) whatever the page showed.

use uuid::Uuid;

use crate::domain::admin_package;
use crate::domain::email_address::looks_like_email;
use crate::domain::fields::Field;
use crate::domain::packages::Package;
use crate::domain::restrictions::Control;
use crate::domain::roles::Role;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::services::RequestCtx;
use crate::services::audit::audit_control_change;
use crate::services::subscribers::{self, Asker, NewUser, RefusedRows, UserChange};
use crate::state::AppState;
use crate::store;
use crate::store::customers::PackageRow;
use crate::store::users::{Names, UserDetail, UserFilter};
use crate::tenancy::policy::CustomerAccess;
use crate::tenancy::scope::CustomerScope;

fn asker<'a>(scope: &'a CustomerScope, ctx: &'a RequestCtx<'a>) -> Asker<'a> {
    Asker::of(
        &scope.actor,
        scope.partner.as_ref().map_or(scope.org.id, |p| p.id),
        ctx,
    )
}

/// Adds users from Control Hub's form, all or none.
pub async fn add(
    state: &AppState,
    scope: &CustomerScope,
    users: &[NewUser],
    ctx: &RequestCtx<'_>,
) -> AppResult<Result<Vec<Uuid>, RefusedRows>> {
    scope.require_change(Control::ManageUsers)?;
    subscribers::add_many(state, scope.org.id, users, &asker(scope, ctx)).await
}

/// The packages a user can be given now (SPEC §5): user packages the customer holds,
/// not being removed, with a free seat; a used-up package cannot be picked.
pub fn packages_on_offer(held: &[PackageRow]) -> Vec<String> {
    held.iter()
        .filter(|p| p.live() && p.free() != Some(0))
        .filter(|p| Package::parse(&p.package).is_some_and(admin_package::is_user_package))
        .map(|p| p.package.clone())
        .collect()
}

/// The users list's filter as this visitor may see it: a provisioning admin's view
/// holds only the users wholesale gave a package (SPEC §4.5).
pub fn visible(scope: &CustomerScope, filter: UserFilter) -> UserFilter {
    UserFilter {
        wholesale_only: scope.provisioning_only(),
        ..filter
    }
}

/// A person of the scope's customer, as this visitor may see them; 404 for anyone else,
/// and for the org's own people under a provisioning admin's view (SPEC §4.5).
pub async fn detail(
    state: &AppState,
    scope: &CustomerScope,
    person: Uuid,
) -> AppResult<UserDetail> {
    store::users::detail(&state.db, scope.org_id(), person)
        .await?
        .filter(|u| u.subscriber_id.is_some() || !scope.provisioning_only())
        .ok_or(AppError::NotFound)
}

/// The subscriber behind a person of the scope's customer; 404 for anyone else.
async fn subscriber_of(state: &AppState, scope: &CustomerScope, person: Uuid) -> AppResult<Uuid> {
    detail(state, scope, person)
        .await?
        .subscriber_id
        .ok_or_else(|| AppError::Conflict("This user holds no wholesale package.".into()))
}

/// Changes a user's package (and with it the calling number and location).
pub async fn change_package(
    state: &AppState,
    scope: &CustomerScope,
    person: Uuid,
    to: &UserChange,
    ctx: &RequestCtx<'_>,
) -> AppResult<()> {
    scope.require_change(Control::UserPackagesAndServices)?;
    if (to.primary_phone_number.is_some() || to.extension.is_some())
        && !scope.may_change(Control::UserPrimaryNumber)
    {
        return Err(AppError::Forbidden);
    }
    let id = subscriber_of(state, scope, person).await?;
    subscribers::change(state, scope.org.id, id, to, &asker(scope, ctx)).await
}

/// Removes a user's package, and the person unless they administer something.
pub async fn remove(
    state: &AppState,
    scope: &CustomerScope,
    person: Uuid,
    ctx: &RequestCtx<'_>,
) -> AppResult<()> {
    scope.require_change(Control::ManageUsers)?;
    let id = subscriber_of(state, scope, person).await?;
    subscribers::remove(state, scope.org.id, id, &asker(scope, ctx)).await
}

/// What the names form sends.
pub struct NamesInput {
    pub first_name: String,
    pub last_name: String,
    pub display_name: String,
    pub email: String,
}

/// Saves a user's names and primary email (SPEC §7: editable in restricted mode too).
pub async fn set_names(
    state: &AppState,
    scope: &CustomerScope,
    person: Uuid,
    input: &NamesInput,
    ctx: &RequestCtx<'_>,
) -> AppResult<()> {
    scope.require_change(Control::UserNames)?;
    // Under a provisioning admin's view the org's own people answer 404.
    detail(state, scope, person).await?;
    let (first, last, display, email) = (
        input.first_name.trim(),
        input.last_name.trim(),
        input.display_name.trim(),
        input.email.trim(),
    );
    let mut errors = FieldErrors::new();
    for (value, name, label) in [
        (first, "first_name", "first name"),
        (last, "last_name", "last name"),
    ] {
        if value.is_empty() {
            errors.add(
                Field::Other(name.into()),
                format!("Enter the user's {label}."),
            );
        } else if value.chars().count() > 64 {
            errors.add(
                Field::Other(name.into()),
                format!("The {label} can be at most 64 characters."),
            );
        }
    }
    if display.chars().count() > 128 {
        errors.add(
            Field::Other("display_name".into()),
            "The display name can be at most 128 characters.",
        );
    }
    if !looks_like_email(email) {
        errors.add(
            Field::Other("email".into()),
            format!("“{email}” is not an email address."),
        );
    }
    let mut tx = state.db.begin().await?;
    let before = store::users::detail(&mut *tx, scope.org_id(), person)
        .await?
        .ok_or(AppError::NotFound)?;
    if looks_like_email(email) && store::users::email_taken(&mut tx, email, person).await? {
        errors.push(crate::services::customer::rules::email_in_use_at(
            Field::Other("email".into()),
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let now = state.clock.now();
    store::users::set_names(
        &mut tx,
        scope.org_id(),
        person,
        &Names {
            first_name: first,
            last_name: last,
            display_name: Some(display).filter(|d| !d.is_empty()),
            email,
        },
        now,
    )
    .await?;
    audit_control_change(
        &mut tx,
        scope,
        ctx,
        "user.names.update",
        serde_json::json!({ "person_id": person, "from_email": before.email, "email": email }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The admin role a customer's person can be given here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AdminRole {
    None,
    ReadOnly,
    Full,
}

impl AdminRole {
    pub fn parse(s: &str) -> Option<AdminRole> {
        match s {
            "none" => Some(AdminRole::None),
            "readonly" => Some(AdminRole::ReadOnly),
            "full" => Some(AdminRole::Full),
            _ => None,
        }
    }

    fn role(self) -> Option<Role> {
        match self {
            AdminRole::None => None,
            AdminRole::ReadOnly => Some(Role::CustomerReadonlyAdmin),
            AdminRole::Full => Some(Role::CustomerFullAdmin),
        }
    }
}

/// May this visitor give admin roles here? Customer full admins and partner admins who
/// may change the customer; never read-only admins. Restricted mode does not lock it:
/// it names users' services and packages, not who administers the org (SPEC §7).
pub fn may_give_roles(scope: &CustomerScope) -> bool {
    // A provisioning admin's rights (SPEC §4.5) are not an administrator's of the org.
    !scope.provisioning_only()
        && matches!(
            scope.access,
            CustomerAccess::CustomerFull | CustomerAccess::Partner { may_change: true }
        )
}

/// Gives a person of the customer full or read-only admin, or takes it away. The last
/// full admin keeps theirs, so the org is never left without one.
pub async fn set_admin_role(
    state: &AppState,
    scope: &CustomerScope,
    person: Uuid,
    wanted: &str,
    ctx: &RequestCtx<'_>,
) -> AppResult<()> {
    if !may_give_roles(scope) {
        return Err(AppError::Forbidden);
    }
    let Some(wanted) = AdminRole::parse(wanted.trim()) else {
        return Err(AppError::field(
            Field::Other("role".into()),
            "Choose no admin role, read-only administrator or full administrator.",
        ));
    };
    let mut tx = state.db.begin().await?;
    store::orgs::lock_customer(&mut *tx, scope.org_id()).await?;
    let before = store::users::detail(&mut *tx, scope.org_id(), person)
        .await?
        .ok_or(AppError::NotFound)?;
    let was_full = before
        .roles
        .iter()
        .any(|r| r == Role::CustomerFullAdmin.as_str());
    if was_full
        && wanted != AdminRole::Full
        && store::users::other_full_admins(&mut tx, scope.org_id(), person).await? == 0
    {
        return Err(AppError::field(
            Field::Other("role".into()),
            format!(
                "{} is the only full administrator of {}: make someone else full administrator first.",
                before.email, scope.org.name
            ),
        ));
    }
    store::users::set_admin_role(
        &mut tx,
        scope.org_id(),
        person,
        wanted.role().map(|r| r.as_str()),
    )
    .await?;
    let now = state.clock.now();
    audit_control_change(
        &mut tx,
        scope,
        ctx,
        "user.admin_role.update",
        serde_json::json!({ "person_id": person, "email": before.email, "role": wanted.role().map(|r| r.as_str()) }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
