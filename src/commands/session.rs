//! `certify session …` and `certify candidates import`: sittings, their candidates and
//! which paper each candidate sits.

use std::collections::HashMap;

use jiff::civil::Date;
use serde_json::json;

use super::Context;
use crate::cli::{CandidatesImportArgs, SessionAssignArgs, SessionCommand, SessionCreateArgs, SessionMarkArgs};
use crate::clock;
use crate::db::{
    CandidateRow, ExamRead, NewCandidate, NewSession, OperationsRead, PaperRead, Read, SessionRead, SessionRow, Tx,
};
use crate::error::{Error, io_error};
use crate::idcard;
use crate::import::{self, ReadOptions, format_number};
use crate::output::{align_right, note, table, wrap_columns};
use crate::problem::Problems;
use crate::roster::{self, CANDIDATE_SCHEMA};

pub fn run(context: &Context, command: &SessionCommand) -> Result<(), Error> {
    match command {
        SessionCommand::Create(args) => create(context, args),
        SessionCommand::List => list(context),
        SessionCommand::Show { id, full_id, log } => show(context, id, *full_id, *log),
        SessionCommand::Mark(args) => mark(context, args),
        SessionCommand::Assign(args) => assign(context, args),
        SessionCommand::Rooms { session, size } => super::documents::rooms(context, session, *size),
        SessionCommand::Tickets(args) => super::documents::tickets(context, args),
        SessionCommand::SignIn(args) => super::documents::sign_in(context, args),
        SessionCommand::ScoreSheets { session, out, full_id } => {
            super::score_sheets::session_sheets(context, session, out, *full_id)
        }
        SessionCommand::SetPractical { session, file } => set_practical(context, session, file),
    }
}

/// The session `id`, or an error saying how to find the right one.
pub fn find_session(db: &impl Read, id: &str) -> Result<SessionRow, Error> {
    db.session(id)?
        .ok_or_else(|| Error::user(format!("没有编号为「{id}」的考试批次；用 certify session list 查看全部批次")))
}

fn create(context: &Context, args: &SessionCreateArgs) -> Result<(), Error> {
    let date: Date =
        args.date.trim().parse().map_err(|_| {
            Error::user(format!("--date「{}」不是有效日期；请写成 YYYY-MM-DD，例如 2026-12-05", args.date))
        })?;
    let id = args.id.trim();
    if id.is_empty() || id.chars().any(|c| c.is_whitespace() || c == ',') {
        return Err(Error::user("--id 不能为空，也不能含空格或逗号，例如 2026-12-BJ01"));
    }
    let plan = match &args.practical {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| io_error(path, "无法读取实操考核方案", &e))?;
            crate::practical::parse_plan(&path.display().to_string(), &text)
                .map_err(|problems| Error::Invalid(problems.into_errors()))?;
            Some(text)
        }
        None => None,
    };
    let mut db = context.workspace()?;
    if db.session(id)?.is_some() {
        return Err(Error::user(format!("考试批次「{id}」已经存在；用 certify session show {id} 查看")));
    }
    let retake_of: Vec<String> = args.retake_of.iter().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect();
    for earlier in &retake_of {
        let earlier = find_session(&db, earlier)?;
        if earlier.level != args.level.code() {
            return Err(Error::user(format!(
                "批次 {} 是{}，补考批次是{}；只能补考同一等级的批次",
                earlier.id,
                earlier.level,
                args.level.label()
            )));
        }
    }
    let tx = db.transaction()?;
    let date_text = date.to_string();
    tx.create_session(&NewSession {
        id,
        level: args.level.code(),
        date: &date_text,
        site: args.site.as_deref().unwrap_or(""),
        name: args.name.as_deref().unwrap_or(""),
        practical_plan: plan.as_deref(),
        created_at: &clock::now_text(),
    })?;
    if !retake_of.is_empty() {
        tx.set_retake_of(id, &retake_of)?;
    }
    tx.commit()?;
    let out = context.out;
    out.json(&json!({ "id": id, "level": args.level.code(), "date": date.to_string(), "retake_of": retake_of }))?;
    out.line(format!("已新建考试批次 {id}（{}，{}）", args.level.label(), date))?;
    if !retake_of.is_empty() {
        out.line(format!("这是 {} 的补考批次。", retake_of.join("、")))?;
    }
    out.line(format!("下一步：certify candidates import --session {id} 考生名单.csv"))
}

