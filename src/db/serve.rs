//! SQL for `certify examiners` and `certify serve`: examiners and their login codes,
//! browser sessions, the server's log, and the one-server-per-session lock.
//!
//! Guarantees: login codes and session tokens are looked up by their hash only (the
//! callers hash them, see [`crate::access`]); a revoked examiner's browser sessions end
//! in the same transaction as the revocation; the log is only ever appended to (the
//! schema's triggers refuse anything else).

use rusqlite::{OptionalExtension, params};

use super::{Read, Tx};
use crate::error::Error;

/// Someone who may log in for a session.
#[derive(Debug, Clone)]
pub struct ExaminerRow {
    pub id: i64,
    pub session_id: String,
    pub name: String,
    /// `examiner`, `chief` or `invigilator`.
    pub role: String,
    pub code_hash: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

/// Who a browser session belongs to, while it is valid.
#[derive(Debug, Clone)]
pub struct WebIdentity {
    pub examiner_id: i64,
    pub session_id: String,
    pub name: String,
    /// The role logged in as: `examiner` or `chief`.
    pub role: String,
    pub last_seen: i64,
}

/// One line of the server's log.
pub struct WebLogEntry<'a> {
    pub session_id: &'a str,
    pub at: &'a str,
    pub who: Option<&'a str>,
    pub address: &'a str,
    pub action: &'a str,
    pub detail: &'a str,
}

/// The server that holds a session's lock.
#[derive(Debug, Clone)]
pub struct ServeLock {
    pub token: String,
    pub pid: i64,
    pub host: String,
    pub address: String,
    pub started_at: String,
    pub heartbeat: i64,
}

fn examiner_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ExaminerRow> {
    Ok(ExaminerRow {
        id: r.get(0)?,
        session_id: r.get(1)?,
        name: r.get(2)?,
        role: r.get(3)?,
        code_hash: r.get(4)?,
        created_at: r.get(5)?,
        revoked_at: r.get(6)?,
    })
}

const EXAMINER_COLUMNS: &str = "id, session_id, name, role, code_hash, created_at, revoked_at";

