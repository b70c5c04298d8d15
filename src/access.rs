//! Who may use the exam site's server (`certify serve`), and how that is checked: the
//! one-time login codes `certify examiners add` prints, the session tokens behind the
//! browser's cookie, the limit on wrong codes, and the same-origin rule for requests
//! that change data.
//!
//! Guarantees:
//! - A login code is [`CODE_LENGTH`] symbols drawn uniformly (by rejection, no modulo
//!   bias) from [`CODE_ALPHABET`], 31 symbols with none that reads like another (no
//!   I/L/1, O/0), from the operating system's generator ([`rng::secret_bytes`]). That is
//!   31^10 ≈ 8.2 × 10^14 codes (49.5 bits). With at most [`MAX_FAILURES`] wrong codes a
//!   [`FAILURE_WINDOW`] per address before [`BLOCK`] of refusal, one address gets about
//!   one guess a minute: 1,440 a day. A three-day session at a site with even 1,000
//!   addresses guessing is 4.3 × 10^6 guesses against one name's code, a chance of
//!   about 5 in 10^9 of finding it.
//! - Codes and tokens are stored only as SHA-256 hashes ([`code_hash`], [`token_hash`]).
//!   A plain hash, not a slow password hash, is enough because neither is a
//!   person's chosen password: each is a high-entropy random value, so a stolen hash
//!   cannot be reversed by trying likely values, and trying all 8.2 × 10^14 codes
//!   still gives only that one examiner's login, to a thief who already holds the
//!   whole database. The code's hash covers the session and the name, so a code
//!   works for that one person in that one session.
//! - [`same_origin`] refuses a data-changing request a browser sent from another site.
//!
//! No I/O here (the time comes from the caller).

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::rng;

/// The symbols of a login code: capitals and digits with none that reads like another
/// (I, L and 1; O and 0 are left out), so a code can be read aloud and typed on a tablet.
pub const CODE_ALPHABET: &[u8; 31] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/// Symbols in a login code.
pub const CODE_LENGTH: usize = 10;

/// Wrong codes from one address within [`FAILURE_WINDOW`] before it is refused.
pub const MAX_FAILURES: usize = 5;

/// The window in which [`MAX_FAILURES`] wrong codes block an address.
pub const FAILURE_WINDOW: Duration = Duration::from_secs(60);

/// How long a blocked address is refused.
pub const BLOCK: Duration = Duration::from_secs(300);

/// How long a login lasts: one exam day.
pub const SESSION_SECONDS: i64 = 12 * 3600;

/// A new login code, grouped in fours for reading aloud: `ABCD-EFGH-JK`.
pub fn new_code() -> String {
    let mut symbols = Vec::with_capacity(CODE_LENGTH);
    // 248 = 8 × 31: bytes at or above it are dropped, so every symbol is equally likely.
    while symbols.len() < CODE_LENGTH {
        for byte in rng::secret_bytes::<32>() {
            if byte < 248 && symbols.len() < CODE_LENGTH {
                symbols.push(CODE_ALPHABET[(byte % 31) as usize] as char);
            }
        }
    }
    symbols.chunks(4).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join("-")
}

/// A code as typed, in the form it was hashed: capitals, without the dashes and spaces
/// people type or leave out.
pub fn normalize_code(text: &str) -> String {
    text.chars().filter(|c| !matches!(c, '-' | ' ' | '－' | '　')).flat_map(char::to_uppercase).collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The stored form of `code` for `name` in `session`.
pub fn code_hash(session: &str, name: &str, code: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"certify-login-code-v1\0");
    hasher.update(session.as_bytes());
    hasher.update(b"\0");
    hasher.update(name.as_bytes());
    hasher.update(b"\0");
    hasher.update(normalize_code(code).as_bytes());
    hex(&hasher.finalize())
}

/// The stored form of candidate `exam_no`'s access code for the computer-based exam in
/// `session`: the hash of [`code_hash`] under a name no examiner can have.
pub fn candidate_code_hash(session: &str, exam_no: &str, code: &str) -> String {
    code_hash(session, &format!("candidate\0{exam_no}"), code)
}

/// A new session token for the cookie: 32 random bytes as base64url.
pub fn new_token() -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rng::secret_bytes::<32>())
}

/// The stored form of a session token.
pub fn token_hash(token: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"certify-web-session-v1\0");
    hasher.update(token.as_bytes());
    hex(&hasher.finalize())
}

/// Whether two hashes are equal, in time that does not depend on where they differ.
pub fn same_hash(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The two roles that log in through the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Examiner,
    Chief,
    Invigilator,
}

impl Role {
    pub fn code(self) -> &'static str {
        match self {
            Role::Examiner => "examiner",
            Role::Chief => "chief",
            Role::Invigilator => "invigilator",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "examiner" => Some(Role::Examiner),
            "chief" => Some(Role::Chief),
            "invigilator" => Some(Role::Invigilator),
            _ => None,
        }
    }
}

/// The Chinese name of a stored role.
pub fn role_label(role: &str) -> &'static str {
    match role {
        "chief" => "考评组长",
        "invigilator" => "监考员",
        _ => "考评员",
    }
}

/// Wrong codes per address, and the addresses refused for a while.
#[derive(Debug, Default)]
pub struct LoginLimit {
    failures: HashMap<IpAddr, Vec<Instant>>,
    blocked: HashMap<IpAddr, Instant>,
}

