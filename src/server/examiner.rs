//! The examiner's endpoints: the queue of drawn tasks, one candidate's score sheet, and
//! sending a grade; and the examiner's pages built on them: the stations (tasks), the
//! queue of one station, and the score sheet, step by step.
//!
//! Guarantees: a grade is recorded under the logged-in person's own name (the body
//! cannot name anyone) and goes through [`record_entry`], the function `certify grade`
//! stores with, so it meets the same checks; a resend with a `client_id` already stored
//! answers what the first send answered and writes nothing. An entry once stored is
//! never changed: sending the same task again (a new `client_id`) is a correction, refused
//! (409) without a `correction_reason`, and with one stored as a new entry that supersedes
//! the earlier one, which is kept (as a re-import does), and logged as a correction.
//!
//! The pages show what the API answers and send what a script would: the score sheet is
//! the `sheet` document laid out as the paper sheet (or, once this examiner's entry is
//! stored, that entry, read-only), and the page's script (`assets/sheet.js`) keeps every
//! submission in the browser's storage until the server has confirmed it.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::auth::Identity;
use super::body::{ApiError, ApiJson, query};
use super::pages::{LoggedIn, data, page, refusal, who};
use super::{AppState, log_entry};
use crate::clock;
use crate::commands::practical::{self, MarkedVeto, Submission, WebSubmission};
use crate::commands::session::find_session;
use crate::db::{EntryDetail, PracticalRead};
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
    /// Why this corrects the examiner's entry already stored for the task.
    #[serde(default)]
    correction_reason: Option<String>,
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

/// The longest correction reason kept, in characters.
const REASON_LIMIT: usize = 500;

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
    let correction_reason = body.correction_reason.unwrap_or_default().trim().to_owned();
    if correction_reason.chars().count() > REASON_LIMIT {
        return Err(ApiError::bad_request(format!("更正理由最多 {REASON_LIMIT} 字，没有写入任何内容")));
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
                    web: Some(WebSubmission {
                        client_id: &client_id,
                        comment: &comment,
                        rating,
                        correction_reason: Some(correction_reason.as_str()).filter(|r| !r.is_empty()),
                    }),
                },
            )?;
            if !recorded.resent {
                let mut detail = format!(
                    "{exam_no} {task} {} 分{}",
                    format_number(recorded.total),
                    if recorded.vetoes.is_empty() {
                        String::new()
                    } else {
                        format!("，否决项 {}", recorded.vetoes.join("、"))
                    }
                );
                // The reason itself is in the entry: the log keeps to numbers and ids.
                if let Some(previous) = recorded.corrected {
                    detail.push_str(&format!("；更正本人此前的 {} 分（更正理由记在评分中）", format_number(previous)));
                }
                let action = if recorded.corrected.is_some() { "grade-correction" } else { "grade" };
                let at = clock::now_text();
                tx.log_web(&log_entry(&log_state, &at, Some(&identity.name), &address, action, &detail))?;
                tx.commit()?;
            }
            Ok(recorded)
        })
        .await?;
    Ok(Json(json!({ "saved": true, "total": recorded.total })))
}

/// The address of one station's queue page.
fn queue_href(task: &str) -> String {
    format!("/examiner/queue?{}", serde_urlencoded::to_string([("task", task)]).unwrap_or_default())
}

/// The address of one candidate's score sheet page.
fn sheet_href(exam_no: &str, task: &str) -> String {
    format!(
        "/examiner/sheet?{}",
        serde_urlencoded::to_string([("exam_no", exam_no), ("task", task)]).unwrap_or_default()
    )
}

/// One task on the stations page.
#[derive(Serialize)]
struct Station {
    task: String,
    title: String,
    href: String,
    candidates: usize,
    graded: usize,
}

/// One candidate in a station's queue.
#[derive(Serialize)]
struct Waiting {
    exam_no: String,
    name: String,
    graded: bool,
    href: String,
}

/// `GET /examiner`: the stations (tasks) drawn in this session, with how many of each
/// station's candidates this examiner has graded.
pub async fn stations_page(State(state): State<AppState>, LoggedIn(identity): LoggedIn) -> Response {
    let (session, name) = (state.session_id().to_owned(), identity.name.clone());
    let queue = state
        .db(move |db| {
            let session = find_session(db, &session)?;
            Ok(practical::examiner_queue(db, &session, &name)?)
        })
        .await;
    let queue = match queue {
        Ok(queue) => queue,
        Err(e) => return refusal(e, "/"),
    };
    let stations: Vec<Station> = queue["tasks"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| {
            let candidates = t["candidates"].as_array().map(Vec::as_slice).unwrap_or_default();
            let task = t["task"].as_str().unwrap_or_default();
            Station {
                href: queue_href(task),
                task: task.to_owned(),
                title: t["title"].as_str().unwrap_or_default().to_owned(),
                candidates: candidates.len(),
                graded: candidates.iter().filter(|c| c["graded"] == true).count(),
            }
        })
        .collect();
    page(
        "serve_stations.html",
        minijinja::context! { who => who(&identity, state.session_id()), stations => data(&stations) },
    )
    .unwrap_or_else(|e| refusal(e, "/"))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QueueQuery {
    task: String,
}

/// `GET /examiner/queue?task=…`: the candidates who drew one station's task, those this
/// examiner has graded greyed out.
pub async fn queue_page(State(state): State<AppState>, LoggedIn(identity): LoggedIn, uri: Uri) -> Response {
    let task = match query::<QueueQuery>(&uri) {
        Ok(q) => q.task.trim().to_owned(),
        Err(e) => return refusal(e, "/examiner"),
    };
    let (session, name) = (state.session_id().to_owned(), identity.name.clone());
    let queue = state
        .db(move |db| {
            let session = find_session(db, &session)?;
            Ok(practical::examiner_queue(db, &session, &name)?)
        })
        .await;
    let queue = match queue {
        Ok(queue) => queue,
        Err(e) => return refusal(e, "/examiner"),
    };
    let Some(station) = queue["tasks"].as_array().into_iter().flatten().find(|t| t["task"] == task.as_str()) else {
        let why = format!("本批次没有考生抽到任务「{task}」（或抽到它的考生都不评实操）");
        return refusal(ApiError::new(StatusCode::NOT_FOUND, why), "/examiner");
    };
    let candidates: Vec<Waiting> = station["candidates"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            let exam_no = c["exam_no"].as_str().unwrap_or_default();
            Waiting {
                href: sheet_href(exam_no, &task),
                exam_no: exam_no.to_owned(),
                name: c["name"].as_str().unwrap_or_default().to_owned(),
                graded: c["graded"] == true,
            }
        })
        .collect();
    page(
        "serve_queue.html",
        minijinja::context! {
            who => who(&identity, state.session_id()),
            task => task,
            title => station["title"].as_str(),
            graded => candidates.iter().filter(|c| c.graded).count(),
            candidates => data(&candidates),
        },
    )
    .unwrap_or_else(|e| refusal(e, "/examiner"))
}

