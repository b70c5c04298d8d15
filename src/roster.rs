//! Candidate lists (考生名单): the columns exam offices use and the checks each row gets.
//!
//! Guarantees: a [`Candidate`] has a non-empty exam number and name and a valid ID
//! number (checksum, real birth date not after the session); numbers, dates and
//! TRUE/FALSE typed into Excel cells are refused with how to fix it, never guessed back,
//! and so is a line break or tab in any of the four fields; duplicates within the file
//! are errors at the row that repeats, and so is an ID number registered under another
//! exam number. A row whose exam number is already registered is never taken silently:
//! [`compare`] says whether it is unchanged (skipped) or what it would change.
//! No I/O here.

use std::collections::{BTreeMap, HashMap};

use jiff::civil::Date;

use crate::idcard;
use crate::import::{Cell, FieldSpec, Record, Schema};
use crate::problem::{Location, Problems};

/// Candidate lists in CSV or XLSX; headers in Chinese or English. Other columns are kept.
pub static CANDIDATE_SCHEMA: Schema = Schema {
    record: "考生",
    toml_array: "candidate",
    fields: &[
        FieldSpec { key: "exam_no", label: "准考证号", aliases: &["考号", "准考证", "exam_number"] },
        FieldSpec { key: "name", label: "姓名", aliases: &["考生姓名"] },
        FieldSpec {
            key: "id_number", label: "身份证号", aliases: &["身份证号码", "证件号码", "身份证", "id"]
        },
        FieldSpec {
            key: "school", label: "培训机构", aliases: &["培训单位", "学校", "所属机构", "机构"]
        },
    ],
    required_columns: &["exam_no", "name", "id_number"],
};

/// A checked candidate row.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub exam_no: String,
    pub name: String,
    pub id_number: String,
    pub school: String,
    /// Other columns, by header.
    pub extra: BTreeMap<String, String>,
    pub location: Location,
}

fn text(record: &Record, key: &str, what: &str, problems: &mut Problems) -> Option<String> {
    record.line(key, what, problems)
}

/// Checks one row; `today` bounds birth dates.
pub fn candidate_from_record(record: &Record, today: Date, problems: &mut Problems) -> Option<Candidate> {
    let before = problems.errors().count();
    let exam_no = text(record, "exam_no", "准考证号", problems);
    if record.get("exam_no").is_none() {
        problems.error(record.location_of("exam_no"), "缺少准考证号");
    }
    let name = text(record, "name", "姓名", problems);
    if record.get("name").is_none() {
        problems.error(record.location_of("name"), "姓名是空的");
    }
    let id_number = text(record, "id_number", "身份证号", problems).and_then(|raw| match idcard::check(&raw, today) {
        Ok(id) => Some(id),
        Err(e) => {
            problems.error(record.location_of("id_number"), e.to_string());
            None
        }
    });
    if record.get("id_number").is_none() {
        problems.error(record.location_of("id_number"), "缺少身份证号");
    }
    let school = text(record, "school", "培训机构", problems).unwrap_or_default();
    let extra = record
        .extra
        .iter()
        .filter_map(|(header, field)| match &field.cell {
            Cell::Text(t) => Some((header.clone(), t.trim().to_owned())),
            Cell::Number(x) => Some((header.clone(), crate::import::format_number(*x))),
            Cell::Date(t) => Some((header.clone(), t.clone())),
            _ => None,
        })
        .collect();
    if problems.errors().count() > before {
        return None;
    }
    Some(Candidate {
        exam_no: exam_no?,
        name: name?,
        id_number: id_number?,
        school,
        extra,
        location: record.location.clone(),
    })
}

/// What a registered candidate holds, for comparing a re-imported row against.
#[derive(Debug, Clone, PartialEq)]
pub struct Registered {
    pub name: String,
    pub id_number: String,
    pub school: String,
    /// The list's other columns as registered (考场, 座位号, …).
    pub extra: BTreeMap<String, String>,
}

/// One field a re-imported row would change: its label, the old and the new value (ID
/// numbers masked).
pub type FieldChange = (&'static str, String, String);

/// The changes a row would make to the registered candidate (empty: unchanged).
pub fn compare(row: &Candidate, registered: &Registered) -> Vec<FieldChange> {
    let mut changes = Vec::new();
    if row.name != registered.name {
        changes.push(("姓名", registered.name.clone(), row.name.clone()));
    }
    if row.id_number != registered.id_number {
        changes.push(("身份证号", idcard::mask(&registered.id_number), idcard::mask(&row.id_number)));
    }
    if row.school != registered.school {
        changes.push(("培训机构", registered.school.clone(), row.school.clone()));
    }
    // Other columns count too: a corrected room or seat column must be importable.
    if row.extra != registered.extra {
        let shown = |extra: &BTreeMap<String, String>| {
            let text = extra.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("，");
            if text.is_empty() { "（无）".to_owned() } else { text }
        };
        changes.push(("其他列", shown(&registered.extra), shown(&row.extra)));
    }
    changes
}

/// Changes as one line: "姓名：张三 → 张四；培训机构：甲校 → 乙校".
pub fn describe_changes(changes: &[FieldChange]) -> String {
    changes.iter().map(|(label, old, new)| format!("{label}：{old} → {new}")).collect::<Vec<_>>().join("；")
}

/// Duplicate exam numbers or ID numbers within the file, and ID numbers registered under
/// another exam number in `registered` (exam number → ID number of candidates already in
/// the session).
pub fn check_duplicates(candidates: &[Candidate], registered: &HashMap<String, String>, problems: &mut Problems) {
    let registered_ids: HashMap<&str, &str> = registered.iter().map(|(e, i)| (i.as_str(), e.as_str())).collect();
    let mut exam_seen: HashMap<&str, &Location> = HashMap::new();
    let mut id_seen: HashMap<&str, &Location> = HashMap::new();
    for c in candidates {
        if let Some(first) = exam_seen.insert(&c.exam_no, &c.location) {
            problems.error(c.location.clone(), format!("准考证号 {} 重复：{first} 已经用过", c.exam_no));
        }
        if let Some(other) = registered_ids.get(c.id_number.as_str()).filter(|other| **other != c.exam_no) {
            problems.error(
                c.location.clone(),
                format!("身份证号 {} 已在本批次登记过（准考证号 {other}）", idcard::mask(&c.id_number)),
            );
        } else if let Some(first) = id_seen.insert(&c.id_number, &c.location) {
            problems.error(
                c.location.clone(),
                format!("身份证号 {} 重复：{first} 已经用过；同一人只能登记一次", idcard::mask(&c.id_number)),
            );
        }
    }
}
