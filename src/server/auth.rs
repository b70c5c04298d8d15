//! Logging in and out, and who is asking: the session cookie, the limit on wrong codes,
//! and the same-origin rule for every request that changes data. The staff (examiner,
//! chief, invigilator) log in here; a candidate's login (exam number and access code) is
//! passed on to [`super::candidate`], under the same limit on wrong codes.
//!
//! Role boundaries: [`Identity`] is who grades (examiner or chief; an invigilator is
//! refused 403), [`Chief`] the chief alone, [`Invigilator`] an invigilator or the chief,
//! [`Staff`] any of them; a candidate's cookie is refused 403 by every one of them.
//!
//! Guarantees: a cookie is `HttpOnly; SameSite=Strict; Path=/` and carries a random
//! token whose hash alone is stored; it is honoured only while its browser session is
//! neither ended, expired nor of a revoked examiner, and only for this server's exam
//! session. A wrong code is told apart neither from an unknown name nor from a wrong
//! role. Five wrong codes from one address within a minute refuse that address (429)
//! for five minutes, and the block is logged.

use std::net::{IpAddr, SocketAddr};
use std::time::Instant;

use axum::extract::{ConnectInfo, Extension, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::body::{ApiError, ApiJson};
use super::{AppState, Who, log_entry};
use crate::access::{self, Role};
use crate::clock;
use crate::db::{ExamRead, ServeRead};

/// The cookie holding the session token.
pub const COOKIE: &str = "certify_session";

/// Refuses a data-changing request that a browser sent from another site (403), or a
/// script's that does not say it sends JSON; see [`access::same_origin`].
pub async fn same_origin_only(request: Request, next: Next) -> Response {
    if super::changes_data(request.method()) {
        let headers = request.headers();
        let text = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
        let origin = access::RequestOrigin {
            origin: text(header::ORIGIN),
            host: text(header::HOST),
            sec_fetch_site: headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()),
            content_type: text(header::CONTENT_TYPE),
        };
        if let Err(why) = access::same_origin(&origin) {
            return ApiError::new(StatusCode::FORBIDDEN, why).into_response();
        }
    }
    next.run(request).await
}

/// The session token in the request's cookies.
pub fn token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_owned())
}

/// Someone logged in to this server's session.
#[derive(Debug, Clone)]
pub struct Identity {
    pub examiner_id: i64,
    pub name: String,
    pub role: Role,
    token_hash: String,
}

/// Whoever of the staff (examiner, chief, invigilator) the request's cookie logs in. A
/// candidate's cookie is refused 403 (a candidate may use none of the staff's functions),
/// anything else 401.
pub async fn staff(parts: &mut Parts, state: &AppState) -> Result<Identity, ApiError> {
    let unauthorized =
        || ApiError::new(StatusCode::UNAUTHORIZED, "请先登录（登录已过期、已退出或登录码已被撤销时须重新登录）");
    let token = token(&parts.headers).ok_or_else(unauthorized)?;
    let token_hash = access::token_hash(&token);
    let session = state.session_id().to_owned();
    let lookup = token_hash.clone();
    let found = state
        .db(move |db| {
            let now = clock::unix_seconds();
            let Some(identity) = db.web_identity(&lookup, now)?.filter(|i| i.session_id == session) else {
                let candidate = db.live_login(&lookup, now)?.is_some_and(|l| l.session_id == session);
                return Ok(Err(candidate));
            };
            // last_seen is for the office's view of who is active; once a minute is
            // enough, and spares every read a write.
            if now - identity.last_seen >= 60 {
                let tx = db.transaction()?;
                tx.touch_web_session(&lookup, now)?;
                tx.commit()?;
            }
            Ok(Ok(identity))
        })
        .await?;
    let identity = match found {
        Ok(identity) => identity,
        Err(true) => return Err(ApiError::new(StatusCode::FORBIDDEN, "考生不能使用考评员、监考员的功能")),
        Err(false) => return Err(unauthorized()),
    };
    let role = Role::parse(&identity.role).ok_or_else(unauthorized)?;
    if let Some(who) = parts.extensions.get::<Who>() {
        who.set(&identity.name);
    }
    Ok(Identity { examiner_id: identity.examiner_id, name: identity.name, role, token_hash })
}

