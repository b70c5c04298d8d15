//! The computer-based theory exam (机考) in a real browser: headless Chromium through
//! chromedriver (the helpers of [`crate::browser`]) against a real `certify serve`.
//!
//! What the tests hold the pages to:
//! - A candidate logs in with the one-time code (a second login with it is refused in the
//!   server's words), checks the identity, waits until the room is opened, answers single,
//!   multiple and judge questions by mouse and keyboard (quick changes: the last one wins),
//!   gives an answer while the server is down (kept and sent when it is back), reloads (a
//!   change kept unconfirmed in the browser is sent then), moves to another computer after
//!   the invigilator's login reset and hands in: every answer survives each step, a change
//!   on the old computer after the reset is not stored, and the stored score is the one
//!   computed by hand from the key of `certify paper show`.
//! - A one-minute paper warns at once and is handed in by the server; the page says so and
//!   no answer is taken afterwards.
//! - Nothing the exam page received or shows holds a key, an explanation, an item id, the
//!   other form, another candidate or the full ID number.
//! - The invigilator's console lists the candidates, opens the room with its button and
//!   carries out every action through its forms, showing the server's refusal as worded.
//! - The pages fit a 360 px phone and a 1024 × 768 screen.
//!
//! Every test is bounded in time; the server, chromedriver and Chromium are ended by guards.

use std::collections::HashMap;
use std::time::Duration;

use fantoccini::Client;
use fantoccini::key::Key;
use serde_json::{Value, json};

use crate::browser::{
    Driver, bounded, browser, chromedriver, click, eval, fmt, js, layout_problems, login_at, shot, text_of, type_into,
    until, until_within,
};
use crate::practical::SESSION;
use crate::server::{Server, add, spawn_serve};
use crate::sessions::BLUEPRINT;
use crate::support::{Workspace, valid_id};

/// The room every candidate is in when the session has no room plan.
const ROOM: &str = "全部考生";
const INVIGILATOR: &str = "王监考";

/// A session of candidates `E001`… with the two forms of [`BLUEPRINT`] assigned in turn
/// (plus `minutes` when given), their access codes, and an invigilator.
struct Exam {
    ws: Workspace,
    codes: HashMap<String, String>,
    invigilator: String,
}

