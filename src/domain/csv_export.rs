//! Every CSV file we write goes through `CsvExport`, so that no cell can become a
//! formula when a partner opens the file in a spreadsheet (OWASP "CSV Injection"):
//! a cell that starts with `=`, `+`, `-`, `@`, tab or carriage return is written with a
//! leading `'`, which spreadsheets show as text. Values are stored as typed; only the
//! file is changed. A plain number (`-5`, `+3.25`) is no formula and is left as it is.

use std::borrow::Cow;

/// The characters that make a spreadsheet read a cell as a formula.
const TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

fn is_plain_number(s: &str) -> bool {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, "0"));
    !whole.is_empty()
        && !fraction.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit())
}

/// The cell as it is safe to write.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some(c) if TRIGGERS.contains(&c) && !is_plain_number(cell) => {
            Cow::Owned(format!("'{cell}"))
        }
        _ => Cow::Borrowed(cell),
    }
}

/// A CSV file being written in memory; every cell is neutralised.
pub struct CsvExport {
    writer: csv::Writer<Vec<u8>>,
}

impl Default for CsvExport {
    fn default() -> Self {
        Self::new()
    }
}

impl CsvExport {
    pub fn new() -> Self {
        Self {
            writer: csv::Writer::from_writer(Vec::new()),
        }
    }

    /// One row (the header row too).
    pub fn row<I, S>(&mut self, cells: I) -> csv::Result<()>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        for c in cells {
            self.writer.write_field(neutralise(c.as_ref()).as_bytes())?;
        }
        // An empty record ends the one whose fields were just written.
        self.writer.write_record(None::<&[u8]>)
    }

    /// The bytes written so far, taken out: a file written in pieces (a billing report's
    /// chunks) hands each piece on and keeps writing rows.
    pub fn take(&mut self) -> anyhow::Result<Vec<u8>> {
        let full = std::mem::replace(&mut self.writer, csv::Writer::from_writer(Vec::new()));
        full.into_inner()
            .map_err(|e| anyhow::anyhow!("could not finish a piece of the CSV: {e}"))
    }

    /// How many bytes `take` would hand on (about: the writer's own buffer aside).
    pub fn written(&self) -> usize {
        self.writer.get_ref().len()
    }

    /// The file's bytes (UTF-8).
    pub fn finish(self) -> anyhow::Result<Vec<u8>> {
        self.writer
            .into_inner()
            .map_err(|e| anyhow::anyhow!("could not finish the CSV: {e}"))
    }

    /// One row on its own, for a file sent as it is written (a streamed download): the
    /// same neutralising and quoting as a whole file.
    pub fn line<I, S>(cells: I) -> anyhow::Result<Vec<u8>>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut one = CsvExport::new();
        one.row(cells)?;
        one.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_triggers_are_written_as_text() {
        for (given, written) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
        ] {
            assert_eq!(neutralise(given), written);
        }
        for plain in [
            "Acme Dental",
            "",
            "a=b",
            "-5",
            "+3.25",
            "12",
            "name@example.com",
        ] {
            assert_eq!(neutralise(plain), plain);
        }
        for not_a_number in ["-", "-.5", "-5.", "+1e3", "-0x10"] {
            assert_eq!(neutralise(not_a_number), format!("'{not_a_number}"));
        }
    }

    #[test]
    fn a_file_is_written_with_every_cell_neutralised_and_quoted_where_needed() {
        let mut csv = CsvExport::new();
        csv.row(["name", "note"]).unwrap();
        csv.row(["=1+1", "a, \"b\""]).unwrap();
        csv.row(["Acme", "-7"]).unwrap();
        let text = String::from_utf8(csv.finish().unwrap()).unwrap();
        assert_eq!(text, "name,note\n'=1+1,\"a, \"\"b\"\"\"\nAcme,-7\n");
    }

    #[test]
    fn a_streamed_line_is_a_row_of_a_file() {
        let line = CsvExport::line(["=1+1", "a, \"b\""]).unwrap();
        assert_eq!(line, b"'=1+1,\"a, \"\"b\"\"\"\n");
    }
}
