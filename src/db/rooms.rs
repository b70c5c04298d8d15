//! SQL for a session's rooms and seats (考场与座位).
//!
//! Why in `settings`: the candidates table has no room or seat column, and this change
//! may not add a migration (the next one belongs to another change). So the plan of a
//! session is one JSON value (see [`crate::seating::Plan`]) under the key
//! `rooms:<session>`, written whole by each `session rooms`: a plan is never half old,
//! half new. The keys are left out of the settings that `config get` lists.

use super::settings::SettingsRead;
use super::{Read, Tx};
use crate::error::Error;

/// The key prefix of room plans in `settings`.
pub const ROOMS_PREFIX: &str = "rooms:";

pub trait RoomsRead: Read + SettingsRead {
    /// The stored plan (JSON) of `session`, if rooms were assigned.
    fn room_plan(&self, session: &str) -> Result<Option<String>, Error> {
        self.setting(&format!("{ROOMS_PREFIX}{session}"))
    }
}

impl<T: Read> RoomsRead for T {}

impl Tx<'_> {
    /// Stores (replacing) the plan of `session`.
    pub fn set_room_plan(&self, session: &str, plan: &str) -> Result<(), Error> {
        self.set_setting(&format!("{ROOMS_PREFIX}{session}"), plan)
    }
}
