//! Exam operations after registration: the words for parts, marks and appeal decisions,
//! what a change to a candidate affects, who may carry a part into a retake, and why a
//! candidate's part is not scored ([`Unscorable`]).
//!
//! Guarantees: a change made after results exist is never silent: [`affected`] names
//! every result it touches (theory, practical, the certificate, which is then flagged for
//! review, with [`stale_remedy`]). An appeal decision sets a task's score only when it
//! corrects a practical result ([`decided_task`]). Who made a change is always
//! recorded: [`who`] falls back to "未知". No I/O here but reading the user name from the
//! environment it is given.

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
        (Some(number), true) => text.push_str(&format!("：证书已标记为需复核（{}）", stale_remedy(number))),
        (Some(_), false) => text.push_str("：证书内容不受影响"),
        (None, _) => text.push_str("：成绩记录保留不变"),
    }
    Some(text)
}

/// What to do about a certificate whose results changed, naming it.
pub fn stale_remedy(number: &str) -> String {
    format!("certify certificates list --stale；确需更改时 certify certificates reissue {number} --reason 原因")
}

/// The decision on an appeal (复核).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// 维持原成绩: the result stands.
    Upheld,
    /// 更正成绩: the result is replaced.
    Corrected,
}

impl Verdict {
    pub fn parse(text: &str) -> Option<Verdict> {
        match text.trim() {
            "upheld" | "维持" => Some(Verdict::Upheld),
            "corrected" | "更正" => Some(Verdict::Corrected),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Verdict::Upheld => "upheld",
            Verdict::Corrected => "corrected",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Verdict::Upheld => "维持原成绩",
            Verdict::Corrected => "更正成绩",
        }
    }
}

/// An appeal's state as a list shows it: 待复核 while open, else the decision.
pub fn appeal_status(outcome: Option<&str>) -> &'static str {
    outcome.and_then(Verdict::parse).map(Verdict::label).unwrap_or("待复核")
}

/// The task and score a decision sets, from `--task` and `--score`, or why they do not
/// fit: a theory appeal is scored again against the key, never by hand; a practical
/// one sets a task's score only when it corrects the result, and then needs both.
pub fn decided_task(
    part: Part,
    verdict: Verdict,
    task: Option<&str>,
    score: Option<f64>,
) -> Result<Option<(String, f64)>, String> {
    let task = task.map(str::trim).filter(|t| !t.is_empty());
    let given = task.is_some() || score.is_some();
    match (part, verdict, task, score) {
        (Part::Theory, _, _, _) if given => {
            Err("理论复核按试卷现在的标准答案重新评分，不能用 --task / --score 指定分数；请去掉这两项".into())
        }
        (Part::Theory, _, _, _) => Ok(None),
        (Part::Practical, Verdict::Upheld, _, _) if given => {
            Err("维持原成绩（--outcome upheld）不改分数，不需要 --task / --score；请去掉这两项".into())
        }
        (Part::Practical, Verdict::Upheld, _, _) => Ok(None),
        (Part::Practical, Verdict::Corrected, Some(task), Some(score)) => Ok(Some((task.to_owned(), score))),
        (Part::Practical, Verdict::Corrected, _, _) => {
            Err("更正实操成绩需写明 --task 任务编号 和 --score 该任务的新分数（0–100）".into())
        }
    }
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
    /// The part and reason of a misconduct mark there, if any: nothing carries over from it.
    pub misconduct: Option<String>,
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
    if let Some(why) = &last.misconduct {
        return Err(format!(
            "此人在批次 {} 有违纪记录（{why}），该次成绩不能沿用，不能参加补考；请报名正常批次",
            last.session
        ));
    }
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

/// Why a candidate's part is not scored or graded in a session: withdrawn (退考), marked
/// absent (缺考) on that part, or the part carried over from an earlier session (补考).
#[derive(Debug, Clone, PartialEq)]
pub enum Unscorable {
    Withdrawn { reason: String },
    Absent { part: Part, reason: String },
    Carried { part: Part, from_session: String, sat_on: String },
}

impl Unscorable {
    /// The reason a refusal gives, after "考生 X 不能评分：".
    pub fn sentence(&self) -> String {
        match self {
            Unscorable::Withdrawn { reason } => format!("已退考（原因：{reason}）"),
            Unscorable::Absent { part, reason } => {
                format!("{}已标记为缺考（原因：{reason}）；如确已参加考试，请先核对缺考记录", part.label())
            }
            Unscorable::Carried { part, from_session, sat_on } => {
                let label = part.label();
                format!("{label}成绩沿用批次 {from_session}（{sat_on}），补考不再评{label}")
            }
        }
    }

    /// The whole refusal for one candidate's sheet or grade.
    pub fn refusal(&self, exam_no: &str) -> String {
        format!("考生 {exam_no} 不能评分：{}", self.sentence())
    }

    /// A short label for tables: 退考, 缺考, 沿用 S1.
    pub fn label(&self) -> String {
        match self {
            Unscorable::Withdrawn { .. } => "退考".into(),
            Unscorable::Absent { .. } => "缺考".into(),
            Unscorable::Carried { from_session, .. } => format!("沿用 {from_session}"),
        }
    }

    /// `withdrawn`, `absent` or `carried`, for JSON.
    pub fn code(&self) -> &'static str {
        match self {
            Unscorable::Withdrawn { .. } => "withdrawn",
            Unscorable::Absent { .. } => "absent",
            Unscorable::Carried { .. } => "carried",
        }
    }
}

