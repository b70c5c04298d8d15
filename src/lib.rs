//! certify: the whole cycle of a childcare caregiver certification exam (保育师 and the
//! 1+X 幼儿照护 certificate), offline, in one SQLite file.
//!
//! Layout: `cli` defines the command line; `commands` runs it, one file per command
//! group; `server` is the HTTP layer of `certify serve`, one file per role, as thin as the
//! commands; `db` holds all SQL; `import` reads user files behind one trait; the rest are
//! pure domain modules with no I/O.

pub mod access;
pub mod analysis;
pub mod answer;
pub mod assemble;
pub mod bank;
pub mod blueprint;
pub mod bundled;
pub mod certificate;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod db;
pub mod error;
pub mod exam;
pub mod idcard;
pub mod import;
pub mod lint;
pub mod operations;
pub mod output;
pub mod practical;
pub mod problem;
pub mod rehearsal;
pub mod render;
pub mod results;
pub mod rng;
pub mod roster;
pub mod rubric;
pub mod scoring;
pub mod seating;
pub mod server;
pub mod settings;
pub mod spreadsheet;
pub mod vocabulary;

pub use error::Error;

/// Parses `args` (the first being the program name) and runs the command: the whole
/// binary but for printing its error. Help, the version and usage errors are printed
/// here, in Chinese, and end the process (exit 0, or 2 for a usage error).
pub fn run_with_args<I, T>(args: I) -> Result<(), Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = cli::parse_from(args).unwrap_or_else(|usage| usage.exit());
    commands::run(cli)
}
