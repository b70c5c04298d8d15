//! Question-bank items: what an item is, how a record from any file becomes one, and
//! what makes two items "the same".
//!
//! Guarantees:
//! - [`item_from_record`] checks one record completely and reports every problem with
//!   the cell it is in; it returns an item only when the record has no error.
//! - [`check_batch`] adds the checks that need the whole import and the bank: duplicate
//!   ids, enemies naming no item, near-duplicate stems (warnings).
//! - [`Item::version`] is a hash of the content only (not of the calibrated facility,
//!   the status or the spelling used in the file), so re-importing an item written with
//!   `单选` instead of `single`, or with answer `dba` instead of `ABD`, changes nothing.
//!
//! No I/O here: commands read files and the database, this module decides.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::answer::{self, AnswerError};
use crate::import::{Cell, Field, FieldSpec, Record, Schema};
use crate::problem::{Location, Problems};
use crate::vocabulary::{Difficulty, Domain, Kind, Level};

/// An item's content: everything that is printed, scored or used to assemble papers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Item {
    pub id: String,
    pub domain: Domain,
    pub kind: Kind,
    pub levels: Vec<Level>,
    pub difficulty: Difficulty,
    pub stem: String,
    pub options: Vec<String>,
    /// Canonical key: sorted letters (`"ABD"`) for choice items, `对`/`错` for judge items.
    pub answer: String,
    pub explanation: String,
    pub tags: Vec<String>,
    pub source: String,
    pub enemies: Vec<String>,
    /// Calibrated facility from earlier use (share answering right); not content.
    pub facility: Option<f64>,
}

/// The fields hashed into a version, in a fixed order, with codes rather than labels.
#[derive(Serialize)]
struct VersionedContent<'a> {
    id: &'a str,
    domain: &'static str,
    kind: &'static str,
    levels: Vec<&'static str>,
    difficulty: &'static str,
    stem: &'a str,
    options: &'a [String],
    answer: &'a str,
    explanation: &'a str,
    tags: &'a [String],
    source: &'a str,
    enemies: &'a [String],
}

impl Item {
    /// The content hash that names this version: 16 hex digits of SHA-256 over the
    /// canonical JSON of the content.
    pub fn version(&self) -> String {
        let content = VersionedContent {
            id: &self.id,
            domain: self.domain.code(),
            kind: self.kind.code(),
            levels: self.levels.iter().map(|l| l.code()).collect(),
            difficulty: self.difficulty.code(),
            stem: &self.stem,
            options: &self.options,
            answer: &self.answer,
            explanation: &self.explanation,
            tags: &self.tags,
            source: &self.source,
            enemies: &self.enemies,
        };
        let json = serde_json::to_vec(&content).expect("item content serializes");
        let digest = Sha256::digest(&json);
        digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
    }

    /// The stem with spaces and punctuation removed, for near-duplicate detection.
    pub fn stem_key(&self) -> String {
        stem_key(&self.stem)
    }
}

