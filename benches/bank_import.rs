//! Bank import and stats at scale, timed end to end on the release binary (what an exam
//! office waits for), against the targets of the bank issue:
//!
//! - importing a generated 50,000-item CSV into an empty workspace: at most 3 s;
//! - re-importing it unchanged: at most 2 s;
//! - `bank stats` on it: under 100 ms.
//!
//! Run with `cargo bench --bench bank_import`. Prints each run, the median, the target
//! and a verdict; exits non-zero, with an error naming them, when targets are missed (or
//! with the failing step's error when setup fails). `BENCH_ITEMS` changes the size.

mod common;

use std::path::Path;
use std::time::Duration;

use anyhow::Result;
use common::{Targets, file_size, generate_csv, temp_dir, utf8, write};

fn certify(db: &Path, args: &[&str]) -> Result<Duration> {
    Ok(common::certify(db, args)?.0)
}

fn report(targets: &mut Targets, name: &str, runs: Vec<Duration>, target: Duration) {
    let shown: Vec<String> = runs.iter().map(|d| format!("{:.3}", d.as_secs_f64())).collect();
    let median = common::median(runs);
    let verdict = targets.check(name, median <= target);
    println!(
        "{name:<38} median {:>8.3} s  target {:>6.3} s  {verdict}  runs [{}]",
        median.as_secs_f64(),
        target.as_secs_f64(),
        shown.join(", ")
    );
}

fn main() -> Result<()> {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing: either way, run.
    let n: usize = std::env::var("BENCH_ITEMS").ok().and_then(|v| v.parse().ok()).unwrap_or(50_000);
    let dir = temp_dir()?;
    let csv = dir.path().join("bank.csv");
    write(&csv, generate_csv(n))?;
    let csv_arg = utf8(&csv)?;
    println!(
        "bank import benchmark: {n} items, CSV {:.1} MiB, release binary {}",
        file_size(&csv)? as f64 / 1048576.0,
        env!("CARGO_BIN_EXE_certify")
    );

    let mut first = Vec::new();
    let mut again = Vec::new();
    let mut stats = Vec::new();
    for run in 0..3 {
        let db = dir.path().join(format!("run{run}.db"));
        certify(&db, &["init", "--empty"])?;
        first.push(certify(&db, &["bank", "import", csv_arg])?);
        again.push(certify(&db, &["bank", "import", csv_arg])?);
        for _ in 0..5 {
            stats.push(certify(&db, &["bank", "stats"])?);
        }
        if run == 0 {
            println!("workspace size after import: {:.1} MiB", file_size(&db)? as f64 / 1048576.0);
        }
    }
    let mut targets = Targets::default();
    report(&mut targets, "import into empty workspace", first, Duration::from_secs(3));
    report(&mut targets, "re-import unchanged", again, Duration::from_secs(2));
    report(&mut targets, "bank stats (whole process)", stats, Duration::from_millis(100));
    targets.finish()
}
