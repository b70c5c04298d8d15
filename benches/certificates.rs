//! Certificates at scale, against the targets of the certificates issue: issuing
//! 100,000 certificates (signing included) in at most 10 s, and exporting a
//! 100,000-row pass list to XLSX in at most 5 s.
//!
//! The bench builds a real workspace with the release binary in which 100,000 fictional
//! candidates pass: a generated bank and one paper, every answer right, one 5-step
//! practical task scored by three examiners. Setup is timed for the record only.
//! Run with `cargo bench --bench certificates`; exits non-zero, with an error naming
//! them, when targets are missed (or with the failing step's error when setup fails).

mod common;

use anyhow::Result;
use common::{
    Targets, certify, certify_measured, fictional_id, file_size, generate_csv, json_array, json_str, parse_json,
    rubric, temp_dir, utf8,
};

const CANDIDATES: usize = 100_000;

fn main() -> Result<()> {
    let n: usize = std::env::var("BENCH_CANDIDATES").ok().and_then(|v| v.parse().ok()).unwrap_or(CANDIDATES);
    let dir = temp_dir()?;
    let db = dir.path().join("certificates.db");
    let path = |name: &str| utf8(&dir.path().join(name)).map(str::to_owned);
    let write = |name: &str, text: String| common::write(&dir.path().join(name), text);

    let setup = std::time::Instant::now();
    certify(&db, &["init", "--empty"])?;
    for (key, value) in [("org-code", "0001"), ("org-name", "基准认定中心"), ("province", "11"), ("site", "000001")]
    {
        certify(&db, &["config", "set", key, value])?;
    }
    certify(&db, &["keys", "generate", "--out", &path("keys")?])?;
    write("bank.csv", generate_csv(3_000))?;
    certify(&db, &["bank", "import", &path("bank.csv")?])?;
    write("bp.toml", include_str!("blueprint-100.toml").replace("level = \"四级\"", "level = \"三级\""))?;
    let (_, built) = certify(&db, &["--json", "build-paper", "--blueprint", &path("bp.toml")?, "--seed", "1"])?;
    let built = parse_json(&built, "build-paper")?;
    let paper = &built["papers"][0];
    let paper_id = json_str(&paper["id"], "papers[0].id")?;
    let key = json_array(&paper["items"], "papers[0].items")?
        .iter()
        .map(|i| json_str(&i["answer"], "papers[0].items[].answer"))
        .collect::<Result<Vec<&str>>>()?;

    write("task.toml", rubric("B-TASK", "护理").replace("levels = [\"四级\"]", "levels = [\"三级\"]"))?;
    certify(&db, &["rubric", "import", &path("task.toml")?])?;
    write("plan.toml", "examiners_min = 3\n[[draw]]\ncategory = \"护理\"\ncount = 1\nweight = 100\n".into())?;
    certify(
        &db,
        &[
            "session",
            "create",
            "--id",
            "C",
            "--level",
            "三级",
            "--date",
            "2026-12-05",
            "--practical",
            &path("plan.toml")?,
        ],
    )?;
    let mut csv = String::from("准考证号,姓名,身份证号,培训机构\n");
    for i in 0..n {
        csv.push_str(&format!("C{i:06},考生{i},{},培训学校{}\n", fictional_id(i), i % 23));
    }
    write("c.csv", csv)?;
    certify(&db, &["candidates", "import", "--session", "C", &path("c.csv")?])?;
    certify(&db, &["session", "assign", "--session", "C", "--papers", paper_id])?;
    certify(&db, &["practical", "draw", "--session", "C", "--seed", "1"])?;
    let answers = key.join(",");
    let mut responses = String::from("准考证号,试卷,答案\n");
    let mut grades = String::from("准考证号,任务,考评员,步骤,得分\n");
    for i in 0..n {
        responses.push_str(&format!("C{i:06},{paper_id},\"{answers}\"\n"));
        for examiner in ["甲", "乙", "丙"] {
            for (step, points) in [("1.1", 18), ("2.1", 27), ("2.2", 28), ("3.1", 9), ("4.1", 9)] {
                grades.push_str(&format!("C{i:06},B-TASK,{examiner},{step},{points}\n"));
            }
        }
    }
    write("responses.csv", responses)?;
    write("grades.csv", grades)?;
    certify(&db, &["score", "theory", "--session", "C", &path("responses.csv")?])?;
    certify(&db, &["grade", "import", "--session", "C", &path("grades.csv")?])?;
    println!("setup (for the record): {n} passing candidates prepared in {:.1} s", setup.elapsed().as_secs_f64());

    let (issue, issue_peak) = certify_measured(&db, &["--json", "certificates", "issue", "--session", "C"])?;
    let (export, export_peak) =
        certify_measured(&db, &["export", "pass-list", "--session", "C", "--out", &path("pass.xlsx")?])?;
    let size = file_size(&dir.path().join("pass.xlsx"))?;
    let mut targets = Targets::default();
    targets.verdict(&format!("certificates issue: {n} certificates, signed"), issue.as_secs_f64(), 10.0, "s");
    targets.verdict(&format!("export pass-list: {n} rows to XLSX"), export.as_secs_f64(), 5.0, "s");
    println!(
        "(record) peak memory: issue {} MiB, export {} MiB; XLSX {:.1} MiB",
        issue_peak.map(|k| format!("{:.0}", k as f64 / 1024.0)).unwrap_or_else(|| "?".into()),
        export_peak.map(|k| format!("{:.0}", k as f64 / 1024.0)).unwrap_or_else(|| "?".into()),
        size as f64 / 1048576.0
    );
    targets.finish()
}
