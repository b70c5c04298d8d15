//! Sessions, candidates, assignment, theory scoring, key correction and rehearsal data.

use std::path::Path;

use serde_json::Value;

use crate::support::{Workspace, file_hash, valid_id};

pub const SESSION: &str = "S1";

/// A 12-question blueprint with a partial-credit multiple-choice section, two forms.
pub const BLUEPRINT: &str = r#"
name = "测试卷"
level = "四级"
pass_mark = 8
forms = 2
max_overlap = 1.0
[[section]]
kind = "judge"
count = 4
points = 1
[[section]]
kind = "single"
count = 6
points = 1
[[section]]
kind = "multiple"
count = 2
points = 2
scoring = "partial"
[domains]
feeding = 50
safety = 50
[difficulty]
easy = 25
medium = 50
hard = 25
"#;

/// A workspace with a built pair of papers, a session of `n` candidates, papers assigned.
/// Returns the workspace and the two papers as `paper show --json` gives them.
pub fn ready(n: usize) -> (Workspace, Vec<Value>) {
    let ws = Workspace::new();
    ws.ok(["init"]);
    ws.write("bp.toml", BLUEPRINT);
    let built = ws.json(["build-paper", "--blueprint", "bp.toml", "--seed", "11"]);
    let papers: Vec<Value> = built["papers"].as_array().unwrap().clone();
    ws.ok(["session", "create", "--id", SESSION, "--level", "四级", "--date", "2026-12-05"]);
    let mut csv = String::from("准考证号,姓名,身份证号,培训机构\n");
    for i in 1..=n {
        csv.push_str(&format!("E{i:03},考生{i},{},{}\n", valid_id(i), if i % 2 == 0 { "甲校" } else { "乙校" }));
    }
    ws.write("candidates.csv", csv);
    ws.ok(["candidates", "import", "--session", SESSION, "candidates.csv"]);
    let ids: Vec<&str> = papers.iter().map(|p| p["id"].as_str().unwrap()).collect();
    ws.ok(["session", "assign", "--session", SESSION, "--papers", &ids.join(",")]);
    (ws, papers)
}

fn items(paper: &Value) -> &Vec<Value> {
    paper["items"].as_array().unwrap()
}

/// A wrong but valid answer to an item.
fn wrong(item: &Value) -> String {
    match item["kind"].as_str().unwrap() {
        "judge" => if item["answer"] == "对" { "错" } else { "对" }.to_owned(),
        _ => {
            let key = item["answer"].as_str().unwrap();
            let n = item["options"].as_array().unwrap().len();
            let letter = (0..n).map(|i| (b'A' + i as u8) as char).find(|c| !key.contains(*c)).unwrap();
            letter.to_string()
        }
    }
}

