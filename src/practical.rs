//! The practical exam: the plan a session follows, each candidate's random draw of
//! tasks, turning several examiners' entries into a task score, and how well the
//! examiners agree.
//!
//! Guarantees:
//! - A [`Plan`] asks for an odd number of examiners, at least 3 (the standard's rule),
//!   its draw weights are finite, not negative and sum to 100, and its discrepancy and
//!   pass mark are finite; [`parse_plan`] reports every problem at once.
//! - [`draw`] depends only on the seed, the exam number and the rubrics offered (sorted
//!   by id), never on the order candidates are processed in.
//! - [`outcome`] gives a score only when at least `examiners_min` examiners, an odd
//!   number, have entered the task; a veto marked by a majority scores it 0; totals
//!   further apart than `discrepancy` wait for an arbiter, whose score then stands.
//! - [`icc_2_1`] is Shrout & Fleiss's ICC(2,1), two-way random, absolute agreement.
//!
//! No I/O here.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::problem::{Location, Problems, from_toml, is_amount, line_of, table_lines};
use crate::rng::Rng;

/// How the examiners' totals are combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Aggregate {
    Mean,
    Median,
}

/// One draw rule: `count` tasks of `category`, worth `weight` percent of the practical score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrawRule {
    pub category: String,
    #[serde(default = "one")]
    pub count: usize,
    pub weight: f64,
}

fn one() -> usize {
    1
}

fn three() -> usize {
    3
}

fn ten() -> f64 {
    10.0
}

fn sixty() -> f64 {
    60.0
}

fn mean() -> Aggregate {
    Aggregate::Mean
}

/// A session's practical plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    #[serde(default = "three")]
    pub examiners_min: usize,
    #[serde(default = "ten")]
    pub discrepancy: f64,
    #[serde(default = "mean")]
    pub aggregate: Aggregate,
    #[serde(default = "sixty")]
    pub pass_mark: f64,
    #[serde(default)]
    pub draw: Vec<DrawRule>,
}

/// Parses and checks a plan; `file` names it in messages. Every problem is reported at
/// once, with its line where one can be found.
pub fn parse_plan(file: &str, text: &str) -> Result<Plan, Problems> {
    let mut problems = Problems::default();
    let at = |prefix: &str| Location::new(file, line_of(text, prefix), None);
    let mut plan: Plan = from_toml(file, text, "实操考核方案")?;
    if plan.examiners_min < 3 || plan.examiners_min % 2 == 0 {
        problems
            .error(at("examiners_min"), format!("examiners_min 应为不少于 3 的奇数，现在是 {}", plan.examiners_min));
    }
    if !is_amount(plan.discrepancy) {
        problems.error(
            at("discrepancy"),
            format!("discrepancy（允许的评分差）应是不小于 0 的有限数，现在是 {}", plan.discrepancy),
        );
    }
    if !is_amount(plan.pass_mark) || plan.pass_mark > 100.0 {
        problems.error(at("pass_mark"), format!("pass_mark（合格分）应在 0 到 100 之间，现在是 {}", plan.pass_mark));
    }
    if plan.draw.is_empty() {
        problems.error(Location::file(file), "没有 [[draw]]：请写出抽取哪类任务、几道、占多少权重");
    }
    let mut lines = table_lines(text, "draw");
    for rule in &mut plan.draw {
        let location = Location::new(file, lines.next().unwrap_or(0), None);
        match crate::rubric::category(&rule.category) {
            Some(category) => rule.category = category.to_owned(),
            None => problems.error(
                location.clone(),
                format!("不认识的任务类别「{}」；可写：{}", rule.category, crate::rubric::CATEGORIES.join("、")),
            ),
        }
        if rule.count == 0 {
            problems.error(location.clone(), format!("{} 的 count 应至少为 1", rule.category));
        }
        if !is_amount(rule.weight) {
            problems.error(
                location,
                format!("{} 的 weight（权重）应是不小于 0 的有限数，现在是 {}", rule.category, rule.weight),
            );
        }
    }
    let total: f64 = plan.draw.iter().map(|r| r.weight).sum();
    if !plan.draw.is_empty() && plan.draw.iter().all(|r| is_amount(r.weight)) && (total - 100.0).abs() > 1e-6 {
        problems.error(
            Location::file(file),
            format!("各 [[draw]] 的 weight 合计应为 100，现在是 {}", crate::import::format_number(total)),
        );
    }
    if problems.has_errors() {
        return Err(problems);
    }
    Ok(plan)
}