fn list(context: &Context) -> Result<(), Error> {
    let db = context.existing()?;
    let sessions = db.sessions()?;
    let out = context.out;
    out.json(&json!({ "sessions": sessions }))?;
    if sessions.is_empty() {
        return out.line("还没有考试批次。用 certify session create --id 编号 --level 等级 --date 日期 新建。");
    }
    let mut t = table(["批次", "名称", "等级", "日期", "考点", "考生", "已分配试卷", "已评分"]);
    for s in &sessions {
        t.add_row([
            s.id.clone(),
            s.name.clone(),
            s.level.clone(),
            s.date.clone(),
            s.site.clone(),
            s.candidates.to_string(),
            s.assigned.to_string(),
            s.scored.to_string(),
        ]);
    }
    align_right(&mut t, &[5, 6, 7]);
    out.table(&t)
}

fn show(context: &Context, id: &str, full_id: bool, log: bool) -> Result<(), Error> {
    let db = context.existing()?;
    let session = find_session(&db, id)?;
    if log {
        return show_log(context, &db, &session);
    }
    let candidates = db.candidates(id)?;
    let papers = db.session_papers(id)?;
    let sheets = db.sheet_totals(id)?;
    let replaced = db.replaced_sheets(id)?;
    let missing: Vec<&str> = candidates
        .iter()
        .filter(|c| c.paper_id.is_some() && !sheets.contains_key(&c.exam_no))
        .map(|c| c.exam_no.as_str())
        .collect();
    let out = context.out;
    out.json(&json!({
        "session": session,
        "papers": papers,
        "candidates": candidates.iter().map(|c| json!({
            "exam_no": c.exam_no,
            "name": c.name,
            "id_number": idcard::display(&c.id_number, full_id),
            "school": c.school,
            "paper": c.paper_id,
            "theory": sheets.get(&c.exam_no).map(|(_, total)| *total),
            "replaced_sheets": replaced.get(&c.exam_no).copied().unwrap_or(0),
        })).collect::<Vec<_>>(),
        "missing": missing,
    }))?;
    if out.json {
        return Ok(());
    }
    out.line(format!(
        "考试批次 {}{}  {} · {}{}",
        session.id,
        if session.name.is_empty() { String::new() } else { format!("（{}）", session.name) },
        session.level,
        session.date,
        if session.site.is_empty() { String::new() } else { format!(" · {}", session.site) }
    ))?;
    out.line(format!(
        "考生 {} 人 · 已分配试卷 {} 人 · 理论已评分 {} 人 · 未交答卷 {} 人",
        session.candidates,
        session.assigned,
        session.scored,
        missing.len()
    ))?;
    if papers.is_empty() {
        out.line(format!("试卷：尚未分配（certify session assign --session {id} --papers 试卷编号,试卷编号）"))?;
    } else {
        for paper in &papers {
            let count = candidates.iter().filter(|c| c.paper_id.as_deref() == Some(paper)).count();
            out.line(format!("试卷 {paper}：{count} 人"))?;
        }
    }
    if session.practical_plan.is_some() {
        out.line("实操考核方案：已设置")?;
    }
    if candidates.is_empty() {
        return out.line(format!("还没有考生。用 certify candidates import --session {id} 名单.csv 导入。"));
    }
    let mut t = table(["准考证号", "姓名", "身份证号", "培训机构", "试卷", "理论成绩"]);
    for c in &candidates {
        t.add_row([
            c.exam_no.clone(),
            c.name.clone(),
            idcard::display(&c.id_number, full_id),
            c.school.clone(),
            c.paper_id.clone().unwrap_or_else(|| "未分配".into()),
            match sheets.get(&c.exam_no) {
                Some((_, total)) => crate::import::format_number(*total),
                None if c.paper_id.is_some() => "未交".into(),
                None => String::new(),
            },
        ]);
    }
    align_right(&mut t, &[5]);
    out.table(&t)
}

/// `session show ID --log`: every change made by hand, oldest first.
fn show_log(context: &Context, db: &crate::db::Db, session: &SessionRow) -> Result<(), Error> {
    let log = db.session_log(&session.id)?;
    let out = context.out;
    out.json(&json!({ "session": session.id, "log": log }))?;
    if out.json {
        return Ok(());
    }
    if log.is_empty() {
        return out.line(format!("批次 {} 还没有变更记录。", session.id));
    }
    out.line(format!("批次 {} 的变更记录（{} 条）：", session.id, log.len()))?;
    let mut t = table(["时间", "操作人", "准考证号", "变更", "原因"]);
    for e in &log {
        t.add_row([e.at.clone(), e.by.clone(), e.exam_no.clone(), e.detail.clone(), e.reason.clone()]);
    }
    wrap_columns(&mut t, &[3, 4]);
    out.table(&t)
}

