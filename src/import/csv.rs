//! CSV files as exam offices save them: UTF-8, UTF-8 with a BOM (Excel's "CSV UTF-8"),
//! GBK/GB18030 (Excel's default "CSV" on a Chinese Windows), or UTF-16 with a BOM
//! (Excel's "Unicode text", Windows PowerShell's `>`).
//!
//! Guarantees: the encoding is detected (BOM, else valid UTF-8, else GB18030, which is a
//! superset of GBK) unless the user forces one; a file that is not valid in the forced
//! encoding is an error naming the row, never silently mangled text. Rows are numbered
//! as a spreadsheet shows them, the header being row 1.
//!
//! Every row must have as many fields as the header: a row cut short (a file copied
//! before it was fully written) is refused, never scored as blanks. Two shapes are
//! tolerated because they carry no data: extra fields that are all empty (Excel writes
//! trailing commas when cells right of the table were once formatted) and rows that are
//! empty throughout. A quote left open is reported at the row where it opened: the
//! `csv` crate would silently swallow the rest of the file into that one field.

use std::borrow::Cow;
use std::str::FromStr;

use encoding_rs::GB18030;

use super::{Cell, Importer, ReadOptions, Record, RowVisitor, Schema, Source, records_from_rows};
use crate::error::Error;
use crate::problem::{Location, Problem, Problems, Severity};

/// How to decode a text file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum TextEncoding {
    /// BOM (UTF-8 or UTF-16), else UTF-8 if valid, else GBK/GB18030.
    #[default]
    Auto,
    #[value(name = "utf-8", alias = "utf8")]
    Utf8,
    #[value(name = "gbk", alias = "gb18030")]
    Gbk,
}

impl FromStr for TextEncoding {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        <TextEncoding as clap::ValueEnum>::from_str(text, true)
    }
}

/// Decodes bytes per `encoding` (UTF-8 without copying); the error names the first bad row.
pub fn decode<'a>(name: &str, bytes: &'a [u8], encoding: TextEncoding) -> Result<Cow<'a, str>, Error> {
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    let bad_row = |valid_up_to: usize| bytes[..valid_up_to].iter().filter(|&&b| b == b'\n').count() + 1;
    if encoding == TextEncoding::Auto
        && let Some((utf16, bom)) = encoding_rs::Encoding::for_bom(bytes)
        && utf16 != encoding_rs::UTF_8
    {
        return match utf16.decode_without_bom_handling_and_without_replacement(&bytes[bom..]) {
            Some(text) => Ok(Cow::Owned(text.into_owned())),
            None => Err(Error::user(format!("{name}: 文件以 UTF-16 标记开头，但内容不是有效的 UTF-16 文本"))),
        };
    }
    match encoding {
        TextEncoding::Auto | TextEncoding::Utf8 => {
            let body = bytes.strip_prefix(BOM).unwrap_or(bytes);
            match std::str::from_utf8(body) {
                Ok(text) => Ok(Cow::Borrowed(text)),
                Err(_) if encoding == TextEncoding::Auto && !bytes.starts_with(BOM) => decode_gbk(name, bytes),
                Err(e) => Err(Error::user(format!(
                    "{}:{}: 这一行不是有效的 UTF-8 文本；如果文件是用 Excel 另存的普通 CSV，请加 --encoding gbk",
                    name,
                    bad_row(e.valid_up_to() + if bytes.starts_with(BOM) { 3 } else { 0 })
                ))),
            }
        }
        TextEncoding::Gbk => decode_gbk(name, bytes),
    }
}

fn decode_gbk<'a>(name: &str, bytes: &'a [u8]) -> Result<Cow<'a, str>, Error> {
    match GB18030.decode_without_bom_handling_and_without_replacement(bytes) {
        Some(text) => Ok(Cow::Owned(text.into_owned())),
        None => {
            // Find the first line that does not decode, so the user can look at it.
            let mut row = 1;
            for line in bytes.split(|&b| b == b'\n') {
                if GB18030.decode_without_bom_handling_and_without_replacement(line).is_none() {
                    break;
                }
                row += 1;
            }
            Err(Error::user(format!(
                "{name}:{row}: 这一行既不是 UTF-8 也不是 GBK 文本；请在 Excel 中另存为「CSV UTF-8（逗号分隔）」后重试"
            )))
        }
    }
}

