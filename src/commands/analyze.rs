//! `certify analyze`: item and test statistics of scored sheets, what a training school
//! needs to improve its teaching, and the calibration written back into the bank.
//!
//! Guarantees: flags resting on fewer than [`analysis::MIN_SHEETS`] sheets are shown as
//! provisional everywhere (table, JSON, HTML) with the reason in Chinese, and
//! `--update-bank` leaves the bank's flags of such items as they were (their calibrated
//! facility is still written); every figure prints through [`analysis::fixed`].

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;
use serde_json::json;

use super::Context;
use super::practical::{agreement_report, plan_of, practical_status};
use super::results::{school_summaries, session_results};
use super::session::find_session;
use crate::analysis::{self, Flag, ItemStats, TestStats, fixed, shown};
use crate::answer;
use crate::cli::AnalyzeArgs;
use crate::clock;
use crate::db::{Db, PaperRead, PaperView, RawSheet, SessionRead};
use crate::error::Error;
use crate::output::{align_right, note, table, truncate};
use crate::render::{self, charts};
use crate::spreadsheet::write_file_atomically;
use crate::vocabulary::{Domain, Kind};

/// A paper as the analysis needs it.
struct PaperModel {
    view: PaperView,
    questions: Vec<analysis::Question>,
}

impl PaperModel {
    fn of(view: PaperView) -> PaperModel {
        let questions = view
            .items
            .iter()
            .map(|i| {
                let kind = i.item.item.kind;
                analysis::Question {
                    max: i.points,
                    options: if kind == Kind::Judge { 2 } else { i.option_order.len() },
                    key: response_mask(&i.answer, kind, i.option_order.len()),
                }
            })
            .collect();
        PaperModel { view, questions }
    }
}

/// A stored answer ("ABD", 对, 错, "") as a bit mask: letters by position, 对 bit 0, 错 bit 1.
fn response_mask(text: &str, kind: Kind, options: usize) -> u8 {
    match (kind, text) {
        (_, "") => 0,
        (Kind::Judge, "对") => 1,
        (Kind::Judge, _) => 2,
        _ => answer::choice_mask(text, options.max(1)).unwrap_or(0),
    }
}

/// One sheet parsed for analysis, with who sat it.
fn parse_sheet(raw: &RawSheet, paper: &PaperModel) -> analysis::Sheet {
    let scores = raw.scores.split(',').map(|s| s.parse().unwrap_or(0.0)).collect();
    let chosen = raw
        .responses
        .split(',')
        .zip(&paper.view.items)
        .map(|(text, item)| response_mask(text, item.item.item.kind, item.option_order.len()))
        .collect();
    analysis::Sheet { scores, chosen }
}

/// An item pooled over the papers it appeared on.
#[derive(Debug, Clone, Serialize)]
struct PooledItem {
    id: String,
    version: String,
    kind: Kind,
    domain: Domain,
    stem: String,
    n: usize,
    facility: f64,
    item_rest: Option<f64>,
    discrimination: Option<f64>,
    omit_rate: f64,
    flags: Vec<Flag>,
    /// The flags rest on fewer than `analysis::MIN_SHEETS` sheets: shown, not stored.
    provisional: bool,
    /// (paper, position, upper shares, lower shares) per appearance, for choice analysis.
    appearances: Vec<Appearance>,
}

#[derive(Debug, Clone, Serialize)]
struct Appearance {
    paper: String,
    position: usize,
    n: usize,
    options: Vec<String>,
    upper_shares: Vec<f64>,
    lower_shares: Vec<f64>,
}

/// n-weighted mean of the values present.
fn weighted(values: &[(Option<f64>, usize)]) -> Option<f64> {
    let (sum, weight) = values
        .iter()
        .filter_map(|(v, n)| v.map(|v| (v * *n as f64, *n as f64)))
        .fold((0.0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1));
    (weight > 0.0).then(|| sum / weight)
}

