//! The computer-based theory exam (机考) through `certify serve`'s API: a real server on
//! 127.0.0.1, candidates with codes from `certify candidates codes`, an invigilator from
//! `certify examiners add --invigilator`. Covers the sitting from login to the scored
//! sheet, sequence numbers, the 409s after hand-in, every role boundary, one-time codes
//! and their reset, the code rate limit, and time-out by the server.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::server::{Server, add_to, count, spawn_serve_with};
use crate::sessions::{self, SESSION};
use crate::support::Workspace;

/// Access codes of the session, by exam number.
pub fn codes(ws: &Workspace, session: &str) -> HashMap<String, String> {
    let given = ws.json(["candidates", "codes", "--session", session]);
    given["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["exam_no"].as_str().unwrap().to_owned(), c["code"].as_str().unwrap().to_owned()))
        .collect()
}

/// A session of `n` candidates with papers assigned, codes given, an invigilator 王监考,
/// and its server; returns the invigilator's cookie too.
pub fn sitting(n: usize) -> (Workspace, Vec<Value>, HashMap<String, String>, Server, String) {
    let (ws, papers) = sessions::ready(n);
    let codes = codes(&ws, SESSION);
    let invigilator_code = add_to(&ws, SESSION, "王监考", &["--invigilator"]);
    let server = Server::start_for(&ws, SESSION);
    let invigilator = server.login("invigilator", "王监考", &invigilator_code);
    (ws, papers, codes, server, invigilator)
}

/// The paper (as `build-paper --json` gave it) a candidate was assigned.
fn paper_of<'a>(ws: &Workspace, papers: &'a [Value], exam_no: &str) -> &'a Value {
    let listed = ws.json(["candidates", "list", "--session", SESSION]);
    let assigned = listed["candidates"].as_array().unwrap().iter().find(|c| c["exam_no"] == exam_no).unwrap()["paper"]
        .as_str()
        .unwrap()
        .to_owned();
    papers.iter().find(|p| p["id"] == assigned.as_str()).unwrap()
}

/// Opens the one room of a session without a room plan, as its invigilator.
pub fn open_room(server: &Server, invigilator: &str) {
    let opened = server.post("/api/invigilator/open", Some(invigilator), &json!({ "room": "全部考生" }));
    assert_eq!(opened.status, 200, "{}", opened.body);
}

/// Records `status` (absent, misconduct) on `exam_no`'s theory part, as the office does.
pub fn mark_theory(ws: &Workspace, exam_no: &str, status: &str, reason: &str) {
    ws.ok([
        "session",
        "mark",
        "--session",
        SESSION,
        "--exam-no",
        exam_no,
        "--part",
        "theory",
        "--status",
        status,
        "--reason",
        reason,
    ]);
}

/// Reads the candidate's exam until its `state` is `want` or `limit` has passed; the last view.
fn wait_for_state(server: &Server, cookie: &str, want: &str, limit: Duration, every: Duration) -> Value {
    let started = Instant::now();
    loop {
        let view = server.get("/api/exam", Some(cookie)).json();
        if view["state"] == want || started.elapsed() > limit {
            return view;
        }
        std::thread::sleep(every);
    }
}

fn theory_total(ws: &Workspace, exam_no: &str) -> Value {
    let shown = ws.json(["session", "show", SESSION]);
    shown["candidates"].as_array().unwrap().iter().find(|c| c["exam_no"] == exam_no).unwrap()["theory"].clone()
}