/// A task a candidate drew, with the share of the practical score it carries.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Drawn {
    pub rubric: String,
    pub category: String,
    /// Percent of the practical score this task carries.
    pub weight: f64,
}

/// Draws tasks for one candidate: per rule, `count` distinct rubrics of the category
/// from `offered` (rubric id, category), which must be sorted by id.
pub fn draw(plan: &Plan, offered: &[(String, String)], seed: u64, exam_no: &str) -> Result<Vec<Drawn>, String> {
    let mut rng = Rng::new(seed, &format!("practical/draw/{exam_no}"));
    let mut out = Vec::new();
    for rule in &plan.draw {
        let mut pool: Vec<&String> = offered.iter().filter(|(_, c)| *c == rule.category).map(|(id, _)| id).collect();
        if pool.len() < rule.count {
            return Err(format!("「{}」类任务只有 {} 个，方案要抽 {} 个", rule.category, pool.len(), rule.count));
        }
        rng.shuffle(&mut pool);
        for id in pool.into_iter().take(rule.count) {
            out.push(Drawn {
                rubric: id.clone(),
                category: rule.category.clone(),
                weight: rule.weight / rule.count as f64,
            });
        }
    }
    Ok(out)
}

/// One examiner's entry for one candidate's task (the latest one that examiner made).
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub examiner: String,
    pub total: f64,
    pub vetoes: Vec<String>,
}

/// Where a candidate's task stands.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    /// Fewer than the minimum examiners have entered it.
    Missing {
        have: usize,
        need: usize,
    },
    /// Enough examiners, but an even number: one more must enter it.
    Even {
        have: usize,
    },
    /// Vetoed by a majority: scored 0.
    Vetoed {
        vetoes: Vec<String>,
        score: f64,
    },
    /// Totals too far apart: waiting for `grade resolve`.
    Arbitration {
        low: f64,
        high: f64,
    },
    Scored {
        score: f64,
    },
    /// An arbiter's score.
    Resolved {
        score: f64,
    },
}

impl Outcome {
    pub fn score(&self) -> Option<f64> {
        match self {
            Outcome::Vetoed { score, .. } | Outcome::Scored { score } | Outcome::Resolved { score } => Some(*score),
            _ => None,
        }
    }

    /// A short Chinese label for tables.
    pub fn label(&self) -> String {
        match self {
            Outcome::Missing { have, need } => format!("待评（{have}/{need}）"),
            Outcome::Even { have } => format!("需再有一位考评员（现 {have} 位）"),
            Outcome::Vetoed { vetoes, .. } => format!("否决（{}）", vetoes.join("、")),
            Outcome::Arbitration { low, high } => {
                format!("待仲裁（{}–{}）", crate::import::format_number(*low), crate::import::format_number(*high))
            }
            Outcome::Scored { .. } => "已评".into(),
            Outcome::Resolved { .. } => "已仲裁".into(),
        }
    }
}

/// Combines the examiners' entries for one task. `resolution` is an arbiter's score.
pub fn outcome(plan: &Plan, entries: &[Entry], resolution: Option<f64>) -> Outcome {
    if let Some(score) = resolution {
        return Outcome::Resolved { score };
    }
    let have = entries.len();
    if have < plan.examiners_min {
        return Outcome::Missing { have, need: plan.examiners_min };
    }
    if have % 2 == 0 {
        return Outcome::Even { have };
    }
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for entry in entries {
        for veto in &entry.vetoes {
            *counts.entry(veto.as_str()).or_default() += 1;
        }
    }
    let majority: Vec<String> = counts.iter().filter(|(_, n)| **n * 2 > have).map(|(v, _)| (*v).to_owned()).collect();
    if !majority.is_empty() {
        return Outcome::Vetoed { vetoes: majority, score: 0.0 };
    }
    let mut totals: Vec<f64> = entries.iter().map(|e| e.total).collect();
    totals.sort_by(f64::total_cmp);
    let (low, high) = (totals[0], totals[totals.len() - 1]);
    if high - low > plan.discrepancy + 1e-9 {
        return Outcome::Arbitration { low, high };
    }
    let score = match plan.aggregate {
        Aggregate::Mean => totals.iter().sum::<f64>() / totals.len() as f64,
        Aggregate::Median => totals[totals.len() / 2],
    };
    // Two decimals, as certificates print scores.
    Outcome::Scored { score: (score * 100.0).round() / 100.0 }
}

