//! Rubrics, the practical draw, grade entry (interactive and from files), aggregation,
//! arbitration, corrections, agreement and concurrent importers.

use std::io::Write;
use std::process::Stdio;

use serde_json::Value;

use crate::support::{Workspace, file_hash, valid_id};

pub const SESSION: &str = "P1";

fn plan(examiners_min: usize) -> String {
    format!(
        "examiners_min = {examiners_min}\ndiscrepancy = 10\naggregate = \"mean\"\n\
         [[draw]]\ncategory = \"护理\"\ncount = 1\nweight = 50\n\
         [[draw]]\ncategory = \"学前\"\ncount = 1\nweight = 50\n"
    )
}

/// A workspace with `n` candidates who have drawn their tasks (seed 5).
pub fn drawn(n: usize) -> Workspace {
    let ws = Workspace::new();
    ws.ok(["init"]);
    ws.write("plan.toml", plan(3));
    ws.ok([
        "session",
        "create",
        "--id",
        SESSION,
        "--level",
        "四级",
        "--date",
        "2026-12-05",
        "--practical",
        "plan.toml",
    ]);
    let mut csv = String::from("准考证号,姓名,身份证号\n");
    for i in 1..=n {
        csv.push_str(&format!("E{i:03},考生{i},{}\n", valid_id(i)));
    }
    ws.write("c.csv", csv);
    ws.ok(["candidates", "import", "--session", SESSION, "c.csv"]);
    ws.ok(["practical", "draw", "--session", SESSION, "--seed", "5"]);
    ws
}

