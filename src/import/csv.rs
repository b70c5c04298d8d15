//! CSV files as exam offices save them: UTF-8, UTF-8 with a BOM (Excel's "CSV UTF-8"),
//! or GBK/GB18030 (Excel's default "CSV" on a Chinese Windows).
//!
//! Guarantees: the encoding is detected (BOM, else valid UTF-8, else GB18030, which is a
//! superset of GBK) unless the user forces one; a file that is not valid in the forced
//! encoding is an error naming the row, never silently mangled text. Rows are numbered
//! as a spreadsheet shows them, the header being row 1.

use std::borrow::Cow;
use std::str::FromStr;

use encoding_rs::GB18030;

use super::{Cell, Importer, ReadOptions, Record, RowVisitor, Schema, Source, records_from_rows};
use crate::error::Error;
use crate::problem::{Location, Problems};

/// How to decode a text file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum TextEncoding {
    /// BOM, else UTF-8 if valid, else GBK/GB18030.
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
        let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
        let mut rows = Vec::new();
        for (index, result) in reader.records().enumerate() {
            let row = index + 1;
            match result {
                Ok(record) => rows.push((row, record.iter().map(text_cell).collect::<Vec<_>>())),
                Err(e) => problems
                    .error(Location::new(&source.name, row, None), format!("CSV 格式有误（{e}）；请检查引号是否成对")),
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
        self.stream(source, options, visit)
    }
}

impl CsvImporter {
    /// Streams rows; a malformed record is an error naming its row.
    fn stream(&self, source: &Source, options: ReadOptions, visit: &mut RowVisitor<'_>) -> Result<(), Error> {
        let text = decode(&source.name, &source.bytes, options.encoding)?;
        let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
        let mut record = csv::StringRecord::new();
        // One buffer of cells for the whole file, refilled in place: a 100,000-row file
        // of 100 answers would otherwise allocate ten million small strings.
        let mut cells: Vec<Cell> = Vec::new();
        let mut row = 0;
        loop {
            row += 1;
            match reader.read_record(&mut record) {
                Ok(true) => {
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
                Ok(false) => return Ok(()),
                Err(e) => {
                    return Err(Error::user(format!("{}:{row}: CSV 格式有误（{e}）；请检查引号是否成对", source.name)));
                }
            }
        }
    }
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
    }

    #[test]
    fn forced_utf8_on_gbk_names_the_bad_row() {
        let (gbk, _, _) = encoding_rs::GBK.encode("id,stem\nA-1,ok\nA-2,婴儿\n");
        let err = decode("bank.csv", &gbk, TextEncoding::Utf8).unwrap_err().to_string();
        assert!(err.starts_with("bank.csv:3:"), "{err}");
        assert!(err.contains("--encoding gbk"), "{err}");
    }
}
