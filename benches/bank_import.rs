//! Bank import and stats at scale, timed end to end on the release binary (what an exam
//! office waits for), against the targets of the bank issue:
//!
//! - importing a generated 50,000-item CSV into an empty workspace: at most 3 s;
//! - re-importing it unchanged: at most 2 s;
//! - `bank stats` on it: under 100 ms.
//!
//! Run with `cargo bench --bench bank_import`. Prints each run, the median, the target
//! and a verdict; exits non-zero when a target is missed. `BENCH_ITEMS` changes the size.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

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

/// A bank of `n` distinct, valid items in the CSV layout exam offices use.
fn generate_csv(n: usize) -> String {
    let mut csv = String::from("编号,领域,题型,等级,难度,题干,选项A,选项B,选项C,选项D,答案,解析,标签,出处\n");
    for i in 0..n {
        let domain = DOMAINS[i % DOMAINS.len()];
        let topic = TOPICS[(i / 8) % TOPICS.len()];
        let band = ["易", "中", "中", "难"][i % 4];
        let levels = ["五级、四级、三级、初级、中级、高级", "四级、三级、中级、高级", "三级、高级"][i % 3];
        let (kind, options, answer) = match i % 5 {
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

fn certify(db: &Path, args: &[&str]) -> Duration {
    let start = Instant::now();
    let output =
        Command::new(env!("CARGO_BIN_EXE_certify")).arg("--db").arg(db).args(args).output().expect("run certify");
    let elapsed = start.elapsed();
    assert!(output.status.success(), "certify {args:?} failed:\n{}", String::from_utf8_lossy(&output.stderr));
    elapsed
}

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

fn report(name: &str, runs: Vec<Duration>, target: Duration) -> bool {
    let shown: Vec<String> = runs.iter().map(|d| format!("{:.3}", d.as_secs_f64())).collect();
    let median = median(runs);
    let ok = median <= target;
    println!(
        "{name:<38} median {:>8.3} s  target {:>6.3} s  {}  runs [{}]",
        median.as_secs_f64(),
        target.as_secs_f64(),
        if ok { "ok" } else { "MISSED" },
        shown.join(", ")
    );
    ok
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing: either way, run.
    let n: usize = std::env::var("BENCH_ITEMS").ok().and_then(|v| v.parse().ok()).unwrap_or(50_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let csv = dir.path().join("bank.csv");
    std::fs::write(&csv, generate_csv(n)).expect("write csv");
    let csv_arg = csv.to_str().expect("UTF-8 path");
    println!(
        "bank import benchmark: {n} items, CSV {:.1} MiB, release binary {}",
        std::fs::metadata(&csv).unwrap().len() as f64 / 1048576.0,
        env!("CARGO_BIN_EXE_certify")
    );

    let mut first = Vec::new();
    let mut again = Vec::new();
    let mut stats = Vec::new();
    for run in 0..3 {
        let db = dir.path().join(format!("run{run}.db"));
        certify(&db, &["init", "--empty"]);
        first.push(certify(&db, &["bank", "import", csv_arg]));
        again.push(certify(&db, &["bank", "import", csv_arg]));
        for _ in 0..5 {
            stats.push(certify(&db, &["bank", "stats"]));
        }
        if run == 0 {
            let size = std::fs::metadata(&db).unwrap().len();
            println!("workspace size after import: {:.1} MiB", size as f64 / 1048576.0);
        }
    }
    let mut ok = report("import into empty workspace", first, Duration::from_secs(3));
    ok &= report("re-import unchanged", again, Duration::from_secs(2));
    ok &= report("bank stats (whole process)", stats, Duration::from_millis(100));
    if !ok {
        std::process::exit(1);
    }
}
