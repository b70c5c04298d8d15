//! The question bank and practical rubrics that ship inside the binary (written by us,
//! in `question-banks/`), loaded by `certify init`.

use crate::import::Source;

include!(concat!(env!("OUT_DIR"), "/bundled_bank.rs"));

/// The bundled bank files as import sources, named `内置题库/<file>`.
pub fn sources() -> Vec<Source> {
    as_sources(FILES, "内置题库")
}

/// The bundled rubric files as import sources, named `内置评分表/<file>`.
pub fn rubric_sources() -> Vec<Source> {
    as_sources(RUBRIC_FILES, "内置评分表")
}

fn as_sources(files: &[(&str, &str)], folder: &str) -> Vec<Source> {
    files
        .iter()
        .map(|(name, text)| Source { name: format!("{folder}/{name}"), bytes: text.as_bytes().to_vec() })
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

    #[test]
    fn bundled_rubrics_are_valid_and_cover_both_categories() {
        let sources = rubric_sources();
        assert!(sources.len() >= 12, "{} rubrics", sources.len());
        let mut categories = std::collections::BTreeMap::new();
        for source in &sources {
            let text = std::str::from_utf8(&source.bytes).unwrap();
            let rubric = crate::rubric::parse(&source.name, text)
                .unwrap_or_else(|p| panic!("{:#?}", p.errors().map(ToString::to_string).collect::<Vec<_>>()));
            assert!(!rubric.vetoes.is_empty(), "{} has no veto", rubric.id);
            *categories.entry(rubric.category.clone()).or_insert(0) += 1;
        }
        assert!(categories.get("护理").copied().unwrap_or(0) >= 6, "{categories:?}");
        assert!(categories.get("学前").copied().unwrap_or(0) >= 4, "{categories:?}");
    }
}
