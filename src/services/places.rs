//! A customer's locations and workspaces from Control Hub (SPEC §2, §5, §7).
//!
//! Locations: name (unique in the customer), address, time zone and language, checked as
//! the first location is (`customer::rules::check_location`). International and premium
//! calling are allowed by default (SPEC §2), except with Cisco Calling Plan, where they
//! are off and cannot be turned on; once a location exists its calling setting is the
//! partner's alone (SPEC §7, locked for customer admins whatever the mode). A location
//! in use (users, workspaces) or the headquarters is not removed.
//!
//! Workspaces: a name, a kind, a location of the customer, a phone number or an
//! extension (unique like users' numbers), and the package `common_area_calling`, which
//! the customer must hold with a free seat. Adding one opens its licence, moving it
//! to another location ends that licence and opens the next, removing it ends it.

use uuid::Uuid;

use crate::domain::address::AddressInput;
use crate::domain::fields::{Field, FieldError};
use crate::domain::packages::Package;
use crate::domain::restrictions::Control;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::services::RequestCtx;
use crate::services::audit::audit_control_change;
use crate::services::customer::LocationInput;
use crate::services::customer::rules::check_location;
use crate::services::subscribers::{check_numbers, check_seat};
use crate::state::AppState;
use crate::store;
use crate::store::locations::LocationFields;
use crate::store::workspaces::WorkspaceFields;
use crate::tenancy::policy::CustomerAccess;
use crate::tenancy::scope::CustomerScope;

/// A location as the form sends it.
#[derive(Debug, Default, Clone)]
pub struct LocationChange {
    pub name: String,
    pub address: AddressInput,
    pub timezone: String,
    pub language: String,
    /// Asked for only where the visitor may set it (`None`: keep, or the default).
    pub international_calling: Option<bool>,
}

/// May the visitor set a location's international calling? Only partner admins who may
/// change the customer (SPEC §7), and never with Cisco Calling Plan.
pub fn may_set_calling(scope: &CustomerScope) -> bool {
    matches!(scope.access, CustomerAccess::Partner { may_change: true })
}

async fn has_calling_plan(conn: &mut sqlx::PgConnection, scope: &CustomerScope) -> AppResult<bool> {
    Ok(
        store::subscribers::customer_holds(conn, scope.org.id, Package::CiscoCallingPlan.id())
            .await?,
    )
}

fn conflict(field: &str, message: String) -> AppError {
    let mut errors = FieldErrors::new();
    errors.push(FieldError {
        field: Field::Other(field.into()),
        message,
        vendor_code: None,
        conflict: true,
    });
    AppError::Validation(errors)
}

/// The form's fields checked, as the store takes them (with the resolved language).
fn checked(l: &LocationChange, errors: &mut FieldErrors) -> Option<String> {
    let input = LocationInput {
        name: l.name.trim().to_string(),
        address: l.address.clone(),
        timezone: l.timezone.trim().to_string(),
        language: l.language.trim().to_string(),
        emergency_location_identifier: None,
    };
    let country = l.address.country.trim().to_uppercase();
    check_location(&input, &country, errors)
}

fn fields<'a>(
    l: &'a LocationChange,
    language: &'a str,
    international: bool,
    country: &'a str,
) -> LocationFields<'a> {
    LocationFields {
        name: l.name.trim(),
        address_line1: l.address.address_line1.trim(),
        address_line2: l
            .address
            .address_line2
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty()),
        city: l.address.city.trim(),
        state_or_province: l
            .address
            .state_or_province
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty()),
        zip_or_postal_code: l
            .address
            .zip_or_postal_code
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty()),
        country,
        timezone: l.timezone.trim(),
        language,
        international_calling: international,
    }
}

/// The unique index's refusal of a name the customer already gave a location, as the
/// field's conflict; any other error as it is.
fn name_taken(e: sqlx::Error, scope: &CustomerScope, name: &str) -> AppError {
    match &e {
        sqlx::Error::Database(db) if db.constraint() == Some(store::locations::NAME_KEY) => {
            conflict(
                "location_name",
                format!(
                    "{} already has a location named “{}”.",
                    scope.org.name,
                    name.trim()
                ),
            )
        }
        _ => e.into(),
    }
}