fn pool(results: &[(&PaperModel, Vec<ItemStats>)]) -> Vec<PooledItem> {
    let mut by_item: BTreeMap<(String, String), Vec<(&PaperModel, &ItemStats)>> = BTreeMap::new();
    for (paper, items) in results {
        for stats in items {
            let item = &paper.view.items[stats.position - 1].item;
            by_item.entry((item.item.id.clone(), item.version.clone())).or_default().push((paper, stats));
        }
    }
    by_item
        .into_iter()
        .map(|((id, version), seen)| {
            let item = &seen[0].0.view.items[seen[0].1.position - 1];
            let n: usize = seen.iter().map(|(_, s)| s.n).sum();
            let facility =
                weighted(&seen.iter().map(|(_, s)| (Some(s.facility), s.n)).collect::<Vec<_>>()).unwrap_or(0.0);
            let item_rest = weighted(&seen.iter().map(|(_, s)| (s.item_rest, s.n)).collect::<Vec<_>>());
            let discrimination = weighted(&seen.iter().map(|(_, s)| (s.discrimination, s.n)).collect::<Vec<_>>());
            let omit_rate =
                weighted(&seen.iter().map(|(_, s)| (Some(s.omit_rate), s.n)).collect::<Vec<_>>()).unwrap_or(0.0);
            // Facility and correlation flags follow the pooled figures; option flags hold
            // when any form shows them.
            let mut flags = analysis::difficulty_flags(facility, item_rest);
            for option_flag in [Flag::DistractorFavoursStrong, Flag::KeyMayBeWrong] {
                if seen.iter().any(|(_, s)| s.flags.contains(&option_flag)) {
                    flags.push(option_flag);
                }
            }
            let appearances = seen
                .iter()
                .map(|(paper, s)| {
                    let printed = &paper.view.items[s.position - 1];
                    let options = if printed.item.item.kind == Kind::Judge {
                        vec!["对".to_owned(), "错".to_owned()]
                    } else {
                        answer::OPTION_LETTERS.iter().take(printed.option_order.len()).map(|c| c.to_string()).collect()
                    };
                    Appearance {
                        paper: paper.view.id.clone(),
                        position: s.position,
                        n: s.n,
                        options,
                        upper_shares: s.upper_shares.clone(),
                        lower_shares: s.lower_shares.clone(),
                    }
                })
                .collect();
            PooledItem {
                id,
                version,
                kind: item.item.item.kind,
                domain: item.item.item.domain,
                stem: item.item.item.stem.clone(),
                n,
                facility,
                item_rest,
                discrimination,
                omit_rate,
                flags,
                // Pooled n, not each paper's: the pooled figures average every appearance,
                // so their chance spread shrinks with the sheets behind them all.
                provisional: analysis::provisional(n),
                appearances,
            }
        })
        .collect()
}

/// Per-paper test statistics combined: n-weighted where they cannot be pooled.
fn overall(tests: &[(String, TestStats)], items: &[PooledItem]) -> serde_json::Value {
    let n: usize = tests.iter().map(|(_, t)| t.n).sum();
    let w =
        |f: &dyn Fn(&TestStats) -> Option<f64>| weighted(&tests.iter().map(|(_, t)| (f(t), t.n)).collect::<Vec<_>>());
    json!({
        "n": n,
        "papers": tests.len(),
        "mean": w(&|t| Some(t.mean)),
        "sd": w(&|t| Some(t.sd)),
        "median": if tests.len() == 1 { Some(tests[0].1.median) } else { w(&|t| Some(t.median)) },
        "min": tests.iter().map(|(_, t)| t.min).reduce(f64::min),
        "max": tests.iter().map(|(_, t)| t.max_score).reduce(f64::max),
        "kr20": w(&|t| t.kr20),
        "sem": w(&|t| t.sem),
        "provisional": items.iter().any(|i| i.provisional),
        "sample_warning": sample_warning(n, items),
    })
}

/// Why some or all flags are provisional; `None` when none are.
fn sample_warning(sheets: usize, items: &[PooledItem]) -> Option<String> {
    let provisional: Vec<&PooledItem> = items.iter().filter(|i| i.provisional).collect();
    let smallest = provisional.iter().map(|i| i.n).min().unwrap_or(0);
    analysis::sample_warning(sheets, smallest, provisional.len(), items.len())
}

/// An item's reasons for review, "（初步）" first where they rest on too few sheets.
fn reasons(item: &PooledItem) -> String {
    let reasons = item.flags.iter().map(Flag::label).collect::<Vec<_>>().join("；");
    if item.provisional && !item.flags.is_empty() { format!("（初步）{reasons}") } else { reasons }
}