pub fn tasks(ws: &Workspace, exam_no: &str) -> Vec<String> {
    let draws = ws.json(["practical", "show", "--session", SESSION]);
    draws["draws"].as_array().unwrap().iter().find(|d| d["exam_no"] == exam_no).unwrap()["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap().to_owned())
        .collect()
}

/// (step id, max points) of a rubric.
pub fn steps(ws: &Workspace, task: &str) -> Vec<(String, f64)> {
    let rubric = ws.json(["rubric", "show", task]);
    rubric["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["steps"].as_array().unwrap().clone())
        .map(|s| (s["id"].as_str().unwrap().to_owned(), s["points"].as_f64().unwrap()))
        .collect()
}

/// CSV rows for one examiner scoring `total` (full marks minus points taken from the
/// first steps), plus veto rows.
pub fn entry_rows(ws: &Workspace, exam_no: &str, task: &str, examiner: &str, total: f64, vetoes: &[&str]) -> String {
    let mut missing = 100.0 - total;
    let mut rows = String::new();
    for (id, max) in steps(ws, task) {
        let take = missing.min(max);
        missing -= take;
        rows.push_str(&format!("{exam_no},{task},{examiner},{id},{},\n", max - take));
    }
    for veto in vetoes {
        rows.push_str(&format!("{exam_no},{task},{examiner},,,{veto}\n"));
    }
    rows
}

pub const HEADER: &str = "准考证号,任务,考评员,步骤,得分,否决\n";

fn status_of(ws: &Workspace, exam_no: &str, task: &str) -> Value {
    let status = ws.json(["grade", "status", "--session", SESSION]);
    let candidate = status["candidates"].as_array().unwrap().iter().find(|c| c["exam_no"] == exam_no).unwrap().clone();
    candidate["tasks"].as_array().unwrap().iter().find(|t| t["task"] == task).unwrap().clone()
}

#[test]
fn the_draw_is_determined_by_the_seed_and_happens_once() {
    let a = drawn(6);
    let b = drawn(6);
    let draws = |ws: &Workspace| ws.json(["practical", "show", "--session", SESSION])["draws"].clone();
    assert_eq!(draws(&a), draws(&b));
    for d in draws(&a).as_array().unwrap() {
        let tasks = d["tasks"].as_array().unwrap();
        assert_eq!(tasks.len(), 2);
        assert!(
            tasks[0].as_str().unwrap().starts_with("CARE-") && tasks[1].as_str().unwrap().starts_with("EDU-"),
            "{d}"
        );
    }
    let before = file_hash(&a.db());
    let failed = a.fails(["practical", "draw", "--session", SESSION, "--seed", "6"]);
    assert!(failed.stderr.contains("practical show"), "{}", failed.stderr);
    assert_eq!(file_hash(&a.db()), before);
}

#[test]
fn interactive_entry_reads_piped_answers_and_asks_again_when_out_of_range() {
    let ws = drawn(1);
    let task = tasks(&ws, "E001")[0].clone();
    let steps = steps(&ws, &task);
    let mut input = String::new();
    // First step: an impossible value, then a word, then a valid half point.
    input.push_str(&format!("{}\nabc\n{}\n", steps[0].1 + 5.0, steps[0].1 - 0.5));
    for (_, max) in &steps[1..] {
        input.push_str(&format!("{max}\n"));
    }
    input.push_str("V9\n\ny\n");
    let mut child = ws
        .command(["grade", "--session", SESSION, "--candidate", "E001", "--task", &task, "--examiner", "甲"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(stderr.matches("请输入 0 到").count(), 2, "{stderr}");
    assert!(stderr.contains("没有否决项 V9"), "{stderr}");
    let entry = &status_of(&ws, "E001", &task)["examiners"][0];
    assert_eq!(entry["total"].as_f64(), Some(99.5));
    assert_eq!(entry["examiner"], "甲");

    // Input that ends early stores nothing.
    let before = file_hash(&ws.db());
    let mut child = ws
        .command(["grade", "--session", SESSION, "--candidate", "E001", "--task", &task, "--examiner", "乙"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"1\n").unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("未保存"));
    assert_eq!(file_hash(&ws.db()), before);
}

#[test]
fn grade_import_errors_name_their_rows_and_store_nothing() {
    let ws = drawn(2);
    let [care, edu]: [String; 2] = tasks(&ws, "E001").try_into().unwrap();
    let other_care = ["CARE-FEED-01", "CARE-HAND-01", "CARE-DIAPER-01"].into_iter().find(|t| *t != care).unwrap();
    let (first_step, max) = steps(&ws, &care)[0].clone();
    let file = format!(
        "{HEADER}\
         E001,NOPE-01,甲,1.1,1,\n\
         E001,{other_care},甲,1.1,1,\n\
         E001,{care},甲,9.9,1,\n\
         E001,{care},甲,{first_step},{},\n\
         E999,{care},甲,1.1,1,\n\
         E001,{edu},甲,,,V99\n",
        max + 1.0
    );
    ws.write("bad.csv", file);
    let before = file_hash(&ws.db());
    let failed = ws.fails(["grade", "import", "--session", SESSION, "bad.csv"]);
    for (location, message) in [
        ("bad.csv:2:B:", "没有任务"),
        ("bad.csv:3:B:", "没有抽到任务"),
        ("bad.csv:4:D:", "没有步骤"),
        ("bad.csv:5:E:", "得分"),
        ("bad.csv:6:A:", "E999"),
        ("bad.csv:7:F:", "V99"),
    ] {
        assert!(
            failed.stderr.lines().any(|l| l.contains(location) && l.contains(message)),
            "expected {location} {message}:\n{}",
            failed.stderr
        );
    }
    assert_eq!(file_hash(&ws.db()), before);
}

#[test]
fn fewer_than_the_minimum_or_an_even_number_of_examiners_give_no_score() {
    let ws = drawn(1);
    let task = tasks(&ws, "E001")[0].clone();
    let mut rows = String::from(HEADER);
    rows.push_str(&entry_rows(&ws, "E001", &task, "甲", 80.0, &[]));
    rows.push_str(&entry_rows(&ws, "E001", &task, "乙", 82.0, &[]));
    ws.write("two.csv", &rows);
    ws.ok(["grade", "import", "--session", SESSION, "two.csv"]);
    let status = status_of(&ws, "E001", &task);
    assert!(status["score"].is_null());
    assert_eq!(status["status"]["status"], "missing");

    let mut more = String::from(HEADER);
    more.push_str(&entry_rows(&ws, "E001", &task, "丙", 81.0, &[]));
    more.push_str(&entry_rows(&ws, "E001", &task, "丁", 79.0, &[]));
    ws.write("four.csv", &more);
    ws.ok(["grade", "import", "--session", SESSION, "four.csv"]);
    let status = status_of(&ws, "E001", &task);
    assert!(status["score"].is_null(), "{status}");
    assert_eq!(status["status"]["status"], "even");
}

#[test]
fn a_majority_veto_scores_zero_and_a_minority_veto_does_not() {
    let ws = drawn(2);
    let care1 = tasks(&ws, "E001")[0].clone();
    let care2 = tasks(&ws, "E002")[0].clone();
    let mut rows = String::from(HEADER);
    rows.push_str(&entry_rows(&ws, "E001", &care1, "甲", 90.0, &["V1"]));
    rows.push_str(&entry_rows(&ws, "E001", &care1, "乙", 88.0, &["V1"]));
    rows.push_str(&entry_rows(&ws, "E001", &care1, "丙", 89.0, &[]));
    rows.push_str(&entry_rows(&ws, "E002", &care2, "甲", 90.0, &["V1"]));
    rows.push_str(&entry_rows(&ws, "E002", &care2, "乙", 88.0, &[]));
    rows.push_str(&entry_rows(&ws, "E002", &care2, "丙", 89.0, &[]));
    ws.write("v.csv", &rows);
    ws.ok(["grade", "import", "--session", SESSION, "v.csv"]);
    let majority = status_of(&ws, "E001", &care1);
    assert_eq!(majority["score"].as_f64(), Some(0.0));
    assert_eq!(majority["status"]["status"], "vetoed");
    let minority = status_of(&ws, "E002", &care2);
    assert_eq!(minority["score"].as_f64(), Some(89.0));
}

#[test]
fn a_discrepancy_waits_for_arbitration_and_the_resolution_stands() {
    let ws = drawn(1);
    let [care, edu]: [String; 2] = tasks(&ws, "E001").try_into().unwrap();
    let mut rows = String::from(HEADER);
    for (examiner, total) in [("甲", 60.0), ("乙", 78.0), ("丙", 70.0)] {
        rows.push_str(&entry_rows(&ws, "E001", &care, examiner, total, &[]));
    }
    for (examiner, total) in [("甲", 80.0), ("乙", 84.0), ("丙", 82.0)] {
        rows.push_str(&entry_rows(&ws, "E001", &edu, examiner, total, &[]));
    }
    ws.write("d.csv", &rows);
    ws.ok(["grade", "import", "--session", SESSION, "d.csv"]);
    assert_eq!(status_of(&ws, "E001", &care)["status"]["status"], "arbitration");
    let status = ws.json(["grade", "status", "--session", SESSION]);
    assert!(status["candidates"][0]["practical"].is_null());
    // Only a task waiting for arbitration can be resolved.
    ws.fails([
        "grade",
        "resolve",
        "--session",
        SESSION,
        "--candidate",
        "E001",
        "--task",
        &edu,
        "--score",
        "80",
        "--examiner",
        "仲裁",
        "--reason",
        "x",
    ]);
    ws.ok([
        "grade",
        "resolve",
        "--session",
        SESSION,
        "--candidate",
        "E001",
        "--task",
        &care,
        "--score",
        "72",
        "--examiner",
        "赵仲裁",
        "--reason",
        "复看录像",
    ]);
    let resolved = status_of(&ws, "E001", &care);
    assert_eq!(resolved["score"].as_f64(), Some(72.0));
    assert_eq!(resolved["status"]["status"], "resolved");
    let status = ws.json(["grade", "status", "--session", SESSION]);
    assert_eq!(status["candidates"][0]["practical"].as_f64(), Some(77.0));
}

#[test]
fn a_re_entry_supersedes_and_keeps_the_earlier_one() {
    let ws = drawn(1);
    let task = tasks(&ws, "E001")[0].clone();
    let mut rows = String::from(HEADER);
    for (examiner, total) in [("甲", 70.0), ("乙", 72.0), ("丙", 71.0)] {
        rows.push_str(&entry_rows(&ws, "E001", &task, examiner, total, &[]));
    }
    ws.write("first.csv", &rows);
    ws.ok(["grade", "import", "--session", SESSION, "first.csv"]);
    assert_eq!(status_of(&ws, "E001", &task)["score"].as_f64(), Some(71.0));
    ws.write("fix.csv", format!("{HEADER}{}", entry_rows(&ws, "E001", &task, "甲", 76.0, &[])));
    ws.ok(["grade", "import", "--session", SESSION, "fix.csv"]);
    assert_eq!(status_of(&ws, "E001", &task)["score"].as_f64(), Some(73.0));
    let status = ws.json(["grade", "status", "--session", SESSION]);
    assert_eq!(status["superseded_entries"], 1);
    assert_eq!(status_of(&ws, "E001", &task)["examiners"].as_array().unwrap().len(), 3);
}

/// ICC(2,1) by the textbook formula, computed here independently of certify.
fn icc_by_hand(r: &[[f64; 3]]) -> f64 {
    let (n, k) = (r.len() as f64, 3.0);
    let grand: f64 = r.iter().flatten().sum::<f64>() / (n * k);
    let msr = k * r.iter().map(|row| (row.iter().sum::<f64>() / k - grand).powi(2)).sum::<f64>() / (n - 1.0);
    let msc =
        n * (0..3).map(|j| (r.iter().map(|row| row[j]).sum::<f64>() / n - grand).powi(2)).sum::<f64>() / (k - 1.0);
    let sst: f64 = r.iter().flatten().map(|x| (x - grand).powi(2)).sum();
    let mse = (sst - msr * (n - 1.0) - msc * (k - 1.0)) / ((n - 1.0) * (k - 1.0));
    (msr - mse) / (msr + (k - 1.0) * mse + k * (msc - mse) / n)
}

#[test]
fn agreement_reports_the_icc_of_a_panel() {
    let ws = drawn(12);
    // Everyone who drew the same 学前 task, scored by the same three examiners.
    let mut by_task: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for i in 1..=12 {
        let exam_no = format!("E{i:03}");
        by_task.entry(tasks(&ws, &exam_no)[1].clone()).or_default().push(exam_no);
    }
    let (task, candidates) = by_task.into_iter().max_by_key(|(_, c)| c.len()).unwrap();
    assert!(candidates.len() >= 3, "{candidates:?}");
    let ratings: Vec<[f64; 3]> = (0..candidates.len())
        .map(|i| [60.0 + 5.0 * i as f64, 62.0 + 5.0 * i as f64 + (i % 2) as f64, 59.0 + 4.5 * i as f64])
        .collect();
    let mut rows = String::from(HEADER);
    for (exam_no, r) in candidates.iter().zip(&ratings) {
        for (examiner, total) in ["甲", "乙", "丙"].iter().zip(r) {
            rows.push_str(&entry_rows(&ws, exam_no, &task, examiner, *total, &[]));
        }
    }
    ws.write("icc.csv", &rows);
    ws.ok(["grade", "import", "--session", SESSION, "icc.csv"]);
    let status = ws.json(["grade", "status", "--session", SESSION, "--agreement"]);
    let icc = status["agreement"]["icc"].as_f64().unwrap();
    assert!((icc - icc_by_hand(&ratings)).abs() < 1e-9, "{icc} vs {}", icc_by_hand(&ratings));
    let examiners = status["agreement"]["examiners"].as_array().unwrap();
    assert_eq!(examiners.len(), 3);
    assert!(examiners.iter().all(|e| e["flagged"] == false));
}

#[test]
fn three_importers_at_once_lose_nothing_and_never_see_a_locked_database() {
    let ws = drawn(40);
    let mut files = Vec::new();
    for examiner in ["甲", "乙", "丙"] {
        let mut rows = String::from(HEADER);
        for i in 1..=40 {
            let exam_no = format!("E{i:03}");
            for task in tasks(&ws, &exam_no) {
                rows.push_str(&entry_rows(&ws, &exam_no, &task, examiner, 70.0 + (i % 7) as f64, &[]));
            }
        }
        files.push(ws.write(&format!("{examiner}.csv"), rows));
    }
    let outputs =
        ws.at_once(files.iter().map(|file| {
            ["grade".as_ref(), "import".as_ref(), "--session".as_ref(), SESSION.as_ref(), file.as_os_str()]
        }));
    for output in outputs {
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{stderr}");
        assert!(!stderr.to_lowercase().contains("locked"), "{stderr}");
    }
    let status = ws.json(["grade", "status", "--session", SESSION]);
    let candidates = status["candidates"].as_array().unwrap();
    assert_eq!(candidates.len(), 40);
    for c in candidates {
        for t in c["tasks"].as_array().unwrap() {
            assert_eq!(t["examiners"].as_array().unwrap().len(), 3, "{c}");
        }
        assert!(c["practical"].is_number(), "{c}");
    }
}

#[test]
fn rubric_import_checks_points_and_names_file_and_line() {
    let ws = Workspace::new();
    ws.ok(["init", "--empty"]);
    let good = "id = \"X-01\"\ntitle = \"测试\"\ncategory = \"护理\"\nlevels = [\"四级\"]\n\n[[section]]\nname = \"操作过程\"\n\
                [[section.step]]\nid = \"1.1\"\ntext = \"洗手\"\npoints = 60\nrule = \"未做不得分\"\n\
                [[section.step]]\nid = \"1.2\"\ntext = \"试温\"\npoints = 40\nrule = \"未做不得分\"\n\n[[veto]]\nid = \"V1\"\ntext = \"未试温\"\n";
    ws.write("good.toml", good);
    ws.write(
        "bad.toml",
        good.replace("points = 40", "points = 30").replace("id = \"1.2\"", "id = \"1.1\"").replace("X-01", "X-02"),
    );
    let before = file_hash(&ws.db());
    let failed = ws.fails(["rubric", "import", "good.toml", "bad.toml"]);
    assert!(failed.stderr.contains("合计应为 100，现在是 90"), "{}", failed.stderr);
    assert!(failed.stderr.contains("bad.toml:13:") && failed.stderr.contains("步骤编号 1.1 重复"), "{}", failed.stderr);
    assert_eq!(file_hash(&ws.db()), before);
    let report = ws.json(["rubric", "import", "good.toml"]);
    assert_eq!(report["added"], 1);
    let shown = ws.json(["rubric", "show", "X-01"]);
    assert_eq!(shown["sections"][0]["steps"][1]["points"], 40.0);
    assert_eq!(shown["vetoes"][0]["id"], "V1");
    assert_eq!(ws.json(["rubric", "import", "good.toml"])["unchanged"], 1);
}
