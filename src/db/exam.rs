//! SQL for the computer-based theory exam (机考) on `certify serve`: candidates' access
//! codes and browser logins, rooms as opened, sittings with their deadlines, the answers
//! as last given, and the server's last sign of life.
//!
//! Guarantees: codes and tokens are looked up by their hash only (callers hash them, see
//! [`crate::access`]); an answer is replaced only by one with a higher sequence number
//! ([`Tx::save_answer`]); a sitting is finished once ([`Tx::finish_sitting`] changes only
//! an unfinished one); the time a stopped server gives back is added to every unfinished
//! sitting in one statement.

use std::collections::BTreeMap;

use rusqlite::{OptionalExtension, params};

use super::{Read, Tx};
use crate::error::Error;

/// A candidate's sitting of the exam.
#[derive(Debug, Clone)]
pub struct SittingRow {
    pub exam_no: String,
    pub paper_id: String,
    pub room: String,
    pub started: i64,
    pub deadline: i64,
    pub added_seconds: i64,
    pub last_contact: Option<i64>,
    pub finished: Option<i64>,
    pub finished_by: Option<String>,
    /// How many questions have an answer (not cleared).
    pub answered: usize,
    /// The highest sequence number stored.
    pub seq: i64,
}

/// A sitting to start when a room opens.
pub struct NewSitting<'a> {
    pub exam_no: &'a str,
    pub paper_id: &'a str,
    pub room: &'a str,
    pub started: i64,
    pub deadline: i64,
}

/// A candidate's browser login that is still valid.
#[derive(Debug, Clone)]
pub struct LiveLogin {
    pub session_id: String,
    pub exam_no: String,
}

const SITTING_COLUMNS: &str = "s.exam_no, s.paper_id, s.room, s.started, s.deadline, s.added_seconds, \
     s.last_contact, s.finished, s.finished_by, \
     (SELECT COUNT(*) FROM exam_answers a WHERE a.session_id = s.session_id AND a.exam_no = s.exam_no AND a.answer != ''), \
     COALESCE((SELECT MAX(seq) FROM exam_answers a WHERE a.session_id = s.session_id AND a.exam_no = s.exam_no), 0)";

fn sitting_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SittingRow> {
    Ok(SittingRow {
        exam_no: r.get(0)?,
        paper_id: r.get(1)?,
        room: r.get(2)?,
        started: r.get(3)?,
        deadline: r.get(4)?,
        added_seconds: r.get(5)?,
        last_contact: r.get(6)?,
        finished: r.get(7)?,
        finished_by: r.get(8)?,
        answered: r.get::<_, i64>(9)? as usize,
        seq: r.get(10)?,
    })
}

