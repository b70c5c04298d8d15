//! `certify examiners` and `certify serve`: a real server process on 127.0.0.1 (port 0,
//! the address read from its first stdout line), spoken to over plain HTTP/1.1 with
//! timeouts, killed by a guard whatever happens.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{Value, json};

use crate::practical::{self, HEADER, SESSION, drawn, entry_rows, tasks};
use crate::support::Workspace;

/// How long any one request, or the server's start, may take.
const TIMEOUT: Duration = Duration::from_secs(20);

/// A running `certify serve`, killed when dropped.
pub struct Server {
    pub child: Child,
    /// `127.0.0.1:PORT`
    pub address: String,
}

/// Starts `certify serve` for the test session on `listen` and waits (bounded) for the
/// address it prints first; the one way every server test starts a server.
pub fn spawn_serve(ws: &Workspace, listen: &str) -> (Child, String) {
    spawn_serve_for(ws, SESSION, listen)
}

/// [`spawn_serve`] for another session than the practical tests' one.
pub fn spawn_serve_for(ws: &Workspace, session: &str, listen: &str) -> (Child, String) {
    spawn_serve_with(ws, session, listen, &[])
}

/// [`spawn_serve_for`] with more of `serve`'s flags.
pub fn spawn_serve_with(ws: &Workspace, session: &str, listen: &str, flags: &[&str]) -> (Child, String) {
    let mut args = vec!["serve", "--session", session, "--listen", listen];
    args.extend_from_slice(flags);
    let mut command = ws.command(args);
    command.stdout(Stdio::piped()).stderr(Stdio::null());
    let mut child = command.spawn().expect("serve starts");
    let stdout = child.stdout.take().expect("piped");
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        if let Some(Ok(line)) = lines.next() {
            let _ = sender.send(line);
        }
        // Keep reading so the server never blocks on a full pipe.
        for _ in lines {}
    });
    let line = match receiver.recv_timeout(TIMEOUT) {
        Ok(line) => line,
        Err(e) => {
            let _ = child.kill();
            panic!("serve printed no address: {e}");
        }
    };
    let start = line.find("http://").unwrap_or_else(|| panic!("no address in {line:?}")) + "http://".len();
    let address: String = line[start..].chars().take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ':').collect();
    assert!(address.starts_with("127.0.0.1:") && !address.ends_with(":0"), "{line}");
    (child, address)
}

impl Server {
    pub fn start(ws: &Workspace) -> Server {
        let (child, address) = spawn_serve(ws, "127.0.0.1:0");
        Server { child, address }
    }

