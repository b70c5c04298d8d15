//! Problems found in user input, each pinned to where a person can find it:
//! `file:row[:column]: what is wrong`.
//!
//! Validation never stops at the first problem: it collects them all into a
//! [`Problems`] list so that an exam office fixes its spreadsheet once, not once per run.

use std::fmt;

/// Where in an input file something is: the row as a spreadsheet shows it (header =
/// row 1) or the line of a TOML file, and the column letter or key when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: String,
    pub row: usize,
    pub column: Option<String>,
}

impl Location {
    pub fn new(file: impl Into<String>, row: usize, column: Option<String>) -> Location {
        Location { file: file.into(), row, column }
    }

    /// A location for the whole file (row 0 is not printed).
    pub fn file(file: impl Into<String>) -> Location {
        Location { file: file.into(), row: 0, column: None }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if self.row > 0 {
            write!(f, ":{}", self.row)?;
        }
        if let Some(column) = &self.column {
            write!(f, ":{column}")?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

/// One thing wrong (or worth a look) in the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub location: Location,
    pub severity: Severity,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

/// Every problem found while reading and checking one command's input.
#[derive(Debug, Default, Clone)]
pub struct Problems {
    list: Vec<Problem>,
}

impl Problems {
    pub fn error(&mut self, location: Location, message: impl Into<String>) {
        self.list.push(Problem { location, severity: Severity::Error, message: message.into() });
    }

    pub fn warning(&mut self, location: Location, message: impl Into<String>) {
        self.list.push(Problem { location, severity: Severity::Warning, message: message.into() });
    }

    pub fn extend(&mut self, other: Problems) {
        self.list.extend(other.list);
    }

    pub fn has_errors(&self) -> bool {
        self.list.iter().any(|p| p.severity == Severity::Error)
    }

    pub fn errors(&self) -> impl Iterator<Item = &Problem> {
        self.list.iter().filter(|p| p.severity == Severity::Error)
    }

    pub fn warnings(&self) -> impl Iterator<Item = &Problem> {
        self.list.iter().filter(|p| p.severity == Severity::Warning)
    }

    /// Errors whose location is in `file`, for the per-file summary.
    pub fn errors_in(&self, file: &str) -> usize {
        let mut rows: Vec<usize> = self.errors().filter(|p| p.location.file == file).map(|p| p.location.row).collect();
        rows.sort_unstable();
        rows.dedup();
        rows.len()
    }

    pub fn into_errors(self) -> Vec<Problem> {
        self.list.into_iter().filter(|p| p.severity == Severity::Error).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_prints_file_row_and_column_as_people_read_them() {
        assert_eq!(Location::new("bank.csv", 5, Some("J".into())).to_string(), "bank.csv:5:J");
        assert_eq!(Location::new("bank.toml", 12, None).to_string(), "bank.toml:12");
        assert_eq!(Location::file("bank.xlsx").to_string(), "bank.xlsx");
    }

    #[test]
    fn rows_with_errors_are_counted_once_per_row() {
        let mut problems = Problems::default();
        problems.error(Location::new("a.csv", 3, Some("B".into())), "x");
        problems.error(Location::new("a.csv", 3, Some("C".into())), "y");
        problems.error(Location::new("a.csv", 4, None), "z");
        problems.warning(Location::new("a.csv", 5, None), "w");
        assert_eq!(problems.errors_in("a.csv"), 2);
        assert_eq!(problems.errors_in("b.csv"), 0);
        assert!(problems.has_errors());
    }
}
