//! The exam site's own web server (`certify serve`): examiners grade on tablets over the
//! site's Wi-Fi, the chief examiner follows the grading and arbitrates, candidates sit the
//! computer-based theory exam (机考) and invigilators run its rooms.
//!
//! This module holds the router, the shared state, the one-server-per-session lock,
//! shutdown, the request log and the exam's clock (hand-in at time-out, the scheduled
//! start, the audit file); [`auth`] logs the staff in and checks every request;
//! [`examiner`], [`chief`], [`candidate`] and [`invigilator`] are the roles' endpoints and
//! pages; [`pages`] is the login page, the embedded style sheet and scripts, and what
//! every page shares; [`body`] reads request bodies and words every refusal in Chinese.
//!
//! Guarantees:
//! - No SQL here: handlers call the same domain functions and `db` methods the CLI uses
//!   (`commands::practical`), so a grade sent from a tablet is checked and stored exactly
//!   as `certify grade` stores one.
//! - Each request borrows a connection from the server's [`Pool`] inside
//!   `spawn_blocking` (the async threads never wait on SQLite); writes are the CLI's
//!   IMMEDIATE transactions with its busy timeout, queued in turn among the server's
//!   own, so the CLI keeps working on the same file meanwhile (WAL). A change is
//!   answered 200 only after its transaction committed, and its `web_log` line is
//!   written in that same transaction.
//! - One server per session: the lock row names the holder (pid, host, address); it
//!   is renewed every [`HEARTBEAT`], so a killed server's lock goes stale after
//!   [`STALE_AFTER`] (at once on the same Linux host, where the dead pid is seen).
//! - Only requests addressed to this computer are served ([`host`]: DNS rebinding), and
//!   no client holds a connection longer than the timeouts of [`connections`].
//! - A computer-based exam's time is the server's: a sitting whose deadline has passed is
//!   handed in by [`exam_ticker`] within about a second, and the time no server ran for
//!   the session (from its last heartbeat to the next start) is given back to every
//!   running sitting when [`take_lock`] starts the next one.
//! - Ctrl-C or SIGTERM stops accepting, lets requests in flight finish and answer, then
//!   releases the lock.
//! - stderr gets one line per request: method, path (query values left out: they name
//!   candidates), status, milliseconds, who. Never an ID number.

pub mod auth;
pub mod body;
pub mod candidate;
pub mod chief;
pub mod connections;
pub mod examiner;
pub mod host;
pub mod invigilator;
pub mod pages;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::Request;
use axum::http::{Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};

use crate::access::{self, LoginLimit};
use crate::clock;
use crate::commands::exam::{self as exam_ops, ExamPaper};
use crate::db::{Db, ExamRead, Pool, ServeLock, ServeRead, WebLogEntry};
use crate::error::Error;
use body::ApiError;

/// How often a running server renews its lock.
pub const HEARTBEAT: Duration = Duration::from_secs(5);

/// A lock not renewed for this long belongs to a server that is gone.
pub const STALE_AFTER: i64 = 20;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    db_path: PathBuf,
    pool: Arc<Pool>,
    session_id: String,
    limit: Mutex<LoginLimit>,
    hosts: host::KnownHosts,
    /// The papers candidates sit, as sent to their browsers: read once, since 300
    /// candidates fetch theirs in the same minute (papers never change but for keys,
    /// which this does not hold).
    papers: Mutex<HashMap<String, Arc<ExamPaper>>>,
    /// The papers' keys for handing in (see [`exam_ops::KeyCache`]).
    keys: Mutex<exam_ops::KeyCache>,
    /// Whether a paper was handed in since the audit file was last written.
    audit_due: AtomicBool,
    /// When every room not yet opened opens by itself (`serve --exam-start`), Unix seconds.
    exam_start: Option<i64>,
    /// Held while a login code is checked and a wrong one counted, so codes sent at the
    /// same moment are checked in turn and the limit on wrong codes holds for them too.
    code_checks: tokio::sync::Mutex<()>,
}

