//! What the server reads from a request (a JSON body, a query) and how it refuses one:
//! always `{"error": "…"}` in Chinese with the status that says why, so no English text of
//! axum's or serde's reaches an examiner.
//!
//! Guarantees: a body that is not JSON, has a field the endpoint does not know, lacks
//! one, or has a value of the wrong type is refused 400 before any handler runs, so
//! nothing is written. Refusals of the data itself are 409 (a grade that does not fit its
//! rubric, a candidate not graded here), 403 (not this person's to do) and 401 (not
//! logged in); a database busy past its timeout is 503; a body not received within
//! [`BODY_TIMEOUT`] is 408, also with nothing written.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::commands::practical::EntryError;
use crate::error::Error;

/// A refusal: status and the Chinese message for `{"error": …}`.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    message: String,
    retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError { status, message: message.into(), retry_after: None }
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }

    /// Too many requests: try again after `seconds`.
    pub fn too_many(message: impl Into<String>, seconds: u64) -> ApiError {
        ApiError { retry_after: Some(seconds), ..ApiError::new(StatusCode::TOO_MANY_REQUESTS, message) }
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, axum::Json(serde_json::json!({ "error": self.message }))).into_response();
        if let Some(seconds) = self.retry_after
            && let Ok(value) = HeaderValue::from_str(&seconds.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        let status = match &e {
            Error::User(_) | Error::Invalid(_) | Error::Reported(_) => StatusCode::CONFLICT,
            Error::Sqlite(s)
                if matches!(
                    s.sqlite_error_code(),
                    Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
                ) =>
            {
                StatusCode::SERVICE_UNAVAILABLE
            }
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        ApiError::new(status, e.to_string().trim_end())
    }
}

impl From<EntryError> for ApiError {
    fn from(e: EntryError) -> Self {
        match e {
            EntryError::NotDrawn(message) => ApiError::new(StatusCode::FORBIDDEN, message),
            EntryError::Rejected(messages) => ApiError::new(StatusCode::CONFLICT, messages.join("；")),
            EntryError::Other(e) => e.into(),
        }
    }
}

/// The most a request body may hold: a score sheet is a few kilobytes.
pub const BODY_LIMIT: usize = 64 * 1024;

/// How long a client may take to send a request's body once its headers are in, so a
/// client sending a byte now and then cannot hold a connection (and, at shutdown, the
/// server) for long.
pub const BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15);

/// A JSON request body of type `T` (whose fields say `deny_unknown_fields`).
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = tokio::time::timeout(BODY_TIMEOUT, Bytes::from_request(request, state))
            .await
            .map_err(|_| ApiError::new(StatusCode::REQUEST_TIMEOUT, "请求内容发送太慢，没有写入任何内容；请重新发送"))?
            .map_err(|_| ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "请求内容太大或没有读完，没有写入任何内容"))?;
        if bytes.len() > BODY_LIMIT {
            return Err(ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "请求内容太大，没有写入任何内容"));
        }
        let mut deserializer = serde_json::Deserializer::from_slice(&bytes);
        let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            ApiError::bad_request(match inner.classify() {
                serde_json::error::Category::Data => describe(&inner.to_string(), &path),
                _ => format!(
                    "请求内容不是有效的 JSON（第 {} 行第 {} 列附近），没有写入任何内容",
                    inner.line(),
                    inner.column()
                ),
            })
        })?;
        deserializer
            .end()
            .map_err(|_| ApiError::bad_request("请求内容在 JSON 之后还有多余的文字，没有写入任何内容"))?;
        Ok(ApiJson(value))
    }
}

/// The query string as `T`.
pub fn query<T: DeserializeOwned>(uri: &axum::http::Uri) -> Result<T, ApiError> {
    serde_urlencoded::from_str(uri.query().unwrap_or_default())
        .map_err(|e: serde_urlencoded::de::Error| ApiError::bad_request(describe(&e.to_string(), ".")))
}

/// The text between the first pair of backticks in serde's message.
fn quoted(message: &str) -> Option<&str> {
    let start = message.find('`')? + 1;
    let end = start + message[start..].find('`')?;
    Some(&message[start..end])
}

/// serde's English message about a field, in Chinese. `path` is where in the body it is
/// (`.` for the top).
fn describe(message: &str, path: &str) -> String {
    let place_of = |path: &str| if path == "." || path.is_empty() { String::new() } else { format!("「{path}」中") };
    let place = place_of(path);
    let text = if message.starts_with("unknown field") {
        let field = quoted(message).unwrap_or_default();
        // The path of an unknown field ends in the field itself.
        let place = place_of(path.strip_suffix(field).unwrap_or(path).trim_end_matches('.'));
        let hint = if matches!(field, "examiner" | "name") {
            "（评分和仲裁都记在登录者本人名下，不能另写姓名）"
        } else {
            ""
        };
        format!("{place}有不认识的字段「{field}」{hint}")
    } else if message.starts_with("missing field") {
        format!("{place}缺少字段「{}」", quoted(message).unwrap_or_default())
    } else if message.starts_with("unknown variant") {
        format!("字段「{path}」的值「{}」不是可选的值", quoted(message).unwrap_or_default())
    } else if (message.starts_with("invalid type") || message.starts_with("invalid value")) && place.is_empty() {
        format!("请求内容的类型不对（{}）", expected(message))
    } else if message.starts_with("invalid type") || message.starts_with("invalid value") {
        format!("字段「{path}」的类型不对（{}）", expected(message))
    } else {
        format!("字段「{path}」的值不对")
    };
    format!("{text}，没有写入任何内容")
}

/// What serde expected, in Chinese, for the common kinds.
fn expected(message: &str) -> &'static str {
    let wanted = message.rsplit("expected ").next().unwrap_or_default();
    if wanted.contains("f64") || wanted.contains("integer") || wanted.contains("number") {
        "应为数字"
    } else if wanted.contains("string") {
        "应为文字"
    } else if wanted.contains("map") || wanted.contains("struct") {
        "应为对象 {…}"
    } else if wanted.contains("sequence") {
        "应为列表 […]"
    } else if wanted.contains("bool") {
        "应为 true 或 false"
    } else {
        "格式不对"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_messages_become_chinese() {
        assert_eq!(
            describe("unknown field `examiner`, expected one of `a`, `b`", "examiner"),
            "有不认识的字段「examiner」（评分和仲裁都记在登录者本人名下，不能另写姓名），没有写入任何内容"
        );
        assert_eq!(describe("missing field `task`", "."), "缺少字段「task」，没有写入任何内容");
        assert_eq!(
            describe("unknown field `why`, expected `id` or `reason`", "vetoes[0].why"),
            "「vetoes[0]」中有不认识的字段「why」，没有写入任何内容"
        );
        assert_eq!(
            describe("invalid type: string \"5\", expected f64", "steps.1.1"),
            "字段「steps.1.1」的类型不对（应为数字），没有写入任何内容"
        );
        assert!(!describe("something else", "x").is_ascii());
    }
}
