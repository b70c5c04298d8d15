//! Appeals (复核): a theory sheet scored again question by question, a practical task
//! corrected as an arbitration (which flags the certificate and reissues with the new
//! score), and every refusal: exit 1, the reason, the database unchanged.

use serde_json::Value;

use crate::operations::{issued, one_candidate, refused, result_of, run_as};
use crate::trust::{S1, cycle};

/// A score as certify prints it: whole numbers without a decimal point.
fn printed(x: f64) -> String {
    if x.fract() == 0.0 { format!("{}", x as i64) } else { format!("{x}") }
}

fn as_refs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

/// Opens an appeal and returns its id.
fn open(ws: &crate::support::Workspace, exam_no: &str, part: &str) -> String {
    let opened =
        ws.json(["appeal", "open", "--session", S1, "--exam-no", exam_no, "--part", part, "--reason", "对成绩有异议"]);
    assert_eq!(opened["status"], "open");
    assert_eq!(opened["part"], part);
    assert_eq!(opened["exam_no"], exam_no);
    assert_eq!(opened["session"], S1);
    opened["id"].to_string()
}

#[test]
fn a_theory_appeal_is_scored_again_question_by_question_and_upheld_changes_nothing() {
    let ws = cycle();
    let exam_no = "202612010001";
    let (stdout, _) = run_as(
        &ws,
        "王老师",
        &["appeal", "open", "--session", S1, "--exam-no", exam_no, "--part", "theory", "--reason", "第 5 题有异议"],
        0,
    );
    assert!(stdout.contains("已登记复核申请，复核编号 1") && stdout.contains("certify appeal decide 1"), "{stdout}");
    refused(
        &ws,
        &["appeal", "open", "--session", S1, "--exam-no", exam_no, "--part", "theory", "--reason", "再次申请"],
        "已有待复核的申请（复核编号 1",
    );
    refused(
        &ws,
        &[
            "appeal",
            "decide",
            "1",
            "--outcome",
            "upheld",
            "--task",
            "X",
            "--score",
            "80",
            "--note",
            "n",
            "--by",
            "李主任",
        ],
        "理论复核按试卷现在的标准答案重新评分，不能用 --task / --score",
    );
    refused(
        &ws,
        &["appeal", "decide", "1", "--outcome", "corrected", "--note", "n", "--by", "李主任"],
        "没有可更正的内容；请用 --outcome upheld",
    );
    refused(&ws, &["appeal", "decide", "1", "--outcome", "upheld", "--note", " ", "--by", "李主任"], "请用 --note");

    let before = ws.json(["results", "--session", S1]);
    let theory = result_of(&ws, S1, exam_no)["theory"].as_f64().unwrap();
    let total = printed(theory);
    let text =
        ws.ok(["appeal", "decide", "1", "--outcome", "upheld", "--note", "逐题核对无误", "--by", "李主任"]).stdout;
    assert!(text.contains("考生作答") && text.contains("标准答案") && text.contains("得分"), "{text}");
    assert!(text.contains(&format!("原总分 {total}，重新评分后总分 {total}（与原成绩相同）")), "{text}");
    assert!(text.contains(&format!("结论：维持原成绩，理论 {total} 分（复核人 李主任")), "{text}");
    assert_eq!(ws.json(["results", "--session", S1]), before, "upheld changed a result");

    // Question by question: the key, the answer, points earned out of possible, summing to the total.
    let second = open(&ws, "202612010002", "theory");
    let decided = ws.json(["appeal", "decide", &second, "--outcome", "upheld", "--note", "核对无误", "--by", "李主任"]);
    let questions = decided["questions"].as_array().unwrap();
    assert!(questions.len() >= 50, "{decided}");
    let mut sum = 0.0;
    for (i, q) in questions.iter().enumerate() {
        assert_eq!(q["number"], i + 1);
        let (points, possible) = (q["points"].as_f64().unwrap(), q["possible"].as_f64().unwrap());
        assert!((0.0..=possible).contains(&points), "{q}");
        if q["answer"] == q["key"] {
            assert_eq!(points, possible, "{q}");
        }
        if q["answer"] == "" {
            assert_eq!(points, 0.0, "{q}");
        }
        sum += points;
    }
    let second_theory = result_of(&ws, S1, "202612010002")["theory"].as_f64().unwrap();
    assert!((sum - second_theory).abs() < 1e-9 && decided["old_total"] == decided["new_total"], "{decided}");
    assert_eq!(decided["outcome"], "upheld");
    assert_eq!(decided["status"], "decided");

    refused(
        &ws,
        &["appeal", "decide", "1", "--outcome", "upheld", "--note", "再看一次", "--by", "赵老师"],
        "复核申请 1 已于",
    );
    let again =
        refused(&ws, &["appeal", "decide", "1", "--outcome", "upheld", "--note", "x", "--by", "赵"], "由 李主任");
    assert!(again.contains("不能再次作出结论"), "{again}");

    let listed = ws.json(["appeal", "list", "--session", S1]);
    let first = &listed["appeals"][0];
    assert_eq!(first["outcome"], "upheld");
    assert_eq!(first["decided_by"], "李主任");
    assert_eq!(first["opened_by"], "王老师");
    assert_eq!(first["reason"], "第 5 题有异议");
    assert_eq!(first["name"], "罗晓琳");
    let table = ws.ok(["appeal", "list"]).stdout;
    assert!(
        table.contains("维持原成绩") && table.contains("李主任") && table.contains("共 2 件，待复核 0 件"),
        "{table}"
    );
    let log = ws.json(["session", "show", S1, "--log"]);
    let actions: Vec<&str> = log["log"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["appeal-open", "appeal-decide", "appeal-open", "appeal-decide"]);
    assert_eq!(log["log"][0]["reason"], "第 5 题有异议");
    assert_eq!(log["log"][1]["reason"], "逐题核对无误");
    assert!(log["log"][1]["detail"].as_str().unwrap().contains("维持原成绩"), "{log}");
}