pub(super) fn import_candidates(context: &Context, args: &CandidatesImportArgs) -> Result<(), Error> {
    let source = import::load(&args.file)?;
    let mut db = context.workspace()?;
    let session = find_session(&db, &args.session)?;
    let today = clock::now().date();
    let mut problems = Problems::default();
    let records = import::read_all(
        std::slice::from_ref(&source),
        &CANDIDATE_SCHEMA,
        ReadOptions { encoding: args.encoding },
        &mut problems,
    )?;
    let list: Vec<_> = records.iter().filter_map(|r| roster::candidate_from_record(r, today, &mut problems)).collect();
    let existing: HashMap<String, roster::Registered> = db
        .candidates(&session.id)?
        .into_iter()
        .map(|c| {
            let extra = serde_json::from_str(&c.extra).unwrap_or_default();
            (c.exam_no, roster::Registered { name: c.name, id_number: c.id_number, school: c.school, extra })
        })
        .collect();
    let registered: HashMap<String, String> = existing.iter().map(|(e, r)| (e.clone(), r.id_number.clone())).collect();
    roster::check_duplicates(&list, &registered, &mut problems);
    if problems.has_errors() {
        return Err(Error::Invalid(problems.into_errors()));
    }
    if list.is_empty() {
        return Err(Error::user(format!("{}: 没有考生数据", source.name)));
    }
    // Rows already registered: identical ones are skipped, changed ones need --update.
    let mut unchanged = 0usize;
    let mut changed: Vec<(&roster::Candidate, String)> = Vec::new();
    let mut new: Vec<&roster::Candidate> = Vec::new();
    for c in &list {
        match existing.get(&c.exam_no) {
            None => new.push(c),
            Some(old) => match roster::compare(c, old) {
                changes if changes.is_empty() => unchanged += 1,
                changes => changed.push((c, roster::describe_changes(&changes))),
            },
        }
    }
    if !changed.is_empty() && !args.update {
        let mut problems = Problems::default();
        for (c, detail) in &changed {
            problems.error(c.location.clone(), format!("考生 {} 已登记，文件中的内容不同：{detail}", c.exam_no));
        }
        note(format!(
            "{} 名已登记考生的信息与文件不同，未导入任何考生；确认要按文件更新时，加 --update 重新运行。",
            changed.len()
        ));
        return Err(Error::Invalid(problems.into_errors()));
    }
    let retake = super::retake::plan_import(&db, &session, &new)?;
    let now = clock::now_text();
    let by = super::candidates::who();
    let tx = db.transaction()?;
    for (c, detail) in &changed {
        tx.update_candidate(&session.id, &c.exam_no, &c.name, &c.id_number, &c.school)?;
        tx.set_candidate_extra(&session.id, &c.exam_no, &serde_json::to_string(&c.extra).expect("serializes"))?;
        tx.log(
            &session.id,
            &c.exam_no,
            "reimport",
            detail,
            &format!("重新导入 {}（--update）", source.name),
            &by,
            &now,
        )?;
    }
    for c in &new {
        let extra = serde_json::to_string(&c.extra).expect("serializes");
        tx.insert_candidate(
            &session.id,
            &NewCandidate {
                exam_no: &c.exam_no,
                name: &c.name,
                id_number: &c.id_number,
                school: &c.school,
                extra: &extra,
                imported_from: &source.name,
            },
            &now,
        )?;
    }
    for (exam_no, part) in &retake {
        tx.insert_carried(&session.id, exam_no, part)?;
    }
    tx.commit()?;
    let out = context.out;
    out.json(&json!({
        "session": session.id,
        "added": new.len(),
        "unchanged": unchanged,
        "updated": changed.iter().map(|(c, detail)| json!({ "exam_no": c.exam_no, "changes": detail })).collect::<Vec<_>>(),
        "carried": retake.iter().map(|(e, p)| json!({ "exam_no": e, "part": p.part, "score": p.score, "from": p.from_session, "sat_on": p.sat_on })).collect::<Vec<_>>(),
        "candidates": new.iter().map(|c| json!({
            "exam_no": c.exam_no,
            "name": c.name,
            "id_number": idcard::display(&c.id_number, args.full_id),
            "school": c.school,
        })).collect::<Vec<_>>(),
    }))?;
    let schools: std::collections::BTreeSet<&str> = new.iter().map(|c| c.school.as_str()).collect();
    out.line(format!(
        "已导入 {} 名考生到批次 {}（来自 {} 个培训机构），本批次共 {} 人。",
        new.len(),
        session.id,
        schools.len(),
        registered.len() + new.len()
    ))?;
    if unchanged > 0 {
        out.line(format!("{unchanged} 名考生已登记且信息相同，已跳过。"))?;
    }
    if !changed.is_empty() {
        out.line(format!("已按文件更新 {} 名已登记考生（已记入变更记录）：", changed.len()))?;
        for (c, detail) in &changed {
            out.line(format!("  {} {}：{detail}", c.exam_no, c.name))?;
        }
    }
    for (exam_no, p) in &retake {
        out.line(format!(
            "  {exam_no}：{}成绩 {} 沿用批次 {}（{}）",
            crate::operations::part_label(&p.part),
            format_number(p.score),
            p.from_session,
            p.sat_on
        ))?;
    }
    Ok(())
}

