//! `certify serve` in operation: killed with SIGKILL during a burst of grades, stopped
//! with Ctrl-C or SIGTERM while a request is in flight, and hardened against requests
//! addressed to another site (DNS rebinding) and clients that send too slowly. Each
//! test is bounded in requests and time: every socket has a timeout and every wait a
//! deadline.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::practical::{drawn, tasks};
use crate::server::{Server, add, count, full_grade};
use crate::support::Workspace;

/// How long a socket waits for the server.
const TIMEOUT: Duration = Duration::from_secs(20);

/// One HTTP/1.1 exchange that reports failures instead of panicking (the server may be
/// killed under it): the status and body, or the I/O error.
pub fn try_request(address: &str, head: &str, body: &str) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect(address)?;
    stream.set_read_timeout(Some(TIMEOUT))?;
    stream.set_write_timeout(Some(TIMEOUT))?;
    stream.write_all(format!("{head}Content-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()).as_bytes())?;
    read_response(&mut stream)
}

/// The status and body of the answer on `stream`, read to its end.
fn read_response(stream: &mut TcpStream) -> std::io::Result<(u16, String)> {
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::UnexpectedEof, format!("no answer: {text:?}")))?;
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    Ok((status, body))
}

/// The request line and headers of a grade POST from a script.
fn grade_head(address: &str, cookie: &str) -> String {
    format!(
        "POST /api/examiner/grades HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nCookie: {cookie}\r\n"
    )
}

