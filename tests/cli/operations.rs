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
    ws.ok(["simulate", "--session", S1, "--seed", "7", "--out", "again"]);
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