#[test]
fn a_candidate_sits_the_exam_and_the_server_scores_it_as_an_import_would() {
    let (ws, papers, codes, mut server, invigilator) = sitting(2);
    let cookie = server.candidate_login("E001", &codes["E001"]);
    let waiting = server.get("/api/exam", Some(&cookie)).json();
    assert_eq!(waiting["state"], "waiting");
    assert_eq!(waiting["items"], json!([]), "no question before the room opens");
    let early = server.put("/api/exam/answers/1", Some(&cookie), &json!({ "answer": "A", "seq": 1 }));
    assert_eq!(early.status, 409);
    early.error();

    open_room(&server, &invigilator);
    let exam = server.get("/api/exam", Some(&cookie));
    let view = exam.json();
    assert_eq!(view["state"], "answering");
    let paper = paper_of(&ws, &papers, "E001");
    let keyed = paper["items"].as_array().unwrap();
    let items = view["items"].as_array().unwrap();
    assert_eq!(items.len(), keyed.len());
    assert!(view["remaining_s"].as_i64().unwrap() > 0);
    // Nothing of the key: no answer or explanation field, no item id, options as printed.
    for (sent, full) in items.iter().zip(keyed) {
        let fields: Vec<&str> = sent.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(fields, ["kind", "options", "points", "position", "stem"]);
        assert_eq!(sent["options"], full["options"], "the printed order of the form");
        assert!(!exam.body.contains(full["id"].as_str().unwrap()), "an item id reached the browser");
        if let Some(explanation) = full["explanation"].as_str().filter(|e| e.chars().count() > 8) {
            assert!(!exam.body.contains(explanation), "an explanation reached the browser");
        }
    }

    // Answer every question right but the first, which is answered wrong after a late,
    // older request arrives: the newer answer stands.
    let mut expected = 0.0;
    for (i, item) in keyed.iter().enumerate() {
        let position = i + 1;
        let key = item["answer"].as_str().unwrap();
        if i == 0 {
            let wrong = if item["kind"] == "judge" {
                if key == "对" { "错" } else { "对" }.to_owned()
            } else {
                let n = item["options"].as_array().unwrap().len();
                (0..n).map(|k| ((b'A' + k as u8) as char).to_string()).find(|l| !key.contains(l.as_str())).unwrap()
            };
            let newer = server.put("/api/exam/answers/1", Some(&cookie), &json!({ "answer": wrong, "seq": 50 }));
            assert_eq!(newer.json()["saved"], true);
            let older = server.put("/api/exam/answers/1", Some(&cookie), &json!({ "answer": key, "seq": 40 }));
            assert_eq!(older.status, 200);
            assert_eq!(older.json()["kept_newer"], true, "{}", older.body);
            continue;
        }
        // Multiple-choice keys sent in another order and lower case: read as a file is.
        let sent: String = if item["kind"] == "multiple" {
            key.chars().rev().collect::<String>().to_lowercase()
        } else {
            key.to_owned()
        };
        let saved = server.put(
            &format!("/api/exam/answers/{position}"),
            Some(&cookie),
            &json!({ "answer": sent, "seq": 100 + i }),
        );
        assert_eq!(saved.status, 200, "{}", saved.body);
        assert_eq!(saved.json()["seq"], 100 + i);
        expected += item["points"].as_f64().unwrap();
    }
    let bad = server.put("/api/exam/answers/99", Some(&cookie), &json!({ "answer": "A", "seq": 500 }));
    assert_eq!(bad.status, 400);
    bad.error();

    // A reload finds every answer, and the counter to go on from.
    let again = server.get("/api/exam", Some(&cookie)).json();
    assert_eq!(again["answers"].as_object().unwrap().len(), keyed.len());
    assert_eq!(again["seq"], 100 + keyed.len() - 1);
    assert_ne!(again["answers"]["1"], keyed[0]["answer"], "the late older answer did not overwrite");

    let submitted = server.post("/api/exam/submit", Some(&cookie), &json!({}));
    assert_eq!(submitted.status, 200, "{}", submitted.body);
    assert_eq!(submitted.json()["unanswered"], 0);
    assert_eq!(
        server.post("/api/exam/submit", Some(&cookie), &json!({})).json()["submitted"],
        true,
        "a resend is answered the same"
    );
    let after = server.put("/api/exam/answers/2", Some(&cookie), &json!({ "answer": "A", "seq": 900 }));
    assert_eq!(after.status, 409);
    after.error();
    let done = server.get("/api/exam", Some(&cookie)).json();
    assert_eq!((done["state"].as_str(), done["submitted_by"].as_str()), (Some("submitted"), Some("candidate")));
    assert_eq!(done["items"], json!([]));

    let total = theory_total(&ws, "E001");
    assert_eq!(total.as_f64(), Some(expected), "stored total {total} against the hand computation {expected}");

    // The audit copy is the responses file format: scoring it again gives the same total.
    assert_eq!(server.signal("TERM"), Some(0));
    let audit = ws.path(&format!("{SESSION}-机考作答.csv"));
    let text = std::fs::read_to_string(&audit).expect("the audit file is written");
    assert!(text.contains("准考证号,试卷,1,2"), "{text}");
    ws.ok(["score", "theory", "--session", SESSION, "--replace", audit.to_str().unwrap()]);
    assert_eq!(theory_total(&ws, "E001").as_f64(), Some(expected));
    assert_eq!(count(&ws, "SELECT COUNT(*) FROM sheets WHERE exam_no = 'E001' AND imported_from = '机考'"), 1);
}

