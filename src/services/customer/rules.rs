//! The rules a customer's creation and changes share that need more than the request:
//! who may change which customer when, and how a clash on a unique index reads.

use sqlx::PgConnection;

use super::input::LocationInput;
use crate::domain::address::check_address;
use crate::domain::fields::{Field, FieldError, FieldErrors};
use crate::domain::fields::{LocationPart, add};
use crate::domain::{locales, timezones};
use crate::error::AppError;
use crate::error::AppResult;
use crate::store;
use crate::store::customer_records::ChangeFacts;
use crate::tenancy::policy::PartnerAction;
use crate::tenancy::scope::CustomerOrgId;
use crate::tenancy::scope::PartnerScope;

/// The vendor's error code of an email that already belongs to someone (SPEC §9), and
/// its exact text, which integrations match on.
pub const EMAIL_IN_USE_CODE: u32 = 10022;
pub const EMAIL_IN_USE: &str = "The email is already associated with an existing user.";

/// The refusal of an email already in use: the vendor's 10022 (a 400, not a conflict,
/// as the vendor answers it).
pub fn email_in_use() -> FieldError {
    FieldError {
        field: Field::PrimaryEmail,
        message: EMAIL_IN_USE.into(),
        vendor_code: Some(EMAIL_IN_USE_CODE),
        conflict: false,
    }
}

/// The same refusal of an email in use, beside another field (a user's email).
pub fn email_in_use_at(field: Field) -> FieldError {
    FieldError {
        field,
        ..email_in_use()
    }
}

/// The refusal of an external id another of the partner's customers has: a conflict
/// (409 on the API), shown beside the field on pages.
pub fn external_id_duplicate(external_id: &str) -> FieldError {
    FieldError {
        field: Field::ExternalId,
        message: external_id_taken(external_id),
        vendor_code: None,
        conflict: true,
    }
}

/// One refusal as a validation error.
fn refused(error: FieldError) -> AppError {
    let mut errors = FieldErrors::new();
    errors.push(error);
    AppError::Validation(errors)
}

/// What a request for a delayed billing start is told without the partner setting.
pub const DELAYED_BILLING_OFF: &str = "Delayed billing is not enabled for your organisation.";

/// Longest external id, in characters.
pub const MAX_EXTERNAL_ID: usize = 200;

/// Statuses in which a customer is still being changed by a job: no other change may
/// start until it ends (409).
const BUSY: [&str; 3] = ["provisioning", "updating", "deleting"];

/// What a duplicate external id is told, on creation and on change.
pub fn external_id_taken(external_id: &str) -> String {
    format!(
        "Another of your customers already has the external id “{}”.",
        external_id.trim()
    )
}

/// The refusal of a duplicate external id, as an error: 409 on the API, beside the
/// field on pages, whether the check or the unique index saw the clash.
pub fn external_id_conflict(external_id: &str) -> AppError {
    refused(external_id_duplicate(external_id))
}

/// The checks of a location sent with a customer (name, address, time zone, language in
/// `country`), shared by creation and change. Gives the location's language as the
/// locale it resolves to, or `None` when it does not.
pub fn check_location(
    l: &LocationInput,
    country: &str,
    errors: &mut FieldErrors,
) -> Option<String> {
    if l.name.trim().is_empty() {
        add(
            errors,
            Field::Location(LocationPart::Name),
            "Enter the location name.",
        );
    }
    check_address(
        &l.address,
        |part| Field::Location(LocationPart::Address(part)),
        errors,
    );
    if !timezones::is_supported(l.timezone.trim()) {
        add(
            errors,
            Field::Location(LocationPart::Timezone),
            timezones::error_message(l.timezone.trim()),
        );
    }
    match locales::resolve(l.language.trim(), country) {
        Ok(language) => Some(language),
        Err(e) => {
            add(
                errors,
                Field::Location(LocationPart::Language),
                e.to_string(),
            );
            None
        }
    }
}

/// A unique index's refusal of a new customer, as the field error `plan` gives when it
/// sees the clash itself.
/// Why the wizard does not provision an org that exists already (SPEC §4.5).
pub const EXISTING_ORG_EMAIL: &str = "This address belongs to someone in an organisation that already exists. \
     Wholesale is added to an existing organisation through the API (POST /v1/wholesale/customers with its orgId), \
     not with this wizard.";

pub fn taken(e: sqlx::Error, external_id: Option<&str>) -> AppError {
    match &e {
        sqlx::Error::Database(db) => match db.constraint() {
            Some(store::customer_records::EMAIL_KEY) => refused(email_in_use()),
            Some(store::customer_records::EXTERNAL_ID_KEY) => {
                refused(external_id_duplicate(external_id.unwrap_or_default()))
            }
            _ => AppError::Sqlx(e),
        },
        _ => AppError::Sqlx(e),
    }
}

/// Is delayed billing enabled for this (sub-)partner, by its own setting or its parent's
/// (SPEC §4.2)?
pub async fn delayed_billing_allowed(
    conn: &mut PgConnection,
    scope: &PartnerScope,
) -> sqlx::Result<bool> {
    store::orgs::delayed_billing_allowed(&mut *conn, scope.org_id(), scope.org.parent_org_id).await
}

/// Locks a customer the scope onboarded, for a change. Another partner's customer, or a
/// deleted one, is 404 (existence does not leak); then the role decides (403); then a
/// customer still being changed is 409.
pub async fn lock_for_change(
    conn: &mut PgConnection,
    scope: &PartnerScope,
    customer_id: uuid::Uuid,
) -> AppResult<(CustomerOrgId, ChangeFacts)> {
    lock_for(conn, scope, customer_id, PartnerAction::ManageCustomers).await
}

/// `lock_for_change` for removing the customer: what a suspended sub-partner may still
/// do (SPEC §9.4).
pub async fn lock_for_removal(
    conn: &mut PgConnection,
    scope: &PartnerScope,
    customer_id: uuid::Uuid,
) -> AppResult<(CustomerOrgId, ChangeFacts)> {
    lock_for(conn, scope, customer_id, PartnerAction::RemoveCustomers).await
}

async fn lock_for(
    conn: &mut PgConnection,
    scope: &PartnerScope,
    customer_id: uuid::Uuid,
    action: PartnerAction,
) -> AppResult<(CustomerOrgId, ChangeFacts)> {
    let (customer, facts) =
        store::customer_records::lock_for_change(conn, scope.org_id(), customer_id)
            .await?
            .ok_or(AppError::NotFound)?;
    scope.require(action)?;
    if let Some(status) = facts.status.as_deref().filter(|s| BUSY.contains(s)) {
        return Err(AppError::Conflict(format!(
            "The customer is {status}; wait until that has finished before changing it."
        )));
    }
    Ok((customer, facts))
}
