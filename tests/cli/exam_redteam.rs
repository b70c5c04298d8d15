//! Red-team tests of the computer-based theory exam (机考): each test is a defect that a
//! review by someone who did not write the code found (a candidate after a better score, a
//! hurried office, two requests at once), named for the behaviour that holds since. Every server is
//! one the test starts on 127.0.0.1; every wait is bounded.

use serde_json::{Value, json};

use crate::exam::{codes, mark_theory, open_room, sitting};
use crate::server::count;
use crate::sessions::{self, SESSION};
use crate::support::Workspace;

fn sheets(ws: &Workspace, exam_no: &str) -> i64 {
    count(ws, &format!("SELECT COUNT(*) FROM sheets WHERE exam_no = '{exam_no}' AND current = 1"))
}

/// The position of the first item of `kind` in the candidate's exam.
fn first_of(view: &Value, kind: &str) -> u64 {
    view["items"].as_array().unwrap().iter().find(|i| i["kind"] == kind).unwrap()["position"].as_u64().unwrap()
}

/// Withdrawn via the CLI while logged in and answering: `score theory` refuses a
/// withdrawn candidate's sheet, so must the server, for answers, hand-in and time-out alike.
#[test]
fn a_candidate_withdrawn_mid_exam_is_stopped_and_not_scored() {
    let (ws, _, codes, server, invigilator) = sitting(2);
    let cookie = server.candidate_login("E001", &codes["E001"]);
    open_room(&server, &invigilator);
    assert_eq!(server.put("/api/exam/answers/1", Some(&cookie), &json!({ "answer": "对", "seq": 1 })).status, 200);
    ws.ok(["candidates", "withdraw", "--session", SESSION, "--exam-no", "E001", "--reason", "本人申请退考"]);

    let put = server.put("/api/exam/answers/2", Some(&cookie), &json!({ "answer": "对", "seq": 2 }));
    assert!(matches!(put.status, 403 | 409), "a withdrawn candidate's answer was taken: {} {}", put.status, put.body);
    server.post("/api/exam/submit", Some(&cookie), &json!({}));
    assert_eq!(sheets(&ws, "E001"), 0, "the server stored a scored sheet for a withdrawn candidate");
}

/// Marked absent (缺考) via the CLI while sitting: no more answers and no result, which
/// would contradict the absence (the server used to store one).
#[test]
fn a_candidate_marked_absent_mid_exam_is_stopped_and_not_scored() {
    let (ws, _, codes, server, invigilator) = sitting(2);
    let cookie = server.candidate_login("E001", &codes["E001"]);
    open_room(&server, &invigilator);
    mark_theory(&ws, "E001", "absent", "未到场");
    let put = server.put("/api/exam/answers/1", Some(&cookie), &json!({ "answer": "对", "seq": 1 }));
    assert!(matches!(put.status, 403 | 409), "an absent candidate's answer was taken: {} {}", put.status, put.body);
    server.post("/api/exam/submit", Some(&cookie), &json!({}));
    assert_eq!(sheets(&ws, "E001"), 0, "a theory result was stored for a candidate marked absent");
}

/// Misconduct ends the exam "not scored": no sheet (one used to be scored and stored).
#[test]
fn misconduct_stores_no_sheet() {
    let (ws, _, codes, server, invigilator) = sitting(2);
    let cookie = server.candidate_login("E001", &codes["E001"]);
    open_room(&server, &invigilator);
    assert_eq!(server.put("/api/exam/answers/1", Some(&cookie), &json!({ "answer": "对", "seq": 1 })).status, 200);
    let ended = server.post(
        "/api/invigilator/misconduct",
        Some(&invigilator),
        &json!({ "exam_no": "E001", "reason": "携带手机" }),
    );
    assert_eq!(ended.status, 200, "{}", ended.body);
    assert_eq!(sheets(&ws, "E001"), 0, "misconduct must end the exam without a scored sheet");
}

/// "Withdrawn/absent/misconduct → 403" at login: the same code used to log in again after
/// misconduct, since ending the exam clears the code's `used`.
#[test]
fn a_candidate_with_misconduct_cannot_log_in_again() {
    let (_ws, _, codes, server, invigilator) = sitting(2);
    let _cookie = server.candidate_login("E001", &codes["E001"]);
    open_room(&server, &invigilator);
    let ended = server.post(
        "/api/invigilator/misconduct",
        Some(&invigilator),
        &json!({ "exam_no": "E001", "reason": "偷看邻座" }),
    );
    assert_eq!(ended.status, 200, "{}", ended.body);
    let again =
        server.post("/api/login", None, &json!({ "role": "candidate", "exam_no": "E001", "code": codes["E001"] }));
    assert_eq!(again.status, 403, "misconduct must refuse the login: {}", again.body);
}