/// `session mark`: absent (缺考) or misconduct (违纪) on one part, with the reason. A
/// mark replaces an earlier one on the same part; both are in the change log.
fn mark(context: &Context, args: &SessionMarkArgs) -> Result<(), Error> {
    use crate::operations::{Part, mark_label};
    let reason = super::candidates::required_reason(&args.reason, "标记")?;
    let part = Part::parse(&args.part).expect("clap checked the part");
    let mut db = context.workspace()?;
    let session = find_session(&db, &args.session)?;
    let tx = db.transaction()?;
    let c = super::candidates::find_candidate(&tx, &session.id, &args.exam_no)?;
    let (by, now) = (super::candidates::who(), clock::now_text());
    let label = mark_label(&args.status);
    record_mark(&tx, &session.id, &c, part, &args.status, &reason, &by, &now)?;
    let affected = super::candidates::affected_now(&tx, &session.id, &c.exam_no)?;
    tx.commit()?;
    let out = context.out;
    out.json(&json!({
        "session": session.id, "exam_no": c.exam_no, "part": part.code(), "status": args.status,
        "reason": reason, "by": by, "affected": affected,
    }))?;
    out.line(format!("已记录：考生 {}（{}）{}{label}（原因：{reason}）。", c.exam_no, c.name, part.label()))?;
    if args.status == "misconduct" {
        out.line("违纪考生不签发证书。")?;
    }
    if let Some(text) = affected {
        out.line(text)?;
    }
    Ok(())
}

/// Records `c` as absent from or guilty of misconduct in `part` (`status` is `absent` or
/// `misconduct`), with the reason, in the session's change log: what `session mark` and
/// the invigilator's console both store. Refused for a withdrawn candidate, and absence for
/// a part already on record.
#[allow(clippy::too_many_arguments)]
pub fn record_mark(
    tx: &Tx<'_>,
    session: &str,
    c: &CandidateRow,
    part: crate::operations::Part,
    status: &str,
    reason: &str,
    by: &str,
    now: &str,
) -> Result<(), Error> {
    use crate::operations::{Part, mark_label};
    if c.withdrawn() {
        return Err(Error::user(format!("考生 {}（{}）已退考，不需要再标记缺考或违纪", c.exam_no, c.name)));
    }
    // Absence contradicts a result on record; misconduct may be found after scoring.
    if status == "absent" {
        let sat = match part {
            Part::Theory => tx.scored_exam_nos(session)?.contains(&c.exam_no),
            Part::Practical => tx.has_grades(session, &c.exam_no)?,
        };
        if sat {
            return Err(Error::user(format!(
                "考生 {}（{}）已有{}成绩，不能标记为缺考；如成绩录错，请先更正成绩",
                c.exam_no,
                c.name,
                part.label()
            )));
        }
    }
    let label = mark_label(status);
    tx.set_mark(session, &c.exam_no, part.code(), status, reason, by, now)?;
    tx.log(session, &c.exam_no, "mark", &format!("{}{label}", part.label()), reason, by, now)?;
    Ok(())
}

