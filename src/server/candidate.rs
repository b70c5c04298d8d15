//! The candidate's endpoints of the computer-based theory exam (机考): logging in with the
//! exam number and the one-time access code, the exam as the browser gets it, saving each
//! answer as it is given, handing the paper in; and the candidate's page built on them.
//!
//! Guarantees:
//! - A candidate's cookie is honoured only for that candidate's own exam: `GET /api/exam`
//!   naming another exam number is refused 403, and staff endpoints refuse it 403
//!   ([`super::auth::staff`]); a staff cookie is refused here 403.
//! - An access code logs in once: a second login while the first browser's login is live
//!   is refused 409 until an invigilator resets it. A wrong code counts towards the same
//!   per-address limit as the staff's (429).
//! - Each answer is answered 200 only after its transaction committed; a late request
//!   with a lower sequence number changes nothing ([`exam_ops::save_answer`]). After the
//!   paper is handed in, or once its time is up, answers are refused 409.
//! - Nothing sent to the browser holds a key, an explanation, an item id or another
//!   candidate's data: the exam is built only from [`crate::exam::ExamItem`]s.

use std::net::IpAddr;

use axum::Json;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::{cookie, token, wrong_code};
use super::body::{ApiError, ApiJson, query};
use super::pages::{page, refusal};
use super::{AppState, Who, log_entry};
use crate::access;
use crate::clock;
use crate::commands::exam as exam_ops;
use crate::commands::session::find_session;
use crate::db::{CandidateRow, ExamRead, ServeRead, SessionRead};
use crate::exam::{self, FinishedBy};
use crate::idcard;

/// A candidate logged in to this server's session.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub exam_no: String,
}

impl FromRequestParts<AppState> for Candidate {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let unauthorized =
            || ApiError::new(StatusCode::UNAUTHORIZED, "请先用准考证号和登录码登录（换电脑后须重新登录）");
        let token = token(&parts.headers).ok_or_else(unauthorized)?;
        let token_hash = access::token_hash(&token);
        let session = state.session_id().to_owned();
        let found = state
            .db(move |db| {
                let now = clock::unix_seconds();
                if let Some(login) = db.live_login(&token_hash, now)?.filter(|l| l.session_id == session) {
                    return Ok(Ok(login.exam_no));
                }
                let staff = db.web_identity(&token_hash, now)?.is_some_and(|i| i.session_id == session);
                Ok(Err(staff))
            })
            .await?;
        match found {
            Ok(exam_no) => {
                if let Some(who) = parts.extensions.get::<Who>() {
                    who.set(&format!("考生 {exam_no}"));
                }
                Ok(Candidate { exam_no })
            }
            Err(true) => Err(ApiError::new(StatusCode::FORBIDDEN, "这是考生答题的功能；考评员、监考员不能使用")),
            Err(false) => Err(unauthorized()),
        }
    }
}

