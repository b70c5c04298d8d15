//! `certify blueprint check`: can this blueprint be built from the bank, and if not,
//! which cells are short, and whether `max_overlap` is the limit that binds (then also
//! the smallest value that would do).

use std::path::Path;

use serde_json::json;

use super::Context;
use crate::assemble::{self, OverlapBinding, Shortage, Targets};
use crate::blueprint::{self, Blueprint, MAX_FORMS};
use crate::cli::{BlueprintCheckArgs, BlueprintCommand};
use crate::db::PaperRead;
use crate::error::{Error, io_error};
use crate::import::format_number;
use crate::output::{align_right, table};
use crate::vocabulary::{Difficulty, Domain, Kind};

pub fn run(context: &Context, command: &BlueprintCommand) -> Result<(), Error> {
    match command {
        BlueprintCommand::Check(args) => check(context, args),
    }
}

/// Reads and checks a blueprint file; `forms` overrides the file's form count.
pub fn load(path: &Path, forms: Option<usize>) -> Result<(Blueprint, String), Error> {
    let text = std::fs::read_to_string(path).map_err(|e| io_error(path, "无法读取组卷方案", &e))?;
    let mut blueprint = blueprint::parse(&path.display().to_string(), &text)
        .map_err(|problems| Error::Invalid(problems.into_errors()))?;
    if let Some(forms) = forms {
        if forms == 0 || forms > MAX_FORMS {
            return Err(Error::user(format!("--forms 应在 1 到 {MAX_FORMS} 之间，现在是 {forms}")));
        }
        blueprint.forms = forms;
    }
    Ok((blueprint, text))
}

/// The shortages of the blueprint in `file`, for people; `binding` adds the advice on
/// `max_overlap` when it is the limit that binds.
pub fn shortage_lines(
    file: &Path,
    blueprint: &Blueprint,
    shortages: &[Shortage],
    binding: Option<&OverlapBinding>,
) -> String {
    let mut lines = format!("{}: 组卷方案无法满足，共 {} 处缺口：\n", file.display(), shortages.len());
    for shortage in shortages {
        lines.push_str(&format!("  {}\n", shortage.describe()));
    }
    if let Some(binding) = binding {
        lines.push_str(&binding_advice(blueprint, binding));
        lines.push('\n');
    }
    lines
}

/// Says that `max_overlap` binds, what it allows now and what would be enough.
fn binding_advice(blueprint: &Blueprint, binding: &OverlapBinding) -> String {
    let more: Vec<String> = binding
        .extra_items
        .iter()
        .map(|((kind, domain, band), count)| {
            format!("{} × {} × {} {count} 道", kind.label(), domain.label(), band.label())
        })
        .collect();
    let items = if more.is_empty() {
        "也可为上面所列的格子补充试题".to_owned()
    } else {
        format!("或者不改 max_overlap，补充试题：{}", more.join("、"))
    };
    format!(
        "每套试卷单独都能组出，卡住的是 max_overlap：现为 {}（任意两套最多 {} 道相同的题），至少要调到 {}（最多 {} 道相同）才可行；\
         {items}；也可减少套数。",
        format_number(blueprint.max_overlap),
        binding.allowed,
        format_number(binding.min_max_overlap),
        binding.needed
    )
}

