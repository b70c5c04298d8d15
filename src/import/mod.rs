//! Reading user files into records: one file per input format behind the [`Importer`]
//! trait, and one [`Schema`] per kind of record (items now; candidates, responses and
//! grade entries reuse the same readers).
//!
//! Guarantees: an importer never fails on the first bad row. Rows it cannot read are
//! reported into [`Problems`] with `file:row:column`, and every readable row comes back
//! as a [`Record`] whose fields keep their own location, so the checks that follow (in
//! the domain modules) can point at the exact cell. Importers only read bytes they are
//! given: walking folders and opening files is done here, once, for all formats.
//!
//! Text holding a control character (NUL, a stray CR, C1 codes) is refused in every
//! format, at its cell: such bytes come from corrupt files or copies out of other
//! systems, print as nothing, and would make two ids that look alike differ.
//!
//! A spreadsheet cell keeps what Excel made of it: an error value (`#DIV/0!`) is refused
//! wherever it is, and [`Record::text`] refuses a date or a TRUE/FALSE cell where text is
//! wanted rather than turning it into "45000" or "true". [`Record::line`] also refuses a
//! line break or tab in a field that must be one line (names, ids, schools); the same
//! check ([`line_break`]) serves command-line text.

mod csv;
mod toml;
mod xlsx;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::problem::{Location, Problems};

pub use self::csv::TextEncoding;

/// A cell's value as the file gave it: spreadsheets distinguish numbers from text,
/// and that difference matters (Excel turns long numbers into floats).
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    Bool(bool),
    /// A date or time cell, as Excel shows it; never taken as text.
    Date(String),
    /// An Excel error value (`#DIV/0!`, `#N/A`), refused wherever it is.
    Error(String),
    /// A TOML array; spreadsheets write lists as separated text instead.
    List(Vec<Cell>),
}

impl Cell {
    /// The cell as text: trimmed text, a number as [`format_number`] writes it,
    /// `true`/`false`; `None` for an empty cell, a list, a date or an error value (the
    /// last two are refused by [`visit_rows`] before anyone reads them).
    pub fn text(&self) -> Option<std::borrow::Cow<'_, str>> {
        use std::borrow::Cow;
        match self {
            Cell::Text(t) => Some(Cow::Borrowed(t.trim())),
            Cell::Number(x) => Some(Cow::Owned(format_number(*x))),
            Cell::Bool(b) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
            Cell::Empty | Cell::List(_) | Cell::Date(_) | Cell::Error(_) => None,
        }
    }

    /// The first control character in the cell's text (see [`stray_control`]).
    pub fn stray_control(&self) -> Option<char> {
        match self {
            Cell::Text(text) => stray_control(text),
            Cell::List(list) => list.iter().find_map(Cell::stray_control),
            _ => None,
        }
    }

    pub fn is_empty(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(text) => text.trim().is_empty(),
            Cell::List(list) => list.is_empty(),
            _ => false,
        }
    }
}

/// The first control character in `text` other than tab, line feed and the CR of a
/// CRLF line end, which multi-line cells legitimately hold.
pub fn stray_control(text: &str) -> Option<char> {
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let allowed = matches!(c, '\t' | '\n') || (c == '\r' && chars.peek() == Some(&'\n'));
        if c.is_control() && !allowed {
            return Some(c);
        }
    }
    None
}

/// What is wrong with `text` for a field that must be one line: "换行符" or "制表符".
pub fn line_break(text: &str) -> Option<&'static str> {
    text.chars().find_map(|c| match c {
        '\n' | '\r' => Some("换行符"),
        '\t' => Some("制表符"),
        _ => None,
    })
}

/// The message for a field `label` holding what [`line_break`] found.
pub fn line_break_message(label: &str, what: &str) -> String {
    format!("{label}中有{what}：这一项只能写一行，请删去{what}（常见于从别处复制的内容）后重新保存")
}

/// Why a spreadsheet cell is refused whatever column it is in (an Excel error value,
/// a control character), or also any date when `dates` (files with no date columns).
/// `row` and `column` are as the spreadsheet shows them.
fn cell_refusal(cell: &Cell, row: usize, column: usize, dates: bool) -> Option<String> {
    match cell {
        Cell::Error(value) => {
            Some(format!("第 {row} 行 {} 列是 Excel 错误值 {value}：请改正公式或改为数值/文字", column_letter(column)))
        }
        Cell::Date(_) if dates => Some(format!("第 {row} 行 {} 列{DATE_ADVICE}", column_letter(column))),
        _ => cell.stray_control().map(control_message),
    }
}

