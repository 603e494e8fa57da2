//! The customers list's own rules, shared by the page, its CSV export and the API of
//! tomorrow: what a search looks for, the orders offered, the page sizes, the filter a
//! query string asks for (`read`). Each parser answers the message to show for a value
//! the list does not offer.

/// Shorter searches would match nearly every customer.
pub const MIN_SEARCH_CHARS: usize = 2;
/// A search is a name or an id, never a paragraph.
pub const MAX_SEARCH_CHARS: usize = 100;
pub const PAGE_SIZES: [i64; 3] = [25, 50, 100];
pub const DEFAULT_PAGE_SIZE: i64 = 25;

/// What a search looks for, by name and external id, ignoring case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Search {
    /// Anywhere in the name or the external id. Answered by a trigram index, which needs
    /// a run of three letters or digits to narrow anything down.
    Anywhere(String),
    /// Too short for trigrams (`UX`, `a1`): the start of the name, or the whole external id.
    Start(String),
}

impl Search {
    /// The text as typed (trimmed).
    pub fn text(&self) -> &str {
        match self {
            Search::Anywhere(s) | Search::Start(s) => s,
        }
    }
}

/// The search typed into the list's box: `None` for an empty one (spaces only included).
pub fn parse_search(raw: &str) -> Result<Option<Search>, String> {
    let text = raw.trim();
    let chars = text.chars().count();
    if chars == 0 {
        return Ok(None);
    }
    if chars < MIN_SEARCH_CHARS {
        return Err(format!(
            "Type at least {MIN_SEARCH_CHARS} characters to search; showing every customer."
        ));
    }
    if chars > MAX_SEARCH_CHARS {
        return Err(format!(
            "A search can be at most {MAX_SEARCH_CHARS} characters; showing every customer."
        ));
    }
    Ok(Some(if longest_word(text) >= 3 {
        Search::Anywhere(text.to_string())
    } else {
        Search::Start(text.to_string())
    }))
}

/// The longest run of letters and digits: what a trigram index can use.
fn longest_word(s: &str) -> usize {
    s.split(|c: char| !c.is_alphanumeric())
        .map(|w| w.chars().count())
        .max()
        .unwrap_or(0)
}

/// The columns the list can be sorted by, each backed by an index (migration 0014).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SortColumn {
    #[default]
    Name,
    Status,
    Country,
    Created,
}

impl SortColumn {
    pub const ALL: [SortColumn; 4] = [
        SortColumn::Name,
        SortColumn::Status,
        SortColumn::Country,
        SortColumn::Created,
    ];

    pub fn key(self) -> &'static str {
        match self {
            SortColumn::Name => "name",
            SortColumn::Status => "status",
            SortColumn::Country => "country",
            SortColumn::Created => "created",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SortColumn::Name => "Name",
            SortColumn::Status => "Status",
            SortColumn::Country => "Country",
            SortColumn::Created => "Created",
        }
    }

    /// The direction a first click on the column's header sorts by: newest first for
    /// dates, A to Z for the rest.
    fn first_descending(self) -> bool {
        self == SortColumn::Created
    }
}

/// An order of the list: a column and its direction. Ties go by name, then id.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sort {
    pub column: SortColumn,
    pub descending: bool,
}

impl Sort {
    /// `name`, `-name` (descending), `status`, …; empty for the default.
    pub fn parse(raw: &str) -> Result<Sort, String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Ok(Sort::default());
        }
        let (descending, key) = match raw.strip_prefix('-') {
            Some(key) => (true, key),
            None => (false, raw),
        };
        SortColumn::ALL
            .into_iter()
            .find(|c| c.key() == key)
            .map(|column| Sort { column, descending })
            .ok_or_else(|| "The list cannot be sorted that way; it is sorted by name.".to_string())
    }

    pub fn key(self) -> String {
        format!(
            "{}{}",
            if self.descending { "-" } else { "" },
            self.column.key()
        )
    }

    /// What a click on `column`'s header sorts by: the other direction of the current
    /// order, or the column's first direction.
    pub fn toggled(self, column: SortColumn) -> Sort {
        if self.column == column {
            Sort {
                column,
                descending: !self.descending,
            }
        } else {
            Sort {
                column,
                descending: column.first_descending(),
            }
        }
    }
}

