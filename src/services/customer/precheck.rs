//! The pre-provisioning check (SPEC §9.3): creation's rules for the parts of a request
//! that are present, with nothing written.

use super::input::NewCustomer;
use super::plan::validate;
use crate::AppState;
use crate::auth::PartnerScope;
use crate::domain::fields::trimmed;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::tenancy::policy::PartnerAction;

/// May this scope run the pre-provisioning check? Partner full admins only (SPEC §1);
/// the access policy has no action of its own for it, so the role is named here.
pub fn precheck_allowed(scope: &PartnerScope) -> AppResult<()> {
    scope.require(PartnerAction::Precheck)
}

/// The pre-provisioning check (SPEC §9.3): `plan::validate`'s rules for the parts
/// of the request that are present. Only the address is required; a missing template,
/// package list, name or email is not reported. An email already in use is (code 10022).
/// Partner full admins only (SPEC §1). Nothing is written.
pub async fn precheck(state: &AppState, scope: &PartnerScope, req: &NewCustomer) -> AppResult<()> {
    precheck_allowed(scope)?;
    let mut errors = match validate(state, scope, req).await {
        Ok(()) => return Ok(()),
        Err(AppError::Validation(errors)) => errors,
        Err(other) => return Err(other),
    };
    let absent = |present: bool, fields: &[&str], errors: &mut FieldErrors| {
        if !present {
            errors.retain(|field, _| {
                !fields
                    .iter()
                    .any(|f| field == f || field.starts_with(&format!("{f}.")))
            });
        }
    };
    absent(
        !req.provisioning_id.trim().is_empty(),
        &["provisioningId"],
        &mut errors,
    );
    // Without packages, neither they nor their quantities can be judged.
    absent(
        !req.packages.is_empty(),
        &["packages", "provisioningParameters.packages.limits"],
        &mut errors,
    );
    absent(
        trimmed(&req.name).is_some(),
        &["customerInfo.name"],
        &mut errors,
    );
    absent(
        trimmed(&req.primary_email).is_some(),
        &["customerInfo.primaryEmail"],
        &mut errors,
    );
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(errors))
    }
}