const DATE_ADVICE: &str = "是日期单元格：请设为文本格式（选中这一列 → 设置单元格格式 → 文本），重新输入后再导入";

/// What to tell the user about a control character found by [`stray_control`].
pub fn control_message(c: char) -> String {
    let name = match c {
        '\0' => "（NUL，空字符）",
        '\r' => "（单独的回车符）",
        _ => "",
    };
    format!(
        "含有看不见的控制字符 U+{:04X}{name}：通常来自损坏的文件或从别的系统复制的内容。请删去这个字符后重新保存",
        c as u32
    )
}

/// Reports a field whose text holds a control character. The field is kept, so the
/// checks that follow do not add a misleading "missing" for it.
pub fn check_controls(field: &Field, problems: &mut Problems) {
    if let Some(c) = field.cell.stray_control() {
        problems.error(field.location.clone(), control_message(c));
    }
}

/// One field of a record, with the place it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub cell: Cell,
    pub location: Location,
}

/// One record (an item, a candidate, a sheet row) as read, before any checking.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Where the record starts (its spreadsheet row, or its `[[item]]` line).
    pub location: Location,
    pub fields: BTreeMap<&'static str, Field>,
    /// Columns or keys the schema does not know, kept for commands that store them.
    pub extra: Vec<(String, Field)>,
}

impl Record {
    pub fn get(&self, key: &str) -> Option<&Field> {
        self.fields.get(key).filter(|field| !field.cell.is_empty())
    }

    /// A text field, trimmed. Numbers are refused: Excel turns long numbers and
    /// leading-zero codes into floats, and guessing them back is how wrong data gets in.
    /// `label` names the field in the message.
    pub fn text(&self, key: &str, label: &str, problems: &mut Problems) -> Option<String> {
        let field = self.get(key)?;
        match &field.cell {
            Cell::Text(text) => Some(text.trim().to_owned()),
            Cell::Bool(b) => {
                problems.error(
                    field.location.clone(),
                    format!(
                        "「{label}」是逻辑值单元格（Excel 显示为 {}）：请把这一列设为「文本」格式，重新输入后再导入",
                        if *b { "TRUE" } else { "FALSE" }
                    ),
                );
                None
            }
            Cell::Date(_) => {
                problems.error(field.location.clone(), format!("「{label}」{DATE_ADVICE}"));
                None
            }
            Cell::Number(_) => {
                problems.error(
                    field.location.clone(),
                    format!(
                        "「{label}」是数字单元格：Excel 会把长数字改成科学计数法、丢掉开头的 0。\
                         请把这一列设为「文本」格式，重新输入后再导入"
                    ),
                );
                None
            }
            Cell::List(_) => {
                problems.error(field.location.clone(), format!("「{label}」应是一段文字，不是列表"));
                None
            }
            Cell::Empty | Cell::Error(_) => None,
        }
    }

    /// A text field that must be one line (a name, an id, a school): [`Record::text`],
    /// and a line break or tab in it is refused at its cell.
    pub fn line(&self, key: &str, label: &str, problems: &mut Problems) -> Option<String> {
        let text = self.text(key, label, problems)?;
        if let Some(what) = line_break(&text) {
            problems.error(self.location_of(key), line_break_message(label, what));
            return None;
        }
        Some(text)
    }

    /// The location of `key` if present, else the record's own.
    pub fn location_of(&self, key: &str) -> Location {
        self.fields.get(key).map(|f| f.location.clone()).unwrap_or_else(|| self.location.clone())
    }
}

/// A field a schema knows, with every header or key that names it.
#[derive(Debug)]
pub struct FieldSpec {
    pub key: &'static str,
    /// Chinese label used in messages and exported headers.
    pub label: &'static str,
    pub aliases: &'static [&'static str],
}

/// What one kind of record looks like in files.
#[derive(Debug)]
pub struct Schema {
    /// What a record is called in messages ("题目", "考生").
    pub record: &'static str,
    /// The array-of-tables name in TOML files (`item` for `[[item]]`).
    pub toml_array: &'static str,
    pub fields: &'static [FieldSpec],
    /// Fields a spreadsheet must have a column for, or the sheet is not of this kind.
    pub required_columns: &'static [&'static str],
}

