//! `certify build-paper` and `certify paper list|show|render`.

use std::path::{Path, PathBuf};

use serde_json::json;

use super::Context;
use super::blueprint::{load, shortage_lines};
use crate::assemble::{self, FormReport};
use crate::blueprint::Scoring;
use crate::cli::{BuildPaperArgs, PaperCommand, PaperRenderArgs};
use crate::clock;
use crate::db::{NewBuild, NewPaper, NewPaperItem, PaperRead, PaperView, SessionRead};
use crate::error::{Error, io_error};
use crate::import::format_number;
use crate::output::{align_right, note, table, truncate};
use crate::render::{self, CANDIDATE_FOLDER, DEFAULT_EXAM_NO_DIGITS, KEY_FOLDER, PAPER_DOCUMENTS, pdf};
use crate::rng;
use crate::spreadsheet::write_file_atomically;
use crate::vocabulary::{Difficulty, Domain, Kind};

pub fn run(context: &Context, command: &PaperCommand) -> Result<(), Error> {
    match command {
        PaperCommand::List => list(context),
        PaperCommand::Show { id } => show(context, id),
        PaperCommand::Render(args) => render_command(context, args),
        PaperCommand::FixKey(args) => super::score::fix_key(context, args),
    }
}

/// Checks that `dir` can take output before anything is stored.
fn prepare_out(dir: &Path, pdf_wanted: bool) -> Result<(), Error> {
    if dir.exists() && !dir.is_dir() {
        return Err(Error::user(format!("{}: 已存在同名文件，不是文件夹；请换一个输出文件夹", dir.display())));
    }
    std::fs::create_dir_all(dir)
        .and_then(|_| tempfile::tempfile_in(dir).map(drop))
        .map_err(|e| io_error(dir, "无法写入输出文件夹", &e))?;
    if pdf_wanted && pdf::find_browser().is_none() {
        // Same message as at print time, but before the build is stored.
        return pdf::print(Path::new("/nonexistent.html"), Path::new("/nonexistent.pdf"));
    }
    Ok(())
}

/// Where one paper's documents went: candidate-facing files, and the key.
struct Written {
    papers: PathBuf,
    key: PathBuf,
}

/// Writes the documents of `paper`: booklet and answer sheet into `dir/试卷/<paper id>/`,
/// the key and `paper.json` (which holds the key) into `dir/考务机密/<paper id>/`.
fn write_documents(paper: &PaperView, dir: &Path, pdf_wanted: bool, digits: usize) -> Result<Written, Error> {
    let folder = |name: &str| dir.join(name).join(&paper.id);
    for (place, file, template) in PAPER_DOCUMENTS {
        let html = render::render_paper(paper, template, digits)?;
        let path = folder(place).join(file);
        write_file_atomically(&path, html.as_bytes())?;
        if pdf_wanted {
            pdf::print(&path, &path.with_extension("pdf"))?;
        }
    }
    let json = serde_json::to_vec_pretty(&render::paper_json(paper)).map_err(std::io::Error::from)?;
    write_file_atomically(&folder(KEY_FOLDER).join("paper.json"), &json)?;
    Ok(Written { papers: folder(CANDIDATE_FOLDER), key: folder(KEY_FOLDER) })
}

/// Boxes for the exam number: as long as the longest exam number of the sessions the
/// paper is assigned to, when there are any; otherwise the flag, or the default.
fn exam_no_digits(db: &impl SessionRead, paper: &str, flag: Option<usize>) -> Result<usize, Error> {
    Ok(db.longest_exam_no_for_paper(paper)?.or(flag).unwrap_or(DEFAULT_EXAM_NO_DIGITS))
}

/// A paper in the JSON contract of `build-paper` and `paper show`.
fn paper_document(paper: &PaperView) -> serde_json::Value {
    json!({
        "id": paper.id,
        "form": paper.form,
        "seed": paper.seed,
        "title": paper.title,
        "level": paper.level,
        "minutes": paper.minutes,
        "total_points": paper.total_points,
        "pass_mark": paper.pass_mark,
        "algorithm": paper.algorithm,
        "blueprint_hash": paper.blueprint_hash,
        "created_at": paper.created_at,
        "items": render::paper_items_json(paper),
        "report": paper.report,
    })
}

