//! `certify appeal …`: appeals (复核) against one part of a candidate's result: open,
//! decide, list.
//!
//! Guarantees: an appeal is opened only for a part the candidate sat in this session (a
//! theory sheet, practical grades), never for a withdrawn candidate or a part carried
//! over from an earlier session, and only one is open per part at a time; it is decided
//! once. A theory appeal is scored again, question by question, against the paper's key
//! as it is now; corrected, the sheet's item scores and total are stored the way `paper
//! fix-key` stores them. A practical correction is recorded as an arbiter's score for one
//! drawn task, so `grade status` and `results` use it. Each action is one transaction
//! that also writes the session's change log; a corrected result behind an issued
//! certificate flags it stale (by `session_results`), and the output names the remedy.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::Context;
use super::candidates::{find_candidate, required_reason, who};
use super::practical::{Arbitration, arbitrate};
use super::results::{CandidateResult, session_results};
use super::score::{Key, store_rescored};
use super::session::find_session;
use crate::cli::{AppealCommand, AppealDecideArgs, AppealOpenArgs};
use crate::clock;
use crate::db::{AppealDecision, AppealRow, NewAppeal, OperationsRead, PaperRead, Read, SessionRead, SessionRow};
use crate::error::Error;
use crate::import::format_number;
use crate::operations::{self, Part, Verdict, part_label};
use crate::output::{align_right, table, truncate};
use crate::scoring;

pub fn run(context: &Context, command: &AppealCommand) -> Result<(), Error> {
    match command {
        AppealCommand::Open(args) => open(context, args),
        AppealCommand::Decide(args) => decide(context, args),
        AppealCommand::List { session } => list(context, session.as_deref()),
    }
}

/// An appeal as every `--json` output gives it.
fn appeal_json(a: &AppealRow, name: &str) -> Value {
    json!({
        "id": a.id,
        "session": a.session,
        "exam_no": a.exam_no,
        "name": name,
        "part": a.part,
        "reason": a.reason,
        "status": if a.outcome.is_some() { "decided" } else { "open" },
        "outcome": a.outcome,
        "opened_by": a.opened_by,
        "opened_at": a.opened_at,
        "task": a.task,
        "task_score": a.task_score,
        "old_score": a.old_score,
        "score": a.score,
        "note": a.note,
        "decided_by": a.decided_by,
        "decided_at": a.decided_at,
    })
}

fn score_text(score: Option<f64>) -> String {
    score.map(format_number).unwrap_or_else(|| "—".into())
}

fn open(context: &Context, args: &AppealOpenArgs) -> Result<(), Error> {
    let reason = required_reason(&args.reason, "申请复核")?;
    let part = Part::parse(&args.part).expect("clap checked the part");
    let label = part.label();
    // An appeal is about results already in a workspace: a missing file is a mistyped --db.
    let mut db = context.existing()?;
    let session = find_session(&db, &args.session)?;
    let tx = db.transaction()?;
    let c = find_candidate(&tx, &session.id, &args.exam_no)?;
    let who_it_is = format!("考生 {}（{}）", c.exam_no, c.name);
    if c.withdrawn() {
        return Err(Error::user(format!(
            "{who_it_is}已退考（原因：{}），没有可复核的成绩",
            c.status_reason.as_deref().unwrap_or("")
        )));
    }
    let carried = tx.carried_parts(&session.id)?.remove(&c.exam_no).unwrap_or_default();
    if let Some(p) = carried.iter().find(|p| p.part == part.code()) {
        return Err(Error::user(format!(
            "{who_it_is}的{label}成绩沿用批次 {}（{}，准考证号 {}），不是在本批次考的；请在批次 {} 申请复核",
            p.from_session, p.sat_on, p.from_exam_no, p.from_session
        )));
    }
    let (sat, missing) = match part {
        Part::Theory => (tx.scored_exam_nos(&session.id)?.contains(&c.exam_no), "没有理论答卷"),
        Part::Practical => (tx.has_grades(&session.id, &c.exam_no)?, "没有实操评分"),
    };
    if !sat {
        return Err(Error::user(format!("{who_it_is}在批次 {} {missing}，没有可复核的{label}成绩", session.id)));
    }
    let pending = tx.appeals(Some(&session.id))?;
    if let Some(a) = pending.iter().find(|a| a.exam_no == c.exam_no && a.part == part.code() && a.outcome.is_none()) {
        return Err(Error::user(format!(
            "{who_it_is}的{label}已有待复核的申请（复核编号 {}，{} 由 {} 登记）；请先作出结论：certify appeal decide {} --outcome upheld|corrected --note 说明 --by 复核人",
            a.id, a.opened_at, a.opened_by, a.id
        )));
    }
    let (by, now) = (who(), clock::now_text());
    let id = tx.open_appeal(&NewAppeal {
        session: &session.id,
        exam_no: &c.exam_no,
        part: part.code(),
        reason: &reason,
        by: &by,
        at: &now,
    })?;
    tx.log(&session.id, &c.exam_no, "appeal-open", &format!("申请{label}复核（复核编号 {id}）"), &reason, &by, &now)?;
    let row = tx.appeal(id)?.expect("opened in this transaction");
    tx.commit()?;
    let out = context.out;
    out.json(&appeal_json(&row, &c.name))?;
    out.line(format!("已登记复核申请，复核编号 {id}：批次 {} {who_it_is}{label}成绩（原因：{reason}）。", session.id))?;
    out.line(format!("作出结论：certify appeal decide {id} --outcome upheld|corrected --note 说明 --by 复核人"))
}

