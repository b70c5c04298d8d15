//! SQL for exam operations: roster changes and their log, attendance and misconduct
//! marks, parts carried into retake sessions, and appeals.
//!
//! Guarantees: nothing here deletes a person's record. A withdrawal keeps the candidate
//! (status `withdrawn`); a transfer moves the row with its exam number; every change a
//! command makes by hand is written to `session_log` in the same transaction, by
//! [`Tx::log`].

use std::collections::HashMap;

use rusqlite::{OptionalExtension, Row, params};
use serde::Serialize;

use super::{Read, Tx};
use crate::error::Error;

/// One line of a session's change log.
#[derive(Debug, Clone, Serialize)]
pub struct LogEntry {
    pub exam_no: String,
    pub action: String,
    pub detail: String,
    pub reason: String,
    pub by: String,
    pub at: String,
}

/// An attendance or misconduct mark on one part.
#[derive(Debug, Clone, Serialize)]
pub struct MarkRow {
    pub part: String,
    pub status: String,
    pub reason: String,
    pub by: String,
    pub at: String,
}

/// A part passed earlier and carried into a retake session.
#[derive(Debug, Clone, Serialize)]
pub struct CarriedPart {
    pub part: String,
    pub score: f64,
    pub from_session: String,
    pub from_exam_no: String,
    pub sat_on: String,
}

/// An appeal, open or decided.
#[derive(Debug, Clone, Serialize)]
pub struct AppealRow {
    pub id: i64,
    pub session: String,
    pub exam_no: String,
    pub part: String,
    pub reason: String,
    pub opened_by: String,
    pub opened_at: String,
    /// `upheld` or `corrected` once decided; `None` while open.
    pub outcome: Option<String>,
    pub task: Option<String>,
    pub task_score: Option<f64>,
    /// The part's score after the decision and before it.
    pub score: Option<f64>,
    pub old_score: Option<f64>,
    pub note: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
}

/// The decision on an appeal.
pub struct AppealDecision<'a> {
    pub id: i64,
    pub outcome: &'a str,
    pub task: Option<&'a str>,
    pub task_score: Option<f64>,
    pub score: Option<f64>,
    pub old_score: Option<f64>,
    pub note: &'a str,
    pub by: &'a str,
    pub at: &'a str,
}

/// An appeal to open.
pub struct NewAppeal<'a> {
    pub session: &'a str,
    pub exam_no: &'a str,
    pub part: &'a str,
    pub reason: &'a str,
    pub by: &'a str,
    pub at: &'a str,
}

const APPEAL_COLUMNS: &str = "id, session_id, exam_no, part, reason, opened_by, opened_at, outcome, task, \
     task_score, score, old_score, note, decided_by, decided_at";

fn appeal_row(r: &Row<'_>) -> rusqlite::Result<AppealRow> {
    Ok(AppealRow {
        id: r.get(0)?,
        session: r.get(1)?,
        exam_no: r.get(2)?,
        part: r.get(3)?,
        reason: r.get(4)?,
        opened_by: r.get(5)?,
        opened_at: r.get(6)?,
        outcome: r.get(7)?,
        task: r.get(8)?,
        task_score: r.get(9)?,
        score: r.get(10)?,
        old_score: r.get(11)?,
        note: r.get(12)?,
        decided_by: r.get(13)?,
        decided_at: r.get(14)?,
    })
}

