//! The computer-based theory exam (机考): what a candidate's browser is sent of a paper,
//! how an answer given in the browser is read, how much time is left, what state a
//! candidate is in, and the audit copy of the answers in the responses file format.
//!
//! Guarantees:
//! - [`ExamItem`] is all a candidate's browser ever receives of a question: its position,
//!   kind, stem, options in the printed order of the candidate's own form, and points. No
//!   key, explanation, item id, source or statistics: the type has no field for them.
//! - An answer is read by the same parser as a response file ([`scoring::parse`]) and
//!   kept in the same canonical text, so a sheet scored from the browser's answers is
//!   the sheet `certify score theory` would make of the audit file.
//! - Time is the server's: the deadline is the room's opening plus the paper's minutes,
//!   plus time an invigilator added, plus the time the server was stopped
//!   ([`time_to_give_back`]); nothing the browser sends moves it.
//!
//! No I/O here.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::db::PaperView;
use crate::scoring::{self, Question, Response};
use crate::vocabulary::Kind;

/// Seconds before the end at which the page warns the candidate.
pub const WARNING_SECONDS: i64 = 300;

/// The room name used when a session has no room plan.
pub const WHOLE_SESSION_ROOM: &str = "全部考生";

/// The longest time one invigilator action may add, in minutes.
pub const MAX_ADDED_MINUTES: i64 = 120;

/// One question as a candidate's browser receives it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ExamItem {
    pub position: usize,
    /// `single`, `multiple` or `judge`.
    pub kind: &'static str,
    pub stem: String,
    /// In the printed order of the form: A is the first.
    pub options: Vec<String>,
    pub points: f64,
}

/// The questions of `paper` as its candidates see them.
pub fn exam_items(paper: &PaperView) -> Vec<ExamItem> {
    paper
        .items
        .iter()
        .map(|i| ExamItem {
            position: i.position,
            kind: i.item.item.kind.code(),
            stem: i.item.item.stem.clone(),
            options: i.printed_options().into_iter().map(str::to_owned).collect(),
            points: i.points,
        })
        .collect()
}

/// Why an answer from the browser was not taken.
#[derive(Debug, PartialEq, Eq)]
pub enum AnswerRefusal {
    /// The paper has no question at that position.
    NoSuchQuestion { questions: usize },
    /// Not an answer to that question (a letter beyond its options, a letter on a judge item).
    Unreadable(String),
}

/// The stored form of `text` as the answer to question `position` (1-based) of a paper
/// with these `questions`: canonical letters or 对/错, or "" for a cleared answer.
pub fn canonical_answer(questions: &[Question], position: usize, text: &str) -> Result<String, AnswerRefusal> {
    let question = position
        .checked_sub(1)
        .and_then(|i| questions.get(i))
        .ok_or(AnswerRefusal::NoSuchQuestion { questions: questions.len() })?;
    let response = scoring::parse(text.trim(), question).map_err(|e| AnswerRefusal::Unreadable(e.to_string()))?;
    let mut out = String::new();
    response.write_to(&mut out);
    // On paper two marks on a single-choice question are the candidate's (wrong) answer; a
    // page offers one choice only, so two letters are not an answer it sends.
    if question.kind == Kind::Single && out.chars().count() > 1 {
        return Err(AnswerRefusal::Unreadable("单选题只能选一个选项".into()));
    }
    Ok(out)
}

/// The responses of a sitting, one per question (omitted where no answer is stored),
/// from answers stored by [`canonical_answer`].
pub fn responses(questions: &[Question], answers: &BTreeMap<usize, String>) -> Vec<Response> {
    questions
        .iter()
        .enumerate()
        .map(|(i, q)| answers.get(&(i + 1)).and_then(|text| scoring::parse(text, q).ok()).unwrap_or(Response::Omitted))
        .collect()
}

/// Seconds left before `deadline` at `now`, never below zero.
pub fn remaining(deadline: i64, now: i64) -> i64 {
    (deadline - now).max(0)
}

/// The time to give back to running sittings when the server starts at `now`, having
/// last been known to run at `alive`: all of it, counted from that last sign of life
/// (renewed every few seconds), so a candidate may gain those few seconds, never lose.
pub fn time_to_give_back(alive: Option<i64>, now: i64) -> i64 {
    alive.map_or(0, |alive| (now - alive).max(0))
}

/// Where a candidate stands, for the invigilator's console and the candidate's page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    NotLoggedIn,
    Waiting,
    Answering,
    Submitted,
}

impl State {
    pub fn code(self) -> &'static str {
        match self {
            State::NotLoggedIn => "not_logged_in",
            State::Waiting => "waiting",
            State::Answering => "answering",
            State::Submitted => "submitted",
        }
    }

    /// From what is known of a candidate: whether a sitting started and finished, and
    /// whether a browser is logged in.
    pub fn of(started: bool, finished: bool, logged_in: bool) -> State {
        match (finished, started, logged_in) {
            (true, _, _) => State::Submitted,
            (false, _, false) => State::NotLoggedIn,
            (false, true, true) => State::Answering,
            (false, false, true) => State::Waiting,
        }
    }
}

