//! Connections kept open for a long-running process: the exam site's server answers
//! each request on a connection from a [`Pool`] instead of opening the workspace anew
//! (opening parses the whole schema and checks the migrations: most of the time of a
//! small request).
//!
//! Guarantees:
//! - Every pooled connection is a [`Db`] opened by [`Db::open`], with all it checks and
//!   sets: a certify workspace, WAL, foreign keys, the busy timeout, the schema at the
//!   latest migration.
//! - A connection goes back to the pool only when no transaction is left open on it
//!   (a [`crate::db::Tx`] dropped without commit has rolled back); otherwise it is closed.
//! - The pool's connections share one write gate: their IMMEDIATE transactions are
//!   taken one at a time, queued in this process, so 60 tablets sending at once wait
//!   for each other in turn rather than in SQLite's busy handler, whose back-off
//!   (sleeps growing to 100 ms) let a late writer overtake one waiting long. Other
//!   processes (the CLI on the same file) still meet the busy timeout as before.
//! - At most [`MAX_IDLE`] connections are kept; more are opened when more requests run
//!   at once, and closed when they are done.

use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use super::Db;
use crate::error::Error;

/// Idle connections kept for reuse.
pub const MAX_IDLE: usize = 16;

/// Open connections to one workspace file, shared by the threads of a process.
pub struct Pool {
    path: PathBuf,
    idle: Mutex<Vec<Db>>,
    gate: Arc<Mutex<()>>,
}

impl Pool {
    /// A pool for the workspace at `path`; connections are opened when first needed.
    pub fn new(path: &Path) -> Arc<Pool> {
        Arc::new(Pool { path: path.to_owned(), idle: Mutex::new(Vec::new()), gate: Arc::default() })
    }

    fn idle(&self) -> std::sync::MutexGuard<'_, Vec<Db>> {
        // A panic while the list was locked cannot leave a half-made entry: push and pop only.
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn fresh(&self) -> Result<Db, Error> {
        let mut db = Db::open(&self.path)?;
        db.gate = Some(self.gate.clone());
        Ok(db)
    }

    /// A connection for the caller's use; it returns to the pool when dropped.
    pub fn get(self: &Arc<Pool>) -> Result<Pooled, Error> {
        let reused = self.idle().pop();
        let db = match reused {
            Some(db) => db,
            None => self.fresh()?,
        };
        Ok(Pooled { db: Some(db), pool: self.clone() })
    }

    /// How many connections wait in the pool now (for tests).
    pub fn idle_count(&self) -> usize {
        self.idle().len()
    }
}

/// A connection borrowed from a [`Pool`].
pub struct Pooled {
    db: Option<Db>,
    pool: Arc<Pool>,
}

impl Deref for Pooled {
    type Target = Db;
    fn deref(&self) -> &Db {
        self.db.as_ref().expect("present until dropped")
    }
}

impl DerefMut for Pooled {
    fn deref_mut(&mut self) -> &mut Db {
        self.db.as_mut().expect("present until dropped")
    }
}

impl Drop for Pooled {
    fn drop(&mut self) {
        if let Some(db) = self.db.take()
            && db.is_idle()
        {
            let mut idle = self.pool.idle();
            if idle.len() < MAX_IDLE {
                idle.push(db);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::SettingsRead;

    #[test]
    fn connections_are_reused_and_writers_take_turns() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.db");
        drop(Db::create(&path).unwrap());
        let pool = Pool::new(&path);
        assert_eq!(pool.idle_count(), 0);
        {
            let a = pool.get().unwrap();
            let b = pool.get().unwrap();
            assert_eq!(pool.idle_count(), 0);
            drop((a, b));
        }
        assert_eq!(pool.idle_count(), 2, "both went back");

        // Many threads writing at once: every write lands, none waits in the busy handler.
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let pool = pool.clone();
                std::thread::spawn(move || {
                    for i in 0..20 {
                        let mut db = pool.get().unwrap();
                        let tx = db.transaction().unwrap();
                        tx.set_setting(&format!("k{t}-{i}"), "v").unwrap();
                        tx.commit().unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let db = pool.get().unwrap();
        assert_eq!(db.setting("k7-19").unwrap().as_deref(), Some("v"));
    }

    #[test]
    fn a_connection_left_in_a_transaction_is_not_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.db");
        drop(Db::create(&path).unwrap());
        let pool = Pool::new(&path);
        let db = pool.get().unwrap();
        db.conn.execute_batch("BEGIN").unwrap();
        drop(db);
        assert_eq!(pool.idle_count(), 0);
    }
}