pub fn build(context: &Context, args: &BuildPaperArgs) -> Result<(), Error> {
    let (blueprint, source_text) = load(&args.blueprint, args.forms)?;
    if let Some(out) = &args.out {
        prepare_out(out, args.pdf)?;
    }
    if args.seed.is_some_and(|s| s >= rng::SEED_LIMIT) {
        return Err(Error::user(format!("--seed 应小于 {}", rng::SEED_LIMIT)));
    }
    let mut db = context.workspace()?;
    let pool = db.assembly_candidates(blueprint.level)?;
    let recent = db.recently_used(blueprint.avoid_recent)?;
    let targets = assemble::plan(&blueprint, &pool, &recent).map_err(|s| {
        let binding = assemble::overlap_binding(&blueprint, &pool, &recent, &s);
        Error::User(shortage_lines(&args.blueprint, &blueprint, &s, binding.as_ref()))
    })?;
    let seed = args.seed.unwrap_or_else(rng::fresh_seed);
    // Past the plan, the overlap search (which asks the plan) has nothing to add.
    let forms = assemble::assemble(&blueprint, &pool, &recent, &targets, seed)
        .map_err(|s| Error::User(shortage_lines(&args.blueprint, &blueprint, &s, None)))?;
    let broken = assemble::verify(&blueprint, &pool, &recent, &targets, &forms);
    if !broken.is_empty() {
        return Err(Error::user(format!("组卷结果未通过自检，未保存（请报告此问题）：{}", broken.join("；"))));
    }
    let reports = assemble::report(&blueprint, &pool, &targets, &forms, recent.len());

    let now = clock::now();
    let now_text = clock::now_text();
    let tx = db.transaction()?;
    let prefix = format!("P-{}-", now.strftime("%Y%m%d"));
    let build_id = format!("{prefix}{:04}", tx.builds_on(&prefix)? + 1);
    let report_values: Vec<serde_json::Value> =
        reports.iter().map(|r| serde_json::to_value(r).expect("report serializes")).collect();
    let papers: Vec<NewPaper<'_>> = forms
        .iter()
        .zip(&report_values)
        .map(|(form, report)| NewPaper {
            id: format!("{build_id}-{}", form.letter),
            form: form.letter.clone(),
            mean_facility: form.mean_facility,
            report,
            items: form
                .items
                .iter()
                .map(|p| NewPaperItem {
                    item_id: &pool[p.candidate].id,
                    version: &pool[p.candidate].version,
                    section: p.section,
                    points: p.points,
                    scoring: if p.scoring == Scoring::Partial { "partial" } else { "all-or-nothing" },
                    option_order: &p.option_order,
                    answer: &p.answer,
                })
                .collect(),
        })
        .collect();
    let blueprint_hash = tx.store_blueprint(&blueprint, &source_text, &now_text)?;
    let build = NewBuild {
        id: &build_id,
        blueprint: &blueprint,
        blueprint_hash: &blueprint_hash,
        seed,
        algorithm: assemble::ALGORITHM,
        created_at: &now_text,
    };
    tx.store_build(&build, &papers)?;
    let stored: Vec<PaperView> =
        papers.iter().map(|p| tx.paper(&p.id).transpose().expect("just stored")).collect::<Result<_, _>>()?;
    // Files first, then commit: if any file cannot be written, nothing is stored.
    let mut folders = Vec::new();
    if let Some(out) = &args.out {
        for paper in &stored {
            // A new paper is in no session yet: only the flag can say how long numbers are.
            let digits = args.exam_no_digits.unwrap_or(DEFAULT_EXAM_NO_DIGITS);
            folders.push(write_documents(paper, out, args.pdf, digits)?);
        }
    }
    tx.commit()?;

    let out = context.out;
    out.json(
        &json!({ "build": build_id, "seed": seed, "papers": stored.iter().map(paper_document).collect::<Vec<_>>() }),
    )?;
    if out.json {
        return Ok(());
    }
    out.line(format!(
        "已生成 {} 套试卷：{}（{}，{} 题，满分 {}）",
        stored.len(),
        stored.iter().map(|p| p.id.as_str()).collect::<Vec<_>>().join("、"),
        blueprint.name,
        blueprint.item_count(),
        format_number(blueprint.total_points())
    ))?;
    out.line(format!("随机种子 {seed}：用相同题库和方案加 --seed {seed} 可重新生成完全相同的试卷。"))?;
    out.line("")?;
    out.table(&report_table(&reports))?;
    for written in &folders {
        out.line(format!(
            "已写入 {}（试卷、答题卡{}，可交印刷厂）和 {}（答案与解析、paper.json，考务机密，不要交印刷厂）",
            written.papers.display(),
            if args.pdf { "，含 PDF" } else { "" },
            written.key.display()
        ))?;
    }
    if args.out.is_none() {
        note("提示：加 --out 文件夹 可输出试卷、答题卡和答案；也可用 certify paper render 试卷编号 --out 文件夹。");
    }
    Ok(())
}