/// Misconduct recorded by the office (`session mark --status misconduct`) while the
/// candidate sits stops the exam (the server used to let them answer on, scored).
#[test]
fn misconduct_marked_by_the_office_stops_the_exam() {
    let (ws, _, codes, server, invigilator) = sitting(2);
    let cookie = server.candidate_login("E001", &codes["E001"]);
    open_room(&server, &invigilator);
    mark_theory(&ws, "E001", "misconduct", "替考");
    let put = server.put("/api/exam/answers/1", Some(&cookie), &json!({ "answer": "对", "seq": 1 }));
    assert!(matches!(put.status, 403 | 409), "answer after misconduct taken: {} {}", put.status, put.body);
}

/// `session assign` is refused while sittings run: dealt again mid-exam, a sitting kept its
/// old paper and the sheet landed on a paper not the candidate's (so `score theory` refused
/// the audit copy's rows: "试卷 … 不是分配给考生 … 的试卷").
#[test]
fn session_assign_is_refused_during_the_exam() {
    let (ws, papers, codes, mut server, invigilator) = sitting(2);
    let cookie = server.candidate_login("E001", &codes["E001"]);
    open_room(&server, &invigilator);
    assert_eq!(server.put("/api/exam/answers/1", Some(&cookie), &json!({ "answer": "对", "seq": 1 })).status, 200);
    let ids: Vec<&str> = papers.iter().map(|p| p["id"].as_str().unwrap()).collect();
    let reversed = format!("{},{}", ids[1], ids[0]);
    let reassign = ws.command(["session", "assign", "--session", SESSION, "--papers", &reversed]).output().unwrap();
    if !reassign.status.success() {
        return; // refused while the exam runs: the correct behaviour
    }
    assert_eq!(server.post("/api/exam/submit", Some(&cookie), &json!({})).status, 200);
    assert_eq!(server.signal("TERM"), Some(0));
    let audit = ws.path(&format!("{SESSION}-机考作答.csv"));
    let rescored =
        ws.command(["score", "theory", "--session", SESSION, "--replace", audit.to_str().unwrap()]).output().unwrap();
    assert!(
        rescored.status.success(),
        "session assign was allowed mid-exam and the audit copy no longer scores: {}",
        String::from_utf8_lossy(&rescored.stderr)
    );
}

/// "Five wrong codes from one address in a minute → 429" holds for codes sent at once (the
/// block was checked before the database round trip and counted after it, so they all got
/// through).
#[test]
fn concurrent_wrong_codes_meet_the_rate_limit() {
    let (_ws, _, _codes, server, _) = sitting(1);
    let server = std::sync::Arc::new(server);
    let start = std::sync::Arc::new(std::sync::Barrier::new(40));
    let threads: Vec<_> = (0..40)
        .map(|i| {
            let (server, start) = (server.clone(), start.clone());
            std::thread::spawn(move || {
                let code = format!("AAAA-AAAA-{}", ["AB", "AC", "AD", "AE", "AF"][i % 5]);
                start.wait();
                server.post("/api/login", None, &json!({ "role": "candidate", "exam_no": "E001", "code": code })).status
            })
        })
        .collect();
    let statuses: Vec<u16> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let guesses = statuses.iter().filter(|&&s| s == 401).count();
    assert!(guesses <= 5, "{guesses} wrong codes were checked within a minute from one address: {statuses:?}");
}

/// A single-choice question takes one letter: "AB" or "A,B" is not an answer to it (400;
/// it used to be stored, and go into the audit copy, as "AB").
#[test]
fn a_single_choice_question_refuses_two_letters() {
    let (_ws, _, codes, server, invigilator) = sitting(1);
    let cookie = server.candidate_login("E001", &codes["E001"]);
    open_room(&server, &invigilator);
    let view = server.get("/api/exam", Some(&cookie)).json();
    let single = first_of(&view, "single");
    let put = server.put(&format!("/api/exam/answers/{single}"), Some(&cookie), &json!({ "answer": "A,B", "seq": 1 }));
    assert_eq!(put.status, 400, "two letters on a single-choice question: {}", put.body);
}

/// `candidates transfer` of a candidate with an access code (given before any exam) moves
/// them without it (the code's row used to make the move fail on the foreign key).
#[test]
fn a_candidate_with_an_access_code_is_transferred_without_it() {
    let (ws, _) = sessions::ready(2);
    ws.ok(["session", "create", "--id", "S2", "--level", "四级", "--date", "2026-12-19"]);
    let _ = codes(&ws, SESSION);
    let moved = ws
        .command(["candidates", "transfer", "--from", SESSION, "--to", "S2", "--exam-no", "E002", "--reason", "改期"])
        .output()
        .unwrap();
    assert!(moved.status.success(), "transfer refused: {}", String::from_utf8_lossy(&moved.stderr));
    let listed = ws.json(["candidates", "list", "--session", "S2"]);
    assert!(listed["candidates"].as_array().unwrap().iter().any(|c| c["exam_no"] == "E002"), "{listed}");
}
