//! The computer-based theory exam (机考) as the server's candidate and invigilator
//! endpoints run it: opening a room, a candidate's exam as the browser gets it, saving an
//! answer, handing a paper in (scored as `certify score theory` scores a sheet), the
//! rooms as the invigilator's console shows them, the time a stopped server gives back,
//! and the audit copy of the answers. Like [`super::practical::record_entry`], these are
//! functions on the CLI's database types, so the server holds no SQL and no rules of its own.
//!
//! Guarantees:
//! - A paper is handed in once: [`finish`] scores it in the same transaction that marks
//!   the sitting finished, and stores the sheet as an import would (source `机考`), so
//!   `results`, `analyze`, `paper fix-key` and certificates see it like any other sheet.
//! - [`save_answer`] refuses (409) once the sitting is finished or its time is up, and
//!   keeps the answer with the highest sequence number.
//! - What [`candidate_exam`] returns holds only [`exam::ExamItem`]s of the candidate's own
//!   form and the candidate's own answers.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Value, json};

use super::candidates::unscorable_candidate;
use super::score::Key;
use crate::clock;
use crate::db::{
    CandidateRow, ExamRead, NewSheet, NewSitting, OperationsRead, PaperRead, Read, RoomsRead, SessionRead, SessionRow,
    SittingRow, Tx, exam_order,
};
use crate::error::Error;
use crate::exam::{self, ExamItem, FinishedBy, State};
use crate::idcard;
use crate::operations::Part;
use crate::scoring::Question;
use crate::seating::Plan;

/// Where an exam sheet scored from the browser says it came from.
pub const SHEET_SOURCE: &str = "机考";

/// What the server keeps of a paper for its candidates: the questions as sent, and what
/// reading an answer needs (kinds and option counts; keys are read fresh when scoring,
/// so a `paper fix-key` during the exam is honoured).
pub struct ExamPaper {
    pub id: String,
    pub title: String,
    pub form: String,
    pub level: String,
    pub minutes: i64,
    pub items: Vec<ExamItem>,
    pub questions: Vec<Question>,
}

impl ExamPaper {
    pub fn load(db: &impl PaperRead, id: &str) -> Result<ExamPaper, Error> {
        let view = db.paper(id)?.ok_or_else(|| Error::user(format!("试卷 {id} 不存在")))?;
        Ok(ExamPaper {
            items: exam::exam_items(&view),
            questions: Key::of(&view).questions,
            id: view.id,
            title: view.title,
            form: view.form,
            level: view.level,
            minutes: view.minutes,
        })
    }
}

/// One room: its name and its candidates' exam numbers with their seats.
pub struct ExamRoom {
    pub name: String,
    pub seats: Vec<(String, String)>,
}

/// The rooms of `session`: its room plan's, or one room of every candidate.
pub fn rooms(db: &impl Read, session: &str) -> Result<Vec<ExamRoom>, Error> {
    if let Some(text) = db.room_plan(session)?
        && let Ok(plan) = serde_json::from_str::<Plan>(&text)
    {
        return Ok(plan
            .rooms()
            .into_iter()
            .map(|r| ExamRoom {
                name: r.name.to_owned(),
                seats: r.seats.iter().map(|s| (s.exam_no.clone(), s.seat.clone())).collect(),
            })
            .collect());
    }
    let mut exam_nos: Vec<String> = db.candidates(session)?.into_iter().map(|c| c.exam_no).collect();
    exam_nos.sort_by(|a, b| exam_order(a, b));
    Ok(vec![ExamRoom {
        name: exam::WHOLE_SESSION_ROOM.to_owned(),
        seats: exam_nos.into_iter().map(|n| (n, String::new())).collect(),
    }])
}

/// Why `c` may not sit the computer-based exam, if they may not: withdrawn, absent,
/// carried over, misconduct recorded on the theory part, or no paper assigned.
pub fn refusal(db: &impl Read, session: &str, c: &CandidateRow) -> Result<Option<String>, Error> {
    if let Some(why) = unscorable_candidate(db, session, c, Part::Theory)? {
        return Ok(Some(format!("考生 {} 不能参加机考：{}", c.exam_no, why.sentence())));
    }
    if db
        .candidate_marks(session, &c.exam_no)?
        .iter()
        .any(|m| m.part == Part::Theory.code() && m.status == "misconduct")
    {
        return Ok(Some(format!("考生 {} 理论考试已记录违纪，考试已结束", c.exam_no)));
    }
    if c.paper_id.is_none() {
        return Ok(Some(format!("考生 {} 还没有分配试卷，请联系考务人员", c.exam_no)));
    }
    Ok(None)
}

