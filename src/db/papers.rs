//! SQL for blueprints, builds and papers.

use std::collections::HashSet;

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::bank::{BankRead, vocabulary};
use super::{Read, StoredItem, Tx};
use crate::assemble::Candidate;
use crate::blueprint::{Blueprint, Section};
use crate::error::Error;
use crate::vocabulary::{Difficulty, Domain, Kind, Level};

/// A paper to store: one form of a build.
pub struct NewPaper<'a> {
    pub id: String,
    pub form: String,
    pub mean_facility: f64,
    pub report: &'a serde_json::Value,
    /// In printed order.
    pub items: Vec<NewPaperItem<'a>>,
}

/// One question of a paper to store.
pub struct NewPaperItem<'a> {
    pub item_id: &'a str,
    pub version: &'a str,
    pub section: usize,
    pub points: f64,
    pub scoring: &'static str,
    pub option_order: &'a [usize],
    /// Key in printed letters.
    pub answer: &'a str,
}

/// A `build-paper` run to store.
pub struct NewBuild<'a> {
    pub id: &'a str,
    pub blueprint: &'a Blueprint,
    pub blueprint_hash: &'a str,
    pub seed: u64,
    pub algorithm: &'a str,
    pub created_at: &'a str,
}

/// A paper as listed.
#[derive(Debug, Clone, Serialize)]
pub struct PaperSummary {
    pub id: String,
    pub build_id: String,
    pub form: String,
    pub title: String,
    pub level: String,
    pub items: i64,
    pub total_points: f64,
    pub seed: i64,
    pub created_at: String,
}

/// One question of a stored paper, with the exact item version it prints.
#[derive(Debug, Clone, Serialize)]
pub struct PaperItemView {
    pub position: usize,
    pub section: usize,
    pub points: f64,
    pub scoring: String,
    pub option_order: Vec<usize>,
    pub answer: String,
    pub item: StoredItem,
}

impl PaperItemView {
    /// The options in printed order.
    pub fn printed_options(&self) -> Vec<&str> {
        self.option_order.iter().map(|&i| self.item.item.options[i].as_str()).collect()
    }
}

/// A stored paper, complete enough to print, score and rebuild it.
#[derive(Debug, Clone, Serialize)]
pub struct PaperView {
    pub id: String,
    pub build_id: String,
    pub form: String,
    pub title: String,
    pub level: String,
    pub minutes: i64,
    pub pass_mark: f64,
    pub total_points: f64,
    pub seed: i64,
    pub algorithm: String,
    pub blueprint_hash: String,
    pub created_at: String,
    pub sections: Vec<SectionInfo>,
    pub mean_facility: f64,
    pub report: serde_json::Value,
    pub items: Vec<PaperItemView>,
}

/// A section as stored on a paper.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct SectionInfo {
    pub kind: String,
    pub count: usize,
    pub points: f64,
    pub scoring: String,
}

impl From<&Section> for SectionInfo {
    fn from(section: &Section) -> SectionInfo {
        SectionInfo {
            kind: section.kind.code().to_owned(),
            count: section.count,
            points: section.points,
            scoring: serde_json::to_value(section.scoring)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
        }
    }
}

