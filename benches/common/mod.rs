//! Helpers shared by the benchmarks that drive the release binary. They fail with
//! `anyhow` errors that say what was being done, for the benches to pass on with `?`.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// A fictional ID number with a valid check character (area 990101 belongs to no
/// region), distinct for every `n` below 6,720,000.
pub fn fictional_id(n: usize) -> String {
    let day = 19800101 + (n % 28) as u32 + 100 * ((n / 28) % 12) as u32 + 10000 * ((n / 336) % 20) as u32;
    let first17 = format!("990101{day}{:03}", (n / 6720) % 1000);
    let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = first17.bytes().zip(weights).map(|(digit, w)| u32::from(digit - b'0') * w).sum();
    format!("{first17}{}", b"10X98765432"[(sum % 11) as usize] as char)
}

/// Runs the release binary on `db`; returns the wall time and stdout. Fails, with the
/// binary's stderr, when it cannot be started or exits non-zero.
pub fn certify(db: &Path, args: &[&str]) -> Result<(Duration, Vec<u8>)> {
    let start = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_certify")).arg("--db").arg(db).args(args).output();
    let elapsed = start.elapsed();
    let output = succeeded(output, args)?;
    Ok((elapsed, output.stdout))
}

/// Like [`certify`], also reading the peak resident memory (KiB) through /usr/bin/time.
pub fn certify_measured(db: &Path, args: &[&str]) -> Result<(Duration, Option<u64>)> {
    let timer = Path::new("/usr/bin/time");
    if !timer.exists() {
        return Ok((certify(db, args)?.0, None));
    }
    let start = Instant::now();
    let output = Command::new(timer)
        .args(["-f", "%M"])
        .arg(env!("CARGO_BIN_EXE_certify"))
        .arg("--db")
        .arg(db)
        .args(args)
        .output();
    let elapsed = start.elapsed();
    let output = succeeded(output, args)?;
    let peak = String::from_utf8_lossy(&output.stderr).lines().last().and_then(|l| l.trim().parse().ok());
    Ok((elapsed, peak))
}

/// The output of `certify args`, or an error when it did not start or exited non-zero.
fn succeeded(output: std::io::Result<Output>, args: &[&str]) -> Result<Output> {
    let output = output.with_context(|| format!("starting certify {args:?}"))?;
    if !output.status.success() {
        bail!("certify {args:?} failed ({}): {}", output.status, String::from_utf8_lossy(&output.stderr).trim_end());
    }
    Ok(output)
}

/// A temporary directory for one benchmark's workspace and files, removed on drop.
pub fn temp_dir() -> Result<tempfile::TempDir> {
    tempfile::tempdir().context("creating a temporary directory")
}

/// `path` as a command-line argument.
pub fn utf8(path: &Path) -> Result<&str> {
    path.to_str().with_context(|| format!("path {} is not valid UTF-8", path.display()))
}

/// Writes a generated input file.
pub fn write(path: &Path, contents: impl AsRef<[u8]>) -> Result<()> {
    std::fs::write(path, contents).with_context(|| format!("writing {}", path.display()))
}

/// The size of a file in bytes.
pub fn file_size(path: &Path) -> Result<u64> {
    Ok(std::fs::metadata(path).with_context(|| format!("reading the size of {}", path.display()))?.len())
}

/// Parses the `--json` output of a certify command; `what` names it in the error.
pub fn parse_json(stdout: &[u8], what: &str) -> Result<serde_json::Value> {
    serde_json::from_slice(stdout).with_context(|| format!("parsing the JSON output of {what}"))
}

/// A string in certify's JSON output; `what` names the field in the error.
pub fn json_str<'a>(value: &'a serde_json::Value, what: &str) -> Result<&'a str> {
    value.as_str().with_context(|| format!("{what} is missing or not a string in certify's JSON output"))
}

/// An array in certify's JSON output; `what` names the field in the error.
pub fn json_array<'a>(value: &'a serde_json::Value, what: &str) -> Result<&'a [serde_json::Value]> {
    value
        .as_array()
        .map(Vec::as_slice)
        .with_context(|| format!("{what} is missing or not an array in certify's JSON output"))
}

pub fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

/// The targets a benchmark checks, remembering the missed ones so that `main` can end
/// with an error naming them (exit status 1).
#[derive(Default)]
pub struct Targets {
    missed: Vec<String>,
}

