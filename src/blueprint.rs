//! Blueprints (组卷方案): what a theory paper must contain, read from TOML and checked.
//!
//! Guarantees: a [`Blueprint`] that [`parse`] returns is internally consistent (known
//! level, kinds and domains; positive counts, finite positive points, a finite pass mark, finite shares summing to 100; an
//! overlap between 0 and 1). Every problem is reported at once with the line it is on.
//! The blueprint's hash is over its canonical content, so reformatting the file does
//! not change it. No I/O here.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::problem::{Location, Problems, from_toml, is_amount, line_of, table_lines};
use crate::vocabulary::{Difficulty, Domain, Kind, Level};

/// How a multiple-choice section is scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scoring {
    /// Full points only for exactly the key.
    AllOrNothing,
    /// A non-empty subset of the key earns half the points; any wrong choice earns 0.
    Partial,
}

impl Scoring {
    pub fn label(self) -> &'static str {
        match self {
            Scoring::AllOrNothing => "全部选对得分",
            Scoring::Partial => "少选得一半分，错选不得分",
        }
    }
}

/// One section of the paper: all items of one kind.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Section {
    pub kind: Kind,
    pub count: usize,
    pub points: f64,
    pub scoring: Scoring,
}

/// A checked blueprint.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Blueprint {
    pub name: String,
    pub level: Level,
    pub minutes: u32,
    pub pass_mark: f64,
    pub forms: usize,
    pub max_overlap: f64,
    pub avoid_recent: usize,
    pub sections: Vec<Section>,
    /// Percent of the paper's points per domain (every domain present, zeros included).
    pub domains: BTreeMap<Domain, f64>,
    /// Percent of the paper's items per difficulty band.
    pub difficulty: BTreeMap<Difficulty, f64>,
}