/// Earned and possible points per domain, for one group of sheets.
#[derive(Default)]
struct DomainTally {
    earned: BTreeMap<Domain, f64>,
    possible: BTreeMap<Domain, f64>,
}

impl DomainTally {
    fn add(&mut self, paper: &PaperModel, sheet: &analysis::Sheet) {
        for (item, score) in paper.view.items.iter().zip(&sheet.scores) {
            *self.earned.entry(item.item.item.domain).or_default() += score;
            *self.possible.entry(item.item.item.domain).or_default() += item.points;
        }
    }

    fn percent(&self, domain: Domain) -> Option<f64> {
        let possible = self.possible.get(&domain).copied().unwrap_or(0.0);
        (possible > 0.0).then(|| self.earned.get(&domain).copied().unwrap_or(0.0) / possible)
    }
}

pub fn run(context: &Context, args: &AnalyzeArgs) -> Result<(), Error> {
    // Only --update-bank writes; without it a missing workspace is a mistyped --db.
    let mut db = if args.update_bank { context.workspace()? } else { context.existing()? };
    let mut raw: Vec<RawSheet> = Vec::new();
    for session in &args.session {
        find_session(&db, session)?;
        let sheets = db.raw_sheets(Some(session), None)?;
        raw.extend(sheets.into_iter().filter(|s| args.paper.is_empty() || args.paper.contains(&s.paper_id)));
    }
    if args.session.is_empty() {
        for paper in &args.paper {
            raw.extend(db.raw_sheets(None, Some(paper))?);
        }
    }
    if raw.is_empty() {
        return Err(Error::user("没有已评分的理论答卷可分析；请先运行 certify score theory"));
    }
    let mut papers: HashMap<String, PaperModel> = HashMap::new();
    for id in raw.iter().map(|s| s.paper_id.clone()).collect::<HashSet<String>>() {
        let view = db.paper(&id)?.ok_or_else(|| Error::user(format!("试卷 {id} 不存在")))?;
        papers.insert(id, PaperModel::of(view));
    }
    // School of every candidate in scope.
    let mut schools: HashMap<(String, String), String> = HashMap::new();
    for session in raw.iter().map(|s| s.session_id.clone()).collect::<HashSet<String>>() {
        for c in db.candidates(&session)? {
            schools.insert(
                (session.clone(), c.exam_no),
                if c.school.is_empty() { "（未填培训机构）".into() } else { c.school },
            );
        }
    }

    let mut by_paper: BTreeMap<String, Vec<analysis::Sheet>> = BTreeMap::new();
    let mut overall_domains = DomainTally::default();
    let mut school_domains: BTreeMap<String, DomainTally> = BTreeMap::new();
    for sheet in &raw {
        let paper = &papers[&sheet.paper_id];
        let parsed = parse_sheet(sheet, paper);
        overall_domains.add(paper, &parsed);
        let school = schools.get(&(sheet.session_id.clone(), sheet.exam_no.clone())).cloned().unwrap_or_default();
        school_domains.entry(school).or_default().add(paper, &parsed);
        by_paper.entry(sheet.paper_id.clone()).or_default().push(parsed);
    }
    drop(raw);
    let mut tests: Vec<(String, TestStats)> = Vec::new();
    let mut item_results: Vec<(&PaperModel, Vec<ItemStats>)> = Vec::new();
    for (paper_id, sheets) in &by_paper {
        let paper = &papers[paper_id];
        let (test, items) = analysis::analyse(&paper.questions, sheets);
        tests.push((paper_id.clone(), test));
        item_results.push((paper, items));
    }
    let items = pool(&item_results);
    let test = overall(&tests, &items);

    // Pass rates per school (whole result where sessions are given).
    let mut pass_rates = Vec::new();
    let mut agreement = Vec::new();
    for session_id in &args.session {
        let session = find_session(&db, session_id)?;
        let results = session_results(&db, &session)?;
        pass_rates.extend(school_summaries(&results).into_iter().map(|s| json!({ "session": session.id, "school": s.school, "registered": s.registered, "sat": s.sat, "passed": s.passed, "pass_rate": s.pass_rate })));
        if let Ok(plan) = plan_of(&session) {
            let status = practical_status(&db, &session, &plan)?;
            if status.iter().any(|c| c.tasks.iter().any(|(_, e, _)| !e.is_empty())) {
                agreement.push(json!({ "session": session.id, "agreement": agreement_report(&status) }));
            }
        }
    }
    let domains_present: Vec<Domain> =
        Domain::ALL.iter().copied().filter(|d| overall_domains.percent(*d).is_some()).collect();
    let breakdown = json!({
        "overall": domains_present.iter().map(|d| (d.code(), overall_domains.percent(*d))).collect::<BTreeMap<_, _>>(),
        "schools": school_domains.iter().map(|(school, tally)| json!({
            "school": school,
            "domains": domains_present.iter().map(|d| (d.code(), tally.percent(*d))).collect::<BTreeMap<_, _>>(),
        })).collect::<Vec<_>>(),
    });

    // The report first: if it cannot be written, the bank is not touched either.
    if let Some(path) = &args.html {
        let html = report_html(&tests, &test, &items, &school_domains, &domains_present, &pass_rates, &agreement)?;
        write_file_atomically(path, html.as_bytes())?;
        if args.pdf {
            render::pdf::print(path, &path.with_extension("pdf"))?;
        }
    }
    if args.update_bank {
        update_bank(&mut db, &items)?;
    }

    let out = context.out;
    if out.json {
        let head = json!({
            "test": test,
            "tests": tests.iter().map(|(p, t)| json!({ "paper": p, "test": t })).collect::<Vec<_>>(),
            "domains": breakdown,
            "pass_rates": pass_rates,
            "practical": agreement,
            "bank_updated": args.update_bank,
        });
        return out.json_with_list(
            &head,
            "items",
            items.iter().map(|i| {
                let mut v = serde_json::to_value(i).expect("serializes");
                v["flags"] =
                    json!(i.flags.iter().map(|f| json!({ "code": f, "reason": f.label() })).collect::<Vec<_>>());
                v
            }),
        );
    }
    let num = |v: &serde_json::Value| shown(v.as_f64(), 2);
    out.line(format!(
        "分析 {} 份答卷（{} 套试卷，{} 道题）：平均分 {}，标准差 {}，最高 {}，最低 {}，信度 KR-20 {}，测量标准误 {}。",
        test["n"],
        tests.len(),
        items.len(),
        num(&test["mean"]),
        num(&test["sd"]),
        num(&test["max"]),
        num(&test["min"]),
        num(&test["kr20"]),
        num(&test["sem"])
    ))?;
    if let Some(warning) = test["sample_warning"].as_str() {
        out.line(warning)?;
    }
    let mut t = table(["试题", "题型", "领域", "作答人数", "难度系数", "题总相关", "区分度(27%)", "未答率", "需复核"]);
    for i in &items {
        t.add_row([
            i.id.clone(),
            i.kind.label().to_owned(),
            i.domain.label().to_owned(),
            i.n.to_string(),
            fixed(i.facility, 2),
            shown(i.item_rest, 2),
            shown(i.discrimination, 2),
            format!("{}%", fixed(i.omit_rate * 100.0, 0)),
            reasons(i),
        ]);
    }
    align_right(&mut t, &[3, 4, 5, 6, 7]);
    out.table(&t)?;
    let flagged = items.iter().filter(|i| !i.flags.is_empty()).count();
    let provisional = items.iter().filter(|i| !i.flags.is_empty() && i.provisional).count();
    if provisional > 0 {
        out.line(format!(
            "{flagged} 道题需复核，其中 {provisional} 道作答人数少于 {} 人，标记为“（初步）”。",
            analysis::MIN_SHEETS
        ))?;
    } else {
        out.line(format!("{flagged} 道题需复核。"))?;
    }
    out.line("")?;
    let mut header = vec!["培训机构".to_owned()];
    header.extend(domains_present.iter().map(|d| d.label().to_owned()));
    let mut t = table(header);
    let mut row = vec!["全部".to_owned()];
    row.extend(
        domains_present
            .iter()
            .map(|d| overall_domains.percent(*d).map(|v| format!("{}%", fixed(v * 100.0, 0))).unwrap_or_default()),
    );
    t.add_row(row);
    for (school, tally) in &school_domains {
        let mut row = vec![school.clone()];
        row.extend(
            domains_present
                .iter()
                .map(|d| tally.percent(*d).map(|v| format!("{}%", fixed(v * 100.0, 0))).unwrap_or_default()),
        );
        t.add_row(row);
    }
    align_right(&mut t, &(1..=domains_present.len()).collect::<Vec<_>>());
    out.line("各领域得分率：")?;
    out.table(&t)?;
    for a in &agreement {
        out.line(format!(
            "实操考评员一致性（批次 {}）：ICC(2,1) {}",
            a["session"].as_str().unwrap_or(""),
            shown(a["agreement"]["icc"].as_f64(), 3)
        ))?;
    }
    if args.update_bank {
        out.line(format!("已把 {} 道题的校准难度系数写回题库；{} 道题标记为需复核（certify bank list --flagged）。停用与否由题库管理员决定。", items.len(), flagged - provisional))?;
        let unsettled = items.iter().filter(|i| i.provisional).count();
        if unsettled > 0 {
            out.line(format!(
                "{unsettled} 道题作答人数少于 {} 人：它们的初步标记没有写入题库，题库中原有的标记保持不变。",
                analysis::MIN_SHEETS
            ))?;
        }
    }
    if let Some(path) = &args.html {
        out.line(format!("分析报告：{}", path.display()))?;
    }
    Ok(())
}

