//! SQL for rubrics, task draws, grade entries and arbitrations.

use std::collections::{BTreeMap, HashMap};

use rusqlite::{OptionalExtension, params};

use super::{Read, Tx};
use crate::error::Error;
use crate::rubric::Rubric;
use crate::vocabulary::Level;

/// A rubric version as stored.
#[derive(Debug, Clone)]
pub struct RubricRow {
    pub rubric: Rubric,
    pub version: String,
    pub seq: i64,
    pub current: bool,
}

/// One drawn task.
#[derive(Debug, Clone)]
pub struct DrawRow {
    pub exam_no: String,
    pub position: i64,
    pub rubric_id: String,
    pub version: String,
    pub category: String,
    pub weight: f64,
    pub seed: i64,
}

/// A task to record as drawn.
pub struct NewDraw<'a> {
    pub session_id: &'a str,
    pub exam_no: &'a str,
    pub position: usize,
    pub rubric_id: &'a str,
    pub version: &'a str,
    pub category: &'a str,
    pub weight: f64,
    pub seed: u64,
    pub drawn_at: &'a str,
}

/// An examiner's entry in force.
#[derive(Debug, Clone)]
pub struct GradeRow {
    pub exam_no: String,
    pub rubric_id: String,
    pub examiner: String,
    pub total: f64,
    pub vetoes: Vec<String>,
}

/// One examiner's entry in force for one task, whole: what the examiner's page shows
/// once it is sent.
#[derive(Debug, Clone)]
pub struct EntryDetail {
    pub steps: BTreeMap<String, f64>,
    pub vetoes: Vec<String>,
    /// Veto id → the examiner's reason (entries sent from the server's page have one).
    pub veto_reasons: BTreeMap<String, String>,
    pub comment: Option<String>,
    /// `pass`, `borderline` or `fail`.
    pub rating: Option<String>,
    pub total: f64,
    pub entered_at: String,
    pub source: String,
    /// On a correction sent through the server: the examiner's reason.
    pub correction_reason: Option<String>,
}

/// A correction with a reason (sent through the server), in force or since superseded.
#[derive(Debug, Clone)]
pub struct CorrectionRow {
    pub exam_no: String,
    pub rubric_id: String,
    pub examiner: String,
    pub total: f64,
    /// The total of the entry it superseded.
    pub previous_total: Option<f64>,
    pub reason: String,
    pub entered_at: String,
    pub current: bool,
}

/// A veto marked in an entry in force, with the examiner's reason where one was given.
#[derive(Debug, Clone)]
pub struct MarkedVetoRow {
    pub exam_no: String,
    pub rubric_id: String,
    pub examiner: String,
    pub veto: String,
    pub reason: Option<String>,
}

fn json_column<T: serde::de::DeserializeOwned + Default>(text: Option<String>) -> T {
    text.and_then(|t| serde_json::from_str(&t).ok()).unwrap_or_default()
}

/// What the workspace knows of a rubric id: its current version and every version
/// with its sequence number.
pub type RubricState = (String, HashMap<String, i64>);

/// An arbiter's score for one task, in force.
#[derive(Debug, Clone)]
pub struct Resolution {
    pub score: f64,
    pub examiner: String,
    pub reason: String,
}

/// An arbiter's score to record.
pub struct NewResolution<'a> {
    pub session_id: &'a str,
    pub exam_no: &'a str,
    pub rubric_id: &'a str,
    pub score: f64,
    pub examiner: &'a str,
    pub reason: &'a str,
    pub resolved_at: &'a str,
}

/// An entry to store.
pub struct NewGrade<'a> {
    pub session_id: &'a str,
    pub exam_no: &'a str,
    pub rubric_id: &'a str,
    pub version: &'a str,
    pub examiner: &'a str,
    pub steps: &'a str,
    pub vetoes: &'a str,
    pub total: f64,
    pub source: &'a str,
    pub entered_by: &'a str,
    pub entered_at: &'a str,
    /// What only an entry sent through the server has.
    pub web: Option<WebGrade<'a>>,
}

/// What a grade sent through the server carries besides the scores.
pub struct WebGrade<'a> {
    /// The tablet's id for this submission: a resend with the same id is stored once.
    pub client_id: &'a str,
    pub comment: &'a str,
    /// `pass`, `borderline` or `fail`.
    pub rating: Option<&'a str>,
    /// JSON object: veto id → the examiner's reason.
    pub veto_reasons: &'a str,
    /// Why this entry corrects the examiner's earlier one (only on a correction).
    pub correction_reason: Option<&'a str>,
}