/// The most forms one build may make (form letters A … GR).
pub const MAX_FORMS: usize = 200;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBlueprint {
    name: Option<String>,
    level: String,
    minutes: Option<u32>,
    pass_mark: Option<f64>,
    forms: Option<usize>,
    max_overlap: Option<f64>,
    avoid_recent: Option<usize>,
    #[serde(default)]
    section: Vec<RawSection>,
    #[serde(default)]
    domains: BTreeMap<String, f64>,
    #[serde(default)]
    difficulty: BTreeMap<String, f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSection {
    kind: String,
    count: i64,
    points: f64,
    scoring: Option<String>,
}

/// Parses and checks a blueprint; `file` names it in messages.
pub fn parse(file: &str, text: &str) -> Result<Blueprint, Problems> {
    let mut problems = Problems::default();
    let at = |prefix: &str| Location::new(file, line_of(text, prefix), None);
    let raw: RawBlueprint = from_toml(file, text, "组卷方案")?;

    let level = Level::parse(&raw.level);
    if level.is_none() {
        problems.error(at("level"), format!("不认识的等级「{}」；可写：{}", raw.level, Level::accepted()));
    }
    let forms = raw.forms.unwrap_or(1);
    if forms == 0 || forms > MAX_FORMS {
        problems.error(at("forms"), format!("forms（套数）应在 1 到 {MAX_FORMS} 之间，现在是 {forms}"));
    }
    let max_overlap = raw.max_overlap.unwrap_or(0.10);
    if !(0.0..=1.0).contains(&max_overlap) {
        problems.error(
            at("max_overlap"),
            format!("max_overlap 应在 0 到 1 之间（0.10 表示最多 10% 相同），现在是 {max_overlap}"),
        );
    }
    let pass_mark = raw.pass_mark.unwrap_or(60.0);
    if !is_amount(pass_mark) {
        problems.error(at("pass_mark"), format!("pass_mark（合格分）应是不小于 0 的有限数，现在是 {pass_mark}"));
    }

    let mut sections = Vec::new();
    if raw.section.is_empty() {
        problems.error(
            Location::file(file),
            "没有 [[section]]：至少要有一个题型部分，例如 kind = \"single\"、count = 60、points = 1",
        );
    }
    let mut section_lines = table_lines(text, "section");
    for raw_section in &raw.section {
        let location = Location::new(file, section_lines.next().unwrap_or(0), None);
        let kind = Kind::parse(&raw_section.kind);
        if kind.is_none() {
            problems
                .error(location.clone(), format!("不认识的题型「{}」；可写：{}", raw_section.kind, Kind::accepted()));
        }
        if sections.iter().any(|s: &Section| Some(s.kind) == kind) {
            problems.error(
                location.clone(),
                format!("题型「{}」出现了两次；每种题型只写一个 [[section]]", raw_section.kind),
            );
        }
        if raw_section.count <= 0 {
            problems.error(location.clone(), format!("count（题数）应大于 0，现在是 {}", raw_section.count));
        }
        if !is_amount(raw_section.points) || raw_section.points == 0.0 {
            problems.error(
                location.clone(),
                format!("points（每题分值）应是大于 0 的有限数，现在是 {}", raw_section.points),
            );
        }
        let scoring = match raw_section.scoring.as_deref().map(str::trim) {
            None | Some("all-or-nothing") | Some("全对得分") => Scoring::AllOrNothing,
            Some("partial") | Some("少选得半分") => Scoring::Partial,
            Some(other) => {
                problems
                    .error(location.clone(), format!("不认识的评分规则「{other}」；可写 all-or-nothing 或 partial"));
                Scoring::AllOrNothing
            }
        };
        if scoring == Scoring::Partial && kind != Some(Kind::Multiple) {
            problems.error(location.clone(), "scoring = \"partial\"（少选得半分）只适用于多选题");
        }
        if let Some(kind) = kind {
            sections.push(Section {
                kind,
                count: raw_section.count.max(0) as usize,
                points: raw_section.points,
                scoring,
            });
        }
    }

    let domains = shares(&raw.domains, Domain::parse, Domain::accepted, "领域", "[domains]", &at, &mut problems);
    let difficulty =
        shares(&raw.difficulty, Difficulty::parse, Difficulty::accepted, "难度", "[difficulty]", &at, &mut problems);

    let total: f64 = sections.iter().map(|s| s.count as f64 * s.points).sum();
    if total.is_finite() && total > 0.0 && is_amount(pass_mark) && pass_mark > total {
        problems.error(at("pass_mark"), format!("pass_mark（合格分）应在 0 到总分 {total} 之间，现在是 {pass_mark}"));
    }

    if raw.minutes.is_some_and(|m| !(1..=600).contains(&m)) {
        problems.error(at("minutes"), "minutes（考试时长）应为 1 到 600 分钟");
    }

    if problems.has_errors() {
        return Err(problems);
    }
    Ok(Blueprint {
        name: raw.name.unwrap_or_else(|| format!("{} 理论知识考试", level.expect("checked").label())),
        level: level.expect("checked"),
        minutes: raw.minutes.unwrap_or(90),
        pass_mark,
        forms,
        max_overlap,
        avoid_recent: raw.avoid_recent.unwrap_or(0),
        sections,
        domains,
        difficulty,
    })
}

/// Reads a share table (percent per value), checking keys and that it sums to 100.
fn shares<T: Ord + Copy + 'static>(
    raw: &BTreeMap<String, f64>,
    parse: fn(&str) -> Option<T>,
    accepted: fn() -> String,
    what: &str,
    header: &str,
    at: &dyn Fn(&str) -> Location,
    problems: &mut Problems,
) -> BTreeMap<T, f64> {
    let mut out = BTreeMap::new();
    if raw.is_empty() {
        problems.error(at(header), format!("缺少 {header}：请写出各{what}所占的百分比，合计 100"));
        return out;
    }
    for (key, &percent) in raw {
        match parse(key) {
            Some(value) => {
                if !is_amount(percent) {
                    problems.error(at(key), format!("{what}「{key}」的百分比应是 0 到 100 之间的数，现在是 {percent}"));
                }
                *out.entry(value).or_insert(0.0) += percent;
            }
            None => problems.error(at(key), format!("不认识的{what}「{key}」；可写：{}", accepted())),
        }
    }
    let sum: f64 = raw.values().sum();
    if sum.is_finite() && (sum - 100.0).abs() > 1e-6 {
        problems.error(at(header), format!("{header} 各项合计应为 100，现在是 {}", trim_number(sum)));
    }
    out
}