    /// A server for `session` on a port of its own.
    pub fn start_for(ws: &Workspace, session: &str) -> Server {
        let (child, address) = spawn_serve_for(ws, session, "127.0.0.1:0");
        Server { child, address }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends a signal (`TERM`, `KILL`) and waits (bounded) for the process to end.
    pub fn signal(&mut self, name: &str) -> Option<i32> {
        let status = std::process::Command::new("kill").arg(format!("-{name}")).arg(self.pid().to_string()).status();
        assert!(status.is_ok_and(|s| s.success()), "kill -{name}");
        for _ in 0..200 {
            if let Some(status) = self.child.try_wait().expect("waits") {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("the server did not stop after SIG{name}");
    }

    pub fn get(&self, path: &str, cookie: Option<&str>) -> Response {
        let mut headers = Vec::new();
        if let Some(cookie) = cookie {
            headers.push(("Cookie", cookie.to_owned()));
        }
        request(&self.address, "GET", path, &headers, None)
    }

    /// A POST as a script sends it: JSON, no Origin.
    pub fn post(&self, path: &str, cookie: Option<&str>, body: &Value) -> Response {
        self.post_raw(path, cookie, &body.to_string(), &[])
    }

    /// A PUT as a script sends it: JSON, no Origin.
    pub fn put(&self, path: &str, cookie: Option<&str>, body: &Value) -> Response {
        self.send("PUT", path, cookie, &body.to_string(), &[])
    }

    pub fn post_raw(&self, path: &str, cookie: Option<&str>, body: &str, extra: &[(&str, &str)]) -> Response {
        self.send("POST", path, cookie, body, extra)
    }

    fn send(&self, method: &str, path: &str, cookie: Option<&str>, body: &str, extra: &[(&str, &str)]) -> Response {
        let mut headers: Vec<(&str, String)> = vec![("Content-Type", "application/json".into())];
        if let Some(cookie) = cookie {
            headers.push(("Cookie", cookie.to_owned()));
        }
        for (name, value) in extra {
            headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
            headers.push((name, (*value).to_owned()));
        }
        request(&self.address, method, path, &headers, Some(body))
    }

    /// Logs in; returns the `Cookie` header value.
    pub fn login(&self, role: &str, name: &str, code: &str) -> String {
        self.login_with(&json!({ "role": role, "name": name, "code": code }))
    }

    /// Logs a candidate in with exam number and access code; returns the `Cookie` value.
    pub fn candidate_login(&self, exam_no: &str, code: &str) -> String {
        self.login_with(&json!({ "role": "candidate", "exam_no": exam_no, "code": code }))
    }

    fn login_with(&self, body: &Value) -> String {
        let response = self.post("/api/login", None, body);
        assert_eq!(response.status, 200, "{}", response.body);
        let set = response.header("set-cookie").expect("a cookie").to_owned();
        for part in ["HttpOnly", "SameSite=Strict", "Path=/"] {
            assert!(set.contains(part), "{set}");
        }
        set.split(';').next().unwrap().to_owned()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The `error` text, which must be Chinese and free of library English.
    pub fn error(&self) -> String {
        let text = self.json()["error"].as_str().unwrap_or_else(|| panic!("no error in {}", self.body)).to_owned();
        assert!(text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "not Chinese: {text}");
        for english in ["expected", "invalid", "Failed", "unknown field", "missing field"] {
            assert!(!text.contains(english), "English in: {text}");
        }
        text
    }
}

/// One HTTP/1.1 request on a fresh connection, bounded by [`TIMEOUT`].
fn request(address: &str, method: &str, path: &str, headers: &[(&str, String)], body: Option<&str>) -> Response {
    let mut stream = TcpStream::connect(address).expect("connects");
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();
    stream.set_write_timeout(Some(TIMEOUT)).unwrap();
    let mut text = format!("{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n");
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    let body = body.unwrap_or_default();
    text.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    stream.write_all(text.as_bytes()).expect("sends");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("reads the answer");
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("a header block");
    let head = String::from_utf8(raw[..split].to_vec()).expect("UTF-8 head");
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> =
        lines.filter_map(|l| l.split_once(':')).map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned())).collect();
    let mut payload = raw[split + 4..].to_vec();
    if headers.iter().any(|(n, v)| n.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked")) {
        payload = dechunk(&payload);
    }
    Response { status, headers, body: String::from_utf8(payload).expect("UTF-8 body") }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n").expect("chunk size");
        let size = usize::from_str_radix(std::str::from_utf8(&data[..line_end]).unwrap().trim(), 16).unwrap();
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&data[line_end + 2..line_end + 2 + size]);
        data = &data[line_end + 4 + size..];
    }
}

/// Adds someone with `certify examiners add`; returns the code.
pub fn add(ws: &Workspace, name: &str, flags: &[&str]) -> String {
    add_to(ws, SESSION, name, flags)
}

/// [`add`] to another session than the practical tests' one.
pub fn add_to(ws: &Workspace, session: &str, name: &str, flags: &[&str]) -> String {
    let mut args = vec!["examiners", "add", "--session", session, "--name", name];
    args.extend_from_slice(flags);
    let added = ws.json(args);
    assert_eq!(added["name"], name);
    added["code"].as_str().unwrap().to_owned()
}

