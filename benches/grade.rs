//! Practical grading at scale, against the targets of the practical issue: importing
//! 300,000 grade rows (10,000 candidates × 2 tasks × 3 examiners × 5 steps) in at most
//! 5 s, and `grade status` on that session in under 1 s.
//!
//! The bench builds a real workspace with the release binary (four 5-step rubrics, a
//! session of 10,000 fictional candidates, the draw), writes the grade file, then times
//! the commands. Run with `cargo bench --bench grade`; exits non-zero, with an error
//! naming them, when targets are missed (or with the failing step's error).

mod common;

use std::time::Duration;

use anyhow::Result;
use common::{Targets, certify, fictional_id, json_array, json_str, parse_json, rubric, temp_dir, utf8, write};

const CANDIDATES: usize = 10_000;
const EXAMINERS: [&str; 3] = ["甲", "乙", "丙"];

fn main() -> Result<()> {
    let dir = temp_dir()?;
    let db = dir.path().join("grade.db");
    let path = |name: &str| utf8(&dir.path().join(name)).map(str::to_owned);
    certify(&db, &["init", "--empty"])?;
    for (id, category) in [("B-C1", "护理"), ("B-C2", "护理"), ("B-E1", "学前"), ("B-E2", "学前")] {
        write(&dir.path().join(format!("{id}.toml")), rubric(id, category))?;
    }
    let rubric_files = ["B-C1", "B-C2", "B-E1", "B-E2"]
        .iter()
        .map(|id| path(&format!("{id}.toml")))
        .collect::<Result<Vec<String>>>()?;
    let mut args = vec!["rubric", "import"];
    args.extend(rubric_files.iter().map(String::as_str));
    certify(&db, &args)?;
    write(
        &dir.path().join("plan.toml"),
        "examiners_min = 3\ndiscrepancy = 10\n[[draw]]\ncategory = \"护理\"\nweight = 50\n[[draw]]\ncategory = \"学前\"\nweight = 50\n",
    )?;
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
            &path("plan.toml")?,
        ],
    )?;
    let mut csv = String::from("准考证号,姓名,身份证号\n");
    for i in 0..CANDIDATES {
        csv.push_str(&format!("G{i:06},考生{i},{}\n", fictional_id(i)));
    }
    write(&dir.path().join("c.csv"), csv)?;
    certify(&db, &["candidates", "import", "--session", "G", &path("c.csv")?])?;
    certify(&db, &["practical", "draw", "--session", "G", "--seed", "1"])?;
    let (_, shown) = certify(&db, &["--json", "practical", "show", "--session", "G"])?;
    let shown = parse_json(&shown, "practical show")?;

    let steps = ["1.1", "2.1", "2.2", "3.1", "4.1"];
    let maxima = [20.0, 30.0, 30.0, 10.0, 10.0];
    let mut rows = String::from("准考证号,任务,考评员,步骤,得分\n");
    let mut count = 0;
    for (i, d) in json_array(&shown["draws"], "draws")?.iter().enumerate() {
        let exam_no = json_str(&d["exam_no"], "draws[].exam_no")?;
        for task in json_array(&d["tasks"], "draws[].tasks")? {
            let task = json_str(task, "draws[].tasks[]")?;
            for (e, examiner) in EXAMINERS.iter().enumerate() {
                for (step, max) in steps.iter().zip(maxima) {
                    let points = (max - ((i + e) % 3) as f64).max(0.0);
                    rows.push_str(&format!("{exam_no},{task},{examiner},{step},{points}\n"));
                    count += 1;
                }
            }
        }
    }
    write(&dir.path().join("grades.csv"), rows)?;

    let (import, _) = certify(&db, &["grade", "import", "--session", "G", &path("grades.csv")?])?;
    let status_json = (0..5)
        .map(|_| Ok(certify(&db, &["--json", "grade", "status", "--session", "G"])?.0))
        .collect::<Result<Vec<Duration>>>()?;
    let status_table = (0..5)
        .map(|_| Ok(certify(&db, &["grade", "status", "--session", "G"])?.0))
        .collect::<Result<Vec<Duration>>>()?;
    let (agreement, _) = certify(&db, &["grade", "status", "--session", "G", "--agreement"])?;
    let mut targets = Targets::default();
    let mut report = |name: &str, seconds: f64, target: f64| {
        let verdict = targets.check(name, seconds <= target);
        println!("{name:<48} {seconds:>7.3} s  target ≤ {target} s  {verdict}");
    };
    report(&format!("grade import: {count} rows"), import.as_secs_f64(), 5.0);
    report("grade status --json (median of 5)", common::median(status_json).as_secs_f64(), 1.0);
    report("grade status, table (median of 5)", common::median(status_table).as_secs_f64(), 1.0);
    println!("{:<48} {:>7.3} s  (for the record)", "grade status --agreement", agreement.as_secs_f64());
    targets.finish()
}