/// Target vs achieved for every form, one column per form.
fn report_table(reports: &[FormReport]) -> comfy_table::Table {
    let mut header = vec!["项目".to_owned(), "目标".to_owned()];
    header.extend(reports.iter().map(|r| format!("{} 卷", r.form)));
    let mut t = table(header);
    let Some(first) = reports.first() else { return t };
    for (i, row) in first.sections.iter().enumerate() {
        let mut cells = vec![format!("{}（题）", row.key.label()), row.target.to_string()];
        cells.extend(reports.iter().map(|r| mark(r.sections[i].achieved.to_string(), r.sections[i].met)));
        t.add_row(cells);
    }
    for (i, row) in first.domains.iter().enumerate() {
        if row.target_points == 0.0 && reports.iter().all(|r| r.domains[i].achieved_points == 0.0) {
            continue;
        }
        let mut cells = vec![format!("{}（分）", row.domain.label()), format_number(row.target_points)];
        cells.extend(reports.iter().map(|r| {
            let d = &r.domains[i];
            mark(format_number(d.achieved_points), d.met || !d.attainable)
        }));
        t.add_row(cells);
    }
    for (i, row) in first.difficulty.iter().enumerate() {
        let mut cells = vec![format!("难度{}（题）", row.key.label()), row.target.to_string()];
        cells.extend(reports.iter().map(|r| mark(r.difficulty[i].achieved.to_string(), r.difficulty[i].met)));
        t.add_row(cells);
    }
    let mut cells = vec!["平均难度系数".to_owned(), String::new()];
    cells.extend(reports.iter().map(|r| format!("{:.3}", r.mean_difficulty)));
    t.add_row(cells);
    if reports.len() > 1 {
        let limit = first.overlap.first().map(|o| o.limit).unwrap_or(0);
        let mut cells = vec!["与他卷最多重复（题）".to_owned(), format!("≤{limit}")];
        cells.extend(reports.iter().map(|r| {
            let worst = r.overlap.iter().map(|o| o.shared).max().unwrap_or(0);
            mark(worst.to_string(), r.overlap.iter().all(|o| o.met))
        }));
        t.add_row(cells);
    }
    let columns: Vec<usize> = (1..reports.len() + 2).collect();
    align_right(&mut t, &columns);
    t
}

fn mark(value: String, met: bool) -> String {
    if met { value } else { format!("{value} ✗") }
}

fn list(context: &Context) -> Result<(), Error> {
    let db = context.existing()?;
    let papers = db.paper_list()?;
    let out = context.out;
    out.json(&json!({ "papers": papers }))?;
    if out.json {
        return Ok(());
    }
    if papers.is_empty() {
        return out.line("还没有生成过试卷。用 certify build-paper --blueprint 方案.toml 生成。");
    }
    let mut t = table(["试卷编号", "卷别", "名称", "等级", "题数", "总分", "种子", "生成时间"]);
    for p in &papers {
        t.add_row([
            p.id.clone(),
            p.form.clone(),
            truncate(&p.title, 30),
            p.level.clone(),
            p.items.to_string(),
            format_number(p.total_points),
            p.seed.to_string(),
            p.created_at.chars().take(16).collect::<String>().replace('T', " "),
        ]);
    }
    align_right(&mut t, &[4, 5]);
    out.table(&t)
}