/// Why `c` may not log in to the computer-based exam now, if they may not: a
/// [`refusal`], a paper already handed in, or a theory sheet already on record (scored
/// from paper).
pub fn login_refusal(db: &impl Read, session: &str, c: &CandidateRow) -> Result<Option<String>, Error> {
    if let Some(why) = refusal(db, session, c)? {
        return Ok(Some(why));
    }
    match db.sitting(session, &c.exam_no)? {
        Some(s) if s.finished.is_some() => {
            Ok(Some(format!("考生 {} 已经交卷，考试已结束；如有疑问请举手联系监考员", c.exam_no)))
        }
        Some(_) => Ok(None),
        None if db.has_sheet(session, &c.exam_no)? => {
            Ok(Some(format!("考生 {} 已有理论成绩（答卷已录入），不需要参加机考；如有疑问请联系监考员", c.exam_no)))
        }
        None => Ok(None),
    }
}

/// The room `exam_no` sits in: the room plan's, or the one room of everyone.
pub fn room_of(db: &impl Read, session: &str, exam_no: &str) -> Result<Option<String>, Error> {
    match db.room_plan(session)?.and_then(|text| serde_json::from_str::<Plan>(&text).ok()) {
        Some(plan) => Ok(plan.seat_of(exam_no).map(|s| s.room.clone())),
        None => Ok(Some(exam::WHOLE_SESSION_ROOM.to_owned())),
    }
}

/// Starts the sitting of a candidate who was not started when their room opened (a paper
/// assigned or a candidate added afterwards), with the paper's whole time from `now`.
/// `true` when a sitting was started.
pub fn start_late(tx: &Tx<'_>, session: &str, c: &CandidateRow, now: i64) -> Result<bool, Error> {
    if tx.sitting(session, &c.exam_no)?.is_some() || login_refusal(tx, session, c)?.is_some() {
        return Ok(false);
    }
    let Some(room) = room_of(tx, session, &c.exam_no)? else { return Ok(false) };
    if !tx.opened_rooms(session)?.contains_key(&room) {
        return Ok(false);
    }
    let paper = c.paper_id.as_deref().expect("refusal checked the paper");
    let minutes = tx.paper(paper)?.map_or(0, |p| p.minutes);
    tx.start_sitting(
        session,
        &NewSitting { exam_no: &c.exam_no, paper_id: paper, room: &room, started: now, deadline: now + minutes * 60 },
    )?;
    Ok(true)
}

/// Opens `room` at `now`: every candidate of it who has a paper and may sit starts, with
/// the paper's minutes. `None` when the room had opened already; else how many started.
pub fn open_room(tx: &Tx<'_>, session: &SessionRow, room: &str, by: &str, now: i64) -> Result<Option<usize>, Error> {
    let rooms = rooms(tx, &session.id)?;
    let Some(found) = rooms.iter().find(|r| r.name == room) else {
        let names: Vec<&str> = rooms.iter().map(|r| r.name.as_str()).collect();
        return Err(Error::user(format!("没有考场「{room}」；本批次的考场：{}", names.join("、"))));
    };
    if !tx.open_room(&session.id, room, now, by)? {
        return Ok(None);
    }
    let mut minutes: HashMap<String, i64> = HashMap::new();
    let mut started = 0;
    for (exam_no, _) in &found.seats {
        let Some(c) = tx.candidate(&session.id, exam_no)? else { continue };
        if login_refusal(tx, &session.id, &c)?.is_some() {
            continue;
        }
        let paper = c.paper_id.as_deref().expect("refusal checked the paper");
        let paper_minutes = match minutes.get(paper) {
            Some(&m) => m,
            None => {
                let m = tx.paper(paper)?.map_or(0, |p| p.minutes);
                minutes.insert(paper.to_owned(), m);
                m
            }
        };
        tx.start_sitting(
            &session.id,
            &NewSitting { exam_no, paper_id: paper, room, started: now, deadline: now + paper_minutes * 60 },
        )?;
        started += 1;
    }
    Ok(Some(started))
}

