//! Billing reconciliation's rules (SPEC §8): which periods a report may cover, its
//! types and columns, how a licence interval's usage is prorated per UTC day, and how a
//! quantity is written. The SQL in `store::billing_usage` computes the overlap; the
//! tests below hold the same cases as arithmetic on instants.

use time::{Date, Duration, OffsetDateTime, Time};

use crate::domain::fields::{Field, FieldErrors};
use crate::domain::packages::Package;

/// How far back a report may start (SPEC §8: the last five years).
pub const MAX_YEARS_BACK: i32 = 5;

/// Microseconds in a UTC day: usage is counted in microseconds and divided at the end,
/// so the CUSTOMER and USER rows of a period sum to its PARTNER rows exactly.
pub const DAY_MICROS: i64 = 86_400_000_000;

/// A report's download link works this long after the GET that gave it (SPEC §8).
pub const DOWNLOAD_MINUTES: i64 = 30;

/// The code of a report that could not be generated (the API's code for its own
/// failures, `api::codes::INTERNAL`).
pub const GENERATION_FAILED: u32 = 1500;

/// The kinds of report (SPEC §8), as the API spells them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReportType {
    Partner,
    Customer,
    User,
}

impl ReportType {
    pub const ALL: [ReportType; 3] = [ReportType::Partner, ReportType::Customer, ReportType::User];

    pub fn as_str(self) -> &'static str {
        match self {
            ReportType::Partner => "PARTNER",
            ReportType::Customer => "CUSTOMER",
            ReportType::User => "USER",
        }
    }

    /// The API's value, exactly (upper case, as the vendor's enum).
    pub fn parse(s: &str) -> Option<ReportType> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// What the page calls it.
    pub fn label(self) -> &'static str {
        match self {
            ReportType::Partner => "Partner (one row per service)",
            ReportType::Customer => "Customer (per customer, location and licence)",
            ReportType::User => "User (per user or workspace)",
        }
    }

    /// The CSV's header, in the order SPEC §8 gives.
    pub fn columns(self) -> Vec<&'static str> {
        let mut c = vec![
            "Partner_Name",
            "Partner_Org_ID",
            "Subscription_ID",
            "Service_Name",
            "SKU",
            "Description",
            "Consumption_Start_Date",
            "Consumption_End_Date",
            "Quantity",
        ];
        if self != ReportType::Partner {
            c.extend([
                "Customer_Org_ID",
                "Customer_External_ID",
                "Location_ID",
                "License_ID",
            ]);
        }
        if self == ReportType::User {
            c.extend(["Subscriber_ID", "User_ID", "Workspace_ID"]);
        }
        c
    }
}

/// Report statuses, as the API spells them.
pub const STATUSES: [&str; 3] = ["IN_PROGRESS", "COMPLETED", "FAILED"];

/// A period a report may cover: both days within the last five years, before today
/// (UTC; today's usage is not complete), the start not after the end. Each refusal
/// names the field, as the API and the form call it.
pub fn check_period(start: Date, end: Date, today: Date) -> FieldErrors {
    let mut errors = FieldErrors::new();
    let earliest = years_before(today, MAX_YEARS_BACK);
    for (field, day) in [("billingStartDate", start), ("billingEndDate", end)] {
        if day >= today {
            errors.add(
                Field::Other(field.into()),
                format!(
                    "must be before today ({today}): a day's usage is reported once it has ended"
                ),
            );
        } else if day < earliest {
            errors.add(
                Field::Other(field.into()),
                format!("must be within the last {MAX_YEARS_BACK} years ({earliest} or later)"),
            );
        }
    }
    if start > end && errors.is_empty() {
        errors.add(
            Field::Other("billingEndDate".into()),
            "must not be before billingStartDate",
        );
    }
    errors
}

/// The first and last day a report may cover today: five years back, and yesterday.
pub fn period_limits(today: Date) -> (Date, Date) {
    (
        years_before(today, MAX_YEARS_BACK),
        today - Duration::days(1),
    )
}

/// `YYYY-MM-DD`, and nothing else.
pub fn parse_date(s: &str) -> Option<Date> {
    let s = s.trim();
    if s.len() != 10 {
        return None;
    }
    Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).ok()
}