pub trait PaperRead: Read + Sized {
    /// Active items of `level`, current versions, as assembly sees them, by id.
    fn assembly_candidates(&self, level: Level) -> Result<Vec<Candidate>, Error> {
        let mut statement = self.conn().prepare(
            "SELECT i.id, i.current_version, i.kind, i.domain, i.difficulty, v.facility, v.enemies, \
             json_array_length(v.options), v.answer \
             FROM items i JOIN item_versions v ON v.item_id = i.id AND v.version = i.current_version \
             WHERE i.status = 'active' AND (i.level_mask & ?1) != 0 ORDER BY i.id",
        )?;
        let rows = statement.query_map([level.bit()], |row| {
            let enemies: String = row.get(6)?;
            Ok(Candidate {
                id: row.get(0)?,
                version: row.get(1)?,
                kind: vocabulary(row.get(2)?, Kind::parse)?,
                domain: vocabulary(row.get(3)?, Domain::parse)?,
                difficulty: vocabulary(row.get(4)?, Difficulty::parse)?,
                facility: row.get(5)?,
                enemies: serde_json::from_str(&enemies).unwrap_or_default(),
                options: row.get::<_, i64>(7)? as usize,
                answer: row.get(8)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Ids of the items on the last `papers` papers built (all forms count).
    fn recently_used(&self, papers: usize) -> Result<HashSet<String>, Error> {
        if papers == 0 {
            return Ok(HashSet::new());
        }
        let mut statement = self.conn().prepare(
            "SELECT DISTINCT pi.item_id FROM paper_items pi WHERE pi.paper_id IN \
             (SELECT p.id FROM papers p JOIN builds b ON b.id = p.build_id ORDER BY b.seq DESC, p.form DESC LIMIT ?1)",
        )?;
        let rows = statement.query_map([papers as i64], |row| row.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// How many builds carry the id prefix `P-YYYYMMDD-`, to number the next one.
    fn builds_on(&self, prefix: &str) -> Result<i64, Error> {
        Ok(self.conn().query_row("SELECT COUNT(*) FROM builds WHERE id LIKE ?1 || '%'", [prefix], |r| r.get(0))?)
    }

    fn paper_list(&self) -> Result<Vec<PaperSummary>, Error> {
        let mut statement = self.conn().prepare(
            "SELECT p.id, p.build_id, p.form, p.title, p.level, \
             (SELECT COUNT(*) FROM paper_items pi WHERE pi.paper_id = p.id), p.total_points, b.seed, p.created_at \
             FROM papers p JOIN builds b ON b.id = p.build_id ORDER BY b.seq, p.form",
        )?;
        let rows = statement.query_map([], |row| {
            Ok(PaperSummary {
                id: row.get(0)?,
                build_id: row.get(1)?,
                form: row.get(2)?,
                title: row.get(3)?,
                level: row.get(4)?,
                items: row.get(5)?,
                total_points: row.get(6)?,
                seed: row.get(7)?,
                created_at: row.get(8)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// A whole paper with its item versions, or `None` if the id is unknown.
    fn paper(&self, id: &str) -> Result<Option<PaperView>, Error> {
        let head = self
            .conn()
            .query_row(
                "SELECT p.id, p.build_id, p.form, p.title, p.level, p.minutes, p.pass_mark, p.total_points, \
                 b.seed, b.algorithm, b.blueprint_hash, p.created_at, p.sections, p.mean_facility, p.report \
                 FROM papers p JOIN builds b ON b.id = p.build_id WHERE p.id = ?1",
                [id],
                |row| {
                    let sections: String = row.get(12)?;
                    let report: String = row.get(14)?;
                    Ok(PaperView {
                        id: row.get(0)?,
                        build_id: row.get(1)?,
                        form: row.get(2)?,
                        title: row.get(3)?,
                        level: row.get(4)?,
                        minutes: row.get(5)?,
                        pass_mark: row.get(6)?,
                        total_points: row.get(7)?,
                        seed: row.get(8)?,
                        algorithm: row.get(9)?,
                        blueprint_hash: row.get(10)?,
                        created_at: row.get(11)?,
                        sections: serde_json::from_str(&sections).unwrap_or_default(),
                        mean_facility: row.get(13)?,
                        report: serde_json::from_str(&report).unwrap_or_default(),
                        items: Vec::new(),
                    })
                },
            )
            .optional()?;
        let Some(mut paper) = head else { return Ok(None) };
        let mut statement = self.conn().prepare(
            "SELECT position, section, item_id, version, points, scoring, option_order, answer \
             FROM paper_items WHERE paper_id = ?1 ORDER BY position",
        )?;
        let rows = statement
            .query_map([id], |row| {
                Ok((
                    row.get::<_, i64>(0)? as usize,
                    row.get::<_, i64>(1)? as usize,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, f64>(4)?,
                    row.get::<_, String>(5)?,
                    row.get::<_, String>(6)?,
                    row.get::<_, String>(7)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        for (position, section, item_id, version, points, scoring, option_order, answer) in rows {
            let item = self.item(&item_id, Some(&version))?.ok_or_else(|| {
                Error::user(format!(
                    "试卷 {id} 第 {position} 题引用的试题 {item_id}（版本 {version}）不在题库中，工作区可能已损坏"
                ))
            })?;
            paper.items.push(PaperItemView {
                position,
                section,
                points,
                scoring,
                option_order: serde_json::from_str(&option_order).unwrap_or_default(),
                answer,
                item,
            });
        }
        Ok(Some(paper))
    }
}

impl<T: Read> PaperRead for T {}

impl Tx<'_> {
    /// Stores a blueprint (once per hash).
    pub fn store_blueprint(&self, blueprint: &Blueprint, source_text: &str, now: &str) -> Result<String, Error> {
        let hash = blueprint.hash();
        self.tx.execute(
            "INSERT INTO blueprints (hash, name, level, canonical, source_text, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (hash) DO NOTHING",
            params![
                hash,
                blueprint.name,
                blueprint.level.code(),
                serde_json::to_string(blueprint).expect("serializes"),
                source_text,
                now
            ],
        )?;
        Ok(hash)
    }

    /// Stores a build and its papers.
    pub fn store_build(&self, build: &NewBuild<'_>, papers: &[NewPaper<'_>]) -> Result<(), Error> {
        let (blueprint, now) = (build.blueprint, build.created_at);
        let seq: i64 = self.tx.query_row("SELECT COALESCE(MAX(seq), 0) + 1 FROM builds", [], |r| r.get(0))?;
        self.tx.execute(
            "INSERT INTO builds (id, seq, blueprint_hash, seed, algorithm, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![build.id, seq, build.blueprint_hash, build.seed as i64, build.algorithm, now],
        )?;
        let sections: Vec<SectionInfo> = blueprint.sections.iter().map(SectionInfo::from).collect();
        let sections = serde_json::to_string(&sections).expect("serializes");
        let mut insert_item = self.tx.prepare_cached(
            "INSERT INTO paper_items (paper_id, position, section, item_id, version, points, scoring, option_order, answer) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?;
        for paper in papers {
            self.tx.execute(
                "INSERT INTO papers (id, build_id, form, title, level, minutes, pass_mark, total_points, sections, \
                 mean_facility, report, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                params![
                    paper.id,
                    build.id,
                    paper.form,
                    blueprint.name,
                    blueprint.level.code(),
                    blueprint.minutes,
                    blueprint.pass_mark,
                    blueprint.total_points(),
                    sections,
                    paper.mean_facility,
                    paper.report.to_string(),
                    now
                ],
            )?;
            for (position, item) in paper.items.iter().enumerate() {
                insert_item.execute(params![
                    paper.id,
                    position as i64 + 1,
                    item.section as i64,
                    item.item_id,
                    item.version,
                    item.points,
                    item.scoring,
                    serde_json::to_string(item.option_order).expect("serializes"),
                    item.answer
                ])?;
            }
        }
        Ok(())
    }
}