/// A stem reduced to its letters and digits, lower-cased.
pub fn stem_key(stem: &str) -> String {
    stem.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

macro_rules! fields {
    ($($key:literal, $label:literal, [$($alias:literal),*];)+) => {
        &[$(FieldSpec { key: $key, label: $label, aliases: &[$($alias),*] }),+]
    };
}

/// Item records in TOML (`[[item]]`), CSV and XLSX; headers in Chinese or English.
pub static ITEM_SCHEMA: Schema = Schema {
    record: "题目",
    toml_array: "item",
    fields: fields! {
        "id", "编号", ["题号", "试题编号", "item_id"];
        "domain", "领域", ["知识领域", "职业功能", "模块"];
        "kind", "题型", ["类型", "type"];
        "levels", "等级", ["级别", "适用等级", "level"];
        "difficulty", "难度", ["难度等级"];
        "stem", "题干", ["题目", "试题", "question"];
        "options", "选项", ["choices"];
        "option_a", "选项A", ["A", "A选项"];
        "option_b", "选项B", ["B", "B选项"];
        "option_c", "选项C", ["C", "C选项"];
        "option_d", "选项D", ["D", "D选项"];
        "option_e", "选项E", ["E", "E选项"];
        "option_f", "选项F", ["F", "F选项"];
        "answer", "答案", ["正确答案", "标准答案", "key"];
        "explanation", "解析", ["答案解析", "说明"];
        "tags", "标签", ["知识点", "关键词"];
        "source", "出处", ["来源", "依据"];
        "enemies", "互斥", ["互斥题", "enemy"];
        "facility", "难度系数", ["通过率"];
    },
    required_columns: &["id", "domain", "kind", "levels", "difficulty", "stem", "answer"],
};

const OPTION_KEYS: [&str; 6] = ["option_a", "option_b", "option_c", "option_d", "option_e", "option_f"];

/// Where an id may contain: letters, digits, `-`, `_`, `.`; at most 32 characters.
fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 32
        && id.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Reads a text field of an item record (see [`Record::text`]).
fn text_of(record: &Record, key: &str, problems: &mut Problems) -> Option<String> {
    record.text(key, ITEM_SCHEMA.label_of(key), problems)
}

/// Reads a list field: a TOML array, or text separated by `;` `；` `,` `，` `、` or new lines.
fn list_of(record: &Record, key: &str, problems: &mut Problems) -> Vec<(String, Location)> {
    let Some(field) = record.get(key) else { return Vec::new() };
    let split = |text: &str, location: &Location| -> Vec<(String, Location)> {
        text.split([';', '；', ',', '，', '、', '\n'])
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .map(|part| (part.to_owned(), location.clone()))
            .collect()
    };
    match &field.cell {
        Cell::Text(text) => split(text, &field.location),
        Cell::List(cells) => cells
            .iter()
            .flat_map(|cell| match cell {
                Cell::Text(text) => split(text, &field.location),
                _ => {
                    problems
                        .error(field.location.clone(), format!("「{}」列表里应都是文字", ITEM_SCHEMA.label_of(key)));
                    Vec::new()
                }
            })
            .collect(),
        Cell::Number(_) | Cell::Bool(_) | Cell::Date(_) => {
            problems.error(field.location.clone(), format!("「{}」应是文字", ITEM_SCHEMA.label_of(key)));
            Vec::new()
        }
        // An error value is reported where it is read (see the `import` module).
        Cell::Empty | Cell::Error(_) => Vec::new(),
    }
}

/// Options from a TOML `options` list or from the 选项A…选项F columns. Whole numbers in
/// option cells are accepted as text (an option may be "6"); gaps are errors.
fn options_of(record: &Record, problems: &mut Problems) -> Vec<String> {
    let cell_text = |cell: &Cell| match cell {
        Cell::Text(text) => Some(text.trim().to_owned()),
        Cell::Number(x) => Some(crate::import::format_number(*x)),
        Cell::Bool(b) => Some(answer::judge_label(*b).to_owned()),
        _ => None,
    };
    if let Some(field) = record.get("options") {
        return match &field.cell {
            Cell::List(cells) => cells
                .iter()
                .filter_map(|cell| {
                    let text = cell_text(cell);
                    if text.as_deref().is_none_or(str::is_empty) {
                        problems.error(field.location.clone(), "选项列表里有空的选项");
                    }
                    text.filter(|t| !t.is_empty())
                })
                .collect(),
            _ => {
                problems
                    .error(field.location.clone(), "「选项」应是列表，例如 options = [\"甲\", \"乙\", \"丙\", \"丁\"]");
                Vec::new()
            }
        };
    }
    let present: Vec<(usize, &Field)> =
        OPTION_KEYS.iter().enumerate().filter_map(|(i, key)| record.get(key).map(|f| (i, f))).collect();
    let mut options = Vec::new();
    for (position, (index, field)) in present.iter().enumerate() {
        if *index != position {
            problems.error(
                field.location.clone(),
                format!(
                    "选项{} 有内容，但前面的选项{} 是空的；选项要从 A 起连续填写",
                    answer::OPTION_LETTERS[*index],
                    answer::OPTION_LETTERS[position]
                ),
            );
            return Vec::new();
        }
        options.extend(cell_text(&field.cell));
    }
    options
}

/// Parses a vocabulary value from a required field, reporting unknown values.
fn vocabulary_of<T: Copy>(
    record: &Record,
    key: &str,
    parse: fn(&str) -> Option<T>,
    what: &str,
    accepted: fn() -> String,
    problems: &mut Problems,
) -> Option<T> {
    let text = text_of(record, key, problems)?;
    let value = parse(&text);
    if value.is_none() {
        problems.error(record.location_of(key), format!("不认识的{what}「{text}」；可写：{}", accepted()));
    }
    value
}

/// Checks one record completely; returns the item only when it has no error.
pub fn item_from_record(record: &Record, problems: &mut Problems) -> Option<Item> {
    let errors_before = problems.errors().count();
    let missing = |key: &str, problems: &mut Problems| {
        problems.error(record.location_of(key), format!("缺少「{}」", ITEM_SCHEMA.label_of(key)));
    };

    let id = record.line("id", ITEM_SCHEMA.label_of("id"), problems);
    match &id {
        None if record.get("id").is_none() => missing("id", problems),
        Some(id) if !valid_id(id) => problems.error(
            record.location_of("id"),
            format!("编号「{id}」不合规：只能用字母、数字和 - _ .，不超过 32 个字符，例如 FEED-0001"),
        ),
        _ => {}
    }
    for key in ["domain", "kind", "difficulty", "stem"] {
        if record.get(key).is_none() {
            missing(key, problems);
        }
    }
    let domain = vocabulary_of(record, "domain", Domain::parse, Domain::WHAT, Domain::accepted, problems);
    let kind = vocabulary_of(record, "kind", Kind::parse, Kind::WHAT, Kind::accepted, problems);
    let difficulty =
        vocabulary_of(record, "difficulty", Difficulty::parse, Difficulty::WHAT, Difficulty::accepted, problems);

    let mut levels = Vec::new();
    for (text, location) in list_of(record, "levels", problems) {
        match Level::parse(&text) {
            Some(level) => levels.push(level),
            None => problems.error(location, format!("不认识的等级「{text}」；可写：{}", Level::accepted())),
        }
    }
    if record.get("levels").is_none() {
        missing("levels", problems);
    }
    levels.sort_unstable();
    levels.dedup();

    let stem = text_of(record, "stem", problems).unwrap_or_default();
    let options = options_of(record, problems);
    let options_location = record
        .get("options")
        .or_else(|| OPTION_KEYS.iter().find_map(|key| record.get(key)))
        .map(|f| f.location.clone())
        .unwrap_or_else(|| record.location.clone());

    // A judge answer may be an Excel TRUE/FALSE cell (docs/bank.md lists true/false).
    let answer_text = match record.get("answer").map(|f| &f.cell) {
        Some(Cell::Bool(b)) if kind == Some(Kind::Judge) => Some(b.to_string()),
        _ => text_of(record, "answer", problems),
    };
    let mut answer = String::new();
    match kind {
        Some(Kind::Judge) => {
            if !options.is_empty() {
                problems.error(options_location, "判断题不应有选项；请删去选项，或把题型改为单选/多选");
            }
            match answer_text.as_deref().map(answer::parse_judge) {
                Some(Ok(value)) => answer = answer::judge_label(value).to_owned(),
                Some(Err(e)) => problems.error(record.location_of("answer"), e.to_string()),
                None if record.get("answer").is_none() => missing("answer", problems),
                None => {}
            }
        }
        Some(kind @ (Kind::Single | Kind::Multiple)) => {
            if options.len() < 2 || options.len() > 6 {
                problems.error(
                    options_location,
                    format!("{}题需要 2 到 6 个选项，现在有 {} 个", kind.label(), options.len()),
                );
            }
            match answer_text.as_deref().map(|text| answer::parse_choices(text, options.len().clamp(1, 6))) {
                Some(Ok(chosen)) => {
                    if kind == Kind::Single && chosen.len() != 1 {
                        problems.error(
                            record.location_of("answer"),
                            format!("单选题只能有一个答案，现在是「{}」", answer::letters(&chosen)),
                        );
                    } else if kind == Kind::Multiple && chosen.len() < 2 {
                        problems.error(
                            record.location_of("answer"),
                            format!(
                                "多选题至少要有两个正确选项，现在只有「{}」；只有一个正确项请改为单选题",
                                answer::letters(&chosen)
                            ),
                        );
                    } else {
                        answer = answer::letters(&chosen);
                    }
                }
                Some(Err(AnswerError::BeyondOptions { letter, .. })) if options.len() < 2 => {
                    problems.error(record.location_of("answer"), format!("答案字母 {letter} 没有对应的选项"))
                }
                Some(Err(e)) => problems.error(record.location_of("answer"), e.to_string()),
                None if record.get("answer").is_none() => missing("answer", problems),
                None => {}
            }
        }
        None => {}
    }

    let facility = match record.get("facility").map(|f| (&f.cell, f.location.clone())) {
        None => None,
        Some((cell, location)) => {
            let value = match cell {
                Cell::Number(x) => Some(*x),
                Cell::Text(text) => text.trim().parse::<f64>().ok(),
                _ => None,
            };
            match value {
                Some(x) if (0.0..=1.0).contains(&x) => Some(x),
                _ => {
                    problems.error(location, "难度系数应是 0 到 1 之间的小数（答对的比例），例如 0.72");
                    None
                }
            }
        }
    };

    let mut tags: Vec<String> = Vec::new();
    for (tag, _) in list_of(record, "tags", problems) {
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    let mut enemies: Vec<String> = list_of(record, "enemies", problems).into_iter().map(|(e, _)| e).collect();
    enemies.sort();
    enemies.dedup();

    let explanation = text_of(record, "explanation", problems).unwrap_or_default();
    let source = text_of(record, "source", problems).unwrap_or_default();

    if problems.errors().count() > errors_before {
        return None;
    }
    Some(Item {
        id: id?,
        domain: domain?,
        kind: kind?,
        levels,
        difficulty: difficulty?,
        stem,
        options,
        answer,
        explanation,
        tags,
        source,
        enemies,
        facility,
    })
}

/// What the bank already holds, for the checks that look beyond one import.
pub struct BankView<'a> {
    /// Every item id in the bank.
    pub ids: &'a HashSet<String>,
    /// Stem key → id, for the current versions of items in the bank.
    pub stems: &'a HashMap<String, String>,
}

/// The id a record gives, as written (before any other check), for cross-record checks.
fn record_id(record: &Record) -> Option<String> {
    match &record.get("id")?.cell {
        Cell::Text(text) => Some(text.trim().to_owned()),
        Cell::Number(x) => Some(crate::import::format_number(*x)),
        _ => None,
    }
}

/// Checks across the whole import and against the bank: duplicate ids (error), enemies
/// naming no item (error), near-duplicate stems under different ids (warning).
///
/// Duplicates and enemies are checked over every record, valid or not, so that one bad
/// row does not make its twin or the items naming it look wrong too.
pub fn check_batch(records: &[Record], items: &[(Item, Location)], bank: &BankView<'_>, problems: &mut Problems) {
    let mut first_seen: HashMap<String, Location> = HashMap::new();
    for record in records {
        let Some(id) = record_id(record) else { continue };
        if let Some(first) = first_seen.get(&id) {
            problems.error(record.location_of("id"), format!("编号「{id}」重复：{first} 已经用过这个编号"));
        } else {
            first_seen.insert(id, record.location.clone());
        }
    }
    let mut stems_here: HashMap<String, (String, Location)> = HashMap::new();
    for (item, location) in items {
        for enemy in &item.enemies {
            if enemy == &item.id {
                problems.error(location.clone(), format!("互斥题「{enemy}」就是本题自己"));
            } else if !first_seen.contains_key(enemy) && !bank.ids.contains(enemy) {
                problems.error(location.clone(), format!("互斥题「{enemy}」在本次导入和题库里都找不到；请检查编号"));
            }
        }
        let key = item.stem_key();
        match stems_here.get(&key) {
            Some((other, other_location)) if other != &item.id => problems
                .warning(location.clone(), format!("题干与 {other}（{other_location}）几乎相同，是否重复出题？")),
            Some(_) => {}
            None => {
                if let Some(other) = bank.stems.get(&key)
                    && other != &item.id
                    && !first_seen.contains_key(other)
                {
                    problems.warning(location.clone(), format!("题干与题库中的 {other} 几乎相同，是否重复出题？"));
                }
                stems_here.insert(key, (item.id.clone(), location.clone()));
            }
        }
    }
}

/// How an imported item relates to what the bank holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// The id is new to the bank.
    Added,
    /// The id exists; this content is a version the item's current one is not.
    NewVersion,
    /// The current version already has this content.
    Unchanged,
}

