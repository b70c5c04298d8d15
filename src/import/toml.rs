//! TOML files, the native format: an array of tables per record (`[[item]]`).
//!
//! Guarantees: every field keeps the line it was written on, so a wrong answer is
//! reported at `bank.toml:57:answer`; a TOML syntax error is one error with its line
//! and column; keys the schema does not know are warned about (they are usually typos).

use std::collections::BTreeMap;

use toml::de::{DeTable, DeValue};

use super::{Cell, Field, Importer, ReadOptions, Record, RowVisitor, Schema, Source};
use crate::error::Error;
use crate::problem::{Location, Problems};

pub struct TomlImporter;

impl Importer for TomlImporter {
    fn read(
        &self,
        source: &Source,
        schema: &Schema,
        _options: ReadOptions,
        problems: &mut Problems,
    ) -> Result<Vec<Record>, Error> {
        let text =
            std::str::from_utf8(source.bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&source.bytes)).map_err(|e| {
                let row = source.bytes[..e.valid_up_to()].iter().filter(|&&b| b == b'\n').count() + 1;
                Error::user(format!("{}:{row}: TOML 文件必须是 UTF-8 编码", source.name))
            })?;
        let lines = LineIndex::new(text);
        // The span-keeping parser: every key and value knows where it was written.
        let root = match DeTable::parse(text) {
            Ok(root) => root.into_inner(),
            Err(e) => {
                let row = e.span().map(|span| lines.line_of(span.start)).unwrap_or(0);
                problems.error(Location::new(&source.name, row, None), format!("TOML 格式错误：{}", e.message()));
                return Ok(Vec::new());
            }
        };
        let mut records = Vec::new();
        for (name, value) in root {
            let row = lines.line_of(name.span().start);
            let name = name.into_inner();
            let tables = match value.into_inner() {
                DeValue::Array(array) if name == schema.toml_array => array,
                _ => {
                    problems.warning(
                        Location::new(&source.name, row, None),
                        format!("不认识「{name}」，已忽略；每道{}应写在 [[{}]] 下", schema.record, schema.toml_array),
                    );
                    continue;
                }
            };
            for table in tables {
                let location = Location::new(&source.name, lines.line_of(table.span().start), None);
                let DeValue::Table(table) = table.into_inner() else {
                    problems.error(location, format!("[[{}]] 下应是一张表", schema.toml_array));
                    continue;
                };
                let mut record = Record { location, fields: BTreeMap::new(), extra: Vec::new() };
                for (key, value) in table {
                    let key = key.into_inner().into_owned();
                    let field = Field {
                        location: Location::new(&source.name, lines.line_of(value.span().start), Some(key.clone())),
                        cell: cell_of(value.into_inner()),
                    };
                    super::check_controls(&field, problems);
                    match schema.field_for(&key) {
                        Some(spec) => {
                            record.fields.insert(spec.key, field);
                        }
                        None => {
                            problems.warning(
                                field.location.clone(),
                                format!("不认识的字段「{key}」，已忽略；是否拼写有误？"),
                            );
                            record.extra.push((key, field));
                        }
                    }
                }
                records.push(record);
            }
        }
        Ok(records)
    }

    fn rows(
        &self,
        source: &Source,
        _options: ReadOptions,
        _is_header: &dyn Fn(&[Cell]) -> bool,
        _visit: &mut RowVisitor<'_>,
    ) -> Result<(), Error> {
        Err(Error::user(format!("{}: 这里需要表格文件，请使用 .csv 或 .xlsx", source.name)))
    }
}

fn cell_of(value: DeValue<'_>) -> Cell {
    match value {
        DeValue::String(text) if text.trim().is_empty() => Cell::Empty,
        DeValue::String(text) => Cell::Text(text.into_owned()),
        DeValue::Integer(n) => i64::from_str_radix(&n.as_str().replace('_', ""), n.radix())
            .map(|n| Cell::Number(n as f64))
            .unwrap_or_else(|_| Cell::Text(n.to_string())),
        DeValue::Float(x) => x
            .as_str()
            .replace('_', "")
            .parse::<f64>()
            .map(Cell::Number)
            .unwrap_or_else(|_| Cell::Text(x.as_str().into())),
        DeValue::Boolean(b) => Cell::Bool(b),
        DeValue::Datetime(dt) => Cell::Text(dt.to_string()),
        DeValue::Array(values) => Cell::List(values.into_iter().map(|v| cell_of(v.into_inner())).collect()),
        DeValue::Table(_) => Cell::Text("（表）".into()),
    }
}

/// Byte offset → 1-based line number.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&start| start <= offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bank::ITEM_SCHEMA;

    #[test]
    fn fields_keep_their_lines() {
        let text = "[[item]]\nid = \"A-1\"\nstem = \"题干\"\n\n[[item]]\nid = \"A-2\"\nlevels = [\"五级\", \"初级\"]\n";
        let source = Source { name: "b.toml".into(), bytes: text.as_bytes().to_vec() };
        let mut problems = Problems::default();
        let records = TomlImporter.read(&source, &ITEM_SCHEMA, ReadOptions::default(), &mut problems).unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].fields["stem"].location.to_string(), "b.toml:3:stem");
        assert_eq!(records[1].location.row, 5);
        assert_eq!(
            records[1].fields["levels"].cell,
            Cell::List(vec![Cell::Text("五级".into()), Cell::Text("初级".into())])
        );
        assert!(!problems.has_errors());
    }

    #[test]
    fn syntax_error_reports_its_line() {
        let source = Source { name: "b.toml".into(), bytes: b"[[item]]\nid = \"A-1\nstem = 1\n".to_vec() };
        let mut problems = Problems::default();
        let records = TomlImporter.read(&source, &ITEM_SCHEMA, ReadOptions::default(), &mut problems).unwrap();
        assert!(records.is_empty());
        let error = problems.errors().next().unwrap();
        assert_eq!(error.location.row, 2, "{error}");
    }
}