/// The first drawn task of a candidate and its score, from `grade status`.
fn first_task(ws: &crate::support::Workspace, exam_no: &str) -> (String, f64) {
    let status = ws.json(["grade", "status", "--session", S1]);
    let c = status["candidates"].as_array().unwrap().iter().find(|c| c["exam_no"] == exam_no).unwrap().clone();
    (c["tasks"][0]["task"].as_str().unwrap().to_owned(), c["tasks"][0]["score"].as_f64().unwrap())
}

#[test]
fn a_practical_correction_counts_as_an_arbitration_flags_the_certificate_and_reissues_with_the_new_score() {
    let ws = cycle();
    let (exam_no, number) = issued(&ws);
    let id = open(&ws, &exam_no, "practical");
    let (task, old_task_score) = first_task(&ws, &exam_no);
    let new_task_score = if old_task_score < 100.0 { 100.0 } else { 90.0 };
    let old_practical = result_of(&ws, S1, &exam_no)["practical"].as_f64().unwrap();
    let decide = |extra: &[&str]| {
        let mut args = vec!["appeal", "decide", id.as_str(), "--note", "重看录像，步骤 3 应得分", "--by", "李主任"];
        args.extend_from_slice(extra);
        args.into_iter().map(str::to_owned).collect::<Vec<_>>()
    };
    refused(&ws, &as_refs(&decide(&["--outcome", "corrected"])), "--task 任务编号 和 --score");
    refused(&ws, &as_refs(&decide(&["--outcome", "corrected", "--task", &task])), "--score");
    refused(&ws, &as_refs(&decide(&["--outcome", "corrected", "--task", &task, "--score", "101"])), "0 到 100 之间");
    refused(&ws, &as_refs(&decide(&["--outcome", "corrected", "--task", &task, "--score", "NaN"])), "0 到 100 之间");
    refused(
        &ws,
        &as_refs(&decide(&["--outcome", "corrected", "--task", "NO-SUCH", "--score", "80"])),
        "没有抽到任务 NO-SUCH",
    );
    refused(
        &ws,
        &as_refs(&decide(&["--outcome", "upheld", "--task", &task, "--score", "80"])),
        "维持原成绩（--outcome upheld）不改分数",
    );

    let score = printed(new_task_score);
    let text = ws.ok(as_refs(&decide(&["--outcome", "corrected", "--task", &task, "--score", &score]))).stdout;
    assert!(text.contains(&format!("任务 {task} 记为 {score} 分")), "{text}");
    assert!(text.contains(&format!("证书 {number} 背后的成绩已变动，已标记为需复核")), "{text}");
    assert!(text.contains(&format!("certify certificates reissue {number} --reason")), "{text}");

    // `grade status` and `results` use it as an arbiter's score.
    assert_eq!(first_task(&ws, &exam_no), (task.clone(), new_task_score));
    let status = ws.json(["grade", "status", "--session", S1]);
    let c = status["candidates"].as_array().unwrap().iter().find(|c| c["exam_no"] == exam_no.as_str()).unwrap();
    assert_eq!(c["tasks"][0]["status"]["status"], "resolved", "{c}");
    let result = result_of(&ws, S1, &exam_no);
    let new_practical = result["practical"].as_f64().unwrap();
    // Half the task's change (two tasks, 50% each), give or take the rounding to cents.
    assert!((new_practical - old_practical - (new_task_score - old_task_score) / 2.0).abs() < 0.02, "{result}");
    assert_eq!(result["stale"], true);

    let listed = ws.json(["appeal", "list"]);
    let appeal: &Value = &listed["appeals"][0];
    assert_eq!(appeal["outcome"], "corrected");
    assert_eq!(appeal["task"], task.as_str());
    assert_eq!(appeal["task_score"], new_task_score);
    assert_eq!(appeal["old_score"], old_practical);
    assert_eq!(appeal["score"], new_practical);
    let log = ws.json(["session", "show", S1, "--log"]);
    assert_eq!(log["log"][1]["action"], "appeal-decide");
    assert!(log["log"][1]["detail"].as_str().unwrap().contains(&format!("任务 {task} 记为 {score} 分")), "{log}");

    let stale = ws.json(["certificates", "list", "--stale"]);
    assert!(stale["certificates"].as_array().unwrap().iter().any(|c| c["number"] == number.as_str()), "{stale}");
    let remedy = ws.ok(["certificates", "list", "--stale"]).stdout;
    assert!(remedy.contains(&format!("certify certificates reissue {number} --reason 原因")), "{remedy}");
    let reissued = ws.json(["certificates", "reissue", &number, "--reason", "复核更正实操成绩"]);
    let new_number = reissued["certificates"][0]["number"].as_str().unwrap().to_owned();
    let shown = ws.json(["certificates", "show", &new_number]);
    let payload = shown["payload"].as_str().unwrap();
    assert!(payload.contains(&format!("practical={new_practical:.2}")), "{payload}");
    assert!(ws.json(["certificates", "list", "--stale"])["certificates"].as_array().unwrap().is_empty());
}