impl AppState {
    pub fn new(db_path: PathBuf, session_id: String) -> AppState {
        let pool = Pool::new(&db_path);
        let (limit, hosts) = (Mutex::new(LoginLimit::default()), host::KnownHosts::of_this_computer());
        let (papers, audit_due) = (Mutex::default(), AtomicBool::new(true));
        let code_checks = tokio::sync::Mutex::new(());
        let keys = Mutex::default();
        let inner =
            Inner { db_path, pool, session_id, limit, hosts, papers, keys, audit_due, exam_start: None, code_checks };
        AppState { inner: Arc::new(inner) }
    }

    /// The same state, with the rooms opening by themselves at `start` (Unix seconds).
    pub fn with_exam_start(self, start: Option<i64>) -> AppState {
        let mut inner = Arc::try_unwrap(self.inner).unwrap_or_else(|_| panic!("set before the state is shared"));
        inner.exam_start = start;
        AppState { inner: Arc::new(inner) }
    }

    /// The paper `id` as its candidates see it, read from `db` the first time.
    pub fn exam_paper(&self, db: &impl crate::db::PaperRead, id: &str) -> Result<Arc<ExamPaper>, Error> {
        if let Some(paper) = self.inner.papers.lock().unwrap_or_else(|p| p.into_inner()).get(id) {
            return Ok(paper.clone());
        }
        let paper = Arc::new(ExamPaper::load(db, id)?);
        self.inner.papers.lock().unwrap_or_else(|p| p.into_inner()).insert(id.to_owned(), paper.clone());
        Ok(paper)
    }

    /// The keys read so far, for handing papers in.
    pub fn keys(&self) -> std::sync::MutexGuard<'_, exam_ops::KeyCache> {
        self.inner.keys.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Notes that a paper was handed in: the audit file is rewritten within a second.
    pub fn audit_due(&self) {
        self.inner.audit_due.store(true, Ordering::Relaxed);
    }

    /// The names and addresses requests may be addressed to.
    fn known_hosts(&self) -> &host::KnownHosts {
        &self.inner.hosts
    }

    /// The exam session this server is for.
    pub fn session_id(&self) -> &str {
        &self.inner.session_id
    }

    /// The wrong-code counts, for the login handler.
    fn limit(&self) -> std::sync::MutexGuard<'_, LoginLimit> {
        // A panic while holding the lock leaves the counts as they were: still usable.
        self.inner.limit.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Waits for the turn to check a login code (see `Inner::code_checks`).
    pub async fn code_check_turn(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.inner.code_checks.lock().await
    }

    /// Runs `work` on a connection of the server's pool, off the async threads.
    pub async fn db<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Db) -> Result<T, ApiError> + Send + 'static,
    {
        let pool = self.inner.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut db = pool.get()?;
            work(&mut db)
        })
        .await
        .unwrap_or_else(|_| Err(ApiError::internal("处理请求时程序出错，没有写入任何内容")))
    }
}

/// Who made a request, filled in by [`auth`] once known, read by the request log.
#[derive(Clone, Default)]
pub struct Who(Arc<OnceLock<String>>);

impl Who {
    pub fn set(&self, name: &str) {
        let _ = self.0.set(name.to_owned());
    }
}

/// A `web_log` line for this server's session, now.
pub fn log_entry<'a>(
    state: &'a AppState,
    at: &'a str,
    who: Option<&'a str>,
    address: &'a str,
    action: &'a str,
    detail: &'a str,
) -> WebLogEntry<'a> {
    WebLogEntry { session_id: state.session_id(), at, who, address, action, detail }
}

