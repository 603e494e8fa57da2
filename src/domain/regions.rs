//! Regions and the default global call-in number of a customer's meeting site (SPEC §4.2).
//! A customer gets the call-in number of its own country when the service has one;
//! otherwise the number of its region's default country, so callers dial a number that
//! is as close to them as the service offers.
//!
//! Which region a country belongs to (the SPEC names the regions but not their members):
//!
//! - **AMER**: North, Central and South America and the Caribbean, including territories
//!   that lie there (Greenland, French Guiana, Guadeloupe, Falklands, …). Antarctica and
//!   unknown codes also fall here, as the US number is the service's global default.
//! - **ANZ**: Australia and New Zealand only.
//! - **EURO**: the EU members on the continent (every member but Ireland, with Cyprus and
//!   Malta), the EFTA states (Switzerland, Norway, Iceland, Liechtenstein), the
//!   microstates inside the EU (Andorra, Monaco, San Marino, Vatican) and the Nordic
//!   territories (Åland, Faroe Islands, Svalbard).
//! - **EMEA**: the UK, Ireland and the Crown dependencies, Gibraltar, the rest of Europe
//!   outside the EU and EFTA (the Balkans, Ukraine, Belarus, Moldova, Russia, Türkiye, the
//!   Caucasus), the Middle East and all of Africa with its islands.
//! - **APAC**: Asia outside the Middle East (Central and South Asia included) and the
//!   Pacific islands, including the US, French, Australian and New Zealand territories
//!   there.
//!
//! Territories follow where they lie, not their sovereign: Réunion is EMEA, New
//! Caledonia APAC, Greenland AMER.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Region {
    Amer,
    Apac,
    Anz,
    Emea,
    Euro,
}

impl Region {
    pub const ALL: [Region; 5] = [
        Region::Amer,
        Region::Apac,
        Region::Anz,
        Region::Emea,
        Region::Euro,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Region::Amer => "AMER",
            Region::Apac => "APAC",
            Region::Anz => "ANZ",
            Region::Emea => "EMEA",
            Region::Euro => "EURO",
        }
    }

    /// The international dialling code of the region's default country.
    pub fn country_code(self) -> &'static str {
        match self {
            Region::Amer => "+1",
            Region::Apac => "+65",
            Region::Anz => "+61",
            Region::Emea => "+44",
            Region::Euro => "+49",
        }
    }

    /// The country whose call-in number the region's customers get by default.
    pub fn default_country(self) -> &'static str {
        match self {
            Region::Amer => "United States",
            Region::Apac => "Singapore",
            Region::Anz => "Australia",
            Region::Emea => "United Kingdom",
            Region::Euro => "Germany",
        }
    }

    /// ISO code of [`Region::default_country`].
    fn default_country_code(self) -> &'static str {
        match self {
            Region::Amer => "US",
            Region::Apac => "SG",
            Region::Anz => "AU",
            Region::Emea => "GB",
            Region::Euro => "DE",
        }
    }
}

const AMER: &[&str] = &[
    "AG", "AI", "AQ", "AR", "AW", "BB", "BL", "BM", "BO", "BQ", "BR", "BS", "BZ", "CA", "CL", "CO",
    "CR", "CU", "CW", "DM", "DO", "EC", "FK", "GD", "GF", "GL", "GP", "GS", "GT", "GY", "HN", "HT",
    "JM", "KN", "KY", "LC", "MF", "MQ", "MS", "MX", "NI", "PA", "PE", "PM", "PR", "PY", "SR", "SV",
    "SX", "TC", "TT", "US", "UY", "VC", "VE", "VG", "VI",
];

const ANZ: &[&str] = &["AU", "NZ"];

// The lists below are grouped by comment, which rustfmt would fold into the lines.
#[rustfmt::skip]
const EURO: &[&str] = &[
    // EU members other than Ireland
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
    "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
    // EFTA
    "CH", "IS", "LI", "NO",
    // microstates and Nordic territories
    "AD", "MC", "SM", "VA", "AX", "FO", "SJ",
];