/// Rows per page, from the page-size choice; empty for the default.
pub fn parse_page_size(raw: &str) -> Result<i64, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(DEFAULT_PAGE_SIZE);
    }
    raw.parse::<i64>()
        .ok()
        .filter(|n| PAGE_SIZES.contains(n))
        .ok_or_else(|| format!("Pages hold 25, 50 or 100 customers; showing {DEFAULT_PAGE_SIZE}."))
}

/// What the list shows: every condition that is set must hold.
#[derive(Clone, Debug, Default)]
pub struct CustomerFilter {
    pub search: Option<Search>,
    pub status: Option<String>,
    pub country: Option<String>,
    pub template: Option<uuid::Uuid>,
    pub package: Option<String>,
    pub sort: Sort,
}

/// Which page of the list: a page number (a direct jump), or the page just after or just
/// before a customer already shown (the Next and Previous links). The latter two find
/// their rows by the sort key of that customer (keyset paging), so page 3,000 reached by
/// Next costs what page 2 does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageAt {
    Number(i64),
    After(uuid::Uuid),
    Before(uuid::Uuid),
}

/// The list's query string. Every value is read as text, so one the list does not offer
/// is answered with a message on the page instead of a bare 400.
#[derive(serde::Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub country: String,
    #[serde(default)]
    pub template: String,
    #[serde(default)]
    pub package: String,
    #[serde(default)]
    pub sort: String,
    #[serde(default)]
    pub per: String,
    #[serde(default)]
    pub page: String,
    /// Set by the Next and Previous links: the customer the page follows or precedes.
    #[serde(default)]
    pub after: String,
    #[serde(default)]
    pub before: String,
}

/// The query read: the filter, the page asked for, and a message for each value that
/// was not offered (and was left out).
pub struct Asked {
    pub filter: CustomerFilter,
    /// The search box's text as typed, kept even when too short to search by.
    pub typed: String,
    pub page_no: i64,
    pub per: i64,
    pub at_cursor: Option<PageAt>,
    pub notices: Vec<String>,
}