/// Who handed a paper in, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FinishedBy {
    Candidate,
    Timeout,
    Invigilator,
    Misconduct,
}

impl FinishedBy {
    pub fn code(self) -> &'static str {
        match self {
            FinishedBy::Candidate => "candidate",
            FinishedBy::Timeout => "timeout",
            FinishedBy::Invigilator => "invigilator",
            FinishedBy::Misconduct => "misconduct",
        }
    }

    /// The Chinese words of a stored code.
    pub fn label(code: &str) -> &'static str {
        match code {
            "candidate" => "考生交卷",
            "timeout" => "时间到自动交卷",
            "invigilator" => "监考员收卷",
            "misconduct" => "违纪终止",
            _ => "",
        }
    }
}

/// The header of the audit file: the responses file format of `certify score theory`,
/// one column per question.
pub fn audit_header(questions: usize) -> Vec<String> {
    let mut header = vec!["准考证号".to_owned(), "试卷".to_owned()];
    header.extend((1..=questions).map(|n| n.to_string()));
    header
}

/// One candidate's row of the audit file.
pub fn audit_row(exam_no: &str, paper: &str, questions: usize, answers: &BTreeMap<usize, String>) -> Vec<String> {
    let mut row = vec![exam_no.to_owned(), paper.to_owned()];
    row.extend((1..=questions).map(|n| answers.get(&n).cloned().unwrap_or_default()));
    row
}

/// `seconds` as `m:ss` (or `h:mm:ss`), for the console.
pub fn clock_text(seconds: i64) -> String {
    let seconds = seconds.max(0);
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    if h > 0 { format!("{h}:{m:02}:{s:02}") } else { format!("{m}:{s:02}") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blueprint::Scoring;

    fn questions() -> Vec<Question> {
        vec![
            Question::new(Kind::Single, 4, "B", 1.0, Scoring::AllOrNothing),
            Question::new(Kind::Multiple, 5, "ACD", 2.0, Scoring::AllOrNothing),
            Question::new(Kind::Judge, 0, "对", 1.0, Scoring::AllOrNothing),
        ]
    }

    #[test]
    fn answers_are_read_like_a_response_file_and_stored_canonically() {
        let q = questions();
        assert_eq!(canonical_answer(&q, 1, "b").unwrap(), "B");
        assert_eq!(canonical_answer(&q, 2, "dca").unwrap(), "ACD");
        assert_eq!(canonical_answer(&q, 3, "√").unwrap(), "对");
        assert_eq!(canonical_answer(&q, 2, "").unwrap(), "", "a cleared answer");
        assert_eq!(canonical_answer(&q, 4, "A"), Err(AnswerRefusal::NoSuchQuestion { questions: 3 }));
        assert_eq!(canonical_answer(&q, 0, "A"), Err(AnswerRefusal::NoSuchQuestion { questions: 3 }));
        assert!(matches!(canonical_answer(&q, 1, "E"), Err(AnswerRefusal::Unreadable(_))));
        assert!(matches!(canonical_answer(&q, 1, "A,B"), Err(AnswerRefusal::Unreadable(_))), "one choice on single");
        assert!(matches!(canonical_answer(&q, 3, "A"), Err(AnswerRefusal::Unreadable(_))));
    }

    #[test]
    fn stored_answers_score_as_the_same_sheet_would() {
        let q = questions();
        let answers = BTreeMap::from([(1, "B".to_owned()), (2, "AC".to_owned())]);
        let responses = responses(&q, &answers);
        let scores: Vec<f64> = q.iter().zip(&responses).map(|(q, r)| scoring::score(q, r)).collect();
        assert_eq!(scores, vec![1.0, 0.0, 0.0]);
        assert_eq!(responses[2], Response::Omitted);
    }

    #[test]
    fn time_left_never_goes_below_zero_and_stopped_time_is_given_back_whole() {
        assert_eq!(remaining(1000, 400), 600);
        assert_eq!(remaining(1000, 1200), 0);
        assert_eq!(time_to_give_back(None, 500), 0);
        assert_eq!(time_to_give_back(Some(470), 500), 30);
        assert_eq!(time_to_give_back(Some(510), 500), 0, "a clock set back gives nothing back");
    }

    #[test]
    fn a_candidate_state_follows_login_opening_and_hand_in() {
        assert_eq!(State::of(false, false, false), State::NotLoggedIn);
        assert_eq!(State::of(false, false, true), State::Waiting);
        assert_eq!(State::of(true, false, true), State::Answering);
        assert_eq!(State::of(true, false, false), State::NotLoggedIn, "after a reset, until the new login");
        assert_eq!(State::of(true, true, false), State::Submitted);
    }

    #[test]
    fn the_audit_file_has_one_column_per_question() {
        let answers = BTreeMap::from([(1, "B".to_owned()), (3, "对".to_owned())]);
        assert_eq!(audit_header(3), ["准考证号", "试卷", "1", "2", "3"]);
        assert_eq!(audit_row("001", "P1", 3, &answers), ["001", "P1", "B", "", "对"]);
        assert_eq!(clock_text(3725), "1:02:05");
        assert_eq!(clock_text(65), "1:05");
    }
}