impl Schema {
    /// The field a header or TOML key names, comparing without case, spaces or `_`/`-`.
    pub fn field_for(&self, header: &str) -> Option<&FieldSpec> {
        let wanted = normalize_header(header);
        self.fields.iter().find(|spec| {
            normalize_header(spec.key) == wanted
                || normalize_header(spec.label) == wanted
                || spec.aliases.iter().any(|alias| normalize_header(alias) == wanted)
        })
    }

    pub fn label_of(&self, key: &str) -> &'static str {
        self.fields.iter().find(|spec| spec.key == key).map(|spec| spec.label).unwrap_or("")
    }
}

/// A header reduced for comparison: no BOM, spaces, `_`, `-` or `*`, lower case.
pub fn normalize_header(header: &str) -> String {
    header
        .trim()
        .trim_start_matches('\u{feff}')
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '_' | '-' | '*'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// One file's bytes and the name it is reported under.
pub struct Source {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Options that apply to every file of one import command.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReadOptions {
    pub encoding: TextEncoding,
}

/// Called for each row of a table: (row number as a spreadsheet shows it, cells).
/// The cells are lent for the call only: the reader reuses them for the next row.
pub type RowVisitor<'a> = dyn FnMut(usize, &[Cell]) -> Result<(), Error> + 'a;

/// A reader for one file format.
pub trait Importer {
    /// Reads every record of `source` that matches `schema`. Problems in single rows
    /// go into `problems`; an `Err` means the file as a whole could not be read.
    fn read(
        &self,
        source: &Source,
        schema: &Schema,
        options: ReadOptions,
        problems: &mut Problems,
    ) -> Result<Vec<Record>, Error>;

    /// Streams the rows of the file's table (header first) without building records,
    /// for files too large to hold as records (100,000 answer sheets). `is_header` picks
    /// the sheet of a workbook.
    fn rows(
        &self,
        source: &Source,
        options: ReadOptions,
        is_header: &dyn Fn(&[Cell]) -> bool,
        visit: &mut RowVisitor<'_>,
    ) -> Result<(), Error>;
}

/// The importer for a file name, chosen by its extension.
pub fn importer_for(name: &str) -> Option<&'static dyn Importer> {
    let extension = Path::new(name).extension()?.to_str()?.to_ascii_lowercase();
    match extension.as_str() {
        "toml" => Some(&toml::TomlImporter),
        "csv" | "txt" => Some(&csv::CsvImporter),
        "xlsx" | "xlsm" => Some(&xlsx::XlsxImporter),
        _ => None,
    }
}

/// Expands the paths a user gave: files as they are, folders walked recursively for
/// files an importer understands (in name order, so runs are repeatable).
pub fn expand_paths(paths: &[PathBuf]) -> Result<Vec<PathBuf>, Error> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut found: Vec<PathBuf> = walkdir::WalkDir::new(path)
                .sort_by_file_name()
                .into_iter()
                .filter_map(Result::ok)
                .filter(|entry| entry.file_type().is_file())
                .map(|entry| entry.into_path())
                .filter(|p| {
                    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                    !name.starts_with('.') && !name.starts_with("~$") && importer_for(name).is_some()
                })
                .collect();
            if found.is_empty() {
                return Err(Error::user(format!(
                    "{}: 文件夹里没有可导入的文件（支持 .toml、.csv、.xlsx）",
                    path.display()
                )));
            }
            files.append(&mut found);
        } else if path.exists() {
            if importer_for(&path.to_string_lossy()).is_none() {
                return Err(Error::user(format!(
                    "{}: 不支持这种文件格式；请使用 .toml、.csv 或 .xlsx 文件",
                    path.display()
                )));
            }
            files.push(path.clone());
        } else {
            return Err(Error::user(format!("{}: 找不到这个文件或文件夹，请检查路径", path.display())));
        }
    }
    Ok(files)
}

/// Reads one file from disk into a [`Source`].
pub fn load(path: &Path) -> Result<Source, Error> {
    let bytes = std::fs::read(path).map_err(|e| crate::error::io_error(path, "无法读取文件", &e))?;
    Ok(Source { name: path.display().to_string(), bytes })
}

/// Reads a whole text file that is not a table (a certificate, a signed list) in any
/// encoding the CSV reader detects: UTF-8 with or without a BOM, UTF-16 with a BOM
/// (what Windows PowerShell's `>` writes), GBK. `what` names the file in messages; an
/// empty file is refused as such.
pub fn read_text(path: &Path, what: &str) -> Result<String, Error> {
    let bytes = std::fs::read(path).map_err(|e| crate::error::io_error(path, &format!("无法读取{what}"), &e))?;
    let name = path.display().to_string();
    let text = csv::decode(&name, &bytes, TextEncoding::Auto)?;
    if text.trim().is_empty() {
        return Err(Error::user(format!("{name}: {what}是空的")));
    }
    Ok(text.into_owned())
}