fn exam_ready(n: usize, minutes: Option<u32>) -> Exam {
    let ws = Workspace::new();
    ws.ok(["init"]);
    let blueprint = match minutes {
        Some(m) => BLUEPRINT.replacen("pass_mark", &format!("minutes = {m}\npass_mark"), 1),
        None => BLUEPRINT.to_owned(),
    };
    ws.write("bp.toml", blueprint);
    let built = ws.json(["build-paper", "--blueprint", "bp.toml", "--seed", "11"]);
    let ids: Vec<String> =
        built["papers"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap().to_owned()).collect();
    ws.ok(["session", "create", "--id", SESSION, "--level", "四级", "--date", "2026-12-05"]);
    let mut csv = String::from("准考证号,姓名,身份证号\n");
    for i in 1..=n {
        csv.push_str(&format!("E{i:03},考生{i},{}\n", valid_id(i)));
    }
    ws.write("candidates.csv", csv);
    ws.ok(["candidates", "import", "--session", SESSION, "candidates.csv"]);
    ws.ok(["session", "assign", "--session", SESSION, "--papers", &ids.join(",")]);
    let given = ws.json(["candidates", "codes", "--session", SESSION]);
    let codes = given["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["exam_no"].as_str().unwrap().to_owned(), c["code"].as_str().unwrap().to_owned()))
        .collect::<HashMap<_, _>>();
    assert_eq!(codes.len(), n, "{given}");
    let invigilator = add(&ws, INVIGILATOR, &["--invigilator"]);
    Exam { ws, codes, invigilator }
}

/// The paper as `certify paper show PAPER --json` gives it (with the key).
fn paper(ws: &Workspace, id: &str) -> Value {
    ws.json(["paper", "show", id])["papers"][0].clone()
}

fn items(paper: &Value) -> Vec<Value> {
    paper["items"].as_array().unwrap().clone()
}

/// The key's answer of an item, canonical ("B", "ABD", "对").
fn key(item: &Value) -> String {
    item["answer"].as_str().unwrap().to_owned()
}

/// A wrong answer: the other judgement, or the first letter not in the key.
fn wrong(item: &Value) -> String {
    if item["kind"] == "judge" {
        return if key(item) == "对" { "错" } else { "对" }.to_owned();
    }
    let n = item["options"].as_array().unwrap().len();
    letters(n).into_iter().find(|l| !key(item).contains(*l)).unwrap().to_string()
}

fn letters(n: usize) -> Vec<char> {
    (0..n).map(|i| (b'A' + i as u8) as char).collect()
}

/// An answer's points by the rules of blueprint.md: the key earns the item's points; under
/// `partial`, a non-empty subset of a multiple-choice key earns half; anything else none.
fn points_for(item: &Value, answer: &str) -> f64 {
    let points = item["points"].as_f64().unwrap();
    let key = key(item);
    if answer == key {
        points
    } else if item["kind"] == "multiple"
        && item["scoring"] == "partial"
        && !answer.is_empty()
        && answer.chars().all(|c| key.contains(c))
    {
        points / 2.0
    } else {
        0.0
    }
}

fn total_for(items: &[Value], answers: &HashMap<u64, String>) -> f64 {
    items.iter().map(|i| answers.get(&i["position"].as_u64().unwrap()).map_or(0.0, |a| points_for(i, a))).sum()
}

/// The stored theory total of a candidate, as `certify session show` reports it.
fn stored_theory(ws: &Workspace, exam_no: &str) -> Value {
    let shown = ws.json(["session", "show", SESSION]);
    shown["candidates"].as_array().unwrap().iter().find(|c| c["exam_no"] == exam_no).unwrap()["theory"].clone()
}

fn url(server: &Server, path: &str) -> String {
    format!("http://{}{path}", server.address)
}

/// Logs in as a candidate through the API (another computer, without a page); the cookie.
fn candidate_cookie(server: &Server, exam_no: &str, code: &str) -> String {
    let answer = server.post("/api/login", None, &json!({ "role": "candidate", "exam_no": exam_no, "code": code }));
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.header("set-cookie").expect("a cookie").split(';').next().unwrap().to_owned()
}

/// The invigilator's request; its answer must be 200.
fn invigilate(server: &Server, cookie: &str, path: &str, body: Value) -> Value {
    let answer = server.post(path, Some(cookie), &body);
    assert_eq!(answer.status, 200, "{path}: {}", answer.body);
    answer.json()
}

/// The candidate's row of `GET /api/invigilator/rooms`.
fn room_row(server: &Server, cookie: &str, exam_no: &str) -> Value {
    let rooms = server.get("/api/invigilator/rooms", Some(cookie)).json();
    rooms["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["candidates"].as_array().unwrap().clone())
        .find(|c| c["exam_no"] == exam_no)
        .unwrap_or_else(|| panic!("{exam_no} is in no room: {rooms}"))
}

/// A request from the page's own origin with the browser's cookie: (status, body).
async fn page_api(c: &Client, method: &str, path: &str, body: Option<Value>) -> (u64, Value) {
    let script = r#"
        var done = arguments[arguments.length - 1];
        var options = { method: arguments[0], credentials: 'same-origin', headers: {} };
        if (arguments[2] !== null) {
          options.headers['Content-Type'] = 'application/json';
          options.body = JSON.stringify(arguments[2]);
        }
        fetch(arguments[1], options).then(function (r) {
          return r.text().then(function (t) { done([r.status, t]); });
        }, function (e) { done([0, String(e)]); });
    "#;
    let answer = c.execute_async(script, vec![json!(method), json!(path), body.unwrap_or(Value::Null)]).await.unwrap();
    let status = answer[0].as_u64().unwrap();
    let text = answer[1].as_str().unwrap();
    (status, serde_json::from_str(text).unwrap_or_else(|_| json!(text)))
}

/// Records in the page every answer its scripts receive from now on (they call
/// `window.fetch` at each request), for [`harvest`].
const RECORDER: &str = r#"
if (!window.__received) {
  window.__received = [];
  var original = window.fetch;
  window.fetch = function (url, options) {
    return original.call(window, url, options).then(function (response) {
      response.clone().text().then(function (text) {
        window.__received.push(((options && options.method) || 'GET') + ' ' + url + ' ' + response.status + ' ' + text);
      });
      return response;
    });
  };
}
"#;

async fn record(c: &Client) {
    c.execute(RECORDER, vec![]).await.unwrap();
}

/// Everything the page holds or received: the answers recorded since [`record`], the page
/// as it stands, and, fetched again with the page's cookie, every API address the page has
/// read (from the browser's resource timing, which also lists requests made before the
/// recorder was installed).
async fn harvest(c: &Client, seen: &mut Vec<String>) {
    let script = r#"
        var done = arguments[arguments.length - 1];
        var got = (window.__received || []).slice();
        window.__received = [];
        got.push('PAGE ' + location.pathname + ' ' + document.documentElement.outerHTML);
        var urls = {};
        performance.getEntriesByType('resource').forEach(function (e) {
          var u = new URL(e.name);
          if (u.origin === location.origin && u.pathname.indexOf('/api/') === 0 &&
              u.pathname.indexOf('/api/exam/answers/') !== 0 && u.pathname !== '/api/login' && u.pathname !== '/api/exam/submit') {
            urls[u.pathname + u.search] = true;
          }
        });
        Promise.all(Object.keys(urls).map(function (u) {
          return fetch(u, { credentials: 'same-origin' }).then(function (r) {
            return r.text().then(function (t) { return 'GET ' + u + ' ' + r.status + ' (again) ' + t; });
          });
        })).then(function (more) { done(got.concat(more)); }, function (e) { done(got.concat(['failed: ' + e])); });
    "#;
    let got = c.execute_async(script, vec![]).await.unwrap();
    seen.extend(got.as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()));
}

/// What the candidate must never be shown: the key's fields, the items' ids and
/// explanations, the stems only the other form has, other candidates, the full ID number.
fn secrets(ws: &Workspace, mine: &Value, other: &Value, others: &[&str], id_number: &str) -> Vec<String> {
    let mut words: Vec<String> = ["\"answer\":", "\"explanation\"", "\"scoring\"", "\"difficulty\"", "\"domain\""]
        .iter()
        .map(|s| s.to_string())
        .collect();
    for item in items(mine) {
        let id = item["id"].as_str().unwrap();
        words.push(id.to_owned());
        let shown = ws.json(["bank", "show", id]);
        if let Some(explanation) = shown["explanation"].as_str().filter(|e| e.chars().count() >= 4) {
            words.push(explanation.to_owned());
        }
    }
    let stems: Vec<String> = items(mine).iter().map(|i| i["stem"].as_str().unwrap().to_owned()).collect();
    let only_other: Vec<String> =
        items(other).iter().map(|i| i["stem"].as_str().unwrap().to_owned()).filter(|s| !stems.contains(s)).collect();
    assert!(!only_other.is_empty(), "the two forms differ in some item");
    words.extend(only_other);
    words.extend(others.iter().map(|s| s.to_string()));
    words.push(id_number.to_owned());
    words
}

fn assert_nothing_secret(seen: &[String], words: &[String]) {
    assert!(seen.iter().any(|s| s.starts_with("GET /api/exam")), "the exam's answers were looked at");
    assert!(seen.iter().any(|s| s.starts_with("PAGE /exam")), "the page was looked at");
    for text in seen {
        for word in words {
            assert!(!text.contains(word.as_str()), "the candidate was sent or shown {word:?} in:\n{text}");
        }
    }
}

/// Logs in on the candidate's login form; waits for the identity check.
async fn candidate_login(c: &Client, server: &Server, exam_no: &str, code: &str) {
    c.goto(&url(server, "/exam")).await.unwrap();
    until(c, "document.getElementById('exam-login')").await;
    type_into(c, "#exam-no", exam_no).await;
    type_into(c, "#exam-code", code).await;
    click(c, "#exam-login-submit").await;
    until(c, "document.getElementById('exam-confirm') && !document.getElementById('exam-confirm').hidden").await;
}

/// The login form refuses: the server's words are shown, the form stays.
async fn login_refused(c: &Client, server: &Server, exam_no: &str, code: &str) -> String {
    c.goto(&url(server, "/exam")).await.unwrap();
    until(c, "document.getElementById('exam-login')").await;
    type_into(c, "#exam-no", exam_no).await;
    type_into(c, "#exam-code", code).await;
    click(c, "#exam-login-submit").await;
    until(c, "!document.getElementById('exam-login-error').hidden").await;
    assert_eq!(eval(c, "location.pathname").await, json!("/exam"));
    text_of(c, "#exam-login-error").await
}

const ANSWERING: &str =
    "!document.getElementById('exam-paper').hidden && document.getElementById('q-stem').textContent !== ''";

async fn status_title(c: &Client) -> String {
    until(c, "!document.getElementById('exam-status').hidden").await;
    text_of(c, "#exam-status-title").await
}

/// Shows question `position` through the navigator.
async fn show_question(c: &Client, position: u64) {
    click(c, &format!("#jump-{position}")).await;
    until(c, &format!("document.getElementById('q-where').textContent.indexOf('第 {position} 题，') === 0")).await;
}

/// The answer the current question shows: the judgement chosen, or the letters checked.
async fn shown_answer(c: &Client) -> String {
    let got = eval(
        c,
        "(function () { var b = document.querySelector('#q-options button.judge.chosen'); if (b) return b.value; \
         var out = ''; var inputs = document.querySelectorAll('#q-options input'); \
         for (var i = 0; i < inputs.length; i++) if (inputs[i].checked) out += inputs[i].value; return out; })()",
    )
    .await;
    got.as_str().unwrap().to_owned()
}

/// Keys typed on the page (into the focused control, from where they reach the document).
async fn press(c: &Client, keys: &str) {
    c.active_element().await.unwrap().send_keys(keys).await.unwrap();
}

fn arrow(key: Key) -> String {
    char::from(key).to_string()
}

/// Gives `answer` to the current question by clicking: the judgement's button, or each
/// letter's option (a check box is toggled, so the letters are those to change).
async fn click_answer(c: &Client, kind: &str, answer: &str) {
    if kind == "judge" {
        click(c, &format!("#q-options button.judge[value={}]", js(answer))).await;
    } else {
        for letter in answer.chars() {
            click(c, &format!("#q-options input[value={letter}]")).await;
        }
    }
}

/// Waits until the page has every change confirmed by the server.
async fn until_saved(c: &Client) {
    until(c, "document.getElementById('exam-sync-state').textContent === '已保存'").await;
    let state = text_of(c, "#q-state").await;
    assert!(state == "已保存" || state == "未作答", "{state}");
}

/// The options of the current question as shown: "A 文字".
async fn shown_options(c: &Client) -> Vec<String> {
    let got = eval(
        c,
        "Array.prototype.map.call(document.querySelectorAll('#q-options label'), function (l) { \
         return l.querySelector('.letter').textContent + ' ' + l.querySelector('.text').textContent; })",
    )
    .await;
    got.as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect()
}

/// Every question, through the navigator, shows the answer `expected` holds (or none).
async fn assert_answers_shown(c: &Client, all: &[Value], expected: &HashMap<u64, String>) {
    for item in all {
        let position = item["position"].as_u64().unwrap();
        show_question(c, position).await;
        let want = expected.get(&position).cloned().unwrap_or_default();
        assert_eq!(shown_answer(c).await, want, "question {position} ({})", item["kind"]);
        assert_eq!(text_of(c, "#q-state").await, if want.is_empty() { "未作答" } else { "已保存" });
    }
    let answered = expected.values().filter(|a| !a.is_empty()).count();
    assert_eq!(text_of(c, "#exam-answered").await, answered.to_string());
    let marked = eval(c, "document.querySelectorAll('#exam-grid .jump.answered').length").await;
    assert_eq!(marked, json!(answered), "the navigator shows the answered questions");
}

/// The server's answers for the candidate, by position (the confirmed ones only).
async fn server_answers(c: &Client) -> HashMap<u64, String> {
    let (status, exam) = page_api(c, "GET", "/api/exam", None).await;
    assert_eq!(status, 200, "{exam}");
    exam["answers"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.parse().unwrap(), v.as_str().unwrap().to_owned()))
        .collect()
}