/// Writes each item version's facility pooled over every sheet in the workspace, with its
/// n, and the flags of this analysis where they are final. Provisional flags are not
/// written, and do not clear flags stored before: an earlier analysis on enough sheets
/// outweighs a few sheets now, and `bank list --flagged` lists only flags one can act on.
/// One transaction.
fn update_bank(db: &mut Db, items: &[PooledItem]) -> Result<(), Error> {
    let wanted: HashSet<(String, String)> = items.iter().map(|i| (i.id.clone(), i.version.clone())).collect();
    let mut totals: HashMap<(String, String), (f64, f64, usize)> = HashMap::new();
    for summary in db.paper_list()? {
        let Some(view) = db.paper(&summary.id)? else { continue };
        let positions: Vec<(usize, (String, String), f64)> = view
            .items
            .iter()
            .enumerate()
            .map(|(p, i)| (p, (i.item.item.id.clone(), i.item.version.clone()), i.points))
            .filter(|(_, key, _)| wanted.contains(key))
            .collect();
        if positions.is_empty() {
            continue;
        }
        for sheet in db.raw_sheets(None, Some(&summary.id))? {
            let scores: Vec<f64> = sheet.scores.split(',').map(|s| s.parse().unwrap_or(0.0)).collect();
            for (p, key, points) in &positions {
                let entry = totals.entry(key.clone()).or_insert((0.0, 0.0, 0));
                entry.0 += scores.get(*p).copied().unwrap_or(0.0);
                entry.1 += points;
                entry.2 += 1;
            }
        }
    }
    let now = clock::now_text();
    let tx = db.transaction()?;
    for item in items {
        let key = (item.id.clone(), item.version.clone());
        if let Some((earned, possible, n)) = totals.get(&key)
            && *possible > 0.0
        {
            tx.set_facility(&item.id, &item.version, (earned / possible * 10000.0).round() / 10000.0, Some(*n as i64))?;
        }
        if item.provisional {
            continue;
        }
        let codes: Vec<String> = item
            .flags
            .iter()
            .map(|f| serde_json::to_value(f).expect("code").as_str().unwrap_or("").to_owned())
            .collect();
        tx.set_flags(&item.id, &item.version, &codes.iter().map(String::as_str).collect::<Vec<_>>(), &now)?;
    }
    tx.commit()?;
    note("校准结果已写入题库：今后组卷按实测难度系数平衡各套试卷。");
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn report_html(
    tests: &[(String, TestStats)],
    test: &serde_json::Value,
    items: &[PooledItem],
    school_domains: &BTreeMap<String, DomainTally>,
    domains: &[Domain],
    pass_rates: &[serde_json::Value],
    agreement: &[serde_json::Value],
) -> Result<String, Error> {
    // Histogram of totals as a percent of each paper's maximum, in tenths.
    let mut bins = [0usize; 10];
    for (_, t) in tests {
        for (b, (_, count)) in t.histogram.iter().enumerate() {
            bins[b] += count;
        }
    }
    let histogram = charts::histogram(
        "分数分布（占满分百分比）",
        &bins.iter().enumerate().map(|(b, c)| (format!("{}–{}%", b * 10, b * 10 + 10), *c)).collect::<Vec<_>>(),
    );
    // An item everybody got right (or wrong) has no correlation: plotting it at 0 would
    // show a weak item where there is no figure at all, so it is left off and counted.
    let scatter = charts::scatter(
        "难度系数与区分度（红点为需复核的试题）",
        "难度系数（答对比例）",
        "题总相关",
        &items
            .iter()
            .filter_map(|i| i.item_rest.map(|r| (i.facility, r, i.id.clone(), !i.flags.is_empty())))
            .collect::<Vec<_>>(),
    );
    let uncorrelated = items.iter().filter(|i| i.item_rest.is_none()).count();
    let schools: Vec<String> = school_domains.keys().cloned().collect();
    let heatmap = charts::heatmap(
        "各培训机构各领域得分率",
        &schools,
        &domains.iter().map(|d| d.label().to_owned()).collect::<Vec<_>>(),
        &school_domains.values().map(|t| domains.iter().map(|d| t.percent(*d)).collect()).collect::<Vec<_>>(),
    );
    let flagged: Vec<serde_json::Value> = items
        .iter()
        .filter(|i| !i.flags.is_empty())
        .map(|i| json!({
            "id": i.id, "stem": truncate(&i.stem, 60), "facility": fixed(i.facility, 2),
            "item_rest": shown(i.item_rest, 2),
            "reasons": reasons(i), "provisional": i.provisional,
            "options": i.appearances.first().map(|a| a.options.iter().enumerate().map(|(o, name)| format!("{name}：高分组 {}% / 低分组 {}%", fixed(a.upper_shares.get(o).copied().unwrap_or(0.0) * 100.0, 0), fixed(a.lower_shares.get(o).copied().unwrap_or(0.0) * 100.0, 0))).collect::<Vec<_>>().join("；")).unwrap_or_default(),
        }))
        .collect();
    let rows: Vec<serde_json::Value> = items
        .iter()
        .map(|i| {
            json!({
                "id": i.id, "kind": i.kind.label(), "domain": i.domain.label(), "n": i.n,
                "facility": fixed(i.facility, 2),
                "item_rest": shown(i.item_rest, 2),
                "discrimination": shown(i.discrimination, 2),
                "omit": format!("{}%", fixed(i.omit_rate * 100.0, 0)),
                "flagged": !i.flags.is_empty(),
                "provisional": i.provisional && !i.flags.is_empty(),
            })
        })
        .collect();
    let data = json!({
        "generated": clock::now().strftime("%Y-%m-%d %H:%M").to_string(),
        "test": test,
        "tests": tests.iter().map(|(p, t)| json!({ "paper": p, "n": t.n, "mean": fixed(t.mean, 2), "sd": fixed(t.sd, 2), "kr20": shown(t.kr20, 3), "sem": shown(t.sem, 2) })).collect::<Vec<_>>(),
        "min_sheets": analysis::MIN_SHEETS,
        "provisional_flagged": items.iter().filter(|i| i.provisional && !i.flags.is_empty()).count(),
        "unlabelled": scatter.unlabelled.join("、"),
        "uncorrelated": uncorrelated,
        "flagged": flagged,
        "items": rows,
        "pass_rates": pass_rates.iter().map(|p| json!({ "session": p["session"], "school": p["school"], "registered": p["registered"], "sat": p["sat"], "passed": p["passed"], "rate": format!("{}%", fixed(p["pass_rate"].as_f64().unwrap_or(0.0) * 100.0, 1)) })).collect::<Vec<_>>(),
        "agreement": agreement.iter().map(|a| json!({ "session": a["session"], "icc": shown(a["agreement"]["icc"].as_f64(), 3) })).collect::<Vec<_>>(),
    });
    render::render_report(&data, &[("histogram", histogram), ("scatter", scatter.svg), ("heatmap", heatmap)])
}
