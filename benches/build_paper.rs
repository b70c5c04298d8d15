//! build-paper at scale, against the targets of the build-paper issue:
//!
//! - from a generated 50,000-item bank: one 100-item form in under 50 ms;
//! - 100 parallel forms with `max_overlap = 0.2` in under 2 s, with the spread of mean
//!   difficulty across them at most 0.01;
//! - one form from the bundled bank, whole process including HTML: under 100 ms.
//!
//! The first two time assembly in-process (plan + select + balance + arrange, the bank
//! already loaded); the whole-process figures for the 50,000-item workspace (loading
//! the bank from SQLite, storing, writing HTML) are printed beside them for the record.
//! Run with `cargo bench --bench build_paper`; exits non-zero when a target is missed.

use std::collections::HashSet;
mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use certify::assemble::{self, Candidate};
use certify::blueprint;
use certify::rng::Rng;
use certify::vocabulary::{Difficulty, Domain, Kind};

const BLUEPRINT: &str = include_str!("blueprint-100.toml");

/// 50,000 items over every cell, each with a calibrated facility inside its band.
fn generated_bank(n: usize) -> Vec<Candidate> {
    let mut rng = Rng::new(1, "bench/bank");
    (0..n)
        .map(|i| {
            let kind = Kind::ALL[i % 3];
            let difficulty = Difficulty::ALL[(i / 3) % 3];
            let centre = assemble::default_facility(difficulty);
            Candidate {
                id: format!("GEN-{i:06}"),
                version: format!("{i:016x}"),
                kind,
                domain: Domain::ALL[(i / 9) % 8],
                difficulty,
                facility: Some((centre + (rng.unit() - 0.5) * 0.2).clamp(0.05, 0.99)),
                enemies: Vec::new(),
                options: if kind == Kind::Judge { 0 } else { 4 },
                answer: match kind {
                    Kind::Judge => "对".into(),
                    Kind::Single => "B".into(),
                    Kind::Multiple => "ACD".into(),
                },
            }
        })
        .collect()
}

fn verdict(name: &str, value: f64, target: f64, unit: &str, detail: &str) -> bool {
    let ok = value <= target;
    println!(
        "{name:<52} {value:>10.4} {unit:<3} target ≤ {target} {unit:<3} {}  {detail}",
        if ok { "ok" } else { "MISSED" }
    );
    ok
}

fn certify(db: &Path, args: &[&str]) -> Duration {
    common::certify(db, args).0
}

fn main() {
    let pool = generated_bank(50_000);
    let recent = HashSet::new();
    let mut ok = true;

    // One 100-item form.
    let one = blueprint::parse("bench", BLUEPRINT).expect("blueprint");
    let mut runs = Vec::new();
    for seed in 0..20 {
        let start = Instant::now();
        let targets = assemble::plan(&one, &pool, &recent).expect("feasible");
        let forms = assemble::assemble(&one, &pool, &recent, &targets, seed).expect("assembles");
        runs.push(start.elapsed());
        assert!(assemble::verify(&one, &pool, &recent, &targets, &forms).is_empty());
    }
    let shown = format!("median of {} runs", runs.len());
    ok &= verdict(
        "50k bank: one 100-item form (in-process)",
        common::median(runs).as_secs_f64() * 1000.0,
        50.0,
        "ms",
        &shown,
    );

    // 100 parallel forms, overlap ≤ 20%.
    let mut hundred = one.clone();
    hundred.forms = 100;
    let mut runs = Vec::new();
    let mut spread = 0.0f64;
    for seed in 0..3 {
        let start = Instant::now();
        let targets = assemble::plan(&hundred, &pool, &recent).expect("feasible");
        let forms = assemble::assemble(&hundred, &pool, &recent, &targets, seed).expect("assembles");
        runs.push(start.elapsed());
        let broken = assemble::verify(&hundred, &pool, &recent, &targets, &forms);
        assert!(broken.is_empty(), "{broken:?}");
        let means: Vec<f64> = forms.iter().map(|f| f.mean_facility).collect();
        let (lo, hi) = means.iter().fold((f64::MAX, f64::MIN), |(lo, hi), &m| (lo.min(m), hi.max(m)));
        spread = spread.max(hi - lo);
    }
    let shown = format!("median of {} runs", runs.len());
    ok &=
        verdict("50k bank: 100 parallel forms, max_overlap 0.2", common::median(runs).as_secs_f64(), 2.0, "s", &shown);
    ok &= verdict("  spread of mean difficulty across the 100 forms", spread, 0.01, "", "worst of 3 seeds");

    // Whole process on the bundled bank, HTML included.
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("bundled.db");
    certify(&db, &["init"]);
    let blueprint_file = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/blueprints/baoyushi-4.toml");
    let blueprint_arg = blueprint_file.to_str().expect("UTF-8 path");
    let mut runs = Vec::new();
    for seed in 0..15 {
        let out = dir.path().join(format!("out{seed}"));
        let seed = seed.to_string();
        runs.push(certify(
            &db,
            &[
                "build-paper",
                "--blueprint",
                blueprint_arg,
                "--forms",
                "1",
                "--seed",
                &seed,
                "--out",
                out.to_str().unwrap(),
            ],
        ));
    }
    let shown = format!("median of {} runs, booklet + sheet + key + paper.json", runs.len());
    ok &= verdict(
        "bundled bank: one form, whole process with HTML",
        common::median(runs).as_secs_f64() * 1000.0,
        100.0,
        "ms",
        &shown,
    );

    // For the record: the same through the binary on a 50,000-item workspace.
    let csv = dir.path().join("bank.csv");
    let mut text = String::from("编号,领域,题型,等级,难度,题干,选项A,选项B,选项C,选项D,答案,难度系数\n");
    for c in &pool {
        let options = if c.kind == Kind::Judge { ",,," } else { "甲,乙,丙,丁" };
        text.push_str(&format!(
            "{},{},{},四级,{},第{}号生成题（  ）。,{},{},{:.3}\n",
            c.id,
            c.domain.code(),
            c.kind.code(),
            c.difficulty.code(),
            c.id,
            options,
            c.answer,
            c.facility.unwrap_or(0.5)
        ));
    }
    std::fs::write(&csv, text).expect("csv");
    let big = dir.path().join("big.db");
    certify(&big, &["init", "--empty"]);
    certify(&big, &["bank", "import", csv.to_str().unwrap()]);
    let bench_blueprint = dir.path().join("bench.toml");
    std::fs::write(&bench_blueprint, BLUEPRINT).expect("blueprint");
    let bp = bench_blueprint.to_str().unwrap();
    let one_form: Vec<Duration> =
        (0..5).map(|s| certify(&big, &["build-paper", "--blueprint", bp, "--seed", &s.to_string()])).collect();
    let hundred_forms = certify(&big, &["build-paper", "--blueprint", bp, "--forms", "100", "--seed", "9"]);
    println!(
        "(record) 50k workspace, whole process: one form {:.0} ms (median of 5); 100 forms {:.2} s",
        common::median(one_form).as_secs_f64() * 1000.0,
        hundred_forms.as_secs_f64()
    );
    if !ok {
        std::process::exit(1);
    }
}