fn rubric_body(text: String) -> rusqlite::Result<Rubric> {
    serde_json::from_str(&text)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e)))
}

fn draw_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DrawRow> {
    Ok(DrawRow {
        exam_no: r.get(0)?,
        position: r.get(1)?,
        rubric_id: r.get(2)?,
        version: r.get(3)?,
        category: r.get(4)?,
        weight: r.get(5)?,
        seed: r.get(6)?,
    })
}

pub trait PracticalRead: Read + Sized {
    /// What the workspace knows of each rubric id: current version and all versions.
    fn rubric_states(&self) -> Result<HashMap<String, RubricState>, Error> {
        let mut statement = self.conn().prepare(
            "SELECT r.id, r.current_version, v.version, v.seq FROM rubrics r JOIN rubric_versions v ON v.rubric_id = r.id",
        )?;
        let mut states: HashMap<String, RubricState> = HashMap::new();
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            let entry = states.entry(row.get(0)?).or_insert_with(|| (String::new(), HashMap::new()));
            entry.0 = row.get(1)?;
            entry.1.insert(row.get(2)?, row.get(3)?);
        }
        Ok(states)
    }

    /// Current rubrics, by id; only those for `level` when given.
    fn rubrics(&self, level: Option<Level>) -> Result<Vec<RubricRow>, Error> {
        let mut statement = self.conn().prepare(
            "SELECT v.body, v.version, v.seq FROM rubrics r JOIN rubric_versions v \
             ON v.rubric_id = r.id AND v.version = r.current_version \
             WHERE (?1 IS NULL OR (r.level_mask & ?1) != 0) ORDER BY r.id",
        )?;
        let rows = statement.query_map([level.map(Level::bit)], |row| {
            Ok(RubricRow { rubric: rubric_body(row.get(0)?)?, version: row.get(1)?, seq: row.get(2)?, current: true })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// One rubric: the current version, or the version named.
    fn rubric(&self, id: &str, version: Option<&str>) -> Result<Option<RubricRow>, Error> {
        Ok(self
            .conn()
            .query_row(
                "SELECT v.body, v.version, v.seq, (v.version = r.current_version) FROM rubrics r \
                 JOIN rubric_versions v ON v.rubric_id = r.id \
                 WHERE r.id = ?1 AND v.version = COALESCE(?2, r.current_version)",
                params![id, version],
                |row| {
                    Ok(RubricRow {
                        rubric: rubric_body(row.get(0)?)?,
                        version: row.get(1)?,
                        seq: row.get(2)?,
                        current: row.get(3)?,
                    })
                },
            )
            .optional()?)
    }

    /// The draws of a session, by exam number then position.
    fn draws(&self, session: &str) -> Result<Vec<DrawRow>, Error> {
        let mut statement = self.conn().prepare(
            "SELECT exam_no, position, rubric_id, version, category, weight, seed FROM draws \
             WHERE session_id = ?1 ORDER BY exam_no, position",
        )?;
        let rows = statement.query_map([session], draw_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The draw of task `rubric_id` by one candidate, if they drew it (the first, should
    /// they have drawn it twice).
    fn draw_of(&self, session: &str, exam_no: &str, rubric_id: &str) -> Result<Option<DrawRow>, Error> {
        Ok(self
            .conn()
            .query_row(
                "SELECT exam_no, position, rubric_id, version, category, weight, seed FROM draws \
                 WHERE session_id = ?1 AND exam_no = ?2 AND rubric_id = ?3 ORDER BY position LIMIT 1",
                params![session, exam_no, rubric_id],
                draw_row,
            )
            .optional()?)
    }

    /// Entries in force for a session.
    fn grades(&self, session: &str) -> Result<Vec<GradeRow>, Error> {
        let mut statement = self.conn().prepare(
            "SELECT exam_no, rubric_id, examiner, total, vetoes FROM grade_entries \
             WHERE session_id = ?1 AND current = 1 ORDER BY exam_no, rubric_id, examiner",
        )?;
        let rows = statement.query_map([session], |r| {
            let vetoes: String = r.get(4)?;
            Ok(GradeRow {
                exam_no: r.get(0)?,
                rubric_id: r.get(1)?,
                examiner: r.get(2)?,
                total: r.get(3)?,
                vetoes: serde_json::from_str(&vetoes).unwrap_or_default(),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// `examiner`'s entry in force for `exam_no`'s task `rubric_id`, if any.
    fn current_entry(
        &self,
        session: &str,
        exam_no: &str,
        rubric_id: &str,
        examiner: &str,
    ) -> Result<Option<EntryDetail>, Error> {
        Ok(self
            .conn()
            .query_row(
                "SELECT steps, vetoes, veto_reasons, comment, rating, total, entered_at, source, correction_reason \
                 FROM grade_entries \
                 WHERE session_id = ?1 AND exam_no = ?2 AND rubric_id = ?3 AND examiner = ?4 AND current = 1",
                params![session, exam_no, rubric_id, examiner],
                |r| {
                    Ok(EntryDetail {
                        steps: json_column(r.get(0)?),
                        vetoes: json_column(r.get(1)?),
                        veto_reasons: json_column(r.get(2)?),
                        comment: r.get::<_, Option<String>>(3)?.filter(|c| !c.is_empty()),
                        rating: r.get(4)?,
                        total: r.get(5)?,
                        entered_at: r.get(6)?,
                        source: r.get(7)?,
                        correction_reason: r.get(8)?,
                    })
                },
            )
            .optional()?)
    }

    /// Every veto marked in the session's entries in force, by exam number, task, examiner.
    fn marked_vetoes(&self, session: &str) -> Result<Vec<MarkedVetoRow>, Error> {
        let mut statement = self.conn().prepare(
            "SELECT exam_no, rubric_id, examiner, vetoes, veto_reasons FROM grade_entries \
             WHERE session_id = ?1 AND current = 1 AND vetoes != '[]' ORDER BY exam_no, rubric_id, examiner",
        )?;
        let mut rows = statement.query([session])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let (exam_no, rubric_id, examiner): (String, String, String) = (row.get(0)?, row.get(1)?, row.get(2)?);
            let vetoes: Vec<String> = json_column(row.get(3)?);
            let reasons: BTreeMap<String, String> = json_column(row.get(4)?);
            for veto in vetoes {
                out.push(MarkedVetoRow {
                    exam_no: exam_no.clone(),
                    rubric_id: rubric_id.clone(),
                    examiner: examiner.clone(),
                    reason: reasons.get(&veto).filter(|r| !r.trim().is_empty()).cloned(),
                    veto,
                });
            }
        }
        Ok(out)
    }

    /// Every correction with a reason in the session, oldest first.
    fn corrections(&self, session: &str) -> Result<Vec<CorrectionRow>, Error> {
        let mut statement = self.conn().prepare(
            "SELECT g.exam_no, g.rubric_id, g.examiner, g.total, p.total, g.correction_reason, g.entered_at, g.current \
             FROM grade_entries g LEFT JOIN grade_entries p ON p.id = g.corrects \
             WHERE g.session_id = ?1 AND g.correction_reason IS NOT NULL ORDER BY g.entered_at, g.id",
        )?;
        let rows = statement.query_map([session], |r| {
            Ok(CorrectionRow {
                exam_no: r.get(0)?,
                rubric_id: r.get(1)?,
                examiner: r.get(2)?,
                total: r.get(3)?,
                previous_total: r.get(4)?,
                reason: r.get(5)?,
                entered_at: r.get(6)?,
                current: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// How many superseded entries each (candidate, task, examiner) has.
    fn superseded_grades(&self, session: &str) -> Result<i64, Error> {
        Ok(self.conn().query_row(
            "SELECT COUNT(*) FROM grade_entries WHERE session_id = ?1 AND current = 0",
            [session],
            |r| r.get(0),
        )?)
    }

    /// Arbiters' scores in force, by (exam no, task).
    fn resolutions(&self, session: &str) -> Result<HashMap<(String, String), Resolution>, Error> {
        let mut statement = self.conn().prepare(
            "SELECT exam_no, rubric_id, score, examiner, reason FROM grade_resolutions WHERE session_id = ?1 AND current = 1",
        )?;
        let rows = statement.query_map([session], |r| {
            Ok(((r.get(0)?, r.get(1)?), Resolution { score: r.get(2)?, examiner: r.get(3)?, reason: r.get(4)? }))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

impl<T: Read> PracticalRead for T {}

impl Tx<'_> {
    /// Stores a rubric version and makes it current.
    pub fn store_rubric(
        &self,
        rubric: &Rubric,
        version: &str,
        seq: i64,
        imported_from: &str,
        now: &str,
    ) -> Result<(), Error> {
        self.tx.execute(
            "INSERT INTO rubrics (id, current_version, category, level_mask, created_at) VALUES (?1, ?2, ?3, ?4, ?5) \
             ON CONFLICT (id) DO UPDATE SET current_version = excluded.current_version, category = excluded.category, \
             level_mask = excluded.level_mask",
            params![rubric.id, version, rubric.category, Level::mask(&rubric.levels), now],
        )?;
        self.tx.execute(
            "INSERT INTO rubric_versions (rubric_id, version, seq, body, imported_from, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (rubric_id, version) DO NOTHING",
            params![rubric.id, version, seq, serde_json::to_string(rubric).expect("serializes"), imported_from, now],
        )?;
        Ok(())
    }

    pub fn insert_draw(&self, draw: &NewDraw<'_>) -> Result<(), Error> {
        self.tx
            .prepare_cached(
                "INSERT INTO draws (session_id, exam_no, position, rubric_id, version, category, weight, seed, drawn_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![
                draw.session_id,
                draw.exam_no,
                draw.position as i64,
                draw.rubric_id,
                draw.version,
                draw.category,
                draw.weight,
                draw.seed as i64,
                draw.drawn_at
            ])?;
        Ok(())
    }

    /// Stores an entry; the same examiner's earlier entry for the task is kept, superseded,
    /// and the new one names it (`corrects`).
    pub fn insert_grade(&self, grade: &NewGrade<'_>) -> Result<(), Error> {
        let corrects: Option<i64> = self
            .tx
            .prepare_cached(
                "SELECT id FROM grade_entries WHERE session_id = ?1 AND exam_no = ?2 AND rubric_id = ?3 \
                 AND examiner = ?4 AND current = 1",
            )?
            .query_row(params![grade.session_id, grade.exam_no, grade.rubric_id, grade.examiner], |r| r.get(0))
            .optional()?;
        self.tx
            .prepare_cached(
                "UPDATE grade_entries SET current = 0, superseded_at = ?5 WHERE session_id = ?1 AND exam_no = ?2 \
                 AND rubric_id = ?3 AND examiner = ?4 AND current = 1",
            )?
            .execute(params![grade.session_id, grade.exam_no, grade.rubric_id, grade.examiner, grade.entered_at])?;
        self.tx
            .prepare_cached(
                "INSERT INTO grade_entries (session_id, exam_no, rubric_id, version, examiner, steps, vetoes, total, \
                 source, entered_by, entered_at, client_id, comment, rating, veto_reasons, corrects, correction_reason) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
            )?
            .execute(params![
                grade.session_id,
                grade.exam_no,
                grade.rubric_id,
                grade.version,
                grade.examiner,
                grade.steps,
                grade.vetoes,
                grade.total,
                grade.source,
                grade.entered_by,
                grade.entered_at,
                grade.web.as_ref().map(|w| w.client_id),
                grade.web.as_ref().map(|w| w.comment),
                grade.web.as_ref().and_then(|w| w.rating),
                grade.web.as_ref().map(|w| w.veto_reasons),
                corrects,
                grade.web.as_ref().and_then(|w| w.correction_reason),
            ])?;
        Ok(())
    }

    /// Records an arbiter's score (an earlier one for the task is kept, superseded).
    pub fn resolve(&self, resolution: &NewResolution<'_>) -> Result<(), Error> {
        let r = resolution;
        self.tx.execute(
            "UPDATE grade_resolutions SET current = 0 WHERE session_id = ?1 AND exam_no = ?2 AND rubric_id = ?3 AND current = 1",
            params![r.session_id, r.exam_no, r.rubric_id],
        )?;
        self.tx.execute(
            "INSERT INTO grade_resolutions (session_id, exam_no, rubric_id, score, examiner, reason, resolved_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![r.session_id, r.exam_no, r.rubric_id, r.score, r.examiner, r.reason, r.resolved_at],
        )?;
        Ok(())
    }

    pub fn set_practical_plan(&self, session: &str, plan: &str) -> Result<(), Error> {
        self.tx.execute("UPDATE sessions SET practical_plan = ?2 WHERE id = ?1", params![session, plan])?;
        Ok(())
    }
}
