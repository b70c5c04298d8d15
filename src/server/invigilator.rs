//! The invigilator's (监考员) endpoints of the computer-based exam: each room's candidates
//! and where they stand, and what an invigilator does: open the room, add time for one
//! candidate, reset a login (to move to another computer), record misconduct (违纪) and
//! end that exam, hand a paper in; and the console page built on them.
//!
//! Guarantees: only an invigilator or the chief examiner gets here ([`Invigilator`]);
//! every action but opening needs a reason, and is written to the server's log with who,
//! when, from which address, in the same transaction as the change; misconduct is
//! recorded as `certify session mark --part theory --status misconduct` records it
//! ([`crate::commands::session::record_mark`]), so results and certificates see it.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::Invigilator;
use super::body::{ApiError, ApiJson};
use super::pages::{page, refusal, who};
use super::{AppState, log_entry};
use crate::clock;
use crate::commands::exam as exam_ops;
use crate::commands::session::{find_session, record_mark};
use crate::db::ExamRead;
use crate::exam::{self, FinishedBy};
use crate::operations::Part;

/// `GET /api/invigilator/rooms`.
pub async fn rooms(State(state): State<AppState>, _who: Invigilator) -> Result<Json<Value>, ApiError> {
    let session = state.session_id().to_owned();
    Ok(Json(state.db(move |db| Ok(exam_ops::rooms_report(db, &session, clock::unix_seconds())?)).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenBody {
    room: String,
    #[serde(default)]
    reason: Option<String>,
}

/// The longest reason kept, in characters.
const REASON_LIMIT: usize = 500;

fn reason(text: Option<&str>, what: &str) -> Result<String, ApiError> {
    let reason = text.unwrap_or_default().trim();
    if reason.is_empty() {
        return Err(ApiError::bad_request(format!("请写明{what}的原因（会记录下来），没有执行")));
    }
    if reason.chars().count() > REASON_LIMIT || reason.chars().any(char::is_control) {
        return Err(ApiError::bad_request(format!("原因最多 {REASON_LIMIT} 字、只写一行，没有执行")));
    }
    Ok(reason.to_owned())
}

/// `POST /api/invigilator/open`: the room's exam starts now, for all its candidates.
pub async fn open(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Invigilator(identity): Invigilator,
    ApiJson(body): ApiJson<OpenBody>,
) -> Result<Json<Value>, ApiError> {
    let room = body.room.trim().to_owned();
    let note = body.reason.unwrap_or_default().trim().to_owned();
    let (logged, address) = (state.clone(), peer.ip().to_string());
    let started = state
        .db(move |db| {
            let session = find_session(db, logged.session_id())?;
            let tx = db.transaction()?;
            let Some(started) = exam_ops::open_room(&tx, &session, &room, &identity.name, clock::unix_seconds())?
            else {
                return Err(ApiError::new(StatusCode::CONFLICT, format!("考场「{room}」已经开考了")));
            };
            let detail = format!(
                "考场「{room}」开考，{started} 名考生开始计时{}",
                if note.is_empty() { String::new() } else { format!("（{note}）") }
            );
            tx.log_web(&log_entry(&logged, &clock::now_text(), Some(&identity.name), &address, "exam-open", &detail))?;
            tx.commit()?;
            Ok((room, started))
        })
        .await?;
    Ok(Json(json!({ "opened": true, "room": started.0, "candidates": started.1 })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CandidateAction {
    exam_no: String,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    minutes: Option<i64>,
}

/// Runs `act` on one candidate of the session in one transaction with its log lines: the
/// server's log, and the session's change log (`certify session show --log`), with the
/// reason and the invigilator's name.
async fn act<T, F>(
    state: &AppState,
    peer: SocketAddr,
    who: String,
    exam_no: String,
    action: &'static str,
    reason: String,
    act: F,
) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(
            &crate::db::Tx<'_>,
            &crate::db::SessionRow,
            &crate::db::CandidateRow,
            i64,
        ) -> Result<(T, String), ApiError>
        + Send
        + 'static,
{
    let (logged, address) = (state.clone(), peer.ip().to_string());
    state
        .db(move |db| {
            let session = find_session(db, logged.session_id())?;
            let tx = db.transaction()?;
            let c = crate::commands::candidates::find_candidate(&tx, &session.id, &exam_no)?;
            let (out, detail) = act(&tx, &session, &c, clock::unix_seconds())?;
            let at = clock::now_text();
            tx.log_web(&log_entry(&logged, &at, Some(&who), &address, action, &detail))?;
            tx.log(&session.id, &c.exam_no, action, &detail, &reason, &format!("监考员 {who}"), &at)?;
            tx.commit()?;
            Ok(out)
        })
        .await
}

/// `POST /api/invigilator/extra-time`: more time for one candidate (a computer failed).
pub async fn extra_time(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Invigilator(identity): Invigilator,
    ApiJson(body): ApiJson<CandidateAction>,
) -> Result<Json<Value>, ApiError> {
    let why = reason(body.reason.as_deref(), "延长时间")?;
    let minutes = body.minutes.unwrap_or_default();
    if !(1..=exam::MAX_ADDED_MINUTES).contains(&minutes) {
        return Err(ApiError::bad_request(format!("延长的时间应为 1 到 {} 分钟，没有执行", exam::MAX_ADDED_MINUTES)));
    }
    let remaining = act(
        &state,
        peer,
        identity.name,
        body.exam_no.trim().to_owned(),
        "exam-extra-time",
        why.clone(),
        move |tx, session, c, now| {
            if !tx.add_sitting_time(&session.id, &c.exam_no, minutes * 60)? {
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    format!("考生 {} 不在考试中（未开考或已交卷），不能延长时间", c.exam_no),
                ));
            }
            let sitting = tx.sitting(&session.id, &c.exam_no)?.expect("just changed");
            let left = exam::remaining(sitting.deadline, now);
            Ok((left, format!("{} 延长 {minutes} 分钟，剩余 {}（{why}）", c.exam_no, exam::clock_text(left))))
        },
    )
    .await?;
    Ok(Json(json!({ "exam_no": body.exam_no.trim(), "remaining_s": remaining })))
}

/// `POST /api/invigilator/reset-login`: ends the candidate's browser login, so the same
/// code logs in once more (on another computer). Answers and time are kept.
pub async fn reset_login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Invigilator(identity): Invigilator,
    ApiJson(body): ApiJson<CandidateAction>,
) -> Result<Json<Value>, ApiError> {
    let why = reason(body.reason.as_deref(), "重置登录")?;
    let ended = act(
        &state,
        peer,
        identity.name,
        body.exam_no.trim().to_owned(),
        "exam-reset-login",
        why.clone(),
        move |tx, session, c, now| {
            let ended = tx.end_exam_logins(&session.id, &c.exam_no, now)?;
            Ok((ended, format!("{} 重置登录，结束 {ended} 个浏览器登录（{why}）", c.exam_no)))
        },
    )
    .await?;
    Ok(Json(json!({ "exam_no": body.exam_no.trim(), "ended_logins": ended })))
}

/// `POST /api/invigilator/misconduct`: records 违纪 on the theory part and ends the exam.
pub async fn misconduct(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Invigilator(identity): Invigilator,
    ApiJson(body): ApiJson<CandidateAction>,
) -> Result<Json<Value>, ApiError> {
    let why = reason(body.reason.as_deref(), "违纪")?;
    let by = identity.name.clone();
    act(
        &state,
        peer,
        identity.name,
        body.exam_no.trim().to_owned(),
        "exam-misconduct",
        why.clone(),
        move |tx, session, c, now| {
            record_mark(
                tx,
                &session.id,
                c,
                Part::Theory,
                "misconduct",
                &why,
                &format!("监考员 {by}"),
                &clock::now_text(),
            )?;
            // The candidate's browser stays logged in, so its page shows why the exam ended;
            // the code logs in no more (misconduct refuses a login).
            if tx.sitting(&session.id, &c.exam_no)?.is_some() {
                exam_ops::finish(tx, &session.id, &c.exam_no, FinishedBy::Misconduct, now)?;
            }
            Ok(((), format!("{} 记录违纪并结束考试（{why}）", c.exam_no)))
        },
    )
    .await?;
    state.audit_due();
    Ok(Json(json!({ "exam_no": body.exam_no.trim(), "ended": true })))
}

/// `POST /api/invigilator/submit`: hands the candidate's paper in for them.
pub async fn submit(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Invigilator(identity): Invigilator,
    ApiJson(body): ApiJson<CandidateAction>,
) -> Result<Json<Value>, ApiError> {
    let why = reason(body.reason.as_deref(), "收卷")?;
    act(
        &state,
        peer,
        identity.name,
        body.exam_no.trim().to_owned(),
        "exam-force-submit",
        why.clone(),
        move |tx, session, c, now| {
            if !exam_ops::finish(tx, &session.id, &c.exam_no, FinishedBy::Invigilator, now)? {
                return Err(ApiError::new(StatusCode::CONFLICT, format!("考生 {} 已经交卷了", c.exam_no)));
            }
            Ok(((), format!("{} 由监考员收卷（{why}）", c.exam_no)))
        },
    )
    .await?;
    state.audit_due();
    Ok(Json(json!({ "exam_no": body.exam_no.trim(), "submitted": true })))
}

/// `GET /invigilator`: the console's frame; its script fills it from `rooms`.
pub async fn console_page(State(state): State<AppState>, who_is: Result<Invigilator, ApiError>) -> Response {
    match who_is {
        Ok(Invigilator(identity)) => page(
            "serve_invigilator.html",
            minijinja::context! { who => who(&identity, state.session_id()), session => state.session_id() },
        )
        .unwrap_or_else(|e| refusal(e, "/")),
        Err(e) if e.status == StatusCode::UNAUTHORIZED => Redirect::to("/").into_response(),
        Err(e) => refusal(e, "/"),
    }
}
