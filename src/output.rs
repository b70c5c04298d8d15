//! Everything certify prints: tables and text for people on stdout, one JSON document
//! for scripts with `--json`, notes and progress on stderr.
//!
//! Guarantees: stdout carries only the command's result (so `--json | jq` works); a line
//! of text longer than [`WIDTH`] display columns is wrapped (Chinese line-breaking rules,
//! continuation indented), so output reads on a 120-column terminal; tables line up with
//! Chinese text (widths by Unicode display width, ASCII rules so
//! East Asian terminals do not double the line characters); writes go through a locked
//! stdout and surface a broken pipe as an error that `main` turns into a clean exit.

use std::io::{self, Write};

use comfy_table::{Cell, CellAlignment, ContentArrangement, Table, TableStyle, presets::NOTHING};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use crate::error::Error;

/// A header rule under the first row, columns separated by spaces only.
const STYLE: TableStyle = NOTHING.header_separator(comfy_table::LineStyle::none().fill('-').junction(' '));

/// The widest line of text printed for people, in display columns (a CJK character is two).
pub const WIDTH: usize = 120;

/// `text` as lines of at most [`WIDTH`] columns: broken where Chinese and English allow a
/// break (never inside a date or a hyphenated code), continuation lines indented.
pub fn wrapped(text: &str) -> Vec<String> {
    use unicode_width::UnicodeWidthStr;
    if text.width() <= WIDTH {
        return vec![text.to_owned()];
    }
    let options =
        textwrap::Options::new(WIDTH).subsequent_indent("  ").word_splitter(textwrap::WordSplitter::NoHyphenation);
    textwrap::wrap(&glue_commands(text), options).into_iter().map(|line| line.replace(GLUE, " ")).collect()
}

/// A no-break space: Unicode line breaking never breaks at it.
const GLUE: char = '\u{a0}';

/// Joins the words of every `certify …` command in `text` with no-break spaces, so a
/// command an office copies is never split across lines. A command runs to the next
/// Chinese punctuation mark (or the end), which is how messages set them off.
fn glue_commands(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("certify ") {
        out.push_str(&rest[..start]);
        let command = &rest[start..];
        let end = command.find(['，', '。', '；', '）', '（', '：', '、']).unwrap_or(command.len());
        out.push_str(&command[..end].replace(' ', &GLUE.to_string()));
        rest = &command[end..];
    }
    out.push_str(rest);
    out
}

/// Where a command's results go.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    pub json: bool,
}

impl Output {
    /// Prints a line of text for people (nothing in `--json` mode).
    pub fn line(&self, text: impl AsRef<str>) -> Result<(), Error> {
        if !self.json {
            let mut out = io::stdout().lock();
            for line in text.as_ref().lines() {
                for piece in wrapped(line) {
                    writeln!(out, "{piece}")?;
                }
            }
            if text.as_ref().is_empty() {
                writeln!(out)?;
            }
        }
        Ok(())
    }

    /// Prints a table for people (nothing in `--json` mode).
    pub fn table(&self, table: &Table) -> Result<(), Error> {
        if !self.json {
            let mut out = io::stdout().lock();
            for line in table.lines() {
                writeln!(out, "{}", line.trim_end())?;
            }
        }
        Ok(())
    }

    /// Prints the JSON document of `--json` mode (nothing otherwise).
    pub fn json<T: Serialize>(&self, value: &T) -> Result<(), Error> {
        if self.json {
            let mut out = io::stdout().lock();
            serde_json::to_writer_pretty(&mut out, value).map_err(io::Error::from)?;
            writeln!(out)?;
        }
        Ok(())
    }
}

impl Output {
    /// Prints `head` (an object) with one more key holding `items`, writing the items one
    /// by one so that a very long list is never held as one JSON value.
    pub fn json_with_list<I>(&self, head: &serde_json::Value, key: &str, items: I) -> Result<(), Error>
    where
        I: IntoIterator<Item = serde_json::Value>,
    {
        if !self.json {
            return Ok(());
        }
        let mut out = std::io::BufWriter::new(io::stdout().lock());
        let fields = head.as_object().map(|o| o.iter().collect::<Vec<_>>()).unwrap_or_default();
        write!(out, "{{")?;
        for (name, value) in fields {
            write!(out, "\n  {}: {},", serde_json::Value::from(name.as_str()), value)?;
        }
        write!(out, "\n  {}: [", serde_json::Value::from(key))?;
        for (index, item) in items.into_iter().enumerate() {
            write!(out, "{}\n    {item}", if index == 0 { "" } else { "," })?;
        }
        writeln!(out, "\n  ]\n}}")?;
        out.flush()?;
        Ok(())
    }
}

