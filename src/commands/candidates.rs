//! `certify candidates …`: the roster of a session after import: list, correct, withdraw
//! (退考) and transfer to another session.
//!
//! Guarantees: every change is one transaction that also writes the session's change log
//! (who, when, why); a change to a candidate who already has results says what it
//! affects, and a certificate it touches is flagged stale by `session_results` (the
//! signed name, ID number or pass no longer match). A withdrawn candidate keeps the
//! record and is never scored or graded again ([`unscorable`]). A transfer moves only someone without scores, between sessions of one level.

use serde_json::json;

use super::Context;
use super::results::session_results;
use super::session::{find_session, import_candidates};
use crate::cli::{CandidatesCodesArgs, CandidatesCommand, CandidatesUpdateArgs};
use crate::clock;
use crate::db::{self as operations_db, CandidateRow, ExamRead, OperationsRead, PracticalRead, Read, SessionRead, Tx};
use crate::error::Error;
use crate::idcard;
use crate::operations::{self, Held, Unscorable};
use crate::output::table;

pub fn run(context: &Context, command: &CandidatesCommand) -> Result<(), Error> {
    match command {
        CandidatesCommand::Import(args) => import_candidates(context, args),
        CandidatesCommand::List { session, full_id } => list(context, session, *full_id),
        CandidatesCommand::Update(args) => update(context, args),
        CandidatesCommand::Withdraw { session, exam_no, reason } => withdraw(context, session, exam_no, reason),
        CandidatesCommand::Codes(args) => codes(context, args),
        CandidatesCommand::Transfer { from, to, exam_no, reason } => {
            transfer(context, from, to, exam_no, reason.as_deref())
        }
    }
}

/// `candidates codes`: one-time access codes for the computer-based exam, shown once
/// (only their hashes are kept). Every candidate not withdrawn gets one; a second run
/// needs `--renew` (all anew) or `--exam-no` (one anew), since it voids printed slips.
fn codes(context: &Context, args: &CandidatesCodesArgs) -> Result<(), Error> {
    if let Some(out) = &args.out {
        crate::render::pdf::extension(out)?;
    }
    let mut db = context.workspace()?;
    let session = find_session(&db, &args.session)?;
    let tx = db.transaction()?;
    let chosen: Vec<CandidateRow> = match &args.exam_no {
        Some(exam_no) => vec![find_candidate(&tx, &session.id, exam_no)?],
        None => {
            let given = tx.candidate_code_count(&session.id)?;
            if given > 0 && !args.renew {
                return Err(Error::user(format!(
                    "批次 {} 已经给 {given} 位考生发过机考登录码。再发一次会让已打印的登录码全部作废：\
                     确实要全部换新，请加 --renew；只给一位考生换码，请用 --exam-no 准考证号",
                    session.id
                )));
            }
            tx.candidates(&session.id)?.into_iter().filter(|c| !c.withdrawn()).collect()
        }
    };
    if chosen.is_empty() {
        return Err(Error::user(format!("批次 {} 还没有考生；先用 certify candidates import 导入名单", session.id)));
    }
    if let Some(c) = chosen.iter().find(|c| c.withdrawn()) {
        return Err(Error::user(format!("考生 {}（{}）已退考，不需要登录码", c.exam_no, c.name)));
    }
    let (now, now_s) = (clock::now_text(), clock::unix_seconds());
    let mut given = Vec::with_capacity(chosen.len());
    for c in &chosen {
        let code = crate::access::new_code();
        tx.set_candidate_code(
            &session.id,
            &c.exam_no,
            &crate::access::candidate_code_hash(&session.id, &c.exam_no, &code),
            &now,
            now_s,
        )?;
        given.push((c, code));
    }
    tx.log(&session.id, "", "codes", &format!("发放机考登录码 {} 人", given.len()), "", &who(), &now)?;
    let plan = crate::db::RoomsRead::room_plan(&tx, &session.id)?
        .and_then(|text| serde_json::from_str::<crate::seating::Plan>(&text).ok());
    if let Some(out) = &args.out {
        let slips: Vec<serde_json::Value> = given
            .iter()
            .map(|(c, code)| {
                let seat = plan.as_ref().and_then(|p| p.seat_of(&c.exam_no));
                json!({
                    "exam_no": c.exam_no, "name": c.name, "id_masked": idcard::mask(&c.id_number), "code": code,
                    "room": seat.map(|s| s.room.clone()), "seat": seat.map(|s| s.seat.clone()),
                })
            })
            .collect();
        let html = crate::render::render_document(
            "code_slips.html",
            "机考登录条",
            minijinja::context! {
                session => minijinja::Value::from(minijinja::value::Serde(super::documents::session_facts(&session))),
                slips => minijinja::Value::from(minijinja::value::Serde(slips)),
            },
        )?;
        crate::render::pdf::write_document(out, &html)?;
    }
    // Written only once the file is: a failed write leaves the old codes in force.
    tx.commit()?;
    let out = context.out;
    out.json(&json!({
        "session": session.id,
        "codes": given.iter().map(|(c, code)| json!({ "exam_no": c.exam_no, "name": c.name, "code": code })).collect::<Vec<_>>(),
        "out": args.out.as_ref().map(|p| p.display().to_string()),
    }))?;
    if let Some(path) = &args.out {
        out.line(format!(
            "已给 {} 位考生发放机考登录码，登录条在 {}。请打印后发给考生本人。",
            given.len(),
            path.display()
        ))?;
        return Ok(());
    }
    let mut t = table(["准考证号", "姓名", "登录码"]);
    for (c, code) in &given {
        t.add_row([c.exam_no.as_str(), c.name.as_str(), code.as_str()]);
    }
    out.table(&t)?;
    out.line(format!(
        "已给 {} 位考生发放机考登录码。登录码只显示这一次（库中只存摘要）：请现在打印或抄下发给考生本人；\
         要打印登录条，用 --renew --out 登录条.html 重新发放。",
        given.len()
    ))?;
    Ok(())
}

