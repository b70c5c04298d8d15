//! The exam site's server under the load of issue 13: 60 examiners submitting 3,000
//! grades at once against one `certify serve` on this machine. Reports p50/p99 latency
//! of a grade submission and the throughput, and checks that nothing was lost: the
//! grades in the database are exactly the submissions the server confirmed with 200.
//!
//! The bench builds a real workspace with the release binary (four 5-step rubrics, a
//! session of 500 fictional candidates who each drew two tasks: 1,000 candidate-tasks,
//! each graded by a panel of 3 of the 60 examiners), adds the 60 examiners with
//! `certify examiners add`, starts `certify serve --listen 127.0.0.1:0`, and runs one
//! thread per examiner: each logs in (its own keep-alive connection, as a tablet's
//! browser keeps one), waits for all others at a barrier, then sends its 50 grades one
//! after another, each with its own client id. Afterwards the server is stopped with
//! SIGTERM (it must exit 0) and the database is counted.
//!
//! Run with `cargo bench --bench serve`; exits non-zero, with an error naming them, when
//! a target is missed, a grade is refused or lost (or with the failing step's error).
//! `BENCH_EXAMINERS` and `BENCH_GRADES` change the load.

mod common;

use std::path::Path;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use anyhow::{Result, bail, ensure};
use common::{
    Connection, Server, Targets, certify, fictional_id, json_array, json_str, parse_json, percentiles_ms, rubric,
    temp_dir, utf8, write,
};
use serde_json::json;

const SESSION: &str = "S";
/// Examiners per candidate-task, as the plan's `examiners_min`.
const PANEL: usize = 3;
const STEPS: [(&str, f64); 5] = [("1.1", 20.0), ("2.1", 30.0), ("2.2", 30.0), ("3.1", 10.0), ("4.1", 10.0)];

fn main() -> Result<()> {
    let env = |name: &str, default: usize| std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    let examiners = env("BENCH_EXAMINERS", 60);
    let grades = env("BENCH_GRADES", 3000);
    ensure!(examiners % PANEL == 0 && grades % examiners == 0, "examiners in panels of {PANEL}, grades shared evenly");
    let per_examiner = grades / examiners;
    // Each panel of 3 grades `per_examiner` candidate-tasks; two tasks per candidate.
    let pairs_needed = examiners / PANEL * per_examiner;
    let candidates = pairs_needed.div_ceil(2);

    let dir = temp_dir()?;
    let db = dir.path().join("serve.db");
    let setup = Instant::now();
    let pairs = workspace(dir.path(), &db, candidates)?;
    let codes = (0..examiners)
        .map(|i| {
            let name = examiner_name(i);
            let (_, out) = certify(&db, &["--json", "examiners", "add", "--session", SESSION, "--name", &name])?;
            Ok((name, json_str(&parse_json(&out, "examiners add")?["code"], "code")?.to_owned()))
        })
        .collect::<Result<Vec<(String, String)>>>()?;
    println!(
        "(record) setup: {candidates} candidates, {} candidate-tasks, {examiners} examiners in {:.1} s",
        pairs.len(),
        setup.elapsed().as_secs_f64()
    );

    let mut server = Server::start(&db, SESSION)?;
    let barrier = Arc::new(Barrier::new(examiners + 1));
    let pairs = Arc::new(pairs);
    let clients: Vec<_> = codes
        .into_iter()
        .enumerate()
        .map(|(i, (name, code))| {
            let (address, barrier, pairs) = (server.address.clone(), barrier.clone(), pairs.clone());
            std::thread::spawn(move || client(i, &address, &name, &code, &barrier, &pairs, per_examiner))
        })
        .collect();
    // Everyone is logged in (or failed) when the barrier opens; the clock starts then.
    barrier.wait();
    let started = Instant::now();
    let mut latencies = Vec::with_capacity(grades);
    let mut refused = Vec::new();
    for handle in clients {
        let outcome = match handle.join() {
            Ok(outcome) => outcome,
            Err(_) => bail!("a client thread panicked"),
        };
        latencies.extend(outcome.latencies);
        refused.extend(outcome.refused);
    }
    let wall = started.elapsed();
    let exit = server.stop()?;

    let confirmed = latencies.len();
    let conn = rusqlite::Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let rows: i64 = conn.query_row(
        "SELECT COUNT(*) FROM grade_entries WHERE session_id = ?1 AND client_id IS NOT NULL",
        [SESSION],
        |r| r.get(0),
    )?;
    let distinct: i64 = conn.query_row(
        "SELECT COUNT(DISTINCT examiner || char(0) || client_id) FROM grade_entries WHERE session_id = ?1",
        [SESSION],
        |r| r.get(0),
    )?;
    let logged: i64 =
        conn.query_row("SELECT COUNT(*) FROM web_log WHERE session_id = ?1 AND action = 'grade'", [SESSION], |r| {
            r.get(0)
        })?;

    let (p50, p99, max) = percentiles_ms(&mut latencies);
    let throughput = confirmed as f64 / wall.as_secs_f64();
    println!("{examiners} examiners × {per_examiner} grades = {grades} submissions at once, one server (127.0.0.1)");
    println!("{:<52} {:>9.1} ms", "grade submission latency p50", p50);
    println!("{:<52} {:>9.1} ms", "grade submission latency max", max);
    println!("{:<52} {:>9.0} grades/s ({:.2} s for all)", "throughput", throughput, wall.as_secs_f64());
    println!("{:<52} {:>9} / {}", "confirmed (200) / refused or failed", confirmed, refused.len());
    println!("{:<52} {:>9} (distinct client ids {distinct}, log lines {logged})", "rows in the database", rows);
    for problem in refused.iter().take(5) {
        println!("  refused: {problem}");
    }
    let mut targets = Targets::default();
    targets.verdict("grade submission latency p99", p99, 1000.0, "ms");
    let nothing_lost = rows == confirmed as i64 && distinct == rows && logged == rows;
    println!(
        "{:<52} {:>9} {}",
        "rows = confirmations (nothing lost, nothing twice)",
        format!("{rows} = {confirmed}"),
        targets.check("rows = confirmations", nothing_lost)
    );
    println!(
        "{:<52} {:>9} {}",
        "every submission confirmed",
        format!("{confirmed}/{grades}"),
        targets.check("every submission confirmed", confirmed == grades)
    );
    println!("{:<52} {:>9} {}", "server exit status after SIGTERM", exit, targets.check("server exits 0", exit == 0));
    targets.finish()
}