/// A note for the person at the terminal, on stderr (never mixed into results).
pub fn note(text: impl AsRef<str>) {
    for line in text.as_ref().lines() {
        for piece in wrapped(line) {
            eprintln!("{piece}");
        }
    }
}

/// A table with a header row; numeric columns can be right-aligned with [`align_right`].
pub fn table<I, S>(header: I) -> Table
where
    I: IntoIterator<Item = S>,
    S: Into<Cell>,
{
    let mut table = Table::new();
    table.load_style(STYLE).set_content_arrangement(ContentArrangement::Disabled).set_header(header);
    table
}

/// Lets the given free-text columns (reasons, details) wrap so the table fits [`WIDTH`];
/// every other column keeps its content on one line, so numbers and codes stay whole.
pub fn wrap_columns(table: &mut Table, columns: &[usize]) {
    use comfy_table::ColumnConstraint;
    table.set_content_arrangement(ContentArrangement::Dynamic).set_width(WIDTH as u16);
    for index in (0..table.column_count()).filter(|i| !columns.contains(i)) {
        if let Some(column) = table.column_mut(index) {
            column.set_constraint(ColumnConstraint::ContentWidth);
        }
    }
}

/// Right-aligns the given columns (counts and scores).
pub fn align_right(table: &mut Table, columns: &[usize]) {
    for &index in columns {
        if let Some(column) = table.column_mut(index) {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
}

/// A progress bar on stderr for long work; hidden when stderr is not a terminal.
pub fn progress(length: u64, message: &'static str) -> ProgressBar {
    let bar = ProgressBar::new(length);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} ({eta})")
            .expect("static template")
            .progress_chars("=> "),
    );
    bar.set_message(message);
    bar
}

/// A spinner on stderr saying what is being done, for work of unknown length (a browser
/// printing a PDF); hidden when stderr is not a terminal, like [`progress`].
pub fn spinner(message: String) -> ProgressBar {
    let spinner = ProgressBar::new_spinner();
    spinner.set_style(ProgressStyle::with_template("{spinner} {msg} ({elapsed})").expect("static template"));
    spinner.set_message(message);
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    spinner
}

/// Cuts text to at most `width` display columns, marking the cut with "…".
pub fn truncate(text: &str, width: usize) -> String {
    use unicode_width::UnicodeWidthChar;
    let mut used = 0;
    let mut out = String::new();
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width.saturating_sub(1) {
            let rest: usize = text.chars().skip(out.chars().count()).map(|c| c.width().unwrap_or(0)).sum();
            if used + rest <= width {
                out.extend(text.chars().skip(out.chars().count()));
                return out;
            }
            out.push('…');
            return out;
        }
        used += w;
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use unicode_width::UnicodeWidthStr;

    #[test]
    fn long_lines_wrap_inside_the_width_and_short_ones_stay() {
        let short = "已签发 44 张证书（批次 2026-12-BJ01，四级）。";
        assert_eq!(wrapped(short), [short]);
        let long = format!(
            "证书 S000111000001264000001 有效：{}",
            "签名真实、内容未被改动；截至撤销名单生成时未被撤销；".repeat(4)
        );
        let lines = wrapped(&long);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| l.width() <= WIDTH), "{lines:?}");
        assert_eq!(lines.concat().replace("  ", ""), long.replace("  ", ""));
        let hint = format!(
            "{}（确需更改时 certify certificates reissue S000111000001264000001 --reason 原因）",
            "长".repeat(40)
        );
        let lines = wrapped(&hint);
        assert!(
            lines.iter().any(|l| l.contains("certify certificates reissue S000111000001264000001 --reason 原因")),
            "{lines:?}"
        );
        let dated = format!("{}生成于 2026-12-03T17:05:11+00:00（已签名）", "长".repeat(50));
        assert!(wrapped(&dated).iter().any(|l| l.contains("2026-12-03T17:05:11+00:00")), "a date is never split");
    }

    #[test]
    fn truncate_counts_chinese_as_two_columns() {
        assert_eq!(truncate("婴儿辅食添加", 20), "婴儿辅食添加");
        let cut = truncate("婴儿开始添加辅食的适宜月龄是", 9);
        assert!(cut.ends_with('…'));
        assert!(cut.width() <= 9, "{cut}");
    }

    #[test]
    fn table_columns_line_up_with_chinese_text() {
        let mut t = table(["领域", "题数"]);
        t.add_row(["营养喂养", "12"]);
        t.add_row(["safety", "3"]);
        let lines: Vec<String> = t.lines().collect();
        let position = |line: &str, needle: &str| line[..line.find(needle).unwrap()].width();
        assert_eq!(position(&lines[2], "12"), position(&lines[3], "3"));
    }
}