/// One question of a theory sheet scored again.
struct QuestionMark {
    answer: String,
    key: String,
    earned: f64,
    possible: f64,
    /// What the sheet has on record for it.
    recorded: f64,
}

/// A theory sheet scored again against its paper's key as it is now.
struct Review {
    sheet: i64,
    paper: String,
    marks: Vec<QuestionMark>,
    scores: Vec<f64>,
    old_total: f64,
    new_total: f64,
}

impl Review {
    fn changed(&self) -> bool {
        (self.new_total - self.old_total).abs() > 1e-9
            || self.marks.iter().any(|m| (m.earned - m.recorded).abs() > 1e-9)
    }
}

fn review_theory(db: &impl Read, session: &str, exam_no: &str) -> Result<Review, Error> {
    let sheet = db
        .sheet_history(session, exam_no)?
        .into_iter()
        .find(|s| s.current)
        .ok_or_else(|| Error::user(format!("考生 {exam_no} 在批次 {session} 没有理论答卷，无法重新评分")))?;
    let paper = db.paper(&sheet.paper_id)?.ok_or_else(|| Error::user(format!("试卷 {} 不存在", sheet.paper_id)))?;
    let key = Key::of(&paper);
    let scores = scoring::rescore(&key.questions, &sheet.responses);
    let marks = key
        .questions
        .iter()
        .enumerate()
        .map(|(i, q)| QuestionMark {
            answer: sheet.responses.get(i).cloned().unwrap_or_default(),
            key: q.key.clone(),
            earned: scores[i],
            possible: q.points,
            recorded: sheet.scores.get(i).copied().unwrap_or(0.0),
        })
        .collect();
    Ok(Review {
        sheet: sheet.id,
        paper: sheet.paper_id,
        marks,
        new_total: scores.iter().sum(),
        scores,
        old_total: sheet.total,
    })
}

fn result_of(db: &impl Read, session: &SessionRow, exam_no: &str) -> Result<CandidateResult, Error> {
    session_results(db, session)?
        .into_iter()
        .find(|r| r.exam_no == exam_no)
        .ok_or_else(|| Error::user(format!("考生 {exam_no} 已不在批次 {} 中", session.id)))
}

fn part_score(r: &CandidateResult, part: Part) -> Option<f64> {
    match part {
        Part::Theory => r.theory,
        Part::Practical => r.practical,
    }
}