/// The per-form targets as a table: domains down, kinds and bands across.
pub fn target_table(blueprint: &Blueprint, targets: &Targets) -> comfy_table::Table {
    let kinds: Vec<Kind> = blueprint.sections.iter().map(|s| s.kind).collect();
    let mut header = vec!["领域".to_owned()];
    header.extend(kinds.iter().map(|k| k.label().to_owned()));
    header.extend(Difficulty::ALL.iter().map(|b| b.label().to_owned()));
    header.extend(["分值".to_owned(), "占比".to_owned()]);
    let mut t = table(header);
    let count = |kind: Option<Kind>, domain: Option<Domain>, band: Option<Difficulty>| -> usize {
        targets
            .by_cell
            .iter()
            .filter(|((k, d, b), _)| {
                kind.is_none_or(|x| x == *k) && domain.is_none_or(|x| x == *d) && band.is_none_or(|x| x == *b)
            })
            .map(|(_, n)| *n)
            .sum()
    };
    for domain in Domain::ALL {
        let points = targets.domain_points[domain];
        if points.target == 0.0 && count(None, Some(*domain), None) == 0 {
            continue;
        }
        let mut row = vec![domain.label().to_owned()];
        row.extend(kinds.iter().map(|k| count(Some(*k), Some(*domain), None).to_string()));
        row.extend(Difficulty::ALL.iter().map(|b| count(None, Some(*domain), Some(*b)).to_string()));
        row.push(format_number(points.planned));
        row.push(format!("{}%", format_number(blueprint.domain_share(*domain))));
        t.add_row(row);
    }
    let mut total = vec!["合计".to_owned()];
    total.extend(kinds.iter().map(|k| count(Some(*k), None, None).to_string()));
    total.extend(Difficulty::ALL.iter().map(|b| count(None, None, Some(*b)).to_string()));
    total.push(format_number(blueprint.total_points()));
    total.push("100%".to_owned());
    t.add_row(total);
    align_right(&mut t, &(1..=kinds.len() + 5).collect::<Vec<_>>());
    t
}

fn check(context: &Context, args: &BlueprintCheckArgs) -> Result<(), Error> {
    let (blueprint, _) = load(&args.file, args.forms)?;
    let db = context.existing()?;
    let pool = db.assembly_candidates(blueprint.level)?;
    let recent = db.recently_used(blueprint.avoid_recent)?;
    let out = context.out;
    match assemble::plan(&blueprint, &pool, &recent) {
        Ok(targets) => {
            out.json(&json!({
                "feasible": true,
                "shortages": [],
                "level": blueprint.level.code(),
                "forms": blueprint.forms,
                "items_per_form": blueprint.item_count(),
                "total_points": blueprint.total_points(),
                "eligible_items": pool.len(),
                "targets": targets,
            }))?;
            out.line(format!(
                "可以组卷：{}，{} 套 × {} 题，满分 {}。题库中 {} 适用的在用试题 {} 道。",
                blueprint.name,
                blueprint.forms,
                blueprint.item_count(),
                format_number(blueprint.total_points()),
                blueprint.level.label(),
                pool.len()
            ))?;
            out.line("每套试卷的题数（按领域 × 题型、难度）：")?;
            out.table(&target_table(&blueprint, &targets))
        }
        Err(shortages) => {
            let binding = assemble::overlap_binding(&blueprint, &pool, &recent, &shortages);
            let mut document = json!({ "feasible": false, "shortages": shortages });
            if let Some(binding) = &binding {
                document["binding"] = json!("max_overlap");
                document["max_overlap"] = json!(blueprint.max_overlap);
                document["min_max_overlap"] = json!(binding.min_max_overlap);
                document["min_shared_items"] = json!(binding.needed);
                document["extra_items"] = binding
                    .extra_items
                    .iter()
                    .map(|((kind, domain, difficulty), count)| {
                        json!({ "kind": kind, "domain": domain, "difficulty": difficulty, "count": count })
                    })
                    .collect();
            }
            out.json(&document)?;
            let mut t = table(["缺口", "原因", "需要", "可用"]);
            for s in &shortages {
                let reason = match s.limit {
                    "recent" => "近期试卷已用",
                    "overlap" => "重复率限制",
                    "enemies" => "互斥题",
                    _ => "题库不足",
                };
                t.add_row([s.cell_label(), reason.to_owned(), s.needed.to_string(), s.available.to_string()]);
            }
            align_right(&mut t, &[2, 3]);
            out.table(&t)?;
            let advice = match &binding {
                Some(binding) => binding_advice(&blueprint, binding),
                None => "可补充试题、调整比例，或放宽 max_overlap / avoid_recent。".to_owned(),
            };
            Err(Error::Reported(format!(
                "{}: 组卷方案不可行，{} 处缺口（见上表）。{advice}",
                args.file.display(),
                shortages.len()
            )))
        }
    }
}
