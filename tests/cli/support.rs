//! A small builder so tests read like specifications:
//! `ws.certify(["bank", "stats"]).json()`.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use std::process::Command;
use tempfile::TempDir;

/// A temporary folder holding one workspace (`certify.db`) and input files.
pub struct Workspace {
    dir: TempDir,
}

/// What a finished run printed.
pub struct Finished {
    pub stdout: String,
    pub stderr: String,
}

impl Finished {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
}

impl Workspace {
    /// An empty folder: no workspace yet.
    pub fn new() -> Workspace {
        Workspace { dir: tempfile::tempdir().expect("temp dir") }
    }

    /// A workspace with nothing in its bank.
    pub fn empty() -> Workspace {
        let ws = Workspace::new();
        ws.ok(["init", "--empty"]);
        ws
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn db(&self) -> PathBuf {
        self.path("certify.db")
    }

    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&path, contents).unwrap();
        path
    }

    /// The command, run in the folder with `--db certify.db`; no user environment leaks in.
    pub fn command<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut command = Command::new(env!("CARGO_BIN_EXE_certify"));
        command.current_dir(self.dir.path()).env_remove("CERTIFY_DB").arg("--db").arg(self.db()).args(args);
        command.stdin(std::process::Stdio::null());
        command
    }

    /// Starts every command line at once, then waits for all: writers racing for the
    /// workspace, as at an exam office with several terminals.
    pub fn at_once<I, A, S>(&self, runs: I) -> Vec<std::process::Output>
    where
        I: IntoIterator<Item = A>,
        A: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let children: Vec<_> = runs
            .into_iter()
            .map(|args| {
                let mut command = self.command(args);
                command.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
                command.spawn().expect("spawns")
            })
            .collect();
        children.into_iter().map(|c| c.wait_with_output().expect("finishes")).collect()
    }

    /// Runs and expects exit code 0.
    pub fn ok<I, S>(&self, args: I) -> Finished
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.run(args, 0)
    }

    /// Runs and expects exit code 1 (a user error).
    pub fn fails<I, S>(&self, args: I) -> Finished
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.run(args, 1)
    }

    /// Runs with `--json` and expects success; returns the parsed document.
    pub fn json<I, S>(&self, args: I) -> serde_json::Value
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut all: Vec<std::ffi::OsString> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
        all.push("--json".into());
        self.ok(all).json()
    }

    /// Runs and expects exit code `code` (2 for a usage error).
    pub fn run_code<I, S>(&self, args: I, code: i32) -> Finished
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.run(args, code)
    }

    fn run<I, S>(&self, args: I, code: i32) -> Finished
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let output = self.command(args).output().expect("runs");
        let finished = Finished {
            stdout: String::from_utf8(output.stdout).expect("UTF-8 stdout"),
            stderr: String::from_utf8(output.stderr).expect("UTF-8 stderr"),
        };
        assert_eq!(
            output.status.code(),
            Some(code),
            "unexpected exit code\n--- stdout\n{}\n--- stderr\n{}",
            finished.stdout,
            finished.stderr
        );
        finished
    }
}

/// SHA-256 of a file, to prove a failed command left it byte-identical.
pub fn file_hash(path: &Path) -> String {
    let bytes = std::fs::read(path).expect("file exists");
    Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// A small valid bank in TOML: three items, one of each kind.
pub const SMALL_TOML: &str = r#"
[[item]]
id = "T-0001"
domain = "feeding"
kind = "single"
levels = ["五级", "初级"]
difficulty = "easy"
stem = "测试题：婴儿开始添加辅食的适宜月龄是（  ）。"
options = ["满4月龄", "满6月龄", "满8月龄", "满12月龄"]
answer = "B"
explanation = "满6月龄起添加辅食。"
tags = ["辅食添加"]
source = "《7～24月龄婴幼儿喂养指南》"

[[item]]
id = "T-0002"
domain = "安全防护"
kind = "判断"
levels = ["五级"]
difficulty = "中"
stem = "测试题：清醒的1岁以内婴儿气道异物梗阻时，可用手指伸入口中盲目掏取异物。"
answer = "错"
explanation = "盲目掏取可能把异物推得更深。"
source = "《托育机构婴幼儿伤害预防指南（试行）》"

[[item]]
id = "T-0003"
domain = "hygiene"
kind = "multiple"
levels = ["四级", "中级"]
difficulty = "hard"
stem = "测试题：下列时机中，保育师必须洗手的有（  ）。"
options = ["准备食物前", "给婴儿喂奶前", "更换尿布后", "看完书后"]
answer = "ABC"
enemies = ["T-0001"]
"#;

/// A fictional but valid ID number (area 990101, which no region has), different per `n`.
pub fn valid_id(n: usize) -> String {
    let first17 = format!("990101{}{:03}", 19800101 + (n % 28) as u32 + 100 * ((n / 28) % 12) as u32, n % 1000);
    let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = first17.chars().zip(weights).map(|(c, w)| c.to_digit(10).unwrap() * w).sum();
    format!("{first17}{}", b"10X98765432"[(sum % 11) as usize] as char)
}

/// Whether headless Chromium and pdftotext are installed, for the PDF tests. CI installs
/// them, so there their absence fails the test; elsewhere the test is skipped with a note.
pub fn pdf_tools_present() -> bool {
    let have = |tool: &str| {
        std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("command -v {tool}"))
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let present = (have("chromium-headless-shell") || have("chromium")) && have("pdftotext");
    if !present {
        assert!(std::env::var_os("CI").is_none(), "CI must install chromium-headless-shell and poppler-utils");
        eprintln!("skipped: no Chromium or pdftotext here");
    }
    present
}

/// The value of `key` in a signed `key=value` payload.
pub fn payload_value(payload: &str, key: &str) -> String {
    payload.lines().find_map(|l| l.strip_prefix(key)?.strip_prefix('=')).unwrap_or_default().to_owned()
}