/// A step of the sheet as the page lays it out.
#[derive(Serialize)]
struct SheetStep {
    id: String,
    text: String,
    /// The maximum as printed (`5`, `2.5`).
    points: String,
    max: f64,
    rule: String,
    section: String,
    /// 1-based position among all the steps.
    number: usize,
    /// This examiner's points, on a stored entry.
    score: Option<String>,
}

#[derive(Serialize)]
struct SheetVeto {
    id: String,
    text: String,
    /// On a stored entry: marked, and why.
    marked: bool,
    reason: Option<String>,
}

/// The Chinese word of a stored overall rating.
fn rating_label(code: &str) -> &'static str {
    match code {
        "pass" => "合格",
        "borderline" => "临界",
        "fail" => "不合格",
        _ => "",
    }
}

/// `GET /examiner/sheet?exam_no=…&task=…`: the identity check, then the rubric step by
/// step; once this examiner's entry is stored, that entry, read-only.
pub async fn sheet_page(State(state): State<AppState>, LoggedIn(identity): LoggedIn, uri: Uri) -> Response {
    let SheetQuery { exam_no, task } = match query(&uri) {
        Ok(q) => q,
        Err(e) => return refusal(e, "/examiner"),
    };
    let (exam_no, task) = (exam_no.trim().to_owned(), task.trim().to_owned());
    let back = queue_href(&task);
    let (session, name) = (state.session_id().to_owned(), identity.name.clone());
    let found = state
        .db(move |db| {
            let session = find_session(db, &session)?;
            let sheet = practical::score_sheet(db, &session, &exam_no, &task)?;
            let entry = db.current_entry(&session.id, &exam_no, &task, &name)?;
            Ok((sheet, entry))
        })
        .await;
    let (sheet, entry): (Value, Option<EntryDetail>) = match found {
        Ok(found) => found,
        Err(e) => return refusal(e, &back),
    };
    let mut steps = Vec::new();
    for section in sheet["sections"].as_array().into_iter().flatten() {
        for step in section["steps"].as_array().into_iter().flatten() {
            let id = step["id"].as_str().unwrap_or_default().to_owned();
            let max = step["points"].as_f64().unwrap_or_default();
            steps.push(SheetStep {
                score: entry.as_ref().and_then(|e| e.steps.get(&id)).map(|&p| format_number(p)),
                text: step["text"].as_str().unwrap_or_default().to_owned(),
                points: format_number(max),
                max,
                rule: step["rule"].as_str().unwrap_or_default().to_owned(),
                section: section["name"].as_str().unwrap_or_default().to_owned(),
                number: steps.len() + 1,
                id,
            });
        }
    }
    let vetoes: Vec<SheetVeto> = sheet["vetoes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|v| {
            let id = v["id"].as_str().unwrap_or_default().to_owned();
            SheetVeto {
                marked: entry.as_ref().is_some_and(|e| e.vetoes.contains(&id)),
                reason: entry.as_ref().and_then(|e| e.veto_reasons.get(&id)).filter(|r| !r.is_empty()).cloned(),
                text: v["text"].as_str().unwrap_or_default().to_owned(),
                id,
            }
        })
        .collect();
    let total_max: f64 = steps.iter().map(|s| s.max).sum();
    let stored = entry.map(|e| {
        minijinja::context! {
            total => format_number(e.total),
            comment => e.comment,
            rating => e.rating.as_deref().map(rating_label),
            entered_at => e.entered_at,
            source => e.source,
            vetoed => !e.vetoes.is_empty(),
            correction_reason => e.correction_reason,
        }
    });
    page(
        "serve_sheet.html",
        minijinja::context! {
            who => who(&identity, state.session_id()),
            back => &back,
            task => sheet["id"].as_str(),
            title => sheet["title"].as_str(),
            scenario => sheet["scenario"].as_str(),
            minutes => sheet["minutes"].as_i64(),
            candidate => data(&sheet["candidate"]),
            steps => data(&steps),
            vetoes => data(&vetoes),
            total_max => format_number(total_max),
            entry => stored,
        },
    )
    .unwrap_or_else(|e| refusal(e, &back))
}