/// `POST /api/login` with `"role": "candidate"` (the staff's logins are in [`super::auth`]).
pub async fn login(
    state: AppState,
    address: IpAddr,
    who: Who,
    exam_no: &str,
    code: &str,
) -> Result<Response, ApiError> {
    let turn = state.code_check_turn().await;
    super::auth::refuse_if_blocked(&state, address)?;
    let (session, lookup, code) = (state.session_id().to_owned(), exam_no.to_owned(), code.to_owned());
    // Ok(Ok(candidate)): may log in; Ok(Err(refusal)): right code, but refused; Err: wrong.
    let checked = state
        .db(move |db| {
            let Some((hash, used)) = db.candidate_code(&session, &lookup)? else { return Ok(None) };
            if !access::same_hash(&hash, &access::candidate_code_hash(&session, &lookup, &code)) {
                return Ok(None);
            }
            let c = db.candidate(&session, &lookup)?.expect("a code belongs to a candidate");
            if let Some(why) = exam_ops::login_refusal(db, &session, &c)? {
                return Ok(Some(Err(ApiError::new(StatusCode::FORBIDDEN, why))));
            }
            if used {
                return Ok(Some(Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "这个登录码已经登录过（登录码只能用一次）。如需换一台电脑，请举手请监考员「重置登录」，再用同一个登录码登录",
                ))));
            }
            Ok(Some(Ok(c)))
        })
        .await?;
    let c: CandidateRow = match checked {
        None => {
            wrong_code(&state, address, format!("考生「{exam_no}」登录失败")).await?;
            return Err(ApiError::new(StatusCode::UNAUTHORIZED, "准考证号或登录码不对；请核对登录条后重新输入"));
        }
        Some(Err(refused)) => return Err(refused),
        Some(Ok(c)) => c,
    };
    state.limit().succeed(address);
    drop(turn);
    let token = access::new_token();
    let token_hash = access::token_hash(&token);
    let (log_state, exam_no, address_text) = (state.clone(), c.exam_no.clone(), address.to_string());
    state
        .db(move |db| {
            let now = clock::unix_seconds();
            let tx = db.transaction()?;
            // Checked again inside the write: two browsers racing with one code, one wins.
            if tx.candidate_code(log_state.session_id(), &exam_no)?.is_none_or(|(_, used)| used) {
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "这个登录码刚刚在另一台电脑上登录了；如需换电脑，请监考员「重置登录」",
                ));
            }
            tx.start_exam_login(&token_hash, log_state.session_id(), &exam_no, now, now + access::SESSION_SECONDS)?;
            let at = clock::now_text();
            tx.log_web(&log_entry(&log_state, &at, Some(&format!("考生 {exam_no}")), &address_text, "exam-login", ""))?;
            tx.commit()?;
            Ok(())
        })
        .await?;
    who.set(&format!("考生 {}", c.exam_no));
    let mut response = Json(json!({
        "role": "candidate", "exam_no": c.exam_no, "name": c.name, "session": state.session_id(),
    }))
    .into_response();
    response.headers_mut().insert(header::SET_COOKIE, cookie(&token, access::SESSION_SECONDS));
    Ok(response)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExamQuery {
    #[serde(default)]
    exam_no: Option<String>,
}

/// How long a candidate's reads may go unrecorded as contact, in seconds: the console's
/// "last contact" needs no more, and 300 candidates polling need not write.
const CONTACT_EVERY: i64 = 15;

