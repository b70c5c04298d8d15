//! `certify rubric render` and `certify session score-sheets`: the printable practical
//! score sheet (评分记录表), for a site that grades on paper and types the entries in.
//!
//! Guarantees: a sheet shows every section, step (id, text, 满分, 扣分标准, empty 得分
//! and 扣分说明) and veto of the rubric version it is for — for a session, the version
//! each candidate drew, so the paper matches what `practical grade` will ask; ID
//! numbers are masked unless `--full-id`; commands only read the workspace.

use std::collections::HashMap;
use std::path::Path;

use serde_json::json;

use super::Context;
use super::documents::session_facts;
use super::practical::find_rubric;
use super::session::find_session;
use crate::db::{CandidateRow, PracticalRead, RubricRow, SessionRead};
use crate::error::Error;
use crate::idcard;
use crate::import::format_number;
use crate::render::{self, pdf};

/// What happens when the time limit is reached (no rubric states its own rule).
pub const TIME_RULE: &str = "到时未完成的步骤不得分";

/// One sheet: the task of `row`, for `candidate` (exam number, name, displayed ID) or
/// blank, on `date` (blank when empty).
fn sheet(row: &RubricRow, candidate: Option<(&CandidateRow, bool)>, date: &str) -> serde_json::Value {
    let r = &row.rubric;
    let (exam_no, name, id_number) = match candidate {
        Some((c, full_id)) => (c.exam_no.clone(), c.name.clone(), idcard::display(&c.id_number, full_id)),
        None => Default::default(),
    };
    json!({
        "task_id": r.id,
        "title": r.title,
        "category": r.category,
        "minutes": r.minutes,
        "scenario": r.scenario,
        "version": row.version,
        "seq": row.seq,
        "time_rule": TIME_RULE,
        "exam_no": exam_no,
        "name": name,
        "id_number": id_number,
        "date": date,
        "sections": r.sections.iter().map(|s| json!({
            "name": s.name,
            "points": format_number(s.steps.iter().map(|step| step.points).sum()),
            "steps": s.steps.iter().map(|step| json!({
                "id": step.id,
                "text": step.text,
                "points": format_number(step.points),
                "rule": step.rule,
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "total": format_number(r.steps().map(|s| s.points).sum()),
        "vetoes": r.vetoes,
    })
}

fn render_sheets(session: Option<serde_json::Value>, sheets: Vec<serde_json::Value>) -> Result<String, Error> {
    render::render_document(
        "score_sheet.html",
        "评分记录表",
        minijinja::Value::from(minijinja::value::Serde(json!({ "session": session, "sheets": sheets }))),
    )
}

fn finish(context: &Context, out: &Path, html: &str, report: serde_json::Value, line: String) -> Result<(), Error> {
    pdf::write_document(out, html)?;
    context.out.json(&report)?;
    context.out.line(line)
}

/// `certify rubric render TASK_ID --out FILE`: one blank sheet.
pub fn render_rubric(context: &Context, id: &str, out: &Path) -> Result<(), Error> {
    pdf::extension(out)?;
    let db = context.existing()?;
    let row = find_rubric(&db, id)?;
    let html = render_sheets(None, vec![sheet(&row, None, "")])?;
    finish(
        context,
        out,
        &html,
        json!({ "task": row.rubric.id, "version": row.version, "out": out.display().to_string(), "count": 1 }),
        format!("已输出评分记录表 {}（{} {}）", out.display(), row.rubric.id, row.rubric.title),
    )
}

/// `certify session score-sheets`: one sheet per candidate and drawn task, in exam-number
/// and draw order.
pub fn session_sheets(context: &Context, session_id: &str, out: &Path, full_id: bool) -> Result<(), Error> {
    let is_pdf = pdf::extension(out)? == "pdf";
    let db = context.existing()?;
    let session = find_session(&db, session_id)?;
    let draws = db.draws(&session.id)?;
    if draws.is_empty() {
        return Err(Error::user(format!(
            "批次 {} 还没有抽签，没有可打印的评分记录表；请先运行 certify practical draw --session {}",
            session.id, session.id
        )));
    }
    let candidates: HashMap<String, CandidateRow> =
        db.candidates(&session.id)?.into_iter().map(|c| (c.exam_no.clone(), c)).collect();
    let mut rubrics: HashMap<(String, String), RubricRow> = HashMap::new();
    let bar = if is_pdf {
        crate::output::progress(draws.len() as u64, "正在生成评分记录表")
    } else {
        indicatif::ProgressBar::hidden()
    };
    let mut sheets = Vec::with_capacity(draws.len());
    for d in &draws {
        let key = (d.rubric_id.clone(), d.version.clone());
        if !rubrics.contains_key(&key) {
            let row = db
                .rubric(&d.rubric_id, Some(&d.version))?
                .ok_or_else(|| Error::user(format!("评分表 {} 第 {} 版不存在", d.rubric_id, d.version)))?;
            rubrics.insert(key.clone(), row);
        }
        let candidate = candidates
            .get(&d.exam_no)
            .ok_or_else(|| Error::user(format!("抽签记录里的考生 {} 不在批次 {} 的名单里", d.exam_no, session.id)))?;
        sheets.push(sheet(&rubrics[&key], Some((candidate, full_id)), &session.date));
        bar.inc(1);
    }
    let html = render_sheets(Some(session_facts(&session)), sheets);
    bar.finish_and_clear();
    let html = html?;
    let people = draws.iter().map(|d| d.exam_no.as_str()).collect::<std::collections::BTreeSet<_>>().len();
    finish(
        context,
        out,
        &html,
        json!({ "session": session.id, "out": out.display().to_string(), "count": draws.len(), "candidates": people }),
        format!("已输出评分记录表 {}（{people} 名考生，{} 张）", out.display(), draws.len()),
    )
}
