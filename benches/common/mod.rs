//! Helpers shared by the benchmarks that drive the release binary.
#![allow(dead_code)]

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// A fictional ID number with a valid check character (area 990101 belongs to no
/// region), distinct for every `n` below 6,720,000.
pub fn fictional_id(n: usize) -> String {
    let day = 19800101 + (n % 28) as u32 + 100 * ((n / 28) % 12) as u32 + 10000 * ((n / 336) % 20) as u32;
    let first17 = format!("990101{day}{:03}", (n / 6720) % 1000);
    let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = first17.chars().zip(weights).map(|(c, w)| c.to_digit(10).unwrap() * w).sum();
    format!("{first17}{}", b"10X98765432"[(sum % 11) as usize] as char)
}

/// Runs the release binary on `db`; returns the wall time and stdout. Panics on failure.
pub fn certify(db: &Path, args: &[&str]) -> (Duration, Vec<u8>) {
    let start = Instant::now();
    let output =
        Command::new(env!("CARGO_BIN_EXE_certify")).arg("--db").arg(db).args(args).output().expect("run certify");
    let elapsed = start.elapsed();
    assert!(output.status.success(), "certify {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    (elapsed, output.stdout)
}

/// Like [`certify`], also reading the peak resident memory (KiB) through /usr/bin/time.
pub fn certify_measured(db: &Path, args: &[&str]) -> (Duration, Option<u64>) {
    let timer = Path::new("/usr/bin/time");
    if !timer.exists() {
        return (certify(db, args).0, None);
    }
    let start = Instant::now();
    let output = Command::new(timer)
        .args(["-f", "%M"])
        .arg(env!("CARGO_BIN_EXE_certify"))
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .expect("run certify");
    let elapsed = start.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "certify {args:?}: {stderr}");
    (elapsed, stderr.lines().last().and_then(|l| l.trim().parse().ok()))
}

pub fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

/// Prints one line of a benchmark report; returns whether the target was met.
pub fn verdict(name: &str, value: f64, target: f64, unit: &str) -> bool {
    let met = value <= target;
    println!("{name:<52} {value:>9.3} {unit:<3} target ≤ {target} {unit:<3} {}", if met { "ok" } else { "MISSED" });
    met
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