#[test]
fn appeals_are_refused_for_parts_not_sat_withdrawn_or_unknown_candidates_and_unknown_ids() {
    let ws = one_candidate();
    let args = |part: &'static str| {
        ["appeal", "open", "--session", "A", "--exam-no", "E1", "--part", part, "--reason", "有异议"]
    };
    refused(&ws, &args("theory"), "考生 E1（张三）在批次 A 没有理论答卷，没有可复核的理论成绩");
    refused(&ws, &args("practical"), "考生 E1（张三）在批次 A 没有实操评分，没有可复核的实操成绩");
    refused(
        &ws,
        &["appeal", "open", "--session", "A", "--exam-no", "E9", "--part", "theory", "--reason", "有异议"],
        "没有准考证号为「E9」的考生",
    );
    refused(
        &ws,
        &["appeal", "open", "--session", "A", "--exam-no", "E1", "--part", "theory", "--reason", " "],
        "请用 --reason 写明申请复核的原因",
    );
    refused(
        &ws,
        &["appeal", "decide", "99", "--outcome", "upheld", "--note", "n", "--by", "李"],
        "没有编号为 99 的复核申请",
    );
    ws.ok(["candidates", "withdraw", "--session", "A", "--exam-no", "E1", "--reason", "本人申请退考"]);
    refused(&ws, &args("theory"), "考生 E1（张三）已退考（原因：本人申请退考），没有可复核的成绩");
    assert!(ws.ok(["appeal", "list"]).stdout.contains("还没有复核申请"));
    assert_eq!(ws.json(["appeal", "list", "--session", "A"])["appeals"], serde_json::json!([]));
}

#[test]
fn a_theory_correction_stores_the_rescored_items_and_total() {
    let ws = cycle();
    let exam_no = "202612010001";
    let theory = result_of(&ws, S1, exam_no)["theory"].as_f64().unwrap();
    // A sheet whose stored marks no longer agree with its key, as one scored against a
    // key since corrected by hand would be: the first question recorded as 0.
    let db = rusqlite::Connection::open(ws.db()).unwrap();
    let (id, scores): (i64, String) = db
        .query_row("SELECT id, scores FROM sheets WHERE exam_no = ?1 AND current = 1", [exam_no], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    let mut items: Vec<f64> = scores.split(',').map(|s| s.parse().unwrap()).collect();
    let first = items[0];
    assert!(first > 0.0, "the first answer should be right: {scores}");
    items[0] = 0.0;
    let text = items.iter().map(|s| printed(*s)).collect::<Vec<_>>().join(",");
    db.execute("UPDATE sheets SET scores = ?2, total = ?3 WHERE id = ?1", rusqlite::params![id, text, theory - first])
        .unwrap();
    drop(db);

    let appeal = open(&ws, exam_no, "theory");
    let out =
        ws.ok(["appeal", "decide", &appeal, "--outcome", "corrected", "--note", "第 1 题漏记分", "--by", "李主任"]);
    let (old, new) = (printed(theory - first), printed(theory));
    assert!(out.stdout.contains(&format!("原总分 {old}，重新评分后总分 {new}。")), "{}", out.stdout);
    assert!(out.stdout.contains(&format!("结论：更正成绩，理论 {old} → {new} 分")), "{}", out.stdout);
    assert_eq!(result_of(&ws, S1, exam_no)["theory"].as_f64().unwrap(), theory);
    let db = rusqlite::Connection::open(ws.db()).unwrap();
    let stored: String = db.query_row("SELECT scores FROM sheets WHERE id = ?1", [id], |r| r.get(0)).unwrap();
    assert_eq!(stored, scores, "the item scores are stored again");
    let listed = ws.json(["appeal", "list"]);
    assert_eq!(listed["appeals"][0]["old_score"], theory - first);
    assert_eq!(listed["appeals"][0]["score"], theory);
}
