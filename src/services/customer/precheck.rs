//! The pre-provisioning check (SPEC §9.3): creation's rules for the parts of a request
//! that are present, with nothing written.

use super::input::NewCustomer;
use super::plan::validate;
use crate::domain::fields::{Field, trimmed};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::tenancy::policy::PartnerAction;
use crate::tenancy::scope::PartnerScope;

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
    // The fields a missing part of the request is refused under.
    let not_judged = |field: &Field| match field {
        Field::ProvisioningId => req.provisioning_id.trim().is_empty(),
        // Without packages, neither they nor their quantities can be judged.
        Field::Packages | Field::PackageLimits | Field::PackageLimit(_) => req.packages.is_empty(),
        Field::CustomerName => trimmed(&req.name).is_none(),
        Field::PrimaryEmail => trimmed(&req.primary_email).is_none(),
        _ => false,
    };
    errors.retain(|e| !not_judged(&e.field));
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(errors))
    }
}