/// The whole router.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(pages::routes())
        .route("/examiner", get(examiner::stations_page))
        .route("/examiner/queue", get(examiner::queue_page))
        .route("/examiner/sheet", get(examiner::sheet_page))
        .route("/chief", get(chief::board_page))
        .route("/exam", get(candidate::exam_page))
        .route("/invigilator", get(invigilator::console_page))
        .route("/api/login", post(auth::login))
        .route("/api/logout", post(auth::logout))
        .route("/api/examiner/queue", get(examiner::queue))
        .route("/api/examiner/sheet", get(examiner::sheet))
        .route("/api/examiner/grades", post(examiner::grades))
        .route("/api/chief/status", get(chief::status))
        .route("/api/chief/board", get(chief::board))
        .route("/api/chief/resolve", post(chief::resolve))
        .route("/api/exam", get(candidate::exam))
        .route("/api/exam/answers/{position}", axum::routing::put(candidate::save))
        .route("/api/exam/submit", post(candidate::submit))
        .route("/api/invigilator/rooms", get(invigilator::rooms))
        .route("/api/invigilator/open", post(invigilator::open))
        .route("/api/invigilator/extra-time", post(invigilator::extra_time))
        .route("/api/invigilator/reset-login", post(invigilator::reset_login))
        .route("/api/invigilator/misconduct", post(invigilator::misconduct))
        .route("/api/invigilator/submit", post(invigilator::submit))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn(auth::same_origin_only))
        .layer(middleware::from_fn_with_state(state.clone(), host::known_host_only))
        .layer(middleware::from_fn(log_request))
        .with_state(state)
}

async fn not_found(request: Request) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, format!("没有这个地址：{}", request.uri().path()))
}

async fn method_not_allowed(request: Request) -> ApiError {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, format!("{} 不支持 {} 请求", request.uri().path(), request.method()))
}

/// The path as the log shows it: query keys kept, their values (exam numbers) left out.
fn loggable_path(uri: &axum::http::Uri) -> String {
    match uri.query() {
        None => uri.path().to_owned(),
        Some(query) => {
            let keys: Vec<String> = query
                .split('&')
                .filter(|pair| !pair.is_empty())
                .map(|pair| format!("{}=…", pair.split('=').next().unwrap_or_default()))
                .collect();
            format!("{}?{}", uri.path(), keys.join("&"))
        }
    }
}

async fn log_request(mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = loggable_path(request.uri());
    let who = Who::default();
    request.extensions_mut().insert(who.clone());
    let api = path.starts_with("/api/");
    let mut response = next.run(request).await;
    // What the API answers names candidates and their answers: never kept in a cache.
    if api && !response.headers().contains_key(axum::http::header::CACHE_CONTROL) {
        response
            .headers_mut()
            .insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
    }
    eprintln!(
        "{method} {path} {} {}ms {}",
        response.status().as_u16(),
        started.elapsed().as_millis(),
        who.0.get().map(String::as_str).unwrap_or("-")
    );
    response
}

/// Whether a request changes data (and so must pass the same-origin check).
pub fn changes_data(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// This machine's name, for the lock row.
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|s| s.trim().to_owned())
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .unwrap_or_else(|| "本机".into())
}

/// Whether `pid` is a running process here; `None` where that cannot be seen.
fn process_alive(pid: i64) -> Option<bool> {
    cfg!(target_os = "linux").then(|| std::path::Path::new(&format!("/proc/{pid}")).exists())
}

/// Refuses when another server for `session` is running (its lock is fresh and its
/// process not seen dead), naming it.
pub fn refuse_if_running(db: &impl ServeRead, session: &str) -> Result<(), Error> {
    let Some(held) = db.serve_lock(session)? else { return Ok(()) };
    let fresh = clock::unix_seconds() - held.heartbeat <= STALE_AFTER;
    let dead_here = held.host == host_name() && process_alive(held.pid) == Some(false);
    if fresh && !dead_here {
        return Err(Error::user(format!(
            "批次 {session} 的考场服务已在运行（{} 上的进程 {}，地址 {}，启动于 {}），不能再启动一个。\
             请使用正在运行的服务，或先在那里按 Ctrl-C 停止它；如果那台电脑已关机或程序已被强行结束，请等 {STALE_AFTER} 秒后再启动",
            held.host, held.pid, held.address, held.started_at
        )));
    }
    Ok(())
}

