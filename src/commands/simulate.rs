//! `certify simulate`: rehearsal data, so an exam office can run its whole workflow
//! before the real day. The files it writes are exactly what the scoring commands read,
//! and they import cleanly: nobody withdrawn, marked absent or carrying a part over has
//! rows for that part (the same [`unscorable`](super::candidates::unscorable) check).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::json;

use super::Context;
use super::session::find_session;
use crate::cli::SimulateArgs;
use crate::db::{CandidateRow, PaperRead, SessionRead};
use crate::error::Error;
use crate::operations::{self, Part, Unscorable};
use crate::rehearsal;
use crate::spreadsheet::{self, Sheet, Value};

pub fn run(context: &Context, args: &SimulateArgs) -> Result<(), Error> {
    let db = context.existing()?;
    let session = find_session(&db, &args.session)?;
    let candidates = db.candidates(&session.id)?;
    if candidates.iter().all(|c| c.paper_id.is_none()) {
        return Err(Error::user(format!(
            "批次 {} 还没有分配试卷的考生；请先导入考生并运行 certify session assign",
            session.id
        )));
    }
    // Nobody withdrawn, absent or carrying the part over sits it: their rows would be
    // refused on import.
    let no_theory = super::candidates::unscorable(&db, &session.id, Part::Theory)?;
    let assigned: Vec<_> =
        candidates.iter().filter(|c| c.paper_id.is_some() && !no_theory.contains_key(&c.exam_no)).collect();
    let theory = if assigned.is_empty() { None } else { Some(theory_responses(&db, &session.id, args, &assigned)?) };
    let grades = practical_grades(&db, &session.id, args)?;
    let out = context.out;
    out.json(&json!({
        "session": session.id,
        "seed": args.seed,
        "theory_responses": theory.as_ref().map(|p| p.display().to_string()),
        "sheets": assigned.len(),
        "practical_grades": grades.as_ref().map(|(p, _, _)| p.display().to_string()),
        "grade_rows": grades.as_ref().map(|(_, n, _)| *n),
        "theory_skipped": no_theory.len(),
        "practical_skipped": grades.as_ref().map(|(_, _, skipped)| skipped.len()),
    }))?;
    let left_out = |what: &str, skipped: &HashMap<String, Unscorable>| {
        format!("未生成{what} {} 人（{}）", skipped.len(), operations::unscorable_counts(skipped.values()))
    };
    match &theory {
        Some(path) => {
            out.line(format!("已为 {} 名考生生成演练答卷：{}", assigned.len(), display(path)))?;
            if !no_theory.is_empty() {
                out.line(left_out("理论答卷", &no_theory))?;
            }
            out.line(format!("评分：certify score theory --session {} {}", session.id, display(path)))?;
        }
        None => out.line(format!("（没有需要考理论的考生，未生成演练答卷；{}）", left_out("理论答卷", &no_theory)))?,
    }
    match grades {
        Some((grades_path, rows, skipped)) => {
            out.line(format!("已生成实操评分演练数据 {rows} 行：{}", display(&grades_path)))?;
            if !skipped.is_empty() {
                out.line(left_out("实操评分", &skipped))?;
            }
            out.line(format!("导入：certify grade import --session {} {}", session.id, display(&grades_path)))
        }
        None => out.line("（批次尚未实操抽签，未生成实操评分数据）"),
    }
}