/// `GET /api/exam`.
pub async fn exam(State(state): State<AppState>, candidate: Candidate, uri: Uri) -> Result<Json<Value>, ApiError> {
    if let Some(asked) = query::<ExamQuery>(&uri)?.exam_no
        && asked.trim() != candidate.exam_no
    {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "只能查看自己的试卷"));
    }
    let cached = state.clone();
    let view = state
        .db(move |db| {
            let session = find_session(db, cached.session_id())?;
            let c = db
                .candidate(&session.id, &candidate.exam_no)?
                .ok_or_else(|| ApiError::new(StatusCode::FORBIDDEN, "考生不在名单中"))?;
            let now = clock::unix_seconds();
            let mut sitting = db.sitting(&session.id, &c.exam_no)?;
            // Not started when the room opened (a paper assigned, or the candidate added,
            // afterwards): starts now, with the whole time. Checked by reading first, so
            // the waiting room's polls write nothing.
            let room_open = || -> Result<bool, crate::error::Error> {
                let room = exam_ops::room_of(db, &session.id, &c.exam_no)?;
                Ok(room.is_some_and(|room| db.opened_rooms(&session.id).is_ok_and(|o| o.contains_key(&room))))
            };
            if sitting.is_none() && room_open()? {
                let tx = db.transaction()?;
                if exam_ops::start_late(&tx, &session.id, &c, now)? {
                    let detail = format!("{} 在考场开考后才开始（补开始计时，全部时长）", c.exam_no);
                    let at = clock::now_text();
                    tx.log_web(&log_entry(
                        &cached,
                        &at,
                        Some(&format!("考生 {}", c.exam_no)),
                        "-",
                        "exam-late-start",
                        &detail,
                    ))?;
                }
                tx.commit()?;
                sitting = db.sitting(&session.id, &c.exam_no)?;
            }
            let paper_id = sitting.as_ref().map(|s| s.paper_id.clone()).or_else(|| c.paper_id.clone());
            let Some(paper_id) = paper_id else {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    format!("考生 {} 还没有分配试卷，请联系考务人员", c.exam_no),
                ));
            };
            let paper = cached.exam_paper(db, &paper_id)?;
            // Withdrawn, marked absent or misconduct recorded at the terminal while sitting:
            // the exam ends here, so the page stops and says so instead of resending.
            if sitting.as_ref().is_some_and(|s| s.finished.is_none())
                && exam_ops::refusal(db, &session.id, &c)?.is_some()
            {
                let tx = db.transaction()?;
                if exam_ops::end_refused(&tx, &session.id, &c, now)? {
                    let detail = format!("{} 已退考、缺考或违纪（在终端登记），考试结束", c.exam_no);
                    tx.log_web(&log_entry(&cached, &clock::now_text(), None, "-", "exam-ended", &detail))?;
                }
                tx.commit()?;
                sitting = db.sitting(&session.id, &c.exam_no)?;
            }
            if let Some(s) =
                sitting.filter(|s| s.finished.is_none() && s.last_contact.is_none_or(|t| now - t >= CONTACT_EVERY))
            {
                let tx = db.transaction()?;
                tx.note_contact(&session.id, &s.exam_no, now)?;
                tx.commit()?;
            }
            Ok(exam_ops::candidate_exam(db, &session, &c, &paper, now)?)
        })
        .await?;
    Ok(Json(view))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerBody {
    answer: String,
    seq: i64,
}

/// The largest sequence number taken: what a browser's counter reaches in any exam is
/// far below, and a number beyond it would stop every later answer from being stored.
const MAX_SEQ: i64 = 1 << 40;

/// `PUT /api/exam/answers/<position>`.
pub async fn save(
    State(state): State<AppState>,
    candidate: Candidate,
    Path(position): Path<String>,
    ApiJson(body): ApiJson<AnswerBody>,
) -> Result<Json<Value>, ApiError> {
    let position: usize = position
        .parse()
        .map_err(|_| ApiError::bad_request(format!("题号「{position}」不对：应为试卷上的题号 1、2、3……")))?;
    if !(1..=MAX_SEQ).contains(&body.seq) {
        return Err(ApiError::bad_request(format!("seq 应为 1 到 {MAX_SEQ} 的整数，没有保存")));
    }
    let cached = state.clone();
    let saved = state
        .db(move |db| {
            let session = cached.session_id().to_owned();
            let tx = db.transaction()?;
            let now = clock::unix_seconds();
            // Over or not yet begun says so before the answer itself is looked at; read in
            // the write transaction, so the time-out cannot come between check and save.
            let sitting = exam_ops::running_sitting(&tx, &session, &candidate.exam_no, now)?;
            let paper = cached.exam_paper(&tx, &sitting.paper_id)?;
            let answer = exam::canonical_answer(&paper.questions, position, &body.answer).map_err(|e| match e {
                exam::AnswerRefusal::NoSuchQuestion { questions } => {
                    ApiError::bad_request(format!("没有第 {position} 题：试卷共 {questions} 题，没有保存"))
                }
                exam::AnswerRefusal::Unreadable(why) => {
                    ApiError::bad_request(format!("第 {position} 题的答案「{}」不对：{why}，没有保存", body.answer))
                }
            })?;
            let saved = exam_ops::save_answer(&tx, &session, &sitting, position, &answer, body.seq, now)?;
            tx.commit()?;
            Ok(saved)
        })
        .await?;
    let mut answer = json!({ "saved": true, "seq": body.seq, "remaining_s": saved.remaining });
    if !saved.stored {
        answer["kept_newer"] = json!(true);
    }
    Ok(Json(answer))
}

