//! Practical grading at scale, against the targets of the practical issue: importing
//! 300,000 grade rows (10,000 candidates × 2 tasks × 3 examiners × 5 steps) in at most
//! 5 s, and `grade status` on that session in under 1 s.
//!
//! The bench builds a real workspace with the release binary (four 5-step rubrics, a
//! session of 10,000 fictional candidates, the draw), writes the grade file, then times
//! the commands. Run with `cargo bench --bench grade`; exits non-zero on a miss.

mod common;

use std::time::Duration;

use common::{certify, fictional_id, rubric};

const CANDIDATES: usize = 10_000;
const EXAMINERS: [&str; 3] = ["甲", "乙", "丙"];

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("grade.db");
    let path = |name: &str| dir.path().join(name).to_str().expect("UTF-8").to_owned();
    certify(&db, &["init", "--empty"]);
    for (id, category) in [("B-C1", "护理"), ("B-C2", "护理"), ("B-E1", "学前"), ("B-E2", "学前")] {
        std::fs::write(dir.path().join(format!("{id}.toml")), rubric(id, category)).expect("rubric");
    }
    let rubric_files: Vec<String> =
        ["B-C1", "B-C2", "B-E1", "B-E2"].iter().map(|id| path(&format!("{id}.toml"))).collect();
    let mut args = vec!["rubric", "import"];
    args.extend(rubric_files.iter().map(String::as_str));
    certify(&db, &args);
    std::fs::write(
        dir.path().join("plan.toml"),
        "examiners_min = 3\ndiscrepancy = 10\n[[draw]]\ncategory = \"护理\"\nweight = 50\n[[draw]]\ncategory = \"学前\"\nweight = 50\n",
    )
    .expect("plan");
    certify(
        &db,
        &[
            "session",
            "create",
            "--id",
            "G",
            "--level",
            "四级",
            "--date",
            "2026-12-05",
            "--practical",
            &path("plan.toml"),
        ],
    );
    let mut csv = String::from("准考证号,姓名,身份证号\n");
    for i in 0..CANDIDATES {
        csv.push_str(&format!("G{i:06},考生{i},{}\n", fictional_id(i)));
    }
    std::fs::write(dir.path().join("c.csv"), csv).expect("candidates");
    certify(&db, &["candidates", "import", "--session", "G", &path("c.csv")]);
    certify(&db, &["practical", "draw", "--session", "G", "--seed", "1"]);
    let (_, shown) = certify(&db, &["--json", "practical", "show", "--session", "G"]);
    let shown: serde_json::Value = serde_json::from_slice(&shown).expect("draws JSON");

    let steps = ["1.1", "2.1", "2.2", "3.1", "4.1"];
    let maxima = [20.0, 30.0, 30.0, 10.0, 10.0];
    let mut rows = String::from("准考证号,任务,考评员,步骤,得分\n");
    let mut count = 0;
    for (i, d) in shown["draws"].as_array().expect("draws").iter().enumerate() {
        let exam_no = d["exam_no"].as_str().expect("exam_no");
        for task in d["tasks"].as_array().expect("tasks") {
            let task = task.as_str().expect("task");
            for (e, examiner) in EXAMINERS.iter().enumerate() {
                for (step, max) in steps.iter().zip(maxima) {
                    let points = (max - ((i + e) % 3) as f64).max(0.0);
                    rows.push_str(&format!("{exam_no},{task},{examiner},{step},{points}\n"));
                    count += 1;
                }
            }
        }
    }
    std::fs::write(dir.path().join("grades.csv"), rows).expect("grades");

    let (import, _) = certify(&db, &["grade", "import", "--session", "G", &path("grades.csv")]);
    let status_json: Vec<Duration> =
        (0..5).map(|_| certify(&db, &["--json", "grade", "status", "--session", "G"]).0).collect();
    let status_table: Vec<Duration> = (0..5).map(|_| certify(&db, &["grade", "status", "--session", "G"]).0).collect();
    let (agreement, _) = certify(&db, &["grade", "status", "--session", "G", "--agreement"]);
    let median = |mut v: Vec<Duration>| {
        v.sort();
        v[v.len() / 2].as_secs_f64()
    };
    let mut ok = true;
    let mut report = |name: &str, seconds: f64, target: f64| {
        let met = seconds <= target;
        ok &= met;
        println!("{name:<48} {seconds:>7.3} s  target ≤ {target} s  {}", if met { "ok" } else { "MISSED" });
    };
    report(&format!("grade import: {count} rows"), import.as_secs_f64(), 5.0);
    report("grade status --json (median of 5)", median(status_json), 1.0);
    report("grade status, table (median of 5)", median(status_table), 1.0);
    println!("{:<48} {:>7.3} s  (for the record)", "grade status --agreement", agreement.as_secs_f64());
    if !ok {
        std::process::exit(1);
    }
}
