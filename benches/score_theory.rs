//! Theory scoring and item analysis at scale, against the targets of the sessions issue
//! (scoring 100,000 response sheets of 100 items from one CSV in at most 5 s, with peak
//! memory under 200 MB: the file is streamed row by row) and of the analysis issue
//! (analysing those 100,000 sheets × 100 items in at most 2 s).
//!
//! The bench builds a real workspace with the release binary: a 100-item paper pair
//! from the bundled bank, a session of 100,000 fictional candidates, rehearsal answers
//! from `certify simulate`, then times `certify score theory` and reads its peak
//! resident memory through `/usr/bin/time`. Setup steps are timed for the record.
//! Run with `cargo bench --bench score_theory`; exits non-zero, with an error naming
//! them, when targets are missed (or with the failing step's error when setup fails).

mod common;

use anyhow::Result;
use common::{
    Targets, certify_measured as certify, fictional_id, file_size, json_array, json_str, parse_json, temp_dir, utf8,
    write,
};

const BLUEPRINT: &str = include_str!("blueprint-100.toml");

fn main() -> Result<()> {
    let n: usize = std::env::var("BENCH_SHEETS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let dir = temp_dir()?;
    let db = dir.path().join("bench.db");
    let path = |name: &str| utf8(&dir.path().join(name)).map(str::to_owned);

    certify(&db, &["init"])?;
    write(&dir.path().join("bp.toml"), BLUEPRINT)?;
    let (_, built) = common::certify(
        &db,
        &["build-paper", "--blueprint", &path("bp.toml")?, "--forms", "2", "--seed", "1", "--json"],
    )?;
    let built = parse_json(&built, "build-paper")?;
    let papers = json_array(&built["papers"], "papers")?
        .iter()
        .map(|p| json_str(&p["id"], "papers[].id").map(str::to_owned))
        .collect::<Result<Vec<String>>>()?;
    certify(&db, &["session", "create", "--id", "BENCH", "--level", "四级", "--date", "2026-12-05"])?;

    let mut csv = String::from("准考证号,姓名,身份证号,培训机构\n");
    for i in 0..n {
        csv.push_str(&format!("B{i:07},考生{i},{},培训学校{}\n", fictional_id(i), i % 17));
    }
    write(&dir.path().join("candidates.csv"), csv)?;
    let (import, _) = certify(&db, &["candidates", "import", "--session", "BENCH", &path("candidates.csv")?])?;
    let (assign, _) = certify(&db, &["session", "assign", "--session", "BENCH", "--papers", &papers.join(",")])?;
    let (simulate, _) = certify(&db, &["simulate", "--session", "BENCH", "--out", &path("rehearsal")?])?;
    let responses = dir.path().join("rehearsal/theory-responses.csv");
    let size = file_size(&responses)?;
    println!(
        "setup (for the record): {n} candidates imported in {:.2} s, assigned in {:.2} s, rehearsal answers written in {:.2} s ({:.1} MiB CSV)",
        import.as_secs_f64(),
        assign.as_secs_f64(),
        simulate.as_secs_f64(),
        size as f64 / 1048576.0
    );

    let (elapsed, peak) = certify(&db, &["--json", "score", "theory", "--session", "BENCH", utf8(&responses)?])?;
    let seconds = elapsed.as_secs_f64();
    let mut targets = Targets::default();
    let verdict = targets.check("score theory: time", seconds <= 5.0);
    println!("score theory: {n} sheets × 100 items   {seconds:>7.3} s   target ≤ 5 s    {verdict}");
    match peak {
        Some(kib) => {
            let mib = kib as f64 / 1024.0;
            let verdict = targets.check("score theory: peak resident memory", mib < 200.0);
            println!("score theory: peak resident memory        {mib:>7.1} MiB target < 200 MiB {verdict}");
        }
        None => println!("score theory: peak memory not measured (/usr/bin/time is not installed)"),
    }
    let runs = (0..3)
        .map(|_| Ok(certify(&db, &["--json", "analyze", "--session", "BENCH"])?.0))
        .collect::<Result<Vec<std::time::Duration>>>()?;
    let analyse = common::median(runs).as_secs_f64();
    let verdict = targets.check("analyze: time", analyse <= 2.0);
    println!("analyze: {n} sheets × 100 items (median of 3) {analyse:>7.3} s   target ≤ 2 s    {verdict}");
    let (_, peak) = certify(&db, &["--json", "analyze", "--session", "BENCH"])?;
    if let Some(kib) = peak {
        println!("analyze: peak resident memory (for the record) {:.1} MiB", kib as f64 / 1024.0);
    }
    targets.finish()
}
