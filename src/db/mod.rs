//! The workspace database: the only module that speaks SQL.
//!
//! Guarantees:
//! - [`Db::open`] opens only a certify workspace: a file that is not SQLite, or a SQLite
//!   file of another program, is refused before anything is written to it (not even the
//!   journal mode), so pointing `--db` at the wrong file never changes that file. New
//!   workspaces carry [`APPLICATION_ID`]; those made before it existed are recognised by
//!   their schema and given the id.
//! - Opening sets WAL journaling, foreign keys and a busy timeout, and brings the schema
//!   to the latest migration; [`MIGRATIONS`] is checked by a `validate()` test.
//! - Reads are methods of the [`Read`] trait, available on the open [`Db`] and inside a
//!   [`Tx`] alike. Writes exist only on [`Tx`], which is an IMMEDIATE transaction: a
//!   command either commits everything it wrote or, on any error (the `Tx` is dropped),
//!   nothing; two processes never interleave their writes.
//! - A long-running process (the exam site's server) reuses connections through a
//!   [`Pool`]; its write transactions queue on one in-process gate before BEGIN
//!   IMMEDIATE, so they take turns in order instead of polling SQLite's busy handler.

mod bank;
mod certificates;
mod exam;
mod operations;
mod papers;
mod pool;
mod practical;
mod rooms;
mod serve;
mod sessions;
mod settings;

use std::path::Path;
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use rusqlite_migration::{M, Migrations};

pub use self::bank::{BankRead, ItemFilter, StoredItem, VersionInfo};
pub use self::certificates::{CertificateRead, CertificateRow, NewCertificate};
pub use self::exam::{ExamRead, LiveLogin, NewSitting, SittingRow};
pub use self::operations::{AppealDecision, AppealRow, CarriedPart, LogEntry, MarkRow, NewAppeal, OperationsRead};
pub use self::papers::{NewBuild, NewPaper, NewPaperItem, PaperItemView, PaperRead, PaperSummary, PaperView};
pub use self::pool::{Pool, Pooled};
pub use self::practical::{
    CorrectionRow, DrawRow, EntryDetail, GradeRow, MarkedVetoRow, NewDraw, NewGrade, NewResolution, PracticalRead,
    Resolution, RubricRow, RubricState, WebGrade,
};
pub use self::rooms::RoomsRead;
pub use self::serve::{ExaminerRow, ServeLock, ServeRead, WebIdentity, WebLogEntry};
pub use self::sessions::{
    CandidateRow, KeyChange, NewCandidate, NewSession, NewSheet, RawSheet, SessionRead, SessionRow, SheetRow,
    exam_order,
};
pub use self::settings::SettingsRead;
use crate::error::Error;

/// How many migrations [`MIGRATIONS`] has.
const MIGRATION_COUNT: usize = 11;

/// The schema, one migration per step; never edit a released step, add one.
pub static MIGRATIONS: LazyLock<Migrations<'static>> = LazyLock::new(|| {
    Migrations::new(vec![
        M::up(include_str!("migrations/001_bank.sql")),
        M::up(include_str!("migrations/002_papers.sql")),
        M::up(include_str!("migrations/003_sessions.sql")),
        M::up(include_str!("migrations/004_practical.sql")),
        M::up(include_str!("migrations/005_certificates.sql")),
        M::up(include_str!("migrations/006_calibration.sql")),
        M::up(include_str!("migrations/007_certificate_trust.sql")),
        M::up(include_str!("migrations/008_operations.sql")),
        M::up(include_str!("migrations/009_serve.sql")),
        M::up(include_str!("migrations/010_corrections.sql")),
        M::up(include_str!("migrations/011_exam.sql")),
    ])
});

/// `PRAGMA application_id` of every certify workspace: ASCII "CRTF" (0x43525446), so
/// `file` and other tools can tell the database apart from other programs' SQLite files.
pub const APPLICATION_ID: i32 = i32::from_be_bytes(*b"CRTF");

/// An open workspace database.
pub struct Db {
    conn: Connection,
    /// Shared by the connections of one [`Pool`]: held from before BEGIN IMMEDIATE until
    /// the transaction ends. `None` for a command's own connection.
    gate: Option<Arc<Mutex<()>>>,
}

/// Reads, shared by [`Db`] and [`Tx`].
pub trait Read {
    fn conn(&self) -> &Connection;
}

impl Read for Db {
    fn conn(&self) -> &Connection {
        &self.conn
    }
}

/// One write transaction (BEGIN IMMEDIATE). Dropping it without [`Tx::commit`] rolls back.
pub struct Tx<'a> {
    // Declared before the gate: a dropped Tx rolls back before the next writer goes in.
    tx: Transaction<'a>,
    _gate: Option<MutexGuard<'a, ()>>,
}

impl Read for Tx<'_> {
    fn conn(&self) -> &Connection {
        &self.tx
    }
}