pub trait OperationsRead: Read + Sized {
    /// The change log of a session, oldest first.
    fn session_log(&self, session: &str) -> Result<Vec<LogEntry>, Error> {
        let mut statement = self.conn().prepare(
            "SELECT exam_no, action, detail, reason, changed_by, changed_at FROM session_log \
             WHERE session_id = ?1 ORDER BY id",
        )?;
        let rows = statement.query_map([session], |r| {
            Ok(LogEntry {
                exam_no: r.get(0)?,
                action: r.get(1)?,
                detail: r.get(2)?,
                reason: r.get(3)?,
                by: r.get(4)?,
                at: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Marks of a session, by exam number (theory before practical).
    fn marks(&self, session: &str) -> Result<HashMap<String, Vec<MarkRow>>, Error> {
        let mut statement = self.conn().prepare(
            "SELECT exam_no, part, status, reason, marked_by, marked_at FROM marks WHERE session_id = ?1 \
             ORDER BY exam_no, part DESC",
        )?;
        let rows = statement.query_map([session], |r| {
            Ok((
                r.get::<_, String>(0)?,
                MarkRow { part: r.get(1)?, status: r.get(2)?, reason: r.get(3)?, by: r.get(4)?, at: r.get(5)? },
            ))
        })?;
        let mut out: HashMap<String, Vec<MarkRow>> = HashMap::new();
        for row in rows {
            let (exam_no, mark) = row?;
            out.entry(exam_no).or_default().push(mark);
        }
        Ok(out)
    }

    /// One candidate's marks (theory before practical).
    fn candidate_marks(&self, session: &str, exam_no: &str) -> Result<Vec<MarkRow>, Error> {
        let mut statement = self.conn().prepare_cached(
            "SELECT part, status, reason, marked_by, marked_at FROM marks WHERE session_id = ?1 AND exam_no = ?2 \
             ORDER BY part DESC",
        )?;
        let rows = statement.query_map(params![session, exam_no], |r| {
            Ok(MarkRow { part: r.get(0)?, status: r.get(1)?, reason: r.get(2)?, by: r.get(3)?, at: r.get(4)? })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The parts carried into a (retake) session for one candidate.
    fn candidate_carried_parts(&self, session: &str, exam_no: &str) -> Result<Vec<CarriedPart>, Error> {
        let mut statement = self.conn().prepare_cached(
            "SELECT part, score, from_session, from_exam_no, sat_on FROM carried_parts \
             WHERE session_id = ?1 AND exam_no = ?2",
        )?;
        let rows = statement.query_map(params![session, exam_no], |r| {
            Ok(CarriedPart {
                part: r.get(0)?,
                score: r.get(1)?,
                from_session: r.get(2)?,
                from_exam_no: r.get(3)?,
                sat_on: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Parts carried into a (retake) session, by exam number.
    fn carried_parts(&self, session: &str) -> Result<HashMap<String, Vec<CarriedPart>>, Error> {
        let mut statement = self.conn().prepare(
            "SELECT exam_no, part, score, from_session, from_exam_no, sat_on FROM carried_parts WHERE session_id = ?1",
        )?;
        let rows = statement.query_map([session], |r| {
            Ok((
                r.get::<_, String>(0)?,
                CarriedPart {
                    part: r.get(1)?,
                    score: r.get(2)?,
                    from_session: r.get(3)?,
                    from_exam_no: r.get(4)?,
                    sat_on: r.get(5)?,
                },
            ))
        })?;
        let mut out: HashMap<String, Vec<CarriedPart>> = HashMap::new();
        for row in rows {
            let (exam_no, part) = row?;
            out.entry(exam_no).or_default().push(part);
        }
        Ok(out)
    }

    /// Whether examiners have entered any practical grade for the candidate.
    fn has_grades(&self, session: &str, exam_no: &str) -> Result<bool, Error> {
        Ok(self.conn().query_row(
            "SELECT EXISTS (SELECT 1 FROM grade_entries WHERE session_id = ?1 AND exam_no = ?2) \
             OR EXISTS (SELECT 1 FROM grade_resolutions WHERE session_id = ?1 AND exam_no = ?2)",
            params![session, exam_no],
            |r| r.get(0),
        )?)
    }

    /// Appeals, of one session or all, oldest first.
    fn appeals(&self, session: Option<&str>) -> Result<Vec<AppealRow>, Error> {
        let sql = format!("SELECT {APPEAL_COLUMNS} FROM appeals WHERE (?1 IS NULL OR session_id = ?1) ORDER BY id");
        let mut statement = self.conn().prepare(&sql)?;
        let rows = statement.query_map([session], appeal_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn appeal(&self, id: i64) -> Result<Option<AppealRow>, Error> {
        let sql = format!("SELECT {APPEAL_COLUMNS} FROM appeals WHERE id = ?1");
        Ok(self.conn().query_row(&sql, [id], appeal_row).optional()?)
    }
}

impl<T: Read> OperationsRead for T {}

impl Tx<'_> {
    /// Writes one line of the change log.
    #[allow(clippy::too_many_arguments)]
    pub fn log(
        &self,
        session: &str,
        exam_no: &str,
        action: &str,
        detail: &str,
        reason: &str,
        by: &str,
        at: &str,
    ) -> Result<(), Error> {
        self.tx
            .prepare_cached(
                "INSERT INTO session_log (session_id, exam_no, action, detail, reason, changed_by, changed_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![session, exam_no, action, detail, reason, by, at])?;
        Ok(())
    }

    /// Replaces a candidate's name, ID number and school.
    /// The list's other columns of a candidate, as JSON (a re-import with `--update`).
    pub fn set_candidate_extra(&self, session: &str, exam_no: &str, extra: &str) -> Result<(), Error> {
        self.tx.execute(
            "UPDATE candidates SET extra = ?3 WHERE session_id = ?1 AND exam_no = ?2",
            params![session, exam_no, extra],
        )?;
        Ok(())
    }

    pub fn update_candidate(
        &self,
        session: &str,
        exam_no: &str,
        name: &str,
        id_number: &str,
        school: &str,
    ) -> Result<(), Error> {
        self.tx
            .prepare_cached(
                "UPDATE candidates SET name = ?3, id_number = ?4, school = ?5 WHERE session_id = ?1 AND exam_no = ?2",
            )?
            .execute(params![session, exam_no, name, id_number, school])?;
        Ok(())
    }

    pub fn withdraw(&self, session: &str, exam_no: &str, reason: &str) -> Result<(), Error> {
        self.tx.execute(
            "UPDATE candidates SET status = 'withdrawn', status_reason = ?3 WHERE session_id = ?1 AND exam_no = ?2",
            params![session, exam_no, reason],
        )?;
        Ok(())
    }

    /// Moves a candidate (with no scores) to another session under the same exam number,
    /// dropping their practical draw in the old one and giving them `paper` in the new.
    /// Moves a candidate to another session; the draw, and the access code of the
    /// computer-based exam, stay behind (deleted).
    pub fn transfer(&self, from: &str, to: &str, exam_no: &str, paper: Option<&str>) -> Result<(), Error> {
        self.tx.execute("DELETE FROM draws WHERE session_id = ?1 AND exam_no = ?2", params![from, exam_no])?;
        // The access code and logins of the computer-based exam belong to the session left
        // (the caller has refused a candidate whose exam had begun there).
        self.tx.execute("DELETE FROM exam_logins WHERE session_id = ?1 AND exam_no = ?2", params![from, exam_no])?;
        self.tx
            .execute("DELETE FROM candidate_codes WHERE session_id = ?1 AND exam_no = ?2", params![from, exam_no])?;
        self.tx.execute(
            "UPDATE candidates SET session_id = ?2, paper_id = ?4 WHERE session_id = ?1 AND exam_no = ?3",
            params![from, to, exam_no, paper],
        )?;
        Ok(())
    }

    /// Sets (or replaces) the mark on one part.
    #[allow(clippy::too_many_arguments)]
    pub fn set_mark(
        &self,
        session: &str,
        exam_no: &str,
        part: &str,
        status: &str,
        reason: &str,
        by: &str,
        at: &str,
    ) -> Result<(), Error> {
        self.tx.execute(
            "INSERT INTO marks (session_id, exam_no, part, status, reason, marked_by, marked_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (session_id, exam_no, part) DO UPDATE SET \
             status = excluded.status, reason = excluded.reason, marked_by = excluded.marked_by, marked_at = excluded.marked_at",
            params![session, exam_no, part, status, reason, by, at],
        )?;
        Ok(())
    }

    pub fn set_retake_of(&self, session: &str, sessions: &[String]) -> Result<(), Error> {
        self.tx.execute("UPDATE sessions SET retake_of = ?2 WHERE id = ?1", params![session, sessions.join(",")])?;
        Ok(())
    }

    pub fn insert_carried(&self, session: &str, exam_no: &str, part: &CarriedPart) -> Result<(), Error> {
        self.tx
            .prepare_cached(
                "INSERT INTO carried_parts (session_id, exam_no, part, score, from_session, from_exam_no, sat_on) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                session,
                exam_no,
                part.part,
                part.score,
                part.from_session,
                part.from_exam_no,
                part.sat_on
            ])?;
        Ok(())
    }

    /// Opens an appeal; returns its number.
    pub fn open_appeal(&self, a: &NewAppeal<'_>) -> Result<i64, Error> {
        self.tx.execute(
            "INSERT INTO appeals (session_id, exam_no, part, reason, opened_by, opened_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![a.session, a.exam_no, a.part, a.reason, a.by, a.at],
        )?;
        Ok(self.tx.last_insert_rowid())
    }

    /// Records the decision on an appeal.
    pub fn decide_appeal(&self, d: &AppealDecision<'_>) -> Result<(), Error> {
        self.tx.execute(
            "UPDATE appeals SET outcome = ?2, task = ?3, task_score = ?4, score = ?5, old_score = ?6, note = ?7, \
             decided_by = ?8, decided_at = ?9 WHERE id = ?1 AND outcome IS NULL",
            params![d.id, d.outcome, d.task, d.task_score, d.score, d.old_score, d.note, d.by, d.at],
        )?;
        Ok(())
    }
}
