//! Exam operations after registration: the words for parts and marks, and what a change
//! to a candidate affects.
//!
//! Guarantees: a change made after results exist is never silent: [`affected`] names
//! every result it touches (theory, practical, the certificate, which is then flagged for
//! review). Who made a change is always recorded: [`who`] falls back to "未知". No I/O
//! here but reading the user name from the environment it is given.

/// One half of the exam.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Theory,
    Practical,
}

impl Part {
    pub fn parse(text: &str) -> Option<Part> {
        match text.trim() {
            "theory" | "理论" => Some(Part::Theory),
            "practical" | "实操" => Some(Part::Practical),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Part::Theory => "theory",
            Part::Practical => "practical",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Part::Theory => "理论",
            Part::Practical => "实操",
        }
    }
}

/// The label of a stored part code.
pub fn part_label(code: &str) -> &'static str {
    Part::parse(code).map(Part::label).unwrap_or("")
}

/// The label of a stored mark status: 缺考 or 违纪.
pub fn mark_label(status: &str) -> &'static str {
    match status {
        "misconduct" => "违纪",
        _ => "缺考",
    }
}

/// Who is making a change: the OS user name as given (`$USER`, or `%USERNAME%` on
/// Windows), else "未知".
pub fn who(user: Option<String>, username: Option<String>) -> String {
    [user, username]
        .into_iter()
        .flatten()
        .map(|u| u.trim().to_owned())
        .find(|u| !u.is_empty())
        .unwrap_or_else(|| "未知".into())
}

/// What a candidate already has that a change touches.
#[derive(Debug, Default, Clone)]
pub struct Held {
    pub theory: bool,
    pub practical: bool,
    pub certificate: Option<String>,
}

/// "该考生已有理论成绩和证书 X：证书已标记为需复核", or `None` when nothing is affected.
pub fn affected(held: &Held, stale: bool) -> Option<String> {
    let mut what = Vec::new();
    match (held.theory, held.practical) {
        (true, true) => what.push("理论、实操成绩".to_owned()),
        (true, false) => what.push("理论成绩".to_owned()),
        (false, true) => what.push("实操成绩".to_owned()),
        (false, false) => {}
    }
    if let Some(number) = &held.certificate {
        what.push(format!("证书 {number}"));
    }
    if what.is_empty() {
        return None;
    }
    let mut text = format!("该考生已有{}", what.join("和"));
    match (&held.certificate, stale) {
        (Some(number), true) => text.push_str(&format!(
            "：证书已标记为需复核（certify certificates list --stale；确需更改时 certify certificates reissue {number} --reason 原因）"
        )),
        (Some(_), false) => text.push_str("：证书内容不受影响"),
        (None, _) => text.push_str("：成绩记录保留不变"),
    }
    Some(text)
}

/// A person's sitting in a session a retake session retakes.
#[derive(Debug, Clone)]
pub struct Sitting {
    pub session: String,
    pub exam_no: String,
    pub date: jiff::civil::Date,
    /// Each part's score if it was sat and passed.
    pub theory_passed: Option<f64>,
    pub practical_passed: Option<f64>,
}

/// Which passed part a retake candidate carries over from which sitting (their latest),
/// or why they may not sit the retake.
pub fn retake_carry(
    sittings: &[Sitting],
    retakes: &[String],
    retake_date: jiff::civil::Date,
    months: u32,
) -> Result<(Part, f64, Sitting), String> {
    let Some(last) = sittings.iter().max_by_key(|s| s.date) else {
        return Err(format!("此人没有参加过批次 {} 的考试，不能参加补考", retakes.join("、")));
    };
    let (part, score) = match (last.theory_passed, last.practical_passed) {
        (Some(_), Some(_)) => return Err(format!("此人已在批次 {} 两部分均合格，不需要补考", last.session)),
        (None, None) => {
            return Err(format!("此人在批次 {} 两部分均未合格，没有可保留的部分，请报名正常批次", last.session));
        }
        (Some(score), None) => (Part::Theory, score),
        (None, Some(score)) => (Part::Practical, score),
    };
    let expires = last.date.checked_add(jiff::Span::new().months(months as i64)).unwrap_or(last.date);
    if retake_date > expires {
        return Err(format!(
            "此人在批次 {}（{}）合格的{}已超过 {months} 个月保留期（至 {expires}），不能沿用，请报名正常批次",
            last.session,
            last.date,
            part.label()
        ));
    }
    Ok((part, score, last.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retakes_carry_the_passed_part_within_the_window() {
        let date = |s: &str| s.parse::<jiff::civil::Date>().unwrap();
        let sitting = |t, p| Sitting {
            session: "S1".into(),
            exam_no: "E1".into(),
            date: date("2026-01-10"),
            theory_passed: t,
            practical_passed: p,
        };
        let retakes = ["S1".to_owned()];
        let (part, score, _) = retake_carry(&[sitting(Some(80.0), None)], &retakes, date("2027-01-10"), 12).unwrap();
        assert_eq!((part, score), (Part::Theory, 80.0));
        assert!(
            retake_carry(&[sitting(Some(80.0), None)], &retakes, date("2027-01-11"), 12)
                .unwrap_err()
                .contains("保留期")
        );
        assert!(
            retake_carry(&[sitting(Some(80.0), Some(70.0))], &retakes, date("2026-03-01"), 12)
                .unwrap_err()
                .contains("两部分均合格")
        );
        assert!(retake_carry(&[], &retakes, date("2026-03-01"), 12).unwrap_err().contains("没有参加过批次 S1"));
    }

    #[test]
    fn affected_names_every_result() {
        assert_eq!(affected(&Held::default(), false), None);
        let held = Held { theory: true, practical: false, certificate: Some("X1".into()) };
        assert!(affected(&held, true).unwrap().starts_with("该考生已有理论成绩和证书 X1：证书已标记为需复核"));
        let held = Held { theory: true, practical: true, certificate: None };
        assert_eq!(affected(&held, false).unwrap(), "该考生已有理论、实操成绩：成绩记录保留不变");
    }

    #[test]
    fn who_falls_back_to_unknown() {
        assert_eq!(who(Some("wang".into()), None), "wang");
        assert_eq!(who(Some(" ".into()), Some("li".into())), "li");
        assert_eq!(who(None, None), "未知");
    }
}
