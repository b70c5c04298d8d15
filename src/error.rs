//! The one error type of certify, and what each kind means for the exit code.
//!
//! Guarantees: every message is written for an exam office, in Chinese, and says what
//! to do; problems in input files carry `file:row:column`. Exit code 1 for anything the
//! user can fix (bad input, infeasible request, missing file); clap's own usage errors
//! exit 2 before we get here. A broken pipe (`certify bank list | head`) is not an error.

use std::fmt;
use std::io;

use crate::problem::Problem;

/// How many problems are listed before the rest are only counted.
pub const PROBLEM_CAP: usize = 100;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A message for the user, complete as it is.
    #[error("{0}")]
    User(String),
    /// Input with problems: nothing was written.
    #[error("{}", ProblemList(.0))]
    Invalid(Vec<Problem>),
    /// The result was printed (e.g. an infeasible blueprint's shortages); exit 1.
    #[error("{0}")]
    Reported(String),
    #[error("数据库出错：{0}。如果反复出现，请备份工作区文件后联系技术支持")]
    Sqlite(#[from] rusqlite::Error),
    #[error("数据库结构升级失败：{0}")]
    Migration(#[from] rusqlite_migration::Error),
    #[error("{0}")]
    Io(#[from] io::Error),
}

impl Error {
    pub fn user(message: impl Into<String>) -> Error {
        Error::User(message.into())
    }

    /// The process exit code for this error.
    pub fn exit_code(&self) -> i32 {
        1
    }

    /// Output closed by the reader (`| head`): stop quietly, successfully.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Io(e) if e.kind() == io::ErrorKind::BrokenPipe)
    }
}

struct ProblemList<'a>(&'a [Problem]);

impl fmt::Display for ProblemList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "发现 {} 处错误，没有写入任何内容。请改正后重新运行：", self.0.len())?;
        for problem in self.0.iter().take(PROBLEM_CAP) {
            writeln!(f, "  {problem}")?;
        }
        if self.0.len() > PROBLEM_CAP {
            writeln!(f, "  ……另有 {} 处错误未列出", self.0.len() - PROBLEM_CAP)?;
        }
        Ok(())
    }
}