pub async fn add_location(
    state: &AppState,
    scope: &CustomerScope,
    l: &LocationChange,
    ctx: &RequestCtx<'_>,
) -> AppResult<Uuid> {
    scope.require_change(Control::ManageLocations)?;
    let mut errors = FieldErrors::new();
    let language = checked(l, &mut errors);
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let mut tx = state.db.begin().await?;
    let plan = has_calling_plan(&mut tx, scope).await?;
    // Allowed by default; off and fixed with Cisco Calling Plan (SPEC §2).
    let international =
        !plan && (!may_set_calling(scope) || l.international_calling.unwrap_or(true));
    let country = l.address.country.trim().to_uppercase();
    let language = language.unwrap_or_default();
    let now = state.clock.now();
    let id = store::locations::insert(
        &mut tx,
        scope.org_id(),
        &fields(l, &language, international, &country),
        now,
    )
    .await
    .map_err(|e| name_taken(e, scope, &l.name))?;
    audit_control_change(
        &mut tx,
        scope,
        ctx,
        "location.create",
        serde_json::json!({ "location_id": id, "name": l.name.trim() }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn update_location(
    state: &AppState,
    scope: &CustomerScope,
    id: Uuid,
    l: &LocationChange,
    ctx: &RequestCtx<'_>,
) -> AppResult<()> {
    scope.require_change(Control::ManageLocations)?;
    let mut tx = state.db.begin().await?;
    let held = store::locations::lock(&mut tx, scope.org_id(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut errors = FieldErrors::new();
    let language = checked(l, &mut errors);
    let plan = has_calling_plan(&mut tx, scope).await?;
    let international = match l.international_calling {
        Some(wanted) if wanted != held.international_calling => {
            if !may_set_calling(scope) {
                // The calling setting of an existing location is the partner's (SPEC §7).
                return Err(AppError::Forbidden);
            }
            if plan && wanted {
                errors.add(
                    Field::Other("international_calling".into()),
                    "With Cisco Calling Plan, international calling stays off.",
                );
            }
            wanted
        }
        _ => held.international_calling,
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let country = l.address.country.trim().to_uppercase();
    let language = language.unwrap_or_default();
    store::locations::update(
        &mut tx,
        scope.org_id(),
        id,
        &fields(l, &language, international, &country),
    )
    .await
    .map_err(|e| name_taken(e, scope, &l.name))?;
    let now = state.clock.now();
    audit_control_change(
        &mut tx,
        scope,
        ctx,
        "location.update",
        serde_json::json!({ "location_id": id, "from": held.name, "name": l.name.trim(), "international_calling": international }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn remove_location(
    state: &AppState,
    scope: &CustomerScope,
    id: Uuid,
    ctx: &RequestCtx<'_>,
) -> AppResult<()> {
    scope.require_change(Control::ManageLocations)?;
    let mut tx = state.db.begin().await?;
    let held = store::locations::lock(&mut tx, scope.org_id(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    if held.is_headquarters {
        return Err(AppError::Conflict(format!(
            "{} is the headquarters: it stays while the customer exists.",
            held.name
        )));
    }
    if held.users > 0 || held.workspaces > 0 {
        return Err(AppError::Conflict(format!(
            "{} still has {} user(s) and {} workspace(s): move or remove them first.",
            held.name, held.users, held.workspaces
        )));
    }
    store::locations::delete(&mut tx, scope.org_id(), id).await?;
    let now = state.clock.now();
    audit_control_change(
        &mut tx,
        scope,
        ctx,
        "location.delete",
        serde_json::json!({ "location_id": id, "name": held.name }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// ── Workspaces ──────────────────────────────────────────────────────────────────────

/// The kinds of place a workspace is.
pub const KINDS: [(&str, &str); 4] = [
    ("lobby", "Lobby"),
    ("door", "Door"),
    ("meeting_room", "Meeting room"),
    ("other", "Other"),
];

/// A workspace as the form sends it.
#[derive(Debug, Default, Clone)]
pub struct WorkspaceChange {
    pub name: String,
    pub kind: String,
    pub location_id: Option<Uuid>,
    pub phone_number: Option<String>,
    pub extension: Option<String>,
}

async fn check_workspace(
    conn: &mut sqlx::PgConnection,
    scope: &CustomerScope,
    w: &WorkspaceChange,
    except: Option<Uuid>,
    errors: &mut FieldErrors,
) -> AppResult<Option<Uuid>> {
    let name = w.name.trim();
    if name.is_empty() {
        errors.add(Field::Other("name".into()), "Enter the workspace's name.");
    } else if name.chars().count() > 80 {
        errors.add(
            Field::Other("name".into()),
            "The name can be at most 80 characters.",
        );
    }
    if !KINDS.iter().any(|(k, _)| *k == w.kind) {
        errors.add(
            Field::Other("kind".into()),
            "Choose what kind of place it is.",
        );
    }
    let (phone, extension) = (w.phone_number.as_deref(), w.extension.as_deref());
    if phone.is_none() && extension.is_none() {
        errors.add(
            Field::Other("extension".into()),
            "A workspace needs a phone number, an extension or both.",
        );
    }
    let mut numbers = FieldErrors::new();
    check_numbers(phone, extension, &mut numbers);
    for e in numbers.iter() {
        let name = match &e.field {
            Field::Other(n) if n == "primaryPhoneNumber" => "phone_number",
            _ => "extension",
        };
        errors.add(Field::Other(name.into()), e.message.clone());
    }
    let locations = store::subscribers::location_ids(conn, scope.org.id).await?;
    let location = match w.location_id {
        Some(id) if locations.contains(&id) => Some(id),
        Some(_) | None => {
            errors.add(
                Field::Other("location".into()),
                "Choose one of the customer's locations.",
            );
            None
        }
    };
    let (phone_taken, extension_taken) = store::subscribers::numbers_taken(
        conn,
        scope.org.id,
        store::subscribers::NumberHolder {
            user: None,
            workspace: except,
        },
        phone,
        extension,
    )
    .await?;
    for (taken, field, value) in [
        (phone_taken, "phone_number", phone),
        (extension_taken, "extension", extension),
    ] {
        if taken {
            errors.push(FieldError {
                field: Field::Other(field.into()),
                message: format!(
                    "{} is already assigned to a user or another workspace.",
                    value.unwrap_or_default()
                ),
                vendor_code: None,
                conflict: true,
            });
        }
    }
    Ok(location)
}

pub async fn add_workspace(
    state: &AppState,
    scope: &CustomerScope,
    w: &WorkspaceChange,
    ctx: &RequestCtx<'_>,
) -> AppResult<Uuid> {
    scope.require_change(Control::ManageWorkspaces)?;
    let mut tx = state.db.begin().await?;
    store::orgs::lock_customer(&mut *tx, scope.org_id()).await?;
    let mut errors = FieldErrors::new();
    let location = check_workspace(&mut tx, scope, w, None, &mut errors).await?;
    let mut seat = FieldErrors::new();
    check_seat(&mut tx, scope.org.id, Package::CommonAreaCalling, &mut seat).await?;
    for e in seat.iter() {
        errors.push(FieldError {
            field: Field::Other("package".into()),
            ..e.clone()
        });
    }
    let (Some(location_id), true) = (location, errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    let now = state.clock.now();
    let id = store::workspaces::insert(
        &mut tx,
        scope.org_id(),
        &WorkspaceFields {
            name: w.name.trim(),
            kind: &w.kind,
            location_id,
            phone_number: w.phone_number.as_deref(),
            extension: w.extension.as_deref(),
        },
        now,
    )
    .await?;
    audit_control_change(
        &mut tx,
        scope,
        ctx,
        "workspace.create",
        serde_json::json!({ "workspace_id": id, "name": w.name.trim() }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn update_workspace(
    state: &AppState,
    scope: &CustomerScope,
    id: Uuid,
    w: &WorkspaceChange,
    ctx: &RequestCtx<'_>,
) -> AppResult<()> {
    scope.require_change(Control::ManageWorkspaces)?;
    let mut tx = state.db.begin().await?;
    let held = store::workspaces::lock(&mut tx, scope.org_id(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut errors = FieldErrors::new();
    let location = check_workspace(&mut tx, scope, w, Some(id), &mut errors).await?;
    let (Some(location_id), true) = (location, errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    let now = state.clock.now();
    store::workspaces::update(
        &mut tx,
        &held,
        &WorkspaceFields {
            name: w.name.trim(),
            kind: &w.kind,
            location_id,
            phone_number: w.phone_number.as_deref(),
            extension: w.extension.as_deref(),
        },
        now,
    )
    .await?;
    audit_control_change(
        &mut tx,
        scope,
        ctx,
        "workspace.update",
        serde_json::json!({ "workspace_id": id, "from": held.name, "name": w.name.trim() }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn remove_workspace(
    state: &AppState,
    scope: &CustomerScope,
    id: Uuid,
    ctx: &RequestCtx<'_>,
) -> AppResult<()> {
    scope.require_change(Control::ManageWorkspaces)?;
    let mut tx = state.db.begin().await?;
    let held = store::workspaces::lock(&mut tx, scope.org_id(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let now = state.clock.now();
    store::workspaces::delete(&mut tx, &held, now).await?;
    audit_control_change(
        &mut tx,
        scope,
        ctx,
        "workspace.delete",
        serde_json::json!({ "workspace_id": id, "name": held.name }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
