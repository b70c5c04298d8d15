//! The examiner's endpoints: the queue of drawn tasks, one candidate's score sheet, and
//! sending a grade.
//!
//! Guarantees: a grade is recorded under the logged-in person's own name (the body
//! cannot name anyone) and goes through [`record_entry`], the function `certify grade`
//! stores with, so it meets the same checks; a resend with a `client_id` already stored
//! answers what the first send answered and writes nothing. An entry once stored is
//! never changed: sending the same task again stores a new entry that supersedes the
//! earlier one, which is kept (as a re-import does).

use std::collections::BTreeMap;
use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::Uri;
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::Identity;
use super::body::{ApiError, ApiJson, query};
use super::{AppState, log_entry};
use crate::clock;
use crate::commands::practical::{self, MarkedVeto, Submission, WebSubmission};
use crate::commands::session::find_session;
use crate::import::format_number;

/// `GET /api/examiner/queue`.
pub async fn queue(State(state): State<AppState>, identity: Identity) -> Result<Json<Value>, ApiError> {
    let session = state.session_id().to_owned();
    let queue = state
        .db(move |db| {
            let session = find_session(db, &session)?;
            Ok(practical::examiner_queue(db, &session, &identity.name)?)
        })
        .await?;
    Ok(Json(queue))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SheetQuery {
    exam_no: String,
    task: String,
}

/// `GET /api/examiner/sheet?exam_no=…&task=…`.
pub async fn sheet(State(state): State<AppState>, _identity: Identity, uri: Uri) -> Result<Json<Value>, ApiError> {
    let SheetQuery { exam_no, task } = query(&uri)?;
    let session = state.session_id().to_owned();
    let sheet = state
        .db(move |db| {
            let session = find_session(db, &session)?;
            Ok(practical::score_sheet(db, &session, exam_no.trim(), task.trim())?)
        })
        .await?;
    Ok(Json(sheet))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VetoBody {
    id: String,
    #[serde(default)]
    reason: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradeBody {
    client_id: String,
    exam_no: String,
    task: String,
    steps: BTreeMap<String, f64>,
    #[serde(default)]
    vetoes: Vec<VetoBody>,
    #[serde(default)]
    comment: Option<String>,
    #[serde(default)]
    rating: Option<String>,
}

/// The overall rating as stored, from the sheet's Chinese or English word.
fn rating(text: &str) -> Result<&'static str, ApiError> {
    match text.trim() {
        "合格" | "pass" => Ok("pass"),
        "临界" | "borderline" => Ok("borderline"),
        "不合格" | "fail" => Ok("fail"),
        other => Err(ApiError::bad_request(format!(
            "总体评价「{other}」不对：应为 合格、临界 或 不合格（也可写 pass、borderline、fail），没有写入任何内容"
        ))),
    }
}

/// The longest comment kept, in characters.
const COMMENT_LIMIT: usize = 2000;

/// `POST /api/examiner/grades`.
pub async fn grades(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    identity: Identity,
    ApiJson(body): ApiJson<GradeBody>,
) -> Result<Json<Value>, ApiError> {
    let client_id = body.client_id.trim().to_owned();
    if client_id.is_empty() || client_id.chars().count() > 100 || client_id.chars().any(char::is_control) {
        return Err(ApiError::bad_request("client_id 应为 1 到 100 个字符、不含控制字符，没有写入任何内容"));
    }
    let rating = body.rating.as_deref().filter(|r| !r.trim().is_empty()).map(rating).transpose()?;
    let comment = body.comment.unwrap_or_default().trim().to_owned();
    if comment.chars().count() > COMMENT_LIMIT {
        return Err(ApiError::bad_request(format!("评语最多 {COMMENT_LIMIT} 字，没有写入任何内容")));
    }
    let vetoes: Vec<MarkedVeto> =
        body.vetoes.into_iter().map(|v| MarkedVeto { id: v.id.trim().to_owned(), reason: v.reason }).collect();
    let (exam_no, task) = (body.exam_no.trim().to_owned(), body.task.trim().to_owned());
    let steps: BTreeMap<String, f64> = body.steps.into_iter().map(|(k, v)| (k.trim().to_owned(), v)).collect();
    let address = peer.ip().to_string();
    let log_state = state.clone();
    let session = state.session_id().to_owned();
    let recorded = state
        .db(move |db| {
            let session = find_session(db, &session)?;
            let tx = db.transaction()?;
            let source = format!("考场服务 {address}");
            let recorded = practical::record_entry(
                &tx,
                &Submission {
                    session: &session,
                    exam_no: &exam_no,
                    task: &task,
                    examiner: &identity.name,
                    steps: &steps,
                    vetoes: &vetoes,
                    source: &source,
                    entered_by: &identity.name,
                    web: Some(WebSubmission { client_id: &client_id, comment: &comment, rating }),
                },
            )?;
            if !recorded.resent {
                let detail = format!(
                    "{exam_no} {task} {} 分{}",
                    format_number(recorded.total),
                    if recorded.vetoes.is_empty() {
                        String::new()
                    } else {
                        format!("，否决项 {}", recorded.vetoes.join("、"))
                    }
                );
                let at = clock::now_text();
                tx.log_web(&log_entry(&log_state, &at, Some(&identity.name), &address, "grade", &detail))?;
                tx.commit()?;
            }
            Ok(recorded)
        })
        .await?;
    Ok(Json(json!({ "saved": true, "total": recorded.total })))
}