/// What taking the lock found: its token, and the time given back to candidates whose
/// computer-based exam was running while no server was (seconds, candidates).
pub struct Taken {
    pub token: String,
    pub given_back: (i64, usize),
}

/// Takes `session`'s server lock, or says who holds it; gives the time no server ran back
/// to the candidates whose exam is running (see [`exam_ops::give_back_stopped_time`]).
pub fn take_lock(db: &mut Db, session: &str, address: &str) -> Result<Taken, Error> {
    let tx = db.transaction()?;
    refuse_if_running(&tx, session)?;
    let given_back = exam_ops::give_back_stopped_time(&tx, session, clock::unix_seconds())?;
    let token = access::new_token();
    tx.take_serve_lock(
        session,
        &ServeLock {
            token: token.clone(),
            pid: i64::from(std::process::id()),
            host: host_name(),
            address: address.to_owned(),
            started_at: clock::now_text(),
            heartbeat: clock::unix_seconds(),
        },
    )?;
    tx.commit()?;
    Ok(Taken { token, given_back })
}

/// Runs the server on `listener` until Ctrl-C or SIGTERM, renewing the lock meanwhile,
/// and releases the lock when it stops.
pub fn run(state: AppState, listener: std::net::TcpListener, lock_token: String) -> Result<(), Error> {
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().map_err(Error::Io)?;
    let session = state.session_id().to_owned();
    let result = runtime.block_on(async {
        listener.set_nonblocking(true)?;
        let listener = tokio::net::TcpListener::from_std(listener)?;
        let heartbeat = tokio::spawn(renew_lock(state.clone(), lock_token.clone()));
        let exam_clock = tokio::spawn(exam_ticker(state.clone()));
        connections::serve(listener, router(state.clone()), shutdown_signal()).await;
        heartbeat.abort();
        exam_clock.abort();
        Ok::<(), std::io::Error>(())
    });
    let released = release_lock(&state.inner.db_path, &session, &lock_token);
    result.map_err(Error::Io)?;
    released?;
    crate::output::note("考场服务已停止。");
    Ok(())
}

/// Releases `session`'s server lock if `token` still holds it, noting when the server
/// stopped (the exam time from then on is given back when one starts again), and writes
/// the audit file a last time.
pub fn release_lock(db_path: &Path, session: &str, token: &str) -> Result<(), Error> {
    let mut db = Db::open(db_path)?;
    let tx = db.transaction()?;
    if tx.serve_lock(session)?.is_some_and(|held| held.token == token) {
        tx.set_exam_clock(session, clock::unix_seconds())?;
    }
    tx.release_serve_lock(session, token)?;
    tx.commit()?;
    write_audit(&db, db_path, session)?;
    Ok(())
}