/// The practical score from the drawn tasks' outcomes, or `None` while any is open.
pub fn practical_score(tasks: &[(Drawn, Outcome)]) -> Option<f64> {
    let mut total = 0.0;
    for (drawn, outcome) in tasks {
        total += drawn.weight * outcome.score()? / 100.0;
    }
    Some((total * 100.0).round() / 100.0)
}

/// ICC(2,1) of a complete matrix: `ratings[subject][rater]`. `None` when it is not
/// defined (fewer than 2 subjects or raters, or no variance at all).
pub fn icc_2_1(ratings: &[Vec<f64>]) -> Option<f64> {
    let n = ratings.len();
    let k = ratings.first()?.len();
    if n < 2 || k < 2 || ratings.iter().any(|r| r.len() != k) {
        return None;
    }
    let (nf, kf) = (n as f64, k as f64);
    let grand = ratings.iter().flatten().sum::<f64>() / (nf * kf);
    let row_means: Vec<f64> = ratings.iter().map(|r| r.iter().sum::<f64>() / kf).collect();
    let col_means: Vec<f64> = (0..k).map(|j| ratings.iter().map(|r| r[j]).sum::<f64>() / nf).collect();
    let ss_rows = kf * row_means.iter().map(|m| (m - grand).powi(2)).sum::<f64>();
    let ss_cols = nf * col_means.iter().map(|m| (m - grand).powi(2)).sum::<f64>();
    let ss_total: f64 = ratings.iter().flatten().map(|x| (x - grand).powi(2)).sum();
    let ss_error = ss_total - ss_rows - ss_cols;
    let ms_rows = ss_rows / (nf - 1.0);
    let ms_cols = ss_cols / (kf - 1.0);
    let ms_error = ss_error / ((nf - 1.0) * (kf - 1.0));
    let denominator = ms_rows + (kf - 1.0) * ms_error + kf * (ms_cols - ms_error) / nf;
    (denominator.abs() > 1e-12).then(|| (ms_rows - ms_error) / denominator)
}

/// An examiner's severity: the mean of (their total − the panel's mean total) over the
/// tasks they scored. Negative is severe, positive lenient.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Severity {
    pub examiner: String,
    pub severity: f64,
    pub tasks: usize,
    pub flagged: bool,
}

