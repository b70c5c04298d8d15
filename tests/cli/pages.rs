//! The pages of `certify serve` over plain HTTP (no browser): who may see which page,
//! what a page without a login does, the headers every page carries, escaping of names,
//! the embedded assets, and the board's document. The browser itself is in `browser.rs`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Child;
use std::time::Duration;

use serde_json::{Value, json};

use crate::practical::{HEADER, SESSION, entry_rows, tasks};
use crate::server::spawn_serve;
use crate::support::{Workspace, valid_id};

const TIMEOUT: Duration = Duration::from_secs(20);

/// A running `certify serve` on 127.0.0.1, killed when dropped.
struct Serve {
    child: Child,
    address: String,
}

impl Serve {
    fn start(ws: &Workspace) -> Serve {
        let (child, address) = spawn_serve(ws, "127.0.0.1:0");
        Serve { child, address }
    }

    /// One request on a fresh connection; `(status, headers, body)`.
    fn request(&self, method: &str, path: &str, cookie: Option<&str>, body: Option<&Value>) -> Answer {
        let mut stream = TcpStream::connect(&self.address).expect("connects");
        stream.set_read_timeout(Some(TIMEOUT)).unwrap();
        let body = body.map(Value::to_string).unwrap_or_default();
        let mut text = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n", self.address);
        if let Some(cookie) = cookie {
            text.push_str(&format!("Cookie: {cookie}\r\n"));
        }
        if method == "POST" {
            text.push_str("Content-Type: application/json\r\n");
        }
        text.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
        stream.write_all(text.as_bytes()).unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).unwrap();
        let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("a header block");
        let head = String::from_utf8(raw[..split].to_vec()).unwrap();
        let mut lines = head.split("\r\n");
        let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        assert!(!head.to_ascii_lowercase().contains("transfer-encoding: chunked"), "{head}");
        Answer { status, headers, body: String::from_utf8(raw[split + 4..].to_vec()).unwrap() }
    }

    fn get(&self, path: &str, cookie: Option<&str>) -> Answer {
        self.request("GET", path, cookie, None)
    }

    fn login(&self, role: &str, name: &str, code: &str) -> String {
        let answer =
            self.request("POST", "/api/login", None, Some(&json!({ "role": role, "name": name, "code": code })));
        assert_eq!(answer.status, 200, "{}", answer.body);
        answer.header("set-cookie").unwrap().split(';').next().unwrap().to_owned()
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

fn add(ws: &Workspace, name: &str, chief: bool) -> String {
    let mut args = vec!["examiners", "add", "--session", SESSION, "--name", name];
    if chief {
        args.push("--chief");
    }
    ws.json(args)["code"].as_str().unwrap().to_owned()
}

/// A drawn session whose first candidate's name has markup in it.
fn workspace() -> Workspace {
    let ws = Workspace::new();
    ws.ok(["init"]);
    ws.write(
        "plan.toml",
        "examiners_min = 3\ndiscrepancy = 10\n[[draw]]\ncategory = \"护理\"\ncount = 1\nweight = 50\n\
         [[draw]]\ncategory = \"学前\"\ncount = 1\nweight = 50\n",
    );
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
    let csv =
        format!("准考证号,姓名,身份证号\nE001,<script>x</script>王,{}\nE002,考生2,{}\n", valid_id(1), valid_id(2));
    ws.write("c.csv", csv);
    ws.ok(["candidates", "import", "--session", SESSION, "c.csv"]);
    ws.ok(["practical", "draw", "--session", SESSION, "--seed", "5"]);
    ws
}

#[test]
fn pages_need_a_login_and_the_board_a_chief() {
    let ws = crate::practical::drawn(2);
    let code = add(&ws, "张老师", false);
    let chief_code = add(&ws, "赵组长", true);
    let serve = Serve::start(&ws);
    let task = tasks(&ws, "E001")[0].clone();
    // Without a login every page sends the browser to the login page.
    for path in [
        "/examiner",
        &format!("/examiner/queue?task={task}"),
        &format!("/examiner/sheet?exam_no=E001&task={task}"),
        "/chief",
    ] {
        let answer = serve.get(path, None);
        assert_eq!(answer.status, 303, "{path}");
        assert_eq!(answer.header("location"), Some("/"), "{path}");
    }
    let login = serve.get("/", None);
    assert_eq!(login.status, 200);
    assert!(login.body.contains("登录码") && login.body.contains(SESSION), "{}", login.body);
    for header in ["content-security-policy", "cache-control", "referrer-policy", "x-frame-options"] {
        assert!(login.header(header).is_some(), "{header}");
    }
    assert!(login.header("content-security-policy").unwrap().contains("default-src 'self'"));
    assert!(!login.body.contains("http://") && !login.body.contains("https://"), "nothing from outside");

    let examiner = serve.login("examiner", "张老师", &code);
    assert_eq!(serve.get("/", Some(&examiner)).header("location"), Some("/examiner"), "logged in: straight on");
    let stations = serve.get("/examiner", Some(&examiner));
    assert_eq!(stations.status, 200);
    assert!(stations.body.contains(&task), "{}", stations.body);
    // An examiner is not shown the board, nor its data.
    let board = serve.get("/chief", Some(&examiner));
    assert_eq!(board.status, 403);
    assert!(board.body.contains("考评组长"), "{}", board.body);
    assert_eq!(serve.get("/api/chief/board", Some(&examiner)).status, 403);
    assert_eq!(serve.get("/api/chief/board", None).status, 401);
    // A task nobody drew, a candidate who did not draw it: a page saying so, in Chinese.
    let nothing = serve.get("/examiner/queue?task=NO-SUCH", Some(&examiner));
    assert_eq!(nothing.status, 404);
    assert!(nothing.body.contains("NO-SUCH") && nothing.body.contains("没有考生抽到"), "{}", nothing.body);
    let other = tasks(&ws, "E002").into_iter().find(|t| !tasks(&ws, "E001").contains(t));
    if let Some(other) = other {
        let refused = serve.get(&format!("/examiner/sheet?exam_no=E001&task={other}"), Some(&examiner));
        assert_eq!(refused.status, 403);
        assert!(refused.body.contains("没有抽到"), "{}", refused.body);
    }

    let chief = serve.login("chief", "赵组长", &chief_code);
    assert_eq!(serve.get("/", Some(&chief)).header("location"), Some("/chief"));
    let page = serve.get("/chief", Some(&chief));
    assert_eq!(page.status, 200);
    assert!(page.body.contains("/static/board.js"));
    // The chief grades too.
    assert_eq!(serve.get("/examiner", Some(&chief)).status, 200);

    for (path, kind) in [
        ("/static/common.js", "javascript"),
        ("/static/sheet.js", "javascript"),
        ("/static/board.js", "javascript"),
        ("/static/login.js", "javascript"),
        ("/static/serve.css", "text/css"),
    ] {
        let asset = serve.get(path, None);
        assert_eq!(asset.status, 200, "{path}");
        assert!(asset.header("content-type").unwrap().contains(kind), "{path}");
        assert!(
            !asset.body.contains("http://") && !asset.body.contains("https://"),
            "{path} loads nothing from outside"
        );
    }
}

#[test]
fn pages_escape_names_and_the_board_carries_grade_status_with_veto_reasons() {
    let ws = workspace();
    let code = add(&ws, "张老师", false);
    let chief_code = add(&ws, "赵组长", true);
    let serve = Serve::start(&ws);
    let task = tasks(&ws, "E001")[0].clone();
    let examiner = serve.login("examiner", "张老师", &code);
    let queue = serve.get(&format!("/examiner/queue?task={task}"), Some(&examiner));
    assert_eq!(queue.status, 200);
    assert!(!queue.body.contains("<script>x</script>"), "escaped: {}", queue.body);
    assert!(queue.body.contains("&lt;script&gt;x&lt;&#x2f;script&gt;王"), "{}", queue.body);
    let sheet = serve.get(&format!("/examiner/sheet?exam_no=E001&task={task}"), Some(&examiner));
    assert_eq!(sheet.status, 200);
    assert!(!sheet.body.contains("<script>x</script>") && sheet.body.contains("confirm-yes"), "{}", sheet.body);
    assert!(sheet.body.contains("990101********"), "the ID number masked");
    assert!(!sheet.body.contains(&valid_id(1)), "never the full ID number");

    // A grade with a veto and its reason, from the API the sheet uses.
    let rubric = ws.json(["rubric", "show", &task]);
    let mut steps = serde_json::Map::new();
    for section in rubric["sections"].as_array().unwrap() {
        for step in section["steps"].as_array().unwrap() {
            steps.insert(step["id"].as_str().unwrap().to_owned(), step["points"].clone());
        }
    }
    let veto = rubric["vetoes"][0]["id"].as_str().unwrap();
    let grade = json!({ "client_id": "p-1", "exam_no": "E001", "task": task, "steps": steps,
        "vetoes": [{ "id": veto, "reason": "未测水温" }], "comment": "<i>好</i>", "rating": "临界" });
    let saved = serve.request("POST", "/api/examiner/grades", Some(&examiner), Some(&grade));
    assert_eq!(saved.status, 200, "{}", saved.body);
    // Now the sheet is the stored entry, read-only, with the reason and the rating.
    let stored = serve.get(&format!("/examiner/sheet?exam_no=E001&task={task}"), Some(&examiner));
    assert!(stored.body.contains("不能修改") && !stored.body.contains("confirm-yes"), "{}", stored.body);
    assert!(stored.body.contains("未测水温") && stored.body.contains("临界"), "{}", stored.body);
    assert!(stored.body.contains("&lt;i&gt;好&lt;&#x2f;i&gt;") && !stored.body.contains("<i>好</i>"));
    assert!(stored.body.contains("id=\"correct\""), "a stored entry offers 更正");
    let stations = serve.get("/examiner", Some(&examiner));
    assert!(stations.body.contains("已评 1 / "), "{}", stations.body);

    // The board's document: `status` is `grade status --agreement --json`, vetoes with reasons.
    ws.write("g.csv", format!("{HEADER}{}", entry_rows(&ws, "E001", &task, "李老师", 80.0, &[veto])));
    ws.ok(["grade", "import", "--session", SESSION, "g.csv"]);
    let chief = serve.login("chief", "赵组长", &chief_code);
    let board = serve.get("/api/chief/board", Some(&chief));
    assert_eq!(board.status, 200, "{}", board.body);
    let board: Value = serde_json::from_str(&board.body).unwrap();
    assert_eq!(board["status"], ws.json(["grade", "status", "--session", SESSION, "--agreement"]));
    assert_eq!(board["plan"]["discrepancy"], 10.0);
    assert_eq!(board["names"]["E001"], "<script>x</script>王", "data, not markup: the page adds it as text");
    assert!(board["titles"][task.as_str()].as_str().is_some_and(|t| !t.is_empty()));
    let marks = board["vetoes"].as_array().unwrap();
    assert_eq!(marks.len(), 2, "{marks:?}");
    let web = marks.iter().find(|m| m["examiner"] == "张老师").unwrap();
    assert_eq!(web["reason"], "未测水温");
    assert_eq!(web["veto"], veto);
    assert!(web["text"].as_str().is_some_and(|t| !t.is_empty()));
    let imported = marks.iter().find(|m| m["examiner"] == "李老师").unwrap();
    assert_eq!(imported["reason"], Value::Null, "an imported veto has no reason");
    let people: Vec<&str> =
        board["examiners"].as_array().unwrap().iter().map(|e| e["name"].as_str().unwrap()).collect();
    assert_eq!(people, ["张老师", "赵组长"]);
}

/// The scripts without their comments.
fn code_of(source: &str) -> String {
    let mut out = String::new();
    let mut rest = source;
    while let Some(start) = rest.find("/*") {
        out.push_str(&rest[..start]);
        rest = rest[start..].split_once("*/").map(|(_, after)| after).unwrap_or_default();
    }
    out.push_str(rest);
    out.lines().map(|l| l.split(" // ").next().unwrap_or_default()).collect::<Vec<_>>().join("\n")
}

#[test]
fn pages_scripts_are_plain_es5_for_old_browsers() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/server/assets");
    for name in ["common.js", "login.js", "sheet.js", "board.js", "exam.js", "invigilator.js"] {
        let code = code_of(&std::fs::read_to_string(dir.join(name)).unwrap());
        for newer in ["=>", "let ", "const ", "`", "?.", "...", "class ", "async ", "await ", "import ", "export "] {
            assert!(!code.contains(newer), "{name} uses {newer:?}, which old browsers cannot run");
        }
        assert!(code.contains("'use strict'"), "{name}");
        assert!(!code.contains("innerHTML"), "{name}: pages add data as text, never as HTML");
    }
}