fn theory(ws: &Workspace) -> serde_json::Map<String, Value> {
    let shown = ws.json(["session", "show", SESSION]);
    shown["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["exam_no"].as_str().unwrap().to_owned(), c["theory"].clone()))
        .collect()
}

#[test]
fn a_session_is_scored_end_to_end_from_a_csv_with_one_column_per_question() {
    let (ws, papers) = ready(4);
    // E001 sits form A (dealt in turn), all right; E002 form B, all wrong; E003 form A,
    // half right; E004 absent.
    let a = items(&papers[0]);
    let b = items(&papers[1]);
    let mut csv = String::from("准考证号,试卷");
    for q in 1..=a.len() {
        csv.push_str(&format!(",{q}"));
    }
    csv.push('\n');
    let row = |exam: &str, paper: &Value, answers: Vec<String>| {
        format!("{exam},{},{}\n", paper["id"].as_str().unwrap(), answers.join(","))
    };
    csv.push_str(&row("E001", &papers[0], a.iter().map(|i| i["answer"].as_str().unwrap().to_lowercase()).collect()));
    csv.push_str(&row("E002", &papers[1], b.iter().map(wrong).collect()));
    csv.push_str(&row(
        "E003",
        &papers[0],
        a.iter()
            .enumerate()
            .map(|(k, i)| if k % 2 == 0 { i["answer"].as_str().unwrap().to_owned() } else { String::new() })
            .collect(),
    ));
    ws.write("responses.csv", csv);
    let result = ws.json(["score", "theory", "--session", SESSION, "responses.csv"]);
    assert_eq!(result["sheets"], 3);
    let full: f64 = a.iter().map(|i| i["points"].as_f64().unwrap()).sum();
    let half: f64 = a.iter().enumerate().filter(|(k, _)| k % 2 == 0).map(|(_, i)| i["points"].as_f64().unwrap()).sum();
    let totals = theory(&ws);
    assert_eq!(totals["E001"].as_f64(), Some(full));
    assert_eq!(totals["E002"].as_f64(), Some(0.0));
    assert_eq!(totals["E003"].as_f64(), Some(half));
    assert!(totals["E004"].is_null());
    let candidates = result["candidates"].as_array().unwrap();
    let e001 = candidates.iter().find(|c| c["exam_no"] == "E001").unwrap();
    assert_eq!(e001["passed"], true);
    assert_eq!(e001["school"], "乙校");
    let e002 = candidates.iter().find(|c| c["exam_no"] == "E002").unwrap();
    assert_eq!(e002["passed"], false);
    assert_eq!(e002["reason"], "理论不合格");
    let shown = ws.ok(["session", "show", SESSION]).stdout;
    assert!(shown.contains("未交答卷 1 人"), "{shown}");
}

#[test]
fn a_session_is_scored_from_an_xlsx_with_one_answers_column() {
    let (ws, papers) = ready(2);
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (c, h) in ["exam_no", "paper", "answers"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for (r, (exam, paper)) in [("E001", &papers[0]), ("E002", &papers[1])].iter().enumerate() {
        let answers: Vec<&str> = items(paper).iter().map(|i| i["answer"].as_str().unwrap()).collect();
        sheet.write_string(r as u32 + 1, 0, *exam).unwrap();
        sheet.write_string(r as u32 + 1, 1, paper["id"].as_str().unwrap()).unwrap();
        sheet.write_string(r as u32 + 1, 2, answers.join(",")).unwrap();
    }
    workbook.save(ws.path("responses.xlsx")).unwrap();
    ws.ok(["score", "theory", "--session", SESSION, "responses.xlsx"]);
    let totals = theory(&ws);
    assert_eq!(totals["E001"].as_f64(), Some(14.0));
    assert_eq!(totals["E002"].as_f64(), Some(14.0));
}

#[test]
fn partial_credit_and_judge_spellings() {
    let (ws, papers) = ready(2);
    let a = items(&papers[0]);
    let multiple = a.iter().position(|i| i["kind"] == "multiple").unwrap();
    let key = a[multiple]["answer"].as_str().unwrap();
    let judges: Vec<usize> = a.iter().enumerate().filter(|(_, i)| i["kind"] == "judge").map(|(k, _)| k).collect();
    // E001: only the first letter of the multiple-choice key (half points) and the judge
    // items in other spellings; E003 (also form A) would be the same, so one is enough.
    let spell = |answer: &str, k: usize| match (answer, k % 4) {
        ("对", 0) => "√",
        ("对", 1) => "T",
        ("对", 2) => "true",
        ("对", _) => "正确",
        ("错", 0) => "×",
        ("错", 1) => "f",
        ("错", 2) => "FALSE",
        _ => "错误",
    };
    let mut answers = vec![String::new(); a.len()];
    answers[multiple] = key[..1].to_owned();
    for (n, &k) in judges.iter().enumerate() {
        answers[k] = spell(a[k]["answer"].as_str().unwrap(), n).to_owned();
    }
    ws.write(
        "r.csv",
        format!("准考证号,试卷,答案\nE001,{},\"{}\"\n", papers[0]["id"].as_str().unwrap(), answers.join(",")),
    );
    ws.ok(["score", "theory", "--session", SESSION, "r.csv"]);
    assert_eq!(theory(&ws)["E001"].as_f64(), Some(judges.len() as f64 + 1.0));
}

#[test]
fn every_candidate_problem_is_reported_with_its_row_and_nothing_is_imported() {
    let ws = Workspace::new();
    ws.ok(["session", "create", "--id", SESSION, "--level", "四级", "--date", "2026-12-05"]);
    let bad_check = {
        let mut id = valid_id(1);
        let last = id.pop().unwrap();
        id.push(if last == '0' { '1' } else { '0' });
        id
    };
    let future = {
        let first17 = "99010120991231123";
        format!("{first17}{}", check_char(first17))
    };
    let not_a_date = {
        let first17 = "99010119990230123";
        format!("{first17}{}", check_char(first17))
    };
    ws.write(
        "c.csv",
        format!(
            "准考证号,姓名,身份证号,培训机构\n\
             E001,甲,{},甲校\n\
             E002,乙,{bad_check},甲校\n\
             E003,丙,{future},甲校\n\
             E004,丁,{not_a_date},甲校\n\
             E001,戊,{},甲校\n\
             E006,己,{},甲校\n\
             E007,,{},甲校\n",
            valid_id(1),
            valid_id(5),
            valid_id(1),
            valid_id(7)
        ),
    );
    let before = file_hash(&ws.db());
    let failed = ws.fails(["candidates", "import", "--session", SESSION, "c.csv"]);
    for (location, message) in [
        ("c.csv:3:C:", "校验位"),
        ("c.csv:4:C:", "晚于今天"),
        ("c.csv:5:C:", "不是真实日期"),
        ("c.csv:6:", "准考证号 E001 重复"),
        ("c.csv:7:", "身份证号"),
        ("c.csv:8:B", "姓名是空的"),
    ] {
        assert!(
            failed.stderr.lines().any(|l| l.contains(location) && l.contains(message)),
            "expected {location} {message}:\n{}",
            failed.stderr
        );
    }
    assert_eq!(file_hash(&ws.db()), before);
    assert_eq!(ws.json(["session", "show", SESSION])["candidates"].as_array().unwrap().len(), 0);
}

fn check_char(first17: &str) -> char {
    let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = first17.chars().zip(weights).map(|(c, w)| c.to_digit(10).unwrap() * w).sum();
    b"10X98765432"[(sum % 11) as usize] as char
}

#[test]
fn an_excel_number_in_the_id_column_says_to_format_it_as_text() {
    let ws = Workspace::new();
    ws.ok(["session", "create", "--id", SESSION, "--level", "四级", "--date", "2026-12-05"]);
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (c, h) in ["准考证号", "姓名", "身份证号"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    sheet.write_string(1, 0, "E001").unwrap();
    sheet.write_string(1, 1, "甲").unwrap();
    sheet.write_number(1, 2, 990101199001011230.0).unwrap();
    workbook.save(ws.path("c.xlsx")).unwrap();
    let failed = ws.fails(["candidates", "import", "--session", SESSION, "c.xlsx"]);
    assert!(failed.stderr.contains("c.xlsx:2:C:") && failed.stderr.contains("文本"), "{}", failed.stderr);
}

#[test]
fn ids_are_masked_unless_asked_for() {
    let (ws, _) = ready(2);
    let id = valid_id(1);
    let masked = format!("{}********{}", &id[..6], &id[14..]);
    let shown = ws.ok(["session", "show", SESSION]).stdout;
    assert!(shown.contains(&masked) && !shown.contains(&id), "{shown}");
    let json = ws.json(["session", "show", SESSION]);
    assert_eq!(json["candidates"][0]["id_number"], masked.as_str());
    let full = ws.ok(["session", "show", SESSION, "--full-id"]).stdout;
    assert!(full.contains(&id));
}

#[test]
fn assignment_deals_forms_in_turn_by_exam_number() {
    let (ws, papers) = ready(5);
    let shown = ws.json(["session", "show", SESSION]);
    let dealt: Vec<&str> =
        shown["candidates"].as_array().unwrap().iter().map(|c| c["paper"].as_str().unwrap()).collect();
    let a = papers[0]["id"].as_str().unwrap();
    let b = papers[1]["id"].as_str().unwrap();
    assert_eq!(dealt, [a, b, a, b, a]);
}

#[test]
fn every_response_problem_is_reported_with_row_and_column_and_nothing_is_stored() {
    let (ws, papers) = ready(3);
    let a = items(&papers[0]);
    let n = a.len();
    let single = a.iter().position(|i| i["kind"] == "single").unwrap();
    let options = a[single]["options"].as_array().unwrap().len();
    let beyond = (b'A' + options as u8) as char;
    let mut header = String::from("准考证号,试卷");
    for q in 1..=n + 1 {
        header.push_str(&format!(",{q}"));
    }
    let blank = ",".repeat(n + 1);
    let mut beyond_row = vec![String::new(); n + 1];
    beyond_row[single] = beyond.to_string();
    let mut extra_row = vec![String::new(); n + 1];
    extra_row[n] = "A".into();
    ws.write(
        "bad.csv",
        format!(
            "{header}\n\
             E999,{a}{blank}\n\
             E002,{a}{blank}\n\
             E001,{a},{}\n\
             E003,{a},{}\n",
            beyond_row.join(","),
            extra_row.join(","),
            a = papers[0]["id"].as_str().unwrap(),
        ),
    );
    let before = file_hash(&ws.db());
    let failed = ws.fails(["score", "theory", "--session", SESSION, "bad.csv"]);
    let column = |index: usize| {
        let letters = ["A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M", "N", "O", "P"];
        letters[index].to_owned()
    };
    for (location, message) in [
        ("bad.csv:2:A:".to_owned(), "不在批次"),
        ("bad.csv:3:B:".to_owned(), "不是分配给考生 E002"),
        (format!("bad.csv:4:{}:", column(single + 2)), "超出选项范围"),
        (format!("bad.csv:5:{}:", column(n + 2)), "试卷只有"),
    ] {
        assert!(
            failed.stderr.lines().any(|l| l.contains(&location) && l.contains(message)),
            "expected {location} {message}:\n{}",
            failed.stderr
        );
    }
    assert_eq!(file_hash(&ws.db()), before, "nothing may be stored");
}

#[test]
fn fix_key_changes_exactly_the_affected_totals() {
    let (ws, papers) = ready(5);
    let a = items(&papers[0]);
    let q = a.iter().position(|i| i["kind"] == "single").unwrap();
    let key = a[q]["answer"].as_str().unwrap().to_owned();
    let other = wrong(&a[q]);
    let id = papers[0]["id"].as_str().unwrap();
    // On form A: E001 answers the key, E003 the other letter, E005 nothing.
    let answers = |answer: &str| {
        let mut all = vec![String::new(); a.len()];
        all[q] = answer.to_owned();
        all.join(",")
    };
    ws.write(
        "r.csv",
        format!(
            "准考证号,试卷,答案\nE001,{id},\"{}\"\nE003,{id},\"{}\"\nE005,{id},\"{}\"\n",
            answers(&key),
            answers(&other),
            answers("")
        ),
    );
    ws.ok(["score", "theory", "--session", SESSION, "r.csv"]);
    let question = (q + 1).to_string();
    let fixed = ws.json(["paper", "fix-key", id, &question, &other, "--reason", "原答案有误"]);
    let changed: Vec<(String, f64, f64)> = fixed["changed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["exam_no"].as_str().unwrap().to_owned(),
                c["old_total"].as_f64().unwrap(),
                c["new_total"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(changed, vec![("E001".to_owned(), 1.0, 0.0), ("E003".to_owned(), 0.0, 1.0)]);
    assert_eq!(fixed["old_answer"], key.as_str());
    let totals = theory(&ws);
    assert_eq!(totals["E001"].as_f64(), Some(0.0));
    assert_eq!(totals["E003"].as_f64(), Some(1.0));
    assert_eq!(totals["E005"].as_f64(), Some(0.0));
    let shown = ws.json(["paper", "show", id]);
    assert_eq!(shown["papers"][0]["items"][q]["answer"], other.as_str());
    let change = &shown["papers"][0]["key_changes"][0];
    assert_eq!((change["old_answer"].as_str(), change["reason"].as_str()), (Some(key.as_str()), Some("原答案有误")));
    // A wrong-shaped correction is refused and changes nothing.
    let before = file_hash(&ws.db());
    ws.fails(["paper", "fix-key", id, &question, "Z", "--reason", "x"]);
    ws.fails(["paper", "fix-key", id, "999", "A", "--reason", "x"]);
    assert_eq!(file_hash(&ws.db()), before);
}

#[test]
fn a_second_sheet_needs_replace_and_the_first_is_kept() {
    let (ws, papers) = ready(1);
    let id = papers[0]["id"].as_str().unwrap();
    let a = items(&papers[0]);
    let right: Vec<&str> = a.iter().map(|i| i["answer"].as_str().unwrap()).collect();
    ws.write("first.csv", format!("准考证号,试卷,答案\nE001,{id},\"{}\"\n", vec![""; a.len()].join(",")));
    ws.write("second.csv", format!("准考证号,试卷,答案\nE001,{id},\"{}\"\n", right.join(",")));
    ws.ok(["score", "theory", "--session", SESSION, "first.csv"]);
    let before = file_hash(&ws.db());
    let failed = ws.fails(["score", "theory", "--session", SESSION, "second.csv"]);
    assert!(failed.stderr.contains("--replace"), "{}", failed.stderr);
    assert_eq!(file_hash(&ws.db()), before);
    ws.ok(["score", "theory", "--session", SESSION, "second.csv", "--replace"]);
    let shown = ws.json(["session", "show", SESSION]);
    assert_eq!(shown["candidates"][0]["theory"].as_f64(), Some(14.0));
    assert_eq!(shown["candidates"][0]["replaced_sheets"], 1);
}

#[test]
fn concurrent_imports_of_one_session_leave_one_winner_and_the_usual_advice() {
    // Enough sheets that the winner holds the write lock while the others start.
    let (ws, _) = ready(300);
    ws.ok(["simulate", "--session", SESSION, "--seed", "5", "--out", "rehearsal"]);
    let file = ws.path("rehearsal").join("theory-responses.csv");
    let args = ["score".as_ref(), "theory".as_ref(), "--session".as_ref(), SESSION.as_ref(), file.as_os_str()];
    // Spawned together, then waited: the four imports race for the write transaction.
    let outputs = ws.at_once((0..4).map(|_| args));
    let codes: Vec<Option<i32>> = outputs.iter().map(|o| o.status.code()).collect();
    assert_eq!(codes.iter().filter(|c| **c == Some(0)).count(), 1, "{codes:?}");
    assert_eq!(codes.iter().filter(|c| **c == Some(1)).count(), 3, "{codes:?}");
    let sequential = ws.fails(args).stderr;
    assert!(sequential.contains("--replace"), "{sequential}");
    for output in outputs.iter().filter(|o| o.status.code() == Some(1)) {
        assert_eq!(String::from_utf8_lossy(&output.stderr), sequential);
    }
    let shown = ws.json(["session", "show", SESSION]);
    let candidates = shown["candidates"].as_array().unwrap();
    assert!(candidates.iter().all(|c| c["theory"].is_number() && c["replaced_sheets"] == 0), "{candidates:?}");
}

#[test]
fn simulated_responses_score_cleanly() {
    let (ws, _) = ready(20);
    ws.ok(["simulate", "--session", SESSION, "--seed", "3", "--out", "rehearsal"]);
    let file = ws.path("rehearsal").join("theory-responses.csv");
    assert!(Path::new(&file).exists());
    let result =
        ws.json(["score".as_ref(), "theory".as_ref(), "--session".as_ref(), SESSION.as_ref(), file.as_os_str()]);
    assert_eq!(result["sheets"], 20);
    let totals: Vec<f64> =
        result["candidates"].as_array().unwrap().iter().map(|c| c["theory"].as_f64().unwrap()).collect();
    let distinct: std::collections::HashSet<u64> = totals.iter().map(|t| (*t * 2.0) as u64).collect();
    assert!(distinct.len() > 4, "abilities should vary: {totals:?}");
}

#[test]
fn the_full_cycle_example_runs() {
    let ws = Workspace::new();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/full-cycle.sh");
    let output = std::process::Command::new("bash")
        .arg(&script)
        .arg(ws.path("cycle"))
        .env("CERTIFY", env!("CARGO_BIN_EXE_certify"))
        .env_remove("CERTIFY_DB")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("已评分 59 份答卷"), "one candidate was absent: {stdout}");
    for operation in
        ["已更正考生 202612010002", "理论缺考", "理论违纪", "不签发证书", "已导出补考名单", "沿用批次 2026-12-BJ01"]
    {
        assert!(stdout.contains(operation), "the cycle shows «{operation}»: {stdout}");
    }
    assert!(stdout.contains("已导入 360 条评分"), "{stdout}");
    assert!(stdout.contains("有效：签名真实"), "{stdout}");
    assert!(stdout.contains("截至撤销名单生成时"), "{stdout}");
    assert!(ws.path("cycle").join("合格名单.xlsx").exists());
    assert!(stdout.contains("共需监考员 4 名"), "{stdout}");
    assert!(ws.path("cycle").join("准考证.html").exists() && ws.path("cycle").join("签到表.html").exists());
    let keys = std::fs::read_dir(ws.path("cycle").join("考务机密")).unwrap().count();
    assert_eq!(keys, 2, "each paper's key sits in 考务机密/");
    assert!(!ws.path("cycle").join("no-such-workspace.db").exists(), "offline verification needs no workspace");
    use unicode_width::UnicodeWidthStr;
    let wide: Vec<&str> = stdout.lines().filter(|line| line.width() > 120).collect();
    assert!(wide.is_empty(), "every line fits a 120-column terminal: {wide:#?}");
}
