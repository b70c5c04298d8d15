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
    pub points: f64,
    pub scoring: Scoring,
}

/// A candidate's answer, normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Response {
    Omitted,
    Choice(Vec<usize>),
    Judge(bool),
}

impl Response {
    /// The stored form: "" omitted, sorted letters, or 对/错.
    pub fn text(&self) -> String {
        match self {
            Response::Omitted => String::new(),
            Response::Choice(chosen) => answer::letters(chosen),
            Response::Judge(value) => answer::judge_label(*value).to_owned(),
        }
    }
}

/// Reads one answer to `question`.
pub fn parse(text: &str, question: &Question) -> Result<Response, AnswerError> {
    if text.trim().is_empty() {
        return Ok(Response::Omitted);
    }
    match question.kind {
        Kind::Judge => answer::parse_judge(text).map(Response::Judge),
        Kind::Single | Kind::Multiple => answer::parse_choices(text, question.options).map(Response::Choice),
    }
}

/// Points earned.
pub fn score(question: &Question, response: &Response) -> f64 {
    match (question.kind, response) {
        (_, Response::Omitted) => 0.0,
        (Kind::Judge, Response::Judge(value)) if answer::judge_label(*value) == question.key => question.points,
        (Kind::Judge, Response::Judge(_)) => 0.0,
        (Kind::Single | Kind::Multiple, Response::Choice(chosen)) => {
            let key = answer::parse_choices(&question.key, question.options).unwrap_or_default();
            if *chosen == key {
                question.points
            } else if question.kind == Kind::Multiple
                && question.scoring == Scoring::Partial
                && chosen.iter().all(|c| key.contains(c))
            {
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

/// Splits an `answers` cell ("B,AC,,对") into one answer per question. Commas (ASCII or
/// full-width) separate questions; letters of one multiple-choice answer are written
/// together.
pub fn split_answers(cell: &str) -> Vec<String> {
    cell.split([',', '，']).map(|part| part.trim().to_owned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn multiple(scoring: Scoring) -> Question {
        Question { kind: Kind::Multiple, options: 5, key: "ACD".into(), points: 2.0, scoring }
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
        let q =
            Question { kind: Kind::Single, options: 4, key: "B".into(), points: 1.0, scoring: Scoring::AllOrNothing };
        assert_eq!(score(&q, &parse("b", &q).unwrap()), 1.0);
        assert_eq!(score(&q, &parse("AB", &q).unwrap()), 0.0);
        assert!(matches!(parse("E", &q), Err(AnswerError::BeyondOptions { .. })));
    }

    #[test]
    fn judge_answers_in_every_spelling() {
        let q =
            Question { kind: Kind::Judge, options: 0, key: "错".into(), points: 1.0, scoring: Scoring::AllOrNothing };
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
        assert_eq!(split_answers("B,AC,,对，ABD"), vec!["B", "AC", "", "对", "ABD"]);
    }
}
