//! Exam operations: roster maintenance with its change log, attendance and misconduct,
//! retakes (appeals, using the helpers here, are in `appeals.rs`). Each refusal exits 1,
//! says why, and leaves the database as it was.

use serde_json::Value;

use crate::support::{Workspace, file_hash, valid_id};
use crate::trust::{S1, cycle};

/// Runs as the OS user `user`, expecting `code`; returns (stdout, stderr).
pub fn run_as(ws: &Workspace, user: &str, args: &[&str], code: i32) -> (String, String) {
    let output = ws.command(args).env("USER", user).output().unwrap();
    let (stdout, stderr) = (String::from_utf8(output.stdout).unwrap(), String::from_utf8(output.stderr).unwrap());
    assert_eq!(output.status.code(), Some(code), "{args:?}\n--- stdout\n{stdout}\n--- stderr\n{stderr}");
    (stdout, stderr)
}

/// Runs a command that must be refused: exit 1, `message` on stderr, the database unchanged.
pub fn refused(ws: &Workspace, args: &[&str], message: &str) -> String {
    let before = file_hash(&ws.db());
    let failed = ws.fails(args);
    assert!(failed.stderr.contains(message), "expected「{message}」in:\n{}", failed.stderr);
    assert_eq!(file_hash(&ws.db()), before, "{args:?} changed the database");
    failed.stderr
}

pub fn result_of(ws: &Workspace, session: &str, exam_no: &str) -> Value {
    let results = ws.json(["results", "--session", session]);
    results["candidates"].as_array().unwrap().iter().find(|c| c["exam_no"] == exam_no).unwrap().clone()
}

/// The first passer of S1 (exam number), with a certificate issued for everyone.
pub fn issued(ws: &Workspace) -> (String, String) {
    let report = ws.json(["certificates", "issue", "--session", S1]);
    let first = &report["certificates"][0];
    (first["exam_no"].as_str().unwrap().to_owned(), first["number"].as_str().unwrap().to_owned())
}

/// An empty-bank workspace with session A (四级) holding one candidate, E1 张三.
pub fn one_candidate() -> Workspace {
    let ws = Workspace::new();
    ws.ok(["init", "--empty"]);
    ws.ok(["session", "create", "--id", "A", "--level", "四级", "--date", "2026-12-05"]);
    ws.write("one.csv", format!("准考证号,姓名,身份证号,培训机构\nE1,张三,{},甲校\n", valid_id(1)));
    ws.ok(["candidates", "import", "--session", "A", "one.csv"]);
    ws
}

#[test]
fn candidates_list_masks_ids_and_gives_status_and_paper() {
    let ws = cycle();
    let listed = ws.json(["candidates", "list", "--session", S1]);
    let first = &listed["candidates"][0];
    assert_eq!(first["exam_no"], "202612010001");
    assert_eq!(first["id_number"], "990102********0709");
    assert_eq!(first["status"], "registered");
    assert!(first["paper"].as_str().unwrap().starts_with("P-"));
    let full = ws.json(["candidates", "list", "--session", S1, "--full-id"]);
    assert_eq!(full["candidates"][0]["id_number"], "990102198604070709");
    let table = ws.ok(["candidates", "list", "--session", S1]).stdout;
    assert!(table.contains("罗晓琳") && table.contains("在册") && !table.contains("990102198604070709"), "{table}");
}

#[test]
fn a_correction_after_issue_names_what_it_affects_flags_the_certificate_and_is_logged() {
    let ws = cycle();
    let (exam_no, number) = issued(&ws);
    let (stdout, _) = run_as(
        &ws,
        "王老师",
        &[
            "candidates",
            "update",
            "--session",
            S1,
            "--exam-no",
            &exam_no,
            "--name",
            "罗小林",
            "--reason",
            "身份证复印件核对",
        ],
        0,
    );
    assert!(stdout.contains("姓名："), "{stdout}");
    assert!(stdout.contains(&format!("该考生已有理论、实操成绩和证书 {number}：证书已标记为需复核")), "{stdout}");
    let stale = ws.json(["certificates", "list", "--stale", "--session", S1]);
    assert!(stale["certificates"].as_array().unwrap().iter().any(|c| c["number"] == number.as_str()), "{stale}");
    let log = ws.json(["session", "show", S1, "--log"]);
    let entry = &log["log"][0];
    assert_eq!(entry["exam_no"], exam_no.as_str());
    assert_eq!(entry["by"], "王老师");
    assert_eq!(entry["reason"], "身份证复印件核对");
    assert!(entry["detail"].as_str().unwrap().contains("→ 罗小林"));
    assert!(entry["at"].as_str().unwrap().len() >= 19);
    let shown = ws.ok(["session", "show", S1, "--log"]).stdout;
    assert!(shown.contains("王老师") && shown.contains("身份证复印件核对"), "{shown}");
}

