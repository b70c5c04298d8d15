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

/// Whether a number from user input is a real quantity: finite and not negative. TOML
/// accepts `inf` and `nan`, and Rust reads "inf" from a CSV cell; neither is a score, a
/// share or a weight, and either would flow into papers and certificates unnoticed.
pub fn is_amount(x: f64) -> bool {
    x.is_finite() && x >= 0.0
}

/// The 1-based line of the first line of `text` that starts with `prefix` (after
/// spaces), for pointing at a key in a hand-written TOML file; 0 (the file) when absent.
pub fn line_of(text: &str, prefix: &str) -> usize {
    text.lines().position(|line| line.trim_start().starts_with(prefix)).map(|i| i + 1).unwrap_or(0)
}

/// The 1-based lines of every `[[name]]` header in `text`, in order.
pub fn table_lines<'a>(text: &'a str, name: &str) -> impl Iterator<Item = usize> + 'a {
    let header = format!("[[{name}]]");
    text.lines().enumerate().filter(move |(_, l)| l.trim_start().starts_with(&header)).map(|(i, _)| i + 1)
}

/// Reads a hand-written TOML file (`what` names its kind: "组卷方案") into `T`; a syntax
/// or shape error becomes one problem at its line, in Chinese where serde has English.
pub fn from_toml<T: serde::de::DeserializeOwned>(file: &str, text: &str, what: &str) -> Result<T, Problems> {
    toml::from_str(text).map_err(|e: toml::de::Error| {
        let row = e.span().map(|span| text[..span.start].matches('\n').count() + 1).unwrap_or(0);
        let message = e.message().replace("unknown field", "不认识的字段").replace("missing field", "缺少字段");
        let mut problems = Problems::default();
        problems.error(Location::new(file, row, None), format!("{what}格式错误：{message}"));
        problems
    })
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
