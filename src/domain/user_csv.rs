//! The users CSV of Control Hub (SPEC §5): one format for export and import, so that
//! export → edit → import round-trips. Reading a file checks what can be checked without
//! the database: the header, each row's cells, the mandatory columns of its package, and
//! an email seen twice. What needs the customer's records (does the user exist, is the
//! location theirs, are seats free) is the import service's.
//!
//! Columns: the user's names and email, extension and phone number, location (by name),
//! *Jabber calling*, *Jabber with Webex Teams*, *Preferred Webex site*, the default basic
//! licences (*Basic messaging*, *Basic space meetings*, *Webex Calling*) and one TRUE /
//! FALSE column per wholesale user package. A row with exactly one package TRUE adds or
//! modifies the user; a row whose package columns are all FALSE deletes the user.

use std::collections::HashMap;

use super::admin_package::LEVELS;
use super::packages::Package;

pub const FIRST_NAME: &str = "First Name";
pub const LAST_NAME: &str = "Last Name";
pub const DISPLAY_NAME: &str = "Display Name";
pub const EMAIL: &str = "User ID/Email (Required)";
pub const EXTENSION: &str = "Extension";
pub const PHONE: &str = "Phone Number";
pub const LOCATION: &str = "Location";
pub const JABBER_CALLING: &str = "Jabber calling";
pub const JABBER_TEAMS: &str = "Jabber with Webex Teams";
pub const PREFERRED_SITE: &str = "Preferred Webex site";
pub const BASIC_MESSAGING: &str = "Basic messaging";
pub const BASIC_MEETINGS: &str = "Basic space meetings";
pub const BASIC_CALLING: &str = "Webex Calling";

/// The basic licences, as the file names them and as they are stored.
pub const BASIC: [(&str, &str); 3] = [
    (BASIC_MESSAGING, "basic_messaging"),
    (BASIC_MEETINGS, "basic_space_meetings"),
    (BASIC_CALLING, "basic_calling"),
];

/// A package column's header: the package's id in the vendor's wholesale terms.
pub fn package_header(p: Package) -> String {
    format!("Wholesale {}", p.id())
}

/// Every column, in the order the export writes them.
pub fn header() -> Vec<String> {
    let mut h: Vec<String> = [
        FIRST_NAME,
        LAST_NAME,
        DISPLAY_NAME,
        EMAIL,
        EXTENSION,
        PHONE,
        LOCATION,
        JABBER_CALLING,
        JABBER_TEAMS,
        PREFERRED_SITE,
        BASIC_MESSAGING,
        BASIC_MEETINGS,
        BASIC_CALLING,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    h.extend(LEVELS.iter().map(|p| package_header(*p)));
    h
}

/// Packages whose rows must give an extension or phone number and a location (SPEC §5).
pub fn needs_number_and_location(p: Package) -> bool {
    matches!(
        p,
        Package::WebexCalling | Package::WebexCallingStandard | Package::WebexSuite
    )
}

/// What a row asks for.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Wanted {
    /// The user holds this package (added or modified).
    Package(String),
    /// Every package column is FALSE: the user is deleted.
    Delete,
}

/// One row of an import, read and checked on its own.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Row {
    pub line: usize,
    pub first_name: String,
    pub last_name: String,
    pub display_name: String,
    pub email: String,
    pub extension: String,
    pub phone: String,
    pub location: String,
    pub preferred_site: String,
    pub jabber_calling: bool,
    pub jabber_teams: bool,
    pub basic: Vec<String>,
    pub wanted: Option<Wanted>,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
}

/// Why a whole file is refused before any row is read.
#[derive(Debug, PartialEq, Eq)]
pub enum FileError {
    NotUtf8,
    Empty,
    MissingColumns(Vec<String>),
    UnknownColumns(Vec<String>),
    Unreadable(String),
}

impl std::fmt::Display for FileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FileError::NotUtf8 => write!(
                f,
                "The file is not text in UTF-8: save it as “CSV UTF-8” and upload it again."
            ),
            FileError::Empty => write!(
                f,
                "The file is empty: it needs the header row and one row per user."
            ),
            FileError::MissingColumns(c) => write!(
                f,
                "The header row lacks these columns: {}. Start from an export of this page.",
                c.join(", ")
            ),
            FileError::UnknownColumns(c) => write!(
                f,
                "The header row has columns this import does not know: {}. Start from an export of this page.",
                c.join(", ")
            ),
            FileError::Unreadable(e) => write!(f, "The file could not be read as CSV: {e}"),
        }
    }
}

