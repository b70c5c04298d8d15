//! What the pages share: the login page, the embedded style sheet and scripts, and how a
//! page is answered. The examiner's pages are in [`super::examiner`], the chief's board in
//! [`super::chief`]; every page reads and writes only through the JSON API (or the same
//! domain functions it calls), so a page can do nothing a script could not.
//!
//! Guarantees:
//! - Pages are rendered by the document templates (minijinja, HTML escaping on), so a name
//!   or rubric text with `<` shows as text. The scripts build what they add with DOM text
//!   nodes, never from HTML strings of data.
//! - Every page and asset is embedded in the binary (`include_str!`): nothing is loaded
//!   from anywhere but this server, which the Content-Security-Policy header also holds
//!   the browser to (`default-src 'self'`, no inline script, no framing).
//! - Pages are never cached (`no-store`: they show who is graded) and send no referrer
//!   (their addresses name candidates). A page needing a login answers a browser without
//!   one with a redirect to the login page, not with an error text.

use axum::Router;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

use super::AppState;
use super::auth::{Identity, Staff};
use super::body::ApiError;
use crate::access::Role;

/// The routes of the login page and the assets.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(login_page))
        .route("/static/serve.css", get(|| asset("text/css; charset=utf-8", include_str!("assets/serve.css"))))
        .route("/static/common.js", get(|| asset(JS, include_str!("assets/common.js"))))
        .route("/static/login.js", get(|| asset(JS, include_str!("assets/login.js"))))
        .route("/static/sheet.js", get(|| asset(JS, include_str!("assets/sheet.js"))))
        .route("/static/board.js", get(|| asset(JS, include_str!("assets/board.js"))))
        .route("/static/exam.js", get(|| asset(JS, include_str!("assets/exam.js"))))
        .route("/static/invigilator.js", get(|| asset(JS, include_str!("assets/invigilator.js"))))
}

const JS: &str = "application/javascript; charset=utf-8";

/// The policy every page is sent with: only this server's own scripts, styles and data.
const POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                      connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

async fn asset(content_type: &'static str, text: &'static str) -> Response {
    let mut response = text.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // Revalidated each time: a new certify version is picked up at once.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    response
}

/// Any serializable value for a page's template.
pub fn data<T: serde::Serialize>(value: &T) -> minijinja::Value {
    minijinja::Value::from(minijinja::value::Serde(value))
}

/// Renders the page template `template` with `context` and the headers every page has.
pub fn page(template: &str, context: minijinja::Value) -> Result<Response, ApiError> {
    let html = crate::render::render_document(template, "页面", context)?;
    let mut response = axum::response::Html(html).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(POLICY));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    Ok(response)
}

/// Someone logged in, for a page: a browser without a valid login is sent to the login
/// page (303) instead of being shown an error text.
pub struct LoggedIn(pub Identity);

/// Why a page was not shown: no login (go and log in), or another refusal, as a page.
pub enum PageRefusal {
    Login,
    Other(ApiError),
}

impl IntoResponse for PageRefusal {
    fn into_response(self) -> Response {
        match self {
            PageRefusal::Login => Redirect::to("/").into_response(),
            PageRefusal::Other(e) => refusal(e, "/"),
        }
    }
}

impl FromRequestParts<AppState> for LoggedIn {
    type Rejection = PageRefusal;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageRefusal> {
        Identity::from_request_parts(parts, state)
            .await
            .map(LoggedIn)
            .map_err(|e| if e.status == StatusCode::UNAUTHORIZED { PageRefusal::Login } else { PageRefusal::Other(e) })
    }
}

/// A refusal as a page (for a browser), with its status: what went wrong, in Chinese, and
/// the way back.
pub fn refusal(e: ApiError, back: &str) -> Response {
    let status = e.status;
    match page("serve_error.html", minijinja::context! { message => e.message(), back => back }) {
        Ok(mut response) => {
            *response.status_mut() = status;
            response
        }
        Err(e) => e.into_response(),
    }
}

/// Where someone logged in starts: the chief's board, or the examiner's stations.
pub fn home_of(identity: &Identity) -> &'static str {
    match identity.role {
        Role::Chief => "/chief",
        Role::Invigilator => "/invigilator",
        Role::Examiner => "/examiner",
    }
}

/// The header every page shows: who is logged in, and the links of their role.
pub fn who(identity: &Identity, session: &str) -> minijinja::Value {
    minijinja::context! {
        name => identity.name.clone(),
        chief => identity.role == Role::Chief,
        invigilator => identity.role == Role::Invigilator,
        role_label => crate::access::role_label(identity.role.code()),
        session => session,
    }
}

/// `GET /`: the login form, or, for someone logged in, their start page.
async fn login_page(State(state): State<AppState>, identity: Result<Staff, ApiError>) -> Response {
    if let Ok(Staff(identity)) = &identity {
        return Redirect::to(home_of(identity)).into_response();
    }
    page("serve_login.html", minijinja::context! { session => state.session_id() })
        .unwrap_or_else(|e| e.into_response())
}