/// An examiner or chief examiner: who grades. An invigilator is refused 403.
impl FromRequestParts<AppState> for Identity {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let identity = staff(parts, state).await?;
        if identity.role == Role::Invigilator {
            return Err(ApiError::new(StatusCode::FORBIDDEN, "监考员不能评分；请使用监考台"));
        }
        Ok(identity)
    }
}

/// Anyone of the staff, for what every role does (logging out, the start page).
pub struct Staff(pub Identity);

impl FromRequestParts<AppState> for Staff {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        staff(parts, state).await.map(Staff)
    }
}

/// An invigilator (监考员), or the chief examiner, who sees every room: anyone else 403.
pub struct Invigilator(pub Identity);

impl FromRequestParts<AppState> for Invigilator {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let identity = staff(parts, state).await?;
        if !matches!(identity.role, Role::Invigilator | Role::Chief) {
            return Err(ApiError::new(StatusCode::FORBIDDEN, "只有监考员和考评组长可以使用监考台"));
        }
        Ok(Invigilator(identity))
    }
}

/// A chief examiner (考评组长) logged in as one: anyone else is refused 403.
pub struct Chief(pub Identity);

impl FromRequestParts<AppState> for Chief {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let identity = staff(parts, state).await?;
        if identity.role != Role::Chief {
            return Err(ApiError::new(StatusCode::FORBIDDEN, "只有考评组长可以查看评分进度和仲裁"));
        }
        Ok(Chief(identity))
    }
}

/// The body of `POST /api/login`: staff give their name, candidates their exam number.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Login {
    role: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    exam_no: Option<String>,
    code: String,
}

/// The session cookie carrying `value` for `max_age` seconds.
pub fn cookie(value: &str, max_age: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("{COOKIE}={value}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}"))
        .expect("token is base64url")
}

/// 429 when `address` is refused for now after too many wrong codes.
pub fn refuse_if_blocked(state: &AppState, address: IpAddr) -> Result<(), ApiError> {
    if let Some(until) = state.limit().blocked_until(address, Instant::now()) {
        let seconds = until.saturating_duration_since(Instant::now()).as_secs().max(1);
        return Err(ApiError::too_many(
            format!(
                "登录码错误次数太多，这台设备暂时不能登录；请 {} 分钟后再试，或请考务人员核对登录码",
                seconds.div_ceil(60)
            ),
            seconds,
        ));
    }
    Ok(())
}

/// Counts a wrong code from `address` and logs it (and the block it may cause).
pub async fn wrong_code(state: &AppState, address: IpAddr, detail: String) -> Result<(), ApiError> {
    let blocked = state.limit().fail(address, Instant::now());
    let log_state = state.clone();
    let address_text = address.to_string();
    state
        .db(move |db| {
            let tx = db.transaction()?;
            let at = clock::now_text();
            tx.log_web(&log_entry(&log_state, &at, None, &address_text, "login-failed", &detail))?;
            if blocked {
                let why = format!(
                    "{} 分钟内 {} 次登录码错误，暂停该地址登录 {} 分钟",
                    access::FAILURE_WINDOW.as_secs() / 60,
                    access::MAX_FAILURES,
                    access::BLOCK.as_secs() / 60
                );
                tx.log_web(&log_entry(&log_state, &at, None, &address_text, "login-blocked", &why))?;
            }
            tx.commit()?;
            Ok(())
        })
        .await
}

