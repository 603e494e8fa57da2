//! The delayed billing start (SPEC §4.2): not in the past, and at most 90 days after the
//! day the delay counts from (today for a new customer, its creation for a change).

use time::Date;

use crate::domain::fields::{Field, FieldErrors, add};

/// Longest delay of billing start after creation (SPEC §4.2).
pub const MAX_BILLING_DELAY_DAYS: i64 = 90;

/// A delayed billing start is not in the past and at most `latest` (the customer's
/// creation, or today for a new one, plus `MAX_BILLING_DELAY_DAYS`); `from` names the
/// day the delay counts from, for the message.
pub fn check_billing_start(
    errors: &mut FieldErrors,
    start: Date,
    today: Date,
    latest: Date,
    from: &str,
) {
    if start < today {
        add(
            errors,
            Field::BillingStartDate,
            "The billing start date cannot be in the past.",
        );
    } else if start > latest {
        add(
            errors,
            Field::BillingStartDate,
            format!(
                "The billing start date can be at most {MAX_BILLING_DELAY_DAYS} days after {from}: {latest} at the latest."
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Duration;

    #[test]
    fn a_billing_start_is_not_in_the_past_and_at_most_90_days_away() {
        let today = time::macros::date!(2026 - 11 - 26);
        let latest = today + Duration::days(MAX_BILLING_DELAY_DAYS);
        let check = |start: Date| {
            let mut e = FieldErrors::new();
            check_billing_start(&mut e, start, today, latest, "today");
            e.messages(&Field::BillingStartDate)
        };
        assert!(check(today).is_empty());
        assert!(check(latest).is_empty());
        assert_eq!(
            check(today - Duration::days(1)),
            vec!["The billing start date cannot be in the past.".to_string()]
        );
        assert_eq!(
            check(latest + Duration::days(1)),
            vec![
                "The billing start date can be at most 90 days after today: 2027-02-24 at the latest."
                    .to_string()
            ]
        );
    }
}