pub struct CsvImporter;

impl Importer for CsvImporter {
    fn read(
        &self,
        source: &Source,
        schema: &Schema,
        options: ReadOptions,
        problems: &mut Problems,
    ) -> Result<Vec<Record>, Error> {
        let text = decode(&source.name, &source.bytes, options.encoding)?;
        let mut reader = match Rows::new(&source.name, &text) {
            Ok(reader) => reader,
            Err(problem) => {
                problems.error(problem.location, problem.message);
                return Ok(Vec::new());
            }
        };
        let mut record = csv::StringRecord::new();
        let mut rows = Vec::new();
        loop {
            match reader.next(&mut record) {
                Ok(Some(row)) => rows.push((row, record.iter().map(text_cell).collect::<Vec<_>>())),
                Ok(None) => break,
                Err(problem) => problems.error(problem.location, problem.message),
            }
        }
        let mut rows = rows.into_iter();
        let Some((header_row, header_cells)) = rows.next() else {
            problems.error(Location::file(&source.name), "文件是空的，没有表头行");
            return Ok(Vec::new());
        };
        let headers = header_cells
            .into_iter()
            .map(|cell| match cell {
                Cell::Text(text) => text,
                _ => String::new(),
            })
            .collect();
        Ok(records_from_rows(&source.name, rows, (header_row, headers), schema, problems))
    }

    fn rows(
        &self,
        source: &Source,
        options: ReadOptions,
        _is_header: &dyn Fn(&[Cell]) -> bool,
        visit: &mut RowVisitor<'_>,
    ) -> Result<(), Error> {
        let text = decode(&source.name, &source.bytes, options.encoding)?;
        let mut reader = Rows::new(&source.name, &text).map_err(|p| Error::user(p.to_string()))?;
        let mut record = csv::StringRecord::new();
        // One buffer of cells for the whole file, refilled in place: a 100,000-row file
        // of 100 answers would otherwise allocate ten million small strings.
        let mut cells: Vec<Cell> = Vec::new();
        while let Some(row) = reader.next(&mut record).map_err(|p| Error::user(p.to_string()))? {
            cells.resize_with(record.len(), || Cell::Text(String::new()));
            for (cell, field) in cells.iter_mut().zip(record.iter()) {
                match cell {
                    Cell::Text(text) => {
                        text.clear();
                        text.push_str(field);
                    }
                    other => *other = Cell::Text(field.to_owned()),
                }
            }
            visit(row, &cells)?
        }
        Ok(())
    }
}

/// The one CSV reader behind [`Importer::read`] and [`Importer::rows`]: rows numbered
/// as spreadsheets number them, each checked against the header's width.
struct Rows<'a> {
    name: &'a str,
    reader: csv::Reader<&'a [u8]>,
    row: usize,
    width: Option<usize>,
}

impl<'a> Rows<'a> {
    /// Refuses a file with a quote that never closes before any row is read.
    fn new(name: &'a str, text: &'a str) -> Result<Rows<'a>, Problem> {
        if let Some(row) = unclosed_quote(text) {
            return Err(problem(
                Location::new(name, row, None),
                format!(
                    "第 {row} 行有一个引号（\"）没有配对：从这里到文件末尾都被当成了同一个单元格。\
                     请在这一行补上缺少的引号，或在 Excel 中打开后重新另存为 CSV"
                ),
            ));
        }
        let reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
        Ok(Rows { name, reader, row: 0, width: None })
    }

    /// The next row into `record`: its row number, `None` at the end, or the problem of
    /// a row that cannot be used (reading goes on after it).
    fn next(&mut self, record: &mut csv::StringRecord) -> Result<Option<usize>, Problem> {
        self.row += 1;
        let row = self.row;
        let at = Location::new(self.name, row, None);
        match self.reader.read_record(record) {
            Ok(false) => Ok(None),
            Err(e) => Err(problem(at, format!("CSV 格式有误（{e}）；请检查引号是否成对"))),
            Ok(true) => {
                let width = *self.width.get_or_insert(record.len());
                let tolerated = record.len() == width
                    || record.iter().all(|f| f.trim().is_empty())
                    || (record.len() > width && record.iter().skip(width).all(|f| f.trim().is_empty()));
                if tolerated {
                    Ok(Some(row))
                } else {
                    Err(problem(
                        at,
                        format!(
                            "第 {row} 行有 {} 个字段，表头有 {width} 个：这一行可能被截断了，或多了逗号。\
                             请对照表头检查这一行，改正后重新保存",
                            record.len()
                        ),
                    ))
                }
            }
        }
    }
}