/// `POST /api/exam/submit`: hands the paper in; a second call answers the same.
pub async fn submit(
    State(state): State<AppState>,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr>,
    candidate: Candidate,
    ApiJson(_): ApiJson<serde_json::Map<String, Value>>,
) -> Result<Json<Value>, ApiError> {
    let logged = state.clone();
    let address = peer.ip().to_string();
    let (answered, total) = state
        .db(move |db| {
            let session = logged.session_id().to_owned();
            // The key is read before the write lock is taken (a whole room hands in within
            // the same second); inside, only its version is checked.
            let paper = db.sitting(&session, &candidate.exam_no)?.map(|s| s.paper_id);
            if let Some(paper) = &paper {
                logged.keys().get(db, paper)?;
            }
            let tx = db.transaction()?;
            let now = clock::unix_seconds();
            let first = exam_ops::finish_with(
                &tx,
                &session,
                &candidate.exam_no,
                FinishedBy::Candidate,
                now,
                &mut logged.keys(),
            )?;
            let sitting = tx.sitting(&session, &candidate.exam_no)?.expect("finish found it");
            let total = logged.exam_paper(&tx, &sitting.paper_id)?.items.len();
            if first {
                let detail = format!("{} 交卷，已答 {}/{total} 题", candidate.exam_no, sitting.answered);
                let at = clock::now_text();
                tx.log_web(&log_entry(
                    &logged,
                    &at,
                    Some(&format!("考生 {}", candidate.exam_no)),
                    &address,
                    "exam-submit",
                    &detail,
                ))?;
            }
            tx.commit()?;
            if first {
                logged.audit_due();
            }
            Ok((sitting.answered, total))
        })
        .await?;
    Ok(Json(json!({ "submitted": true, "answered": answered, "unanswered": total.saturating_sub(answered) })))
}

/// `GET /exam`: the candidate's page: the login form, or the identity check that leads
/// into the exam; its script (`assets/exam.js`) does the rest through the API.
pub async fn exam_page(State(state): State<AppState>, candidate: Result<Candidate, ApiError>) -> Response {
    let Ok(candidate) = candidate else {
        return page("serve_exam.html", minijinja::context! { session => state.session_id(), candidate => () })
            .unwrap_or_else(|e| e.into_response());
    };
    let cached = state.clone();
    let found = state
        .db(move |db| {
            let session = find_session(db, cached.session_id())?;
            let c = db.candidate(&session.id, &candidate.exam_no)?.ok_or_else(|| ApiError::new(StatusCode::FORBIDDEN, "考生不在名单中"))?;
            let paper_id = db.sitting(&session.id, &c.exam_no)?.map(|s| s.paper_id).or_else(|| c.paper_id.clone());
            let paper = paper_id.map(|id| cached.exam_paper(db, &id)).transpose()?;
            Ok(minijinja::context! {
                exam_no => c.exam_no,
                name => c.name,
                id_masked => idcard::mask(&c.id_number),
                level => crate::vocabulary::Level::parse(&session.level).map(|l| l.label().to_owned()).unwrap_or(session.level),
                paper => paper.as_ref().map(|p| p.id.clone()),
                form => paper.as_ref().map(|p| p.form.clone()),
                title => paper.as_ref().map(|p| p.title.clone()),
                minutes => paper.as_ref().map(|p| p.minutes),
            })
        })
        .await;
    match found {
        Ok(candidate) => {
            page("serve_exam.html", minijinja::context! { session => state.session_id(), candidate => candidate })
                .unwrap_or_else(|e| refusal(e, "/exam"))
        }
        Err(e) => refusal(e, "/exam"),
    }
}