#[test]
fn a_correction_checks_the_id_number_like_import_and_needs_a_reason() {
    let ws = cycle();
    let args = ["candidates", "update", "--session", S1, "--exam-no", "202612010001", "--id-number"];
    let mut bad = args.to_vec();
    bad.extend(["990102198604070700", "--reason", "更正"]);
    refused(&ws, &bad, "--id-number「990102198604070700」不对");
    // Someone else's ID number in the same session.
    let mut taken = args.to_vec();
    taken.extend(["990301199201278627", "--reason", "更正"]);
    refused(&ws, &taken, "已在批次 S1 登记（准考证号 202612010002）");
    refused(
        &ws,
        &["candidates", "update", "--session", S1, "--exam-no", "202612010001", "--name", "王", "--reason", " "],
        "请用 --reason 写明更正的原因",
    );
    refused(
        &ws,
        &["candidates", "update", "--session", S1, "--exam-no", "X9", "--name", "王", "--reason", "更正"],
        "没有准考证号为「X9」的考生",
    );
}

#[test]
fn a_withdrawn_candidate_keeps_the_record_and_cannot_be_scored() {
    let ws = cycle();
    let exam_no = "202612010003";
    // Rehearsal files written before the withdrawal still hold their rows.
    ws.ok(["simulate", "--session", S1, "--seed", "7", "--out", "again"]);
    let out =
        ws.ok(["candidates", "withdraw", "--session", S1, "--exam-no", exam_no, "--reason", "本人申请退考"]).stdout;
    assert!(out.contains("已标记为退考"), "{out}");
    let listed = ws.json(["candidates", "list", "--session", S1]);
    let row = listed["candidates"].as_array().unwrap().iter().find(|c| c["exam_no"] == exam_no).unwrap().clone();
    assert_eq!(row["status"], "withdrawn");
    let result = result_of(&ws, S1, exam_no);
    assert_eq!(result["passed"], false);
    assert_eq!(result["reason"], "退考：本人申请退考");
    // Their sheet (rehearsal data again, replacing) is refused with the reason.
    refused(
        &ws,
        &["score", "theory", "--session", S1, "again/theory-responses.csv", "--replace"],
        &format!("考生 {exam_no} 不能评分：已退考（原因：本人申请退考）"),
    );
    refused(&ws, &["candidates", "withdraw", "--session", S1, "--exam-no", exam_no, "--reason", "x"], "已经退考");
}

#[test]
fn transfer_is_refused_across_levels_and_after_scores() {
    let ws = cycle();
    ws.ok(["session", "create", "--id", "L5", "--level", "五级", "--date", "2026-12-20"]);
    refused(
        &ws,
        &["candidates", "transfer", "--from", S1, "--to", "L5", "--exam-no", "202612010001"],
        "批次 S1 是四级，批次 L5 是五级，等级不同",
    );
    ws.ok(["session", "create", "--id", "S9", "--level", "四级", "--date", "2026-12-20"]);
    refused(
        &ws,
        &["candidates", "transfer", "--from", S1, "--to", "S9", "--exam-no", "202612010001"],
        "已有理论成绩、已有实操评分，不能转批次",
    );
}

#[test]
fn a_candidate_without_scores_moves_with_the_exam_number_and_both_logs_say_so() {
    let ws = one_candidate();
    ws.ok(["session", "create", "--id", "B", "--level", "四级", "--date", "2026-12-05"]);
    let (out, _) = run_as(&ws, "li", &["candidates", "transfer", "--from", "A", "--to", "B", "--exam-no", "E1"], 0);
    assert!(out.contains("已由批次 A 转入批次 B"), "{out}");
    assert_eq!(ws.json(["candidates", "list", "--session", "A"])["candidates"].as_array().unwrap().len(), 0);
    assert_eq!(ws.json(["candidates", "list", "--session", "B"])["candidates"][0]["name"], "张三");
    assert_eq!(ws.json(["session", "show", "A", "--log"])["log"][0]["detail"], "转出到批次 B");
    assert_eq!(ws.json(["session", "show", "B", "--log"])["log"][0]["by"], "li");
}