fn rows_with_client_id(ws: &Workspace, client_id: &str) -> i64 {
    let conn = rusqlite::Connection::open_with_flags(ws.db(), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    conn.query_row("SELECT COUNT(*) FROM grade_entries WHERE client_id = ?1", [client_id], |r| r.get(0)).unwrap()
}

/// Complete grade bodies for every drawn (candidate, task) of `exam_nos`, cycled to
/// `n`, each with its own client id `{prefix}-{i}`.
fn bodies(ws: &Workspace, exam_nos: &[String], prefix: &str, n: usize) -> Vec<(String, Value)> {
    let mut templates = Vec::new();
    let mut by_task: HashMap<String, Value> = HashMap::new();
    for exam_no in exam_nos {
        for task in tasks(ws, exam_no) {
            let template = by_task.entry(task.clone()).or_insert_with(|| full_grade(ws, "x", exam_no, &task)).clone();
            templates.push((exam_no.clone(), task, template));
        }
    }
    (0..n)
        .map(|i| {
            let (exam_no, task, template) = &templates[i % templates.len()];
            let mut body = template.clone();
            let id = format!("{prefix}-{i}");
            body["client_id"] = json!(id);
            body["exam_no"] = json!(exam_no);
            body["task"] = json!(task);
            // Cycled, a (candidate, task) comes round again: a correction, which needs a reason.
            body["correction_reason"] = json!("重新评分");
            (id, body)
        })
        .collect()
}

/// What one client thread saw: the client ids confirmed with 200, and the grade (id and
/// body) it was sending when the server went away, if it was cut off.
type Outcome = (Vec<String>, Option<(String, Value)>);

#[test]
fn server_kill_9_during_a_burst_loses_no_confirmed_grade() {
    const THREADS: usize = 4;
    const PER_THREAD: usize = 80;
    let ws = drawn(6);
    let exam_nos: Vec<String> = (1..=6).map(|i| format!("E{i:03}")).collect();
    let people: Vec<(String, String)> =
        (0..THREADS).map(|t| format!("考评员{t}")).map(|name| (name.clone(), add(&ws, &name, &[]))).collect();
    let work: Vec<Vec<(String, Value)>> =
        (0..THREADS).map(|t| bodies(&ws, &exam_nos, &format!("k{t}"), PER_THREAD)).collect();
    let mut server = Server::start(&ws);
    let cookies: Vec<String> = people.iter().map(|(name, code)| server.login("examiner", name, code)).collect();

    let confirmed = Arc::new(AtomicUsize::new(0));
    let barrier = Arc::new(Barrier::new(THREADS + 1));
    let outcomes: Arc<Mutex<Vec<Outcome>>> = Arc::default();
    let threads: Vec<_> = work
        .into_iter()
        .zip(cookies.clone())
        .map(|(work, cookie)| {
            let (address, confirmed, barrier, outcomes) =
                (server.address.clone(), confirmed.clone(), barrier.clone(), outcomes.clone());
            std::thread::spawn(move || {
                barrier.wait();
                let head = grade_head(&address, &cookie);
                let mut ok = Vec::new();
                let mut unconfirmed = None;
                for (id, body) in work {
                    match try_request(&address, &head, &body.to_string()) {
                        Ok((200, answer)) if answer.contains("\"saved\":true") => {
                            ok.push(id);
                            confirmed.fetch_add(1, Ordering::SeqCst);
                        }
                        Ok((status, answer)) => panic!("{id}: {status} {answer}"),
                        Err(_) => {
                            // The server is gone: this one may or may not have been stored.
                            unconfirmed = Some((id, body));
                            break;
                        }
                    }
                }
                outcomes.lock().unwrap().push((ok, unconfirmed));
            })
        })
        .collect();
    barrier.wait();
    let deadline = Instant::now() + TIMEOUT;
    while confirmed.load(Ordering::SeqCst) < 40 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(confirmed.load(Ordering::SeqCst) >= 40, "the burst did not get going");
    server.signal("KILL");
    for t in threads {
        t.join().expect("a client thread panicked");
    }
    let outcomes = std::mem::take(&mut *outcomes.lock().unwrap());
    let ids: Vec<&String> = outcomes.iter().flat_map(|(ok, _)| ok).collect();
    assert!(ids.len() < THREADS * PER_THREAD, "the kill came after the burst: {}", ids.len());
    let unconfirmed: Vec<&(String, Value)> = outcomes.iter().filter_map(|(_, u)| u.as_ref()).collect();
    assert!(!unconfirmed.is_empty(), "some request was cut off by the kill");

    // After the restart every confirmed grade is there exactly once, the file is sound.
    let server = Server::start(&ws);
    let conn = rusqlite::Connection::open_with_flags(ws.db(), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let integrity: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(integrity, "ok");
    for id in &ids {
        assert_eq!(rows_with_client_id(&ws, id), 1, "{id}");
    }
    let stored = count(&ws, "SELECT COUNT(*) FROM grade_entries WHERE client_id IS NOT NULL");
    assert!(stored as usize >= ids.len() && stored as usize <= ids.len() + unconfirmed.len(), "{stored}");
    // A late grade of a thread may be a correction of its own earlier one: logged as such.
    let logged = count(&ws, "SELECT COUNT(*) FROM web_log WHERE action IN ('grade', 'grade-correction')");
    assert_eq!(logged, stored, "a log line per grade");

    // A tablet resends what it never saw confirmed, with the cookie it had (logins
    // survive the restart): stored once, however often it is sent.
    let (id, body) = unconfirmed[0];
    let owner = id[1..].split('-').next().unwrap().parse::<usize>().unwrap();
    for _ in 0..2 {
        let (status, answer) =
            try_request(&server.address, &grade_head(&server.address, &cookies[owner]), &body.to_string()).unwrap();
        assert_eq!(status, 200, "{answer}");
        assert_eq!(rows_with_client_id(&ws, id), 1, "{id}");
    }
}

#[test]
fn server_finishes_the_request_in_flight_on_sigterm_and_ctrl_c_then_exits_0() {
    let ws = drawn(1);
    let code = add(&ws, "张老师", &[]);
    let task = tasks(&ws, "E001")[0].clone();
    for (signal, client_id) in [("TERM", "t-term"), ("INT", "t-int")] {
        let mut server = Server::start(&ws);
        let cookie = server.login("examiner", "张老师", &code);
        // The second round corrects the first one's entry, so it says why (a reason on
        // the first is ignored).
        let mut body = full_grade(&ws, client_id, "E001", &task);
        body["correction_reason"] = json!("重新提交");
        let body = body.to_string();
        let head = grade_head(&server.address, &cookie);
        // The request is in flight when the signal comes: with SIGTERM it waits for the
        // workspace, which this test holds; with SIGINT its body is only half sent.
        let holder = rusqlite::Connection::open(ws.db()).unwrap();
        let mut stream = TcpStream::connect(&server.address).unwrap();
        stream.set_read_timeout(Some(TIMEOUT)).unwrap();
        let (first, rest) = body.split_at(body.len() / 2);
        if signal == "TERM" {
            holder.execute_batch("BEGIN IMMEDIATE").unwrap();
            write!(stream, "{head}Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        } else {
            write!(stream, "{head}Content-Length: {}\r\n\r\n{first}", body.len()).unwrap();
        }
        std::thread::sleep(Duration::from_millis(500));
        let sent = std::process::Command::new("kill").arg(format!("-{signal}")).arg(server.pid().to_string()).status();
        assert!(sent.unwrap().success());
        std::thread::sleep(Duration::from_millis(500));
        assert!(server.child.try_wait().unwrap().is_none(), "SIG{signal}: the server waits for the request");
        if signal == "TERM" {
            holder.execute_batch("COMMIT").unwrap();
        } else {
            stream.write_all(rest.as_bytes()).unwrap();
        }
        let (status, answer) = read_response(&mut stream).unwrap();
        assert_eq!(status, 200, "SIG{signal}: {answer}");
        assert!(answer.contains("\"saved\":true"), "{answer}");
        let deadline = Instant::now() + TIMEOUT;
        let exit = loop {
            if let Some(status) = server.child.try_wait().unwrap() {
                break status;
            }
            assert!(Instant::now() < deadline, "SIG{signal}: the server did not stop");
            std::thread::sleep(Duration::from_millis(50));
        };
        assert_eq!(exit.code(), Some(0), "SIG{signal}");
        assert_eq!(rows_with_client_id(&ws, client_id), 1, "SIG{signal}: the answered grade is stored");
        assert_eq!(count(&ws, "SELECT COUNT(*) FROM serve_locks"), 0, "SIG{signal}: the lock is released");
    }
}

#[test]
fn server_answers_only_requests_addressed_to_this_computer() {
    let ws = drawn(1);
    let code = add(&ws, "张老师", &[]);
    let server = Server::start(&ws);
    let port = server.address.rsplit(':').next().unwrap().to_owned();
    let get = |host: Option<&str>| {
        let head = match host {
            Some(host) => format!("GET / HTTP/1.1\r\nHost: {host}\r\n"),
            None => "GET / HTTP/1.0\r\n".to_owned(),
        };
        try_request(&server.address, &head, "").unwrap()
    };
    let mut ours = vec![format!("127.0.0.1:{port}"), format!("localhost:{port}"), "LOCALHOST".to_owned()];
    ours.extend(certify::server::host::network_addresses().iter().map(|ip| match ip {
        std::net::IpAddr::V4(v4) => format!("{v4}:{port}"),
        std::net::IpAddr::V6(v6) => format!("[{v6}]:{port}"),
    }));
    for host in &ours {
        assert_eq!(get(Some(host)).0, 200, "{host}");
    }
    for host in [Some(format!("evil.example:{port}")), Some(format!("0.0.0.0:{port}")), Some("192.0.2.1".into()), None]
    {
        let (status, body) = get(host.as_deref());
        assert_eq!(status, 421, "{host:?}: {body}");
        let error = serde_json::from_str::<Value>(&body).unwrap()["error"].as_str().unwrap().to_owned();
        assert!(error.contains("不是本考场服务的地址"), "{error}");
    }
    // A login sent through another site's name is refused before anything is looked at.
    let login = json!({ "role": "examiner", "name": "张老师", "code": code }).to_string();
    let head = format!("POST /api/login HTTP/1.1\r\nHost: evil.example:{port}\r\nContent-Type: application/json\r\n");
    assert_eq!(try_request(&server.address, &head, &login).unwrap().0, 421);
    assert_eq!(count(&ws, "SELECT COUNT(*) FROM web_log"), 0);
    assert_eq!(count(&ws, "SELECT COUNT(*) FROM web_sessions"), 0);
}

#[test]
fn server_closes_connections_of_clients_that_send_too_slowly() {
    let ws = drawn(1);
    let server = Server::start(&ws);
    let address = server.address.clone();
    // A client that sends part of its headers and then nothing, one that sends its
    // headers and part of a body; both are dropped in time. Meanwhile others are served.
    let slow_headers = {
        let address = address.clone();
        std::thread::spawn(move || {
            let started = Instant::now();
            let mut stream = TcpStream::connect(&address).unwrap();
            stream.set_read_timeout(Some(Duration::from_secs(40))).unwrap();
            stream.write_all(format!("GET / HTTP/1.1\r\nHost: {address}\r\nX-Slow: ").as_bytes()).unwrap();
            let mut rest = Vec::new();
            let _ = stream.read_to_end(&mut rest);
            (started.elapsed(), String::from_utf8_lossy(&rest).into_owned())
        })
    };
    let slow_body = {
        let address = address.clone();
        std::thread::spawn(move || {
            let started = Instant::now();
            let mut stream = TcpStream::connect(&address).unwrap();
            stream.set_read_timeout(Some(Duration::from_secs(40))).unwrap();
            let head = "POST /api/login HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 200\r\n";
            stream.write_all(format!("{head}Host: {address}\r\n\r\n{{\"role\":").as_bytes()).unwrap();
            let answer = read_response(&mut stream);
            (started.elapsed(), answer)
        })
    };
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(server.get("/", None).status, 200, "others are served meanwhile");

    let (waited, rest) = slow_headers.join().unwrap();
    assert!(waited >= Duration::from_secs(8) && waited < Duration::from_secs(20), "{waited:?}");
    assert!(rest.is_empty() || rest.starts_with("HTTP/1.1 408"), "{rest}");
    let (waited, answer) = slow_body.join().unwrap();
    let (status, body) = answer.unwrap();
    assert_eq!(status, 408, "{body}");
    assert!(body.contains("太慢"), "{body}");
    assert!(waited >= Duration::from_secs(13) && waited < Duration::from_secs(25), "{waited:?}");
    assert_eq!(count(&ws, "SELECT COUNT(*) FROM web_log"), 0, "nothing was written");
}