/// The first key that appears twice in one object of a JSON text (serde_json would keep
/// the last one silently, so a signed file with a second `payload` glued on would be
/// read as the forger wishes); `None` when there is none or the text is not JSON
/// (parsing it reports that).
pub fn repeated_json_key(text: &str) -> Option<String> {
    use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};

    /// Walks any JSON value, recording the first repeated key and stopping there.
    struct Walk<'a>(&'a mut Option<String>);

    impl<'de> DeserializeSeed<'de> for Walk<'_> {
        type Value = ();
        fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
            deserializer.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for Walk<'_> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_bool<E>(self, _: bool) -> Result<(), E> {
            Ok(())
        }
        fn visit_i64<E>(self, _: i64) -> Result<(), E> {
            Ok(())
        }
        fn visit_u64<E>(self, _: u64) -> Result<(), E> {
            Ok(())
        }
        fn visit_f64<E>(self, _: f64) -> Result<(), E> {
            Ok(())
        }
        fn visit_str<E>(self, _: &str) -> Result<(), E> {
            Ok(())
        }
        fn visit_unit<E>(self) -> Result<(), E> {
            Ok(())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            while seq.next_element_seed(Walk(&mut *self.0))?.is_some() {}
            Ok(())
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            let mut seen = std::collections::HashSet::new();
            while let Some(key) = map.next_key::<String>()? {
                if !seen.insert(key.clone()) {
                    *self.0 = Some(key);
                    return Err(de::Error::custom("repeated key"));
                }
                map.next_value_seed(Walk(&mut *self.0))?;
            }
            Ok(())
        }
    }

    let mut found = None;
    let _ = Walk(&mut found).deserialize(&mut serde_json::Deserializer::from_str(text));
    found
}

/// Whether a header row has an exam-number column: how the per-candidate files
/// (answer sheets, grade entries) pick their sheet in a workbook.
pub fn has_exam_no_column(cells: &[Cell]) -> bool {
    cells.iter().any(|c| matches!(c, Cell::Text(t) if ["准考证号", "exam_no"].contains(&t.trim())))
}

/// Streams the rows of one file (see [`Importer::rows`]).
pub fn visit_rows(
    source: &Source,
    options: ReadOptions,
    is_header: &dyn Fn(&[Cell]) -> bool,
    visit: &mut RowVisitor<'_>,
) -> Result<(), Error> {
    let importer = importer_for(&source.name)
        .ok_or_else(|| Error::user(format!("{}: 不支持这种文件格式；请使用 .csv 或 .xlsx", source.name)))?;
    importer.rows(source, options, is_header, &mut |row, cells| {
        let refused = cells.iter().enumerate().find_map(|(i, cell)| Some((i, cell_refusal(cell, row, i, true)?)));
        if let Some((index, why)) = refused {
            let at = Location::new(&source.name, row, Some(column_letter(index)));
            return Err(Error::user(format!("{at}: {why}")));
        }
        visit(row, cells)
    })
}

/// Reads records of `schema` from every source, collecting problems across all files.
pub fn read_all(
    sources: &[Source],
    schema: &Schema,
    options: ReadOptions,
    problems: &mut Problems,
) -> Result<Vec<Record>, Error> {
    let mut records = Vec::new();
    for source in sources {
        let importer =
            importer_for(&source.name).ok_or_else(|| Error::user(format!("{}: 不支持这种文件格式", source.name)))?;
        records.extend(importer.read(source, schema, options, problems)?);
    }
    Ok(records)
}

/// A number as text: whole numbers without a decimal point (`6`, not `6.0`).
pub fn format_number(x: f64) -> String {
    let mut out = String::new();
    write_number(&mut out, x);
    out
}

/// Appends a number as [`format_number`] writes it, without allocating.
pub fn write_number(out: &mut String, x: f64) {
    use std::fmt::Write;
    let _ = if x.fract() == 0.0 && x.abs() < 1e15 { write!(out, "{}", x as i64) } else { write!(out, "{x}") };
}