pub fn count(ws: &Workspace, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open_with_flags(ws.db(), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// A complete grade body for `task`: every step at its maximum but the first, 1 lower.
pub fn full_grade(ws: &Workspace, client_id: &str, exam_no: &str, task: &str) -> Value {
    let steps = practical::steps(ws, task);
    let mut map = serde_json::Map::new();
    for (i, (id, max)) in steps.iter().enumerate() {
        map.insert(id.clone(), json!(if i == 0 { max - 1.0 } else { *max }));
    }
    json!({ "client_id": client_id, "exam_no": exam_no, "task": task, "steps": map, "vetoes": [], "comment": "动作规范", "rating": "合格" })
}

#[test]
fn server_login_ok_wrong_role_wrong_code_and_revoked() {
    let ws = drawn(2);
    let code = add(&ws, "张老师", &[]);
    let server = Server::start(&ws);
    let cookie = server.login("examiner", "张老师", &code);
    // The code is accepted however it is typed: lower case, without dashes.
    server.login("examiner", "张老师", &code.replace('-', "").to_lowercase());
    assert_eq!(server.get("/api/examiner/queue", Some(&cookie)).status, 200);

    let wrong =
        server.post("/api/login", None, &json!({ "role": "examiner", "name": "张老师", "code": "AAAA-AAAA-AA" }));
    assert_eq!(wrong.status, 401);
    wrong.error();
    let role = server.post("/api/login", None, &json!({ "role": "chief", "name": "张老师", "code": code }));
    assert_eq!(role.status, 401, "an examiner's code does not log in a chief");
    let nobody = server.post("/api/login", None, &json!({ "role": "examiner", "name": "王老师", "code": code }));
    assert_eq!(nobody.status, 401);
    assert_eq!(nobody.body, wrong.body, "an unknown name reads like a wrong code");

    let revoked = ws.json(["examiners", "revoke", "--session", SESSION, "--name", "张老师"]);
    assert_eq!(revoked["ended_logins"], 2);
    let after = server.get("/api/examiner/queue", Some(&cookie));
    assert_eq!(after.status, 401, "a revoked examiner's cookie stops working at once");
    after.error();
    assert_eq!(
        server.post("/api/login", None, &json!({ "role": "examiner", "name": "张老师", "code": code })).status,
        401
    );
    let again = add(&ws, "张老师", &[]);
    assert_ne!(again, code, "re-adding gives a new code");
    server.login("examiner", "张老师", &again);
    let listed = ws.json(["examiners", "list", "--session", SESSION]);
    let people = listed["examiners"].as_array().unwrap();
    assert_eq!(people.len(), 2);
    assert_eq!(people.iter().filter(|p| p["active"] == true).count(), 1);
    assert!(!listed.to_string().contains(&again) && !listed.to_string().contains("code"), "{listed}");
    // Adding a name that is active is refused with what to do.
    let twice = ws.fails(["examiners", "add", "--session", SESSION, "--name", "张老师"]);
    assert!(twice.stderr.contains("examiners revoke"), "{}", twice.stderr);
    assert_eq!(count(&ws, "SELECT COUNT(*) FROM web_log WHERE action = 'login'"), 3);
}

#[test]
fn server_refuses_an_address_after_five_wrong_codes() {
    let ws = drawn(1);
    let code = add(&ws, "张老师", &[]);
    let server = Server::start(&ws);
    for _ in 0..5 {
        let wrong =
            server.post("/api/login", None, &json!({ "role": "examiner", "name": "张老师", "code": "BBBB-BBBB-BB" }));
        assert_eq!(wrong.status, 401);
    }
    let blocked = server.post("/api/login", None, &json!({ "role": "examiner", "name": "张老师", "code": code }));
    assert_eq!(blocked.status, 429, "{}", blocked.body);
    assert!(blocked.error().contains("分钟后再试"));
    assert!(blocked.header("retry-after").is_some());
    assert_eq!(count(&ws, "SELECT COUNT(*) FROM web_log WHERE action = 'login-failed'"), 5);
    assert_eq!(count(&ws, "SELECT COUNT(*) FROM web_log WHERE action = 'login-blocked'"), 1);
    assert_eq!(count(&ws, "SELECT COUNT(*) FROM web_sessions"), 0);
}

#[test]
fn server_roles_no_cookie_is_401_an_examiner_is_403_for_the_chief_pages() {
    let ws = drawn(2);
    let code = add(&ws, "张老师", &[]);
    let chief_code = add(&ws, "赵组长", &["--chief"]);
    let server = Server::start(&ws);
    for path in ["/api/examiner/queue", "/api/chief/status", "/api/examiner/sheet?exam_no=E001&task=X"] {
        let response = server.get(path, None);
        assert_eq!(response.status, 401, "{path}");
        response.error();
    }
    assert_eq!(server.post("/api/examiner/grades", None, &json!({})).status, 401);
    assert_eq!(server.get("/api/examiner/queue", Some("certify_session=forged")).status, 401);
    let examiner = server.login("examiner", "张老师", &code);
    let status = server.get("/api/chief/status", Some(&examiner));
    assert_eq!(status.status, 403);
    status.error();
    let resolve = server.post(
        "/api/chief/resolve",
        Some(&examiner),
        &json!({ "candidate": "E001", "task": "X", "score": 90, "reason": "r" }),
    );
    assert_eq!(resolve.status, 403);

    let chief = server.login("chief", "赵组长", &chief_code);
    let web = server.get("/api/chief/status", Some(&chief));
    assert_eq!(web.status, 200, "{}", web.body);
    assert_eq!(web.json(), ws.json(["grade", "status", "--session", SESSION, "--agreement"]));

    let unknown = server.get("/api/nothing-here", Some(&chief));
    assert_eq!(unknown.status, 404);
    unknown.error();
    let home = server.get("/", None);
    assert_eq!(home.status, 200);
    assert!(home.body.contains("考场服务") && home.body.contains(SESSION), "{}", home.body);
    let logout = server.post("/api/logout", Some(&chief), &json!({}));
    assert_eq!(logout.status, 200, "{}", logout.body);
    assert_eq!(server.get("/api/chief/status", Some(&chief)).status, 401, "logged out");
}

#[test]
fn server_refuses_cross_site_posts_and_bad_bodies_without_writing() {
    let ws = drawn(2);
    let code = add(&ws, "张老师", &[]);
    let server = Server::start(&ws);
    let cookie = server.login("examiner", "张老师", &code);
    let task = tasks(&ws, "E001")[0].clone();
    let body = full_grade(&ws, "c-1", "E001", &task).to_string();
    let same = format!("http://{}", server.address);
    for extra in [
        vec![("Origin", "http://evil.example")],
        vec![("Sec-Fetch-Site", "cross-site")],
        vec![("Content-Type", "text/plain")],
        vec![("Content-Type", "application/x-www-form-urlencoded")],
    ] {
        let refused = server.post_raw("/api/examiner/grades", Some(&cookie), &body, &extra);
        assert_eq!(refused.status, 403, "{extra:?}: {}", refused.body);
        refused.error();
    }
    let cross_login = server.post_raw(
        "/api/login",
        None,
        &json!({ "role": "examiner", "name": "张老师", "code": code }).to_string(),
        &[("Origin", "http://evil.example")],
    );
    assert_eq!(cross_login.status, 403);

    let mut wrong_type = full_grade(&ws, "c-2", "E001", &task);
    wrong_type["steps"] = json!("满分");
    let mut named = full_grade(&ws, "c-3", "E001", &task);
    named["examiner"] = json!("李老师");
    let mut no_task = full_grade(&ws, "c-4", "E001", &task);
    no_task.as_object_mut().unwrap().remove("task");
    let mut text_points = full_grade(&ws, "c-5", "E001", &task);
    text_points["steps"]["1.1"] = json!("5");
    let mut bad_rating = full_grade(&ws, "c-6", "E001", &task);
    bad_rating["rating"] = json!("优秀");
    for bad in [
        "{not json".to_owned(),
        format!("{body} trailing"),
        wrong_type.to_string(),
        named.to_string(),
        no_task.to_string(),
        text_points.to_string(),
        bad_rating.to_string(),
        "[]".to_owned(),
    ] {
        let refused = server.post_raw("/api/examiner/grades", Some(&cookie), &bad, &[]);
        assert_eq!(refused.status, 400, "{bad}: {}", refused.body);
        refused.error();
    }
    assert!(
        server.post_raw("/api/examiner/grades", Some(&cookie), &named.to_string(), &[]).error().contains("examiner")
    );
    assert_eq!(count(&ws, "SELECT COUNT(*) FROM grade_entries"), 0, "nothing was written");
    assert_eq!(count(&ws, "SELECT COUNT(*) FROM web_log WHERE action = 'grade'"), 0);
    // The same request from the server's own page is accepted.
    let ok = server.post_raw(
        "/api/examiner/grades",
        Some(&cookie),
        &body,
        &[("Origin", same.as_str()), ("Sec-Fetch-Site", "same-origin")],
    );
    assert_eq!(ok.status, 200, "{}", ok.body);
}

#[test]
fn server_grades_meet_the_checks_of_grade_import() {
    let ws = drawn(3);
    let code = add(&ws, "张老师", &[]);
    ws.ok(["candidates", "withdraw", "--session", SESSION, "--exam-no", "E003", "--reason", "本人申请"]);
    let server = Server::start(&ws);
    let cookie = server.login("examiner", "张老师", &code);
    let task = tasks(&ws, "E001")[0].clone();
    let steps = practical::steps(&ws, &task);
    let (first, first_max) = steps[0].clone();
    let post = |body: &Value| server.post("/api/examiner/grades", Some(&cookie), body);

    let mut incomplete = full_grade(&ws, "i-1", "E001", &task);
    incomplete["steps"].as_object_mut().unwrap().remove(&steps[1].0);
    let refused = post(&incomplete);
    assert_eq!(refused.status, 409);
    assert!(refused.error().contains(&format!("缺少步骤 {}", steps[1].0)), "{}", refused.body);

    let mut over = full_grade(&ws, "i-2", "E001", &task);
    over["steps"][&first] = json!(first_max + 1.0);
    let refused = post(&over);
    assert_eq!(refused.status, 409);
    assert!(refused.error().contains(&format!("步骤 {first} 的得分")), "{}", refused.body);
    let mut negative = full_grade(&ws, "i-3", "E001", &task);
    negative["steps"][&first] = json!(-1);
    assert_eq!(post(&negative).status, 409);
    let mut unknown_step = full_grade(&ws, "i-4", "E001", &task);
    unknown_step["steps"]["9.9"] = json!(1);
    assert!(post(&unknown_step).error().contains("没有步骤「9.9」"));

    let mut unknown_veto = full_grade(&ws, "i-5", "E001", &task);
    unknown_veto["vetoes"] = json!([{ "id": "V99", "reason": "x" }]);
    let refused = post(&unknown_veto);
    assert_eq!(refused.status, 409);
    assert!(refused.error().contains("没有否决项「V99」"));
    let mut no_reason = full_grade(&ws, "i-6", "E001", &task);
    no_reason["vetoes"] = json!([{ "id": "V1" }]);
    let refused = post(&no_reason);
    assert_eq!(refused.status, 409);
    assert!(refused.error().contains("理由"), "{}", refused.body);

    let other_task =
        tasks(&ws, "E002").into_iter().find(|t| !tasks(&ws, "E001").contains(t)).expect("E002 drew another");
    let undrawn = post(&full_grade(&ws, "i-7", "E001", &other_task));
    assert_eq!(undrawn.status, 403, "{}", undrawn.body);
    assert!(undrawn.error().contains("没有抽到"));
    let sheet = server.get(&format!("/api/examiner/sheet?exam_no=E001&task={other_task}"), Some(&cookie));
    assert_eq!(sheet.status, 403);

    let withdrawn_task = tasks(&ws, "E003")[0].clone();
    let withdrawn = post(&full_grade(&ws, "i-8", "E003", &withdrawn_task));
    assert_eq!(withdrawn.status, 409);
    assert!(withdrawn.error().contains("已退考"), "{}", withdrawn.body);
    assert_eq!(count(&ws, "SELECT COUNT(*) FROM grade_entries"), 0);

    // The sheet is the rubric as `rubric show --json` prints it, plus the candidate.
    let sheet = server.get(&format!("/api/examiner/sheet?exam_no=E001&task={task}"), Some(&cookie));
    assert_eq!(sheet.status, 200, "{}", sheet.body);
    let mut sheet = sheet.json();
    let candidate = sheet.as_object_mut().unwrap().remove("candidate").unwrap();
    assert_eq!(sheet, ws.json(["rubric", "show", &task]));
    assert_eq!(candidate["exam_no"], "E001");
    assert_eq!(candidate["name"], "考生1");
    let masked = candidate["id_masked"].as_str().unwrap();
    assert!(masked.contains("********") && !masked.contains(&crate::support::valid_id(1)), "{masked}");
    // Withdrawn candidates are not in the queue.
    let queue = server.get("/api/examiner/queue", Some(&cookie)).json();
    assert!(!queue.to_string().contains("E003"), "{queue}");

    // A veto with its reason is stored with the reason, the rating as a code.
    let mut vetoed = full_grade(&ws, "i-9", "E001", &task);
    vetoed["vetoes"] = json!([{ "id": "v1", "reason": "未洗手即接触婴儿" }]);
    vetoed["rating"] = json!("不合格");
    assert_eq!(post(&vetoed).status, 200);
    let conn = rusqlite::Connection::open(ws.db()).unwrap();
    let (vetoes, reasons, rating, examiner): (String, String, String, String) = conn
        .query_row("SELECT vetoes, veto_reasons, rating, examiner FROM grade_entries", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .unwrap();
    assert_eq!(vetoes, r#"["V1"]"#);
    assert!(reasons.contains("未洗手即接触婴儿"));
    assert_eq!((rating.as_str(), examiner.as_str()), ("fail", "张老师"));
}

#[test]
fn server_a_resent_client_id_is_stored_once_and_the_cli_sees_the_grade_meanwhile() {
    let ws = drawn(2);
    let code = add(&ws, "张老师", &[]);
    let server = Server::start(&ws);
    let cookie = server.login("examiner", "张老师", &code);
    let task = tasks(&ws, "E001")[0].clone();
    let body = full_grade(&ws, "tablet-7f3a", "E001", &task);
    let first = server.post("/api/examiner/grades", Some(&cookie), &body);
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.json(), json!({ "saved": true, "total": 99.0 }));
    let again = server.post("/api/examiner/grades", Some(&cookie), &body);
    assert_eq!(again.status, 200);
    assert_eq!(again.body, first.body, "a resend answers what the first send answered");
    assert_eq!(count(&ws, "SELECT COUNT(*) FROM grade_entries"), 1);
    assert_eq!(count(&ws, "SELECT COUNT(*) FROM web_log WHERE action = 'grade'"), 1);
    // The same id sent for another candidate is a mistake, refused, not taken for a resend.
    let reused = server.post(
        "/api/examiner/grades",
        Some(&cookie),
        &full_grade(&ws, "tablet-7f3a", "E002", &tasks(&ws, "E002")[0]),
    );
    assert_eq!(reused.status, 409, "{}", reused.body);
    assert!(reused.error().contains("client_id"));
    assert_eq!(count(&ws, "SELECT COUNT(*) FROM grade_entries"), 1);

    // The CLI, at the same time, on the same file.
    let status = ws.json(["grade", "status", "--session", SESSION]);
    let candidate = status["candidates"].as_array().unwrap().iter().find(|c| c["exam_no"] == "E001").unwrap();
    let entry = candidate["tasks"].as_array().unwrap().iter().find(|t| t["task"] == task.as_str()).unwrap();
    assert_eq!(entry["examiners"], json!([{ "examiner": "张老师", "total": 99.0, "vetoes": [] }]));
    let queue = server.get("/api/examiner/queue", Some(&cookie)).json();
    let listed = queue["tasks"].as_array().unwrap().iter().find(|t| t["task"] == task.as_str()).unwrap();
    assert_eq!(listed["candidates"], json!([{ "exam_no": "E001", "name": "考生1", "graded": true }]));
    assert!(listed["title"].as_str().is_some_and(|t| !t.is_empty()));

    // A new client id for the same task is a correction: with its reason, a new entry; the
    // old one is kept.
    let mut corrected = full_grade(&ws, "tablet-8b21", "E001", &task);
    corrected["steps"][practical::steps(&ws, &task)[0].0.as_str()] = json!(0);
    corrected["correction_reason"] = json!("第一步看错了");
    assert_eq!(server.post("/api/examiner/grades", Some(&cookie), &corrected).status, 200);
    assert_eq!(count(&ws, "SELECT COUNT(*) FROM grade_entries"), 2);
    assert_eq!(ws.json(["grade", "status", "--session", SESSION])["superseded_entries"], 1);
    // The CLI writes while the server runs.
    ws.write("g.csv", format!("{HEADER}{}", entry_rows(&ws, "E002", &tasks(&ws, "E002")[0], "李老师", 90.0, &[])));
    ws.ok(["grade", "import", "--session", SESSION, "g.csv"]);
}

/// The `total` of `examiner`'s entry in force for E001's `task` in `grade status --json`.
fn status_total(ws: &Workspace, task: &str, examiner: &str) -> Option<f64> {
    let status = ws.json(["grade", "status", "--session", SESSION]);
    let candidate = status["candidates"].as_array().unwrap().iter().find(|c| c["exam_no"] == "E001").cloned()?;
    let entry = candidate["tasks"].as_array().unwrap().iter().find(|t| t["task"] == task).cloned()?;
    entry["examiners"].as_array().unwrap().iter().find(|e| e["examiner"] == examiner).and_then(|e| e["total"].as_f64())
}

#[test]
fn server_a_second_entry_is_a_correction_and_needs_a_reason() {
    let ws = drawn(1);
    let code = add(&ws, "张老师", &[]);
    let other_code = add(&ws, "李老师", &[]);
    let chief_code = add(&ws, "赵组长", &["--chief"]);
    let server = Server::start(&ws);
    let cookie = server.login("examiner", "张老师", &code);
    let task = tasks(&ws, "E001")[0].clone();
    let first_step = practical::steps(&ws, &task)[0].0.clone();
    let post = |cookie: &str, body: &Value| server.post("/api/examiner/grades", Some(cookie), body);

    // A first entry needs no reason; one sent anyway is ignored (not stored).
    let mut first = full_grade(&ws, "c-1", "E001", &task);
    first["correction_reason"] = json!("多余的理由");
    assert_eq!(post(&cookie, &first).json(), json!({ "saved": true, "total": 99.0 }));
    assert_eq!(count(&ws, "SELECT COUNT(*) FROM grade_entries WHERE correction_reason IS NOT NULL"), 0);

    // A second one without a reason (missing, empty or blank) is refused; nothing is written.
    let mut second = full_grade(&ws, "c-2", "E001", &task);
    second["steps"][&first_step] = json!(0);
    for reason in [None, Some(""), Some("  ")] {
        let mut body = second.clone();
        if let Some(reason) = reason {
            body["correction_reason"] = json!(reason);
        }
        let refused = post(&cookie, &body);
        assert_eq!(refused.status, 409, "{}", refused.body);
        assert!(
            refused.error().contains("该考生的这项任务您已提交过评分；如需更正，请写明更正理由"),
            "{}",
            refused.body
        );
    }
    assert_eq!(count(&ws, "SELECT COUNT(*) FROM grade_entries"), 1);
    assert_eq!(count(&ws, "SELECT COUNT(*) FROM web_log WHERE action LIKE 'grade%'"), 1);
    assert_eq!(status_total(&ws, &task, "张老师"), Some(99.0));

    // With a reason: a new entry in force; the first one kept, superseded, and named by it.
    second["correction_reason"] = json!("  复看录像，第一步未做  ");
    let saved = post(&cookie, &second);
    assert_eq!(saved.status, 200, "{}", saved.body);
    let first_max = practical::steps(&ws, &task)[0].1;
    let corrected_total = 99.0 - (first_max - 1.0);
    assert_eq!(saved.json(), json!({ "saved": true, "total": corrected_total }));
    assert_eq!(count(&ws, "SELECT COUNT(*) FROM grade_entries"), 2);
    assert_eq!(count(&ws, "SELECT COUNT(*) FROM grade_entries WHERE client_id = 'c-1' AND current = 0"), 1);
    assert_eq!(
        count(
            &ws,
            "SELECT COUNT(*) FROM grade_entries g JOIN grade_entries p ON p.id = g.corrects \
             WHERE g.client_id = 'c-2' AND g.current = 1 AND p.client_id = 'c-1' \
             AND g.correction_reason = '复看录像，第一步未做'"
        ),
        1
    );
    assert_eq!(
        count(
            &ws,
            "SELECT COUNT(*) FROM web_log WHERE action = 'grade-correction' AND who = '张老师' AND detail LIKE '%更正%'"
        ),
        1
    );
    // The results use the correction; status still counts the superseded entry.
    assert_eq!(status_total(&ws, &task, "张老师"), Some(corrected_total));
    assert_eq!(ws.json(["grade", "status", "--session", SESSION])["superseded_entries"], 1);

    // A resend of either id answers what its first send answered and writes nothing.
    let again = post(&cookie, &second);
    assert_eq!((again.status, again.body.clone()), (200, saved.body.clone()));
    let mut resent_without = second.clone();
    resent_without.as_object_mut().unwrap().remove("correction_reason");
    assert_eq!(post(&cookie, &resent_without).body, saved.body);
    assert_eq!(post(&cookie, &first).json(), json!({ "saved": true, "total": 99.0 }));
    assert_eq!(count(&ws, "SELECT COUNT(*) FROM grade_entries"), 2);
    assert_eq!(count(&ws, "SELECT COUNT(*) FROM web_log WHERE action LIKE 'grade%'"), 2);
    assert_eq!(status_total(&ws, &task, "张老师"), Some(corrected_total));

    // Another examiner cannot touch 张老师's entry: their own first entry is just that.
    let other = server.login("examiner", "李老师", &other_code);
    let theirs = post(&other, &full_grade(&ws, "c-2", "E001", &task));
    assert_eq!(theirs.status, 200, "{}", theirs.body);
    assert_eq!(status_total(&ws, &task, "张老师"), Some(corrected_total));
    assert_eq!(status_total(&ws, &task, "李老师"), Some(99.0));
    assert_eq!(count(&ws, "SELECT COUNT(*) FROM grade_entries WHERE examiner = '李老师' AND corrects IS NULL"), 1);
    let mut naming = full_grade(&ws, "c-3", "E001", &task);
    naming["examiner"] = json!("张老师");
    naming["correction_reason"] = json!("替张老师改");
    assert_eq!(post(&other, &naming).status, 400);
    assert_eq!(count(&ws, "SELECT COUNT(*) FROM grade_entries WHERE examiner = '张老师'"), 2);

    // The chief's board lists the correction with its reason and the total it replaced.
    let chief = server.login("chief", "赵组长", &chief_code);
    let board = server.get("/api/chief/board", Some(&chief)).json();
    let corrections = board["corrections"].as_array().unwrap();
    assert_eq!(corrections.len(), 1, "{board}");
    assert_eq!(corrections[0]["examiner"], "张老师");
    assert_eq!(corrections[0]["reason"], "复看录像，第一步未做");
    assert_eq!(corrections[0]["total"].as_f64(), Some(corrected_total));
    assert_eq!(corrections[0]["previous_total"].as_f64(), Some(99.0));
    assert_eq!(corrections[0]["current"], true);
    // The sheet page shows the stored correction with its reason and the 更正 button.
    let page = server.get(&format!("/examiner/sheet?exam_no=E001&task={task}"), Some(&cookie));
    assert!(page.body.contains("复看录像，第一步未做") && page.body.contains("id=\"correct\""), "{}", page.body);
}

#[test]
fn server_chief_resolves_a_disputed_task_as_grade_resolve_does() {
    let ws = drawn(1);
    let chief_code = add(&ws, "赵组长", &["--chief"]);
    let task = tasks(&ws, "E001")[0].clone();
    let rows: String = [("甲", 70.0), ("乙", 85.0), ("丙", 100.0)]
        .iter()
        .map(|(name, total)| entry_rows(&ws, "E001", &task, name, *total, &[]))
        .collect();
    ws.write("g.csv", format!("{HEADER}{rows}"));
    ws.ok(["grade", "import", "--session", SESSION, "g.csv"]);
    let server = Server::start(&ws);
    let chief = server.login("chief", "赵组长", &chief_code);
    let resolved = server.post(
        "/api/chief/resolve",
        Some(&chief),
        &json!({ "candidate": "E001", "task": task, "score": 86, "reason": "复看录像" }),
    );
    assert_eq!(resolved.status, 200, "{}", resolved.body);
    assert_eq!(
        resolved.json(),
        json!({ "session": SESSION, "exam_no": "E001", "task": task, "score": 86.0, "examiner": "赵组长", "reason": "复看录像" })
    );
    let status = server.get("/api/chief/status", Some(&chief)).json();
    assert_eq!(status["tasks"]["resolved"], 1, "{status}");
    let named = server.post(
        "/api/chief/resolve",
        Some(&chief),
        &json!({ "candidate": "E001", "task": task, "score": 86, "reason": "r", "examiner": "别人" }),
    );
    assert_eq!(named.status, 400);
    let out_of_range = server.post(
        "/api/chief/resolve",
        Some(&chief),
        &json!({ "candidate": "E001", "task": task, "score": 120, "reason": "r" }),
    );
    assert_eq!(out_of_range.status, 409);
    out_of_range.error();
    assert_eq!(count(&ws, "SELECT COUNT(*) FROM web_log WHERE action = 'resolve' AND who = '赵组长'"), 1);
}

#[test]
fn server_second_serve_is_refused_and_a_stopped_or_killed_one_does_not_block() {
    let ws = drawn(1);
    let mut server = Server::start(&ws);
    let second = ws.fails(["serve", "--session", SESSION, "--listen", "127.0.0.1:0"]);
    assert!(second.stderr.contains("已在运行") && second.stderr.contains("Ctrl-C"), "{}", second.stderr);
    // SIGTERM: a clean stop that releases the lock.
    assert_eq!(server.signal("TERM"), Some(0));
    assert_eq!(count(&ws, "SELECT COUNT(*) FROM serve_locks"), 0);
    // SIGKILL leaves the lock row behind, but its process is seen gone.
    let mut killed = Server::start(&ws);
    killed.signal("KILL");
    assert_eq!(count(&ws, "SELECT COUNT(*) FROM serve_locks"), 1);
    let again = Server::start(&ws);
    assert_eq!(again.get("/", None).status, 200);
}

#[test]
fn examiner_codes_are_never_stored_in_clear() {
    let ws = drawn(1);
    let code = add(&ws, "张老师", &[]);
    let chief = add(&ws, "赵组长", &["--chief"]);
    for code in [&code, &chief] {
        assert_eq!(code.len(), 12, "{code}");
        assert!(code.chars().all(|c| c == '-' || "ABCDEFGHJKMNPQRSTUVWXYZ23456789".contains(c)), "{code}");
    }
    let text = ws.ok(["examiners", "add", "--session", SESSION, "--name", "钱老师", "--invigilator"]);
    let third = text.stdout.split("一次性登录码：").nth(1).unwrap().trim().to_owned();
    let mut bytes = Vec::new();
    for suffix in ["", "-wal"] {
        if let Ok(mut b) = std::fs::read(format!("{}{suffix}", ws.db().display())) {
            bytes.append(&mut b);
        }
    }
    assert!(!bytes.is_empty());
    for code in [&code, &chief, &third] {
        for form in [code.clone(), code.replace('-', "")] {
            assert!(!bytes.windows(form.len()).any(|w| w == form.as_bytes()), "{form} is in the workspace");
        }
    }
}