#[rustfmt::skip]
const EMEA: &[&str] = &[
    // British Isles and Gibraltar
    "GB", "IE", "IM", "JE", "GG", "GI",
    // the rest of Europe, Türkiye and the Caucasus
    "AL", "BA", "BY", "MD", "ME", "MK", "RS", "RU", "TR", "UA", "GE", "AM", "AZ",
    // Middle East
    "AE", "BH", "IL", "IQ", "IR", "JO", "KW", "LB", "OM", "PS", "QA", "SA", "SY", "YE",
    // Africa, its islands and the southern Atlantic and Indian Ocean territories near it
    "AO", "BF", "BI", "BJ", "BV", "BW", "CD", "CF", "CG", "CI", "CM", "CV", "DJ", "DZ",
    "EG", "EH", "ER", "ET", "GA", "GH", "GM", "GN", "GQ", "GW", "KE", "KM", "LR", "LS",
    "LY", "MA", "MG", "ML", "MR", "MU", "MW", "MZ", "NA", "NE", "NG", "RE", "RW", "SC",
    "SD", "SH", "SL", "SN", "SO", "SS", "ST", "SZ", "TD", "TF", "TG", "TN", "TZ", "UG",
    "YT", "ZA", "ZM", "ZW",
];

#[rustfmt::skip]
const APAC: &[&str] = &[
    // Asia
    "AF", "BD", "BN", "BT", "CC", "CN", "CX", "HK", "ID", "IN", "IO", "JP", "KG", "KH",
    "KP", "KR", "KZ", "LA", "LK", "MM", "MN", "MO", "MV", "MY", "NP", "PH", "PK", "SG",
    "TH", "TJ", "TL", "TM", "TW", "UZ", "VN",
    // Pacific islands (and the Heard and McDonald Islands in the southern Indian Ocean)
    "AS", "CK", "FJ", "FM", "GU", "HM", "KI", "MH", "MP", "NC", "NF", "NR", "NU", "PF",
    "PG", "PN", "PW", "SB", "TK", "TO", "TV", "UM", "VU", "WF", "WS",
];

/// The region of an ISO 3166-1 alpha-2 country code (upper case); unknown codes are AMER.
pub fn region_of(country: &str) -> Region {
    [
        (Region::Amer, AMER),
        (Region::Anz, ANZ),
        (Region::Euro, EURO),
        (Region::Emea, EMEA),
        (Region::Apac, APAC),
    ]
    .into_iter()
    .find(|(_, members)| members.contains(&country))
    .map_or(Region::Amer, |(region, _)| region)
}

/// A call-in number offered to a customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallIn {
    /// ISO code of the country the number is in.
    pub country: String,
    /// E.164, e.g. `+14085550100`.
    pub number: String,
    /// The customer's region.
    pub region: Region,
}

/// The global call-in numbers the service has: (country ISO code, E.164 number). The
/// numbers are fictional (ranges reserved for drama where the country has one, 555
/// elsewhere) until the operator configures real ones.
pub const CALL_IN_NUMBERS: &[(&str, &str)] = &[
    ("US", "+14085550100"),
    ("CA", "+14165550100"),
    ("MX", "+525555550100"),
    ("BR", "+551155550100"),
    ("GB", "+442079460100"),
    ("DE", "+493055550100"),
    ("FR", "+33199000100"),
    ("NL", "+31205550100"),
    ("ES", "+34915550100"),
    ("IT", "+390655550100"),
    ("SE", "+46855500100"),
    ("SG", "+6565550100"),
    ("JP", "+81355550100"),
    ("IN", "+912255550100"),
    ("AU", "+61255500100"),
];

fn call_in_number_of(country: &str) -> Option<&'static str> {
    CALL_IN_NUMBERS
        .iter()
        .find(|(c, _)| *c == country)
        .map(|(_, n)| *n)
}