fn trim_number(x: f64) -> String {
    let text = format!("{x:.4}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

impl Blueprint {
    /// Items per form.
    pub fn item_count(&self) -> usize {
        self.sections.iter().map(|s| s.count).sum()
    }

    /// Points per form.
    pub fn total_points(&self) -> f64 {
        self.sections.iter().map(|s| s.count as f64 * s.points).sum()
    }

    pub fn domain_share(&self, domain: Domain) -> f64 {
        self.domains.get(&domain).copied().unwrap_or(0.0)
    }

    pub fn difficulty_share(&self, band: Difficulty) -> f64 {
        self.difficulty.get(&band).copied().unwrap_or(0.0)
    }

    /// Hash of the canonical content (16 hex digits), stored on every paper built from it.
    pub fn hash(&self) -> String {
        let json = serde_json::to_vec(self).expect("blueprint serializes");
        Sha256::digest(&json).iter().take(8).map(|b| format!("{b:02x}")).collect()
    }
}

/// Splits `total` into integers proportional to `weights`, giving the units left after
/// flooring to the largest remainders (ties to the earlier entry). The parts sum to `total`.
pub fn largest_remainder(total: usize, weights: &[f64]) -> Vec<usize> {
    let sum: f64 = weights.iter().sum();
    if sum <= 0.0 {
        return vec![0; weights.len()];
    }
    let exact: Vec<f64> = weights.iter().map(|w| total as f64 * w / sum).collect();
    let mut parts: Vec<usize> = exact.iter().map(|x| (x + 1e-9).floor() as usize).collect();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| {
        let ra = exact[a] - parts[a] as f64;
        let rb = exact[b] - parts[b] as f64;
        rb.partial_cmp(&ra).unwrap_or(std::cmp::Ordering::Equal).then(a.cmp(&b))
    });
    let mut left = total.saturating_sub(parts.iter().sum());
    for &i in order.iter().cycle().take(weights.len() * 2) {
        if left == 0 {
            break;
        }
        if weights[i] > 0.0 {
            parts[i] += 1;
            left -= 1;
        }
    }
    parts
}

/// Blueprints shared by the tests of several modules.
#[cfg(test)]
pub mod fixtures {
    /// The documented 保育师 四级 example: 90 items, 100 points, two forms.
    pub const FOUR: &str = r#"
name = "保育师 四级 理论知识考试"
level = "四级"
minutes = 90
pass_mark = 60
forms = 2
max_overlap = 0.10

[[section]]
kind = "judge"
count = 20
points = 1.0

[[section]]
kind = "single"
count = 60
points = 1.0

[[section]]
kind = "multiple"
count = 10
points = 2.0
scoring = "partial"

[domains]
ethics = 5
policy = 5
feeding = 20
daily-care = 15
hygiene = 20
safety = 15
development = 15
partnership = 5

[difficulty]
easy = 20
medium = 70
hard = 10
"#;
}

#[cfg(test)]
mod tests {
    use super::fixtures::FOUR;
    use super::*;

    #[test]
    fn the_documented_example_parses() {
        let blueprint = parse("b.toml", FOUR).unwrap();
        assert_eq!(blueprint.level, Level::Grade4);
        assert_eq!(blueprint.item_count(), 90);
        assert_eq!(blueprint.total_points(), 100.0);
        assert_eq!(blueprint.sections[2].scoring, Scoring::Partial);
        assert_eq!(blueprint.domain_share(Domain::Feeding), 20.0);
    }

    #[test]
    fn every_problem_is_reported_with_its_line() {
        let bad = FOUR
            .replace("level = \"四级\"", "level = \"九级\"")
            .replace("hard = 10", "hard = 15")
            .replace("kind = \"judge\"\ncount = 20", "kind = \"judge\"\ncount = 0")
            .replace("partnership = 5", "cooking = 5");
        let problems = parse("b.toml", &bad).unwrap_err();
        let errors: Vec<String> = problems.errors().map(ToString::to_string).collect();
        assert!(errors.iter().any(|e| e.starts_with("b.toml:3:") && e.contains("九级")), "{errors:#?}");
        assert!(errors.iter().any(|e| e.contains("[difficulty] 各项合计应为 100，现在是 105")), "{errors:#?}");
        assert!(errors.iter().any(|e| e.starts_with("b.toml:9:") && e.contains("count")), "{errors:#?}");
        assert!(errors.iter().any(|e| e.contains("cooking")), "{errors:#?}");
    }

    #[test]
    fn unknown_keys_are_refused() {
        let problems = parse("b.toml", &FOUR.replace("minutes = 90", "minuets = 90")).unwrap_err();
        assert!(problems.errors().any(|e| e.message.contains("minuets")));
    }

    #[test]
    fn hash_ignores_formatting() {
        let a = parse("a", FOUR).unwrap();
        let b = parse("b", &FOUR.replace("points = 1.0", "points   =   1")).unwrap();
        assert_eq!(a.hash(), b.hash());
        let c = parse("c", &FOUR.replace("minutes = 90", "minutes = 100")).unwrap();
        assert_ne!(a.hash(), c.hash());
    }

    #[test]
    fn largest_remainder_sums_exactly_and_favours_big_remainders() {
        assert_eq!(largest_remainder(90, &[20.0, 70.0, 10.0]), vec![18, 63, 9]);
        assert_eq!(largest_remainder(10, &[1.0, 1.0, 1.0]), vec![4, 3, 3]);
        assert_eq!(largest_remainder(7, &[50.0, 50.0, 0.0]), vec![4, 3, 0]);
        assert_eq!(largest_remainder(5, &[0.0, 0.0]), vec![0, 0]);
        let parts = largest_remainder(60, &[5.0, 5.0, 20.0, 15.0, 20.0, 15.0, 15.0, 5.0]);
        assert_eq!(parts.iter().sum::<usize>(), 60);
    }
}
