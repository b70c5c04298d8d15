//! SQL for workspace settings. Room plans share the table (see [`super::rooms`]) but
//! are not settings a person edits, so [`SettingsRead::settings`] leaves them out.

use rusqlite::{OptionalExtension, params};

use super::{Read, Tx};
use crate::error::Error;

pub trait SettingsRead: Read {
    fn setting(&self, key: &str) -> Result<Option<String>, Error> {
        Ok(self
            .conn()
            .prepare_cached("SELECT value FROM settings WHERE key = ?")?
            .query_row([key], |r| r.get(0))
            .optional()?)
    }

    fn settings(&self) -> Result<Vec<(String, String)>, Error> {
        let mut statement = self
            .conn()
            .prepare("SELECT key, value FROM settings WHERE substr(key, 1, length(?1)) <> ?1 ORDER BY key")?;
        let rows = statement.query_map([super::rooms::ROOMS_PREFIX], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

impl<T: Read> SettingsRead for T {}

impl Tx<'_> {
    pub fn set_setting(&self, key: &str, value: &str) -> Result<(), Error> {
        self.tx
            .prepare_cached(
                "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )?
            .execute(params![key, value])?;
        Ok(())
    }
}
