//! One change over customers selected on the customers list: restricted-by-partner mode
//! on or off (SPEC §7), or removing their wholesale services (SPEC §4.4). All or
//! nothing, in one transaction: one customer that is not the partner's makes the whole
//! selection not found, one that is still being changed refuses it with its name.

use uuid::Uuid;

use super::remove::remove_in;
use crate::error::{AppError, AppResult};
use crate::services::RequestCtx;
use crate::state::AppState;
use crate::store;
use crate::store::customer_list::Picked;
use crate::tenancy::policy::{self, PartnerAction};
use crate::tenancy::scope::PartnerScope;

/// As many as the largest page holds: a selection is made on one page.
pub const MAX_SELECTED: usize = 100;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BulkAction {
    RestrictOn,
    RestrictOff,
    Remove,
}

impl BulkAction {
    pub const ALL: [BulkAction; 3] = [
        BulkAction::RestrictOn,
        BulkAction::RestrictOff,
        BulkAction::Remove,
    ];

    pub fn key(self) -> &'static str {
        match self {
            BulkAction::RestrictOn => "restrict_on",
            BulkAction::RestrictOff => "restrict_off",
            BulkAction::Remove => "remove",
        }
    }

    pub fn parse(s: &str) -> Option<BulkAction> {
        BulkAction::ALL.into_iter().find(|a| a.key() == s)
    }

    /// As the action menu offers it.
    pub fn label(self) -> &'static str {
        match self {
            BulkAction::RestrictOn => "Turn restricted-by-partner mode on",
            BulkAction::RestrictOff => "Turn restricted-by-partner mode off",
            BulkAction::Remove => "Remove wholesale services",
        }
    }

    /// The confirmation's question, naming how many.
    pub fn question(self, n: usize) -> String {
        let customers = customers(n);
        match self {
            BulkAction::RestrictOn => {
                format!("Turn restricted-by-partner mode on for {customers}?")
            }
            BulkAction::RestrictOff => {
                format!("Turn restricted-by-partner mode off for {customers}?")
            }
            BulkAction::Remove => format!(
                "Remove the wholesale services of {customers}? Their users lose their wholesale \
                 packages and billing stops; the organisations stay."
            ),
        }
    }

    /// Said once it is done.
    pub fn done(self, n: usize) -> String {
        let customers = customers(n);
        match self {
            BulkAction::RestrictOn => format!("Restricted-by-partner mode is on for {customers}."),
            BulkAction::RestrictOff => {
                format!("Restricted-by-partner mode is off for {customers}.")
            }
            BulkAction::Remove => format!("Removing the wholesale services of {customers}."),
        }
    }

    fn may(self, scope: &PartnerScope) -> bool {
        match self {
            BulkAction::RestrictOn | BulkAction::RestrictOff => {
                policy::may_change_restricted_settings(&scope.roles)
            }
            BulkAction::Remove => scope.may(PartnerAction::RemoveCustomers),
        }
    }
}

fn customers(n: usize) -> String {
    if n == 1 {
        "1 customer".into()
    } else {
        format!("{n} customers")
    }
}

/// May this admin use bulk actions at all? Every one changes customers: asked before
/// the form is read, so a refusal says nothing about what was sent.
pub fn may_use(scope: &PartnerScope) -> AppResult<()> {
    if scope.may(PartnerAction::ManageCustomers) {
        return Ok(());
    }
    scope.require(PartnerAction::RemoveCustomers)
}

/// The selected customers, by name, once the role allows the action (403, whatever the
/// ids: that tells nothing about them) and every one is found under the scope (404:
/// another partner's id is not told apart from a missing one).
pub async fn selection(
    state: &AppState,
    scope: &PartnerScope,
    ids: &[Uuid],
    action: BulkAction,
) -> AppResult<Vec<Picked>> {
    if !action.may(scope) {
        return Err(AppError::Forbidden);
    }
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Err(AppError::field(
            "ids",
            "Select at least one customer first.",
        ));
    }
    if ids.len() > MAX_SELECTED {
        return Err(AppError::field(
            "ids",
            format!("Select at most {MAX_SELECTED} customers at a time."),
        ));
    }
    let picked = store::customer_list::picked(&state.db, scope.org_id(), &ids).await?;
    if picked.len() != ids.len() {
        return Err(AppError::NotFound);
    }
    Ok(picked)
}

/// Applies the action to every selected customer, or to none. Answers how many.
pub async fn apply(
    state: &AppState,
    scope: &PartnerScope,
    ids: &[Uuid],
    action: BulkAction,
    ctx: &RequestCtx<'_>,
) -> AppResult<usize> {
    let picked = selection(state, scope, ids, action).await?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    // In id order (`selection` sorted them), so two bulk changes cannot deadlock.
    let mut ids: Vec<&Picked> = picked.iter().collect();
    ids.sort_by_key(|p| p.id);
    for p in ids {
        let one = match action {
            BulkAction::RestrictOn | BulkAction::RestrictOff => {
                set_restricted(
                    &mut tx,
                    scope,
                    p,
                    action == BulkAction::RestrictOn,
                    ctx,
                    now,
                )
                .await
            }
            BulkAction::Remove => remove_in(&mut tx, scope, p.id, ctx, now).await,
        };
        one.map_err(|e| match e {
            AppError::Conflict(why) => AppError::Conflict(format!("{}: {why}", p.name)),
            other => other,
        })?;
    }
    tx.commit().await?;
    Ok(picked.len())
}

async fn set_restricted(
    tx: &mut sqlx::PgConnection,
    scope: &PartnerScope,
    p: &Picked,
    on: bool,
    ctx: &RequestCtx<'_>,
    now: time::OffsetDateTime,
) -> AppResult<()> {
    // Found again under the scope inside the transaction, then locked.
    let customer = store::customers::detail(&mut *tx, scope.org_id(), p.id)
        .await?
        .ok_or(AppError::NotFound)?;
    store::orgs::lock_customer(&mut *tx, customer.customer_org()).await?;
    store::orgs::set_restricted_by_partner(&mut *tx, p.id, on).await?;
    crate::services::audit_partner_change(
        tx,
        scope,
        p.id,
        "customer.global_settings.update",
        serde_json::json!({
            "restricted_by_partner": on,
            "restrict_org_settings": customer.restrict_org_settings,
            "bulk": true,
        }),
        ctx,
        now,
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_round_trip_and_name_the_count() {
        for a in BulkAction::ALL {
            assert_eq!(BulkAction::parse(a.key()), Some(a));
        }
        assert_eq!(BulkAction::parse("delete_everything"), None);
        assert!(BulkAction::RestrictOn.question(3).contains("3 customers"));
        assert!(BulkAction::Remove.question(1).contains("1 customer?"));
        assert!(BulkAction::RestrictOff.done(2).contains("2 customers"));
    }
}
