//! `certify session rooms|tickets|sign-in`: rooms and seats, and the documents an exam
//! office prints for a sitting (准考证, 座位表 and 签到表).
//!
//! Guarantees: rooms are stored only after the plan is complete and checked (size in
//! range, or every candidate's room and seat from the file, none twice); documents are
//! printed from the stored plan, so tickets and sign-in sheets always agree; ID numbers
//! are masked unless `--full-id`; `.pdf` goes through Chromium, `.html` is written as is.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::json;

use super::Context;
use super::session::find_session;
use crate::cli::SessionDocumentArgs;
use crate::db::{CandidateRow, Db, RoomsRead, SessionRead, SessionRow};
use crate::error::Error;
use crate::idcard;
use crate::output::{align_right, note, table};
use crate::render::{self, pdf};
use crate::seating::{self, Plan};
use crate::vocabulary::Level;

/// 考场规则 printed on every ticket: short, fixed, what candidates are told at every site.
const RULES: [&str; 8] = [
    "凭准考证和本人有效身份证件入场，按座位号就座，证件放在桌面左上角。",
    "考试开始 15 分钟后不得入场，开考 30 分钟内不得交卷离场。",
    "除黑色签字笔、2B 铅笔、橡皮外，不得携带任何资料和物品入座。",
    "手机等通信、电子设备须关机并放在指定位置。",
    "在答题卡指定位置填写姓名和准考证号，不得做任何标记。",
    "保持考场安静，不得交头接耳、偷看、夹带、传递，违者按违纪处理。",
    "考试结束信号发出后立即停笔，待监考员收齐试卷和答题卡后离场。",
    "实操考核按抽签结果和考评员指示进行，注意婴幼儿模型和器具的安全使用。",
];

/// `certify session rooms`.
pub fn rooms(context: &Context, session_id: &str, size: Option<usize>) -> Result<(), Error> {
    if let Some(size) = size {
        seating::check_size(size).map_err(Error::User)?;
    }
    let mut db = context.workspace()?;
    let session = find_session(&db, session_id)?;
    let candidates = db.candidates(&session.id)?;
    if candidates.is_empty() {
        return Err(Error::user(format!(
            "批次 {} 还没有考生；请先导入考生名单：certify candidates import --session {} 名单.csv",
            session.id, session.id
        )));
    }
    let extras: Vec<(&str, BTreeMap<String, String>)> =
        candidates.iter().map(|c| (c.exam_no.as_str(), serde_json::from_str(&c.extra).unwrap_or_default())).collect();
    // An explicit --size wins over the list's own room columns, so an incomplete column is
    // never a dead end; without it the list's columns are used when they are complete.
    let from_file = seating::from_file(&extras);
    let plan = match (from_file, size) {
        (file, Some(size)) => {
            if file.is_some() {
                note("按 --size 重新分配考场和座位；考生名单里的考场、座位号列未使用。");
            }
            let numbers: Vec<&str> = candidates.iter().map(|c| c.exam_no.as_str()).collect();
            seating::by_size(&numbers, size)
        }
        (Some(Ok(plan)), None) => plan,
        (Some(Err(problems)), None) => {
            let mut lines = vec!["考生名单里有考场和座位号列，但不完整，未分配考场：".to_owned()];
            lines.extend(problems.into_iter().map(|p| format!("  {p}")));
            lines.push(
                "请在名单里补全后用 candidates import --update 重新导入，或用 --size 按人数重新分配（不用名单里的这两列）。"
                    .to_owned(),
            );
            return Err(Error::User(lines.join("\n")));
        }
        (None, None) => {
            return Err(Error::user(
                "请用 --size 写明每个考场的座位数，例如 --size 30（考生名单里没有考场和座位号列）",
            ));
        }
    };
    let tx = db.transaction()?;
    tx.set_room_plan(&session.id, &serde_json::to_string(&plan).map_err(std::io::Error::from)?)?;
    tx.commit()?;

    let rooms = plan.rooms();
    let total: usize = rooms.iter().map(|r| seating::invigilators(r.seats.len())).sum();
    let out = context.out;
    out.json(&json!({
        "session": session.id,
        "source": plan.source,
        "size": plan.size,
        "rooms": rooms.iter().map(|r| json!({
            "room": r.name,
            "candidates": r.seats.len(),
            "invigilators": seating::invigilators(r.seats.len()),
            "seats": r.seats,
        })).collect::<Vec<_>>(),
        "invigilators": total,
    }))?;
    if out.json {
        return Ok(());
    }
    let mut t = table(["考场", "考生", "准考证号", "监考员"]);
    for r in &rooms {
        let first = r.seats.first().map(|s| s.exam_no.as_str()).unwrap_or("");
        let last = r.seats.last().map(|s| s.exam_no.as_str()).unwrap_or("");
        t.add_row([
            format!("第 {} 考场", r.name),
            r.seats.len().to_string(),
            format!("{first} – {last}"),
            seating::invigilators(r.seats.len()).to_string(),
        ]);
    }
    align_right(&mut t, &[1, 3]);
    out.table(&t)?;
    out.line(format!(
        "已{}为 {} 名考生分配 {} 个考场；共需监考员 {total} 名（每考场至少 {} 名，每 {} 名考生至少 1 名）。",
        if plan.source == "file" { "按考生名单" } else { "按准考证号顺序" },
        candidates.len(),
        rooms.len(),
        seating::MIN_INVIGILATORS,
        seating::PER_INVIGILATOR
    ))?;
    out.line(format!("下一步：certify session tickets --session {} --out 准考证.pdf", session.id))
}