#[test]
fn reimport_skips_unchanged_rows_and_changed_rows_need_update() {
    let ws = Workspace::new();
    ws.ok(["init", "--empty"]);
    ws.ok(["session", "create", "--id", "A", "--level", "四级", "--date", "2026-12-05"]);
    let list = |second: &str| {
        format!("准考证号,姓名,身份证号,培训机构\nE1,张三,{},甲校\nE2,{second},{},乙校\n", valid_id(1), valid_id(2))
    };
    ws.write("list.csv", list("李四"));
    ws.ok(["candidates", "import", "--session", "A", "list.csv"]);
    let again = ws.ok(["candidates", "import", "--session", "A", "list.csv"]).stdout;
    assert!(again.contains("已导入 0 名") && again.contains("2 名考生已登记且信息相同，已跳过"), "{again}");
    ws.write("list.csv", list("李思"));
    let stderr = refused(
        &ws,
        &["candidates", "import", "--session", "A", "list.csv"],
        "考生 E2 已登记，文件中的内容不同：姓名：李四 → 李思",
    );
    assert!(stderr.contains("--update"), "{stderr}");
    let updated = ws.ok(["candidates", "import", "--session", "A", "list.csv", "--update"]).stdout;
    assert!(updated.contains("已按文件更新 1 名") && updated.contains("1 名考生已登记且信息相同"), "{updated}");
    assert_eq!(ws.json(["candidates", "list", "--session", "A"])["candidates"][1]["name"], "李思");
    assert_eq!(ws.json(["session", "show", "A", "--log"])["log"][0]["action"], "reimport");
}

#[test]
fn misconduct_after_issue_flags_the_certificate_and_later_issues_skip_and_list_it() {
    let ws = cycle();
    let (exam_no, number) = issued(&ws);
    let out = ws
        .ok([
            "session",
            "mark",
            "--session",
            S1,
            "--exam-no",
            &exam_no,
            "--part",
            "theory",
            "--status",
            "misconduct",
            "--reason",
            "携带手机",
        ])
        .stdout;
    assert!(out.contains("理论违纪") && out.contains(&format!("证书 {number}：证书已标记为需复核")), "{out}");
    let result = result_of(&ws, S1, &exam_no);
    assert_eq!(result["passed"], false);
    assert_eq!(result["reason"], "违纪（理论）：携带手机");
    assert_eq!(result["marks"][0]["status"], "misconduct");
    assert_eq!(result["marks"][0]["part"], "theory");
    assert_eq!(result["stale"], true);
    let table = ws.ok(["results", "--session", S1]).stdout;
    assert!(table.contains("违纪（理论）：携带手机") && table.contains("需复核"), "{table}");
    let stale = ws.json(["certificates", "list", "--stale", "--session", S1]);
    assert!(stale["certificates"].as_array().unwrap().iter().any(|c| c["number"] == number.as_str()));
    // Revoked and issued again: the 违纪 candidate is skipped and named.
    ws.ok(["certificates", "revoke", &number, "--reason", "违纪"]);
    let report = ws.json(["certificates", "issue", "--session", S1]);
    assert!(report["certificates"].as_array().unwrap().iter().all(|c| c["exam_no"] != exam_no.as_str()));
    assert_eq!(report["withheld_misconduct"][0]["exam_no"], exam_no.as_str());
    let text = ws.ok(["certificates", "issue", "--session", S1]).stdout;
    assert!(text.contains("1 人有违纪记录，不签发证书") && text.contains("携带手机"), "{text}");
}

