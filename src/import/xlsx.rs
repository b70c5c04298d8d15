//! Excel workbooks (.xlsx): every sheet whose header row names the schema's required
//! columns is read; the first sheet is always read, so a workbook whose header is
//! wrong gets an error about that header instead of "nothing found".
//!
//! Guarantees: cells keep their Excel type, so a number typed where text is required
//! (Excel's float IDs) reaches the checks as a number and is reported, not guessed at.
//! A sheet's rows are reported as `book.xlsx[sheet]:row:column` when the workbook has
//! more than one sheet in play. A formula cell whose result was never saved (files
//! written by programs rather than by Excel) is reported as such, at its cell: calamine
//! reads it as empty, which would otherwise surface as a "missing" field. A formula
//! whose saved result is an empty string cannot be told apart from that, and is
//! reported the same way; pasting the column as values fixes both.
//!
//! Error values (`#DIV/0!`) and date cells reach the checks as [`Cell::Error`] and
//! [`Cell::Date`], never as text: the checks refuse them (see the `import` module).

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

use super::{Cell, Importer, ReadOptions, Record, RowVisitor, Schema, Source, column_letter, records_from_rows};
use crate::error::Error;
use crate::problem::{Location, Problems};

pub struct XlsxImporter;

impl Importer for XlsxImporter {
    fn read(
        &self,
        source: &Source,
        schema: &Schema,
        _options: ReadOptions,
        problems: &mut Problems,
    ) -> Result<Vec<Record>, Error> {
        let (sheets, uncalculated) = sheets(source)?;

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
                problems.error(Location::file(&source.name), "工作簿里没有工作表");
                continue;
            };
            let file = if several { format!("{}[{sheet}]", source.name) } else { source.name.clone() };
            for (row, column, _) in uncalculated.get(index).into_iter().flatten() {
                problems
                    .error(Location::new(&file, *row, Some(column_letter(*column))), formula_message(*row, *column));
            }
            let mut numbered = rows.iter().cloned().enumerate().map(|(i, cells)| (i + 1, cells));
            let Some((header_row, header_cells)) = numbered.next() else {
                problems.error(Location::file(&file), format!("工作表「{sheet}」是空的，没有表头行"));
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
        let (sheets, uncalculated) = sheets(source)?;
        let chosen = sheets.iter().position(|(_, rows)| rows.first().is_some_and(|h| is_header(h))).unwrap_or(0);
        if let Some((row, column, _)) = uncalculated.get(chosen).and_then(|cells| cells.first()) {
            let at = Location::new(&source.name, *row, Some(column_letter(*column)));
            return Err(Error::user(format!("{at}: {}", formula_message(*row, *column))));
        }
        let Some((_, rows)) = sheets.into_iter().nth(chosen) else {
            return Err(Error::user(format!("{}: 工作簿里没有工作表", source.name)));
        };
        for (index, cells) in rows.into_iter().enumerate() {
            visit(index + 1, &cells)?;
        }
        Ok(())
    }
}

/// A worksheet: its name and its rows of cells.
type Worksheet = (String, Vec<Vec<Cell>>);

/// A formula cell without a saved result: (row as Excel shows it, column index, formula).
type Uncalculated = (usize, usize, String);

/// Every worksheet as rows of cells, and per worksheet its formula cells without a
/// saved result. Such a cell keeps its formula as text (`=A1`), so that the checks
/// that follow do not also call the field missing.
fn sheets(source: &Source) -> Result<(Vec<Worksheet>, Vec<Vec<Uncalculated>>), Error> {
    let mut workbook: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(&source.bytes))
        .map_err(|e| Error::user(format!("{}: 无法作为 Excel 工作簿打开（{e}）；请确认是 .xlsx 文件", source.name)))?;
    let (mut sheets, mut uncalculated) = (Vec::new(), Vec::new());
    for (name, range) in workbook.worksheets() {
        let mut rows: Vec<Vec<Cell>> = range.rows().map(|row| row.iter().map(cell_of).collect()).collect();
        let mut missing = Vec::new();
        // A workbook whose formulas cannot be read still has its values: nothing to report.
        if let Ok(formulas) = workbook.worksheet_formula(&name) {
            let (top, left) = range.start().unwrap_or((0, 0));
            let (f_top, f_left) = formulas.start().unwrap_or((0, 0));
            for (r, c, formula) in formulas.used_cells() {
                let (row, column) = (f_top + r as u32, f_left + c as u32);
                let has_value = range.get_value((row, column)).is_some_and(|v| !cell_of(v).is_empty());
                if formula.trim().is_empty() || has_value || row < top || column < left {
                    continue;
                }
                let (r, c) = ((row - top) as usize, (column - left) as usize);
                if rows.len() <= r {
                    rows.resize_with(r + 1, Vec::new);
                }
                if rows[r].len() <= c {
                    rows[r].resize(c + 1, Cell::Empty);
                }
                rows[r][c] = Cell::Text(format!("={formula}"));
                missing.push((r + 1, c, formula.clone()));
            }
        }
        sheets.push((name, rows));
        uncalculated.push(missing);
    }
    Ok((sheets, uncalculated))
}

fn formula_message(row: usize, column: usize) -> String {
    format!(
        "第 {row} 行 {} 列是公式，没有保存计算结果：请在 Excel 中打开，把这一列复制后「选择性粘贴 → 数值」，保存后再导入",
        column_letter(column)
    )
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
        Data::DateTime(dt) => Cell::Date(dt.to_string()),
        Data::DateTimeIso(text) | Data::DurationIso(text) => Cell::Date(text.clone()),
        Data::Error(e) => Cell::Error(e.to_string()),
    }
}
