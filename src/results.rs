//! The pass decision: both halves of the exam must reach their pass marks.
//!
//! Guarantees: a candidate passes only with a theory sheet at or above the paper's pass
//! mark and a complete practical score at or above the plan's, not withdrawn and with
//! no mark on either part; otherwise the reason is the first of 退考, 违纪 (with the part
//! and the reason recorded), 缺考 (marked, with part and reason, or no theory sheet),
//! 实操待仲裁, 实操未评完, then which half failed. No I/O here.

use serde::Serialize;

/// Where a candidate's practical stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Practical {
    /// Every task scored: the weighted score and the plan's pass mark.
    Done { score: f64, pass_mark: f64 },
    /// Some task waits for an arbiter.
    Arbitration,
    /// Some task lacks examiners' entries (or there is no plan or draw yet).
    Open,
}

/// Pass or not, and why not.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    pub passed: bool,
    pub reason: Option<String>,
}

/// A recorded mark on one part: its label (理论 / 实操), misconduct or absence, why.
pub struct Mark<'a> {
    pub part: &'a str,
    pub misconduct: bool,
    pub reason: &'a str,
}

/// Decides as [`decide`] does, after withdrawal (with its reason) and marks, which
/// decide on their own: misconduct first, then absence.
pub fn decide_marked(
    withdrawn: Option<&str>,
    marks: &[Mark<'_>],
    theory: Option<(f64, f64)>,
    practical: &Practical,
) -> Decision {
    let fail = |reason: String| Decision { passed: false, reason: Some(reason) };
    if let Some(why) = withdrawn {
        return fail(if why.is_empty() { "退考".to_owned() } else { format!("退考：{why}") });
    }
    for misconduct in [true, false] {
        if let Some(m) = marks.iter().find(|m| m.misconduct == misconduct) {
            let what = if misconduct { "违纪" } else { "缺考" };
            return fail(format!("{what}（{}）：{}", m.part, m.reason));
        }
    }
    decide(theory, practical)
}

/// Decides from the theory result (total, pass mark) and the practical state.
pub fn decide(theory: Option<(f64, f64)>, practical: &Practical) -> Decision {
    let fail = |reason: &str| Decision { passed: false, reason: Some(reason.to_owned()) };
    let Some((total, theory_mark)) = theory else { return fail("缺考") };
    let (score, practical_mark) = match practical {
        Practical::Arbitration => return fail("实操待仲裁"),
        Practical::Open => return fail("实操未评完"),
        Practical::Done { score, pass_mark } => (*score, *pass_mark),
    };
    // Scores are stored to two decimals; compare with a hair of tolerance.
    let theory_ok = total + 1e-9 >= theory_mark;
    let practical_ok = score + 1e-9 >= practical_mark;
    match (theory_ok, practical_ok) {
        (true, true) => Decision { passed: true, reason: None },
        (false, true) => fail("理论不合格"),
        (true, false) => fail("实操不合格"),
        (false, false) => fail("理论、实操均不合格"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_in_its_place() {
        let done = |score| Practical::Done { score, pass_mark: 60.0 };
        assert_eq!(decide(Some((60.0, 60.0)), &done(60.0)), Decision { passed: true, reason: None });
        assert_eq!(decide(None, &done(90.0)).reason.as_deref(), Some("缺考"));
        assert_eq!(decide(Some((90.0, 60.0)), &Practical::Arbitration).reason.as_deref(), Some("实操待仲裁"));
        assert_eq!(decide(Some((90.0, 60.0)), &Practical::Open).reason.as_deref(), Some("实操未评完"));
        assert_eq!(decide(Some((59.5, 60.0)), &done(80.0)).reason.as_deref(), Some("理论不合格"));
        assert_eq!(decide(Some((80.0, 60.0)), &done(59.99)).reason.as_deref(), Some("实操不合格"));
        assert_eq!(decide(Some((10.0, 60.0)), &done(10.0)).reason.as_deref(), Some("理论、实操均不合格"));
        let absent = Mark { part: "实操", misconduct: false, reason: "病假" };
        let cheat = Mark { part: "理论", misconduct: true, reason: "携带手机" };
        let passing = Some((90.0, 60.0));
        assert_eq!(decide_marked(Some("搬家"), &[], passing, &done(90.0)).reason.as_deref(), Some("退考：搬家"));
        let both = [absent, cheat];
        assert_eq!(decide_marked(None, &both, passing, &done(90.0)).reason.as_deref(), Some("违纪（理论）：携带手机"));
        assert_eq!(decide_marked(None, &both[..1], passing, &done(90.0)).reason.as_deref(), Some("缺考（实操）：病假"));
        assert!(decide_marked(None, &[], passing, &done(90.0)).passed);
    }
}