/// A candidate's exam as their browser gets it at `now` (see the API in `docs/exam.md`).
pub fn candidate_exam(
    db: &impl Read,
    session: &SessionRow,
    c: &CandidateRow,
    paper: &ExamPaper,
    now: i64,
) -> Result<Value, Error> {
    let sitting = db.sitting(&session.id, &c.exam_no)?;
    let state = exam::State::of(sitting.is_some(), sitting.as_ref().is_some_and(|s| s.finished.is_some()), true);
    let answering = state == State::Answering;
    let answers = if answering { db.answers(&session.id, &c.exam_no)? } else { BTreeMap::new() };
    let answers: serde_json::Map<String, Value> =
        answers.into_iter().map(|(position, answer)| (position.to_string(), Value::String(answer))).collect();
    Ok(json!({
        "exam_no": c.exam_no,
        "name": c.name,
        "id_masked": idcard::mask(&c.id_number),
        "level": session.level,
        "paper": paper.id,
        "form": paper.form,
        "title": paper.title,
        "minutes": paper.minutes,
        "state": state.code(),
        "remaining_s": sitting.as_ref().map(|s| if s.finished.is_some() { 0 } else { exam::remaining(s.deadline, now) }),
        "warning_s": exam::WARNING_SECONDS,
        "seq": sitting.as_ref().map_or(0, |s| s.seq),
        "submitted_by": sitting.as_ref().and_then(|s| s.finished_by.clone()),
        "items": if answering { json!(paper.items) } else { json!([]) },
        "answers": answers,
        "answered": sitting.as_ref().map_or(0, |s| s.answered),
        "total": paper.items.len(),
    }))
}

/// What saving an answer did.
pub struct Saved {
    /// `false` when a newer answer (higher sequence number) was already stored.
    pub stored: bool,
    pub remaining: i64,
}

/// Saves `answer` (canonical, from [`exam::canonical_answer`]) to question `position` of
/// `sitting`, with the candidate's sequence number `seq`, at `now`. The caller read the
/// sitting with [`running_sitting`] in this same transaction (so it is running); refused
/// here when the candidate may no longer sit (withdrawn, absent, misconduct).
pub fn save_answer(
    tx: &Tx<'_>,
    session: &str,
    sitting: &SittingRow,
    position: usize,
    answer: &str,
    seq: i64,
    now: i64,
) -> Result<Saved, Error> {
    let exam_no = sitting.exam_no.as_str();
    // Withdrawn, marked absent or found guilty of misconduct during the exam: no more answers.
    let c = tx.candidate(session, exam_no)?.ok_or_else(|| Error::user(format!("考生 {exam_no} 不在名单中")))?;
    if let Some(why) = refusal(tx, session, &c)? {
        return Err(Error::User(why));
    }
    let stored = tx.save_answer(session, exam_no, position, answer, seq, now)?;
    Ok(Saved { stored, remaining: exam::remaining(sitting.deadline, now) })
}

/// The sitting of `exam_no` if it is running at `now`; otherwise why not.
pub fn running_sitting(db: &impl Read, session: &str, exam_no: &str, now: i64) -> Result<SittingRow, Error> {
    let sitting = db.sitting(session, exam_no)?.ok_or_else(|| Error::user("考场还没有开考，请等待监考员宣布开考"))?;
    if sitting.finished.is_some() {
        return Err(Error::user("已经交卷，不能再修改答案"));
    }
    if exam::remaining(sitting.deadline, now) == 0 {
        return Err(Error::user("考试时间已到，不能再修改答案；试卷正在自动提交"));
    }
    Ok(sitting)
}

/// Hands in `exam_no`'s paper at `now`: marks the sitting finished and stores the scored
/// sheet, in the caller's transaction (no sheet for a candidate who never logged in, or
/// one who may not be scored, see [`refusal`]). `false` when it was handed in already
/// (nothing written). A sheet stored earlier for the candidate (an imported paper sheet) is
/// replaced and kept in the history, as `score theory --replace` does.
pub fn finish(tx: &Tx<'_>, session: &str, exam_no: &str, by: FinishedBy, now: i64) -> Result<bool, Error> {
    finish_with(tx, session, exam_no, by, now, &mut KeyCache::default())
}

