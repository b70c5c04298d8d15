//! Bank import and stats at scale, timed end to end on the release binary (what an exam
//! office waits for), against the targets of the bank issue:
//!
//! - importing a generated 50,000-item CSV into an empty workspace: at most 3 s;
//! - re-importing it unchanged: at most 2 s;
//! - `bank stats` on it: under 100 ms.
//!
//! Run with `cargo bench --bench bank_import`. Prints each run, the median, the target
//! and a verdict; exits non-zero when a target is missed. `BENCH_ITEMS` changes the size.

mod common;

use std::path::Path;
use std::time::Duration;

use common::generate_csv;

fn certify(db: &Path, args: &[&str]) -> Duration {
    common::certify(db, args).0
}

fn report(name: &str, runs: Vec<Duration>, target: Duration) -> bool {
    let shown: Vec<String> = runs.iter().map(|d| format!("{:.3}", d.as_secs_f64())).collect();
    let median = common::median(runs);
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
