//! Resident identity card numbers (居民身份证号码, GB 11643): checking and masking.
//!
//! Guarantees: [`check`] accepts exactly the 18-character numbers whose check character
//! matches (weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, sum mod 11 indexes
//! "10X98765432") and whose birth date is a real date not after `today`; a lower-case
//! `x` is accepted and stored upper-case. [`mask`] is what every output shows unless
//! the user asks for the full number.

use std::fmt;

use jiff::civil::Date;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: &[u8; 11] = b"10X98765432";

/// Why a number is not a valid ID number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdError {
    Length(usize),
    NotDigits,
    CheckCharacter { expected: char, found: char },
    BirthDate(String),
    FutureBirthDate(String),
}

impl fmt::Display for IdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdError::Length(n) => write!(f, "身份证号应为 18 位，现在是 {n} 位"),
            IdError::NotDigits => write!(f, "身份证号前 17 位应全是数字，最后一位是数字或 X"),
            IdError::CheckCharacter { .. } => write!(f, "身份证号校验位不对，可能有数字录错，请与证件核对"),
            IdError::BirthDate(date) => write!(f, "身份证号中的出生日期 {date} 不是真实日期"),
            IdError::FutureBirthDate(date) => write!(f, "身份证号中的出生日期 {date} 晚于今天"),
        }
    }
}

/// The check character for the first 17 digits.
pub fn check_character(first17: &str) -> Option<char> {
    let digits: Vec<u32> = first17.chars().map(|c| c.to_digit(10)).collect::<Option<_>>()?;
    if digits.len() != 17 {
        return None;
    }
    let sum: u32 = digits.iter().zip(WEIGHTS).map(|(d, w)| d * w).sum();
    Some(CHECK[(sum % 11) as usize] as char)
}

/// Checks an ID number; returns it normalised (trimmed, upper-case X, full-width digits
/// and Ｘ as typed by Chinese input methods turned into ASCII).
pub fn check(text: &str, today: Date) -> Result<String, IdError> {
    let id: String = text
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            'Ｘ' | 'ｘ' => 'X',
            _ => c,
        })
        .collect::<String>()
        .to_uppercase();
    let length = id.chars().count();
    if length != 18 {
        return Err(IdError::Length(length));
    }
    // Split by characters, not bytes: anything but ASCII is refused just below.
    let cut = id.char_indices().nth(17).map(|(i, _)| i).unwrap_or(id.len());
    let (first17, last) = id.split_at(cut);
    if !first17.chars().all(|c| c.is_ascii_digit()) || !last.chars().all(|c| c.is_ascii_digit() || c == 'X') {
        return Err(IdError::NotDigits);
    }
    let expected = check_character(first17).ok_or(IdError::NotDigits)?;
    let found = last.chars().next().ok_or(IdError::NotDigits)?;
    if expected != found {
        return Err(IdError::CheckCharacter { expected, found });
    }
    let birth = &id[6..14];
    let shown = format!("{}-{}-{}", &birth[0..4], &birth[4..6], &birth[6..8]);
    let (y, m, d) = (birth[0..4].parse::<i16>(), birth[4..6].parse::<i8>(), birth[6..8].parse::<i8>());
    let date = match (y, m, d) {
        (Ok(y), Ok(m), Ok(d)) => Date::new(y, m, d).map_err(|_| IdError::BirthDate(shown.clone()))?,
        _ => return Err(IdError::BirthDate(shown)),
    };
    if date > today {
        return Err(IdError::FutureBirthDate(shown));
    }
    if date.year() < 1900 {
        return Err(IdError::BirthDate(shown));
    }
    Ok(id)
}

/// `110105199001011234` → `110105********1234`; anything else keeps its first and last
/// characters only.
pub fn mask(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() == 18 {
        format!("{}********{}", chars[..6].iter().collect::<String>(), chars[14..].iter().collect::<String>())
    } else if chars.len() > 2 {
        format!("{}{}{}", chars[0], "*".repeat(chars.len() - 2), chars[chars.len() - 1])
    } else {
        "*".repeat(chars.len())
    }
}

/// Shows `id` masked unless `full`.
pub fn display(id: &str, full: bool) -> String {
    if full { id.to_owned() } else { mask(id) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_digits_are_read_and_other_characters_refused_without_a_panic() {
        let today = Date::new(2026, 12, 3).unwrap();
        assert_eq!(
            check("９９０１０２１９８６０４０７０７１７", today).map_err(|e| e.to_string()),
            check("990102198604070717", today).map_err(|e| e.to_string())
        );
        assert!(matches!(check("99010219860407071中", today), Err(IdError::NotDigits)));
        assert!(matches!(check("中99010219860407071", today), Err(IdError::NotDigits)));
    }

    fn today() -> Date {
        Date::new(2026, 11, 23).unwrap()
    }

    #[test]
    fn the_standard_example_number_is_valid() {
        // The worked example of GB 11643: 11010519491231002X.
        assert_eq!(check("11010519491231002x", today()), Ok("11010519491231002X".to_owned()));
        assert_eq!(check_character("11010519491231002"), Some('X'));
    }

    #[test]
    fn wrong_check_character_length_and_letters_are_refused() {
        assert!(matches!(check("110105194912310021", today()), Err(IdError::CheckCharacter { .. })));
        assert_eq!(check("1101051949123100", today()), Err(IdError::Length(16)));
        assert_eq!(check("11010519491231A02X", today()), Err(IdError::NotDigits));
    }

    #[test]
    fn birth_dates_must_be_real_and_past() {
        let with_date = |date: &str| {
            let first17 = format!("110105{date}123");
            format!("{first17}{}", check_character(&first17).unwrap())
        };
        assert!(check(&with_date("20000229"), today()).is_ok());
        assert!(matches!(check(&with_date("19990229"), today()), Err(IdError::BirthDate(_))));
        assert!(matches!(check(&with_date("20261301"), today()), Err(IdError::BirthDate(_))));
        assert!(matches!(check(&with_date("20261124"), today()), Err(IdError::FutureBirthDate(_))));
    }

    #[test]
    fn masking_hides_the_birth_date_and_sequence() {
        assert_eq!(mask("11010519491231002X"), "110105********002X");
        assert_eq!(display("11010519491231002X", true), "11010519491231002X");
        assert_eq!(mask("123"), "1*3");
    }
}