/// Who is making the change, as the log records it.
pub fn who() -> String {
    operations::who(std::env::var("USER").ok(), std::env::var("USERNAME").ok())
}

/// A reason is required for every change by hand.
pub fn required_reason(reason: &str, what: &str) -> Result<String, Error> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(Error::user(format!("请用 --reason 写明{what}的原因（会记录在批次的变更记录中）")));
    }
    Ok(reason.to_owned())
}

/// The candidate `exam_no` of `session`, or an error saying where to look.
pub fn find_candidate(db: &impl Read, session: &str, exam_no: &str) -> Result<CandidateRow, Error> {
    let exam_no = exam_no.trim();
    db.candidate(session, exam_no)?.ok_or_else(|| {
        Error::user(format!(
            "批次 {session} 中没有准考证号为「{exam_no}」的考生；用 certify candidates list --session {session} 查看"
        ))
    })
}

/// What the candidate holds after this transaction's writes, as a sentence (if anything).
pub fn affected_now(tx: &Tx<'_>, session_id: &str, exam_no: &str) -> Result<Option<String>, Error> {
    let session = find_session(tx, session_id)?;
    let Some(r) = session_results(tx, &session)?.into_iter().find(|r| r.exam_no == exam_no) else {
        return Ok(None);
    };
    let held = Held {
        theory: r.theory.is_some(),
        practical: r.practical.is_some() || tx.has_grades(session_id, exam_no)?,
        certificate: r.certificate.clone(),
    };
    Ok(operations::affected(&held, r.stale))
}

fn status_text(c: &CandidateRow) -> String {
    match (c.withdrawn(), c.status_reason.as_deref()) {
        (true, Some(why)) if !why.is_empty() => format!("退考（{why}）"),
        (true, _) => "退考".into(),
        (false, _) => "在册".into(),
    }
}