/// The default call-in number for a customer in `country`: the country's own number when
/// there is one, otherwise the number of the region's default country.
pub fn default_call_in(country: &str) -> CallIn {
    let region = region_of(country);
    let (number_country, number) = match call_in_number_of(country) {
        Some(number) => (country, number),
        None => {
            let fallback = region.default_country_code();
            let number = call_in_number_of(fallback)
                .expect("every region's default country has a call-in number");
            (fallback, number)
        }
    };
    CallIn {
        country: number_country.to_string(),
        number: number.to_string(),
        region,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::countries::{self, COUNTRIES};

    fn number(country: &str) -> String {
        call_in_number_of(country).unwrap().to_string()
    }

    #[test]
    fn regions_have_their_names_codes_and_default_countries() {
        let table: Vec<_> = Region::ALL
            .into_iter()
            .map(|r| (r.name(), r.country_code(), r.default_country()))
            .collect();
        assert_eq!(
            table,
            [
                ("AMER", "+1", "United States"),
                ("APAC", "+65", "Singapore"),
                ("ANZ", "+61", "Australia"),
                ("EMEA", "+44", "United Kingdom"),
                ("EURO", "+49", "Germany"),
            ]
        );
    }

    #[test]
    fn each_region_default_country_has_a_number_with_the_region_country_code() {
        for region in Region::ALL {
            let code = region.default_country_code();
            assert_eq!(
                countries::name(code),
                Some(region.default_country()),
                "{region:?}"
            );
            assert!(
                number(code).starts_with(region.country_code()),
                "{region:?}"
            );
            assert_eq!(region_of(code), region, "{code}");
        }
    }

    #[test]
    fn a_country_with_its_own_number_uses_it() {
        for (country, region) in [
            ("FR", Region::Euro),
            ("CA", Region::Amer),
            ("JP", Region::Apac),
            ("IN", Region::Apac),
            ("BR", Region::Amer),
        ] {
            assert_eq!(
                default_call_in(country),
                CallIn {
                    country: country.into(),
                    number: number(country),
                    region
                }
            );
        }
    }

    #[test]
    fn every_region_falls_back_to_its_default_country_number() {
        for (country, fallback, region) in [
            ("CO", "US", Region::Amer),
            ("TH", "SG", Region::Apac),
            ("NZ", "AU", Region::Anz),
            ("ZA", "GB", Region::Emea),
            ("PL", "DE", Region::Euro),
        ] {
            assert_eq!(
                default_call_in(country),
                CallIn {
                    country: fallback.into(),
                    number: number(fallback),
                    region
                },
                "{country}"
            );
        }
    }

    #[test]
    fn an_unknown_country_gets_the_us_number() {
        let call_in = default_call_in("XX");
        assert_eq!(call_in.country, "US");
        assert_eq!(call_in.region, Region::Amer);
    }

    #[test]
    fn countries_fall_in_the_documented_regions() {
        let samples = [
            (
                Region::Amer,
                &["US", "CA", "MX", "BR", "AR", "CO", "JM", "GL", "GF"][..],
            ),
            (Region::Anz, &["AU", "NZ"]),
            (
                Region::Euro,
                &[
                    "DE", "FR", "IT", "ES", "NL", "BE", "AT", "CH", "PT", "SE", "NO", "FI", "DK",
                    "IS", "PL", "CY", "MT",
                ],
            ),
            (
                Region::Emea,
                &[
                    "GB", "IE", "JE", "RU", "TR", "UA", "RS", "AE", "SA", "IL", "EG", "ZA", "NG",
                    "KE", "RE",
                ],
            ),
            (
                Region::Apac,
                &[
                    "SG", "JP", "IN", "CN", "KR", "TH", "ID", "PH", "PK", "KZ", "FJ", "NC", "GU",
                ],
            ),
        ];
        for (region, countries) in samples {
            for country in countries {
                assert_eq!(region_of(country), region, "{country}");
            }
        }
    }

    #[test]
    fn every_country_is_placed_in_exactly_one_region_list() {
        for (code, name) in COUNTRIES {
            let lists = [AMER, ANZ, EURO, EMEA, APAC]
                .iter()
                .filter(|list| list.contains(code))
                .count();
            assert_eq!(lists, 1, "{code} ({name})");
        }
        let listed = AMER.len() + ANZ.len() + EURO.len() + EMEA.len() + APAC.len();
        assert_eq!(
            listed,
            COUNTRIES.len(),
            "a region lists a code that is no country"
        );
    }

    #[test]
    fn every_call_in_number_is_a_valid_country_and_a_well_formed_e164_number() {
        for (country, number) in CALL_IN_NUMBERS {
            assert!(countries::is_valid(country), "{country}");
            let digits = number
                .strip_prefix('+')
                .unwrap_or_else(|| panic!("{number}"));
            assert!(digits.bytes().all(|b| b.is_ascii_digit()), "{number}");
            assert!((8..=15).contains(&digits.len()), "{number}");
            assert!(!digits.starts_with('0'), "{number}");
        }
    }

    #[test]
    fn the_required_countries_have_exactly_one_number_each() {
        for country in [
            "US", "CA", "GB", "DE", "FR", "SG", "AU", "JP", "IN", "NL", "ES", "IT", "SE", "BR",
            "MX",
        ] {
            let count = CALL_IN_NUMBERS
                .iter()
                .filter(|(c, _)| *c == country)
                .count();
            assert_eq!(count, 1, "{country}");
        }
        let mut all: Vec<_> = CALL_IN_NUMBERS.iter().map(|(c, _)| *c).collect();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), CALL_IN_NUMBERS.len());
    }
}