impl Targets {
    /// Records whether the target `name` was met; returns the verdict for the report line.
    pub fn check(&mut self, name: &str, met: bool) -> &'static str {
        if met {
            "ok"
        } else {
            self.missed.push(name.trim().to_owned());
            "MISSED"
        }
    }

    /// Prints one line of a benchmark report and records its verdict.
    pub fn verdict(&mut self, name: &str, value: f64, target: f64, unit: &str) {
        let verdict = self.check(name, value <= target);
        println!("{name:<52} {value:>9.3} {unit:<3} target ≤ {target} {unit:<3} {verdict}");
    }

    /// Ok when every target was met, otherwise an error listing the missed ones.
    pub fn finish(self) -> Result<()> {
        if self.missed.is_empty() {
            return Ok(());
        }
        bail!("{} target(s) missed: {}", self.missed.len(), self.missed.join("; "))
    }
}

const DOMAINS: [&str; 8] =
    ["职业道德", "政策法规", "营养喂养", "生活照料", "卫生保健", "安全防护", "早期发展", "合作共育"];
const TOPICS: [&str; 10] = [
    "辅食添加",
    "午睡照护",
    "七步洗手",
    "晨午检",
    "气道异物",
    "烫伤处理",
    "亲子阅读",
    "入托适应",
    "生长监测",
    "玩具消毒",
];

/// A bank of `n` distinct, valid items in the CSV layout exam offices use. Domain, kind,
/// difficulty and levels cycle independently (periods 8, 5, 4 and 3 of successive
/// quotients), so every blueprint cell is filled once `n` reaches a few hundred.
pub fn generate_csv(n: usize) -> String {
    let mut csv = String::from("编号,领域,题型,等级,难度,题干,选项A,选项B,选项C,选项D,答案,解析,标签,出处\n");
    for i in 0..n {
        let domain = DOMAINS[i % DOMAINS.len()];
        let topic = TOPICS[(i / 8) % TOPICS.len()];
        let band = ["易", "中", "中", "难"][(i / 40) % 4];
        let levels = ["五级、四级、三级、初级、中级、高级", "四级、三级、中级、高级", "三级、高级"][(i / 160) % 3];
        let (kind, options, answer) = match (i / 8) % 5 {
            0 => ("判断", ",,,", if i % 2 == 0 { "对" } else { "错" }),
            1 | 2 => ("单选", "做法甲,做法乙,做法丙,做法丁", ["A", "B", "C", "D"][i % 4]),
            _ => ("多选", "要点甲,要点乙,要点丙,要点丁", ["AB", "ACD", "BCD", "ABCD"][i % 4]),
        };
        let stem = if kind == "判断" {
            format!("第{i}号生成题：关于{topic}的这一说法是正确的。")
        } else {
            format!("第{i}号生成题：关于{topic}，下列做法中恰当的是（  ）。")
        };
        csv.push_str(&format!(
            "GEN-{i:06},{domain},{kind},{levels},{band},{stem},{options},{answer},用于性能测试的生成题。,{topic},《托育机构保育指导大纲（试行）》\n"
        ));
    }
    csv
}

/// A 5-step rubric: one step per section, two in 操作过程.
pub fn rubric(id: &str, category: &str) -> String {
    let sections: [(&str, &[(&str, f64)]); 4] = [
        ("操作准备", &[("1.1", 20.0)]),
        ("操作过程", &[("2.1", 30.0), ("2.2", 30.0)]),
        ("整理与记录", &[("3.1", 10.0)]),
        ("职业素养与人文关怀", &[("4.1", 10.0)]),
    ];
    let mut text =
        format!("id = \"{id}\"\ntitle = \"基准任务 {id}\"\ncategory = \"{category}\"\nlevels = [\"四级\"]\n");
    for (name, steps) in sections {
        text.push_str(&format!("\n[[section]]\nname = \"{name}\"\n"));
        for (step, points) in steps {
            text.push_str(&format!(
                "[[section.step]]\nid = \"{step}\"\ntext = \"步骤\"\npoints = {points}\nrule = \"未做不得分\"\n"
            ));
        }
    }
    text.push_str("\n[[veto]]\nid = \"V1\"\ntext = \"危及安全\"\n");
    text
}