/// "退考 1 人、缺考 2 人、沿用 S1 3 人": how many of each, in that order.
pub fn unscorable_counts<'a>(reasons: impl IntoIterator<Item = &'a Unscorable>) -> String {
    let mut counts: Vec<(String, usize)> = Vec::new();
    let mut sorted: Vec<&Unscorable> = reasons.into_iter().collect();
    sorted.sort_by_key(|u| ["withdrawn", "absent", "carried"].iter().position(|c| *c == u.code()));
    for u in sorted {
        match counts.iter_mut().find(|(label, _)| *label == u.label()) {
            Some((_, n)) => *n += 1,
            None => counts.push((u.label(), 1)),
        }
    }
    counts.iter().map(|(label, n)| format!("{label} {n} 人")).collect::<Vec<_>>().join("、")
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
            misconduct: None,
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
    fn a_decision_sets_a_task_score_only_for_a_practical_correction() {
        use Verdict::*;
        assert!(decided_task(Part::Theory, Upheld, Some("T1"), None).unwrap_err().contains("理论复核"));
        assert!(decided_task(Part::Theory, Corrected, None, Some(80.0)).unwrap_err().contains("--task / --score"));
        assert_eq!(decided_task(Part::Theory, Corrected, None, None), Ok(None));
        assert!(decided_task(Part::Practical, Upheld, None, Some(80.0)).unwrap_err().contains("维持原成绩"));
        assert!(decided_task(Part::Practical, Corrected, Some("T1"), None).unwrap_err().contains("--score"));
        assert!(decided_task(Part::Practical, Corrected, Some(" "), Some(1.0)).unwrap_err().contains("--task"));
        assert_eq!(decided_task(Part::Practical, Corrected, Some(" T1 "), Some(85.0)), Ok(Some(("T1".into(), 85.0))));
        assert_eq!(appeal_status(None), "待复核");
        assert_eq!(appeal_status(Some("corrected")), "更正成绩");
    }

    #[test]
    fn unscorable_reasons_read_as_refusals_and_count_by_label() {
        let withdrawn = Unscorable::Withdrawn { reason: "搬家".into() };
        let absent = Unscorable::Absent { part: Part::Practical, reason: "病假".into() };
        let carried =
            Unscorable::Carried { part: Part::Practical, from_session: "S1".into(), sat_on: "2026-12-05".into() };
        assert_eq!(withdrawn.refusal("E1"), "考生 E1 不能评分：已退考（原因：搬家）");
        assert!(absent.sentence().starts_with("实操已标记为缺考（原因：病假）"));
        assert_eq!(carried.sentence(), "实操成绩沿用批次 S1（2026-12-05），补考不再评实操");
        assert_eq!(carried.label(), "沿用 S1");
        assert_eq!(unscorable_counts([&carried, &absent, &withdrawn, &carried]), "退考 1 人、缺考 1 人、沿用 S1 2 人");
    }

    #[test]
    fn who_falls_back_to_unknown() {
        assert_eq!(who(Some("wang".into()), None), "wang");
        assert_eq!(who(Some(" ".into()), Some("li".into())), "li");
        assert_eq!(who(None, None), "未知");
    }
}