/// Where the audit copy of a session's computer-based answers is kept: next to the
/// workspace, named by the session.
pub fn audit_path(db_path: &Path, session: &str) -> PathBuf {
    let safe: String =
        session.chars().map(|c| if c.is_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect();
    db_path.with_file_name(format!("{safe}-机考作答.csv"))
}

/// Writes the audit file whole (a new file renamed over the old: never half written),
/// when the session has any computer-based sitting.
fn write_audit(db: &Db, db_path: &Path, session: &str) -> Result<(), Error> {
    if db.sittings(session)?.is_empty() {
        return Ok(());
    }
    let text = exam_ops::audit_csv(db, session)?;
    let path = audit_path(db_path, session);
    let partial = path.with_extension("csv.partial");
    std::fs::write(&partial, format!("\u{feff}{text}"))?;
    std::fs::rename(&partial, &path)?;
    Ok(())
}

/// Opens the rooms not opened yet, at the scheduled start (`serve --exam-start`).
fn open_scheduled_rooms(db: &mut Db, state: &AppState, now: i64) -> Result<(), ApiError> {
    let session = crate::commands::session::find_session(db, state.session_id())?;
    let opened = db.opened_rooms(&session.id)?;
    let waiting: Vec<String> =
        exam_ops::rooms(db, &session.id)?.into_iter().map(|r| r.name).filter(|r| !opened.contains_key(r)).collect();
    if waiting.is_empty() {
        return Ok(());
    }
    let tx = db.transaction()?;
    let at = clock::now_text();
    for room in &waiting {
        if let Some(started) = exam_ops::open_room(&tx, &session, room, "定时开考", now)? {
            let detail = format!("考场「{room}」按 --exam-start 定时开考，{started} 名考生开始计时");
            tx.log_web(&log_entry(state, &at, None, "-", "exam-open", &detail))?;
        }
    }
    tx.commit()?;
    Ok(())
}

/// Every second: opens the rooms at the scheduled start, hands in the papers whose time is up (as the candidate would, scored at
/// once), and rewrites the audit file when papers were handed in.
async fn exam_ticker(state: AppState) {
    let mut ticker = tokio::time::interval(Duration::from_secs(1));
    loop {
        ticker.tick().await;
        let session = state.session_id().to_owned();
        let ticked = state.clone();
        let done = state
            .db(move |db| {
                let now = clock::unix_seconds();
                if ticked.inner.exam_start.is_some_and(|start| now >= start) {
                    open_scheduled_rooms(db, &ticked, now)?;
                }
                let expired = db.expired_sittings(&session, now)?;
                if !expired.is_empty() {
                    let tx = db.transaction()?;
                    let at = clock::now_text();
                    let mut keys = ticked.inner.keys.lock().unwrap_or_else(|p| p.into_inner());
                    for exam_no in &expired {
                        let by = crate::exam::FinishedBy::Timeout;
                        if exam_ops::finish_with(&tx, &session, exam_no, by, now, &mut keys)? {
                            let detail = format!("{exam_no} 考试时间到，服务器自动交卷");
                            tx.log_web(&log_entry(&ticked, &at, None, "-", "exam-timeout", &detail))?;
                        }
                    }
                    tx.commit()?;
                    ticked.audit_due();
                }
                if ticked.inner.audit_due.swap(false, Ordering::Relaxed) {
                    write_audit(db, &ticked.inner.db_path, &session)?;
                }
                Ok(())
            })
            .await;
        if let Err(e) = done {
            crate::output::note(format!("警告：机考自动交卷或保存作答备份时出错：{}", e.message()));
        }
    }
}

async fn renew_lock(state: AppState, token: String) {
    let mut ticker = tokio::time::interval(HEARTBEAT);
    loop {
        ticker.tick().await;
        let session = state.session_id().to_owned();
        let token = token.clone();
        let renewed = state
            .db(move |db| {
                let tx = db.transaction()?;
                let now = clock::unix_seconds();
                let ours = tx.renew_serve_lock(&session, &token, now)?;
                if ours {
                    tx.set_exam_clock(&session, now)?;
                }
                tx.commit()?;
                Ok(ours)
            })
            .await;
        match renewed {
            Ok(true) => {}
            Ok(false) => crate::output::note(
                "警告：本服务的运行记录已被另一个 certify serve 接管（本服务曾长时间没有响应）。请只保留一个服务，按 Ctrl-C 停止本服务",
            ),
            Err(e) => crate::output::note(format!("警告：无法更新考场服务的运行记录：{}", e.message())),
        }
    }
}

/// Resolves on Ctrl-C, or SIGTERM where there is one.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    crate::output::note("正在停止考场服务：处理完正在进行的请求后退出……");
}