fn find_paper(context: &Context, id: &str) -> Result<PaperView, Error> {
    let db = context.existing()?;
    db.paper(id)?.ok_or_else(|| Error::user(format!("没有编号为「{id}」的试卷；用 certify paper list 查看全部试卷")))
}

fn show(context: &Context, id: &str) -> Result<(), Error> {
    let paper = find_paper(context, id)?;
    let key_changes = context.existing()?.key_changes(id)?;
    let out = context.out;
    let mut document = paper_document(&paper);
    document["key_changes"] = serde_json::to_value(&key_changes).map_err(std::io::Error::from)?;
    out.json(&json!({ "papers": [document] }))?;
    if out.json {
        return Ok(());
    }
    out.line(format!(
        "{}  {}（{} 卷）  {} · {} 分钟 · 满分 {} · 合格 {}",
        paper.id,
        paper.title,
        paper.form,
        paper.level,
        paper.minutes,
        format_number(paper.total_points),
        format_number(paper.pass_mark)
    ))?;
    out.line(format!(
        "种子 {} · 算法 {} · 组卷方案 {} · 平均难度系数 {:.3} · 生成于 {}",
        paper.seed,
        paper.algorithm,
        paper.blueprint_hash,
        paper.mean_facility,
        paper.created_at.chars().take(16).collect::<String>().replace('T', " ")
    ))?;
    let mut t = table(["题号", "试题", "题型", "领域", "难度", "分值", "答案", "题干"]);
    for item in &paper.items {
        let i = &item.item.item;
        t.add_row([
            item.position.to_string(),
            i.id.clone(),
            i.kind.label().to_owned(),
            i.domain.label().to_owned(),
            i.difficulty.label().to_owned(),
            format_number(item.points),
            item.answer.clone(),
            truncate(&i.stem, 40),
        ]);
    }
    align_right(&mut t, &[0, 5]);
    out.table(&t)?;
    let summary: Vec<String> =
        Kind::ALL
            .iter()
            .map(|k| format!("{} {}", k.label(), paper.items.iter().filter(|i| i.item.item.kind == *k).count()))
            .chain(Difficulty::ALL.iter().map(|b| {
                format!("{} {}", b.label(), paper.items.iter().filter(|i| i.item.item.difficulty == *b).count())
            }))
            .chain(Domain::ALL.iter().filter_map(|d| {
                let points: f64 = paper.items.iter().filter(|i| i.item.item.domain == *d).map(|i| i.points).sum();
                (points > 0.0).then(|| format!("{} {}分", d.label(), format_number(points)))
            }))
            .collect();
    out.line(summary.join(" · "))?;
    for change in &key_changes {
        out.line(format!(
            "答案更正：第 {} 题 {} → {}（{}，{}）",
            change.question,
            change.old_answer,
            change.new_answer,
            change.reason,
            change.changed_at.chars().take(16).collect::<String>().replace('T', " ")
        ))?;
    }
    Ok(())
}

fn render_command(context: &Context, args: &PaperRenderArgs) -> Result<(), Error> {
    let paper = find_paper(context, &args.id)?;
    let digits = exam_no_digits(&context.existing()?, &paper.id, args.exam_no_digits)?;
    prepare_out(&args.out, args.pdf)?;
    let written = write_documents(&paper, &args.out, args.pdf, digits)?;
    let out = context.out;
    out.json(&json!({
        "paper": paper.id,
        "out": written.papers.display().to_string(),
        "key_out": written.key.display().to_string(),
        "exam_no_digits": digits,
    }))?;
    out.line(format!(
        "已写入 {}（试卷、答题卡，可交印刷厂）和 {}（答案与解析，考务机密）",
        written.papers.display(),
        written.key.display()
    ))
}
