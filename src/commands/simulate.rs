//! `certify simulate`: rehearsal data, so an exam office can run its whole workflow
//! before the real day. The files it writes are exactly what the scoring commands read.

use std::path::Path;

use serde_json::json;

use super::Context;
use super::session::find_session;
use crate::cli::SimulateArgs;
use crate::db::{PaperRead, SessionRead};
use crate::error::Error;
use crate::rehearsal;
use crate::spreadsheet::{self, Sheet, Value};

pub fn run(context: &Context, args: &SimulateArgs) -> Result<(), Error> {
    let db = context.workspace()?;
    let session = find_session(&db, &args.session)?;
    let candidates = db.candidates(&session.id)?;
    let assigned: Vec<_> = candidates.iter().filter(|c| c.paper_id.is_some()).collect();
    if assigned.is_empty() {
        return Err(Error::user(format!(
            "批次 {} 还没有分配试卷的考生；请先导入考生并运行 certify session assign",
            session.id
        )));
    }
    let mut papers = std::collections::HashMap::new();
    for paper in db.session_papers(&session.id)? {
        if let Some(view) = db.paper(&paper)? {
            papers.insert(paper, rehearsal::PaperModel::of(&view));
        }
    }
    let width = papers.values().map(|p| p.questions.len()).max().unwrap_or(0);
    let mut headers = vec!["准考证号".to_owned(), "试卷".to_owned()];
    headers.extend((1..=width).map(|q| q.to_string()));
    let mut rows = Vec::with_capacity(assigned.len());
    for candidate in &assigned {
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
    let out = context.out;
    out.json(&json!({ "session": session.id, "seed": args.seed, "theory_responses": path.display().to_string(), "sheets": assigned.len() }))?;
    out.line(format!("已为 {} 名考生生成演练答卷：{}", assigned.len(), display(&path)))?;
    out.line(format!("评分：certify score theory --session {} {}", session.id, display(&path)))
}

fn display(path: &Path) -> String {
    path.display().to_string()
}
