//! Retake sessions (补考): who may sit one, and which passed part they carry over.
//!
//! Guarantees: a candidate imported into a retake session is someone (by ID number)
//! who sat one of the sessions it retakes and failed exactly one part; the part they
//! passed carries over when it is within `retake-months` (default 12) of the retake.
//! Everyone else is refused with the reason, all at once, before anything is written.

use std::collections::HashMap;

use super::results::session_results;
use super::session::find_session;
use crate::db::{CarriedPart, Db, SessionRow, SettingsRead};
use crate::error::Error;
use crate::operations::{self, Sitting};
use crate::problem::Problems;
use crate::roster::Candidate;
use crate::settings::RETAKE_MONTHS;

/// The parts the new candidates of `session` carry over, checked before anything is
/// written: empty for an ordinary session.
pub fn plan_import(db: &Db, session: &SessionRow, new: &[&Candidate]) -> Result<Vec<(String, CarriedPart)>, Error> {
    if session.retake_of.is_empty() {
        return Ok(Vec::new());
    }
    let months = db.setting("retake-months")?.and_then(|m| m.parse().ok()).unwrap_or(RETAKE_MONTHS);
    let date: jiff::civil::Date = session.date.parse().map_err(|_| Error::user("补考批次的日期无效"))?;
    let mut sittings: HashMap<String, Vec<Sitting>> = HashMap::new();
    for earlier in &session.retake_of {
        let earlier = find_session(db, earlier)?;
        let sat_on: jiff::civil::Date = earlier.date.parse().map_err(|_| Error::user("批次日期无效"))?;
        for r in session_results(db, &earlier)? {
            sittings.entry(r.id_number.clone()).or_default().push(Sitting {
                session: earlier.id.clone(),
                exam_no: r.exam_no.clone(),
                date: sat_on,
                theory_passed: r.theory_passed,
                practical_passed: r.practical_passed,
                misconduct: r
                    .marks
                    .iter()
                    .find(|m| m.status == "misconduct")
                    .map(|m| format!("{}：{}", crate::operations::part_label(&m.part), m.reason)),
            });
        }
    }
    let mut problems = Problems::default();
    let mut carried = Vec::new();
    for c in new {
        let list = sittings.get(&c.id_number).map(Vec::as_slice).unwrap_or(&[]);
        match operations::retake_carry(list, &session.retake_of, date, months) {
            Ok((part, score, from)) => carried.push((
                c.exam_no.clone(),
                CarriedPart {
                    part: part.code().to_owned(),
                    score,
                    from_session: from.session,
                    from_exam_no: from.exam_no,
                    sat_on: from.date.to_string(),
                },
            )),
            Err(why) => problems.error(c.location.clone(), format!("考生 {}（{}）：{why}", c.exam_no, c.name)),
        }
    }
    if problems.has_errors() {
        return Err(Error::Invalid(problems.into_errors()));
    }
    Ok(carried)
}
