//! The current time, in one place. `CERTIFY_NOW` (RFC 3339, e.g.
//! `2026-06-01T09:00:00+08:00`) fixes it for rehearsals and reproducible tests.

use jiff::{Timestamp, Zoned, tz::TimeZone};

/// Now, in the local time zone (or as `CERTIFY_NOW` says).
pub fn now() -> Zoned {
    if let Ok(text) = std::env::var("CERTIFY_NOW")
        && let Ok(zoned) =
            text.parse::<Zoned>().or_else(|_| text.parse::<Timestamp>().map(|t| t.to_zoned(TimeZone::system())))
    {
        return zoned;
    }
    Zoned::now()
}

/// Now as an RFC 3339 timestamp with offset, as stored in the database.
pub fn now_text() -> String {
    now().strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

/// Seconds since 1970 by the real clock, for liveness and expiry (a server's heartbeat,
/// a login's end). Never `CERTIFY_NOW`: a rehearsal's fixed time must not keep a killed
/// server's lock alive or a login from expiring.
pub fn unix_seconds() -> i64 {
    Timestamp::now().as_second()
}

/// A Unix time (as [`unix_seconds`] gives) as `HH:MM:SS` in the local time zone.
pub fn time_of_day(seconds: i64) -> String {
    Timestamp::from_second(seconds)
        .map(|t| t.to_zoned(TimeZone::system()).strftime("%H:%M:%S").to_string())
        .unwrap_or_default()
}
