//! `kill -9` of `certify serve` in the middle of a computer-based exam (机考): 20
//! candidates each saving 20 answers on a 12-question paper (so the last 8 revise earlier
//! answers) while the server is killed halfway, left down for 4 s and started again on
//! the same port. The browsers keep their cookies (no new login) and resend every save
//! not confirmed. Guarantees checked: every save the server confirmed before the kill is
//! stored (its seq or a newer one); in the end every position holds the answer with the
//! highest seq; each candidate resumes with the time they had minus only the time the
//! server ran (the stopped time is given back: at most 6 s more, the heartbeat being
//! every 5 s, and at most 2 s less); and the hand-ins are scored from those answers.
//! Bounded: only the server this test started on 127.0.0.1, every socket with a timeout,
//! every wait with a deadline.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::exam::codes;
use crate::server::{Server, add_to, spawn_serve_for};
use crate::server_ops::try_request;
use crate::sessions::{self, SESSION};
use crate::support::Workspace;

const CANDIDATES: usize = 20;
const ANSWERS: usize = 20;
/// Between two saves of one candidate: the whole load takes about a second.
const GAP: Duration = Duration::from_millis(50);
/// How long the killed server stays down: more than the 2 s tolerance against the
/// candidate, so time not given back shows.
const DOWN: Duration = Duration::from_secs(4);
/// How often a browser tries again while the server is down.
const RETRY: Duration = Duration::from_millis(50);
/// No candidate's browser waits for the server longer than this.
const PATIENCE: Duration = Duration::from_secs(30);

/// One save confirmed with 200, and the `remaining_s` that came with it.
struct Confirmed {
    at: Instant,
    position: i64,
    seq: i64,
    answer: String,
    remaining: f64,
}

/// A valid answer for the item's kind on the `round`-th pass over the paper; each pass
/// answers every question differently, so a stale answer would show.
fn answer(item: &Value, round: usize) -> String {
    let options = item["options"].as_array().unwrap().len();
    let turn = item["position"].as_u64().unwrap() as usize + round;
    match item["kind"].as_str().unwrap() {
        "judge" => ["对", "错"][turn % 2].to_owned(),
        "single" => certify::answer::letters(&[turn % options]),
        _ => certify::answer::letters(&[0, 1 + turn % (options - 1)]),
    }
}

/// Saves `answer` for `position` with `seq` until the server confirms it, waiting out
/// the server's absence as the exam page does; returns when the answer came, the answer,
/// and how many attempts found no server.
fn save(address: &str, cookie: &str, position: i64, seq: i64, answer: &str) -> (Instant, Value, usize) {
    let head = format!(
        "PUT /api/exam/answers/{position} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nCookie: {cookie}\r\n"
    );
    let body = json!({ "answer": answer, "seq": seq }).to_string();
    let waiting = Instant::now();
    let mut failed = 0;
    loop {
        match try_request(address, &head, &body) {
            Ok((200, text)) => return (Instant::now(), serde_json::from_str(&text).unwrap(), failed),
            Ok((status, text)) => panic!("position {position} seq {seq}: {status} {text}"),
            Err(_) => {
                assert!(waiting.elapsed() < PATIENCE, "the server did not come back");
                failed += 1;
                std::thread::sleep(RETRY);
            }
        }
    }
}