#[test]
fn every_role_stays_on_its_side() {
    let (ws, _, codes, server, invigilator) = sitting(2);
    let examiner = server.login("examiner", "张老师", &add_to(&ws, SESSION, "张老师", &[]));
    let chief = server.login("chief", "李组长", &add_to(&ws, SESSION, "李组长", &["--chief"]));
    let candidate = server.candidate_login("E001", &codes["E001"]);
    open_room(&server, &invigilator);

    for path in ["/api/examiner/queue", "/api/chief/board", "/api/chief/status", "/api/invigilator/rooms"] {
        let refused = server.get(path, Some(&candidate));
        assert_eq!(refused.status, 403, "candidate on {path}: {}", refused.body);
        refused.error();
    }
    let act =
        server.post("/api/invigilator/submit", Some(&candidate), &json!({ "exam_no": "E001", "reason": "想交卷" }));
    assert_eq!(act.status, 403);
    assert_eq!(server.get("/api/exam?exam_no=E002", Some(&candidate)).status, 403, "another candidate's exam");
    assert_eq!(server.get("/api/exam?exam_no=E001", Some(&candidate)).status, 200);
    for staff in [&examiner, &invigilator, &chief] {
        assert_eq!(server.get("/api/exam", Some(staff)).status, 403);
        let put = server.put("/api/exam/answers/1", Some(staff), &json!({ "answer": "A", "seq": 1 }));
        assert_eq!(put.status, 403);
    }
    assert_eq!(server.get("/api/examiner/queue", Some(&invigilator)).status, 403, "an invigilator does not grade");
    assert_eq!(server.get("/api/chief/board", Some(&invigilator)).status, 403);
    assert_eq!(server.get("/api/invigilator/rooms", Some(&examiner)).status, 403);
    assert_eq!(server.get("/api/invigilator/rooms", Some(&chief)).status, 200, "the chief sees every room");
    let board = server.get("/api/chief/board", Some(&chief));
    assert_eq!(board.status, 200, "{}", board.body);
    let rooms = &board.json()["rooms"];
    assert_eq!(rooms[0]["room"], "全部考生");
    assert_eq!((rooms[0]["opened"].as_bool(), rooms[0]["counts"]["waiting"].as_u64()), (Some(true), Some(0)));
    assert_eq!(rooms[0]["counts"]["answering"], 1, "{rooms}");
    assert_eq!(server.get("/api/exam", None).status, 401);

    // An action needs a reason, and the candidate must exist.
    let bare =
        server.post("/api/invigilator/extra-time", Some(&invigilator), &json!({ "exam_no": "E001", "minutes": 5 }));
    assert_eq!(bare.status, 400);
    let nobody = server.post(
        "/api/invigilator/extra-time",
        Some(&invigilator),
        &json!({ "exam_no": "X9", "minutes": 5, "reason": "电脑故障" }),
    );
    assert_eq!(nobody.status, 409);
    nobody.error();
    let before = server.get("/api/exam", Some(&candidate)).json()["remaining_s"].as_i64().unwrap();
    let added = server.post(
        "/api/invigilator/extra-time",
        Some(&invigilator),
        &json!({ "exam_no": "E001", "minutes": 5, "reason": "电脑故障" }),
    );
    assert_eq!(added.status, 200, "{}", added.body);
    assert!((before + 300 - added.json()["remaining_s"].as_i64().unwrap()).abs() <= 2);
    assert_eq!(
        count(
            &ws,
            "SELECT COUNT(*) FROM web_log WHERE action = 'exam-extra-time' AND who = '王监考' AND detail LIKE '%电脑故障%'"
        ),
        1
    );
}

#[test]
fn a_code_logs_in_once_until_a_reset_moves_the_candidate_with_every_answer() {
    let (_ws, _, codes, server, invigilator) = sitting(2);
    let first = server.candidate_login("E001", &codes["E001"]);
    open_room(&server, &invigilator);
    assert_eq!(server.put("/api/exam/answers/1", Some(&first), &json!({ "answer": "对", "seq": 1 })).status, 200);
    let second =
        server.post("/api/login", None, &json!({ "role": "candidate", "exam_no": "E001", "code": codes["E001"] }));
    assert_eq!(second.status, 409, "a code is used once: {}", second.body);
    second.error();

    let reset = server.post(
        "/api/invigilator/reset-login",
        Some(&invigilator),
        &json!({ "exam_no": "E001", "reason": "电脑死机，换到 12 号机" }),
    );
    assert_eq!(reset.status, 200, "{}", reset.body);
    assert_eq!(reset.json()["ended_logins"], 1);
    assert_eq!(server.get("/api/exam", Some(&first)).status, 401, "the old browser's login ended");
    let moved = server.candidate_login("E001", &codes["E001"]);
    let view = server.get("/api/exam", Some(&moved)).json();
    assert_eq!(view["answers"]["1"], "对");
    assert_eq!(view["seq"], 1);

    // The other role's code and the other candidate's code do not log in.
    let crossed =
        server.post("/api/login", None, &json!({ "role": "candidate", "exam_no": "E002", "code": codes["E001"] }));
    assert_eq!(crossed.status, 401);
}