#[test]
fn absence_is_shown_with_part_and_reason_and_contradicting_marks_are_refused() {
    let ws = one_candidate();
    ws.ok([
        "session",
        "mark",
        "--session",
        "A",
        "--exam-no",
        "E1",
        "--part",
        "practical",
        "--status",
        "absent",
        "--reason",
        "病假",
    ]);
    let results = ws.json(["results", "--session", "A"]);
    assert_eq!(results["candidates"][0]["reason"], "缺考（实操）：病假");
    assert_eq!(ws.json(["session", "show", "A", "--log"])["log"][0]["detail"], "实操缺考");
    refused(
        &ws,
        &[
            "session",
            "mark",
            "--session",
            "A",
            "--exam-no",
            "E1",
            "--part",
            "theory",
            "--status",
            "absent",
            "--reason",
            " ",
        ],
        "请用 --reason 写明标记的原因",
    );
    refused(
        &ws,
        &[
            "session",
            "mark",
            "--session",
            "A",
            "--exam-no",
            "E9",
            "--part",
            "theory",
            "--status",
            "absent",
            "--reason",
            "x",
        ],
        "没有准考证号为「E9」的考生",
    );
}

#[test]
fn absence_cannot_be_marked_over_a_recorded_score() {
    let ws = cycle();
    // Marking absent on a part already scored is refused; the sheet stays.
    refused(
        &ws,
        &[
            "session",
            "mark",
            "--session",
            S1,
            "--exam-no",
            "202612010001",
            "--part",
            "theory",
            "--status",
            "absent",
            "--reason",
            "x",
        ],
        "已有理论成绩，不能标记为缺考",
    );
}

/// (exam number, full ID, name) of the first S1 candidate whose result is `reason`.
fn with_reason(ws: &Workspace, reason: &str) -> (String, String, String) {
    let results = ws.json(["results", "--session", S1, "--full-id"]);
    let c = results["candidates"].as_array().unwrap().iter().find(|c| c["reason"] == reason).unwrap().clone();
    let text = |k: &str| c[k].as_str().unwrap().to_owned();
    (text("exam_no"), text("id_number"), text("name"))
}