fn decide(context: &Context, args: &AppealDecideArgs) -> Result<(), Error> {
    let verdict = Verdict::parse(&args.outcome).expect("clap checked the outcome");
    let (note, by) = (args.note.trim(), args.by.trim());
    if note.is_empty() {
        return Err(Error::user("请用 --note 写明复核说明（会记录在复核记录和批次的变更记录中）"));
    }
    if by.is_empty() {
        return Err(Error::user("请用 --by 写明复核人姓名"));
    }
    let mut db = context.existing()?;
    let tx = db.transaction()?;
    let appeal = tx
        .appeal(args.id)?
        .ok_or_else(|| Error::user(format!("没有编号为 {} 的复核申请；用 certify appeal list 查看", args.id)))?;
    if let Some(outcome) = &appeal.outcome {
        return Err(Error::user(format!(
            "复核申请 {} 已于 {} 由 {} 作出结论（{}），不能再次作出结论",
            appeal.id,
            appeal.decided_at.as_deref().unwrap_or(""),
            appeal.decided_by.as_deref().unwrap_or(""),
            operations::appeal_status(Some(outcome))
        )));
    }
    let part = Part::parse(&appeal.part).expect("the table allows only the two parts");
    let task = operations::decided_task(part, verdict, args.task.as_deref(), args.score).map_err(Error::user)?;
    let session = find_session(&tx, &appeal.session)?;
    let c = find_candidate(&tx, &session.id, &appeal.exam_no)?;
    let old_score = part_score(&result_of(&tx, &session, &c.exam_no)?, part);
    let review = match part {
        Part::Theory => Some(review_theory(&tx, &session.id, &c.exam_no)?),
        Part::Practical => None,
    };
    if let Some(review) = &review
        && verdict == Verdict::Corrected
    {
        if !review.changed() {
            return Err(Error::user(format!(
                "按试卷现在的标准答案重新评分，考生 {}（{}）的理论成绩仍是 {} 分，没有可更正的内容；请用 --outcome upheld 维持原成绩",
                c.exam_no,
                c.name,
                format_number(review.old_total)
            )));
        }
        store_rescored(&tx, review.sheet, &review.scores)?;
    }
    if let Some((task, score)) = &task {
        arbitrate(
            &tx,
            &Arbitration {
                session: &session,
                exam_no: &c.exam_no,
                task,
                score: *score,
                examiner: by,
                reason: note,
                only_disputed: false,
            },
        )?;
    }
    let after = result_of(&tx, &session, &c.exam_no)?;
    let new_score = part_score(&after, part);
    let (operator, now) = (who(), clock::now_text());
    tx.decide_appeal(&AppealDecision {
        id: appeal.id,
        outcome: verdict.code(),
        task: task.as_ref().map(|(t, _)| t.as_str()),
        task_score: task.as_ref().map(|(_, s)| *s),
        score: new_score,
        old_score,
        note,
        by,
        at: &now,
    })?;
    let label = part.label();
    let what = match (verdict, &task) {
        (Verdict::Upheld, _) => format!("维持原成绩，{label} {} 分", score_text(old_score)),
        (Verdict::Corrected, None) => {
            format!("更正成绩，{label} {} → {} 分", score_text(old_score), score_text(new_score))
        }
        (Verdict::Corrected, Some((t, s))) => format!(
            "更正成绩，任务 {t} 记为 {} 分，{label} {} → {} 分",
            format_number(*s),
            score_text(old_score),
            score_text(new_score)
        ),
    };
    let detail = format!("{label}复核（复核编号 {}）结论：{what}（复核人 {by}）", appeal.id);
    tx.log(&session.id, &c.exam_no, "appeal-decide", &detail, note, &operator, &now)?;
    let row = tx.appeal(appeal.id)?.expect("decided in this transaction");
    tx.commit()?;

    let out = context.out;
    let stale = after.certificate.as_ref().filter(|_| after.stale);
    if out.json {
        let mut value = appeal_json(&row, &c.name);
        value["certificate"] = json!(after.certificate);
        value["stale"] = json!(after.stale);
        if let Some(review) = &review {
            value["paper"] = json!(review.paper);
            value["old_total"] = json!(review.old_total);
            value["new_total"] = json!(review.new_total);
            value["questions"] = review
                .marks
                .iter()
                .enumerate()
                .map(|(i, m)| {
                    json!({
                        "number": i + 1,
                        "answer": m.answer,
                        "key": m.key,
                        "points": m.earned,
                        "possible": m.possible,
                        "recorded": m.recorded,
                    })
                })
                .collect();
        }
        return out.json(&value);
    }
    out.line(format!("复核编号 {}：批次 {} 考生 {}（{}）{label}成绩。", appeal.id, session.id, c.exam_no, c.name))?;
    if let Some(review) = &review {
        out.line(format!("按试卷 {} 现在的标准答案逐题重新评分：", review.paper))?;
        let mut t = table(["题号", "考生作答", "标准答案", "得分", "原记分"]);
        for (i, m) in review.marks.iter().enumerate() {
            t.add_row([
                (i + 1).to_string(),
                if m.answer.is_empty() { "未答".to_owned() } else { m.answer.clone() },
                m.key.clone(),
                format!("{} / {}", format_number(m.earned), format_number(m.possible)),
                if (m.earned - m.recorded).abs() > 1e-9 { format_number(m.recorded) } else { String::new() },
            ]);
        }
        align_right(&mut t, &[0, 3, 4]);
        out.table(&t)?;
        out.line(format!(
            "原总分 {}，重新评分后总分 {}{}。",
            format_number(review.old_total),
            format_number(review.new_total),
            if review.changed() { "" } else { "（与原成绩相同）" }
        ))?;
    }
    out.line(format!("结论：{what}（复核人 {by}，说明：{note}）。"))?;
    if task.is_some() {
        out.line("该任务的分数按仲裁记录，grade status 和 results 以它为准。")?;
    }
    if let Some(number) = stale {
        out.line(format!("证书 {number} 背后的成绩已变动，已标记为需复核（{}）。", operations::stale_remedy(number)))?;
        if !after.passed {
            out.line(format!(
                "按现在的成绩考生不合格（{}）；如需撤销证书：certify certificates revoke {number} --reason 原因",
                after.reason.as_deref().unwrap_or("不合格")
            ))?;
        }
    }
    Ok(())
}

