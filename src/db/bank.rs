//! SQL for question-bank items and their versions.

use std::collections::HashMap;

use rusqlite::{OptionalExtension, Row, params};
use serde::Serialize;

use super::{Read, Tx};
use crate::bank::{Item, ItemState, Stats};
use crate::error::Error;
use crate::vocabulary::{Difficulty, Domain, Kind, Level};

/// An item version as stored, with the item's status.
#[derive(Debug, Clone, Serialize)]
pub struct StoredItem {
    #[serde(flatten)]
    pub item: Item,
    pub version: String,
    /// 1 for the first version of the id, 2 for the next, ...
    pub seq: i64,
    pub current: bool,
    pub status: &'static str,
    pub status_reason: Option<String>,
    pub status_changed: Option<String>,
    pub facility_n: Option<i64>,
    pub imported_from: String,
    pub created_at: String,
    /// Flags of the last item analysis (codes).
    pub flags: Vec<String>,
}

/// One line of an item's version history.
#[derive(Debug, Clone, Serialize)]
pub struct VersionInfo {
    pub version: String,
    pub seq: i64,
    pub current: bool,
    pub imported_from: String,
    pub created_at: String,
}

/// Filters of `bank list` and `bank export`; `None` means any.
#[derive(Debug, Clone, Default)]
pub struct ItemFilter {
    pub domain: Option<Domain>,
    pub kind: Option<Kind>,
    pub level: Option<Level>,
    pub difficulty: Option<Difficulty>,
    /// `Some(true)` retired only, `Some(false)` active only.
    pub retired: Option<bool>,
    /// Only items whose current version the last analysis flagged.
    pub flagged: bool,
}

const ITEM_COLUMNS: &str = "v.item_id, v.version, v.seq, v.domain, v.kind, v.levels, v.difficulty, v.stem, \
     v.options, v.answer, v.explanation, v.tags, v.source, v.enemies, v.facility, v.facility_n, \
     v.imported_from, v.created_at, i.status, i.status_reason, i.status_changed, \
     (i.current_version = v.version), v.flags";

fn json_list<T: serde::de::DeserializeOwned>(text: String) -> rusqlite::Result<Vec<T>> {
    serde_json::from_str(&text)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e)))
}

/// A vocabulary code read back from the database (an unknown code is a corrupt row).
pub(super) fn vocabulary<T>(text: String, parse: fn(&str) -> Option<T>) -> rusqlite::Result<T> {
    parse(&text).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, format!("unknown code {text}").into())
    })
}

fn stored_item(row: &Row<'_>) -> rusqlite::Result<StoredItem> {
    let levels: Vec<String> = json_list(row.get(5)?)?;
    let levels = levels.iter().map(|l| vocabulary(l.clone(), Level::parse)).collect::<rusqlite::Result<_>>()?;
    let status: String = row.get(18)?;
    Ok(StoredItem {
        item: Item {
            id: row.get(0)?,
            domain: vocabulary(row.get(3)?, Domain::parse)?,
            kind: vocabulary(row.get(4)?, Kind::parse)?,
            levels,
            difficulty: vocabulary(row.get(6)?, Difficulty::parse)?,
            stem: row.get(7)?,
            options: json_list(row.get(8)?)?,
            answer: row.get(9)?,
            explanation: row.get(10)?,
            tags: json_list(row.get(11)?)?,
            source: row.get(12)?,
            enemies: json_list(row.get(13)?)?,
            facility: row.get(14)?,
        },
        version: row.get(1)?,
        seq: row.get(2)?,
        facility_n: row.get(15)?,
        imported_from: row.get(16)?,
        created_at: row.get(17)?,
        status: if status == "retired" { "retired" } else { "active" },
        status_reason: row.get(19)?,
        status_changed: row.get(20)?,
        current: row.get(21)?,
        flags: row.get::<_, Option<String>>(22)?.map(json_list).transpose()?.unwrap_or_default(),
    })
}

fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("plain data serializes")
}