/// The export's escape of a cell that would be a formula (`csv_export`), undone: the
/// value is the user's as typed.
fn restore(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => cell,
    }
}

fn truth(raw: &str) -> Result<Option<bool>, ()> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "" => Ok(None),
        "true" | "yes" | "1" => Ok(Some(true)),
        "false" | "no" | "0" => Ok(Some(false)),
        _ => Err(()),
    }
}

/// Reads a whole file (a BOM and Windows line endings are fine; quoted cells may hold
/// commas), calling `each` with every row in order. The header is checked first: a
/// file whose header is wrong is refused whole.
pub fn read(bytes: &[u8], mut each: impl FnMut(Row)) -> Result<usize, FileError> {
    let text = std::str::from_utf8(bytes).map_err(|_| FileError::NotUtf8)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(FileError::Empty);
    }
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| FileError::Unreadable(e.to_string()))?
        .iter()
        .map(str::to_string)
        .collect();
    let known = header();
    let index: HashMap<&str, usize> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| (h.as_str(), i))
        .collect();
    let required = [EMAIL, JABBER_CALLING, JABBER_TEAMS];
    let missing: Vec<String> = required
        .iter()
        .filter(|c| !index.contains_key(**c))
        .map(|c| c.to_string())
        .chain(
            LEVELS
                .iter()
                .map(|p| package_header(*p))
                .filter(|h| !index.contains_key(h.as_str())),
        )
        .collect();
    if !missing.is_empty() {
        return Err(FileError::MissingColumns(missing));
    }
    let unknown: Vec<String> = headers
        .iter()
        .filter(|h| !h.is_empty() && !known.contains(h))
        .cloned()
        .collect();
    if !unknown.is_empty() {
        return Err(FileError::UnknownColumns(unknown));
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut count = 0;
    for (n, record) in reader.records().enumerate() {
        // Line 1 is the header.
        let line = n + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                each(Row {
                    line,
                    errors: vec![format!("This line could not be read as CSV: {e}")],
                    ..Row::default()
                });
                count += 1;
                continue;
            }
        };
        if record.iter().all(|c| c.is_empty()) {
            continue;
        }
        let cell = |name: &str| -> String {
            index
                .get(name)
                .and_then(|i| record.get(*i))
                .map(|c| restore(c).to_string())
                .unwrap_or_default()
        };
        let mut row = Row {
            line,
            first_name: cell(FIRST_NAME),
            last_name: cell(LAST_NAME),
            display_name: cell(DISPLAY_NAME),
            email: cell(EMAIL),
            extension: cell(EXTENSION),
            phone: cell(PHONE),
            location: cell(LOCATION),
            preferred_site: cell(PREFERRED_SITE),
            jabber_calling: truth(&cell(JABBER_CALLING)) == Ok(Some(true)),
            jabber_teams: truth(&cell(JABBER_TEAMS)) == Ok(Some(true)),
            ..Row::default()
        };
        check_row(&mut row, &cell, &mut seen);
        count += 1;
        each(row);
    }
    Ok(count)
}