/// Spreadsheet column letters: 0 → A, 25 → Z, 26 → AA.
pub fn column_letter(mut index: usize) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(b'A' + (index % 26) as u8);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    letters.reverse();
    String::from_utf8(letters).expect("ASCII letters")
}

/// Maps a header row onto a schema: for each column, the field it holds (or `None`
/// for a column kept as extra). Duplicate headers and missing required columns are
/// problems of the header row.
fn map_header(
    headers: &[String],
    schema: &Schema,
    file: &str,
    header_row: usize,
    problems: &mut Problems,
) -> Vec<Option<&'static str>> {
    let mut columns: Vec<Option<&'static str>> = Vec::with_capacity(headers.len());
    let mut seen: BTreeMap<&'static str, usize> = BTreeMap::new();
    for (index, header) in headers.iter().enumerate() {
        let key = schema.field_for(header).map(|spec| spec.key);
        if let Some(key) = key {
            if let Some(first) = seen.insert(key, index) {
                problems.error(
                    Location::new(file, header_row, Some(column_letter(index))),
                    format!(
                        "表头「{header}」与 {} 列重复，都是「{}」；请删去其中一列",
                        column_letter(first),
                        schema.label_of(key)
                    ),
                );
            }
        }
        columns.push(key);
    }
    for required in schema.required_columns {
        if !seen.contains_key(required) {
            problems.error(
                Location::new(file, header_row, None),
                format!(
                    "缺少「{}」列（表头可写中文或英文：{}/{}）",
                    schema.label_of(required),
                    schema.label_of(required),
                    required
                ),
            );
        }
    }
    columns
}

/// Turns spreadsheet rows (header first) into records; used by CSV and XLSX.
fn records_from_rows(
    file: &str,
    rows: impl Iterator<Item = (usize, Vec<Cell>)>,
    header: (usize, Vec<String>),
    schema: &Schema,
    problems: &mut Problems,
) -> Vec<Record> {
    let (header_row, headers) = header;
    let errors_before = problems.errors().count();
    let columns = map_header(&headers, schema, file, header_row, problems);
    if problems.errors().count() > errors_before {
        // A wrong header would make every row look wrong: report the header alone.
        return Vec::new();
    }
    let mut records = Vec::new();
    for (row, cells) in rows {
        if cells.iter().all(Cell::is_empty) {
            continue;
        }
        let mut record =
            Record { location: Location::new(file, row, None), fields: BTreeMap::new(), extra: Vec::new() };
        for (index, cell) in cells.into_iter().enumerate() {
            let field = Field { cell, location: Location::new(file, row, Some(column_letter(index))) };
            if let Some(why) = cell_refusal(&field.cell, row, index, false) {
                problems.error(field.location.clone(), why);
            }
            match columns.get(index).copied().flatten() {
                Some(key) => {
                    record.fields.insert(key, field);
                }
                None if !field.cell.is_empty() => {
                    let name = headers.get(index).cloned().unwrap_or_default();
                    if name.trim().is_empty() {
                        problems.warning(field.location.clone(), "这一列没有表头，内容已忽略");
                    } else {
                        record.extra.push((name, field));
                    }
                }
                None => {}
            }
        }
        records.push(record);
    }
    records
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_follow_spreadsheets() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(27), "AB");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
    }

    #[test]
    fn repeated_json_keys_are_found_at_any_depth() {
        assert_eq!(
            repeated_json_key(r#"{"payload": "a", "signature": "s", "payload": "b"}"#).as_deref(),
            Some("payload")
        );
        assert_eq!(repeated_json_key(r#"{"a": [1, {"b": null, "b": true}], "c": 2.5}"#).as_deref(), Some("b"));
        assert_eq!(repeated_json_key(r#"{"a": {"a": 1}, "b": [{"a": 1}, {"a": 2}]}"#), None);
        assert_eq!(repeated_json_key("not json"), None);
    }

    #[test]
    fn line_breaks_and_tabs_are_named() {
        assert_eq!(line_break("张\n三"), Some("换行符"));
        assert_eq!(line_break("张\r三"), Some("换行符"));
        assert_eq!(line_break("张\t三"), Some("制表符"));
        assert_eq!(line_break("张 三"), None);
    }

    #[test]
    fn importer_is_chosen_by_extension_ignoring_case() {
        assert!(importer_for("bank.TOML").is_some());
        assert!(importer_for("a/b/bank.csv").is_some());
        assert!(importer_for("bank.xlsx").is_some());
        assert!(importer_for("bank.xls").is_none());
        assert!(importer_for("bank").is_none());
    }
}
