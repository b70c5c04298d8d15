//! Theory scoring: reading a candidate's answer to one question and scoring it.
//!
//! Guarantees: answers are normalised before anything else (case, order, separators,
//! full-width letters, every spelling of 对/错), so two sheets meaning the same thing
//! score the same and store the same text; an answer that names an option the question
//! does not have is an error (a data-entry problem), while two letters on a single-choice
//! question is simply wrong (a candidate's choice). Scores follow the section's rule:
//! all-or-nothing, or partial (a non-empty subset of the key earns half, any wrong
//! choice earns 0). No I/O here.

use crate::answer::{self, AnswerError};
use crate::blueprint::Scoring;
use crate::vocabulary::Kind;

/// What the scorer needs to know about one question of a paper.
#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    pub kind: Kind,
    /// Number of printed options (0 for judge questions).
    pub options: usize,
    /// Key in printed letters, or 对/错.
    pub key: String,
    /// The key of a choice question as a bit mask (bit 0 = A), parsed once.
    key_mask: u8,
    pub points: f64,
    pub scoring: Scoring,
}

impl Question {
    pub fn new(kind: Kind, options: usize, key: &str, points: f64, scoring: Scoring) -> Question {
        let key_mask = answer::choice_mask(key, options).unwrap_or(0);
        Question { kind, options, key: key.to_owned(), key_mask, points, scoring }
    }

    /// The same question with another key.
    pub fn with_key(&self, key: &str) -> Question {
        Question::new(self.kind, self.options, key, self.points, self.scoring)
    }
}

/// A candidate's answer, normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Response {
    Omitted,
    /// Chosen options as a bit mask (bit 0 = A).
    Choice(u8),
    Judge(bool),
}

impl Response {
    /// Appends the stored form: "" omitted, sorted letters, or 对/错.
    pub fn write_to(&self, out: &mut String) {
        match self {
            Response::Omitted => {}
            Response::Choice(chosen) => out.extend(
                answer::OPTION_LETTERS.iter().enumerate().filter(|(i, _)| chosen & (1 << i) != 0).map(|(_, c)| *c),
            ),
            Response::Judge(value) => out.push_str(answer::judge_label(*value)),
        }
    }

    /// The stored form as a new string.
    pub fn text(&self) -> String {
        let mut out = String::new();
        self.write_to(&mut out);
        out
    }
}

/// Reads one answer to `question`.
pub fn parse(text: &str, question: &Question) -> Result<Response, AnswerError> {
    if text.trim().is_empty() {
        return Ok(Response::Omitted);
    }
    match question.kind {
        Kind::Judge => answer::parse_judge(text).map(Response::Judge),
        Kind::Single | Kind::Multiple => answer::choice_mask(text, question.options).map(Response::Choice),
    }
}

/// Points earned.
pub fn score(question: &Question, response: &Response) -> f64 {
    match (question.kind, response) {
        (_, Response::Omitted) => 0.0,
        (Kind::Judge, Response::Judge(value)) if answer::judge_label(*value) == question.key => question.points,
        (Kind::Judge, Response::Judge(_)) => 0.0,
        (Kind::Single | Kind::Multiple, &Response::Choice(chosen)) => {
            let key = question.key_mask;
            if chosen == key {
                question.points
            } else if question.kind == Kind::Multiple && question.scoring == Scoring::Partial && chosen & !key == 0 {
                // A non-empty proper subset of the key: half the points.
                question.points / 2.0
            } else {
                0.0
            }
        }
        // A judge answer on a choice question or the other way round cannot be parsed
        // into these; score it as wrong rather than panic.
        _ => 0.0,
    }
}

/// Points a stored answer earns against `question` (a key as it is now): how a sheet is
/// scored again when its key is corrected or an appeal asks for it. A stored answer that
/// no longer reads against the question scores as omitted, never as an error: it was
/// checked when the sheet was imported.
pub fn rescore_item(question: &Question, stored: &str) -> f64 {
    score(question, &parse(stored, question).unwrap_or(Response::Omitted))
}

/// Every question's points for a sheet's stored answers.
pub fn rescore(questions: &[Question], stored: &[String]) -> Vec<f64> {
    questions
        .iter()
        .enumerate()
        .map(|(i, q)| rescore_item(q, stored.get(i).map(String::as_str).unwrap_or("")))
        .collect()
}

/// Splits an `answers` cell ("B,AC,,对") into one answer per question. Commas (ASCII or
/// full-width) separate questions; letters of one multiple-choice answer are written
/// together.
pub fn split_answers(cell: &str) -> impl Iterator<Item = &str> {
    cell.split([',', '，']).map(str::trim)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn multiple(scoring: Scoring) -> Question {
        Question::new(Kind::Multiple, 5, "ACD", 2.0, scoring)
    }

    #[test]
    fn all_or_nothing_needs_exactly_the_key() {
        let q = multiple(Scoring::AllOrNothing);
        let s = |text: &str| score(&q, &parse(text, &q).unwrap());
        assert_eq!(s("dca"), 2.0);
        assert_eq!(s("A,C,D"), 2.0);
        assert_eq!(s("AC"), 0.0);
        assert_eq!(s("ACDE"), 0.0);
        assert_eq!(s(""), 0.0);
    }

    #[test]
    fn partial_credit_for_a_subset_of_the_key_and_none_for_a_wrong_choice() {
        let q = multiple(Scoring::Partial);
        let s = |text: &str| score(&q, &parse(text, &q).unwrap());
        assert_eq!(s("ACD"), 2.0);
        assert_eq!(s("AC"), 1.0);
        assert_eq!(s("ｄ"), 1.0);
        assert_eq!(s("ACE"), 0.0);
        assert_eq!(s("B"), 0.0);
        assert_eq!(s(" "), 0.0);
    }

    #[test]
    fn single_choice_with_two_letters_is_wrong_not_an_error() {
        let q = Question::new(Kind::Single, 4, "B", 1.0, Scoring::AllOrNothing);
        assert_eq!(score(&q, &parse("b", &q).unwrap()), 1.0);
        assert_eq!(score(&q, &parse("AB", &q).unwrap()), 0.0);
        assert!(matches!(parse("E", &q), Err(AnswerError::BeyondOptions { .. })));
    }

    #[test]
    fn judge_answers_in_every_spelling() {
        let q = Question::new(Kind::Judge, 0, "错", 1.0, Scoring::AllOrNothing);
        for wrong_answer in ["对", "√", "T", "t", "true", "正确"] {
            assert_eq!(score(&q, &parse(wrong_answer, &q).unwrap()), 0.0, "{wrong_answer}");
        }
        for right_answer in ["错", "×", "F", "f", "false", "错误", "Ｆ"] {
            assert_eq!(score(&q, &parse(right_answer, &q).unwrap()), 1.0, "{right_answer}");
        }
        assert!(parse("A", &q).is_err());
        assert_eq!(parse("×", &q).unwrap().text(), "错");
    }

    #[test]
    fn answers_cells_split_on_commas_only() {
        assert_eq!(split_answers("B,AC,,对，ABD").collect::<Vec<_>>(), vec!["B", "AC", "", "对", "ABD"]);
    }
}