impl LoginLimit {
    /// Until when `address` is refused, if it is at `now`.
    pub fn blocked_until(&mut self, address: IpAddr, now: Instant) -> Option<Instant> {
        match self.blocked.get(&address) {
            Some(&until) if until > now => Some(until),
            Some(_) => {
                self.blocked.remove(&address);
                None
            }
            None => None,
        }
    }

    /// Counts a wrong code; `true` when this one blocks the address.
    pub fn fail(&mut self, address: IpAddr, now: Instant) -> bool {
        let list = self.failures.entry(address).or_default();
        list.retain(|&t| now.duration_since(t) < FAILURE_WINDOW);
        list.push(now);
        if list.len() >= MAX_FAILURES {
            self.failures.remove(&address);
            self.blocked.insert(address, now + BLOCK);
            return true;
        }
        false
    }

    /// A right code clears the address's count.
    pub fn succeed(&mut self, address: IpAddr) {
        self.failures.remove(&address);
    }
}

/// What a data-changing request says of where it comes from.
pub struct RequestOrigin<'a> {
    pub origin: Option<&'a str>,
    pub host: Option<&'a str>,
    pub sec_fetch_site: Option<&'a str>,
    pub content_type: Option<&'a str>,
}

/// Why a data-changing request is refused as possibly sent by another site, if it is.
/// A browser names the page's site in `Origin` and `Sec-Fetch-Site`; a request with
/// neither (a script) must say it sends JSON, which a plain HTML form on another site
/// cannot do without the browser asking this server first (which it never allows).
pub fn same_origin(request: &RequestOrigin<'_>) -> Result<(), &'static str> {
    const REFUSED: &str = "拒绝：这个请求来自别的网站或页面，没有执行。请直接在本考场服务的页面上操作";
    if request.sec_fetch_site.is_some_and(|s| s.eq_ignore_ascii_case("cross-site")) {
        return Err(REFUSED);
    }
    if let Some(origin) = request.origin {
        let origin_host = origin.split_once("://").map(|(_, rest)| rest).unwrap_or(origin);
        if request.host.is_none_or(|host| !origin_host.eq_ignore_ascii_case(host)) {
            return Err(REFUSED);
        }
    }
    let json = request
        .content_type
        .is_some_and(|t| t.split(';').next().is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json")));
    if !json {
        return Err("请求须带 Content-Type: application/json，内容为 JSON");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_long_grouped_and_from_the_alphabet() {
        let code = new_code();
        assert_eq!(code.len(), 12, "{code}");
        assert_eq!(code.matches('-').count(), 2);
        let bare = normalize_code(&code);
        assert_eq!(bare.len(), CODE_LENGTH);
        assert!(bare.bytes().all(|b| CODE_ALPHABET.contains(&b)), "{code}");
        assert_ne!(new_code(), code);
    }

    #[test]
    fn a_code_matches_however_it_is_typed_and_only_for_its_person() {
        let hash = code_hash("S1", "张老师", "ABCD-EFGH-JK");
        assert!(same_hash(&hash, &code_hash("S1", "张老师", "abcd efgh jk")));
        assert!(!same_hash(&hash, &code_hash("S1", "李老师", "ABCD-EFGH-JK")));
        assert!(!same_hash(&hash, &code_hash("S2", "张老师", "ABCD-EFGH-JK")));
        assert!(!hash.contains("ABCD"));
    }

    #[test]
    fn five_wrong_codes_in_a_minute_block_an_address_for_a_while() {
        let mut limit = LoginLimit::default();
        let address: IpAddr = "192.0.2.7".parse().unwrap();
        let other: IpAddr = "192.0.2.8".parse().unwrap();
        let start = Instant::now();
        for i in 0..4 {
            assert!(!limit.fail(address, start + Duration::from_secs(i)));
        }
        assert!(limit.blocked_until(address, start).is_none());
        assert!(limit.fail(address, start + Duration::from_secs(5)));
        assert!(limit.blocked_until(address, start + Duration::from_secs(6)).is_some());
        assert!(limit.blocked_until(other, start).is_none());
        assert!(limit.blocked_until(address, start + BLOCK + Duration::from_secs(6)).is_none());
        // Failures spread out over more than the window never block.
        let mut slow = LoginLimit::default();
        for i in 0..10 {
            assert!(!slow.fail(address, start + Duration::from_secs(20 * i)));
        }
    }

    #[test]
    fn cross_site_requests_are_refused_and_scripts_must_send_json() {
        let request = |origin, sec, content_type| RequestOrigin {
            origin,
            host: Some("192.0.2.1:8080"),
            sec_fetch_site: sec,
            content_type,
        };
        let json = Some("application/json; charset=utf-8");
        assert!(same_origin(&request(Some("http://192.0.2.1:8080"), Some("same-origin"), json)).is_ok());
        assert!(same_origin(&request(None, None, json)).is_ok());
        assert!(same_origin(&request(Some("http://evil.example"), None, json)).is_err());
        assert!(same_origin(&request(None, Some("cross-site"), json)).is_err());
        assert!(same_origin(&request(None, None, Some("application/x-www-form-urlencoded"))).is_err());
        assert!(same_origin(&request(None, None, None)).is_err());
    }
}
