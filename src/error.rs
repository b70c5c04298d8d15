//! The one error type of certify, and what each kind means for the exit code.
//!
//! Guarantees: every message is written for an exam office, in Chinese, and says what
//! to do; problems in input files carry `file:row:column`. Exit code 1 for anything the
//! user can fix (bad input, infeasible request, missing file); clap's own usage errors
//! exit 2 before we get here. A broken pipe (`certify bank list | head`) is not an error.
//! Operating-system errors are told in Chinese with the path ([`io_error`]); only kinds
//! an exam office rarely meets keep the system's English text, as a tail in parentheses.

use std::fmt;
use std::io;
use std::path::Path;

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
    #[error("{}", SqliteReason(.0))]
    Sqlite(#[from] rusqlite::Error),
    #[error("数据库结构升级失败：{0}")]
    Migration(#[from] rusqlite_migration::Error),
    /// An I/O failure with no path to name (writing to stdout, for one).
    #[error("读写出错：{}", IoReason(.0))]
    Io(#[from] io::Error),
}

/// `path: action：reason` for an I/O failure, the reason in Chinese with what to do.
/// `action` says what certify was doing, e.g. "无法读取文件".
pub fn io_error(path: &Path, action: &str, e: &io::Error) -> Error {
    let reason = match e.kind() {
        // Which part of the path is the file in the way: the deepest ancestor that exists.
        io::ErrorKind::NotADirectory => match path.ancestors().skip(1).find(|a| a.is_file()) {
            Some(file) => format!("路径中的 {} 是文件，不是文件夹；请检查路径", file.display()),
            None => IoReason(e).to_string(),
        },
        _ => IoReason(e).to_string(),
    };
    Error::User(format!("{}: {action}：{reason}", path.display()))
}

/// The Chinese for the I/O error kinds people meet, with what to do; `None` for the rest.
pub fn io_kind_text(kind: io::ErrorKind) -> Option<&'static str> {
    use io::ErrorKind::*;
    Some(match kind {
        NotFound => "找不到这个文件或文件夹；请检查路径是否写对",
        PermissionDenied => "没有权限；请检查文件或文件夹的权限，或换一个可以写入的位置",
        NotADirectory => "路径中有一段是文件，不是文件夹；请检查路径",
        IsADirectory => "这是一个文件夹，不是文件；请写出文件名",
        AlreadyExists => "已存在同名的文件或文件夹；请换一个名字，或先移走原有的",
        DirectoryNotEmpty => "文件夹不是空的",
        StorageFull | QuotaExceeded => "磁盘空间不足；请清理磁盘后重试，或换一个磁盘",
        ReadOnlyFilesystem => "所在的磁盘是只读的（如光盘或写保护的 U 盘）；请换一个可以写入的位置",
        _ => return None,
    })
}

/// What a database error means for the person who ran the command. Two commands writing
/// at once is the common case: the one that waited too long, or lost a race to the same
/// record, is told to run again (a rerun gives the ordinary, specific message).
struct SqliteReason<'a>(&'a rusqlite::Error);

impl fmt::Display for SqliteReason<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use rusqlite::ErrorCode::*;
        use rusqlite::ffi::{SQLITE_CONSTRAINT_PRIMARYKEY, SQLITE_CONSTRAINT_UNIQUE};
        let extended = match self.0 {
            rusqlite::Error::SqliteFailure(e, _) => e.extended_code,
            _ => 0,
        };
        match self.0.sqlite_error_code() {
            Some(DatabaseBusy | DatabaseLocked) => f.write_str(
                "工作区正被另一个命令写入，等了 30 秒仍未完成，本命令没有写入任何内容；请等另一个命令结束后重新运行本命令",
            ),
            Some(ConstraintViolation) if extended == SQLITE_CONSTRAINT_UNIQUE || extended == SQLITE_CONSTRAINT_PRIMARYKEY => write!(
                f,
                "另一个同时运行的命令刚写入了同样的记录，本命令没有写入任何内容；请重新运行本命令，它会说明具体情况（{}）",
                self.0
            ),
            _ => write!(f, "数据库出错：{}。如果反复出现，请备份工作区文件后联系技术支持", self.0),
        }
    }
}

/// An I/O error's reason: [`io_kind_text`], or the system's text for other kinds.
struct IoReason<'a>(&'a io::Error);

impl fmt::Display for IoReason<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match io_kind_text(self.0.kind()) {
            Some(text) => f.write_str(text),
            None => write!(f, "系统报告出错，请检查路径、权限和磁盘（{}）", self.0),
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lost_race_to_the_same_record_says_to_run_again_and_other_constraints_do_not() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (k TEXT UNIQUE, n INTEGER CHECK (n > 0)); INSERT INTO t VALUES ('a', 1);")
            .unwrap();
        let twice = Error::from(conn.execute("INSERT INTO t VALUES ('a', 2)", []).unwrap_err()).to_string();
        assert!(twice.contains("另一个同时运行的命令") && twice.contains("重新运行"), "{twice}");
        let check = Error::from(conn.execute("INSERT INTO t VALUES ('b', 0)", []).unwrap_err()).to_string();
        assert!(check.starts_with("数据库出错"), "{check}");
    }

    #[test]
    fn io_errors_are_told_in_chinese_with_the_path() {
        let e = io::Error::from(io::ErrorKind::NotFound);
        let text = io_error(Path::new("in/答卷.csv"), "无法读取文件", &e).to_string();
        assert_eq!(text, "in/答卷.csv: 无法读取文件：找不到这个文件或文件夹；请检查路径是否写对");
        assert!(Error::Io(io::Error::from(io::ErrorKind::StorageFull)).to_string().contains("磁盘空间不足"));
        // Kinds without a translation keep the system's text, as a tail.
        let other = Error::Io(io::Error::other("Stale file handle")).to_string();
        assert!(other.starts_with("读写出错：系统报告出错") && other.ends_with("（Stale file handle）"), "{other}");
    }

    #[test]
    fn a_file_in_the_way_of_a_folder_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("名单.txt");
        std::fs::write(&file, "").unwrap();
        let e = std::fs::create_dir_all(file.join("sub")).unwrap_err();
        let text = io_error(&file.join("sub/x.db"), "无法新建工作区", &e).to_string();
        assert!(text.contains(&format!("路径中的 {} 是文件，不是文件夹", file.display())), "{text}");
    }
}
