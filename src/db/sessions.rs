//! SQL for sessions, candidates, assigned papers, theory sheets and key corrections.

use std::collections::HashMap;

use rusqlite::{OptionalExtension, Row, params};
use serde::Serialize;

use super::{Read, Tx};
use crate::error::Error;

/// A session with its counts.
#[derive(Debug, Clone, Serialize)]
pub struct SessionRow {
    pub id: String,
    pub level: String,
    pub date: String,
    pub site: String,
    pub name: String,
    #[serde(skip)]
    pub practical_plan: Option<String>,
    pub created_at: String,
    /// A retake session (补考): the sessions it retakes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub retake_of: Vec<String>,
    pub candidates: i64,
    pub assigned: i64,
    pub scored: i64,
}

/// A registered candidate (the ID number in full: mask it before showing).
#[derive(Debug, Clone)]
pub struct CandidateRow {
    pub exam_no: String,
    pub name: String,
    pub id_number: String,
    pub school: String,
    pub extra: String,
    pub paper_id: Option<String>,
    /// `registered`, or `withdrawn` (退考) with the reason.
    pub status: String,
    pub status_reason: Option<String>,
}

impl CandidateRow {
    pub fn withdrawn(&self) -> bool {
        self.status == "withdrawn"
    }
}

/// A candidate to register.
pub struct NewCandidate<'a> {
    pub exam_no: &'a str,
    pub name: &'a str,
    pub id_number: &'a str,
    pub school: &'a str,
    pub extra: &'a str,
    pub imported_from: &'a str,
}

/// A key correction, kept with its reason.
#[derive(Debug, Clone, Serialize)]
pub struct KeyChange {
    pub question: i64,
    pub old_answer: String,
    pub new_answer: String,
    pub reason: String,
    pub changed_at: String,
}

/// A session to create.
pub struct NewSession<'a> {
    pub id: &'a str,
    pub level: &'a str,
    pub date: &'a str,
    pub site: &'a str,
    pub name: &'a str,
    pub practical_plan: Option<&'a str>,
    pub created_at: &'a str,
}

/// A scored sheet.
#[derive(Debug, Clone, Serialize)]
pub struct SheetRow {
    pub id: i64,
    pub exam_no: String,
    pub paper_id: String,
    pub responses: Vec<String>,
    pub scores: Vec<f64>,
    pub total: f64,
    pub current: bool,
    pub imported_from: String,
    pub scored_at: String,
    pub replaced_at: Option<String>,
}

/// A sheet in force as analysis reads it: answers and scores still in their stored form.
#[derive(Debug, Clone)]
pub struct RawSheet {
    pub session_id: String,
    pub exam_no: String,
    pub paper_id: String,
    pub responses: String,
    pub scores: String,
}

/// A sheet to store.
pub struct NewSheet<'a> {
    pub session_id: &'a str,
    pub exam_no: &'a str,
    pub paper_id: &'a str,
    pub responses: &'a str,
    pub scores: &'a str,
    pub total: f64,
    pub imported_from: &'a str,
    pub source_row: usize,
    pub scored_at: &'a str,
}

const SESSION_COLUMNS: &str = "s.id, s.level, s.date, s.site, s.name, s.practical_plan, s.created_at, \
     (SELECT COUNT(*) FROM candidates c WHERE c.session_id = s.id), \
     (SELECT COUNT(*) FROM candidates c WHERE c.session_id = s.id AND c.paper_id IS NOT NULL), \
     (SELECT COUNT(*) FROM sheets h WHERE h.session_id = s.id AND h.current = 1), s.retake_of";

fn session_row(row: &Row<'_>) -> rusqlite::Result<SessionRow> {
    Ok(SessionRow {
        id: row.get(0)?,
        level: row.get(1)?,
        date: row.get(2)?,
        site: row.get(3)?,
        name: row.get(4)?,
        practical_plan: row.get(5)?,
        created_at: row.get(6)?,
        candidates: row.get(7)?,
        assigned: row.get(8)?,
        scored: row.get(9)?,
        retake_of: row
            .get::<_, Option<String>>(10)?
            .map(|list| list.split(',').map(str::to_owned).collect())
            .unwrap_or_default(),
    })
}

const SHEET_COLUMNS: &str =
    "id, exam_no, paper_id, responses, scores, total, current, imported_from, scored_at, replaced_at";

fn sheet_row(row: &Row<'_>) -> rusqlite::Result<SheetRow> {
    let responses: String = row.get(3)?;
    let scores: String = row.get(4)?;
    Ok(SheetRow {
        id: row.get(0)?,
        exam_no: row.get(1)?,
        paper_id: row.get(2)?,
        responses: responses.split(',').map(str::to_owned).collect(),
        scores: scores.split(',').map(|s| s.parse().unwrap_or(0.0)).collect(),
        total: row.get(5)?,
        current: row.get(6)?,
        imported_from: row.get(7)?,
        scored_at: row.get(8)?,
        replaced_at: row.get(9)?,
    })
}

