//! Excel workbooks (.xlsx): every sheet whose header row names the schema's required
//! columns is read; the first sheet is always read, so a workbook whose header is
//! wrong gets an error about that header instead of "nothing found".
//!
//! Guarantees: cells keep their Excel type, so a number typed where text is required
//! (Excel's float IDs) reaches the checks as a number and is reported, not guessed at.
//! A sheet's rows are reported as `book.xlsx[sheet]:row:column` when the workbook has
//! more than one sheet in play.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

use super::{Cell, Importer, ReadOptions, Record, RowVisitor, Schema, Source, records_from_rows};
use crate::error::Error;
use crate::problem::Problems;

pub struct XlsxImporter;

impl Importer for XlsxImporter {
    fn read(
        &self,
        source: &Source,
        schema: &Schema,
        _options: ReadOptions,
        problems: &mut Problems,
    ) -> Result<Vec<Record>, Error> {
        let sheets = sheets(source)?;

        let matching: Vec<usize> = sheets
            .iter()
            .enumerate()
            .filter(|(_, (_, rows))| header_matches(rows.first(), schema))
            .map(|(index, _)| index)
            .collect();
        let chosen = if matching.is_empty() { vec![0] } else { matching };
        let several = chosen.len() > 1;

        let mut records = Vec::new();
        for index in chosen {
            let Some((sheet, rows)) = sheets.get(index) else {
                problems.error(crate::problem::Location::file(&source.name), "工作簿里没有工作表");
                continue;
            };
            let file = if several { format!("{}[{sheet}]", source.name) } else { source.name.clone() };
            let mut numbered = rows.iter().cloned().enumerate().map(|(i, cells)| (i + 1, cells));
            let Some((header_row, header_cells)) = numbered.next() else {
                problems.error(crate::problem::Location::file(&file), format!("工作表「{sheet}」是空的，没有表头行"));
                continue;
            };
            let headers = header_cells.iter().map(header_text).collect();
            records.extend(records_from_rows(&file, numbered, (header_row, headers), schema, problems));
        }
        Ok(records)
    }

    fn rows(
        &self,
        source: &Source,
        _options: ReadOptions,
        is_header: &dyn Fn(&[Cell]) -> bool,
        visit: &mut RowVisitor<'_>,
    ) -> Result<(), Error> {
        let sheets = sheets(source)?;
        let chosen = sheets.iter().position(|(_, rows)| rows.first().is_some_and(|h| is_header(h))).unwrap_or(0);
        let Some((_, rows)) = sheets.into_iter().nth(chosen) else {
            return Err(Error::user(format!("{}: 工作簿里没有工作表", source.name)));
        };
        for (index, cells) in rows.into_iter().enumerate() {
            visit(index + 1, &cells)?;
        }
        Ok(())
    }
}

/// Every worksheet as rows of cells.
/// A worksheet: its name and its rows of cells.
type Worksheet = (String, Vec<Vec<Cell>>);

fn sheets(source: &Source) -> Result<Vec<Worksheet>, Error> {
    let mut workbook: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(&source.bytes))
        .map_err(|e| Error::user(format!("{}: 无法作为 Excel 工作簿打开（{e}）；请确认是 .xlsx 文件", source.name)))?;
    Ok(workbook
        .worksheets()
        .into_iter()
        .map(|(name, range)| (name, range.rows().map(|row| row.iter().map(cell_of).collect()).collect()))
        .collect())
}

fn header_matches(header: Option<&Vec<Cell>>, schema: &Schema) -> bool {
    let Some(header) = header else { return false };
    let keys: Vec<&str> =
        header.iter().filter_map(|cell| schema.field_for(&header_text(cell)).map(|spec| spec.key)).collect();
    schema.required_columns.iter().all(|required| keys.contains(required))
}

fn header_text(cell: &Cell) -> String {
    match cell {
        Cell::Text(text) => text.clone(),
        _ => String::new(),
    }
}

fn cell_of(data: &Data) -> Cell {
    match data {
        Data::Empty => Cell::Empty,
        Data::String(text) if text.trim().is_empty() => Cell::Empty,
        Data::String(text) => Cell::Text(text.clone()),
        Data::Int(n) => Cell::Number(*n as f64),
        Data::Float(x) => Cell::Number(*x),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(dt) => Cell::Text(dt.to_string()),
        Data::DateTimeIso(text) | Data::DurationIso(text) => Cell::Text(text.clone()),
        Data::Error(e) => Cell::Text(format!("#{e:?}")),
    }
}