fn examiner_name(i: usize) -> String {
    format!("考评员{:02}", i + 1)
}

/// The workspace: rubrics, the session with its plan, the candidates and the draw.
/// Returns every (exam number, task) drawn.
fn workspace(dir: &Path, db: &Path, candidates: usize) -> Result<Vec<(String, String)>> {
    let path = |name: &str| utf8(&dir.join(name)).map(str::to_owned);
    certify(db, &["init", "--empty"])?;
    let mut args = vec!["rubric".to_owned(), "import".to_owned()];
    for (id, category) in [("B-C1", "护理"), ("B-C2", "护理"), ("B-E1", "学前"), ("B-E2", "学前")] {
        write(&dir.join(format!("{id}.toml")), rubric(id, category))?;
        args.push(path(&format!("{id}.toml"))?);
    }
    certify(db, &args.iter().map(String::as_str).collect::<Vec<_>>())?;
    write(
        &dir.join("plan.toml"),
        format!(
            "examiners_min = {PANEL}\ndiscrepancy = 10\n[[draw]]\ncategory = \"护理\"\nweight = 50\n\
             [[draw]]\ncategory = \"学前\"\nweight = 50\n"
        ),
    )?;
    certify(
        db,
        &[
            "session",
            "create",
            "--id",
            SESSION,
            "--level",
            "四级",
            "--date",
            "2026-12-05",
            "--practical",
            &path("plan.toml")?,
        ],
    )?;
    let mut csv = String::from("准考证号,姓名,身份证号\n");
    for i in 0..candidates {
        csv.push_str(&format!("S{i:05},考生{i},{}\n", fictional_id(i)));
    }
    write(&dir.join("c.csv"), csv)?;
    certify(db, &["candidates", "import", "--session", SESSION, &path("c.csv")?])?;
    certify(db, &["practical", "draw", "--session", SESSION, "--seed", "1"])?;
    let (_, shown) = certify(db, &["--json", "practical", "show", "--session", SESSION])?;
    let shown = parse_json(&shown, "practical show")?;
    let mut pairs = Vec::new();
    for draw in json_array(&shown["draws"], "draws")? {
        let exam_no = json_str(&draw["exam_no"], "draws[].exam_no")?;
        for task in json_array(&draw["tasks"], "draws[].tasks")? {
            pairs.push((exam_no.to_owned(), json_str(task, "draws[].tasks[]")?.to_owned()));
        }
    }
    Ok(pairs)
}

/// What one examiner's thread saw: the latency of every confirmed grade, and what went
/// wrong with the others.
struct Outcome {
    latencies: Vec<Duration>,
    refused: Vec<String>,
}

/// One examiner's tablet: logs in, waits at the barrier, sends its grades in turn.
fn client(
    i: usize,
    address: &str,
    name: &str,
    code: &str,
    barrier: &Barrier,
    pairs: &[(String, String)],
    count: usize,
) -> Outcome {
    let mut outcome = Outcome { latencies: Vec::with_capacity(count), refused: Vec::new() };
    let mut connection = Connection::new(address);
    let login = json!({ "role": "examiner", "name": name, "code": code }).to_string();
    let cookie: Result<Option<String>, String> = match connection.post("/api/login", None, &login) {
        Ok(response) if response.status == 200 => Ok(response.cookie),
        Ok(response) => Err(format!("login {}: {}", response.status, response.body)),
        Err(e) => Err(format!("login: {e:#}")),
    };
    barrier.wait();
    let cookie = match cookie {
        Ok(Some(cookie)) => cookie,
        Ok(None) => {
            outcome.refused.push(format!("{name}: no cookie"));
            return outcome;
        }
        Err(e) => {
            outcome.refused.push(format!("{name}: {e}"));
            return outcome;
        }
    };
    let panel = i / PANEL;
    for k in 0..count {
        let (exam_no, task) = &pairs[panel * count + k];
        // Points vary by examiner and candidate, so the panel's totals differ a little.
        let steps: serde_json::Map<String, serde_json::Value> = STEPS
            .iter()
            .enumerate()
            .map(|(s, (id, max))| ((*id).to_owned(), json!(if s == 0 { max - ((i + k) % 4) as f64 } else { *max })))
            .collect();
        let body = json!({
            "client_id": format!("bench-{i:02}-{k:04}"),
            "exam_no": exam_no, "task": task, "steps": steps, "vetoes": [],
            "comment": "操作规范", "rating": "合格",
        })
        .to_string();
        let sent = Instant::now();
        match connection.post("/api/examiner/grades", Some(&cookie), &body) {
            Ok(response) if response.status == 200 && response.body.contains("\"saved\":true") => {
                outcome.latencies.push(sent.elapsed())
            }
            Ok(response) => {
                outcome.refused.push(format!("{name} {exam_no} {task}: {} {}", response.status, response.body))
            }
            Err(e) => outcome.refused.push(format!("{name} {exam_no} {task}: {e:#}")),
        }
    }
    outcome
}