fn non_empty(answers: &HashMap<u64, String>) -> HashMap<u64, String> {
    answers.iter().filter(|(_, a)| !a.is_empty()).map(|(p, a)| (*p, a.clone())).collect()
}

#[test]
fn exam_browser_a_candidate_answers_reloads_moves_to_another_computer_and_hands_in() {
    let Some(driver_path) = chromedriver() else { return };
    let exam = exam_ready(2, None);
    let ws = &exam.ws;
    let mut server = Server::start(ws);
    let inv = server.login("invigilator", INVIGILATOR, &exam.invigilator);
    bounded(async {
        let driver = Driver::start(&driver_path);
        let a = browser(&driver, 1024, 768).await;
        let c = &a.client;
        let mut seen = Vec::new();

        // A wrong code is refused in the server's words; the right one logs in.
        let refused = login_refused(c, &server, "E001", "AAAA-BBBB-CC").await;
        assert!(refused.chars().any(|ch| ('\u{4e00}'..='\u{9fff}').contains(&ch)), "{refused}");
        candidate_login(c, &server, "E001", &exam.codes["E001"]).await;
        record(c).await;
        // The identity to check, and no staff links for a candidate.
        let (status, state) = page_api(c, "GET", "/api/exam", None).await;
        assert_eq!(status, 200, "{state}");
        assert_eq!(state["state"], "waiting");
        assert_eq!(state["items"], json!([]), "no question before the room opens");
        let mine = paper(ws, state["paper"].as_str().unwrap());
        let all = items(&mine);
        assert_eq!(text_of(c, "#id-name").await, "考生1");
        assert_eq!(text_of(c, "#id-exam-no").await, "E001");
        assert_eq!(text_of(c, "#id-number").await, state["id_masked"].as_str().unwrap());
        assert!(text_of(c, "#id-number").await.contains('*'));
        assert_eq!(text_of(c, "#id-level").await, "四级");
        let paper_line = text_of(c, "#id-paper").await;
        assert!(
            paper_line.contains(mine["id"].as_str().unwrap()) && paper_line.contains(mine["form"].as_str().unwrap())
        );
        assert_eq!(text_of(c, "#id-minutes").await, format!("{} 分钟", mine["minutes"]));
        assert_eq!(
            eval(c, "document.querySelectorAll('nav.links, #logout, a[href=\"/examiner\"]').length").await,
            json!(0)
        );
        let mut problems = layout_problems(c, "identity").await;
        click(c, "#exam-confirm-yes").await;
        assert_eq!(status_title(c).await, "请等待监考员宣布开考");
        problems.extend(layout_problems(c, "waiting").await);

        // The same code on another computer while this login is live: refused.
        let b = browser(&driver, 1024, 768).await;
        let refused = login_refused(&b.client, &server, "E001", &exam.codes["E001"]).await;
        let direct = server.post(
            "/api/login",
            None,
            &json!({ "role": "candidate", "exam_no": "E001", "code": exam.codes["E001"] }),
        );
        assert_eq!(direct.status, 409, "{}", direct.body);
        assert_eq!(refused, direct.error(), "the page shows the server's words");

        // The room opens: the waiting page turns into the first question by itself.
        let opened = invigilate(&server, &inv, "/api/invigilator/open", json!({ "room": ROOM }));
        assert_eq!(opened["opened"], true);
        until(c, ANSWERING).await;
        assert_eq!(text_of(c, "#exam-total").await, all.len().to_string());
        let clock = text_of(c, "#exam-clock").await;
        assert!(clock.starts_with("89:") || clock == "90:00", "{clock}");
        // The question cannot be copied out of the page.
        assert_eq!(eval(c, "getComputedStyle(document.getElementById('q-stem')).userSelect").await, json!("none"));
        let blocked = "(function () { var e = document.createEvent('Event'); e.initEvent('copy', true, true); \
                       document.getElementById('q-stem').dispatchEvent(e); return e.defaultPrevented; })()";
        assert_eq!(eval(c, blocked).await, json!(true));

        // The plan, by kind: clicks, keys, a change of mind, a partial multiple choice (three
        // quick changes: the last wins), one cleared and left open.
        let of = |kind: &str| all.iter().filter(|i| i["kind"] == kind).cloned().collect::<Vec<_>>();
        let (judges, singles, multiples) = (of("judge"), of("single"), of("multiple"));
        assert!(judges.len() >= 4 && singles.len() >= 6 && multiples.len() >= 2);
        let pos = |i: &Value| i["position"].as_u64().unwrap();
        let mut expected: HashMap<u64, String> = HashMap::new();

        for item in &all {
            let position = pos(item);
            show_question(c, position).await;
            let stem = eval(c, "document.getElementById('q-stem').textContent").await;
            assert_eq!(stem, item["stem"], "question {position}");
            let where_ = text_of(c, "#q-where").await;
            assert!(where_.contains(&format!("{} 分", fmt(item["points"].as_f64().unwrap()))), "{where_}");
            if item["kind"] == "judge" {
                let labels = eval(c, "Array.prototype.map.call(document.querySelectorAll('#q-options button'), function (b) { return b.textContent; })").await;
                assert_eq!(labels, json!(["对", "错"]));
            } else {
                let options: Vec<String> = item["options"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .zip(letters(99))
                    .map(|(o, l)| format!("{l} {}", o.as_str().unwrap()))
                    .collect();
                assert_eq!(shown_options(c).await, options, "options in the printed order, lettered");
            }
        }
        problems.extend(layout_problems(c, "question").await);

        // Judges: the key by click; the wrong one by key 1/2; the others later.
        show_question(c, pos(&judges[0])).await;
        click_answer(c, "judge", &key(&judges[0])).await;
        until_saved(c).await;
        expected.insert(pos(&judges[0]), key(&judges[0]));
        show_question(c, pos(&judges[1])).await;
        press(c, if wrong(&judges[1]) == "对" { "1" } else { "2" }).await;
        until(c, &format!("document.querySelector('#q-options button.chosen').value === {}", js(&wrong(&judges[1]))))
            .await;
        until_saved(c).await;
        expected.insert(pos(&judges[1]), wrong(&judges[1]));
        // Singles: click; letter key; digit key; a change of mind; one cleared.
        show_question(c, pos(&singles[0])).await;
        click_answer(c, "single", &key(&singles[0])).await;
        until_saved(c).await;
        expected.insert(pos(&singles[0]), key(&singles[0]));
        show_question(c, pos(&singles[1])).await;
        press(c, &key(&singles[1]).to_lowercase()).await;
        until_saved(c).await;
        assert_eq!(shown_answer(c).await, key(&singles[1]));
        expected.insert(pos(&singles[1]), key(&singles[1]));
        show_question(c, pos(&singles[2])).await;
        let digit = (wrong(&singles[2]).as_bytes()[0] - b'A' + b'1') as char;
        press(c, &digit.to_string()).await;
        until_saved(c).await;
        assert_eq!(shown_answer(c).await, wrong(&singles[2]));
        expected.insert(pos(&singles[2]), wrong(&singles[2]));
        show_question(c, pos(&singles[3])).await;
        click_answer(c, "single", &wrong(&singles[3])).await;
        click_answer(c, "single", &key(&singles[3])).await;
        until_saved(c).await;
        expected.insert(pos(&singles[3]), key(&singles[3]));
        show_question(c, pos(&singles[5])).await;
        click_answer(c, "single", &key(&singles[5])).await;
        until_saved(c).await;
        click(c, "#q-clear").await;
        until_saved(c).await;
        assert_eq!(shown_answer(c).await, "");
        // Multiples: the whole key by clicks; by keys only its first letter (partial),
        // with a wrong letter on and off again; marked for review with M.
        show_question(c, pos(&multiples[0])).await;
        click_answer(c, "multiple", &key(&multiples[0])).await;
        until_saved(c).await;
        expected.insert(pos(&multiples[0]), key(&multiples[0]));
        show_question(c, pos(&multiples[1])).await;
        let first = key(&multiples[1])[..1].to_owned();
        let off = wrong(&multiples[1]);
        press(c, &format!("{first}{off}{off}m")).await;
        until_saved(c).await;
        assert_eq!(shown_answer(c).await, first);
        expected.insert(pos(&multiples[1]), first.clone());
        until(c, &format!("document.getElementById('jump-{}').className.indexOf('marked') >= 0", pos(&multiples[1])))
            .await;
        // The arrows move between questions.
        press(c, &arrow(Key::Left)).await;
        until(
            c,
            &format!(
                "document.getElementById('q-where').textContent.indexOf('第 {} 题，') === 0",
                pos(&multiples[1]) - 1
            ),
        )
        .await;
        press(c, &arrow(Key::Right)).await;
        until(
            c,
            &format!("document.getElementById('q-where').textContent.indexOf('第 {} 题，') === 0", pos(&multiples[1])),
        )
        .await;
        assert_eq!(server_answers(c).await, non_empty(&expected), "the server holds what the page shows");

        // The server goes down: an answer given meanwhile waits in the browser and is sent
        // when the server is back.
        let address = server.address.clone();
        server.signal("TERM");
        show_question(c, pos(&judges[2])).await;
        click_answer(c, "judge", &key(&judges[2])).await;
        until(c, "document.getElementById('exam-sync-state').textContent === '未同步 (1)'").await;
        until(c, "document.getElementById('q-state').textContent.indexOf('未保存') === 0").await;
        let kept =
            eval(c, &format!("JSON.parse(localStorage.getItem('certify-exam-v1|{SESSION}|E001')).pending")).await;
        assert_eq!(kept[pos(&judges[2]).to_string()]["answer"], json!(key(&judges[2])), "{kept}");
        let (child, back) = spawn_serve(ws, &address);
        server = Server { child, address: back };
        assert_eq!(server.address, address);
        until(c, "document.getElementById('exam-sync-state').textContent === '已保存'").await;
        expected.insert(pos(&judges[2]), key(&judges[2]));
        harvest(c, &mut seen).await;

        // A change the browser kept but the server never confirmed (the page was closed in
        // between) is sent when the page is opened again.
        let store = format!("'certify-exam-v1|{SESSION}|E001'");
        let unsent = format!(
            "(function () {{ var r = JSON.parse(localStorage.getItem({store})); r.seq += 1; \
             r.pending['{}'] = {{ answer: {}, seq: r.seq }}; localStorage.setItem({store}, JSON.stringify(r)); return r.seq; }})()",
            pos(&judges[3]),
            js(&key(&judges[3]))
        );
        eval(c, &unsent).await;
        // Reloaded, every answer is there (and the mark, kept by this browser).
        c.refresh().await.unwrap();
        until(c, ANSWERING).await;
        record(c).await;
        until(c, "document.getElementById('exam-sync-state').textContent === '已保存'").await;
        expected.insert(pos(&judges[3]), key(&judges[3]));
        assert_answers_shown(c, &all, &expected).await;
        assert!(
            eval(c, &format!("document.getElementById('jump-{}').className", pos(&multiples[1])))
                .await
                .as_str()
                .unwrap()
                .contains("marked")
        );
        harvest(c, &mut seen).await;

        // The computer fails: the invigilator resets the login. A change made on the old
        // computer afterwards is not stored, and that page says its login has ended.
        let reset = invigilate(
            &server,
            &inv,
            "/api/invigilator/reset-login",
            json!({ "exam_no": "E001", "reason": "电脑死机，换到 5 号机" }),
        );
        assert!(reset["ended_logins"].as_u64().unwrap() >= 1, "{reset}");
        show_question(c, pos(&judges[0])).await;
        click_answer(c, "judge", &wrong(&judges[0])).await;
        assert_eq!(status_title(c).await, "本机的登录已结束");
        assert_eq!(text_of(c, "#exam-sync-state").await, "未同步 (1)");
        assert!(eval(c, "document.getElementById('exam-paper').hidden").await == json!(true));
        harvest(c, &mut seen).await;

        // On the other computer, with the same code: the identity check, then every answer.
        let c2 = &b.client;
        candidate_login(c2, &server, "E001", &exam.codes["E001"]).await;
        record(c2).await;
        click(c2, "#exam-confirm-yes").await;
        until(c2, ANSWERING).await;
        assert_answers_shown(c2, &all, &expected).await;
        show_question(c2, pos(&singles[4])).await;
        click_answer(c2, "single", &key(&singles[4])).await;
        until_saved(c2).await;
        expected.insert(pos(&singles[4]), key(&singles[4]));

        // Handing in asks first, naming the question left open.
        click(c2, "#exam-submit").await;
        until(c2, "!document.getElementById('exam-dialog').hidden").await;
        let asked = text_of(c2, "#exam-dialog-text").await;
        assert!(asked.contains(&format!("还有 1 题没有作答（第 {} 题）", pos(&singles[5]))), "{asked}");
        problems.extend(layout_problems(c2, "hand-in dialog").await);
        click(c2, "#exam-dialog-cancel").await;
        until(c2, "document.getElementById('exam-dialog').hidden").await;
        click(c2, "#exam-submit").await;
        until(c2, "!document.getElementById('exam-dialog').hidden").await;
        click(c2, "#exam-dialog-confirm").await;
        until(c2, "!document.getElementById('exam-done').hidden").await;
        assert_eq!(text_of(c2, "#exam-done-by").await, "您已交卷。");
        let answered = non_empty(&expected).len();
        assert_eq!(text_of(c2, "#exam-done-answered").await, answered.to_string());
        assert_eq!(text_of(c2, "#exam-done-total").await, all.len().to_string());
        let left = eval(c2, "document.querySelectorAll('#exam-grid *, #q-options *').length + document.getElementById('q-stem').textContent.length").await;
        assert_eq!(left, json!(0), "no question stays on the page");
        problems.extend(layout_problems(c2, "handed in").await);
        let (status, after) = page_api(c2, "GET", "/api/exam", None).await;
        assert_eq!(status, 200);
        assert_eq!((&after["state"], &after["submitted_by"]), (&json!("submitted"), &json!("candidate")));
        assert_eq!((&after["items"], &after["answers"]), (&json!([]), &json!({})));
        assert_eq!(after["answered"], json!(answered));
        harvest(c2, &mut seen).await;
        // Leaving the computer: 退出登录 ends this browser's login, back to the login form.
        click(c2, "#exam-logout").await;
        until(c2, "document.getElementById('exam-login')").await;
        assert_eq!(page_api(c2, "GET", "/api/exam", None).await.0, 401, "logged out");

        let other = paper(ws, room_row(&server, &inv, "E002")["paper"].as_str().unwrap());
        assert_ne!(other["id"], mine["id"], "the forms are dealt in turn");
        let words = secrets(ws, &mine, &other, &["考生2", "E002"], &valid_id(1));
        assert_nothing_secret(&seen, &words);
        assert!(problems.is_empty(), "{}", problems.join("\n"));
        a.client.clone().close().await.unwrap();
        b.client.clone().close().await.unwrap();

        // Scored as `certify score theory` scores: the hand computation from the key.
        let want = total_for(&all, &expected);
        let half = points_for(&multiples[1], &first);
        assert!(half > 0.0 && half < multiples[1]["points"].as_f64().unwrap(), "a partial answer is in the total");
        assert_eq!(stored_theory(ws, "E001").as_f64(), Some(want), "the stored total is the hand computation");
    });
    drop(server);
}

#[test]
fn exam_browser_a_one_minute_paper_is_handed_in_by_the_server_on_a_phone() {
    let Some(driver_path) = chromedriver() else { return };
    let exam = exam_ready(1, Some(1));
    let ws = &exam.ws;
    let server = Server::start(ws);
    let inv = server.login("invigilator", INVIGILATOR, &exam.invigilator);
    bounded(async {
        let driver = Driver::start(&driver_path);
        let phone = browser(&driver, 360, 740).await;
        let c = &phone.client;
        c.goto(&url(&server, "/exam")).await.unwrap();
        until(c, "document.getElementById('exam-login')").await;
        assert_eq!(eval(c, "document.documentElement.clientWidth").await, json!(360), "the viewport");
        let mut problems = layout_problems(c, "login").await;
        candidate_login(c, &server, "E001", &exam.codes["E001"]).await;
        problems.extend(layout_problems(c, "identity").await);
        assert_eq!(text_of(c, "#id-minutes").await, "1 分钟");
        click(c, "#exam-confirm-yes").await;
        assert_eq!(status_title(c).await, "请等待监考员宣布开考");
        invigilate(&server, &inv, "/api/invigilator/open", json!({ "room": ROOM }));
        until(c, ANSWERING).await;
        // Less than the warning's five minutes from the start: the warning, once.
        until(c, "!document.getElementById('exam-warning').hidden").await;
        assert!(text_of(c, "#exam-warning-text").await.contains("不到 1 分钟"));
        problems.extend(layout_problems(c, "question with the warning").await);
        click(c, "#exam-warning-ok").await;
        assert!(eval(c, "document.getElementById('exam-warning').hidden").await == json!(true));
        let clock = text_of(c, "#exam-clock").await;
        assert!(clock.starts_with("00:") || clock == "01:00", "{clock}");
        let (status, state) = page_api(c, "GET", "/api/exam", None).await;
        assert_eq!(status, 200);
        let all = items(&paper(ws, state["paper"].as_str().unwrap()));
        for kind in ["judge", "single", "multiple"] {
            let item = all.iter().find(|i| i["kind"] == kind).unwrap();
            show_question(c, item["position"].as_u64().unwrap()).await;
            problems.extend(layout_problems(c, &format!("{kind} question")).await);
        }
        let first = &all[0];
        show_question(c, 1).await;
        click_answer(c, first["kind"].as_str().unwrap(), &key(first)).await;
        until_saved(c).await;
        click(c, "#exam-submit").await;
        until(c, "!document.getElementById('exam-dialog').hidden").await;
        problems.extend(layout_problems(c, "hand-in dialog").await);
        click(c, "#exam-dialog-cancel").await;
        // Nobody hands in: at the end of the minute the server does.
        until_within(c, "!document.getElementById('exam-done').hidden", Duration::from_secs(90)).await;
        assert_eq!(text_of(c, "#exam-done-by").await, "考试时间到，系统已自动交卷。");
        assert_eq!(text_of(c, "#exam-done-answered").await, "1");
        assert_eq!(text_of(c, "#exam-done-total").await, all.len().to_string());
        problems.extend(layout_problems(c, "handed in").await);
        let (status, refused) =
            page_api(c, "PUT", "/api/exam/answers/2", Some(json!({ "answer": "A", "seq": 1000 }))).await;
        assert_eq!(status, 409, "no answer after the time: {refused}");
        assert!(problems.is_empty(), "at 360 px:\n{}", problems.join("\n"));
        phone.client.clone().close().await.unwrap();
    });
    let row = room_row(&server, &inv, "E001");
    assert_eq!((&row["state"], &row["submitted_by"]), (&json!("submitted"), &json!("timeout")), "{row}");
    let all = items(&paper(ws, row["paper"].as_str().unwrap()));
    assert_eq!(stored_theory(ws, "E001").as_f64(), Some(points_for(&all[0], &key(&all[0]))));
    drop(server);
}

/// The console's row of a candidate, as text.
async fn console_row(c: &Client, exam_no: &str) -> String {
    text_of(c, &format!("tr[data-exam-no={}]", js(exam_no))).await
}

/// Waits until the console's row of `exam_no` shows `text`.
async fn until_row(c: &Client, exam_no: &str, text: &str) {
    until(
        c,
        &format!("document.querySelector('tr[data-exam-no={}]').textContent.indexOf({}) >= 0", js(exam_no), js(text)),
    )
    .await;
}

/// Opens an action's form from the candidate's row.
async fn ask(c: &Client, exam_no: &str, action: &str) {
    click(c, &format!("tr[data-exam-no={}] button.{action}", js(exam_no))).await;
    until(c, "!document.getElementById('action-dialog').hidden").await;
}

async fn until_told(c: &Client, text: &str) {
    until(c, &format!("document.getElementById('action-dialog').hidden && document.getElementById('console-message').textContent.indexOf({}) >= 0", js(text))).await;
}

#[test]
fn exam_browser_the_invigilator_console_opens_the_room_and_acts_through_its_forms() {
    let Some(driver_path) = chromedriver() else { return };
    let exam = exam_ready(3, None);
    let ws = &exam.ws;
    let server = Server::start(ws);
    let inv = server.login("invigilator", INVIGILATOR, &exam.invigilator);
    bounded(async {
        let driver = Driver::start(&driver_path);
        let desk = browser(&driver, 1024, 768).await;
        let d = &desk.client;
        login_at(d, &url(&server, "/"), "invigilator", INVIGILATOR, &exam.invigilator).await;
        assert_eq!(
            eval(d, "document.querySelectorAll('a[href=\"/examiner\"]').length").await,
            json!(0),
            "no grading link"
        );
        until(d, "document.querySelector('tr[data-exam-no=\"E003\"]')").await;
        assert_eq!(console_row(d, "E001").await.split_whitespace().take(2).collect::<Vec<_>>(), ["E001", "考生1"]);
        until_row(d, "E001", "未登录").await;
        let headers = eval(
            d,
            "Array.prototype.map.call(document.querySelectorAll('.roster th'), function (t) { return t.textContent; })",
        )
        .await;
        assert_eq!(headers, json!(["准考证号", "姓名", "座位", "状态", "剩余时间", "最后联系", "操作"]));

        // E001 on a computer with the page, E003 on another (through the API): waiting.
        let pc = browser(&driver, 1024, 768).await;
        let c = &pc.client;
        candidate_login(c, &server, "E001", &exam.codes["E001"]).await;
        click(c, "#exam-confirm-yes").await;
        assert_eq!(status_title(c).await, "请等待监考员宣布开考");
        let e003 = candidate_cookie(&server, "E003", &exam.codes["E003"]);
        assert_eq!(server.get("/api/exam", Some(&e003)).json()["state"], "waiting");
        until_row(d, "E001", "等待开考").await;
        until_row(d, "E003", "等待开考").await;
        until(d, "document.querySelector('.room .counts').textContent.indexOf('未登录 1') >= 0").await;
        assert!(text_of(d, ".room .counts").await.contains("等待开考 2"));
        assert!(text_of(d, ".room .room-state").await.contains("未开考"));
        let mut problems = layout_problems(d, "console").await;

        // 开考 through the page: the form, then the room is open and the candidate answers.
        click(d, "button.open-room").await;
        until(d, "!document.getElementById('action-dialog').hidden").await;
        assert!(text_of(d, "#action-who").await.contains(ROOM));
        problems.extend(layout_problems(d, "open form").await);
        click(d, "#action-confirm").await;
        until_told(d, "已开考").await;
        until(d, "document.querySelector('.room .room-state').textContent.indexOf('已开考') === 0").await;
        assert_eq!(eval(d, "document.querySelectorAll('button.open-room').length").await, json!(0));
        until(c, ANSWERING).await;
        let (_, state) = page_api(c, "GET", "/api/exam", None).await;
        let all = items(&paper(ws, state["paper"].as_str().unwrap()));
        show_question(c, 1).await;
        click_answer(c, all[0]["kind"].as_str().unwrap(), &key(&all[0])).await;
        until_saved(c).await;
        until_row(d, "E001", &format!("答题中 1/{}", all.len())).await;
        let row = console_row(d, "E001").await;
        assert!(row.contains("89:") || row.contains("90:00"), "{row}");
        assert!(row.contains("秒前"), "the last contact: {row}");
        // On a phone the rows are cards, every action on screen.
        let phone = browser(&driver, 360, 740).await;
        login_at(&phone.client, &url(&server, "/"), "invigilator", INVIGILATOR, &exam.invigilator).await;
        until(&phone.client, "document.querySelector('tr[data-exam-no=\"E001\"] button.extra')").await;
        problems.extend(layout_problems(&phone.client, "console on a phone").await);
        phone.client.clone().close().await.unwrap();

        // 延长时间: a reason is required; then minutes and reason.
        ask(d, "E001", "extra").await;
        problems.extend(layout_problems(d, "extra time form").await);
        click(d, "#action-confirm").await;
        until(d, "!document.getElementById('action-error').hidden").await;
        assert_eq!(text_of(d, "#action-error").await, "请写明原因");
        type_into(d, "#action-minutes", "5").await;
        type_into(d, "#action-reason", "电脑故障耽误 5 分钟").await;
        click(d, "#action-confirm").await;
        until_told(d, "已为 E001 考生1 延长 5 分钟").await;
        until_row(d, "E001", "已延长 5 分钟").await;
        let remaining = room_row(&server, &inv, "E001")["remaining_s"].as_i64().unwrap();
        assert!(remaining > 94 * 60 && remaining <= 95 * 60, "{remaining}");

        // 重置登录（换电脑）: the old page's next change finds its login ended.
        ask(d, "E001", "reset").await;
        type_into(d, "#action-reason", "电脑死机").await;
        click(d, "#action-confirm").await;
        until_told(d, "已重置 E001 考生1 的登录").await;
        click_answer(c, all[0]["kind"].as_str().unwrap(), &wrong(&all[0])).await;
        assert_eq!(status_title(c).await, "本机的登录已结束");

        // 强制交卷 for E003, with a reason.
        until_row(d, "E003", "答题中").await;
        ask(d, "E003", "force").await;
        type_into(d, "#action-reason", "考生身体不适，提前离场").await;
        click(d, "#action-confirm").await;
        until_told(d, "已为 E003 考生3 强制交卷").await;
        until_row(d, "E003", "已交卷（监考员强制交卷）").await;
        assert_eq!(server.get("/api/exam", Some(&e003)).json()["submitted_by"], "invigilator");

        // 记录违纪并结束考试 for E002: the reason, then a second confirmation.
        ask(d, "E002", "misconduct").await;
        type_into(d, "#action-reason", "携带手机").await;
        click(d, "#action-confirm").await;
        until(d, "document.getElementById('action-title').textContent.indexOf('再次确认') === 0").await;
        assert!(text_of(d, "#action-warning").await.contains("携带手机"));
        assert!(eval(d, "document.getElementById('action-dialog').hidden").await == json!(false));
        assert_eq!(
            room_row(&server, &inv, "E002")["state"],
            "not_logged_in",
            "nothing done before the second confirmation"
        );
        click(d, "#action-confirm").await;
        until_told(d, "已记录 E002 考生2 违纪").await;
        until_row(d, "E002", "已交卷（违纪，考试结束）").await;

        // A refusal is shown in the server's words: the form for E001's extra time is open
        // when another invigilator hands E001's paper in.
        ask(d, "E001", "extra").await;
        type_into(d, "#action-reason", "再延长").await;
        invigilate(
            &server,
            &inv,
            "/api/invigilator/submit",
            json!({ "exam_no": "E001", "reason": "另一位监考员交卷" }),
        );
        click(d, "#action-confirm").await;
        until(d, "!document.getElementById('action-error').hidden").await;
        let again = server.post(
            "/api/invigilator/extra-time",
            Some(&inv),
            &json!({ "exam_no": "E001", "minutes": 5, "reason": "再延长" }),
        );
        assert_ne!(again.status, 200, "{}", again.body);
        assert_eq!(text_of(d, "#action-error").await, again.error());
        click(d, "#action-cancel").await;
        until_row(d, "E001", "已交卷（监考员强制交卷）").await;
        assert!(problems.is_empty(), "{}", problems.join("\n"));
        shot(d, "console").await;
        desk.client.clone().close().await.unwrap();
        pc.client.clone().close().await.unwrap();
    });
    drop(server);
}