fn list(context: &Context, session_id: &str, full_id: bool) -> Result<(), Error> {
    let db = context.existing()?;
    let session = find_session(&db, session_id)?;
    let candidates = db.candidates(&session.id)?;
    let out = context.out;
    out.json(&json!({
        "session": session.id,
        "candidates": candidates.iter().map(|c| json!({
            "exam_no": c.exam_no,
            "name": c.name,
            "id_number": idcard::display(&c.id_number, full_id),
            "school": c.school,
            "status": c.status,
            "status_reason": c.status_reason,
            "paper": c.paper_id,
        })).collect::<Vec<_>>(),
    }))?;
    if out.json {
        return Ok(());
    }
    if candidates.is_empty() {
        return out.line(format!(
            "批次 {} 还没有考生。用 certify candidates import --session {} 名单.csv 导入。",
            session.id, session.id
        ));
    }
    let withdrawn = candidates.iter().filter(|c| c.withdrawn()).count();
    out.line(format!("批次 {}：考生 {} 人（退考 {} 人）。", session.id, candidates.len(), withdrawn))?;
    let mut t = table(["准考证号", "姓名", "身份证号", "培训机构", "状态", "试卷"]);
    for c in &candidates {
        t.add_row([
            c.exam_no.clone(),
            c.name.clone(),
            idcard::display(&c.id_number, full_id),
            c.school.clone(),
            status_text(c),
            c.paper_id.clone().unwrap_or_else(|| "未分配".into()),
        ]);
    }
    out.table(&t)
}

fn update(context: &Context, args: &CandidatesUpdateArgs) -> Result<(), Error> {
    let reason = required_reason(&args.reason, "更正")?;
    if args.name.is_none() && args.id_number.is_none() && args.school.is_none() {
        return Err(Error::user(
            "请写明要更正的内容：--name 姓名、--id-number 身份证号、--school 培训机构（可写多项）",
        ));
    }
    let name = args.name.as_deref().map(str::trim);
    if name == Some("") {
        return Err(Error::user("--name 不能为空"));
    }
    let id_number = match &args.id_number {
        Some(raw) => Some(
            idcard::check(raw, clock::now().date())
                .map_err(|e| Error::user(format!("--id-number「{}」不对：{e}", raw.trim())))?,
        ),
        None => None,
    };
    let mut db = context.workspace()?;
    let session = find_session(&db, &args.session)?;
    let tx = db.transaction()?;
    let old = find_candidate(&tx, &session.id, &args.exam_no)?;
    let new = crate::roster::Candidate {
        exam_no: old.exam_no.clone(),
        name: name.map(str::to_owned).unwrap_or_else(|| old.name.clone()),
        id_number: id_number.unwrap_or_else(|| old.id_number.clone()),
        school: args.school.as_deref().map(|s| s.trim().to_owned()).unwrap_or_else(|| old.school.clone()),
        extra: Default::default(),
        location: crate::problem::Location::file("--"),
    };
    if let Some(other) =
        tx.candidates(&session.id)?.iter().find(|c| c.id_number == new.id_number && c.exam_no != old.exam_no)
    {
        return Err(Error::user(format!(
            "身份证号 {} 已在批次 {} 登记（准考证号 {}）；同一人只能登记一次",
            idcard::mask(&new.id_number),
            session.id,
            other.exam_no
        )));
    }
    let registered = crate::roster::Registered {
        name: old.name.clone(),
        id_number: old.id_number.clone(),
        school: old.school.clone(),
        // `update` corrects the three named fields; the list's other columns stay as they are.
        extra: new.extra.clone(),
    };
    let changes = crate::roster::compare(&new, &registered);
    if changes.is_empty() {
        return Err(Error::user(format!("考生 {} 的信息与所写的相同，没有需要更正的内容", old.exam_no)));
    }
    let detail = crate::roster::describe_changes(&changes);
    tx.update_candidate(&session.id, &old.exam_no, &new.name, &new.id_number, &new.school)?;
    let (by, now) = (who(), clock::now_text());
    tx.log(&session.id, &old.exam_no, "update", &detail, &reason, &by, &now)?;
    let affected = affected_now(&tx, &session.id, &old.exam_no)?;
    tx.commit()?;
    let out = context.out;
    out.json(&json!({
        "session": session.id, "exam_no": old.exam_no, "changes": detail, "reason": reason, "by": by, "affected": affected,
    }))?;
    out.line(format!("已更正考生 {}：{detail}（原因：{reason}；操作人：{by}）", old.exam_no))?;
    if let Some(text) = affected {
        out.line(text)?;
    }
    Ok(())
}