/// Rehearsal answer sheets of `assigned`, written as a file `score theory` reads.
fn theory_responses(
    db: &crate::db::Db,
    session: &str,
    args: &SimulateArgs,
    assigned: &[&CandidateRow],
) -> Result<PathBuf, Error> {
    let mut papers = HashMap::new();
    for paper in db.session_papers(session)? {
        if let Some(view) = db.paper(&paper)? {
            papers.insert(paper, rehearsal::PaperModel::of(&view));
        }
    }
    let width = papers.values().map(|p| p.questions.len()).max().unwrap_or(0);
    let mut headers = vec!["准考证号".to_owned(), "试卷".to_owned()];
    headers.extend((1..=width).map(|q| q.to_string()));
    let mut rows = Vec::with_capacity(assigned.len());
    for candidate in assigned {
        let paper_id = candidate.paper_id.as_deref().expect("filtered");
        let model = &papers[paper_id];
        let answers = rehearsal::theory_answers(args.seed, &candidate.exam_no, model);
        let mut row = vec![Value::from(candidate.exam_no.as_str()), Value::from(paper_id)];
        row.extend(answers.into_iter().map(Value::from));
        rows.push(row);
    }
    let sheet = Sheet { name: "答卷".into(), headers, rows };
    let path = args.out.join("theory-responses.csv");
    spreadsheet::write_file_atomically(&path, &spreadsheet::csv_bytes(&sheet)?)?;
    Ok(path)
}

/// Rehearsal grade entries for every drawn task (3 examiners each, or the plan's
/// minimum) of everyone whose practical is graded here, written as a file `grade import`
/// reads, with its row count and who was left out; `None` before the draw.
fn practical_grades(db: &crate::db::Db, session: &str, args: &SimulateArgs) -> Result<Option<Graded>, Error> {
    use crate::db::PracticalRead;
    let mut draws = db.draws(session)?;
    if draws.is_empty() {
        return Ok(None);
    }
    let skipped = super::candidates::unscorable(db, session, Part::Practical)?;
    draws.retain(|d| !skipped.contains_key(&d.exam_no));
    let row = db.session(session)?.expect("session exists");
    let examiners = super::practical::plan_of(&row)?.examiners_min;
    let mut rubrics = std::collections::HashMap::new();
    let mut candidates: Vec<&str> = draws.iter().map(|d| d.exam_no.as_str()).collect();
    candidates.dedup();
    let panel_of: std::collections::HashMap<&str, usize> =
        candidates.iter().enumerate().map(|(i, e)| (*e, i)).collect();
    let mut rows = Vec::new();
    for d in &draws {
        let rubric = match rubrics.entry((d.rubric_id.clone(), d.version.clone())) {
            std::collections::hash_map::Entry::Occupied(known) => known.into_mut(),
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(db.rubric(&d.rubric_id, Some(&d.version))?.map(|r| r.rubric))
            }
        };
        let Some(rubric) = rubric.as_ref() else { continue };
        let panel = panel_of[d.exam_no.as_str()] % rehearsal::EXAMINERS.len();
        for entry in rehearsal::practical_entries(args.seed, &d.exam_no, rubric, panel, examiners) {
            for (step, points) in &entry.steps {
                rows.push(vec![
                    Value::from(d.exam_no.as_str()),
                    Value::from(d.rubric_id.as_str()),
                    Value::from(entry.examiner),
                    Value::from(step.as_str()),
                    Value::Number(*points),
                    Value::Empty,
                ]);
            }
            for veto in &entry.vetoes {
                rows.push(vec![
                    Value::from(d.exam_no.as_str()),
                    Value::from(d.rubric_id.as_str()),
                    Value::from(entry.examiner),
                    Value::Empty,
                    Value::Empty,
                    Value::from(veto.as_str()),
                ]);
            }
        }
    }
    let headers = ["准考证号", "任务", "考评员", "步骤", "得分", "否决"].map(String::from).to_vec();
    let count = rows.len();
    let sheet = Sheet { name: "实操评分".into(), headers, rows };
    let path = args.out.join("practical-grades.csv");
    spreadsheet::write_file_atomically(&path, &spreadsheet::csv_bytes(&sheet)?)?;
    Ok(Some((path, count, skipped)))
}

/// The grade file written, its rows, and who has no practical grades in it and why.
type Graded = (PathBuf, usize, HashMap<String, Unscorable>);

fn display(path: &Path) -> String {
    path.display().to_string()
}