fn list(context: &Context, session: Option<&str>) -> Result<(), Error> {
    let db = context.existing()?;
    let session = session.map(|id| find_session(&db, id)).transpose()?;
    let appeals = db.appeals(session.as_ref().map(|s| s.id.as_str()))?;
    let mut names: HashMap<(String, String), String> = HashMap::new();
    let mut sessions: Vec<&str> = appeals.iter().map(|a| a.session.as_str()).collect();
    sessions.sort_unstable();
    sessions.dedup();
    for id in sessions {
        for c in db.candidates(id)? {
            names.insert((id.to_owned(), c.exam_no), c.name);
        }
    }
    let name_of = |a: &AppealRow| names.get(&(a.session.clone(), a.exam_no.clone())).cloned().unwrap_or_default();
    let out = context.out;
    out.json(&json!({ "appeals": appeals.iter().map(|a| appeal_json(a, &name_of(a))).collect::<Vec<_>>() }))?;
    if out.json {
        return Ok(());
    }
    if appeals.is_empty() {
        return out.line(
            "还没有复核申请。登记：certify appeal open --session 批次 --exam-no 准考证号 --part theory|practical --reason 原因",
        );
    }
    // Kept inside 120 columns: the task behind a practical correction and the full times
    // are in --json and in the session's change log.
    let mut t = table(["编号", "批次", "准考证号", "姓名", "部分", "原因", "结论", "复核人", "日期"]);
    for a in &appeals {
        let status = operations::appeal_status(a.outcome.as_deref());
        let status = match a.outcome.as_deref().and_then(Verdict::parse) {
            None => status.to_owned(),
            Some(Verdict::Upheld) => format!("{status} {}", score_text(a.old_score)),
            Some(Verdict::Corrected) => format!("{status} {}→{}", score_text(a.old_score), score_text(a.score)),
        };
        let when = a.decided_at.as_deref().unwrap_or(&a.opened_at);
        t.add_row([
            a.id.to_string(),
            a.session.clone(),
            a.exam_no.clone(),
            name_of(a),
            part_label(&a.part).to_owned(),
            truncate(&a.reason, 20),
            status,
            a.decided_by.clone().unwrap_or_default(),
            when.get(..10).unwrap_or(when).to_owned(),
        ]);
    }
    align_right(&mut t, &[0]);
    out.table(&t)?;
    let open = appeals.iter().filter(|a| a.outcome.is_none()).count();
    out.line(format!("共 {} 件，待复核 {open} 件。", appeals.len()))
}