fn check_row(row: &mut Row, cell: &dyn Fn(&str) -> String, seen: &mut HashMap<String, usize>) {
    let email = row.email.to_lowercase();
    if email.is_empty() {
        row.errors
            .push("The email (User ID/Email) is empty.".into());
    } else if !super::email_address::looks_like_email(&email) {
        row.errors
            .push(format!("“{}” is not an email address.", row.email));
    } else if let Some(first) = seen.get(&email) {
        row.errors.push(format!(
            "{} is also on line {first}: one row per user.",
            row.email
        ));
    } else {
        seen.insert(email, row.line);
    }
    for (name, value) in [
        ("first name", &row.first_name),
        ("last name", &row.last_name),
        ("display name", &row.display_name),
    ] {
        if value.chars().count() > 64 {
            row.errors
                .push(format!("The {name} is longer than 64 characters."));
        }
        if value.starts_with(['=', '+', '-', '@']) {
            row.warnings.push(format!(
                "The {name} “{value}” starts like a spreadsheet formula; it is kept as text."
            ));
        }
    }
    let mut held = vec![];
    for p in LEVELS {
        let header = package_header(p);
        match truth(&cell(&header)) {
            Ok(Some(true)) => held.push(p),
            Ok(_) => {}
            Err(()) => row.errors.push(format!(
                "{header} must be TRUE or FALSE, not “{}”.",
                cell(&header)
            )),
        }
    }
    for (column, id) in BASIC {
        match truth(&cell(column)) {
            Ok(Some(true)) => row.basic.push(id.to_string()),
            Ok(_) => {}
            Err(()) => row.errors.push(format!(
                "{column} must be TRUE or FALSE, not “{}”.",
                cell(column)
            )),
        }
    }
    row.wanted = match held.as_slice() {
        [] => Some(Wanted::Delete),
        [one] => Some(Wanted::Package(one.id().to_string())),
        many => {
            row.errors.push(format!(
                "A user holds one package; this row marks {} TRUE.",
                many.iter().map(|p| p.id()).collect::<Vec<_>>().join(", ")
            ));
            None
        }
    };
    if let Some(Wanted::Package(id)) = &row.wanted
        && let Some(p) = Package::parse(id)
    {
        for column in [JABBER_CALLING, JABBER_TEAMS] {
            match truth(&cell(column)) {
                Ok(Some(_)) => {}
                Ok(None) => row.errors.push(format!(
                    "{column} is required (TRUE or FALSE) for every package."
                )),
                Err(()) => row.errors.push(format!(
                    "{column} must be TRUE or FALSE, not “{}”.",
                    cell(column)
                )),
            }
        }
        if needs_number_and_location(p) {
            if row.extension.is_empty() && row.phone.is_empty() {
                row.errors
                    .push(format!("{} needs an extension or a phone number.", p.id()));
            }
            if row.location.is_empty() {
                row.errors.push(format!("{} needs a location.", p.id()));
            }
        }
        if p != Package::WebexVoice && cell(PREFERRED_SITE).is_empty() {
            row.warnings
                .push("No preferred Webex site: the customer's default site is used.".into());
        }
        if row.first_name.is_empty() || row.last_name.is_empty() {
            row.errors
                .push("A user needs a first and a last name.".into());
        }
    }
}

/// One user as the export writes them.
pub struct ExportUser<'a> {
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub display_name: &'a str,
    pub email: &'a str,
    pub extension: &'a str,
    pub phone: &'a str,
    pub location: &'a str,
    pub package: Option<&'a str>,
    pub basic: &'a [String],
    pub preferred_site: &'a str,
    pub jabber_calling: bool,
    pub jabber_teams: bool,
}