pub trait ServeRead: Read + Sized {
    /// Everyone ever added to `session`, revoked ones too, in the order they were added.
    fn examiners(&self, session: &str) -> Result<Vec<ExaminerRow>, Error> {
        let mut statement = self
            .conn()
            .prepare(&format!("SELECT {EXAMINER_COLUMNS} FROM examiners WHERE session_id = ?1 ORDER BY id"))?;
        let rows = statement.query_map([session], examiner_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The examiner of that name in `session` who is not revoked.
    fn active_examiner(&self, session: &str, name: &str) -> Result<Option<ExaminerRow>, Error> {
        Ok(self
            .conn()
            .query_row(
                &format!(
                    "SELECT {EXAMINER_COLUMNS} FROM examiners WHERE session_id = ?1 AND name = ?2 AND revoked_at IS NULL"
                ),
                params![session, name],
                examiner_row,
            )
            .optional()?)
    }

    /// The identity behind a session token's hash, if the browser session is neither
    /// ended nor expired at `now` (Unix seconds) and its examiner is not revoked.
    fn web_identity(&self, token_hash: &str, now: i64) -> Result<Option<WebIdentity>, Error> {
        Ok(self
            .conn()
            .query_row(
                "SELECT e.id, e.session_id, e.name, w.role, w.last_seen FROM web_sessions w \
                 JOIN examiners e ON e.id = w.examiner_id \
                 WHERE w.token_hash = ?1 AND w.ended IS NULL AND w.expires > ?2 AND e.revoked_at IS NULL",
                params![token_hash, now],
                |r| {
                    Ok(WebIdentity {
                        examiner_id: r.get(0)?,
                        session_id: r.get(1)?,
                        name: r.get(2)?,
                        role: r.get(3)?,
                        last_seen: r.get(4)?,
                    })
                },
            )
            .optional()?)
    }

    /// The entry `examiner` sent with `client_id`, if one was stored: its candidate,
    /// task and total.
    fn grade_by_client_id(
        &self,
        session: &str,
        examiner: &str,
        client_id: &str,
    ) -> Result<Option<(String, String, f64)>, Error> {
        Ok(self
            .conn()
            .query_row(
                "SELECT exam_no, rubric_id, total FROM grade_entries \
                 WHERE session_id = ?1 AND examiner = ?2 AND client_id = ?3",
                params![session, examiner, client_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?)
    }

    /// The lock row of `session`'s server, stale or not.
    fn serve_lock(&self, session: &str) -> Result<Option<ServeLock>, Error> {
        Ok(self
            .conn()
            .query_row(
                "SELECT token, pid, host, address, started_at, heartbeat FROM serve_locks WHERE session_id = ?1",
                [session],
                |r| {
                    Ok(ServeLock {
                        token: r.get(0)?,
                        pid: r.get(1)?,
                        host: r.get(2)?,
                        address: r.get(3)?,
                        started_at: r.get(4)?,
                        heartbeat: r.get(5)?,
                    })
                },
            )
            .optional()?)
    }
}

impl<T: Read> ServeRead for T {}

impl Tx<'_> {
    /// Adds someone who may log in; the caller has checked no active one has the name.
    pub fn add_examiner(&self, session: &str, name: &str, role: &str, code_hash: &str, now: &str) -> Result<(), Error> {
        self.tx.execute(
            "INSERT INTO examiners (session_id, name, role, code_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![session, name, role, code_hash, now],
        )?;
        Ok(())
    }

    /// Revokes the active examiner `name` and ends their browser sessions; returns how
    /// many browser sessions were ended, or `None` when nobody active has the name.
    pub fn revoke_examiner(
        &self,
        session: &str,
        name: &str,
        now: &str,
        now_seconds: i64,
    ) -> Result<Option<usize>, Error> {
        let Some(id) = self
            .tx
            .query_row(
                "SELECT id FROM examiners WHERE session_id = ?1 AND name = ?2 AND revoked_at IS NULL",
                params![session, name],
                |r| r.get::<_, i64>(0),
            )
            .optional()?
        else {
            return Ok(None);
        };
        self.tx.execute("UPDATE examiners SET revoked_at = ?2 WHERE id = ?1", params![id, now])?;
        let ended = self.tx.execute(
            "UPDATE web_sessions SET ended = ?2 WHERE examiner_id = ?1 AND ended IS NULL",
            params![id, now_seconds],
        )?;
        Ok(Some(ended))
    }

    /// Records a new browser session.
    pub fn start_web_session(
        &self,
        token_hash: &str,
        examiner_id: i64,
        role: &str,
        now: i64,
        expires: i64,
    ) -> Result<(), Error> {
        self.tx.execute(
            "INSERT INTO web_sessions (token_hash, examiner_id, role, created, last_seen, expires) \
             VALUES (?1, ?2, ?3, ?4, ?4, ?5)",
            params![token_hash, examiner_id, role, now, expires],
        )?;
        Ok(())
    }

    /// Ends a browser session (logout); ending one already ended changes nothing.
    pub fn end_web_session(&self, token_hash: &str, now: i64) -> Result<(), Error> {
        self.tx.execute(
            "UPDATE web_sessions SET ended = ?2 WHERE token_hash = ?1 AND ended IS NULL",
            params![token_hash, now],
        )?;
        Ok(())
    }

    /// Notes that a browser session was used at `now`.
    pub fn touch_web_session(&self, token_hash: &str, now: i64) -> Result<(), Error> {
        self.tx.execute("UPDATE web_sessions SET last_seen = ?2 WHERE token_hash = ?1", params![token_hash, now])?;
        Ok(())
    }

    /// Appends a line to the server's log.
    pub fn log_web(&self, entry: &WebLogEntry<'_>) -> Result<(), Error> {
        self.tx
            .prepare_cached(
                "INSERT INTO web_log (session_id, at, who, address, action, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![entry.session_id, entry.at, entry.who, entry.address, entry.action, entry.detail])?;
        Ok(())
    }

    /// Takes (or takes over) `session`'s server lock; the caller has checked that any
    /// holder is gone.
    pub fn take_serve_lock(&self, session: &str, lock: &ServeLock) -> Result<(), Error> {
        self.tx.execute(
            "INSERT INTO serve_locks (session_id, token, pid, host, address, started_at, heartbeat) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (session_id) DO UPDATE SET token = excluded.token, \
             pid = excluded.pid, host = excluded.host, address = excluded.address, started_at = excluded.started_at, \
             heartbeat = excluded.heartbeat",
            params![session, lock.token, lock.pid, lock.host, lock.address, lock.started_at, lock.heartbeat],
        )?;
        Ok(())
    }

    /// Renews the lock's heartbeat; `false` when the lock is no longer this server's.
    pub fn renew_serve_lock(&self, session: &str, token: &str, now: i64) -> Result<bool, Error> {
        Ok(self.tx.execute(
            "UPDATE serve_locks SET heartbeat = ?3 WHERE session_id = ?1 AND token = ?2",
            params![session, token, now],
        )? == 1)
    }

    /// Releases the lock if it is still this server's.
    pub fn release_serve_lock(&self, session: &str, token: &str) -> Result<(), Error> {
        self.tx.execute("DELETE FROM serve_locks WHERE session_id = ?1 AND token = ?2", params![session, token])?;
        Ok(())
    }
}