#[test]
fn five_wrong_codes_block_the_computer_for_a_while() {
    let (_ws, _, codes, server, _) = sitting(1);
    for _ in 0..5 {
        let wrong =
            server.post("/api/login", None, &json!({ "role": "candidate", "exam_no": "E001", "code": "AAAA-AAAA-AA" }));
        assert_eq!(wrong.status, 401);
    }
    let blocked =
        server.post("/api/login", None, &json!({ "role": "candidate", "exam_no": "E001", "code": codes["E001"] }));
    assert_eq!(blocked.status, 429, "even the right code waits: {}", blocked.body);
    assert!(blocked.header("retry-after").is_some());
    blocked.error();
}

/// Also a no-show (E002 never logs in): no sheet at time-out, so the office can mark the
/// absence afterwards (a 0-point sheet would make them fail, and refuse the mark).
#[test]
fn when_time_is_up_the_server_hands_the_paper_in_by_itself() {
    let (ws, _) = sessions::ready(2);
    // A one-minute paper (the shortest a blueprint allows).
    ws.write("short.toml", sessions::BLUEPRINT.replace("max_overlap = 1.0", "max_overlap = 1.0\nminutes = 1"));
    let built = ws.json(["build-paper", "--blueprint", "short.toml", "--seed", "5"]);
    let short = built["papers"][0]["id"].as_str().unwrap().to_owned();
    ws.ok(["session", "assign", "--session", SESSION, "--papers", &short]);
    let codes = codes(&ws, SESSION);
    let invigilator_code = add_to(&ws, SESSION, "王监考", &["--invigilator"]);
    let server = Server::start_for(&ws, SESSION);
    let invigilator = server.login("invigilator", "王监考", &invigilator_code);
    let cookie = server.candidate_login("E001", &codes["E001"]);
    open_room(&server, &invigilator);
    assert_eq!(server.put("/api/exam/answers/1", Some(&cookie), &json!({ "answer": "对", "seq": 1 })).status, 200);
    let started = Instant::now();
    let view = wait_for_state(&server, &cookie, "submitted", Duration::from_secs(75), Duration::from_millis(500));
    assert_eq!(view["state"], "submitted", "{view}");
    assert_eq!(view["submitted_by"], "timeout");
    assert!(started.elapsed() >= Duration::from_secs(55), "not before the minute is up");
    let late = server.put("/api/exam/answers/2", Some(&cookie), &json!({ "answer": "对", "seq": 2 }));
    assert_eq!(late.status, 409);
    assert_eq!(
        count(&ws, "SELECT COUNT(*) FROM sheets WHERE exam_no = 'E001' AND imported_from = '机考' AND current = 1"),
        1
    );
    let rooms = server.get("/api/invigilator/rooms", Some(&invigilator)).json();
    assert_eq!(rooms["rooms"][0]["candidates"][0]["submitted_by"], "timeout");
    assert_eq!(rooms["rooms"][0]["candidates"][1]["submitted_by"], "timeout", "{rooms}");
    assert_eq!(count(&ws, "SELECT COUNT(*) FROM sheets WHERE exam_no = 'E002'"), 0, "no sheet for a no-show");
    mark_theory(&ws, "E002", "absent", "未到场");
}