/// The session's stored plan, or an error saying how to make one.
fn stored_plan(db: &Db, session: &SessionRow) -> Result<Plan, Error> {
    let text = db.room_plan(&session.id)?.ok_or_else(|| {
        Error::user(format!(
            "批次 {} 还没有分配考场和座位；请先运行 certify session rooms --session {} --size 30",
            session.id, session.id
        ))
    })?;
    serde_json::from_str(&text).map_err(|e| {
        Error::user(format!("批次 {} 保存的考场安排无法读取（{e}）；请重新运行 session rooms", session.id))
    })
}

/// What every document says about the sitting.
pub(super) fn session_facts(session: &SessionRow) -> serde_json::Value {
    let level = Level::parse(&session.level).map(|l| l.label().to_owned()).unwrap_or_else(|| session.level.clone());
    let title =
        if session.name.is_empty() { format!("{level}职业技能等级认定考试") } else { session.name.clone() };
    json!({ "id": session.id, "title": title, "date": session.date, "site": session.site, "level": level })
}

/// The session, its plan and its candidates in seat order (each with its seat); a
/// candidate registered after rooms were assigned is an error naming the fix.
fn seated(context: &Context, session_id: &str) -> Result<(SessionRow, Plan, Vec<CandidateRow>), Error> {
    let db = context.existing()?;
    let session = find_session(&db, session_id)?;
    let plan = stored_plan(&db, &session)?;
    let mut candidates = db.candidates(&session.id)?;
    if let Some(unseated) = candidates.iter().find(|c| plan.seat_of(&c.exam_no).is_none()) {
        return Err(Error::user(format!(
            "考生 {} 是分配考场后才导入的，没有座位；请重新运行 certify session rooms --session {}",
            unseated.exam_no, session.id
        )));
    }
    {
        let order: std::collections::HashMap<&str, usize> =
            plan.seats.iter().enumerate().map(|(i, s)| (s.exam_no.as_str(), i)).collect();
        candidates.sort_by_key(|c| order[c.exam_no.as_str()]);
    }
    Ok((session, plan, candidates))
}

fn person(c: &CandidateRow, plan: &Plan, full_id: bool) -> serde_json::Value {
    let seat = plan.seat_of(&c.exam_no).expect("checked by seated");
    json!({
        "exam_no": c.exam_no,
        "name": c.name,
        "id_number": idcard::display(&c.id_number, full_id),
        "school": c.school,
        "room": seat.room,
        "seat": seat.seat,
    })
}

/// Writes `html` to `out` and reports it.
fn finish(context: &Context, out: &Path, html: &str, what: &str, count: usize, session: &str) -> Result<(), Error> {
    pdf::write_document(out, html)?;
    context.out.json(&json!({ "session": session, "out": out.display().to_string(), "count": count }))?;
    context.out.line(format!(
        "已输出{what} {}（{count} {}）",
        out.display(),
        if what == "签到表" { "个考场" } else { "人" }
    ))
}

/// `certify session tickets`.
pub fn tickets(context: &Context, args: &SessionDocumentArgs) -> Result<(), Error> {
    pdf::extension(&args.out)?;
    let (session, plan, candidates) = seated(context, &args.session)?;
    let bar = crate::output::progress(candidates.len() as u64, "正在生成准考证");
    let mut tickets = Vec::with_capacity(candidates.len());
    for c in &candidates {
        tickets.push(minijinja::context! {
            qr => render::qr_svg(&c.exam_no, 120)?,
            ..minijinja::Value::from(minijinja::value::Serde(person(c, &plan, args.full_id)))
        });
        bar.inc(1);
    }
    bar.finish_and_clear();
    let html = render::render_document(
        "tickets.html",
        "准考证",
        minijinja::context! {
            session => minijinja::Value::from(minijinja::value::Serde(session_facts(&session))),
            theory_time => args.theory_time.as_deref(),
            practical_time => args.practical_time.as_deref(),
            rules => RULES,
            tickets => tickets,
        },
    )?;
    finish(context, &args.out, &html, "准考证", candidates.len(), &session.id)
}

/// `certify session sign-in`: per room, the seat list first, then the sign-in sheet.
pub fn sign_in(context: &Context, args: &SessionDocumentArgs) -> Result<(), Error> {
    pdf::extension(&args.out)?;
    let (session, plan, candidates) = seated(context, &args.session)?;
    let by_exam_no: std::collections::HashMap<&str, &CandidateRow> =
        candidates.iter().map(|c| (c.exam_no.as_str(), c)).collect();
    let rooms: Vec<serde_json::Value> = plan
        .rooms()
        .iter()
        .map(|r| {
            json!({
                "name": r.name,
                "invigilators": seating::invigilators(r.seats.len()),
                "seats": r.seats.iter().map(|s| person(by_exam_no[s.exam_no.as_str()], &plan, args.full_id)).collect::<Vec<_>>(),
            })
        })
        .collect();
    let html = render::render_document(
        "sign_in.html",
        "签到表",
        minijinja::Value::from(minijinja::value::Serde(json!({ "session": session_facts(&session), "rooms": rooms }))),
    )?;
    finish(context, &args.out, &html, "签到表", rooms.len(), &session.id)
}