fn withdraw(context: &Context, session_id: &str, exam_no: &str, reason: &str) -> Result<(), Error> {
    let reason = required_reason(reason, "退考")?;
    let mut db = context.workspace()?;
    let session = find_session(&db, session_id)?;
    let tx = db.transaction()?;
    let c = find_candidate(&tx, &session.id, exam_no)?;
    if c.withdrawn() {
        return Err(Error::user(format!(
            "考生 {}（{}）已经退考（原因：{}）",
            c.exam_no,
            c.name,
            c.status_reason.as_deref().unwrap_or("")
        )));
    }
    tx.withdraw(&session.id, &c.exam_no, &reason)?;
    let (by, now) = (who(), clock::now_text());
    tx.log(&session.id, &c.exam_no, "withdraw", "标记为退考", &reason, &by, &now)?;
    let affected = affected_now(&tx, &session.id, &c.exam_no)?;
    tx.commit()?;
    let out = context.out;
    out.json(&json!({ "session": session.id, "exam_no": c.exam_no, "status": "withdrawn", "reason": reason, "by": by, "affected": affected }))?;
    out.line(format!("考生 {}（{}）已标记为退考（原因：{reason}）；记录保留，之后不能再评分。", c.exam_no, c.name))?;
    if let Some(text) = affected {
        out.line(text)?;
    }
    Ok(())
}

fn transfer(context: &Context, from: &str, to: &str, exam_no: &str, reason: Option<&str>) -> Result<(), Error> {
    let reason = reason.map(str::trim).filter(|r| !r.is_empty()).unwrap_or("转批次").to_owned();
    let mut db = context.workspace()?;
    let source = find_session(&db, from)?;
    let target = find_session(&db, to)?;
    if source.id == target.id {
        return Err(Error::user("--from 和 --to 是同一个批次；请写要转入的另一个批次"));
    }
    if source.level != target.level {
        return Err(Error::user(format!(
            "不能转批次：批次 {} 是{}，批次 {} 是{}，等级不同；只能转到同一等级的批次",
            source.id, source.level, target.id, target.level
        )));
    }
    // Retake sessions admit people only through their own checks (who failed which part
    // where, within the window), and a retake candidate's carried part belongs to the
    // session that carries it: neither may be bypassed by a transfer.
    if !target.retake_of.is_empty() || !source.retake_of.is_empty() {
        let which = if target.retake_of.is_empty() { &source.id } else { &target.id };
        return Err(Error::user(format!(
            "不能转批次：批次 {which} 是补考批次。补考考生只能用 certify candidates import 导入补考批次\
             （导入时核对此人在原批次哪部分合格、是否在保留期内）；补考批次的考生如需改考，请在新批次重新报名"
        )));
    }
    let tx = db.transaction()?;
    let c = find_candidate(&tx, &source.id, exam_no)?;
    let mut why_not = Vec::new();
    if tx.scored_exam_nos(&source.id)?.contains(&c.exam_no) {
        why_not.push("已有理论成绩");
    }
    if tx.has_grades(&source.id, &c.exam_no)? {
        why_not.push("已有实操评分");
    }
    if tx.marks(&source.id)?.contains_key(&c.exam_no) {
        why_not.push("已有缺考或违纪记录");
    }
    if tx.sitting(&source.id, &c.exam_no)?.is_some() {
        why_not.push("已开始机考");
    }
    if !why_not.is_empty() {
        return Err(Error::user(format!(
            "考生 {}（{}）在批次 {} {}，不能转批次：成绩必须留在考试所在的批次",
            c.exam_no,
            c.name,
            source.id,
            why_not.join("、")
        )));
    }
    let others = tx.candidates(&target.id)?;
    if others.iter().any(|o| o.exam_no == c.exam_no) {
        return Err(Error::user(format!("批次 {} 已有准考证号 {} 的考生；不能转入", target.id, c.exam_no)));
    }
    if let Some(o) = others.iter().find(|o| o.id_number == c.id_number) {
        return Err(Error::user(format!(
            "此人（身份证号 {}）已在批次 {} 登记（准考证号 {}）；不能重复登记",
            idcard::mask(&c.id_number),
            target.id,
            o.exam_no
        )));
    }
    // The new session's form with the fewest candidates, so the dealing stays even.
    let papers = tx.session_papers(&target.id)?;
    let paper =
        papers.iter().min_by_key(|p| others.iter().filter(|o| o.paper_id.as_deref() == Some(p.as_str())).count());
    let had_draw = tx.draws(&source.id)?.iter().any(|d| d.exam_no == c.exam_no);
    tx.transfer(&source.id, &target.id, &c.exam_no, paper.map(String::as_str))?;
    let (by, now) = (who(), clock::now_text());
    tx.log(&source.id, &c.exam_no, "transfer-out", &format!("转出到批次 {}", target.id), &reason, &by, &now)?;
    tx.log(&target.id, &c.exam_no, "transfer-in", &format!("由批次 {} 转入", source.id), &reason, &by, &now)?;
    tx.commit()?;
    let out = context.out;
    out.json(&json!({ "exam_no": c.exam_no, "from": source.id, "to": target.id, "paper": paper, "dropped_draw": had_draw, "by": by }))?;
    out.line(format!(
        "考生 {}（{}）已由批次 {} 转入批次 {}（准考证号不变）。",
        c.exam_no, c.name, source.id, target.id
    ))?;
    match paper {
        Some(p) => out.line(format!("在批次 {} 分配试卷 {p}。", target.id))?,
        None => out.line(format!("批次 {} 还没有分配试卷；分配时会一并分配给该考生。", target.id))?,
    }
    if had_draw {
        out.line(format!("该考生在批次 {} 的实操抽签已作废。", source.id))?;
    }
    Ok(())
}