#[test]
fn rooms_open_by_themselves_at_the_scheduled_start() {
    let (ws, _) = sessions::ready(1);
    let codes = codes(&ws, SESSION);
    // A start a moment ago: the room opens at once; a start that is not a time is refused.
    let refused = ws.fails(["serve", "--session", SESSION, "--listen", "127.0.0.1:0", "--exam-start", "9点"]);
    assert!(refused.stderr.contains("HH:MM"), "{}", refused.stderr);
    let now = std::process::Command::new("date").arg("+%H:%M").output().unwrap();
    let start = String::from_utf8(now.stdout).unwrap().trim().to_owned();
    let (child, address) = spawn_serve_with(&ws, SESSION, "127.0.0.1:0", &["--exam-start", &start]);
    let server = Server { child, address };
    let cookie = server.candidate_login("E001", &codes["E001"]);
    let view = wait_for_state(&server, &cookie, "answering", Duration::from_secs(10), Duration::from_millis(200));
    assert_eq!(view["state"], "answering", "{view}");
    assert_eq!(count(&ws, "SELECT COUNT(*) FROM web_log WHERE action = 'exam-open' AND detail LIKE '%定时开考%'"), 1);
}

#[test]
fn no_shows_misconduct_and_withdrawals_leave_no_sheet_and_no_more_answers() {
    let (ws, _, codes, server, invigilator) = sitting(3);
    let first = server.candidate_login("E001", &codes["E001"]);
    let second = server.candidate_login("E002", &codes["E002"]);
    open_room(&server, &invigilator);
    for cookie in [&first, &second] {
        assert_eq!(server.put("/api/exam/answers/1", Some(cookie), &json!({ "answer": "对", "seq": 1 })).status, 200);
    }
    // E003 never came: handed in, no sheet, and can be marked absent afterwards.
    let handed = server.post(
        "/api/invigilator/submit",
        Some(&invigilator),
        &json!({ "exam_no": "E003", "reason": "缺考，收卷" }),
    );
    assert_eq!(handed.status, 200, "{}", handed.body);
    assert_eq!(count(&ws, "SELECT COUNT(*) FROM sheets WHERE exam_no = 'E003'"), 0);
    mark_theory(&ws, "E003", "absent", "未到场");

    // E001 is caught: the exam ends, nothing is scored, the code no longer logs in.
    let caught = server.post(
        "/api/invigilator/misconduct",
        Some(&invigilator),
        &json!({ "exam_no": "E001", "reason": "携带资料" }),
    );
    assert_eq!(caught.status, 200, "{}", caught.body);
    assert_eq!(server.put("/api/exam/answers/2", Some(&first), &json!({ "answer": "对", "seq": 2 })).status, 409);
    let ended = server.get("/api/exam", Some(&first)).json();
    let by = (ended["state"].as_str(), ended["submitted_by"].as_str());
    assert_eq!(by, (Some("submitted"), Some("misconduct")), "the page learns why");
    let again =
        server.post("/api/login", None, &json!({ "role": "candidate", "exam_no": "E001", "code": codes["E001"] }));
    assert_eq!(again.status, 403, "{}", again.body);
    assert!(again.error().contains("违纪"));
    assert_eq!(count(&ws, "SELECT COUNT(*) FROM sheets WHERE exam_no = 'E001'"), 0);
    let log = ws.json(["session", "show", SESSION, "--log"]);
    assert!(log.to_string().contains("携带资料"), "the session's change log has the reason: {log}");

    // E002 withdraws during the exam (the office, at the terminal): no more answers.
    ws.ok(["candidates", "withdraw", "--session", SESSION, "--exam-no", "E002", "--reason", "身体不适"]);
    let refused = server.put("/api/exam/answers/2", Some(&second), &json!({ "answer": "对", "seq": 2 }));
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(refused.error().contains("退考"));
    let ended = server.get("/api/exam", Some(&second)).json();
    assert_eq!(ended["state"], "submitted", "the exam ends on the page's next read, not in a loop of resends");
    assert_eq!(server.post("/api/exam/submit", Some(&second), &json!({})).status, 200);
    assert_eq!(count(&ws, "SELECT COUNT(*) FROM sheets WHERE exam_no = 'E002'"), 0);
}

#[test]
fn a_candidate_logs_out_after_handing_in_and_the_code_stays_used() {
    let (_ws, _, codes, server, invigilator) = sitting(1);
    let cookie = server.candidate_login("E001", &codes["E001"]);
    open_room(&server, &invigilator);
    assert_eq!(server.post("/api/exam/submit", Some(&cookie), &json!({})).status, 200);
    assert_eq!(server.post("/api/logout", Some(&cookie), &json!({})).status, 200);
    assert_eq!(server.get("/api/exam", Some(&cookie)).status, 401);
    let again =
        server.post("/api/login", None, &json!({ "role": "candidate", "exam_no": "E001", "code": codes["E001"] }));
    assert_eq!(again.status, 403, "{}", again.body);
    assert!(again.error().contains("已经交卷"));
}