/// Keys of papers already read, each with the [`ExamRead::key_version`] it was read at:
/// handing in 300 papers in the same second must not read the paper 300 times inside the
/// one write lock, and a `paper fix-key` meanwhile is still honoured.
#[derive(Default)]
pub struct KeyCache {
    keys: HashMap<String, (i64, std::sync::Arc<Key>)>,
}

impl KeyCache {
    /// The key of `paper` as it stands in `db` now.
    pub fn get(&mut self, db: &impl Read, paper: &str) -> Result<std::sync::Arc<Key>, Error> {
        let version = db.key_version(paper)?;
        if let Some((read_at, key)) = self.keys.get(paper)
            && *read_at == version
        {
            return Ok(key.clone());
        }
        let view = db.paper(paper)?.ok_or_else(|| Error::user(format!("试卷 {paper} 不存在")))?;
        let key = std::sync::Arc::new(Key::of(&view));
        self.keys.insert(paper.to_owned(), (version, key.clone()));
        Ok(key)
    }
}

/// [`finish`] with keys read before (see [`KeyCache`]).
pub fn finish_with(
    tx: &Tx<'_>,
    session: &str,
    exam_no: &str,
    by: FinishedBy,
    now: i64,
    keys: &mut KeyCache,
) -> Result<bool, Error> {
    let Some(sitting) = tx.sitting(session, exam_no)? else {
        return Err(Error::user(format!("考生 {exam_no} 还没有开始考试（考场未开考），没有可以提交的试卷")));
    };
    if !tx.finish_sitting(session, exam_no, now, by.code())? {
        return Ok(false);
    }
    // No sheet for someone who never logged in (a no-show, to be marked absent), nor for
    // a candidate withdrawn, absent or guilty of misconduct: their answers stay on record
    // in the sitting, out of the results and the item statistics.
    let c = tx.candidate(session, exam_no)?.ok_or_else(|| Error::user(format!("考生 {exam_no} 不在名单中")))?;
    if !tx.ever_logged_in(session, exam_no)? || refusal(tx, session, &c)?.is_some() {
        return Ok(true);
    }
    let key = keys.get(tx, &sitting.paper_id)?;
    let answers = tx.answers(session, exam_no)?;
    let responses = exam::responses(&key.questions, &answers);
    let (mut responses_text, mut scores_text) = (String::new(), String::new());
    let scores = key.score_into(&responses, &mut responses_text, &mut scores_text);
    let replacing = tx.has_sheet(session, exam_no)?;
    tx.insert_sheet(
        &NewSheet {
            session_id: session,
            exam_no,
            paper_id: &sitting.paper_id,
            responses: &responses_text,
            scores: &scores_text,
            total: scores.iter().sum(),
            imported_from: SHEET_SOURCE,
            source_row: 0,
            scored_at: &clock::now_text(),
        },
        replacing,
    )?;
    Ok(true)
}

/// Ends the running sitting of a candidate who may no longer sit (see [`refusal`]):
/// as misconduct when that is recorded, else as handed in for them; no sheet is stored.
/// `true` when a sitting was ended.
pub fn end_refused(tx: &Tx<'_>, session: &str, c: &CandidateRow, now: i64) -> Result<bool, Error> {
    if refusal(tx, session, c)?.is_none() || tx.sitting(session, &c.exam_no)?.is_none_or(|s| s.finished.is_some()) {
        return Ok(false);
    }
    let misconduct = tx
        .candidate_marks(session, &c.exam_no)?
        .iter()
        .any(|m| m.part == Part::Theory.code() && m.status == "misconduct");
    let by = if misconduct { FinishedBy::Misconduct } else { FinishedBy::Invigilator };
    finish(tx, session, &c.exam_no, by, now)
}

/// Gives the time since the server was last known to run back to every running sitting,
/// and notes that it runs now: when the server starts. Returns (seconds, sittings).
pub fn give_back_stopped_time(tx: &Tx<'_>, session: &str, now: i64) -> Result<(i64, usize), Error> {
    let seconds = exam::time_to_give_back(tx.exam_clock(session)?, now);
    let sittings = if seconds > 0 { tx.give_back_time(session, seconds)? } else { 0 };
    tx.set_exam_clock(session, now)?;
    Ok((seconds, sittings))
}