/// Exam numbers sort as people expect: by length, then text ("9" before "10").
pub fn exam_order(a: &str, b: &str) -> std::cmp::Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

const CANDIDATE_COLUMNS: &str = "exam_no, name, id_number, school, extra, paper_id, status, status_reason";

fn candidate_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<CandidateRow> {
    Ok(CandidateRow {
        exam_no: row.get(0)?,
        name: row.get(1)?,
        id_number: row.get(2)?,
        school: row.get(3)?,
        extra: row.get(4)?,
        paper_id: row.get(5)?,
        status: row.get(6)?,
        status_reason: row.get(7)?,
    })
}

pub trait SessionRead: Read + Sized {
    fn session(&self, id: &str) -> Result<Option<SessionRow>, Error> {
        let sql = format!("SELECT {SESSION_COLUMNS} FROM sessions s WHERE s.id = ?1");
        Ok(self.conn().prepare_cached(&sql)?.query_row([id], session_row).optional()?)
    }

    fn sessions(&self) -> Result<Vec<SessionRow>, Error> {
        let sql = format!("SELECT {SESSION_COLUMNS} FROM sessions s ORDER BY s.date, s.id");
        let mut statement = self.conn().prepare(&sql)?;
        let rows = statement.query_map([], session_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Candidates of a session in exam-number order.
    fn candidates(&self, session: &str) -> Result<Vec<CandidateRow>, Error> {
        let mut statement =
            self.conn().prepare(&format!("SELECT {CANDIDATE_COLUMNS} FROM candidates WHERE session_id = ?1"))?;
        let mut rows = statement.query_map([session], candidate_row)?.collect::<Result<Vec<_>, _>>()?;
        rows.sort_by(|a, b| exam_order(&a.exam_no, &b.exam_no));
        Ok(rows)
    }

    /// One candidate of a session (a lookup by key, for checks made once per request).
    fn candidate(&self, session: &str, exam_no: &str) -> Result<Option<CandidateRow>, Error> {
        Ok(self
            .conn()
            .prepare_cached(&format!(
                "SELECT {CANDIDATE_COLUMNS} FROM candidates WHERE session_id = ?1 AND exam_no = ?2"
            ))?
            .query_row(params![session, exam_no], candidate_row)
            .optional()?)
    }

    /// The papers assigned to a session, in dealing order.
    fn session_papers(&self, session: &str) -> Result<Vec<String>, Error> {
        let mut statement =
            self.conn().prepare("SELECT paper_id FROM session_papers WHERE session_id = ?1 ORDER BY position")?;
        let rows = statement.query_map([session], |row| row.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The length (in characters) of the longest exam number among the candidates of the
    /// sessions a paper is assigned to; `None` when it is assigned to none.
    fn longest_exam_no_for_paper(&self, paper: &str) -> Result<Option<usize>, Error> {
        let longest: Option<i64> = self.conn().query_row(
            "SELECT MAX(LENGTH(c.exam_no)) FROM candidates c JOIN session_papers p ON p.session_id = c.session_id \
             WHERE p.paper_id = ?1",
            [paper],
            |r| r.get(0),
        )?;
        Ok(longest.map(|n| n as usize))
    }

    /// Paper and total of every sheet in force, by exam number (without the answers,
    /// which results never need).
    fn sheet_totals(&self, session: &str) -> Result<HashMap<String, (String, f64)>, Error> {
        let mut statement =
            self.conn().prepare("SELECT exam_no, paper_id, total FROM sheets WHERE session_id = ?1 AND current = 1")?;
        let rows = statement.query_map([session], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every sheet in force that was answered on `paper`, with its session.
    fn sheets_of_paper(&self, paper: &str) -> Result<Vec<(String, SheetRow)>, Error> {
        let sql = format!(
            "SELECT {SHEET_COLUMNS}, session_id FROM sheets WHERE paper_id = ?1 AND current = 1 ORDER BY session_id, id"
        );
        let mut statement = self.conn().prepare(&sql)?;
        let rows = statement.query_map([paper], |row| Ok((row.get(10)?, sheet_row(row)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// All sheets of one candidate, oldest first (replaced ones included).
    fn sheet_history(&self, session: &str, exam_no: &str) -> Result<Vec<SheetRow>, Error> {
        let sql = format!("SELECT {SHEET_COLUMNS} FROM sheets WHERE session_id = ?1 AND exam_no = ?2 ORDER BY id");
        let mut statement = self.conn().prepare(&sql)?;
        let rows = statement.query_map(params![session, exam_no], sheet_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Exam numbers that have a sheet in force.
    fn scored_exam_nos(&self, session: &str) -> Result<std::collections::HashSet<String>, Error> {
        let mut statement = self.conn().prepare("SELECT exam_no FROM sheets WHERE session_id = ?1 AND current = 1")?;
        let rows = statement.query_map([session], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Sheets in force of a session, or of a paper (across sessions), or of both filters.
    fn raw_sheets(&self, session: Option<&str>, paper: Option<&str>) -> Result<Vec<RawSheet>, Error> {
        let mut statement = self.conn().prepare(
            "SELECT session_id, exam_no, paper_id, responses, scores FROM sheets WHERE current = 1 \
             AND (?1 IS NULL OR session_id = ?1) AND (?2 IS NULL OR paper_id = ?2) ORDER BY session_id, id",
        )?;
        let rows = statement.query_map(params![session, paper], |r| {
            Ok(RawSheet {
                session_id: r.get(0)?,
                exam_no: r.get(1)?,
                paper_id: r.get(2)?,
                responses: r.get(3)?,
                scores: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// How many replaced (no longer in force) sheets each candidate has.
    fn replaced_sheets(&self, session: &str) -> Result<HashMap<String, i64>, Error> {
        let mut statement = self
            .conn()
            .prepare("SELECT exam_no, COUNT(*) FROM sheets WHERE session_id = ?1 AND current = 0 GROUP BY exam_no")?;
        let rows = statement.query_map([session], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Key corrections of a paper, oldest first.
    fn key_changes(&self, paper: &str) -> Result<Vec<KeyChange>, Error> {
        let mut statement = self.conn().prepare(
            "SELECT position, old_answer, new_answer, reason, changed_at FROM key_changes WHERE paper_id = ?1 ORDER BY id",
        )?;
        let rows = statement.query_map([paper], |r| {
            Ok(KeyChange {
                question: r.get(0)?,
                old_answer: r.get(1)?,
                new_answer: r.get(2)?,
                reason: r.get(3)?,
                changed_at: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

impl<T: Read> SessionRead for T {}

impl Tx<'_> {
    pub fn create_session(&self, session: &NewSession<'_>) -> Result<(), Error> {
        self.tx.execute(
            "INSERT INTO sessions (id, level, date, site, name, practical_plan, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                session.id,
                session.level,
                session.date,
                session.site,
                session.name,
                session.practical_plan,
                session.created_at
            ],
        )?;
        Ok(())
    }

    pub fn insert_candidate(&self, session: &str, candidate: &NewCandidate<'_>, now: &str) -> Result<(), Error> {
        self.tx
            .prepare_cached(
                "INSERT INTO candidates (session_id, exam_no, name, id_number, school, extra, imported_from, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                session,
                candidate.exam_no,
                candidate.name,
                candidate.id_number,
                candidate.school,
                candidate.extra,
                candidate.imported_from,
                now
            ])?;
        Ok(())
    }

    /// Records the session's papers and which one each candidate sits.
    pub fn assign(&self, session: &str, papers: &[String], by_candidate: &[(String, String)]) -> Result<(), Error> {
        self.tx.execute("DELETE FROM session_papers WHERE session_id = ?1", [session])?;
        for (position, paper) in papers.iter().enumerate() {
            self.tx.execute(
                "INSERT INTO session_papers (session_id, paper_id, position) VALUES (?1, ?2, ?3)",
                params![session, paper, position as i64],
            )?;
        }
        let mut update =
            self.tx.prepare_cached("UPDATE candidates SET paper_id = ?3 WHERE session_id = ?1 AND exam_no = ?2")?;
        for (exam_no, paper) in by_candidate {
            update.execute(params![session, exam_no, paper])?;
        }
        Ok(())
    }

    /// Stores a sheet; `replacing` keeps the sheet in force so far as history.
    pub fn insert_sheet(&self, sheet: &NewSheet<'_>, replacing: bool) -> Result<(), Error> {
        if replacing {
            self.tx
                .prepare_cached(
                    "UPDATE sheets SET current = 0, replaced_at = ?3 WHERE session_id = ?1 AND exam_no = ?2 AND current = 1",
                )?
                .execute(params![sheet.session_id, sheet.exam_no, sheet.scored_at])?;
        }
        self.tx
            .prepare_cached(
                "INSERT INTO sheets (session_id, exam_no, paper_id, responses, scores, total, imported_from, source_row, scored_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![
                sheet.session_id,
                sheet.exam_no,
                sheet.paper_id,
                sheet.responses,
                sheet.scores,
                sheet.total,
                sheet.imported_from,
                sheet.source_row as i64,
                sheet.scored_at
            ])?;
        Ok(())
    }

    pub fn rescore_sheet(&self, id: i64, scores: &str, total: f64) -> Result<(), Error> {
        self.tx
            .prepare_cached("UPDATE sheets SET scores = ?2, total = ?3 WHERE id = ?1")?
            .execute(params![id, scores, total])?;
        Ok(())
    }

    /// Replaces the key of one question, keeping the old one with the reason.
    pub fn change_key(
        &self,
        paper: &str,
        position: usize,
        old: &str,
        new: &str,
        reason: &str,
        now: &str,
    ) -> Result<(), Error> {
        self.tx.execute(
            "INSERT INTO key_changes (paper_id, position, old_answer, new_answer, reason, changed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![paper, position as i64, old, new, reason, now],
        )?;
        self.tx.execute(
            "UPDATE paper_items SET answer = ?3 WHERE paper_id = ?1 AND position = ?2",
            params![paper, position as i64, new],
        )?;
        Ok(())
    }
}
