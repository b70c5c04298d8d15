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
//! Run with `cargo bench --bench build_paper`; exits non-zero, with an error naming them,
//! when targets are missed (or with the failing step's error when a step fails).

use std::collections::HashSet;
mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Result, anyhow, ensure};
use common::{Targets, temp_dir, utf8, write};

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

fn verdict(targets: &mut Targets, name: &str, value: f64, target: f64, unit: &str, detail: &str) {
    let verdict = targets.check(name, value <= target);
    println!("{name:<52} {value:>10.4} {unit:<3} target ≤ {target} {unit:<3} {verdict}  {detail}");
}

fn certify(db: &Path, args: &[&str]) -> Result<Duration> {
    Ok(common::certify(db, args)?.0)
}

/// Plans, assembles and verifies `blueprint`'s forms from `pool` in process; returns the
/// time of plan + assembly and the forms.
fn assemble_timed(
    blueprint: &blueprint::Blueprint,
    pool: &[Candidate],
    recent: &HashSet<String>,
    seed: u64,
) -> Result<(Duration, Vec<assemble::Form>)> {
    let forms_n = blueprint.forms;
    let start = Instant::now();
    let targets = assemble::plan(blueprint, pool, recent)
        .map_err(|shortages| anyhow!("planning {forms_n} form(s): infeasible: {shortages:?}"))?;
    let forms = assemble::assemble(blueprint, pool, recent, &targets, seed)
        .map_err(|shortages| anyhow!("assembling {forms_n} form(s) with seed {seed}: {shortages:?}"))?;
    let elapsed = start.elapsed();
    let broken = assemble::verify(blueprint, pool, recent, &targets, &forms);
    ensure!(broken.is_empty(), "{forms_n} form(s) with seed {seed} break the blueprint: {broken:?}");
    Ok((elapsed, forms))
}

fn main() -> Result<()> {
    let pool = generated_bank(50_000);
    let recent = HashSet::new();
    let mut targets = Targets::default();

    // One 100-item form.
    let one =
        blueprint::parse("bench", BLUEPRINT).map_err(|problems| anyhow!("parsing the blueprint: {problems:?}"))?;
    let mut runs = Vec::new();
    for seed in 0..20 {
        runs.push(assemble_timed(&one, &pool, &recent, seed)?.0);
    }
    let shown = format!("median of {} runs", runs.len());
    verdict(
        &mut targets,
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
        let (elapsed, forms) = assemble_timed(&hundred, &pool, &recent, seed)?;
        runs.push(elapsed);
        let means: Vec<f64> = forms.iter().map(|f| f.mean_facility).collect();
        let (lo, hi) = means.iter().fold((f64::MAX, f64::MIN), |(lo, hi), &m| (lo.min(m), hi.max(m)));
        spread = spread.max(hi - lo);
    }
    let shown = format!("median of {} runs", runs.len());
    verdict(
        &mut targets,
        "50k bank: 100 parallel forms, max_overlap 0.2",
        common::median(runs).as_secs_f64(),
        2.0,
        "s",
        &shown,
    );
    verdict(&mut targets, "  spread of mean difficulty across the 100 forms", spread, 0.01, "", "worst of 3 seeds");

    // Whole process on the bundled bank, HTML included.
    let dir = temp_dir()?;
    let db = dir.path().join("bundled.db");
    certify(&db, &["init"])?;
    let blueprint_file = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/blueprints/baoyushi-4.toml");
    let blueprint_arg = utf8(&blueprint_file)?;
    let mut runs = Vec::new();
    for seed in 0..15 {
        let out = dir.path().join(format!("out{seed}"));
        let seed = seed.to_string();
        runs.push(certify(
            &db,
            &["build-paper", "--blueprint", blueprint_arg, "--forms", "1", "--seed", &seed, "--out", utf8(&out)?],
        )?);
    }
    let shown = format!("median of {} runs, booklet + sheet + key + paper.json", runs.len());
    verdict(
        &mut targets,
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
    write(&csv, text)?;
    let big = dir.path().join("big.db");
    certify(&big, &["init", "--empty"])?;
    certify(&big, &["bank", "import", utf8(&csv)?])?;
    let bench_blueprint = dir.path().join("bench.toml");
    write(&bench_blueprint, BLUEPRINT)?;
    let bp = utf8(&bench_blueprint)?;
    let one_form = (0..5)
        .map(|s| certify(&big, &["build-paper", "--blueprint", bp, "--seed", &s.to_string()]))
        .collect::<Result<Vec<Duration>>>()?;
    let hundred_forms = certify(&big, &["build-paper", "--blueprint", bp, "--forms", "100", "--seed", "9"])?;
    println!(
        "(record) 50k workspace, whole process: one form {:.0} ms (median of 5); 100 forms {:.2} s",
        common::median(one_form).as_secs_f64() * 1000.0,
        hundred_forms.as_secs_f64()
    );
    targets.finish()
}
