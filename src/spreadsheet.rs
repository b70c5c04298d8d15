//! Writing tables to files people open in Excel: CSV (UTF-8 with a BOM, so Excel on a
//! Chinese Windows shows the characters) and XLSX.
//!
//! Guarantees: text is written as text (an ID number or a leading-zero code is never
//! turned into a number); output appears whole or not at all (written to a temporary
//! file beside the target, then renamed).

use std::io::Write;
use std::path::Path;

use rust_xlsxwriter::{Format, Workbook};
use unicode_width::UnicodeWidthStr;

use crate::error::Error;

/// One cell of an output table.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Number(f64),
    Empty,
}

impl From<&str> for Value {
    fn from(text: &str) -> Value {
        if text.is_empty() { Value::Empty } else { Value::Text(text.to_owned()) }
    }
}

impl From<String> for Value {
    fn from(text: String) -> Value {
        if text.is_empty() { Value::Empty } else { Value::Text(text) }
    }
}

/// A named table: a header row and data rows.
#[derive(Debug, Clone, Default)]
pub struct Sheet {
    pub name: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Value>>,
}

/// The table formats, chosen by the output file's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableFormat {
    Csv,
    Xlsx,
}

impl TableFormat {
    pub fn of(path: &Path) -> Option<TableFormat> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "csv" => Some(TableFormat::Csv),
            "xlsx" => Some(TableFormat::Xlsx),
            _ => None,
        }
    }
}

/// Writes `bytes` to `path` atomically: a temporary file in the same folder, then a rename.
pub fn write_file_atomically(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let folder = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let cannot = |e: std::io::Error| crate::error::io_error(path, "无法写入文件", &e);
    std::fs::create_dir_all(folder).map_err(cannot)?;
    let mut temporary = tempfile::NamedTempFile::new_in(folder).map_err(cannot)?;
    temporary.write_all(bytes).map_err(cannot)?;
    // Temporary files are private (0600); documents are for sharing like any other file.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        temporary.as_file().set_permissions(std::fs::Permissions::from_mode(0o644)).map_err(cannot)?;
    }
    temporary.persist(path).map_err(|e| cannot(e.error))?;
    Ok(())
}

/// CSV bytes: UTF-8 with a BOM; only the first sheet (CSV has one table).
pub fn csv_bytes(sheet: &Sheet) -> Result<Vec<u8>, Error> {
    let mut writer = csv::WriterBuilder::new().from_writer(b"\xEF\xBB\xBF".to_vec());
    writer.write_record(&sheet.headers).map_err(std::io::Error::from)?;
    for row in &sheet.rows {
        let cells: Vec<String> = row
            .iter()
            .map(|value| match value {
                Value::Text(text) => text.clone(),
                Value::Number(x) => crate::import::format_number(*x),
                Value::Empty => String::new(),
            })
            .collect();
        writer.write_record(&cells).map_err(std::io::Error::from)?;
    }
    writer.into_inner().map_err(|e| Error::Io(e.into_error()))
}

/// XLSX bytes: one worksheet per sheet, bold frozen header, readable column widths.
pub fn xlsx_bytes(sheets: &[Sheet]) -> Result<Vec<u8>, Error> {
    let xlsx = |e: rust_xlsxwriter::XlsxError| Error::user(format!("无法生成 Excel 文件：{e}"));
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    for sheet in sheets {
        let worksheet = workbook.add_worksheet();
        worksheet.set_name(&sheet.name).map_err(xlsx)?;
        let mut widths: Vec<usize> = sheet.headers.iter().map(|h| h.width()).collect();
        for (column, header) in sheet.headers.iter().enumerate() {
            worksheet.write_string_with_format(0, column as u16, header, &bold).map_err(xlsx)?;
        }
        for (index, row) in sheet.rows.iter().enumerate() {
            let row_number = index as u32 + 1;
            for (column, value) in row.iter().enumerate() {
                let col = column as u16;
                match value {
                    Value::Text(text) => {
                        worksheet.write_string(row_number, col, text).map_err(xlsx)?;
                        if let Some(width) = widths.get_mut(column) {
                            *width = (*width).max(text.width());
                        }
                    }
                    Value::Number(x) => {
                        worksheet.write_number(row_number, col, *x).map_err(xlsx)?;
                    }
                    Value::Empty => {}
                }
            }
        }
        for (column, width) in widths.iter().enumerate() {
            worksheet.set_column_width(column as u16, (*width).clamp(6, 60) as f64 + 2.0).map_err(xlsx)?;
        }
        worksheet.set_freeze_panes(1, 0).map_err(xlsx)?;
    }
    workbook.save_to_buffer().map_err(xlsx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_starts_with_a_bom_and_keeps_text() {
        let sheet = Sheet {
            name: "t".into(),
            headers: vec!["编号".into(), "系数".into()],
            rows: vec![vec![Value::Text("0012".into()), Value::Number(0.5)]],
        };
        let bytes = csv_bytes(&sheet).unwrap();
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
        assert_eq!(std::str::from_utf8(&bytes[3..]).unwrap(), "编号,系数\n0012,0.5\n");
    }
}