/// The rooms as the invigilator's console shows them at `now`.
pub fn rooms_report(db: &impl Read, session: &str, now: i64) -> Result<Value, Error> {
    let candidates: HashMap<String, CandidateRow> =
        db.candidates(session)?.into_iter().map(|c| (c.exam_no.clone(), c)).collect();
    let sittings: HashMap<String, SittingRow> =
        db.sittings(session)?.into_iter().map(|s| (s.exam_no.clone(), s)).collect();
    let logged_in = db.logged_in(session, now)?;
    let opened = db.opened_rooms(session)?;
    let mut totals: HashMap<String, usize> = HashMap::new();
    let mut rooms_out = Vec::new();
    for room in rooms(db, session)? {
        let mut counts: BTreeMap<&'static str, usize> =
            [State::NotLoggedIn, State::Waiting, State::Answering, State::Submitted].map(|s| (s.code(), 0)).into();
        let mut rows = Vec::new();
        for (exam_no, seat) in &room.seats {
            let Some(c) = candidates.get(exam_no) else { continue };
            let sitting = sittings.get(exam_no);
            let state = State::of(
                sitting.is_some(),
                sitting.is_some_and(|s| s.finished.is_some()),
                logged_in.contains(exam_no),
            );
            *counts.entry(state.code()).or_default() += 1;
            let paper = sitting.map(|s| s.paper_id.clone()).or_else(|| c.paper_id.clone());
            let total = match &paper {
                Some(p) => match totals.get(p) {
                    Some(&n) => n,
                    None => {
                        let n = db.paper(p)?.map_or(0, |v| v.items.len());
                        totals.insert(p.clone(), n);
                        n
                    }
                },
                None => 0,
            };
            let refused = refusal(db, session, c)?;
            rows.push(json!({
                "exam_no": exam_no,
                "name": c.name,
                "seat": seat,
                "paper": paper,
                "state": state.code(),
                "answered": sitting.map_or(0, |s| s.answered),
                "total": total,
                "remaining_s": sitting.filter(|s| s.finished.is_none()).map(|s| exam::remaining(s.deadline, now)),
                "last_contact": sitting.and_then(|s| s.last_contact).map(clock::time_of_day),
                "submitted_by": sitting.and_then(|s| s.finished_by.clone()),
                "extra_minutes": sitting.map_or(0, |s| s.added_seconds / 60),
                "note": refused,
            }));
        }
        rooms_out.push(json!({
            "room": room.name,
            "opened": opened.contains_key(&room.name),
            "opened_at": opened.get(&room.name).copied().map(clock::time_of_day),
            "counts": counts,
            "candidates": rows,
        }));
    }
    Ok(json!({ "now": clock::time_of_day(now), "rooms": rooms_out }))
}

/// Each room with its candidates counted by state, for the chief's board.
pub fn rooms_summary(db: &impl Read, session: &str, now: i64) -> Result<Value, Error> {
    let report = rooms_report(db, session, now)?;
    let rooms: Vec<Value> = report["rooms"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            json!({
                "room": r["room"], "opened": r["opened"], "opened_at": r["opened_at"], "counts": r["counts"],
                "candidates": r["candidates"].as_array().map_or(0, Vec::len),
            })
        })
        .collect();
    Ok(Value::Array(rooms))
}

/// The answers of every sitting of `session` in the responses file format (CSV text, one
/// row per candidate, a column per question, in the order of the form): the audit copy,
/// which `certify score theory` scores to the same totals.
pub fn audit_csv(db: &impl Read, session: &str) -> Result<String, Error> {
    let sittings = db.sittings(session)?;
    let mut questions: HashMap<String, usize> = HashMap::new();
    for s in &sittings {
        if !questions.contains_key(&s.paper_id) {
            questions.insert(s.paper_id.clone(), db.paper(&s.paper_id)?.map_or(0, |p| p.items.len()));
        }
    }
    let widest = questions.values().copied().max().unwrap_or(0);
    let mut out = csv::Writer::from_writer(Vec::new());
    let io = |e: csv::Error| Error::Io(std::io::Error::other(e));
    out.write_record(exam::audit_header(widest)).map_err(io)?;
    for s in &sittings {
        let answers = db.answers(session, &s.exam_no)?;
        out.write_record(exam::audit_row(&s.exam_no, &s.paper_id, widest, &answers)).map_err(io)?;
    }
    let bytes = out.into_inner().map_err(|e| Error::Io(std::io::Error::other(e.to_string())))?;
    Ok(String::from_utf8(bytes).expect("written from strings"))
}
