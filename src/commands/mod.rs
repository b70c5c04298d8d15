//! Command dispatch: one file per command group, each parsing nothing (clap did), calling
//! the domain modules and the database, and printing through [`Output`].
//!
//! Guarantees: the workspace is opened once per command. Commands that write open it
//! with [`Context::workspace`], which creates it (with the bundled bank) when it does not
//! exist and says so on stderr; commands that only read use [`Context::existing`], which
//! refuses a missing file, so a mistyped `--db` never leaves a new workspace behind.

mod analyze;
mod appeal;
mod bank;
mod blueprint;
pub mod candidates;
mod certificates;
mod documents;
pub mod exam;
mod examiners;
mod init;
mod keys;
mod paper;
pub mod practical;
mod results;
mod retake;
mod score;
mod score_sheets;
mod serve;
pub mod session;
mod simulate;

use std::path::PathBuf;

use crate::cli::{Cli, Command};
use crate::db::Db;
use crate::error::Error;
use crate::output::{Output, note};

/// What every command gets: where the workspace is and how to print.
pub struct Context {
    pub db_path: PathBuf,
    pub out: Output,
}

impl Context {
    /// Opens the workspace, creating it as `certify init` would when it is missing.
    pub fn workspace(&self) -> Result<Db, Error> {
        if self.db_path.exists() {
            return Db::open(&self.db_path);
        }
        let (db, report) = init::create_workspace(&self.db_path, true)?;
        note(format!("未找到工作区，已新建 {} 并载入内置题库（{} 题）。", self.db_path.display(), report.added));
        Ok(db)
    }

    /// Opens the workspace for a command that only reads: a missing file is an error
    /// (most likely a mistyped `--db`), not a reason to make one.
    pub fn existing(&self) -> Result<Db, Error> {
        self.existing_workspace()?.ok_or_else(|| {
            Error::user(format!("找不到工作区 {}：请检查 --db 路径，或先运行 certify init", self.db_path.display()))
        })
    }

    /// Opens the workspace if it exists; `None` otherwise (for commands that only read).
    pub fn existing_workspace(&self) -> Result<Option<Db>, Error> {
        if self.db_path.exists() { Db::open(&self.db_path).map(Some) } else { Ok(None) }
    }
}

/// Runs one parsed command line.
pub fn run(cli: Cli) -> Result<(), Error> {
    let context = Context { db_path: cli.db, out: Output { json: cli.json } };
    match cli.command {
        Command::Init(args) => init::init(&context, &args),
        Command::Config(command) => init::config(&context, &command),
        Command::Bank(command) => bank::run(&context, &command),
        Command::Blueprint(command) => blueprint::run(&context, &command),
        Command::BuildPaper(args) => paper::build(&context, &args),
        Command::Paper(command) => paper::run(&context, &command),
        Command::Session(command) => session::run(&context, &command),
        Command::Candidates(command) => candidates::run(&context, &command),
        Command::Score(command) => score::run(&context, &command),
        Command::Simulate(args) => simulate::run(&context, &args),
        Command::Rubric(command) => practical::rubric(&context, &command),
        Command::Practical(command) => practical::practical(&context, &command),
        Command::Grade(command) => practical::grade(&context, &command),
        Command::Appeal(command) => appeal::run(&context, &command),
        Command::Results { session, full_id } => results::results(&context, &session, full_id),
        Command::Keys(command) => keys::run(&context, &command),
        Command::Certificates(command) => certificates::run(&context, &command),
        Command::Verify(args) => certificates::verify(&context, &args),
        Command::Export(command) => results::export(&context, &command),
        Command::Analyze(args) => analyze::run(&context, &args),
        Command::Examiners(command) => examiners::run(&context, &command),
        Command::Serve(args) => serve::run(&context, &args),
    }
}