#[test]
fn a_retake_carries_the_passed_part_and_refuses_everyone_else_at_once() {
    let ws = cycle();
    let (_, id, name) = with_reason(&ws, "实操不合格");
    let passer = ws.json(["results", "--session", S1, "--full-id"])["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["passed"] == true)
        .unwrap()["id_number"]
        .as_str()
        .unwrap()
        .to_owned();
    ws.ok(["session", "create", "--id", "R1", "--level", "四级", "--date", "2027-03-01", "--retake-of", S1]);
    ws.write(
        "bad.csv",
        format!(
            "准考证号,姓名,身份证号\nR01,{name},{id}\nR02,某人,{passer}\nR03,新人,{}\n",
            crate::support::valid_id(777)
        ),
    );
    let stderr = refused(&ws, &["candidates", "import", "--session", "R1", "bad.csv"], "两部分均合格，不需要补考");
    assert!(stderr.contains("没有参加过批次 S1"), "{stderr}");
    ws.ok(["config", "set", "retake-months", "1"]);
    ws.write("one.csv", format!("准考证号,姓名,身份证号\nR01,{name},{id}\n"));
    refused(&ws, &["candidates", "import", "--session", "R1", "one.csv"], "已超过 1 个月保留期");
    refused(&ws, &["config", "set", "retake-months", "61"], "1 到 60");
    ws.ok(["config", "set", "retake-months", "12"]);
    let imported = ws.ok(["candidates", "import", "--session", "R1", "one.csv"]).stdout;
    assert!(imported.contains("理论成绩") && imported.contains("沿用批次 S1（2026-12-05）"), "{imported}");
    let result = result_of(&ws, "R1", "R01");
    assert_eq!(result["carried"][0]["part"], "theory");
    assert_eq!(result["carried"][0]["from_session"], S1);
    assert!(result["theory"].as_f64().is_some());
    assert!(ws.ok(["results", "--session", "R1"]).stdout.contains("（S1 2026-12-05）"));
    // The carried part was sat in S1: an appeal against it belongs there.
    refused(
        &ws,
        &["appeal", "open", "--session", "R1", "--exam-no", "R01", "--part", "theory", "--reason", "分数有误"],
        "的理论成绩沿用批次 S1（2026-12-05，准考证号",
    );
}

#[test]
fn the_retake_list_holds_exactly_who_may_retake_and_imports_as_it_is() {
    let ws = cycle();
    let results = ws.json(["results", "--session", S1, "--full-id"]);
    let one_part: Vec<String> = results["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| matches!(c["reason"].as_str(), Some("理论不合格" | "实操不合格")))
        .map(|c| c["exam_no"].as_str().unwrap().to_owned())
        .collect();
    assert!(!one_part.is_empty());
    let exported = ws.json(["export", "retake-list", "--session", S1, "--out", "retake.csv"]);
    assert_eq!(exported["candidates"].as_u64(), Some(one_part.len() as u64));
    let text = String::from_utf8(std::fs::read(ws.path("retake.csv")).unwrap()[3..].to_vec()).unwrap();
    let listed: Vec<&str> = text.lines().skip(1).map(|l| l.split(',').next().unwrap()).collect();
    assert_eq!(listed, one_part, "exactly those who failed one part");
    ws.ok(["session", "create", "--id", "R2", "--level", "四级", "--date", "2027-03-01", "--retake-of", S1]);
    let imported = ws.ok(["candidates", "import", "--session", "R2", "retake.csv"]).stdout;
    assert!(imported.contains("沿用批次 S1"), "{imported}");
    let before = file_hash(&ws.db());
    refused(&ws, &["export", "retake-list", "--session", S1, "--out", "retake.csv"], "已存在");
    assert_eq!(file_hash(&ws.db()), before);
}

#[test]
fn a_transfer_never_bypasses_a_retake_sessions_checks() {
    let ws = cycle();
    ws.ok(["session", "create", "--id", "R9", "--level", "四级", "--date", "2027-03-01", "--retake-of", S1]);
    ws.ok(["session", "create", "--id", "N9", "--level", "四级", "--date", "2027-03-01"]);
    ws.write("n.csv", format!("准考证号,姓名,身份证号\nN01,新人,{}\n", crate::support::valid_id(888)));
    ws.ok(["candidates", "import", "--session", "N9", "n.csv"]);
    let stderr =
        refused(&ws, &["candidates", "transfer", "--from", "N9", "--to", "R9", "--exam-no", "N01"], "补考批次");
    assert!(stderr.contains("candidates import"), "{stderr}");
}

/// The tasks `exam_no` drew in `session`.
fn drawn_tasks(ws: &Workspace, session: &str, exam_no: &str) -> Vec<String> {
    let draws = ws.json(["practical", "show", "--session", session]);
    draws["draws"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["exam_no"] == exam_no)
        .flat_map(|d| d["tasks"].as_array().unwrap().iter().map(|t| t.as_str().unwrap().to_owned()))
        .collect()
}

/// `grade status --json`'s entry for one candidate.
fn grade_status_of(ws: &Workspace, session: &str, exam_no: &str) -> Value {
    let status = ws.json(["grade", "status", "--session", session]);
    status["candidates"].as_array().unwrap().iter().find(|c| c["exam_no"] == exam_no).unwrap().clone()
}

#[test]
fn a_withdrawn_candidates_grades_are_refused_all_at_once_and_status_shows_no_practical() {
    let ws = cycle();
    let (first, second) = ("202612010003", "202612010004");
    assert!(grade_status_of(&ws, S1, first)["practical"].as_f64().is_some());
    let complete = ws.json(["grade", "status", "--session", S1])["complete"].as_u64().unwrap();
    ws.ok(["simulate", "--session", S1, "--seed", "7", "--out", "again"]);
    for exam_no in [first, second] {
        ws.ok(["candidates", "withdraw", "--session", S1, "--exam-no", exam_no, "--reason", "本人申请退考"]);
    }
    let stderr = refused(
        &ws,
        &["grade", "import", "--session", S1, "again/practical-grades.csv"],
        &format!("考生 {first} 不能评分：已退考（原因：本人申请退考）"),
    );
    assert!(stderr.contains(&format!("考生 {second} 不能评分：已退考（原因：本人申请退考）")), "{stderr}");
    assert_eq!(stderr.matches(&format!("考生 {first} 不能评分")).count(), 1, "once per candidate:\n{stderr}");
    // Interactive entry is refused before a single step is asked.
    let task = drawn_tasks(&ws, S1, first)[0].clone();
    let stderr = refused(
        &ws,
        &["grade", "--session", S1, "--candidate", first, "--task", &task, "--examiner", "甲"],
        &format!("考生 {first} 不能评分：已退考（原因：本人申请退考）"),
    );
    assert!(!stderr.contains("得分："), "{stderr}");
    // grade status keeps the entries on record but gives no practical score.
    let status = grade_status_of(&ws, S1, first);
    assert_eq!(status["practical"], Value::Null);
    assert_eq!(status["not_graded"]["label"], "退考");
    let head = ws.json(["grade", "status", "--session", S1]);
    assert_eq!(head["complete"].as_u64(), Some(complete - 2));
    assert_eq!(head["not_graded"], 2);
    let text = ws.ok(["grade", "status", "--session", S1]).stdout;
    assert!(text.contains("不评实操 2 人（退考 2 人）"), "{text}");
    let row = text.lines().find(|l| l.contains(first)).unwrap();
    assert!(row.contains("退考"), "{row}");
}

#[test]
fn an_absent_practical_is_neither_drawn_nor_graded_and_absence_over_grades_is_refused() {
    let ws = Workspace::new();
    ws.ok(["init"]);
    let plan = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/practical-plan.toml");
    ws.ok([
        "session",
        "create",
        "--id",
        "A",
        "--level",
        "四级",
        "--date",
        "2026-12-05",
        "--practical",
        plan.to_str().unwrap(),
    ]);
    let mut csv = String::from("准考证号,姓名,身份证号\n");
    for i in 1..=4 {
        csv.push_str(&format!("E{i},考生{i},{}\n", valid_id(i)));
    }
    ws.write("c.csv", csv);
    ws.ok(["candidates", "import", "--session", "A", "c.csv"]);
    let mark = |exam_no: &str, reason: &str| {
        ["session", "mark", "--session", "A", "--exam-no", exam_no, "--part", "practical", "--status", "absent"]
            .iter()
            .map(|s| s.to_string())
            .chain(["--reason".to_owned(), reason.to_owned()])
            .collect::<Vec<_>>()
    };
    // Known before the draw: E1 absent, E2 withdrawn; neither is drawn.
    ws.ok(mark("E1", "病假"));
    ws.ok(["candidates", "withdraw", "--session", "A", "--exam-no", "E2", "--reason", "搬家"]);
    let drawn = ws.ok(["practical", "draw", "--session", "A", "--seed", "5"]).stdout;
    assert!(drawn.contains("已为 2 名考生抽签") && drawn.contains("未抽签 2 人（退考 1 人、缺考 1 人）"), "{drawn}");
    assert!(drawn_tasks(&ws, "A", "E1").is_empty() && drawn_tasks(&ws, "A", "E2").is_empty());
    // Absent after the draw: E3 keeps the draw but cannot be graded.
    ws.ok(mark("E3", "迟到未入场"));
    let e3 = drawn_tasks(&ws, "A", "E3");
    let e4 = drawn_tasks(&ws, "A", "E4");
    // Three examiners' 90 on every task of each candidate.
    let graded = |candidates: &[(&str, &Vec<String>)]| {
        let mut file = String::from(crate::practical::HEADER);
        for (exam_no, tasks) in candidates {
            for task in *tasks {
                for examiner in ["甲", "乙", "丙"] {
                    file.push_str(&crate::practical::entry_rows(&ws, exam_no, task, examiner, 90.0, &[]));
                }
            }
        }
        file
    };
    let mut file = graded(&[("E3", &e3), ("E4", &e4)]);
    file.push_str(&crate::practical::entry_rows(&ws, "E1", &e4[0], "甲", 90.0, &[]));
    ws.write("grades.csv", file);
    let stderr = refused(
        &ws,
        &["grade", "import", "--session", "A", "grades.csv"],
        "考生 E3 不能评分：实操已标记为缺考（原因：迟到未入场）",
    );
    assert!(stderr.contains("考生 E1 不能评分：实操已标记为缺考（原因：病假）"), "{stderr}");
    refused(
        &ws,
        &["grade", "--session", "A", "--candidate", "E3", "--task", &e3[0], "--examiner", "甲"],
        "考生 E3 不能评分：实操已标记为缺考（原因：迟到未入场）",
    );
    let status = grade_status_of(&ws, "A", "E3");
    assert_eq!(status["practical"], Value::Null);
    assert_eq!(status["not_graded"]["reason"], "absent");
    assert!(ws.ok(["grade", "status", "--session", "A"]).stdout.contains("不评实操 3 人（退考 1 人、缺考 2 人）"));
    // E4's grades alone import; E4 can then no longer be marked absent.
    ws.write("e4.csv", graded(&[("E4", &e4)]));
    ws.ok(["grade", "import", "--session", "A", "e4.csv"]);
    assert_eq!(grade_status_of(&ws, "A", "E4")["practical"].as_f64(), Some(90.0));
    refused(&ws, &mark("E4", "x").iter().map(String::as_str).collect::<Vec<_>>(), "已有实操成绩，不能标记为缺考");
}

#[test]
fn a_retake_draws_and_grades_only_the_part_being_retaken_and_its_rehearsal_imports_cleanly() {
    let ws = cycle();
    // A passed the practical (retakes theory), B passed the theory (retakes practical).
    let (a, a_id, a_name) = with_reason(&ws, "理论不合格");
    let (_, b_id, b_name) = with_reason(&ws, "实操不合格");
    let plan = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/practical-plan.toml");
    ws.ok([
        "session",
        "create",
        "--id",
        "R1",
        "--level",
        "四级",
        "--date",
        "2027-03-01",
        "--retake-of",
        S1,
        "--practical",
        plan.to_str().unwrap(),
    ]);
    ws.write("retake.csv", format!("准考证号,姓名,身份证号\nRA,{a_name},{a_id}\nRB,{b_name},{b_id}\n"));
    ws.ok(["candidates", "import", "--session", "R1", "retake.csv"]);
    let paper = result_of(&ws, S1, &a)["paper"].as_str().unwrap().to_owned();
    ws.ok(["session", "assign", "--session", "R1", "--papers", &paper]);
    let drawn = ws.ok(["practical", "draw", "--session", "R1", "--seed", "3"]).stdout;
    assert!(drawn.contains("已为 1 名考生抽签") && drawn.contains("未抽签 1 人（沿用 S1 1 人）"), "{drawn}");
    let report = ws.json(["practical", "show", "--session", "R1"]);
    assert_eq!(report["draws"].as_array().unwrap().len(), 1);
    assert_eq!(report["draws"][0]["exam_no"], "RB");
    // The rehearsal holds RA's theory sheet and RB's practical grades only, and imports.
    let simulated = ws.json(["simulate", "--session", "R1", "--seed", "3", "--out", "r"]);
    assert_eq!(simulated["sheets"], 1);
    assert_eq!(simulated["theory_skipped"], 1);
    assert_eq!(simulated["practical_skipped"], 1);
    let theory = std::fs::read_to_string(ws.path("r/theory-responses.csv")).unwrap();
    let grades = std::fs::read_to_string(ws.path("r/practical-grades.csv")).unwrap();
    assert!(theory.contains("RA,") && !theory.contains("RB,"), "{theory}");
    assert!(grades.contains("RB,") && !grades.contains("RA,"));
    // A grade row for RA's carried practical is refused, naming where it comes from.
    let task = drawn_tasks(&ws, "R1", "RB")[0].clone();
    ws.write(
        "ra.csv",
        format!("{}{}", crate::practical::HEADER, crate::practical::entry_rows(&ws, "RA", &task, "甲", 90.0, &[])),
    );
    refused(
        &ws,
        &["grade", "import", "--session", "R1", "ra.csv"],
        "考生 RA 不能评分：实操成绩沿用批次 S1（2026-12-05），补考不再评实操",
    );
    refused(
        &ws,
        &["grade", "--session", "R1", "--candidate", "RA", "--task", &task, "--examiner", "甲"],
        "考生 RA 不能评分：实操成绩沿用批次 S1（2026-12-05）",
    );
    ws.ok(["score", "theory", "--session", "R1", "r/theory-responses.csv"]);
    ws.ok(["grade", "import", "--session", "R1", "r/practical-grades.csv"]);
    assert!(ws.ok(["grade", "status", "--session", "R1"]).stdout.contains("不评实操 1 人（沿用 S1 1 人）"));
    let ra = result_of(&ws, "R1", "RA");
    assert_eq!(ra["carried"][0]["part"], "practical");
    assert!(ra["theory"].as_f64().is_some() && ra["practical"].as_f64().is_some(), "{ra}");
}
