//! The chief examiner's (考评组长) endpoints: where the grading stands, and arbitration;
//! and the chief's board, the page built on them.
//!
//! Guarantees: `status` is the very document `certify grade status --agreement --json`
//! prints (built by the same function), and `board` carries that same document under
//! `status` with what the board shows around it (names, titles, the plan's threshold,
//! vetoes with their reasons, and the rooms of the computer-based exam with their
//! candidates counted by state); `resolve` records through the function
//! `certify grade resolve` uses, with the logged-in chief as the arbiter, and logs it in
//! the same transaction. The board page is a frame that its script (`assets/board.js`)
//! fills from `board` every few seconds and that arbitrates through `resolve`.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::Value;

use super::auth::Chief;
use super::body::{ApiError, ApiJson};
use super::pages::{LoggedIn, page, refusal, who};
use super::{AppState, log_entry};
use crate::clock;
use crate::commands::exam as exam_ops;
use crate::commands::practical::{self, Resolve};
use crate::import::format_number;

/// `GET /api/chief/status`.
pub async fn status(State(state): State<AppState>, _chief: Chief) -> Result<Json<Value>, ApiError> {
    let session = state.session_id().to_owned();
    let report = state.db(move |db| Ok(practical::status_report(db, &session, true)?.json())).await?;
    Ok(Json(report))
}

/// `GET /api/chief/board`: what the board shows (see [`practical::chief_board`]).
pub async fn board(State(state): State<AppState>, _chief: Chief) -> Result<Json<Value>, ApiError> {
    let session = state.session_id().to_owned();
    Ok(Json(
        state
            .db(move |db| {
                // A session without a practical plan (theory on computer only) still has
                // its rooms on the board; the practical sections say why they are empty.
                let mut board = match practical::chief_board(db, &session) {
                    Ok(board) => board,
                    Err(crate::error::Error::User(why)) => {
                        serde_json::json!({ "updated_at": clock::now_text(), "practical": why })
                    }
                    Err(e) => return Err(e.into()),
                };
                board["rooms"] = exam_ops::rooms_summary(db, &session, clock::unix_seconds())?;
                Ok(board)
            })
            .await?,
    ))
}

/// `GET /chief`: the board's frame; its script fills it in.
pub async fn board_page(State(state): State<AppState>, LoggedIn(identity): LoggedIn) -> Response {
    if identity.role != crate::access::Role::Chief {
        let why = "评分进度看板只有以考评组长身份登录才能查看";
        return refusal(ApiError::new(StatusCode::FORBIDDEN, why), "/examiner");
    }
    page("serve_board.html", minijinja::context! { who => who(&identity, state.session_id()) })
        .unwrap_or_else(|e| refusal(e, "/"))
}

/// The flags of `grade resolve` but `--session` (the server's) and `--examiner` (the
/// chief who is logged in).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResolveBody {
    #[serde(alias = "exam_no")]
    candidate: String,
    task: String,
    score: f64,
    reason: String,
}

/// `POST /api/chief/resolve`.
pub async fn resolve(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Chief(chief): Chief,
    ApiJson(body): ApiJson<ResolveBody>,
) -> Result<Json<Value>, ApiError> {
    let address = peer.ip().to_string();
    let log_state = state.clone();
    let session = state.session_id().to_owned();
    let document = state
        .db(move |db| {
            let (exam_no, task) = (body.candidate.trim(), body.task.trim());
            let detail =
                format!("{exam_no} {task} 仲裁 {} 分，理由：{}", format_number(body.score), body.reason.trim());
            let request = Resolve {
                session_id: &session,
                exam_no,
                task,
                score: body.score,
                examiner: &chief.name,
                reason: &body.reason,
            };
            Ok(practical::resolve_task(db, &request, |tx| {
                let at = clock::now_text();
                tx.log_web(&log_entry(&log_state, &at, Some(&chief.name), &address, "resolve", &detail))
            })?)
        })
        .await?;
    Ok(Json(document))
}