/// Severities of every examiner over `panels` (each: the totals of one candidate's task,
/// by examiner), and the standard deviation of those severities across the session's
/// examiners (the panel). An examiner is flagged when their severity lies beyond 1.5 ×
/// that standard deviation from the panel's mean severity. (With only three examiners no
/// one can be that far out: three are too few to tell who is off.)
pub fn severities(panels: &[Vec<(String, f64)>]) -> (Vec<Severity>, f64) {
    let mut deviations: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for panel in panels.iter().filter(|p| p.len() >= 2) {
        let mean = panel.iter().map(|(_, t)| t).sum::<f64>() / panel.len() as f64;
        for (examiner, total) in panel {
            deviations.entry(examiner.as_str()).or_default().push(total - mean);
        }
    }
    let means: Vec<(&str, f64, usize)> =
        deviations.iter().map(|(e, d)| (*e, d.iter().sum::<f64>() / d.len() as f64, d.len())).collect();
    let k = means.len() as f64;
    let centre = means.iter().map(|(_, m, _)| m).sum::<f64>() / k.max(1.0);
    let sd = if means.len() >= 2 {
        (means.iter().map(|(_, m, _)| (m - centre).powi(2)).sum::<f64>() / (k - 1.0)).sqrt()
    } else {
        0.0
    };
    let list = means
        .into_iter()
        .map(|(examiner, severity, tasks)| Severity {
            examiner: examiner.to_owned(),
            severity: (severity * 100.0).round() / 100.0,
            tasks,
            flagged: sd > 0.0 && (severity - centre).abs() > 1.5 * sd,
        })
        .collect();
    (list, sd)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAN: &str = r#"
examiners_min = 3
discrepancy = 10
aggregate = "mean"
[[draw]]
category = "护理"
count = 1
weight = 50
[[draw]]
category = "学前"
count = 1
weight = 50
"#;

    fn entry(examiner: &str, total: f64, vetoes: &[&str]) -> Entry {
        Entry { examiner: examiner.into(), total, vetoes: vetoes.iter().map(|v| v.to_string()).collect() }
    }

    /// Every error of a plan, one per line.
    fn plan_errors(text: &str) -> String {
        parse_plan("plan.toml", text).unwrap_err().errors().map(|p| format!("{p}\n")).collect()
    }

    #[test]
    fn plans_need_an_odd_number_of_examiners_and_weights_of_100() {
        assert!(parse_plan("plan.toml", PLAN).is_ok());
        assert!(plan_errors(&PLAN.replace("examiners_min = 3", "examiners_min = 4")).contains("奇数"));
        assert!(plan_errors(&PLAN.replace("weight = 50\n[[draw]]", "weight = 40\n[[draw]]")).contains("合计应为 100"));
        assert!(plan_errors(&PLAN.replace("学前", "烹饪")).contains("烹饪"));
    }

    #[test]
    fn every_plan_problem_is_reported_at_once_and_infinities_are_refused() {
        let bad = PLAN
            .replace("examiners_min = 3", "examiners_min = 2")
            .replace("discrepancy = 10", "discrepancy = inf")
            .replace("学前", "烹饪")
            .replace("weight = 50\n[[draw]]", "weight = nan\n[[draw]]");
        let errors = plan_errors(&bad);
        assert_eq!(errors.lines().count(), 4, "{errors}");
        assert!(errors.contains("plan.toml:2: examiners_min"), "{errors}");
        assert!(errors.contains("plan.toml:3: discrepancy") && errors.contains("inf"), "{errors}");
        assert!(errors.contains("plan.toml:5: 护理 的 weight") && errors.contains("NaN"), "{errors}");
        assert!(errors.contains("plan.toml:9: 不认识的任务类别「烹饪」"), "{errors}");
    }

    #[test]
    fn draws_are_seeded_per_candidate_and_never_repeat_a_task() {
        let plan =
            parse_plan("p", &PLAN.replace("count = 1\nweight = 50\n[[draw]]", "count = 2\nweight = 50\n[[draw]]"))
                .unwrap();
        let offered: Vec<(String, String)> = ["C1", "C2", "C3", "E1", "E2"]
            .iter()
            .map(|id| (id.to_string(), if id.starts_with('C') { "护理" } else { "学前" }.to_string()))
            .collect();
        let a = draw(&plan, &offered, 9, "E001").unwrap();
        assert_eq!(a, draw(&plan, &offered, 9, "E001").unwrap());
        assert_eq!(a.len(), 3);
        assert_ne!(a[0].rubric, a[1].rubric);
        assert_eq!(a[0].weight, 25.0);
        let many: std::collections::HashSet<String> =
            (0..50).map(|i| draw(&plan, &offered, 9, &format!("E{i}")).unwrap()[2].rubric.clone()).collect();
        assert_eq!(many.len(), 2, "both 学前 tasks get drawn by someone");
        assert!(draw(&plan, &offered[..1], 9, "E001").is_err());
    }

    #[test]
    fn no_score_below_the_minimum_or_with_an_even_count() {
        let plan = parse_plan("p", PLAN).unwrap();
        assert_eq!(
            outcome(&plan, &[entry("a", 80.0, &[]), entry("b", 82.0, &[])], None),
            Outcome::Missing { have: 2, need: 3 }
        );
        let four = [entry("a", 80.0, &[]), entry("b", 82.0, &[]), entry("c", 81.0, &[]), entry("d", 79.0, &[])];
        assert_eq!(outcome(&plan, &four, None), Outcome::Even { have: 4 });
        assert_eq!(outcome(&plan, &four[..3], None), Outcome::Scored { score: 81.0 });
    }

    #[test]
    fn majority_veto_scores_zero_and_minority_veto_does_not() {
        let plan = parse_plan("p", PLAN).unwrap();
        let majority = [entry("a", 70.0, &["V1"]), entry("b", 72.0, &["V1"]), entry("c", 71.0, &[])];
        assert_eq!(outcome(&plan, &majority, None), Outcome::Vetoed { vetoes: vec!["V1".into()], score: 0.0 });
        let minority = [entry("a", 70.0, &["V1"]), entry("b", 72.0, &[]), entry("c", 71.0, &[])];
        assert_eq!(outcome(&plan, &minority, None), Outcome::Scored { score: 71.0 });
    }

    #[test]
    fn discrepancy_waits_for_arbitration_and_the_arbiter_decides() {
        let plan = parse_plan("p", PLAN).unwrap();
        let apart = [entry("a", 60.0, &[]), entry("b", 75.0, &[]), entry("c", 70.0, &[])];
        assert_eq!(outcome(&plan, &apart, None), Outcome::Arbitration { low: 60.0, high: 75.0 });
        assert_eq!(outcome(&plan, &apart, Some(72.0)), Outcome::Resolved { score: 72.0 });
        let median =
            parse_plan("p", &PLAN.replace("\"mean\"", "\"median\"").replace("discrepancy = 10", "discrepancy = 20"))
                .unwrap();
        assert_eq!(outcome(&median, &apart, None), Outcome::Scored { score: 70.0 });
    }

    #[test]
    fn practical_score_is_the_weighted_sum_once_every_task_is_scored() {
        let drawn = |w| Drawn { rubric: "x".into(), category: "护理".into(), weight: w };
        let done = [
            (drawn(50.0), Outcome::Scored { score: 80.0 }),
            (drawn(50.0), Outcome::Vetoed { vetoes: vec![], score: 0.0 }),
        ];
        assert_eq!(practical_score(&done), Some(40.0));
        let open =
            [(drawn(50.0), Outcome::Scored { score: 80.0 }), (drawn(50.0), Outcome::Missing { have: 1, need: 3 })];
        assert_eq!(practical_score(&open), None);
    }

    /// Shrout & Fleiss (1979), Table 2: six targets rated by four judges; ICC(2,1) = 0.29.
    #[test]
    fn icc_matches_the_shrout_fleiss_worked_example() {
        let ratings = vec![
            vec![9.0, 2.0, 5.0, 8.0],
            vec![6.0, 1.0, 3.0, 2.0],
            vec![8.0, 4.0, 6.0, 8.0],
            vec![7.0, 1.0, 2.0, 6.0],
            vec![10.0, 5.0, 6.0, 9.0],
            vec![6.0, 2.0, 4.0, 7.0],
        ];
        let icc = icc_2_1(&ratings).unwrap();
        assert!((icc - 0.2898).abs() < 0.0005, "{icc}");
        assert_eq!(icc_2_1(&ratings[..1]), None);
    }

    #[test]
    fn a_lenient_examiner_is_flagged() {
        // Ten examiners in rotating panels of three; 丙 scores 12 points above the others.
        let names = ["甲", "乙", "丙", "丁", "戊", "己", "庚", "辛", "壬", "癸"];
        let panels: Vec<Vec<(String, f64)>> = (0..40)
            .map(|i| {
                let base = 60.0 + (i % 7) as f64 * 4.0;
                (0..3)
                    .map(|j| {
                        let name = names[(i + j * 3) % 10];
                        let bias = if name == "丙" { 12.0 } else { ((i * 7 + j) % 5) as f64 - 2.0 };
                        (name.to_owned(), base + bias)
                    })
                    .collect()
            })
            .collect();
        let (list, sd) = severities(&panels);
        assert!(sd > 0.0);
        let flagged: Vec<&str> = list.iter().filter(|s| s.flagged).map(|s| s.examiner.as_str()).collect();
        assert_eq!(flagged, ["丙"]);
        assert!(list.iter().find(|s| s.examiner == "丙").unwrap().severity > 0.0);
        // Three examiners alone can never single one out.
        let three: Vec<Vec<(String, f64)>> = (0..5)
            .map(|i| vec![("a".into(), 50.0 + i as f64), ("b".into(), 51.0 + i as f64), ("c".into(), 70.0)])
            .collect();
        assert!(severities(&three).0.iter().all(|s| !s.flagged));
    }
}
