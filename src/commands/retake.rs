//! Retake sessions (补考): who may sit one, and which passed part they carry over.
//!
//! Guarantees: filled in by the retake part of issue 11; until a session names the
//! sessions it retakes, importing into it carries nothing over.

use crate::db::{CarriedPart, Db, SessionRow};
use crate::error::Error;
use crate::roster::Candidate;

/// The parts the new candidates of `session` carry over, checked before anything is
/// written: empty for an ordinary session.
pub fn plan_import(_db: &Db, session: &SessionRow, _new: &[&Candidate]) -> Result<Vec<(String, CarriedPart)>, Error> {
    if session.retake_of.is_empty() {
        return Ok(Vec::new());
    }
    Ok(Vec::new())
}