/// What the bank knows of one id, for classifying an import.
#[derive(Debug, Clone)]
pub struct ItemState {
    pub current: String,
    pub retired: bool,
    /// version → sequence number (1 for the first version).
    pub versions: HashMap<String, i64>,
}

impl ItemState {
    /// How an import of `version` relates to this item.
    pub fn classify(&self, version: &str) -> Change {
        if self.current == version { Change::Unchanged } else { Change::NewVersion }
    }

    /// The sequence number a brand-new version would get.
    pub fn next_seq(&self) -> i64 {
        self.versions.values().copied().max().unwrap_or(0) + 1
    }
}

/// Counts of items by domain, kind, difficulty and level.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Stats {
    pub total: u64,
    pub retired: u64,
    pub by_domain: BTreeMap<&'static str, u64>,
    pub by_kind: BTreeMap<&'static str, u64>,
    pub by_difficulty: BTreeMap<&'static str, u64>,
    pub by_level: BTreeMap<&'static str, u64>,
    /// domain → kind → count.
    pub domain_kind: BTreeMap<&'static str, BTreeMap<&'static str, u64>>,
    /// domain → difficulty → count.
    pub domain_difficulty: BTreeMap<&'static str, BTreeMap<&'static str, u64>>,
}

impl Stats {
    /// Builds the tallies from (domain, kind, difficulty, count) cells and level counts.
    pub fn from_cells(cells: &[(Domain, Kind, Difficulty, u64)], levels: &[(Level, u64)], retired: u64) -> Stats {
        let mut stats = Stats { retired, ..Stats::default() };
        for domain in Domain::ALL {
            stats.by_domain.insert(domain.code(), 0);
            stats.domain_kind.insert(domain.code(), Kind::ALL.iter().map(|k| (k.code(), 0)).collect());
            stats.domain_difficulty.insert(domain.code(), Difficulty::ALL.iter().map(|d| (d.code(), 0)).collect());
        }
        for kind in Kind::ALL {
            stats.by_kind.insert(kind.code(), 0);
        }
        for band in Difficulty::ALL {
            stats.by_difficulty.insert(band.code(), 0);
        }
        for level in Level::ALL {
            stats.by_level.insert(level.code(), 0);
        }
        for &(domain, kind, band, n) in cells {
            stats.total += n;
            *stats.by_domain.entry(domain.code()).or_default() += n;
            *stats.by_kind.entry(kind.code()).or_default() += n;
            *stats.by_difficulty.entry(band.code()).or_default() += n;
            *stats.domain_kind.entry(domain.code()).or_default().entry(kind.code()).or_default() += n;
            *stats.domain_difficulty.entry(domain.code()).or_default().entry(band.code()).or_default() += n;
        }
        for &(level, n) in levels {
            *stats.by_level.entry(level.code()).or_default() += n;
        }
        stats
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::Field;

    fn record(fields: &[(&'static str, Cell)]) -> Record {
        Record {
            location: Location::new("t.csv", 2, None),
            fields: fields
                .iter()
                .enumerate()
                .map(|(i, (key, cell))| {
                    (
                        *key,
                        Field {
                            cell: cell.clone(),
                            location: Location::new("t.csv", 2, Some(crate::import::column_letter(i))),
                        },
                    )
                })
                .collect(),
            extra: Vec::new(),
        }
    }

    fn text(s: &str) -> Cell {
        Cell::Text(s.into())
    }

    fn single(answer: &str) -> Record {
        record(&[
            ("id", text("FEED-0001")),
            ("domain", text("营养喂养")),
            ("kind", text("单选")),
            ("levels", text("五级；初级")),
            ("difficulty", text("易")),
            ("stem", text("婴儿开始添加辅食的适宜月龄是（  ）。")),
            ("option_a", text("满4月龄")),
            ("option_b", text("满6月龄")),
            ("option_c", text("满8月龄")),
            ("option_d", text("满12月龄")),
            ("answer", text(answer)),
        ])
    }

    #[test]
    fn a_good_record_becomes_an_item_with_canonical_values() {
        let mut problems = Problems::default();
        let item = item_from_record(&single("b"), &mut problems).expect("valid");
        assert!(!problems.has_errors());
        assert_eq!(item.domain, Domain::Feeding);
        assert_eq!(item.levels, vec![Level::Grade5, Level::XJunior]);
        assert_eq!(item.answer, "B");
        assert_eq!(item.options.len(), 4);
    }

    #[test]
    fn version_ignores_spelling_and_facility_but_not_content() {
        let mut problems = Problems::default();
        let a = item_from_record(&single("B"), &mut problems).unwrap();
        let mut b = item_from_record(&single(" b "), &mut problems).unwrap();
        b.facility = Some(0.5);
        assert_eq!(a.version(), b.version());
        let c = item_from_record(&single("C"), &mut problems).unwrap();
        assert_ne!(a.version(), c.version());
        assert_eq!(a.version().len(), 16);
    }

    #[test]
    fn answer_beyond_options_and_numeric_id_are_reported_at_their_cells() {
        let mut bad = single("E");
        bad.fields.get_mut("id").unwrap().cell = Cell::Number(110105.0);
        let mut problems = Problems::default();
        assert!(item_from_record(&bad, &mut problems).is_none());
        let messages: Vec<String> = problems.errors().map(|p| p.to_string()).collect();
        assert!(messages.iter().any(|m| m.starts_with("t.csv:2:A:") && m.contains("文本")), "{messages:?}");
        assert!(messages.iter().any(|m| m.starts_with("t.csv:2:K:") && m.contains("超出选项范围")), "{messages:?}");
    }

    #[test]
    fn kind_specific_answer_rules() {
        let mut problems = Problems::default();
        assert!(item_from_record(&single("AB"), &mut problems).is_none());
        assert!(problems.errors().any(|p| p.message.contains("单选题只能有一个答案")));

        let mut multiple = single("A");
        multiple.fields.get_mut("kind").unwrap().cell = text("多选");
        let mut problems = Problems::default();
        assert!(item_from_record(&multiple, &mut problems).is_none());
        assert!(problems.errors().any(|p| p.message.contains("至少要有两个")));

        let mut judge = single("对");
        judge.fields.get_mut("kind").unwrap().cell = text("判断");
        let mut problems = Problems::default();
        assert!(item_from_record(&judge, &mut problems).is_none());
        assert!(problems.errors().any(|p| p.message.contains("判断题不应有选项")));
    }

    #[test]
    fn option_gap_is_an_error() {
        let mut gap = single("A");
        gap.fields.remove("option_b");
        let mut problems = Problems::default();
        assert!(item_from_record(&gap, &mut problems).is_none());
        assert!(
            problems.errors().any(|p| p.message.contains("选项B 是空的")),
            "{:?}",
            problems.errors().collect::<Vec<_>>()
        );
    }

    #[test]
    fn batch_finds_duplicates_unknown_enemies_and_near_duplicate_stems() {
        let mut problems = Problems::default();
        let first = single("B");
        let mut second = single("B");
        second.location.row = 3;
        second.fields.get_mut("id").unwrap().cell = text("FEED-0002");
        second.fields.get_mut("stem").unwrap().cell = text("婴儿开始添加辅食的适宜月龄是？");
        let mut twin = single("AB"); // invalid itself, but its id still counts as a duplicate
        twin.location.row = 4;
        twin.fields.get_mut("id").unwrap().location.row = 4;
        let mut a = item_from_record(&first, &mut problems).unwrap();
        let mut b = item_from_record(&second, &mut problems).unwrap();
        assert!(item_from_record(&twin, &mut problems).is_none());
        a.enemies = vec!["FEED-0002".into()];
        b.enemies = vec!["NOPE-1".into()];
        let items = vec![(a, first.location.clone()), (b, second.location.clone())];
        let ids = HashSet::new();
        let stems = HashMap::new();
        check_batch(&[first, second, twin], &items, &BankView { ids: &ids, stems: &stems }, &mut problems);
        let errors: Vec<String> = problems.errors().map(|p| p.to_string()).collect();
        assert!(errors.iter().any(|e| e.starts_with("t.csv:4:A:") && e.contains("重复")), "{errors:?}");
        assert!(errors.iter().any(|e| e.starts_with("t.csv:3:") && e.contains("NOPE-1")), "{errors:?}");
        assert!(!errors.iter().any(|e| e.contains("FEED-0002」在本次导入")), "{errors:?}");
        assert!(problems.warnings().any(|w| w.location.row == 3 && w.message.contains("FEED-0001")));
    }

    #[test]
    fn stats_fill_every_cell_and_add_up() {
        let stats = Stats::from_cells(
            &[(Domain::Feeding, Kind::Single, Difficulty::Easy, 3), (Domain::Safety, Kind::Judge, Difficulty::Hard, 2)],
            &[(Level::Grade5, 5)],
            1,
        );
        assert_eq!(stats.total, 5);
        assert_eq!(stats.by_domain["feeding"], 3);
        assert_eq!(stats.by_domain["ethics"], 0);
        assert_eq!(stats.domain_kind["safety"]["judge"], 2);
        assert_eq!(stats.by_level["五级"], 5);
        assert_eq!(stats.by_level["高级"], 0);
    }
}