/// Bank reads, on the database or inside a transaction.
pub trait BankRead: Read {
    /// Every id with its current version, status and known versions.
    fn item_states(&self) -> Result<HashMap<String, ItemState>, Error> {
        let mut states: HashMap<String, ItemState> = HashMap::new();
        let mut statement = self.conn().prepare(
            "SELECT v.item_id, v.version, v.seq, i.current_version, i.status \
             FROM item_versions v JOIN items i ON i.id = v.item_id",
        )?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            let id: String = row.get(0)?;
            let state = states.entry(id).or_insert_with(|| ItemState {
                current: String::new(),
                retired: false,
                versions: HashMap::new(),
            });
            state.versions.insert(row.get(1)?, row.get(2)?);
            state.current = row.get(3)?;
            state.retired = row.get::<_, String>(4)? == "retired";
        }
        Ok(states)
    }

    /// Current stems with their ids, for near-duplicate warnings.
    fn current_stems(&self) -> Result<Vec<(String, String)>, Error> {
        let mut statement = self.conn().prepare(
            "SELECT v.item_id, v.stem FROM items i JOIN item_versions v \
             ON v.item_id = i.id AND v.version = i.current_version",
        )?;
        let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Current versions of the items matching `filter`, by id.
    fn list_items(&self, filter: &ItemFilter) -> Result<Vec<StoredItem>, Error> {
        let mut sql = format!(
            "SELECT {ITEM_COLUMNS} FROM items i JOIN item_versions v \
             ON v.item_id = i.id AND v.version = i.current_version WHERE 1 = 1"
        );
        let mut values: Vec<String> = Vec::new();
        if let Some(domain) = filter.domain {
            sql.push_str(" AND i.domain = ?");
            values.push(domain.code().into());
        }
        if let Some(kind) = filter.kind {
            sql.push_str(" AND i.kind = ?");
            values.push(kind.code().into());
        }
        if let Some(band) = filter.difficulty {
            sql.push_str(" AND i.difficulty = ?");
            values.push(band.code().into());
        }
        if let Some(level) = filter.level {
            sql.push_str(" AND (i.level_mask & ?) != 0");
            values.push(level.bit().to_string());
        }
        if let Some(retired) = filter.retired {
            sql.push_str(" AND i.status = ?");
            values.push(if retired { "retired" } else { "active" }.into());
        }
        if filter.flagged {
            sql.push_str(" AND v.flags IS NOT NULL AND v.flags != '[]'");
        }
        sql.push_str(" ORDER BY i.id");
        let mut statement = self.conn().prepare(&sql)?;
        let rows = statement.query_map(rusqlite::params_from_iter(values), stored_item)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// One item: its current version, or the version named.
    fn item(&self, id: &str, version: Option<&str>) -> Result<Option<StoredItem>, Error> {
        let sql = format!(
            "SELECT {ITEM_COLUMNS} FROM items i JOIN item_versions v ON v.item_id = i.id \
             WHERE i.id = ?1 AND v.version = COALESCE(?2, i.current_version)"
        );
        Ok(self.conn().query_row(&sql, params![id, version], stored_item).optional()?)
    }

    /// An item's versions, oldest first.
    fn item_versions(&self, id: &str) -> Result<Vec<VersionInfo>, Error> {
        let mut statement = self.conn().prepare(
            "SELECT v.version, v.seq, (v.version = i.current_version), v.imported_from, v.created_at \
             FROM item_versions v JOIN items i ON i.id = v.item_id WHERE v.item_id = ? ORDER BY v.seq",
        )?;
        let rows = statement.query_map([id], |row| {
            Ok(VersionInfo {
                version: row.get(0)?,
                seq: row.get(1)?,
                current: row.get(2)?,
                imported_from: row.get(3)?,
                created_at: row.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Counts of active items by domain × kind × difficulty and by level.
    fn stats(&self) -> Result<Stats, Error> {
        let mut statement = self.conn().prepare(
            "SELECT domain, kind, difficulty, COUNT(*) FROM items WHERE status = 'active' \
             GROUP BY domain, kind, difficulty",
        )?;
        let cells = statement
            .query_map([], |row| {
                Ok((
                    vocabulary(row.get(0)?, Domain::parse)?,
                    vocabulary(row.get(1)?, Kind::parse)?,
                    vocabulary(row.get(2)?, Difficulty::parse)?,
                    row.get::<_, i64>(3)? as u64,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let sums: Vec<String> =
            Level::ALL.iter().map(|l| format!("COALESCE(SUM((level_mask & {}) != 0), 0)", l.bit())).collect();
        let sql = format!("SELECT {} FROM items WHERE status = 'active'", sums.join(", "));
        let levels: Vec<(Level, u64)> = self.conn().query_row(&sql, [], |row| {
            Level::ALL.iter().enumerate().map(|(i, &level)| Ok((level, row.get::<_, i64>(i)? as u64))).collect()
        })?;
        let retired: i64 =
            self.conn().query_row("SELECT COUNT(*) FROM items WHERE status = 'retired'", [], |r| r.get(0))?;
        Ok(Stats::from_cells(&cells, &levels, retired as u64))
    }
}

impl<T: Read> BankRead for T {}

impl Tx<'_> {
    /// Stores a version of `item` (the id row too, if the id is new) and makes it current.
    pub fn store_version(
        &self,
        item: &Item,
        version: &str,
        seq: i64,
        imported_from: &str,
        now: &str,
    ) -> Result<(), Error> {
        self.make_current(item, version, now)?;
        self.tx
            .prepare_cached(
                "INSERT INTO item_versions (item_id, version, seq, domain, kind, levels, difficulty, stem, options, \
                 answer, explanation, tags, source, enemies, facility, imported_from, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
            )?
            .execute(params![
                item.id,
                version,
                seq,
                item.domain.code(),
                item.kind.code(),
                to_json(&item.levels.iter().map(|l| l.code()).collect::<Vec<_>>()),
                item.difficulty.code(),
                item.stem,
                to_json(&item.options),
                item.answer,
                item.explanation,
                to_json(&item.tags),
                item.source,
                to_json(&item.enemies),
                item.facility,
                imported_from,
                now,
            ])?;
        Ok(())
    }

    /// Points the id at `version` (creating the id row if new), with its classification.
    pub fn make_current(&self, item: &Item, version: &str, now: &str) -> Result<(), Error> {
        self.tx
            .prepare_cached(
                "INSERT INTO items (id, current_version, domain, kind, difficulty, level_mask, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
                 ON CONFLICT (id) DO UPDATE SET current_version = excluded.current_version, \
                 domain = excluded.domain, kind = excluded.kind, difficulty = excluded.difficulty, \
                 level_mask = excluded.level_mask",
            )?
            .execute(params![
                item.id,
                version,
                item.domain.code(),
                item.kind.code(),
                item.difficulty.code(),
                Level::mask(&item.levels),
                now
            ])?;
        Ok(())
    }

    /// Records what an analysis found: flags (codes) on an item version.
    pub fn set_flags(&self, id: &str, version: &str, flags: &[&str], now: &str) -> Result<(), Error> {
        self.tx
            .prepare_cached(
                "UPDATE item_versions SET flags = ?3, analysed_at = ?4 WHERE item_id = ?1 AND version = ?2",
            )?
            .execute(params![id, version, to_json(&flags), now])?;
        Ok(())
    }

    /// Records a calibrated facility on an item version.
    pub fn set_facility(&self, id: &str, version: &str, facility: f64, n: Option<i64>) -> Result<(), Error> {
        self.tx
            .prepare_cached(
                "UPDATE item_versions SET facility = ?3, facility_n = ?4 WHERE item_id = ?1 AND version = ?2",
            )?
            .execute(params![id, version, facility, n])?;
        Ok(())
    }

    /// Retires or restores an item; returns false when the id does not exist.
    pub fn set_retired(&self, id: &str, retired: bool, reason: Option<&str>, now: &str) -> Result<bool, Error> {
        let changed = self
            .tx
            .prepare_cached("UPDATE items SET status = ?2, status_reason = ?3, status_changed = ?4 WHERE id = ?1")?
            .execute(params![id, if retired { "retired" } else { "active" }, reason, now])?;
        Ok(changed == 1)
    }
}