/// The forms of the most recent build at `level` (papers are listed in build order).
fn latest_build_of_level(db: &impl Read, level: &str) -> Result<Vec<String>, Error> {
    let papers = db.paper_list()?;
    let last =
        papers.iter().rev().find(|p| p.level == level).map(|p| p.build_id.clone()).ok_or_else(|| {
            Error::user(format!("还没有{level}的试卷；先用 certify build-paper 按{level}的组卷方案组卷"))
        })?;
    Ok(papers.into_iter().filter(|p| p.build_id == last).map(|p| p.id).collect())
}

fn assign(context: &Context, args: &SessionAssignArgs) -> Result<(), Error> {
    let mut db = context.workspace()?;
    let session = find_session(&db, &args.session)?;
    let mut papers: Vec<String> = if args.latest {
        latest_build_of_level(&db, &session.level)?
    } else {
        args.papers.iter().map(|p| p.trim().to_owned()).filter(|p| !p.is_empty()).collect()
    };
    papers.dedup();
    for paper in &papers {
        let view = db
            .paper(paper)?
            .ok_or_else(|| Error::user(format!("没有编号为「{paper}」的试卷；用 certify paper list 查看全部试卷")))?;
        if view.level != session.level {
            return Err(Error::user(format!(
                "试卷 {paper} 是 {} 的试卷，批次 {} 是 {}；请选择同一等级的试卷",
                view.level, session.id, session.level
            )));
        }
    }
    let candidates = db.candidates(&session.id)?;
    if candidates.is_empty() {
        return Err(Error::user(format!("批次 {} 还没有考生；请先导入考生名单", session.id)));
    }
    let sitting = db.sittings(&session.id)?.len();
    if sitting > 0 {
        return Err(Error::user(format!(
            "批次 {} 的机考已经开始（{sitting} 名考生已开考），不能再重新分配试卷；考生答的是开考时分配的试卷",
            session.id
        )));
    }
    let scored = db.scored_exam_nos(&session.id)?;
    if !scored.is_empty() {
        return Err(Error::user(format!("批次 {} 已有 {} 份答卷评过分，不能再重新分配试卷", session.id, scored.len())));
    }
    // Dealt in turn by exam number, so neighbours in the room get different forms.
    let dealt: Vec<(String, String)> =
        candidates.iter().enumerate().map(|(i, c)| (c.exam_no.clone(), papers[i % papers.len()].clone())).collect();
    let tx = db.transaction()?;
    tx.assign(&session.id, &papers, &dealt)?;
    tx.commit()?;
    let out = context.out;
    out.json(&json!({
        "session": session.id,
        "papers": papers,
        "assignments": dealt.iter().map(|(e, p)| json!({ "exam_no": e, "paper": p })).collect::<Vec<_>>(),
    }))?;
    for paper in &papers {
        let count = dealt.iter().filter(|(_, p)| p == paper).count();
        out.line(format!("{paper}：{count} 人"))?;
    }
    out.line(format!("已按准考证号顺序为 {} 名考生轮流分配 {} 套试卷。", dealt.len(), papers.len()))
}

fn set_practical(context: &Context, session_id: &str, path: &std::path::Path) -> Result<(), Error> {
    let text = std::fs::read_to_string(path).map_err(|e| io_error(path, "无法读取实操考核方案", &e))?;
    let plan = crate::practical::parse_plan(&path.display().to_string(), &text)
        .map_err(|problems| Error::Invalid(problems.into_errors()))?;
    let mut db = context.workspace()?;
    let session = find_session(&db, session_id)?;
    if !crate::db::PracticalRead::draws(&db, &session.id)?.is_empty() {
        return Err(Error::user(format!("批次 {} 已经抽过签，不能再更换实操考核方案", session.id)));
    }
    let tx = db.transaction()?;
    tx.set_practical_plan(&session.id, &text)?;
    tx.commit()?;
    let out = context.out;
    out.json(&json!({ "session": session.id, "plan": plan }))?;
    let draws: Vec<String> =
        plan.draw.iter().map(|d| format!("{} {} 个（{}%）", d.category, d.count, format_number(d.weight))).collect();
    out.line(format!(
        "已设置批次 {} 的实操考核方案：每位考生抽 {}；每个任务至少 {} 位考评员，分差超过 {} 分须仲裁。",
        session.id,
        draws.join("、"),
        plan.examiners_min,
        format_number(plan.discrepancy)
    ))
}
