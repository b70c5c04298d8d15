//! Answers as people write them: choice letters in any order, case, width or
//! separator (`abd`, `A,B,D`, `ＡＢＤ`, `A、B`), and judge answers in every common
//! spelling (`对`/`错`, `T`/`F`, `√`/`×`, `true`/`false`).
//!
//! Guarantees: a parsed choice answer is a sorted set of distinct option indexes; the
//! canonical text of an answer (`"ABD"`, `"对"`) is the same however it was written,
//! so item versions and scoring never depend on spelling.

use std::fmt;

/// The letters options are printed with; at most six options per item.
pub const OPTION_LETTERS: [char; 6] = ['A', 'B', 'C', 'D', 'E', 'F'];

/// Why an answer could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnswerError {
    Empty,
    NotALetter(char),
    BeyondOptions { letter: char, options: usize },
    NotJudge(String),
}

impl fmt::Display for AnswerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AnswerError::Empty => write!(f, "答案是空的"),
            AnswerError::NotALetter(c) => write!(f, "答案里的「{c}」不是选项字母（应为 A–F）"),
            AnswerError::BeyondOptions { letter, options } => {
                write!(f, "答案字母 {letter} 超出选项范围：只有 {options} 个选项（A–{}）", OPTION_LETTERS[options - 1])
            }
            AnswerError::NotJudge(text) => {
                write!(f, "判断题的答案应为「对」或「错」（也可写 √/×、T/F），不是「{text}」")
            }
        }
    }
}

/// Parses choice letters into a bit mask (bit 0 = A). `options` is how many options
/// the item has; letters beyond it are errors. Allocation-free: scoring calls this
/// once per answer on every sheet.
pub fn choice_mask(text: &str, options: usize) -> Result<u8, AnswerError> {
    let mut mask = 0u8;
    for c in text.chars() {
        if c.is_whitespace() || matches!(c, ',' | '，' | '、' | ';' | '；' | '/' | '|' | '+') {
            continue;
        }
        let c = to_half_width(c).to_ascii_uppercase();
        let Some(index) = OPTION_LETTERS.iter().position(|&letter| letter == c) else {
            return Err(AnswerError::NotALetter(c));
        };
        if index >= options {
            return Err(AnswerError::BeyondOptions { letter: c, options });
        }
        mask |= 1 << index;
    }
    if mask == 0 {
        return Err(AnswerError::Empty);
    }
    Ok(mask)
}

/// Parses choice letters into sorted, distinct option indexes (0 = A).
pub fn parse_choices(text: &str, options: usize) -> Result<Vec<usize>, AnswerError> {
    choice_mask(text, options).map(indexes)
}

/// The option indexes set in a mask, ascending.
pub fn indexes(mask: u8) -> Vec<usize> {
    (0..OPTION_LETTERS.len()).filter(|i| mask & (1 << i) != 0).collect()
}

/// Option indexes back to letters: `[0, 1, 3]` → `"ABD"`.
pub fn letters(indexes: &[usize]) -> String {
    indexes.iter().map(|&i| OPTION_LETTERS[i]).collect()
}

/// Parses a judge answer: `true` for a true statement (对).
pub fn parse_judge(text: &str) -> Result<bool, AnswerError> {
    let normalized: String = text.trim().chars().map(to_half_width).collect::<String>().to_lowercase();
    match normalized.as_str() {
        "" => Err(AnswerError::Empty),
        "对" | "正确" | "√" | "✓" | "✔" | "t" | "true" | "是" | "y" | "yes" => Ok(true),
        "错" | "错误" | "×" | "✗" | "✘" | "x" | "f" | "false" | "否" | "n" | "no" => Ok(false),
        _ => Err(AnswerError::NotJudge(text.trim().to_owned())),
    }
}

/// The label a judge answer is stored and printed with.
pub fn judge_label(value: bool) -> &'static str {
    if value { "对" } else { "错" }
}

/// Full-width ASCII (Ａ, ，) to half-width, as Chinese input methods often type it.
fn to_half_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choice_letters_in_any_spelling_give_the_same_set() {
        for text in ["ABD", "dba", "A,B,D", "A、B、D", "ＡＢＤ", " a b d ", "ABDD"] {
            assert_eq!(parse_choices(text, 4), Ok(vec![0, 1, 3]), "{text}");
        }
        assert_eq!(letters(&[0, 1, 3]), "ABD");
    }

    #[test]
    fn letters_beyond_the_options_are_refused() {
        assert_eq!(parse_choices("E", 4), Err(AnswerError::BeyondOptions { letter: 'E', options: 4 }));
        assert_eq!(parse_choices("G", 6), Err(AnswerError::NotALetter('G')));
        assert_eq!(parse_choices(" ", 4), Err(AnswerError::Empty));
        assert!(parse_choices("E", 4).unwrap_err().to_string().contains("A–D"));
    }

    #[test]
    fn judge_answers_in_every_spelling() {
        for yes in ["对", "√", "T", "true", "正确", "ｔ"] {
            assert_eq!(parse_judge(yes), Ok(true), "{yes}");
        }
        for no in ["错", "×", "F", "False", "错误"] {
            assert_eq!(parse_judge(no), Ok(false), "{no}");
        }
        assert!(matches!(parse_judge("A"), Err(AnswerError::NotJudge(_))));
    }
}