pub trait ExamRead: Read + Sized {
    /// The stored hash of a candidate's access code, and whether a login used it.
    fn candidate_code(&self, session: &str, exam_no: &str) -> Result<Option<(String, bool)>, Error> {
        Ok(self
            .conn()
            .query_row(
                "SELECT code_hash, used IS NOT NULL FROM candidate_codes WHERE session_id = ?1 AND exam_no = ?2",
                params![session, exam_no],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    /// How many candidates of `session` hold an access code.
    fn candidate_code_count(&self, session: &str) -> Result<usize, Error> {
        Ok(self.conn().query_row("SELECT COUNT(*) FROM candidate_codes WHERE session_id = ?1", [session], |r| {
            r.get::<_, i64>(0)
        })? as usize)
    }

    /// The candidate behind a browser token's hash, if that login is neither ended nor
    /// expired at `now`.
    fn live_login(&self, token_hash: &str, now: i64) -> Result<Option<LiveLogin>, Error> {
        Ok(self
            .conn()
            .prepare_cached(
                "SELECT session_id, exam_no FROM exam_logins WHERE token_hash = ?1 AND ended IS NULL AND expires > ?2",
            )?
            .query_row(params![token_hash, now], |r| Ok(LiveLogin { session_id: r.get(0)?, exam_no: r.get(1)? }))
            .optional()?)
    }

    /// Whether `exam_no` ever logged in to the computer-based exam of `session`.
    fn ever_logged_in(&self, session: &str, exam_no: &str) -> Result<bool, Error> {
        Ok(self
            .conn()
            .prepare_cached("SELECT 1 FROM exam_logins WHERE session_id = ?1 AND exam_no = ?2 LIMIT 1")?
            .query_row(params![session, exam_no], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// Exam numbers with a live browser login in `session`.
    fn logged_in(&self, session: &str, now: i64) -> Result<std::collections::HashSet<String>, Error> {
        let mut statement = self.conn().prepare(
            "SELECT DISTINCT exam_no FROM exam_logins WHERE session_id = ?1 AND ended IS NULL AND expires > ?2",
        )?;
        let rows = statement.query_map(params![session, now], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// When each opened room of `session` was opened.
    fn opened_rooms(&self, session: &str) -> Result<BTreeMap<String, i64>, Error> {
        let mut statement = self.conn().prepare("SELECT room, opened FROM exam_rooms WHERE session_id = ?1")?;
        let rows = statement.query_map([session], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// One candidate's sitting, if their room has opened.
    fn sitting(&self, session: &str, exam_no: &str) -> Result<Option<SittingRow>, Error> {
        Ok(self
            .conn()
            .prepare_cached(&format!(
                "SELECT {SITTING_COLUMNS} FROM exam_sittings s WHERE s.session_id = ?1 AND s.exam_no = ?2"
            ))?
            .query_row(params![session, exam_no], sitting_row)
            .optional()?)
    }

    /// Every sitting of `session`.
    fn sittings(&self, session: &str) -> Result<Vec<SittingRow>, Error> {
        let mut statement = self.conn().prepare(&format!(
            "SELECT {SITTING_COLUMNS} FROM exam_sittings s WHERE s.session_id = ?1 ORDER BY s.exam_no"
        ))?;
        let rows = statement.query_map([session], sitting_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Exam numbers of `session`'s unfinished sittings whose time is up at `now`.
    fn expired_sittings(&self, session: &str, now: i64) -> Result<Vec<String>, Error> {
        let mut statement = self.conn().prepare_cached(
            "SELECT exam_no FROM exam_sittings WHERE finished IS NULL AND deadline <= ?2 AND session_id = ?1",
        )?;
        let rows = statement.query_map(params![session, now], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// A sitting's answers by position, cleared ones left out.
    fn answers(&self, session: &str, exam_no: &str) -> Result<BTreeMap<usize, String>, Error> {
        let mut statement = self.conn().prepare_cached(
            "SELECT position, answer FROM exam_answers WHERE session_id = ?1 AND exam_no = ?2 AND answer != ''",
        )?;
        let rows = statement.query_map(params![session, exam_no], |r| Ok((r.get::<_, i64>(0)? as usize, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The sequence number stored for one question of a sitting.
    fn answer_seq(&self, session: &str, exam_no: &str, position: usize) -> Result<Option<i64>, Error> {
        Ok(self
            .conn()
            .prepare_cached("SELECT seq FROM exam_answers WHERE session_id = ?1 AND exam_no = ?2 AND position = ?3")?
            .query_row(params![session, exam_no, position as i64], |r| r.get(0))
            .optional()?)
    }

    /// Whether `exam_no` has a current theory sheet (scored from the browser or imported).
    fn has_sheet(&self, session: &str, exam_no: &str) -> Result<bool, Error> {
        Ok(self
            .conn()
            .prepare_cached("SELECT 1 FROM sheets WHERE session_id = ?1 AND exam_no = ?2 AND current = 1")?
            .query_row(params![session, exam_no], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// How many times the key of `paper` was corrected (`paper fix-key`): a key read
    /// earlier still holds while this number is the same.
    fn key_version(&self, paper: &str) -> Result<i64, Error> {
        Ok(self
            .conn()
            .prepare_cached("SELECT COUNT(*) FROM key_changes WHERE paper_id = ?1")?
            .query_row([paper], |r| r.get(0))?)
    }

    /// When the session's server was last known to run.
    fn exam_clock(&self, session: &str) -> Result<Option<i64>, Error> {
        Ok(self
            .conn()
            .query_row("SELECT alive FROM exam_clock WHERE session_id = ?1", [session], |r| r.get(0))
            .optional()?)
    }
}

impl<T: Read> ExamRead for T {}

impl Tx<'_> {
    /// Gives a candidate a new access code (replacing an earlier one, and ending the
    /// browser logins it allowed).
    pub fn set_candidate_code(
        &self,
        session: &str,
        exam_no: &str,
        code_hash: &str,
        now: &str,
        now_s: i64,
    ) -> Result<(), Error> {
        self.tx
            .prepare_cached(
                "INSERT INTO candidate_codes (session_id, exam_no, code_hash, created_at) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (session_id, exam_no) DO UPDATE SET code_hash = excluded.code_hash, \
                 created_at = excluded.created_at, used = NULL",
            )?
            .execute(params![session, exam_no, code_hash, now])?;
        self.end_exam_logins(session, exam_no, now_s)?;
        Ok(())
    }

    /// Records a candidate's browser login and marks the code used.
    pub fn start_exam_login(
        &self,
        token_hash: &str,
        session: &str,
        exam_no: &str,
        now: i64,
        expires: i64,
    ) -> Result<(), Error> {
        self.tx
            .prepare_cached(
                "INSERT INTO exam_logins (token_hash, session_id, exam_no, created, expires) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![token_hash, session, exam_no, now, expires])?;
        self.tx
            .prepare_cached("UPDATE candidate_codes SET used = ?3 WHERE session_id = ?1 AND exam_no = ?2")?
            .execute(params![session, exam_no, now])?;
        Ok(())
    }

    /// Ends one browser's login (the candidate logs out); the code stays used.
    pub fn end_exam_login(&self, token_hash: &str, now: i64) -> Result<(), Error> {
        self.tx.execute(
            "UPDATE exam_logins SET ended = ?2 WHERE token_hash = ?1 AND ended IS NULL",
            params![token_hash, now],
        )?;
        Ok(())
    }

    /// Ends a candidate's live browser logins and lets the code log in once more;
    /// returns how many logins were ended.
    pub fn end_exam_logins(&self, session: &str, exam_no: &str, now: i64) -> Result<usize, Error> {
        let ended = self.tx.execute(
            "UPDATE exam_logins SET ended = ?3 WHERE session_id = ?1 AND exam_no = ?2 AND ended IS NULL",
            params![session, exam_no, now],
        )?;
        self.tx.execute(
            "UPDATE candidate_codes SET used = NULL WHERE session_id = ?1 AND exam_no = ?2",
            params![session, exam_no],
        )?;
        Ok(ended)
    }

    /// Records that `room` opened at `opened`; `false` when it had opened already.
    pub fn open_room(&self, session: &str, room: &str, opened: i64, by: &str) -> Result<bool, Error> {
        Ok(self.tx.execute(
            "INSERT INTO exam_rooms (session_id, room, opened, opened_by) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (session_id, room) DO NOTHING",
            params![session, room, opened, by],
        )? == 1)
    }

    /// Starts a sitting; one already started is left as it is.
    pub fn start_sitting(&self, session: &str, sitting: &NewSitting<'_>) -> Result<(), Error> {
        self.tx
            .prepare_cached(
                "INSERT INTO exam_sittings (session_id, exam_no, paper_id, room, started, deadline) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (session_id, exam_no) DO NOTHING",
            )?
            .execute(params![
                session,
                sitting.exam_no,
                sitting.paper_id,
                sitting.room,
                sitting.started,
                sitting.deadline
            ])?;
        Ok(())
    }

    /// Stores an answer unless the question holds one with a sequence number at least as
    /// high; `true` when stored. Notes the contact.
    pub fn save_answer(
        &self,
        session: &str,
        exam_no: &str,
        position: usize,
        answer: &str,
        seq: i64,
        now: i64,
    ) -> Result<bool, Error> {
        let stored = self
            .tx
            .prepare_cached(
                "INSERT INTO exam_answers (session_id, exam_no, position, answer, seq, saved) VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
                 ON CONFLICT (session_id, exam_no, position) DO UPDATE SET answer = excluded.answer, \
                 seq = excluded.seq, saved = excluded.saved WHERE excluded.seq > exam_answers.seq",
            )?
            .execute(params![session, exam_no, position as i64, answer, seq, now])?
            == 1;
        self.note_contact(session, exam_no, now)?;
        Ok(stored)
    }

    /// Notes that the candidate's browser was heard from at `now`.
    pub fn note_contact(&self, session: &str, exam_no: &str, now: i64) -> Result<(), Error> {
        self.tx
            .prepare_cached("UPDATE exam_sittings SET last_contact = ?3 WHERE session_id = ?1 AND exam_no = ?2")?
            .execute(params![session, exam_no, now])?;
        Ok(())
    }

    /// Adds time to an unfinished sitting; `false` when it is finished (or not started).
    pub fn add_sitting_time(&self, session: &str, exam_no: &str, seconds: i64) -> Result<bool, Error> {
        Ok(self.tx.execute(
            "UPDATE exam_sittings SET deadline = deadline + ?3, added_seconds = added_seconds + ?3 \
             WHERE session_id = ?1 AND exam_no = ?2 AND finished IS NULL",
            params![session, exam_no, seconds],
        )? == 1)
    }

    /// Finishes a sitting; `false` when it was finished already.
    pub fn finish_sitting(&self, session: &str, exam_no: &str, now: i64, by: &str) -> Result<bool, Error> {
        Ok(self
            .tx
            .prepare_cached(
                "UPDATE exam_sittings SET finished = ?3, finished_by = ?4 \
                 WHERE session_id = ?1 AND exam_no = ?2 AND finished IS NULL",
            )?
            .execute(params![session, exam_no, now, by])?
            == 1)
    }

    /// Gives `seconds` back to every unfinished sitting of `session`; returns how many.
    pub fn give_back_time(&self, session: &str, seconds: i64) -> Result<usize, Error> {
        Ok(self.tx.execute(
            "UPDATE exam_sittings SET deadline = deadline + ?2 WHERE session_id = ?1 AND finished IS NULL",
            params![session, seconds],
        )?)
    }

    /// Notes that the session's server runs at `now`.
    pub fn set_exam_clock(&self, session: &str, now: i64) -> Result<(), Error> {
        self.tx.execute(
            "INSERT INTO exam_clock (session_id, alive) VALUES (?1, ?2) \
             ON CONFLICT (session_id) DO UPDATE SET alive = excluded.alive",
            params![session, now],
        )?;
        Ok(())
    }
}