/// (exam number, position) → (seq, answer) as stored, straight from the workspace.
fn stored(ws: &Workspace) -> BTreeMap<(String, i64), (i64, String)> {
    // Read-write (nothing is written): after a kill the reader may recover the WAL.
    let conn = rusqlite::Connection::open(ws.db()).unwrap();
    let mut statement =
        conn.prepare("SELECT exam_no, position, seq, answer FROM exam_answers WHERE session_id = ?1").unwrap();
    statement
        .query_map([SESSION], |r| Ok(((r.get(0)?, r.get(1)?), (r.get(2)?, r.get(3)?))))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

#[test]
fn exam_kill_9_midway_loses_no_confirmed_answer_and_gives_the_stopped_time_back() {
    let (ws, _) = sessions::ready(CANDIDATES);
    let codes = codes(&ws, SESSION);
    let invigilator_code = add_to(&ws, SESSION, "王监考", &["--invigilator"]);
    let mut server = Server::start_for(&ws, SESSION);
    let address = server.address.clone();
    let invigilator = server.login("invigilator", "王监考", &invigilator_code);
    let opened = server.post("/api/invigilator/open", Some(&invigilator), &json!({ "room": "全部考生" }));
    assert_eq!(opened.status, 200, "{}", opened.body);
    let mut sitting: Vec<(String, String, Vec<Value>)> = codes
        .iter()
        .map(|(exam_no, code)| {
            let cookie = server.candidate_login(exam_no, code);
            let exam = server.get("/api/exam", Some(&cookie)).json();
            assert_eq!(exam["state"], "answering", "{exam}");
            (exam_no.clone(), cookie, exam["items"].as_array().unwrap().clone())
        })
        .collect();
    sitting.sort_by(|a, b| a.0.cmp(&b.0));
    let items = sitting[0].2.len();
    assert!(items > 0 && items < ANSWERS, "later saves revise earlier answers: {items} items");

    let confirmed = Arc::new(AtomicUsize::new(0));
    let barrier = Arc::new(Barrier::new(CANDIDATES + 1));
    let threads: Vec<_> = sitting
        .iter()
        .map(|(_, cookie, paper)| {
            let (address, cookie, paper) = (address.clone(), cookie.clone(), paper.clone());
            let (confirmed, barrier) = (confirmed.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                let (mut saves, mut failed) = (Vec::new(), 0);
                for k in 0..ANSWERS {
                    let item = &paper[k % paper.len()];
                    let position = item["position"].as_i64().unwrap();
                    let (seq, answer) = (k as i64 + 1, answer(item, k / paper.len()));
                    let (at, saved, attempts) = save(&address, &cookie, position, seq, &answer);
                    failed += attempts;
                    assert_eq!((&saved["saved"], &saved["seq"]), (&json!(true), &json!(seq)), "{saved}");
                    let remaining = saved["remaining_s"].as_f64().unwrap_or_else(|| panic!("no remaining_s: {saved}"));
                    saves.push(Confirmed { at, position, seq, answer, remaining });
                    confirmed.fetch_add(1, Ordering::SeqCst);
                    std::thread::sleep(GAP);
                }
                (saves, failed)
            })
        })
        .collect();

    // Halfway through the saves, kill -9; what the killed server left is read at once.
    barrier.wait();
    let deadline = Instant::now() + PATIENCE;
    while confirmed.load(Ordering::SeqCst) < CANDIDATES * ANSWERS / 2 {
        assert!(Instant::now() < deadline, "the saves did not get going");
        std::thread::sleep(Duration::from_millis(2));
    }
    let killed_at = Instant::now();
    server.signal("KILL");
    let left = stored(&ws);
    std::thread::sleep(DOWN);
    let (child, restarted) = spawn_serve_for(&ws, SESSION, &address);
    let restarted_at = Instant::now();
    assert_eq!(restarted, address, "the server is back on its port");
    let server = Server { child, address };
    let (saves, failed): (Vec<Vec<Confirmed>>, Vec<usize>) =
        threads.into_iter().map(|t| t.join().expect("a candidate's browser failed")).unzip();
    assert!(failed.iter().all(|f| *f > 0), "every browser found the server gone and sent again: {failed:?}");

    // Every save confirmed before the kill survived it.
    let before_kill: Vec<(&str, &Confirmed)> = sitting
        .iter()
        .zip(&saves)
        .flat_map(|((exam_no, _, _), saves)| saves.iter().filter(|c| c.at < killed_at).map(|c| (exam_no.as_str(), c)))
        .collect();
    assert!(before_kill.len() >= CANDIDATES * ANSWERS / 2 && before_kill.len() < CANDIDATES * ANSWERS);
    for (exam_no, c) in &before_kill {
        let kept = left.get(&((*exam_no).to_owned(), c.position));
        assert!(
            kept.is_some_and(|(seq, answer)| *seq > c.seq || (*seq == c.seq && *answer == c.answer)),
            "{exam_no} position {} seq {} was confirmed before the kill, stored: {kept:?}",
            c.position,
            c.seq
        );
    }

    // Each candidate resumes with the time they had, less only the time the server ran.
    for ((exam_no, _, _), saves) in sitting.iter().zip(&saves) {
        let before = saves.iter().rev().find(|c| c.at < killed_at).expect("a save before the kill");
        let after = saves.iter().find(|c| c.at > restarted_at).expect("a save after the restart");
        let running = (killed_at - before.at) + (after.at - restarted_at);
        let deviation = after.remaining - (before.remaining - running.as_secs_f64());
        assert!(
            (-2.0..=6.0).contains(&deviation),
            "{exam_no}: {} s left before the kill, {} s after the restart, the server ran {:.1} s in between \
             and was down {:.1} s (deviation {deviation:+.1} s)",
            before.remaining,
            after.remaining,
            running.as_secs_f64(),
            (restarted_at - killed_at).as_secs_f64()
        );
    }

    // In the end each position holds its latest answer, the page shows it, and the
    // hand-in is scored from it.
    let now = stored(&ws);
    assert_eq!(now.len(), CANDIDATES * items, "one stored answer per question");
    for ((exam_no, cookie, _), saves) in sitting.iter().zip(&saves) {
        let mut latest: BTreeMap<i64, &Confirmed> = BTreeMap::new();
        for c in saves {
            latest.insert(c.position, c);
        }
        for (position, c) in &latest {
            assert_eq!(
                now.get(&(exam_no.clone(), *position)),
                Some(&(c.seq, c.answer.clone())),
                "{exam_no} {position}"
            );
        }
        let exam = server.get("/api/exam", Some(cookie)).json();
        assert_eq!(exam["seq"], ANSWERS, "{exam_no}");
        let shown: serde_json::Map<String, Value> =
            latest.iter().map(|(position, c)| (position.to_string(), json!(c.answer))).collect();
        assert_eq!(exam["answers"], Value::Object(shown), "{exam_no}");
        let submitted = server.post("/api/exam/submit", Some(cookie), &json!({}));
        assert_eq!(submitted.status, 200, "{}", submitted.body);
        assert_eq!(
            (submitted.json()["answered"].as_u64(), submitted.json()["unanswered"].as_u64()),
            (Some(items as u64), Some(0))
        );
        let responses: Vec<&str> = latest.values().map(|c| c.answer.as_str()).collect();
        let conn = rusqlite::Connection::open(ws.db()).unwrap();
        let sheet: String = conn
            .query_row(
                "SELECT responses FROM sheets WHERE session_id = ?1 AND exam_no = ?2 AND current = 1",
                [SESSION, exam_no.as_str()],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(sheet, responses.join(","), "{exam_no}: the sheet holds the answers last saved");
    }
    let shown = ws.json(["session", "show", SESSION]);
    let scored = shown["candidates"].as_array().unwrap().iter().filter(|c| c["theory"].as_f64().is_some()).count();
    assert_eq!(scored, CANDIDATES, "every hand-in is scored");
}