fn problem(location: Location, message: String) -> Problem {
    Problem { location, severity: Severity::Error, message }
}

/// The row (1-based, as spreadsheets count) where a quoted field opens and never
/// closes, following the quoting rules of RFC 4180 that the `csv` crate reads by:
/// a quote opens a field only at its start, and `""` inside one is a literal quote.
fn unclosed_quote(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let (mut row, mut at_field_start, mut i) = (1, true, 0);
    while i < bytes.len() {
        match bytes[i] {
            b'"' if at_field_start => {
                let opened = row;
                i += 1;
                loop {
                    match bytes.get(i) {
                        None => return Some(opened),
                        Some(b'"') if bytes.get(i + 1) == Some(&b'"') => i += 2,
                        Some(b'"') => break,
                        // Line breaks inside quotes belong to the cell, not to a new row.
                        Some(_) => i += 1,
                    }
                }
                at_field_start = false;
            }
            b',' => at_field_start = true,
            b'\n' => {
                row += 1;
                at_field_start = true;
            }
            b'\r' => {}
            _ => at_field_start = false,
        }
        i += 1;
    }
    None
}

fn text_cell(text: &str) -> Cell {
    if text.trim().is_empty() { Cell::Empty } else { Cell::Text(text.to_owned()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_bom_utf8_and_gbk() {
        let chinese = "编号,题干\nA-1,婴儿辅食\n";
        let mut with_bom = b"\xEF\xBB\xBF".to_vec();
        with_bom.extend_from_slice(chinese.as_bytes());
        assert_eq!(decode("f", &with_bom, TextEncoding::Auto).unwrap(), chinese);
        assert_eq!(decode("f", chinese.as_bytes(), TextEncoding::Auto).unwrap(), chinese);
        let (gbk, _, _) = encoding_rs::GBK.encode(chinese);
        assert_eq!(decode("f", &gbk, TextEncoding::Auto).unwrap(), chinese);
        assert_eq!(decode("f", &gbk, TextEncoding::Gbk).unwrap(), chinese);
        for (bom, unit) in [(b"\xFF\xFE", u16::to_le_bytes as fn(u16) -> [u8; 2]), (b"\xFE\xFF", u16::to_be_bytes)] {
            let utf16: Vec<u8> = bom.iter().copied().chain(chinese.encode_utf16().flat_map(unit)).collect();
            assert_eq!(decode("f", &utf16, TextEncoding::Auto).unwrap(), chinese);
        }
    }

    #[test]
    fn unclosed_quotes_are_found_at_the_row_they_open() {
        assert_eq!(unclosed_quote("a,b\n1,\"x\ny\",2\n3,4\n"), None);
        assert_eq!(unclosed_quote("a,b\n1,2 \"inch\"\n"), None);
        assert_eq!(unclosed_quote("a,b\n1,\"say \"\"hi\"\"\"\n"), None);
        assert_eq!(unclosed_quote("a,b\n1,2\n3,\"open\n4,5\n"), Some(3));
    }

    #[test]
    fn forced_utf8_on_gbk_names_the_bad_row() {
        let (gbk, _, _) = encoding_rs::GBK.encode("id,stem\nA-1,ok\nA-2,婴儿\n");
        let err = decode("bank.csv", &gbk, TextEncoding::Utf8).unwrap_err().to_string();
        assert!(err.starts_with("bank.csv:3:"), "{err}");
        assert!(err.contains("--encoding gbk"), "{err}");
    }
}