impl Db {
    /// Opens the existing workspace at `path` and migrates it to the latest schema. A file
    /// that is not a certify workspace is refused and left exactly as it was.
    pub fn open(path: &Path) -> Result<Db, Error> {
        // No CREATE flag: a file that vanished since the caller looked is not made anew here.
        let conn =
            Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)
                .map_err(|e| cannot_open(path, "无法打开工作区数据库", e))?;
        // Only reads until the file is known to be ours: journal_mode=WAL rewrites the header.
        match identify(&conn) {
            Ok(Identity::Workspace) => {}
            Ok(Identity::OldWorkspace) => conn.pragma_update(None, "application_id", APPLICATION_ID)?,
            Ok(Identity::Foreign) => return Err(not_a_workspace(path, "是另一个程序的 SQLite 数据库")),
            Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == rusqlite::ErrorCode::NotADatabase => {
                return Err(not_a_workspace(path, "不是 SQLite 数据库文件"));
            }
            Err(e) => return Err(e.into()),
        }
        Db::setup(conn)
    }

    /// Makes a new workspace in `path`, an empty file (or none) that nothing else uses.
    pub fn create(path: &Path) -> Result<Db, Error> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| cannot_open(path, "无法新建工作区数据库", e))?;
        conn.pragma_update(None, "application_id", APPLICATION_ID)?;
        Db::setup(conn)
    }

    /// A private in-memory database with the full schema, for dry runs and tests.
    pub fn in_memory() -> Result<Db, Error> {
        let conn = Connection::open_in_memory()?;
        conn.pragma_update(None, "application_id", APPLICATION_ID)?;
        Db::setup(conn)
    }

    fn setup(mut conn: Connection) -> Result<Db, Error> {
        conn.busy_timeout(Duration::from_secs(30))?;
        // WAL lets readers go on while one command writes; NORMAL is durable in WAL mode
        // against application crashes, which is what an exam office's laptop needs.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        if MIGRATIONS.pending_migrations(&conn)? > 0 {
            MIGRATIONS.to_latest(&mut conn)?;
        }
        Ok(Db { conn, gate: None })
    }

    /// Starts the one write transaction of a command. A pooled connection first waits
    /// its turn at the pool's gate (a panic in another writer leaves nothing to repair:
    /// its transaction was rolled back when dropped, so the poisoned gate is used as is).
    pub fn transaction(&mut self) -> Result<Tx<'_>, Error> {
        let gate = self.gate.as_deref().map(|gate| gate.lock().unwrap_or_else(PoisonError::into_inner));
        Ok(Tx { tx: self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?, _gate: gate })
    }

    /// Whether no transaction is open, so the connection can serve someone else.
    fn is_idle(&self) -> bool {
        self.conn.is_autocommit()
    }
}

/// SQLite says only "unable to open"; a folder given as --db is the usual cause.
fn cannot_open(path: &Path, action: &str, e: rusqlite::Error) -> Error {
    if path.is_dir() {
        crate::error::io_error(path, action, &std::io::ErrorKind::IsADirectory.into())
    } else {
        Error::user(format!("{}: {action}（{e}）", path.display()))
    }
}

/// What a SQLite file is, judged by reading only.
#[derive(Debug, PartialEq, Eq)]
enum Identity {
    Workspace,
    /// Made before [`APPLICATION_ID`] existed: id 0, but migrated and with a bank.
    OldWorkspace,
    Foreign,
}

fn identify(conn: &Connection) -> rusqlite::Result<Identity> {
    let id: i32 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
    if id == APPLICATION_ID {
        return Ok(Identity::Workspace);
    }
    if id != 0 {
        return Ok(Identity::Foreign);
    }
    // Workspaces made before the id existed hold every table their version created.
    // Anything else (another program's file that happens to have an `items` table and a
    // user_version) is foreign and left alone.
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if !(1..=MIGRATION_COUNT as i64).contains(&version) {
        return Ok(Identity::Foreign);
    }
    let mut statement = conn.prepare("SELECT name FROM sqlite_master WHERE type = 'table'")?;
    let tables: std::collections::HashSet<String> =
        statement.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    let known = (version as usize).min(OLD_WORKSPACE_VERSIONS.len());
    let expected = OLD_WORKSPACE_VERSIONS[..known].iter().flat_map(|names| names.iter());
    Ok(if expected.into_iter().all(|name| tables.contains(*name)) { Identity::OldWorkspace } else { Identity::Foreign })
}

/// The tables each migration before [`APPLICATION_ID`] existed created, in order.
const OLD_WORKSPACE_VERSIONS: [&[&str]; 6] = [
    &["settings", "items", "item_versions"],
    &["blueprints", "builds", "papers", "paper_items"],
    &["sessions", "candidates", "session_papers", "sheets", "key_changes"],
    &["rubrics", "rubric_versions", "draws", "grade_entries", "grade_resolutions"],
    &["certificates"],
    &[],
];

fn not_a_workspace(path: &Path, what: &str) -> Error {
    Error::user(format!(
        "{} 不是 certify 工作区（{what}），没有对它做任何改动。请用 --db 指向正确的文件，或用 certify init 新建",
        path.display()
    ))
}

impl Tx<'_> {
    pub fn commit(self) -> Result<(), Error> {
        Ok(self.tx.commit()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        MIGRATIONS.validate().expect("migrations validate");
        let db = Db::in_memory().unwrap();
        let version: i64 = db.conn().query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(version, MIGRATION_COUNT as i64, "MIGRATION_COUNT names every migration");
    }

    #[test]
    fn open_sets_wal_and_foreign_keys() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::create(&dir.path().join("w.db")).unwrap();
        let mode: String = db.conn().query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
        let fk: i64 = db.conn().query_row("PRAGMA foreign_keys", [], |r| r.get(0)).unwrap();
        assert_eq!(mode, "wal");
        assert_eq!(fk, 1);
    }
}
