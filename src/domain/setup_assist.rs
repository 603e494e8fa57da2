//! Wholesale Setup Assist (SPEC §4.6): which SKU a location gets and how early a request
//! must come.

use time::{Date, Duration, Weekday};

/// Seats up to which a location is set up with the Express SKU.
pub const EXPRESS_MAX_SEATS: i64 = 5;
/// Business days a request must precede the planned onboarding completion.
pub const LEAD_BUSINESS_DAYS: i64 = 6;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sku {
    Express,
    Standard,
}

impl Sku {
    pub fn for_seats(seats: i64) -> Sku {
        if seats <= EXPRESS_MAX_SEATS {
            Sku::Express
        } else {
            Sku::Standard
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Sku::Express => "EXPRESS",
            Sku::Standard => "STANDARD",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Sku::Express => "Express",
            Sku::Standard => "Standard",
        }
    }
}

fn is_business_day(d: Date) -> bool {
    !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday)
}

/// The earliest planned completion date a request made on `today` may name: six
/// business days later (weekends do not count).
pub fn earliest_completion(today: Date) -> Date {
    let mut d = today;
    let mut counted = 0;
    while counted < LEAD_BUSINESS_DAYS {
        d += Duration::days(1);
        if is_business_day(d) {
            counted += 1;
        }
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn five_seats_or_fewer_is_express() {
        assert_eq!(Sku::for_seats(0), Sku::Express);
        assert_eq!(Sku::for_seats(5), Sku::Express);
        assert_eq!(Sku::for_seats(6), Sku::Standard);
    }

    #[test]
    fn six_business_days_skip_weekends() {
        // Thursday 2026-11-26 + 6 business days = Friday 2026-12-04.
        assert_eq!(
            earliest_completion(date!(2026 - 11 - 26)),
            date!(2026 - 12 - 04)
        );
        // Monday + 6 business days = Tuesday of the next week.
        assert_eq!(
            earliest_completion(date!(2026 - 11 - 23)),
            date!(2026 - 12 - 01)
        );
        // From a Saturday the count starts on Monday.
        assert_eq!(
            earliest_completion(date!(2026 - 11 - 28)),
            date!(2026 - 12 - 07)
        );
    }
}
