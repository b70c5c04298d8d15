//! SQL for certificate records.
//!
//! Guarantees: the schema holds at most one valid certificate per ID number and level,
//! and per candidate of a session (partial unique indexes, migration 007); [`Tx::insert_certificate`] reports a
//! second one as [`Error::User`] naming the certificate already held, never as a raw
//! constraint error. Revoking keeps the record, its reason and its time.

use rusqlite::{OptionalExtension, Row, params};
use serde::Serialize;

use super::{Read, Tx};
use crate::error::Error;

/// A stored certificate.
#[derive(Debug, Clone, Serialize)]
pub struct CertificateRow {
    pub number: String,
    pub session_id: String,
    pub exam_no: String,
    pub level: String,
    pub name: String,
    #[serde(skip)]
    pub id_number: String,
    pub theory: f64,
    pub practical: f64,
    pub issued: String,
    pub payload: String,
    pub signature: String,
    pub public_key: String,
    pub status: String,
    pub revoked_reason: Option<String>,
    pub revoked_at: Option<String>,
    /// The certificate this one was reissued in place of.
    pub replaces: Option<String>,
}

/// A certificate to store.
pub struct NewCertificate<'a> {
    pub number: &'a str,
    pub session_id: &'a str,
    pub exam_no: &'a str,
    pub level: &'a str,
    pub year: i16,
    pub level_digit: u8,
    pub serial: u32,
    pub name: &'a str,
    pub id_number: &'a str,
    pub theory: f64,
    pub practical: f64,
    pub issued: &'a str,
    pub payload: &'a str,
    pub signature: &'a str,
    pub public_key: &'a str,
    pub created_at: &'a str,
    pub replaces: Option<&'a str>,
}

const COLUMNS: &str = "number, session_id, exam_no, level, name, id_number, theory, practical, issued, payload, \
     signature, public_key, status, revoked_reason, revoked_at, replaces";

fn certificate(row: &Row<'_>) -> rusqlite::Result<CertificateRow> {
    Ok(CertificateRow {
        number: row.get(0)?,
        session_id: row.get(1)?,
        exam_no: row.get(2)?,
        level: row.get(3)?,
        name: row.get(4)?,
        id_number: row.get(5)?,
        theory: row.get(6)?,
        practical: row.get(7)?,
        issued: row.get(8)?,
        payload: row.get(9)?,
        signature: row.get(10)?,
        public_key: row.get(11)?,
        status: row.get(12)?,
        revoked_reason: row.get(13)?,
        revoked_at: row.get(14)?,
        replaces: row.get(15)?,
    })
}

pub trait CertificateRead: Read + Sized {
    /// Certificates, of one session or all, in number order.
    fn certificates(&self, session: Option<&str>) -> Result<Vec<CertificateRow>, Error> {
        let sql = format!("SELECT {COLUMNS} FROM certificates WHERE (?1 IS NULL OR session_id = ?1) ORDER BY number");
        let mut statement = self.conn().prepare(&sql)?;
        let rows = statement.query_map([session], certificate)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn certificate(&self, number: &str) -> Result<Option<CertificateRow>, Error> {
        let sql = format!("SELECT {COLUMNS} FROM certificates WHERE number = ?1");
        Ok(self.conn().query_row(&sql, [number.trim()], certificate).optional()?)
    }

    /// Every certificate of a level (valid or revoked), oldest first: what `issue` needs to
    /// know who already holds one and who had theirs revoked.
    fn certificates_of_level(&self, level: &str) -> Result<Vec<CertificateRow>, Error> {
        let sql = format!("SELECT {COLUMNS} FROM certificates WHERE level = ?1 ORDER BY created_at, number");
        let mut statement = self.conn().prepare(&sql)?;
        let rows = statement.query_map([level], certificate)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The valid certificate a person holds at a level, if any.
    fn valid_certificate(&self, id_number: &str, level: &str) -> Result<Option<CertificateRow>, Error> {
        let sql =
            format!("SELECT {COLUMNS} FROM certificates WHERE id_number = ?1 AND level = ?2 AND status = 'valid'");
        Ok(self.conn().query_row(&sql, [id_number, level], certificate).optional()?)
    }

    /// Revoked certificates, in number order, for the revocation list.
    fn revoked_certificates(&self) -> Result<Vec<CertificateRow>, Error> {
        let sql = format!("SELECT {COLUMNS} FROM certificates WHERE status = 'revoked' ORDER BY number");
        let mut statement = self.conn().prepare(&sql)?;
        let rows = statement.query_map([], certificate)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The next serial for a year and level digit.
    fn next_serial(&self, year: i16, level_digit: u8) -> Result<u32, Error> {
        let last: i64 = self.conn().query_row(
            "SELECT COALESCE(MAX(serial), 0) FROM certificates WHERE year = ?1 AND level_digit = ?2",
            params![year, level_digit],
            |r| r.get(0),
        )?;
        Ok(last as u32 + 1)
    }
}

impl<T: Read> CertificateRead for T {}

impl Tx<'_> {
    pub fn insert_certificate(&self, c: &NewCertificate<'_>) -> Result<(), Error> {
        self.tx
            .prepare_cached(
                "INSERT INTO certificates (number, session_id, exam_no, level, year, level_digit, serial, name, id_number, \
                 theory, practical, issued, payload, signature, public_key, created_at, replaces) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
            )?
            .execute(params![
                c.number,
                c.session_id,
                c.exam_no,
                c.level,
                c.year,
                c.level_digit,
                c.serial,
                c.name,
                c.id_number,
                c.theory,
                c.practical,
                c.issued,
                c.payload,
                c.signature,
                c.public_key,
                c.created_at,
                c.replaces
            ])
            .map_err(|e| {
                if e.sqlite_error_code() != Some(rusqlite::ErrorCode::ConstraintViolation) {
                    return Error::from(e);
                }
                let held = self.valid_certificate(c.id_number, c.level).ok().flatten().or_else(|| {
                    self.certificates(Some(c.session_id))
                        .ok()?
                        .into_iter()
                        .find(|held| held.exam_no == c.exam_no && held.status == "valid")
                });
                match held {
                    Some(held) => Error::user(format!(
                        "{}（准考证号 {}）已持有{}的有效证书 {}，不能再签发一张；如需按新信息重发：certify certificates reissue {} --reason 原因",
                        c.name, c.exam_no, c.level, held.number, held.number
                    )),
                    None => Error::from(e),
                }
            })?;
        Ok(())
    }

    pub fn revoke_certificate(&self, number: &str, reason: &str, now: &str) -> Result<(), Error> {
        self.tx.execute(
            "UPDATE certificates SET status = 'revoked', revoked_reason = ?2, revoked_at = ?3 WHERE number = ?1",
            params![number, reason, now],
        )?;
        Ok(())
    }
}
