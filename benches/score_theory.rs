//! Theory scoring and item analysis at scale, against the targets of the sessions issue
//! (scoring 100,000 response sheets of 100 items from one CSV in at most 5 s, with peak
//! memory under 200 MB: the file is streamed row by row) and of the analysis issue
//! (analysing those 100,000 sheets × 100 items in at most 2 s).
//!
//! The bench builds a real workspace with the release binary: a 100-item paper pair
//! from the bundled bank, a session of 100,000 fictional candidates, rehearsal answers
//! from `certify simulate`, then times `certify score theory` and reads its peak
//! resident memory through `/usr/bin/time`. Setup steps are timed for the record.
//! Run with `cargo bench --bench score_theory`; exits non-zero when a target is missed.

mod common;

use std::process::Command;

use common::{certify_measured as certify, fictional_id};

const BLUEPRINT: &str = include_str!("blueprint-100.toml");

fn main() {
    let n: usize = std::env::var("BENCH_SHEETS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("bench.db");
    let path = |name: &str| dir.path().join(name).to_str().expect("UTF-8").to_owned();

    certify(&db, &["init"]);
    std::fs::write(dir.path().join("bp.toml"), BLUEPRINT).expect("blueprint");
    let built = Command::new(env!("CARGO_BIN_EXE_certify"))
        .arg("--db")
        .arg(&db)
        .args(["build-paper", "--blueprint", &path("bp.toml"), "--forms", "2", "--seed", "1", "--json"])
        .output()
        .expect("build");
    let built: serde_json::Value = serde_json::from_slice(&built.stdout).expect("build-paper JSON");
    let papers: Vec<String> =
        built["papers"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap().to_owned()).collect();
    certify(&db, &["session", "create", "--id", "BENCH", "--level", "四级", "--date", "2026-12-05"]);

    let mut csv = String::from("准考证号,姓名,身份证号,培训机构\n");
    for i in 0..n {
        csv.push_str(&format!("B{i:07},考生{i},{},培训学校{}\n", fictional_id(i), i % 17));
    }
    std::fs::write(dir.path().join("candidates.csv"), csv).expect("candidates");
    let (import, _) = certify(&db, &["candidates", "import", "--session", "BENCH", &path("candidates.csv")]);
    let (assign, _) = certify(&db, &["session", "assign", "--session", "BENCH", "--papers", &papers.join(",")]);
    let (simulate, _) = certify(&db, &["simulate", "--session", "BENCH", "--out", &path("rehearsal")]);
    let responses = dir.path().join("rehearsal/theory-responses.csv");
    let size = std::fs::metadata(&responses).expect("responses").len();
    println!(
        "setup (for the record): {n} candidates imported in {:.2} s, assigned in {:.2} s, rehearsal answers written in {:.2} s ({:.1} MiB CSV)",
        import.as_secs_f64(),
        assign.as_secs_f64(),
        simulate.as_secs_f64(),
        size as f64 / 1048576.0
    );

    let (elapsed, peak) =
        certify(&db, &["--json", "score", "theory", "--session", "BENCH", responses.to_str().unwrap()]);
    let seconds = elapsed.as_secs_f64();
    let mut ok = seconds <= 5.0;
    println!(
        "score theory: {n} sheets × 100 items   {seconds:>7.3} s   target ≤ 5 s    {}",
        if seconds <= 5.0 { "ok" } else { "MISSED" }
    );
    match peak {
        Some(kib) => {
            let mib = kib as f64 / 1024.0;
            ok &= mib < 200.0;
            println!(
                "score theory: peak resident memory        {mib:>7.1} MiB target < 200 MiB {}",
                if mib < 200.0 { "ok" } else { "MISSED" }
            );
        }
        None => println!("score theory: peak memory not measured (/usr/bin/time is not installed)"),
    }
    let runs: Vec<std::time::Duration> =
        (0..3).map(|_| certify(&db, &["--json", "analyze", "--session", "BENCH"]).0).collect();
    let analyse = common::median(runs).as_secs_f64();
    ok &= analyse <= 2.0;
    println!(
        "analyze: {n} sheets × 100 items (median of 3) {analyse:>7.3} s   target ≤ 2 s    {}",
        if analyse <= 2.0 { "ok" } else { "MISSED" }
    );
    let (_, peak) = certify(&db, &["--json", "analyze", "--session", "BENCH"]);
    if let Some(kib) = peak {
        println!("analyze: peak resident memory (for the record) {:.1} MiB", kib as f64 / 1024.0);
    }
    if !ok {
        std::process::exit(1);
    }
}
