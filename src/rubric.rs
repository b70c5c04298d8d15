//! Practical-exam rubrics (实操评分表): tasks with sections of scored steps, each with a
//! deduction rule, and vetoes (否决项) that score the whole task 0.
//!
//! Guarantees: a [`Rubric`] that [`parse`] returns has step points (positive, in half
//! points) summing to exactly 100, unique one-line step and veto ids, a known category and known
//! levels; every problem is reported at once with its line. A rubric's version is a hash
//! of its content, so a grade entered against a version stays tied to that exact sheet.
//! No I/O here.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use toml::Spanned;

use crate::problem::{Location, Problems, from_toml};
use crate::vocabulary::Level;

/// The task categories a practical plan draws from.
pub const CATEGORIES: [&str; 2] = ["护理", "学前"];

/// The category a label names, accepting the usual longer names.
pub fn category(text: &str) -> Option<&'static str> {
    match text.trim() {
        "护理" | "生活照料与护理" | "照护" | "care" => Some("护理"),
        "学前" | "早期发展" | "早期教育" | "学前教育" | "早期学习" | "education" => Some("学前"),
        _ => None,
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub id: String,
    pub text: String,
    pub points: f64,
    pub rule: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Section {
    pub name: String,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Veto {
    pub id: String,
    pub text: String,
}

/// A checked rubric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rubric {
    pub id: String,
    pub title: String,
    pub category: String,
    pub levels: Vec<Level>,
    pub minutes: u32,
    #[serde(default)]
    pub scenario: String,
    pub sections: Vec<Section>,
    pub vetoes: Vec<Veto>,
}

impl Rubric {
    /// 16 hex digits of SHA-256 over the canonical JSON.
    pub fn version(&self) -> String {
        let json = serde_json::to_vec(self).expect("rubric serializes");
        Sha256::digest(&json).iter().take(8).map(|b| format!("{b:02x}")).collect()
    }

    pub fn steps(&self) -> impl Iterator<Item = &Step> {
        self.sections.iter().flat_map(|s| s.steps.iter())
    }

    pub fn step(&self, id: &str) -> Option<&Step> {
        self.steps().find(|s| s.id == id.trim())
    }

    pub fn veto(&self, id: &str) -> Option<&Veto> {
        self.vetoes.iter().find(|v| v.id.eq_ignore_ascii_case(id.trim()))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRubric {
    id: String,
    title: String,
    category: String,
    levels: Vec<String>,
    minutes: Option<u32>,
    scenario: Option<String>,
    #[serde(default)]
    section: Vec<Spanned<RawSection>>,
    #[serde(default)]
    veto: Vec<Spanned<RawVeto>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSection {
    name: String,
    #[serde(default)]
    step: Vec<Spanned<RawStep>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    id: String,
    text: String,
    points: f64,
    rule: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVeto {
    id: String,
    text: String,
}

/// Parses and checks one rubric file; `file` names it in messages.
pub fn parse(file: &str, text: &str) -> Result<Rubric, Problems> {
    let mut problems = Problems::default();
    let line = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
    let raw: RawRubric = from_toml(file, text, "评分表")?;
    let top = Location::file(file);
    if raw.id.trim().is_empty() || raw.id.chars().any(char::is_whitespace) {
        problems.error(top.clone(), "id 不能为空，也不能含空格，例如 CARE-FEED-01");
    }
    let category = category(&raw.category);
    if category.is_none() {
        problems.error(top.clone(), format!("不认识的类别「{}」；可写：{}", raw.category, CATEGORIES.join("、")));
    }
    let mut levels = Vec::new();
    for level in &raw.levels {
        match Level::parse(level) {
            Some(l) => levels.push(l),
            None => problems.error(top.clone(), format!("不认识的等级「{level}」；可写：{}", Level::accepted())),
        }
    }
    if levels.is_empty() {
        problems.error(top.clone(), "levels 至少要写一个等级");
    }
    levels.sort_unstable();
    levels.dedup();

    let mut sections = Vec::new();
    let mut step_ids = std::collections::HashSet::new();
    let mut total = 0.0;
    for section in raw.section {
        let section_line = line(section.span().start);
        let section = section.into_inner();
        if section.step.is_empty() {
            problems.error(Location::new(file, section_line, None), format!("「{}」部分没有步骤", section.name));
        }
        let mut steps = Vec::new();
        for step in section.step {
            let at = Location::new(file, line(step.span().start), None);
            let step = step.into_inner();
            if let Some(what) = crate::import::line_break(step.id.trim()) {
                problems.error(at.clone(), crate::import::line_break_message("步骤编号", what));
            }
            if !step_ids.insert(step.id.trim().to_owned()) {
                problems.error(at.clone(), format!("步骤编号 {} 重复", step.id));
            }
            if step.points.is_nan() || step.points <= 0.0 || (step.points * 2.0).fract() != 0.0 {
                problems
                    .error(at.clone(), format!("步骤 {} 的分值应为正数，整分或半分，现在是 {}", step.id, step.points));
            }
            let rule = step.rule.unwrap_or_default();
            if rule.trim().is_empty() {
                problems.error(at.clone(), format!("步骤 {} 缺少扣分规则（rule），例如「少一项扣1分」", step.id));
            }
            total += step.points;
            steps.push(Step {
                id: step.id.trim().to_owned(),
                text: step.text.trim().to_owned(),
                points: step.points,
                rule,
            });
        }
        sections.push(Section { name: section.name.trim().to_owned(), steps });
    }
    if sections.is_empty() {
        problems.error(top.clone(), "没有 [[section]]：评分表至少要有一个部分和若干步骤");
    } else if (total - 100.0).abs() > 1e-9 {
        problems.error(top.clone(), format!("各步骤分值合计应为 100，现在是 {}", crate::import::format_number(total)));
    }
    let mut vetoes = Vec::new();
    let mut veto_ids = std::collections::HashSet::new();
    for veto in raw.veto {
        let at = Location::new(file, line(veto.span().start), None);
        let veto = veto.into_inner();
        if let Some(what) = crate::import::line_break(veto.id.trim()) {
            problems.error(at.clone(), crate::import::line_break_message("否决项编号", what));
        }
        if !veto_ids.insert(veto.id.trim().to_uppercase()) {
            problems.error(at.clone(), format!("否决项编号 {} 重复", veto.id));
        }
        if step_ids.contains(veto.id.trim()) {
            problems.error(at, format!("否决项编号 {} 与步骤编号相同，请换一个（如 V1）", veto.id));
        }
        vetoes.push(Veto { id: veto.id.trim().to_owned(), text: veto.text.trim().to_owned() });
    }
    if problems.has_errors() {
        return Err(problems);
    }
    Ok(Rubric {
        id: raw.id.trim().to_owned(),
        title: raw.title.trim().to_owned(),
        category: category.expect("checked").to_owned(),
        levels,
        minutes: raw.minutes.unwrap_or(10),
        scenario: raw.scenario.unwrap_or_default().trim().to_owned(),
        sections,
        vetoes,
    })
}

#[cfg(test)]
pub mod fixtures {
    /// A small valid rubric: three steps summing to 100 and two vetoes.
    pub const FEED: &str = r#"
id = "T-FEED"
title = "配方奶喂养"
category = "护理"
levels = ["初级", "五级"]
minutes = 10

[[section]]
name = "操作准备"
[[section.step]]
id = "1.1"
text = "七步洗手"
points = 20
rule = "未洗手不得分"

[[section]]
name = "操作过程"
[[section.step]]
id = "2.1"
text = "先加水后加奶粉"
points = 50
rule = "顺序错误扣10分"
[[section.step]]
id = "2.2"
text = "手腕内侧试温"
points = 30
rule = "未试温不得分"

[[veto]]
id = "V1"
text = "未洗手"

[[veto]]
id = "V2"
text = "未测试奶液温度直接喂哺"
"#;
}

#[cfg(test)]
mod tests {
    use super::fixtures::FEED;
    use super::*;

    #[test]
    fn a_good_rubric_parses_with_its_steps() {
        let rubric = parse("r.toml", FEED).unwrap();
        assert_eq!(rubric.steps().count(), 3);
        assert_eq!(rubric.levels, vec![Level::Grade5, Level::XJunior]);
        assert_eq!(rubric.step("2.2").unwrap().points, 30.0);
        assert!(rubric.veto("v2").is_some());
        assert_eq!(rubric.version().len(), 16);
    }

    #[test]
    fn every_problem_is_reported_with_its_line() {
        let bad = FEED
            .replace("points = 30", "points = 25")
            .replace("id = \"2.2\"", "id = \"2.1\"")
            .replace("category = \"护理\"", "category = \"烹饪\"")
            .replace("id = \"V2\"", "id = \"V1\"");
        let problems = parse("r.toml", &bad).unwrap_err();
        let errors: Vec<String> = problems.errors().map(ToString::to_string).collect();
        assert!(errors.iter().any(|e| e.contains("合计应为 100，现在是 95")), "{errors:#?}");
        assert!(errors.iter().any(|e| e.starts_with("r.toml:23:") && e.contains("步骤编号 2.1 重复")), "{errors:#?}");
        assert!(errors.iter().any(|e| e.contains("烹饪")), "{errors:#?}");
        assert!(errors.iter().any(|e| e.contains("否决项编号 V1 重复")), "{errors:#?}");
    }

    #[test]
    fn version_changes_with_content() {
        let a = parse("r", FEED).unwrap();
        let b = parse("r", &FEED.replace("顺序错误扣10分", "顺序错误扣5分")).unwrap();
        assert_ne!(a.version(), b.version());
        assert_eq!(a.version(), parse("r", FEED).unwrap().version());
    }
}