/// `POST /api/login`.
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Extension(who): Extension<Who>,
    ApiJson(body): ApiJson<Login>,
) -> Result<Response, ApiError> {
    let address = peer.ip();
    if body.role == "candidate" {
        let exam_no = body.exam_no.unwrap_or_default();
        return super::candidate::login(state, address, who, exam_no.trim(), &body.code).await;
    }
    let role = Role::parse(&body.role).ok_or_else(|| {
        ApiError::bad_request(format!(
            "身份「{}」不对：应为 examiner（考评员）、chief（考评组长）、invigilator（监考员）或 candidate（考生）",
            body.role
        ))
    })?;
    let name = body.name.unwrap_or_default().trim().to_owned();
    let turn = state.code_check_turn().await;
    refuse_if_blocked(&state, address)?;
    let (session, lookup_name, code) = (state.session_id().to_owned(), name.clone(), body.code.clone());
    let found = state
        .db(move |db| {
            Ok(db.active_examiner(&session, &lookup_name)?.filter(|e| {
                e.role == role.code() && access::same_hash(&e.code_hash, &access::code_hash(&session, &e.name, &code))
            }))
        })
        .await?;
    let address_text = address.to_string();
    let Some(examiner) = found else {
        wrong_code(&state, address, format!("{}「{name}」登录失败", role.code())).await?;
        return Err(ApiError::new(StatusCode::UNAUTHORIZED, "姓名、身份或登录码不对；请核对后重新输入"));
    };
    state.limit().succeed(address);
    drop(turn);
    let token = access::new_token();
    let token_hash = access::token_hash(&token);
    let log_state = state.clone();
    let logged_name = examiner.name.clone();
    state
        .db(move |db| {
            let now = clock::unix_seconds();
            let tx = db.transaction()?;
            tx.start_web_session(&token_hash, examiner.id, role.code(), now, now + access::SESSION_SECONDS)?;
            let at = clock::now_text();
            tx.log_web(&log_entry(&log_state, &at, Some(&logged_name), &address_text, "login", role.code()))?;
            tx.commit()?;
            Ok(())
        })
        .await?;
    who.set(&name);
    let mut response =
        axum::Json(json!({ "name": name, "role": role.code(), "session": state.session_id() })).into_response();
    response.headers_mut().insert(header::SET_COOKIE, cookie(&token, access::SESSION_SECONDS));
    Ok(response)
}

/// `POST /api/logout`: ends this browser's session (the cookie is cleared too).
pub async fn logout(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    staff: Result<Staff, ApiError>,
) -> Result<Response, ApiError> {
    let address = peer.ip().to_string();
    let log_state = state.clone();
    match staff {
        Ok(Staff(identity)) => {
            state
                .db(move |db| {
                    let tx = db.transaction()?;
                    tx.end_web_session(&identity.token_hash, clock::unix_seconds())?;
                    let at = clock::now_text();
                    tx.log_web(&log_entry(&log_state, &at, Some(&identity.name), &address, "logout", ""))?;
                    tx.commit()?;
                    Ok(())
                })
                .await?
        }
        // A candidate's browser (refused by the staff's check): its login ends; the code
        // stays used, so logging in again takes an invigilator's reset.
        Err(e) if e.status == StatusCode::FORBIDDEN => {
            let token_hash = token(&headers).map(|t| access::token_hash(&t)).ok_or(e)?;
            state
                .db(move |db| {
                    let now = clock::unix_seconds();
                    let who = db.live_login(&token_hash, now)?.map(|l| format!("考生 {}", l.exam_no));
                    let tx = db.transaction()?;
                    tx.end_exam_login(&token_hash, now)?;
                    tx.log_web(&log_entry(
                        &log_state,
                        &clock::now_text(),
                        who.as_deref(),
                        &address,
                        "exam-logout",
                        "",
                    ))?;
                    tx.commit()?;
                    Ok(())
                })
                .await?
        }
        Err(e) => return Err(e),
    }
    let mut response = axum::Json(json!({ "logged_out": true })).into_response();
    response.headers_mut().insert(header::SET_COOKIE, cookie("", 0));
    Ok(response)
}
