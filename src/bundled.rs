//! The question bank that ships inside the binary (written by us, in
//! `question-banks/items/`), loaded by `certify init`.

use crate::import::Source;

include!(concat!(env!("OUT_DIR"), "/bundled_bank.rs"));

/// The bundled bank files as import sources, named `内置题库/<file>`.
pub fn sources() -> Vec<Source> {
    FILES
        .iter()
        .map(|(name, text)| Source { name: format!("内置题库/{name}"), bytes: text.as_bytes().to_vec() })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bank::{self, BankView, ITEM_SCHEMA};
    use crate::import::{self, ReadOptions};
    use crate::problem::Problems;

    #[test]
    fn bundled_bank_reads_without_errors_or_warnings() {
        let mut problems = Problems::default();
        let sources = sources();
        assert!(!sources.is_empty());
        let records = import::read_all(&sources, &ITEM_SCHEMA, ReadOptions::default(), &mut problems).unwrap();
        let items: Vec<_> = records
            .iter()
            .filter_map(|r| bank::item_from_record(r, &mut problems).map(|item| (item, r.location.clone())))
            .collect();
        let (ids, stems) = Default::default();
        bank::check_batch(&records, &items, &BankView { ids: &ids, stems: &stems }, &mut problems);
        let all: Vec<String> = problems.errors().chain(problems.warnings()).map(ToString::to_string).collect();
        assert!(all.is_empty(), "{all:#?}");
        assert_eq!(items.len(), records.len());
    }
}