/// The same day `years` earlier (29 February becomes the 28th).
fn years_before(d: Date, years: i32) -> Date {
    let y = d.year() - years;
    Date::from_calendar_date(y, d.month(), d.day())
        .or_else(|_| Date::from_calendar_date(y, d.month(), d.day() - 1))
        .unwrap_or(d)
}

/// Midnight UTC at the start of `d`.
pub fn day_start(d: Date) -> OffsetDateTime {
    d.with_time(Time::MIDNIGHT).assume_utc()
}

/// The instants a period covers: from the start day's midnight up to (not including)
/// the midnight after its end day.
pub fn period_bounds(start: Date, end: Date) -> (OffsetDateTime, OffsetDateTime) {
    (day_start(start), day_start(end) + Duration::days(1))
}

/// A quantity as the CSV writes it: the fraction kept (`12.5`), no trailing zeros, at
/// most six decimals.
pub fn quantity(micros: i64) -> String {
    let scaled = (micros as i128 * 1_000_000 + DAY_MICROS as i128 / 2) / DAY_MICROS as i128;
    let whole = scaled / 1_000_000;
    let frac = scaled % 1_000_000;
    if frac == 0 {
        return whole.to_string();
    }
    let digits = format!("{frac:06}");
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

/// The service's name as the report writes it: the package id in upper case
/// (`WEBEX_CALLING`).
pub fn service_name(package: &str) -> String {
    package.to_ascii_uppercase()
}

/// The stock-keeping unit a partner's invoice line carries for a package.
pub fn sku(package: &str) -> String {
    format!("WX-WHS-{}", package.to_ascii_uppercase().replace('_', "-"))
}

/// The line's description: the package's name as the vendor spells it.
pub fn description(package: &str) -> String {
    Package::parse(package).map_or_else(
        || package.to_string(),
        |p| format!("Wholesale {}", p.name()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    // The proration as arithmetic on instants: the model `store::billing_usage`'s SQL is
    // held to (tests/it/billing.rs checks the SQL against the same cases).

    /// The microseconds of `[from, to)` (an interval with no end is still open) that fall
    /// within `[lo, hi)`.
    fn overlap_micros(
        from: OffsetDateTime,
        to: Option<OffsetDateTime>,
        lo: OffsetDateTime,
        hi: OffsetDateTime,
    ) -> i64 {
        let s = from.max(lo);
        let e = to.map_or(hi, |t| t.min(hi));
        if e <= s {
            0
        } else {
            (e - s).whole_microseconds() as i64
        }
    }

    /// One UTC day's usage of an interval: 1 for the whole day, 0.5 for half of it.
    fn day_fraction(from: OffsetDateTime, to: Option<OffsetDateTime>, day: Date) -> f64 {
        let lo = day_start(day);
        overlap_micros(from, to, lo, lo + Duration::days(1)) as f64 / DAY_MICROS as f64
    }
    use time::macros::{date, datetime};

    #[test]
    fn a_period_lies_in_the_last_five_years_before_today_and_starts_first() {
        let today = date!(2026 - 12 - 01);
        assert!(check_period(date!(2026 - 11 - 01), date!(2026 - 11 - 30), today).is_empty());
        assert!(check_period(date!(2021 - 12 - 01), date!(2021 - 12 - 01), today).is_empty());
        let has =
            |s, e, field: &str| check_period(s, e, today).has(&Field::Other(field.to_string()));
        assert!(
            has(
                date!(2026 - 11 - 01),
                date!(2026 - 12 - 01),
                "billingEndDate"
            ),
            "today"
        );
        assert!(
            has(
                date!(2026 - 12 - 02),
                date!(2026 - 12 - 03),
                "billingStartDate"
            ),
            "future"
        );
        assert!(
            has(
                date!(2021 - 11 - 30),
                date!(2022 - 01 - 01),
                "billingStartDate"
            ),
            "too old"
        );
        assert!(
            has(
                date!(2026 - 11 - 10),
                date!(2026 - 11 - 09),
                "billingEndDate"
            ),
            "reversed"
        );
        assert_eq!(
            years_before(date!(2028 - 02 - 29), 5),
            date!(2023 - 02 - 28)
        );
    }

    #[test]
    fn dates_are_read_only_as_year_month_day() {
        assert_eq!(parse_date("2026-11-05"), Some(date!(2026 - 11 - 05)));
        for bad in [
            "2026-11-5",
            "05/11/2026",
            "2026-13-01",
            "2026-02-30",
            "20261105",
            "",
            "2026-11-05T00:00:00Z",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_day_counts_one_when_held_throughout_and_its_fraction_otherwise() {
        let day = date!(2026 - 11 - 10);
        // Whole day, and beyond it on both sides.
        assert_eq!(day_fraction(datetime!(2026-11-01 0:00 UTC), None, day), 1.0);
        // From noon: half.
        assert_eq!(
            day_fraction(datetime!(2026-11-10 12:00 UTC), None, day),
            0.5
        );
        // Until 06:00: a quarter.
        assert_eq!(
            day_fraction(
                datetime!(2026-11-01 0:00 UTC),
                Some(datetime!(2026-11-10 6:00 UTC)),
                day
            ),
            0.25
        );
        // Across midnight: 18:00 to 06:00 the next day is a quarter of each day.
        let (from, to) = (
            datetime!(2026-11-10 18:00 UTC),
            Some(datetime!(2026-11-11 6:00 UTC)),
        );
        assert_eq!(day_fraction(from, to, day), 0.25);
        assert_eq!(day_fraction(from, to, date!(2026 - 11 - 11)), 0.25);
        // A time in another offset is the same instant: 14:00+02:00 is noon UTC.
        assert_eq!(
            day_fraction(datetime!(2026-11-10 14:00 +02:00), None, day),
            0.5
        );
        // Nothing the day before it starts or after it ends.
        assert_eq!(day_fraction(from, to, date!(2026 - 11 - 12)), 0.0);
    }

    #[test]
    fn a_package_change_at_noon_splits_the_day_without_counting_it_twice() {
        let day = date!(2026 - 11 - 10);
        let noon = datetime!(2026-11-10 12:00 UTC);
        let old = day_fraction(datetime!(2026-11-01 0:00 UTC), Some(noon), day);
        let new = day_fraction(noon, None, day);
        assert_eq!((old, new), (0.5, 0.5));
        // Removed at 08:00 and added again at 20:00: a third and a sixth.
        let first = day_fraction(
            datetime!(2026-11-01 0:00 UTC),
            Some(datetime!(2026-11-10 8:00 UTC)),
            day,
        );
        let again = day_fraction(datetime!(2026-11-10 20:00 UTC), None, day);
        assert_eq!(
            quantity(((first + again) * DAY_MICROS as f64) as i64),
            "0.5"
        );
    }

    #[test]
    fn a_period_overlap_is_the_sum_of_its_days() {
        let (lo, hi) = period_bounds(date!(2026 - 11 - 01), date!(2026 - 11 - 30));
        let from = datetime!(2026-10-20 9:30 UTC);
        let to = Some(datetime!(2026-11-15 12:00 UTC));
        let days: f64 = (0..30)
            .map(|i| day_fraction(from, to, date!(2026 - 11 - 01) + Duration::days(i)))
            .sum();
        assert_eq!(quantity(overlap_micros(from, to, lo, hi)), "14.5");
        assert!((days - 14.5).abs() < 1e-9);
    }

    #[test]
    fn quantities_keep_their_fraction_without_trailing_zeros() {
        assert_eq!(quantity(0), "0");
        assert_eq!(quantity(DAY_MICROS * 12), "12");
        assert_eq!(quantity(DAY_MICROS * 25 / 2), "12.5");
        assert_eq!(quantity(DAY_MICROS / 3), "0.333333");
        assert_eq!(quantity(DAY_MICROS / 86_400), "0.000012");
    }

    #[test]
    fn columns_follow_the_spec_per_type() {
        assert_eq!(ReportType::Partner.columns().len(), 9);
        assert_eq!(
            ReportType::Customer.columns()[9..],
            [
                "Customer_Org_ID",
                "Customer_External_ID",
                "Location_ID",
                "License_ID"
            ]
        );
        assert_eq!(
            ReportType::User.columns()[13..],
            ["Subscriber_ID", "User_ID", "Workspace_ID"]
        );
        assert_eq!(service_name("common_area_calling"), "COMMON_AREA_CALLING");
        assert_eq!(ReportType::parse("partner"), None);
    }
}