/// Reads the query: every value the list offers, and a message for each other one.
pub fn read(q: &ListQuery) -> Asked {
    let mut notices = vec![];
    let mut offered = |value: &str, ok: bool, what: &str| -> Option<String> {
        let value = value.trim();
        if value.is_empty() {
            None
        } else if ok {
            Some(value.to_string())
        } else {
            notices.push(format!(
                "{what} is not one the list offers; it was left out."
            ));
            None
        }
    };
    let status = offered(
        &q.status,
        crate::domain::org_kind::CUSTOMER_STATUSES.contains(&q.status.trim()),
        "That status",
    );
    let country_code = q.country.trim().to_uppercase();
    let country = offered(
        &country_code,
        crate::domain::countries::is_valid(&country_code),
        "That country",
    );
    let package = offered(
        &q.package,
        crate::domain::packages::Package::ALL
            .iter()
            .any(|p| p.id() == q.package.trim()),
        "That package",
    );
    let template_id = uuid::Uuid::parse_str(q.template.trim()).ok();
    let template = offered(&q.template, template_id.is_some(), "That template").and(template_id);
    let search = parse_search(&q.q).unwrap_or_else(|m| {
        notices.push(m);
        None
    });
    let sort = Sort::parse(&q.sort).unwrap_or_else(|m| {
        notices.push(m);
        Sort::default()
    });
    let per = parse_page_size(&q.per).unwrap_or_else(|m| {
        notices.push(m);
        DEFAULT_PAGE_SIZE
    });
    let page_no = match q.page.trim() {
        "" => 1,
        p => p
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 1)
            .unwrap_or_else(|| {
                notices.push("That page number is not valid; showing the first page.".into());
                1
            }),
    };
    let cursor = |v: &str| uuid::Uuid::parse_str(v.trim()).ok();
    let at_cursor = match (cursor(&q.after), cursor(&q.before)) {
        (Some(id), _) if page_no > 1 => Some(PageAt::After(id)),
        (None, Some(id)) if page_no > 1 => Some(PageAt::Before(id)),
        _ => None,
    };
    Asked {
        filter: CustomerFilter {
            search,
            status,
            country,
            template,
            package,
            sort,
        },
        typed: q.q.trim().to_string(),
        page_no,
        per,
        at_cursor,
        notices,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn searches_of_three_letters_look_anywhere_and_shorter_ones_at_the_start() {
        assert_eq!(
            parse_search("  bakery "),
            Ok(Some(Search::Anywhere("bakery".into())))
        );
        assert_eq!(parse_search("UX"), Ok(Some(Search::Start("UX".into()))));
        // `%` and `_` are characters like any other; no word of three → the start.
        assert_eq!(parse_search("%_"), Ok(Some(Search::Start("%_".into()))));
        assert_eq!(
            parse_search("ab cd"),
            Ok(Some(Search::Start("ab cd".into())))
        );
        assert_eq!(
            parse_search("BENCH-000123"),
            Ok(Some(Search::Anywhere("BENCH-000123".into())))
        );
    }

    #[test]
    fn empty_short_and_long_searches() {
        assert_eq!(parse_search(""), Ok(None));
        assert_eq!(parse_search("    "), Ok(None));
        assert!(parse_search("a").unwrap_err().contains("at least 2"));
        assert!(parse_search("%").unwrap_err().contains("at least 2"));
        assert!(parse_search(&"x".repeat(101)).is_err());
        assert!(parse_search(&"x".repeat(100)).is_ok());
    }

    #[test]
    fn sorts_parse_print_and_toggle() {
        assert_eq!(Sort::parse(""), Ok(Sort::default()));
        for key in [
            "name", "-name", "status", "-status", "country", "-country", "created", "-created",
        ] {
            assert_eq!(Sort::parse(key).unwrap().key(), key);
        }
        assert!(Sort::parse("users").is_err());
        assert!(Sort::parse("--name").is_err());
        let by_name = Sort::default();
        assert_eq!(by_name.toggled(SortColumn::Name).key(), "-name");
        assert_eq!(by_name.toggled(SortColumn::Created).key(), "-created");
        assert_eq!(by_name.toggled(SortColumn::Status).key(), "status");
        assert_eq!(
            Sort::parse("-created")
                .unwrap()
                .toggled(SortColumn::Created)
                .key(),
            "created"
        );
    }

    #[test]
    fn page_sizes_are_the_offered_ones() {
        assert_eq!(parse_page_size(""), Ok(25));
        assert_eq!(parse_page_size("100"), Ok(100));
        assert!(parse_page_size("1000").is_err());
        assert!(parse_page_size("0").is_err());
        assert!(parse_page_size("ten").is_err());
    }

    fn asked(qs: &str) -> Asked {
        read(&serde_urlencoded::from_str(qs).unwrap())
    }

    #[test]
    fn offered_values_are_kept_and_others_named_and_left_out() {
        let a =
            asked("q=bakery&status=error&country=us&package=webex_calling&sort=-created&per=50");
        assert!(a.notices.is_empty(), "{:?}", a.notices);
        assert_eq!(a.filter.search, Some(Search::Anywhere("bakery".into())));
        assert_eq!(a.filter.status.as_deref(), Some("error"));
        assert_eq!(a.filter.country.as_deref(), Some("US"));
        assert_eq!(a.filter.package.as_deref(), Some("webex_calling"));
        assert_eq!(a.filter.sort.key(), "-created");
        assert_eq!(a.per, 50);

        let a =
            asked("q=x&status=lost&country=ZZ&package=gold&template=nope&sort=users&per=7&page=-1");
        assert_eq!(a.notices.len(), 8, "{:?}", a.notices);
        assert_eq!(a.typed, "x");
        assert!(a.filter.search.is_none() && a.filter.status.is_none());
        assert!(a.filter.country.is_none() && a.filter.package.is_none());
        assert!(a.filter.template.is_none());
        assert_eq!((a.per, a.page_no), (25, 1));
    }
}