/// Candidates whose `part` must not be scored, graded, drawn or rehearsed in `session`,
/// and why: withdrawn (退考), marked absent (缺考) on that part, or the part carried over
/// from an earlier session (补考). A withdrawal outranks a carried part, which outranks
/// an absence. The one check `score theory`, `grade`, `practical draw`, `grade status`
/// and `simulate` share.
pub fn unscorable(
    db: &impl Read,
    session: &str,
    part: operations::Part,
) -> Result<std::collections::HashMap<String, Unscorable>, Error> {
    let marks = db.marks(session)?;
    let carried = db.carried_parts(session)?;
    let candidates: std::collections::HashMap<String, CandidateRow> =
        db.candidates(session)?.into_iter().map(|c| (c.exam_no.clone(), c)).collect();
    let exam_nos: std::collections::HashSet<&String> =
        marks.keys().chain(carried.keys()).chain(candidates.keys()).collect();
    let mut out = std::collections::HashMap::new();
    for exam_no in exam_nos {
        let carried = carried.get(exam_no).map(Vec::as_slice).unwrap_or_default();
        let marks = marks.get(exam_no).map(Vec::as_slice).unwrap_or_default();
        if let Some(why) = rank(candidates.get(exam_no), carried, marks, part) {
            out.insert(exam_no.clone(), why);
        }
    }
    Ok(out)
}

/// [`unscorable`] for one candidate, read by key instead of for the whole session: the
/// check made inside the write transaction of every grade the server stores.
pub fn unscorable_candidate(
    db: &impl Read,
    session: &str,
    candidate: &CandidateRow,
    part: operations::Part,
) -> Result<Option<Unscorable>, Error> {
    let carried = db.candidate_carried_parts(session, &candidate.exam_no)?;
    let marks = db.candidate_marks(session, &candidate.exam_no)?;
    Ok(rank(Some(candidate), &carried, &marks, part))
}

/// Why one candidate's `part` is not scored, if it is not: a withdrawal outranks a
/// carried part, which outranks an absence.
fn rank(
    candidate: Option<&CandidateRow>,
    carried: &[operations_db::CarriedPart],
    marks: &[operations_db::MarkRow],
    part: operations::Part,
) -> Option<Unscorable> {
    if let Some(c) = candidate.filter(|c| c.withdrawn()) {
        return Some(Unscorable::Withdrawn { reason: c.status_reason.clone().unwrap_or_default() });
    }
    if let Some(p) = carried.iter().find(|p| p.part == part.code()) {
        return Some(Unscorable::Carried { part, from_session: p.from_session.clone(), sat_on: p.sat_on.clone() });
    }
    marks
        .iter()
        .find(|m| m.part == part.code() && m.status == "absent")
        .map(|m| Unscorable::Absent { part, reason: m.reason.clone() })
}