/// The export's cells of one user, in `header()` order.
pub fn export_cells(u: &ExportUser<'_>) -> Vec<String> {
    let flag = |b: bool| if b { "TRUE" } else { "FALSE" }.to_string();
    let mut cells = vec![
        u.first_name.to_string(),
        u.last_name.to_string(),
        u.display_name.to_string(),
        u.email.to_string(),
        u.extension.to_string(),
        u.phone.to_string(),
        u.location.to_string(),
        flag(u.jabber_calling),
        flag(u.jabber_teams),
        u.preferred_site.to_string(),
    ];
    cells.extend(
        BASIC
            .iter()
            .map(|(_, id)| flag(u.basic.iter().any(|b| b == id))),
    );
    cells.extend(LEVELS.iter().map(|p| flag(u.package == Some(p.id()))));
    cells
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(rows: &[&str]) -> String {
        let mut s = header().join(",");
        for r in rows {
            s.push('\n');
            s.push_str(r);
        }
        s
    }

    /// A row: names, email, extension, location, then the package marked TRUE.
    fn line(first: &str, email: &str, ext: &str, loc: &str, package: Option<Package>) -> String {
        let mut cells = vec![
            first.to_string(),
            "Lopez".into(),
            String::new(),
            email.into(),
            ext.into(),
            String::new(),
            loc.into(),
            "TRUE".into(),
            "TRUE".into(),
            "site1".into(),
            "TRUE".into(),
            "TRUE".into(),
            "FALSE".into(),
        ];
        cells.extend(
            LEVELS
                .iter()
                .map(|p| if Some(*p) == package { "TRUE" } else { "FALSE" }.to_string()),
        );
        cells.join(",")
    }

    fn rows(text: &str) -> Result<Vec<Row>, FileError> {
        let mut out = vec![];
        read(text.as_bytes(), |r| out.push(r))?;
        Ok(out)
    }

    #[test]
    fn a_bom_windows_line_endings_and_quoted_commas_are_read() {
        let mut text = format!(
            "\u{feff}{}",
            file(&[&line(
                "\"Ana, Jr\"",
                "ana@x.example",
                "2001",
                "HQ",
                Some(Package::WebexCalling)
            )])
        );
        text = text.replace('\n', "\r\n");
        let r = rows(&text).unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].first_name, "Ana, Jr");
        assert_eq!(r[0].line, 2);
        assert_eq!(r[0].wanted, Some(Wanted::Package("webex_calling".into())));
        assert!(r[0].errors.is_empty(), "{:?}", r[0].errors);
        assert_eq!(r[0].basic, ["basic_messaging", "basic_space_meetings"]);
    }

    #[test]
    fn a_wrong_header_refuses_the_whole_file() {
        assert!(matches!(
            rows("Name,Email\nA,a@x.example"),
            Err(FileError::MissingColumns(_))
        ));
        let extra = file(&[]).replacen(FIRST_NAME, "Nickname", 1);
        assert!(matches!(rows(&extra), Err(FileError::UnknownColumns(c)) if c == ["Nickname"]));
        assert_eq!(rows("  \n").unwrap_err(), FileError::Empty);
        assert_eq!(
            read(&[0xff, 0xfe, 0x00], |_| {}).unwrap_err(),
            FileError::NotUtf8
        );
    }

    #[test]
    fn every_error_class_of_a_row_is_reported_with_its_line() {
        let two = {
            let mut l = line(
                "Two",
                "two@x.example",
                "2002",
                "HQ",
                Some(Package::WebexCalling),
            );
            // Webex Suite (the first package column) ticked beside Webex Calling.
            l = l.replacen(
                "site1,TRUE,TRUE,FALSE,FALSE",
                "site1,TRUE,TRUE,FALSE,TRUE",
                1,
            );
            assert!(l.contains("site1,TRUE,TRUE,FALSE,TRUE"), "{l}");
            l
        };
        let text = file(&[
            &line(
                "Ok",
                "ok@x.example",
                "2001",
                "HQ",
                Some(Package::WebexCalling),
            ),
            &line(
                "Dup",
                "OK@x.example",
                "2003",
                "HQ",
                Some(Package::WebexCalling),
            ),
            &line(
                "NoNumber",
                "nonumber@x.example",
                "",
                "",
                Some(Package::WebexSuite),
            ),
            &line("Bad", "not-an-email", "", "", Some(Package::WebexMeetings)),
            &line(
                "=cmd()",
                "formula@x.example",
                "",
                "",
                Some(Package::WebexMeetings),
            ),
            &line("Gone", "gone@x.example", "", "", None),
            &two,
        ]);
        let r = rows(&text).unwrap();
        assert!(r[0].errors.is_empty());
        assert!(
            r[1].errors[0].contains("also on line 2"),
            "{:?}",
            r[1].errors
        );
        assert_eq!(r[2].errors.len(), 2, "{:?}", r[2].errors);
        assert!(r[3].errors[0].contains("not an email"));
        assert!(
            r[4].errors.is_empty() && r[4].warnings[0].contains("formula"),
            "{:?}",
            r[4]
        );
        assert_eq!(r[5].wanted, Some(Wanted::Delete));
        assert!(
            r[6].errors[0].contains("holds one package"),
            "{:?}",
            r[6].errors
        );
        assert_eq!(
            r.iter().map(|r| r.line).collect::<Vec<_>>(),
            [2, 3, 4, 5, 6, 7, 8]
        );
    }

    #[test]
    fn a_missing_preferred_site_is_a_warning_except_for_enhanced_calling() {
        let no_site = |p| line("A", "a@x.example", "2001", "HQ", Some(p)).replacen("site1", "", 1);
        let r = rows(&file(&[&no_site(Package::WebexCalling)])).unwrap();
        assert!(r[0].errors.is_empty() && r[0].warnings.len() == 1);
        let r = rows(&file(&[&no_site(Package::WebexVoice)])).unwrap();
        assert!(r[0].warnings.is_empty());
    }

    #[test]
    fn the_export_escape_of_a_formula_is_undone_on_import() {
        assert_eq!(restore("'=1+1"), "=1+1");
        assert_eq!(restore("'plain"), "'plain");
        let cells = export_cells(&ExportUser {
            first_name: "Ana",
            last_name: "Lopez",
            display_name: "",
            email: "ana@x.example",
            extension: "2001",
            phone: "",
            location: "HQ",
            package: Some("webex_calling"),
            basic: &["basic_messaging".to_string()],
            preferred_site: "site1",
            jabber_calling: true,
            jabber_teams: false,
        });
        assert_eq!(cells.len(), header().len());
        let r = rows(&file(&[&cells.join(",")])).unwrap();
        assert_eq!(r[0].wanted, Some(Wanted::Package("webex_calling".into())));
        assert_eq!(r[0].basic, ["basic_messaging"]);
        assert!(r[0].jabber_calling && !r[0].jabber_teams);
        assert!(r[0].warnings.is_empty(), "{:?}", r[0].warnings);
    }
}
