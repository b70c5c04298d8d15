//! `certify rubric …`, `certify practical …` and `certify grade …`: the practical exam,
//! from rubrics through the draw to several examiners' scores, arbitration and agreement.
//!
//! Guarantees: nobody withdrawn (退考), marked absent (缺考) for the practical or carrying
//! it over into a retake (沿用) is drawn or graded: the draw says how many it left out and
//! why, `grade import` refuses their rows (each named once, all at once, nothing stored)
//! and `grade` refuses before asking, with the reason `score theory` gives
//! ([`unscorable`](super::candidates::unscorable)); `grade status` gives them no practical
//! score and says why.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufRead, Write};

use serde_json::json;

use super::Context;
use super::session::find_session;
use crate::cli::{GradeCommand, GradeEntryArgs, GradeSubcommand, PracticalCommand, RubricCommand};
use crate::clock;
use crate::db::{
    CandidateRow, Db, NewDraw, NewGrade, NewResolution, PracticalRead, Read, RubricRow, ServeRead, SessionRead,
    SessionRow, Tx, WebGrade,
};
use crate::error::Error;
use crate::import::{self, Cell, ReadOptions, Source, TextEncoding, column_letter, format_number};
use crate::operations::{self, Part, Unscorable};
use crate::output::{align_right, note, table};
use crate::practical::{self, Drawn, Entry, Outcome, Plan};
use crate::problem::{Location, Problems};
use crate::rng;
use crate::rubric::{self, Rubric};
use crate::vocabulary::Level;

pub fn rubric(context: &Context, command: &RubricCommand) -> Result<(), Error> {
    match command {
        RubricCommand::Import { paths } => {
            let files = import::expand_paths(paths)?;
            let sources = files.iter().map(|p| import::load(p)).collect::<Result<Vec<_>, _>>()?;
            let mut db = context.workspace()?;
            let report = import_rubrics(&mut db, &sources, false)?;
            let out = context.out;
            out.json(&report)?;
            out.line(format!(
                "评分表：新增 {}，新版本 {}，未变 {}。",
                report["added"], report["new_versions"], report["unchanged"]
            ))
        }
        RubricCommand::List { level } => list_rubrics(context, *level),
        RubricCommand::Show { id } => show_rubric(context, id),
        RubricCommand::Render { id, out } => super::score_sheets::render_rubric(context, id, out),
    }
}

/// Reads, checks and stores rubrics in one transaction (the bundled ones on `init`,
/// with `only_new` so existing ids are left alone). Any error: nothing is stored.
pub fn import_rubrics(db: &mut Db, sources: &[Source], only_new: bool) -> Result<serde_json::Value, Error> {
    let mut problems = Problems::default();
    let mut parsed: Vec<(Rubric, String)> = Vec::new();
    let mut seen: HashMap<String, String> = HashMap::new();
    for source in sources {
        if !source.name.to_lowercase().ends_with(".toml") {
            problems.error(Location::file(&source.name), "评分表应是 .toml 文件");
            continue;
        }
        let text = match std::str::from_utf8(&source.bytes) {
            Ok(text) => text,
            Err(_) => {
                problems.error(Location::file(&source.name), "评分表文件必须是 UTF-8 编码");
                continue;
            }
        };
        match rubric::parse(&source.name, text) {
            Ok(r) => {
                if let Some(first) = seen.insert(r.id.clone(), source.name.clone()) {
                    problems.error(Location::file(&source.name), format!("任务编号 {} 与 {first} 重复", r.id));
                }
                parsed.push((r, source.name.clone()));
            }
            Err(more) => problems.extend(more),
        }
    }
    if problems.has_errors() {
        return Err(Error::Invalid(problems.into_errors()));
    }
    let states = db.rubric_states()?;
    let now = clock::now_text();
    let tx = db.transaction()?;
    let (mut added, mut new_versions, mut unchanged, mut skipped) = (0, 0, 0, 0);
    for (rubric, file) in &parsed {
        let version = rubric.version();
        match states.get(&rubric.id) {
            Some(_) if only_new => skipped += 1,
            None => {
                tx.store_rubric(rubric, &version, 1, file, &now)?;
                added += 1;
            }
            Some((current, _)) if *current == version => unchanged += 1,
            Some((_, versions)) => {
                let seq = versions
                    .get(&version)
                    .copied()
                    .unwrap_or_else(|| versions.values().max().copied().unwrap_or(0) + 1);
                tx.store_rubric(rubric, &version, seq, file, &now)?;
                new_versions += 1;
            }
        }
    }
    tx.commit()?;
    Ok(json!({ "added": added, "new_versions": new_versions, "unchanged": unchanged, "skipped_existing": skipped }))
}

fn list_rubrics(context: &Context, level: Option<Level>) -> Result<(), Error> {
    let db = context.existing()?;
    let rubrics = db.rubrics(level)?;
    let out = context.out;
    out.json(&json!({ "rubrics": rubrics.iter().map(|r| json!({
        "id": r.rubric.id,
        "title": r.rubric.title,
        "category": r.rubric.category,
        "levels": r.rubric.levels,
        "version": r.version,
        "minutes": r.rubric.minutes,
    })).collect::<Vec<_>>() }))?;
    let mut t = table(["任务编号", "名称", "类别", "时长", "步骤", "否决项", "等级"]);
    for r in &rubrics {
        t.add_row([
            r.rubric.id.clone(),
            r.rubric.title.clone(),
            r.rubric.category.clone(),
            format!("{} 分钟", r.rubric.minutes),
            r.rubric.steps().count().to_string(),
            r.rubric.vetoes.len().to_string(),
            Level::labels(&r.rubric.levels),
        ]);
    }
    align_right(&mut t, &[4, 5]);
    out.table(&t)?;
    out.line(format!("共 {} 张评分表", rubrics.len()))
}

pub(super) fn find_rubric(db: &Db, id: &str) -> Result<RubricRow, Error> {
    db.rubric(id, None)?
        .ok_or_else(|| Error::user(format!("没有编号为「{id}」的评分表；用 certify rubric list 查看全部")))
}

/// A rubric as `rubric show --json` prints it (and the server's score sheet carries it).
pub fn rubric_json(row: &RubricRow) -> serde_json::Value {
    let r = &row.rubric;
    json!({
        "id": r.id,
        "title": r.title,
        "category": r.category,
        "levels": r.levels,
        "minutes": r.minutes,
        "scenario": r.scenario,
        "version": row.version,
        "sections": r.sections.iter().map(|s| json!({ "name": s.name, "steps": s.steps })).collect::<Vec<_>>(),
        "vetoes": r.vetoes,
    })
}

fn show_rubric(context: &Context, id: &str) -> Result<(), Error> {
    let db = context.existing()?;
    let row = find_rubric(&db, id)?;
    let r = &row.rubric;
    let out = context.out;
    out.json(&rubric_json(&row))?;
    if out.json {
        return Ok(());
    }
    out.line(format!("{} {}（{}，{} 分钟，第 {} 版 {}）", r.id, r.title, r.category, r.minutes, row.seq, row.version))?;
    out.line(format!("适用等级：{}", Level::labels(&r.levels)))?;
    if !r.scenario.is_empty() {
        out.line(format!("情境：{}", r.scenario))?;
    }
    let mut t = table(["步骤", "内容", "分值", "扣分规则"]);
    for section in &r.sections {
        let points: f64 = section.steps.iter().map(|s| s.points).sum();
        t.add_row([String::new(), format!("【{}】", section.name), format_number(points), String::new()]);
        for step in &section.steps {
            t.add_row([step.id.clone(), step.text.clone(), format_number(step.points), step.rule.clone()]);
        }
    }
    align_right(&mut t, &[2]);
    out.table(&t)?;
    out.line("否决项（出现任一项，该任务记 0 分）：")?;
    for veto in &r.vetoes {
        out.line(format!("  {} {}", veto.id, veto.text))?;
    }
    Ok(())
}

/// The session's practical plan, or how to set one.
pub fn plan_of(session: &SessionRow) -> Result<Plan, Error> {
    let text = session.practical_plan.as_deref().ok_or_else(|| {
        Error::user(format!(
            "批次 {} 没有实操考核方案；用 certify session set-practical --session {} 方案.toml 设置（示例见 examples/practical-plan.toml）",
            session.id, session.id
        ))
    })?;
    // A stored plan was checked when it was set; this only fails for plans stored by an
    // older certify with looser checks.
    practical::parse_plan(&format!("批次 {} 的实操考核方案", session.id), text)
        .map_err(|problems| Error::Invalid(problems.into_errors()))
}

pub fn practical(context: &Context, command: &PracticalCommand) -> Result<(), Error> {
    match command {
        PracticalCommand::Draw { session, seed } => draw(context, session, *seed),
        PracticalCommand::Show { session } => show_draws(context, session),
    }
}

fn draw(context: &Context, session_id: &str, seed: Option<u64>) -> Result<(), Error> {
    let mut db = context.workspace()?;
    let session = find_session(&db, session_id)?;
    let plan = plan_of(&session)?;
    if !db.draws(&session.id)?.is_empty() {
        return Err(Error::user(format!(
            "批次 {} 已经抽过签，不能重抽；用 certify practical show --session {} 查看抽签结果",
            session.id, session.id
        )));
    }
    let candidates = db.candidates(&session.id)?;
    if candidates.is_empty() {
        return Err(Error::user(format!("批次 {} 还没有考生；请先导入考生名单", session.id)));
    }
    // Withdrawn, absent and carried-over practicals are not drawn (nor graded).
    let refused = super::candidates::unscorable(&db, &session.id, Part::Practical)?;
    let (left_out, candidates): (Vec<_>, Vec<_>) =
        candidates.into_iter().partition(|c| refused.contains_key(&c.exam_no));
    let left_out: Vec<(String, &Unscorable)> = left_out
        .into_iter()
        .map(|c| {
            let why = &refused[&c.exam_no];
            (c.exam_no, why)
        })
        .collect();
    let counts = operations::unscorable_counts(left_out.iter().map(|(_, why)| *why));
    if candidates.is_empty() {
        return Err(Error::user(format!(
            "批次 {} 没有需要实操抽签的考生（{counts}）：退考、缺考和实操成绩沿用的考生不抽签",
            session.id
        )));
    }
    let level = Level::parse(&session.level).ok_or_else(|| Error::user("批次等级无效"))?;
    let rubrics = db.rubrics(Some(level))?;
    let versions: HashMap<&str, &str> = rubrics.iter().map(|r| (r.rubric.id.as_str(), r.version.as_str())).collect();
    let offered: Vec<(String, String)> =
        rubrics.iter().map(|r| (r.rubric.id.clone(), r.rubric.category.clone())).collect();
    let seed = match seed {
        Some(s) if s >= rng::SEED_LIMIT => return Err(Error::user(format!("--seed 应小于 {}", rng::SEED_LIMIT))),
        Some(s) => s,
        None => rng::fresh_seed(),
    };
    let now = clock::now_text();
    let tx = db.transaction()?;
    let mut draws = Vec::new();
    for candidate in &candidates {
        let drawn = practical::draw(&plan, &offered, seed, &candidate.exam_no).map_err(|e| {
            Error::user(format!("{} 级可用的评分表不够：{e}；请导入更多评分表或调整方案", session.level))
        })?;
        for (position, task) in drawn.iter().enumerate() {
            tx.insert_draw(&NewDraw {
                session_id: &session.id,
                exam_no: &candidate.exam_no,
                position: position + 1,
                rubric_id: &task.rubric,
                version: versions[task.rubric.as_str()],
                category: &task.category,
                weight: task.weight,
                seed,
                drawn_at: &now,
            })?;
        }
        draws.push((candidate.exam_no.clone(), drawn));
    }
    tx.commit()?;
    let out = context.out;
    out.json(&json!({
        "session": session.id,
        "seed": seed,
        "draws": draws.iter().map(|(e, d)| json!({ "exam_no": e, "tasks": d.iter().map(|t| &t.rubric).collect::<Vec<_>>() })).collect::<Vec<_>>(),
        "left_out": left_out.iter().map(|(e, why)| json!({ "exam_no": e, "reason": why.code(), "detail": why.sentence() })).collect::<Vec<_>>(),
    }))?;
    let mut tasks: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, d) in &draws {
        for t in d {
            *tasks.entry(t.rubric.as_str()).or_default() += 1;
        }
    }
    out.line(format!("已为 {} 名考生抽签（种子 {seed}）。各任务抽中人数：", draws.len()))?;
    for (task, n) in tasks {
        out.line(format!("  {task}：{n} 人"))?;
    }
    if !left_out.is_empty() {
        out.line(format!(
            "未抽签 {} 人（{counts}）：退考、缺考和实操成绩沿用的考生不抽签，也不能评实操。",
            left_out.len()
        ))?;
    }
    Ok(())
}

fn show_draws(context: &Context, session_id: &str) -> Result<(), Error> {
    let db = context.existing()?;
    let session = find_session(&db, session_id)?;
    let draws = db.draws(&session.id)?;
    let mut by_candidate: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for d in &draws {
        by_candidate.entry(d.exam_no.as_str()).or_default().push(d.rubric_id.as_str());
    }
    let out = context.out;
    out.json(&json!({
        "session": session.id,
        "seed": draws.first().map(|d| d.seed),
        "draws": by_candidate.iter().map(|(e, t)| json!({ "exam_no": e, "tasks": t })).collect::<Vec<_>>(),
    }))?;
    if draws.is_empty() {
        return out
            .line(format!("批次 {} 还没有抽签；用 certify practical draw --session {} 抽签", session.id, session.id));
    }
    out.line(format!("批次 {} 抽签结果（种子 {}）：", session.id, draws[0].seed))?;
    let mut t = table(["准考证号", "抽到的任务"]);
    for (exam_no, tasks) in &by_candidate {
        t.add_row([exam_no.to_string(), tasks.join("、")]);
    }
    out.table(&t)
}

pub fn grade(context: &Context, command: &GradeCommand) -> Result<(), Error> {
    match &command.command {
        None => interactive(context, &command.entry),
        Some(GradeSubcommand::Import { session, file, encoding }) => import_grades(context, session, file, *encoding),
        Some(GradeSubcommand::Status { session, agreement }) => status(context, session, *agreement),
        Some(GradeSubcommand::Resolve { session, candidate, task, score, examiner, reason }) => {
            resolve(context, session, candidate, task, *score, examiner, reason)
        }
    }
}

/// Who is at the keyboard, recorded with every entry.
fn account() -> String {
    std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_else(|_| "未知".into())
}

/// The candidate `exam_no` of `session`, or that there is none.
fn find_candidate(db: &impl Read, session: &str, exam_no: &str) -> Result<CandidateRow, EntryError> {
    db.candidate(session, exam_no)?
        .ok_or_else(|| EntryError::NotDrawn(format!("准考证号 {exam_no} 不在批次 {session} 的考生名单中")))
}

/// The rubric version a candidate drew for `task`, or why they cannot be graded on it.
fn drawn_rubric(db: &impl Read, session: &str, exam_no: &str, task: &str) -> Result<RubricRow, EntryError> {
    let draw = db.draw_of(session, exam_no, task)?.ok_or_else(|| {
        EntryError::NotDrawn(format!(
            "考生 {exam_no} 没有抽到任务 {task}；用 certify practical show --session {session} 查看抽签结果"
        ))
    })?;
    Ok(db.rubric(&draw.rubric_id, Some(&draw.version))?.ok_or_else(|| Error::user(format!("评分表 {task} 不存在")))?)
}

/// Refuses grading `exam_no` when their practical is not graded in `session` (退考,
/// 缺考, 沿用): the check `score theory` makes of theory sheets.
fn refuse_ungradable(db: &impl Read, session: &str, candidate: &CandidateRow) -> Result<(), EntryError> {
    match super::candidates::unscorable_candidate(db, session, candidate, Part::Practical)? {
        Some(why) => Err(EntryError::Rejected(vec![why.refusal(&candidate.exam_no)])),
        None => Ok(()),
    }
}

/// Whether `value` can be a step's points: 0 to the maximum, in half points.
fn step_accepts(value: f64, max: f64) -> bool {
    (0.0..=max).contains(&value) && (value * 2.0).fract() == 0.0
}

/// Points typed for a step: a number from 0 to the maximum, in half points.
fn step_points(text: &str, max: f64) -> Option<f64> {
    let value: f64 = text.trim().parse().ok()?;
    step_accepts(value, max).then_some(value)
}

// The refusals of one examiner's entry, worded once for `grade`, `grade import` and the server.

fn no_step(task: &str, step: &str) -> String {
    format!("任务 {task} 没有步骤「{step}」")
}

fn bad_points(step: &str, text: &str, max: f64) -> String {
    format!("步骤 {step} 的得分「{text}」不对：应为 0 到 {} 之间的数（可用半分）", format_number(max))
}

fn no_veto(task: &str, veto: &str) -> String {
    format!("任务 {task} 没有否决项「{veto}」")
}

fn no_steps(examiner: &str, exam_no: &str, task: &str) -> String {
    format!("考评员 {examiner} 对 {exam_no} 的 {task} 没有各步骤得分")
}

fn missing_steps(examiner: &str, exam_no: &str, task: &str, missing: &[&str]) -> String {
    format!("考评员 {examiner} 对 {exam_no} 的 {task} 缺少步骤 {} 的得分", missing.join("、"))
}

/// Why an entry was not stored: a task the candidate did not draw (or a candidate not in
/// the session), the entry's own faults (every one, in the file's words), or anything else.
#[derive(Debug)]
pub enum EntryError {
    NotDrawn(String),
    Rejected(Vec<String>),
    Other(Error),
}

impl From<Error> for EntryError {
    fn from(e: Error) -> Self {
        EntryError::Other(e)
    }
}

impl From<rusqlite::Error> for EntryError {
    fn from(e: rusqlite::Error) -> Self {
        EntryError::Other(e.into())
    }
}

impl From<EntryError> for Error {
    fn from(e: EntryError) -> Self {
        match e {
            EntryError::NotDrawn(message) => Error::User(message),
            EntryError::Rejected(messages) => Error::User(messages.join("；")),
            EntryError::Other(e) => e,
        }
    }
}

/// A veto an examiner marked, with the reason the server's sheet asks for.
pub struct MarkedVeto {
    pub id: String,
    pub reason: Option<String>,
}

/// One examiner's whole scoring of one drawn task, to check and store.
pub struct Submission<'a> {
    pub session: &'a SessionRow,
    pub exam_no: &'a str,
    pub task: &'a str,
    pub examiner: &'a str,
    /// Step id → points; every step of the rubric must be there.
    pub steps: &'a BTreeMap<String, f64>,
    pub vetoes: &'a [MarkedVeto],
    /// Where it came from, as `grade_entries.source` says.
    pub source: &'a str,
    pub entered_by: &'a str,
    /// What the server's sheet adds; with it every veto needs a reason.
    pub web: Option<WebSubmission<'a>>,
}

/// What an entry sent through the server carries besides the scores.
pub struct WebSubmission<'a> {
    pub client_id: &'a str,
    pub comment: &'a str,
    pub rating: Option<&'a str>,
    /// Why this corrects the examiner's entry already stored for the task: required then
    /// (without it the submission is refused), ignored on a first entry.
    pub correction_reason: Option<&'a str>,
}

/// The refusal of a second submission from the server without a correction reason.
pub const CORRECTION_NEEDS_REASON: &str = "该考生的这项任务您已提交过评分；如需更正，请写明更正理由";

/// What was stored (or, for a resend of the same client id, what had been).
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    pub total: f64,
    pub vetoes: Vec<String>,
    /// The client id had been stored already: nothing was written.
    pub resent: bool,
    /// Sent through the server over the examiner's own entry in force: the total of the
    /// entry it superseded.
    pub corrected: Option<f64>,
}

/// Checks one examiner's entry and stores it in `tx`, superseding their earlier entry for
/// the task (kept): the one way `grade` and the server store an entry. The checks are
/// those `grade import` makes row by row: the candidate may be graded, drew the task,
/// every step is scored within 0 to its maximum in half points, every veto exists.
pub fn record_entry(tx: &Tx<'_>, s: &Submission<'_>) -> Result<Recorded, EntryError> {
    let session = &s.session.id;
    if let Some(web) = &s.web
        && let Some((exam_no, task, total)) = tx.grade_by_client_id(session, s.examiner, web.client_id)?
    {
        // The same id for another candidate or task is a tablet's mistake, not a resend.
        if exam_no != s.exam_no || task != s.task {
            return Err(EntryError::Rejected(vec![format!(
                "client_id「{}」已用于 {exam_no} 的 {task} 的评分，本次没有保存；新的评分请用新的 client_id",
                web.client_id
            )]));
        }
        return Ok(Recorded { total, vetoes: Vec::new(), resent: true, corrected: None });
    }
    let candidate = find_candidate(tx, session, s.exam_no)?;
    refuse_ungradable(tx, session, &candidate)?;
    let row = drawn_rubric(tx, session, s.exam_no, s.task)?;
    let rubric = &row.rubric;
    let mut problems = Vec::new();
    // Through the server an entry once stored is final: another one over it is a
    // correction and says why. (`grade` and `grade import` supersede without a reason:
    // the office's re-entry is itself the correction.)
    let mut correction_reason = None;
    let mut corrected = None;
    if let Some(web) = &s.web
        && let Some(earlier) = tx.current_entry(session, s.exam_no, &rubric.id, s.examiner)?
    {
        match web.correction_reason.map(str::trim).filter(|r| !r.is_empty()) {
            Some(reason) => {
                correction_reason = Some(reason);
                corrected = Some(earlier.total);
            }
            None => problems.push(CORRECTION_NEEDS_REASON.to_owned()),
        }
    }
    let mut steps: BTreeMap<String, f64> = BTreeMap::new();
    for (id, &value) in s.steps {
        match rubric.step(id) {
            None => problems.push(no_step(s.task, id)),
            Some(step) if !step_accepts(value, step.points) => {
                problems.push(bad_points(&step.id, &format_number(value), step.points))
            }
            Some(step) => {
                steps.insert(step.id.clone(), value);
            }
        }
    }
    let mut vetoes: Vec<String> = Vec::new();
    let mut reasons: BTreeMap<String, String> = BTreeMap::new();
    for veto in s.vetoes {
        match rubric.veto(&veto.id) {
            None => problems.push(no_veto(s.task, &veto.id)),
            Some(v) => {
                let reason = veto.reason.as_deref().map(str::trim).unwrap_or_default();
                if s.web.is_some() && reason.is_empty() {
                    problems.push(format!("否决项 {} 须写明理由", v.id));
                }
                if !vetoes.contains(&v.id) {
                    vetoes.push(v.id.clone());
                    reasons.insert(v.id.clone(), reason.to_owned());
                }
            }
        }
    }
    let missing: Vec<&str> =
        rubric.steps().filter(|st| !s.steps.contains_key(&st.id)).map(|st| st.id.as_str()).collect();
    if s.steps.is_empty() {
        problems.push(no_steps(s.examiner, s.exam_no, s.task));
    } else if !missing.is_empty() {
        problems.push(missing_steps(s.examiner, s.exam_no, s.task, &missing));
    }
    if !problems.is_empty() {
        return Err(EntryError::Rejected(problems));
    }
    let total: f64 = steps.values().sum();
    let veto_reasons = serde_json::to_string(&reasons).expect("serializes");
    tx.insert_grade(&NewGrade {
        session_id: session,
        exam_no: s.exam_no,
        rubric_id: &rubric.id,
        version: &row.version,
        examiner: s.examiner,
        steps: &serde_json::to_string(&steps).expect("serializes"),
        vetoes: &serde_json::to_string(&vetoes).expect("serializes"),
        total,
        source: s.source,
        entered_by: s.entered_by,
        entered_at: &clock::now_text(),
        web: s.web.as_ref().map(|w| WebGrade {
            client_id: w.client_id,
            comment: w.comment,
            rating: w.rating,
            veto_reasons: &veto_reasons,
            correction_reason,
        }),
    })?;
    Ok(Recorded { total, vetoes, resent: false, corrected })
}

/// Step-by-step entry at the exam site. Prompts go to stderr, answers come from stdin
/// (a terminal or a pipe); a wrong number is asked again, never fatal.
fn interactive(context: &Context, args: &GradeEntryArgs) -> Result<(), Error> {
    let missing: Vec<&str> = [
        ("--session", args.session.is_none()),
        ("--candidate", args.candidate.is_none()),
        ("--task", args.task.is_none()),
        ("--examiner", args.examiner.is_none()),
    ]
    .into_iter()
    .filter(|(_, m)| *m)
    .map(|(f, _)| f)
    .collect();
    if !missing.is_empty() {
        return Err(Error::user(format!(
            "逐步录入需要 {}；批量导入请用 certify grade import，查看进度用 certify grade status",
            missing.join("、")
        )));
    }
    let (session_id, exam_no, task, examiner) = (
        args.session.as_deref().unwrap_or_default(),
        args.candidate.as_deref().unwrap_or_default().trim(),
        args.task.as_deref().unwrap_or_default().trim(),
        args.examiner.as_deref().unwrap_or_default().trim(),
    );
    let mut db = context.workspace()?;
    let session = find_session(&db, session_id)?;
    let candidate = find_candidate(&db, &session.id, exam_no)?;
    refuse_ungradable(&db, &session.id, &candidate)?;
    let row = drawn_rubric(&db, &session.id, exam_no, task)?;
    let rubric = &row.rubric;

    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    let mut ask = |prompt: &str| -> Result<String, Error> {
        eprint!("{prompt}");
        std::io::stderr().flush()?;
        match lines.next() {
            Some(line) => Ok(line?),
            None => Err(Error::user("输入提前结束，本次评分未保存")),
        }
    };
    eprintln!("{} {} · 考生 {} {} · 考评员 {}", rubric.id, rubric.title, candidate.exam_no, candidate.name, examiner);
    let mut points: BTreeMap<String, f64> = BTreeMap::new();
    for section in &rubric.sections {
        eprintln!("【{}】", section.name);
        for step in &section.steps {
            loop {
                let answer = ask(&format!(
                    "{} {}（满分 {}；{}）得分：",
                    step.id,
                    step.text,
                    format_number(step.points),
                    step.rule
                ))?;
                match step_points(&answer, step.points) {
                    Some(value) => {
                        points.insert(step.id.clone(), value);
                        break;
                    }
                    None => eprintln!("  请输入 0 到 {} 之间的分数（可以是半分，如 2.5）", format_number(step.points)),
                }
            }
        }
    }
    eprintln!("否决项：");
    for veto in &rubric.vetoes {
        eprintln!("  {} {}", veto.id, veto.text);
    }
    let vetoes: Vec<String> = loop {
        let answer = ask("出现的否决项编号（多个用逗号分隔；没有直接回车）：")?;
        let ids: Vec<&str> = answer.split([',', '，', ' ', '、']).map(str::trim).filter(|s| !s.is_empty()).collect();
        let unknown: Vec<&str> = ids.iter().copied().filter(|id| rubric.veto(id).is_none()).collect();
        if unknown.is_empty() {
            break ids.iter().map(|id| rubric.veto(id).expect("checked").id.clone()).collect();
        }
        eprintln!("  没有否决项 {}；请重新输入", unknown.join("、"));
    };
    let total: f64 = points.values().sum();
    eprintln!(
        "合计 {} 分{}",
        format_number(total),
        if vetoes.is_empty() {
            String::new()
        } else {
            format!("，否决项 {}（多数考评员标记否决项时该任务记 0 分）", vetoes.join("、"))
        }
    );
    let confirmed = loop {
        match ask("确认提交？(y/n)：")?.trim().to_lowercase().as_str() {
            "y" | "yes" | "是" | "确认" => break true,
            "n" | "no" | "否" | "取消" => break false,
            _ => eprintln!("  请输入 y 或 n"),
        }
    };
    if !confirmed {
        return Err(Error::user("已取消，本次评分未保存"));
    }
    let tx = db.transaction()?;
    // Checked again as it is stored: the candidate may have been withdrawn or marked
    // while this was typed.
    let marked: Vec<MarkedVeto> = vetoes.iter().map(|id| MarkedVeto { id: id.clone(), reason: None }).collect();
    record_entry(
        &tx,
        &Submission {
            session: &session,
            exam_no,
            task: &rubric.id,
            examiner,
            steps: &points,
            vetoes: &marked,
            source: "交互录入",
            entered_by: &account(),
            web: None,
        },
    )?;
    tx.commit()?;
    let out = context.out;
    out.json(&json!({ "session": session.id, "exam_no": exam_no, "task": rubric.id, "examiner": examiner, "total": total, "vetoes": vetoes }))?;
    out.line(format!("已保存：{exam_no} {} 考评员 {examiner} {} 分", rubric.id, format_number(total)))
}

/// What an examiner's tablet lists: every drawn task of the session with its
/// candidates, and whether `examiner` has an entry for each. Candidates who are not
/// graded here (退考, 缺考, 沿用) are left out.
pub fn examiner_queue(db: &impl Read, session: &SessionRow, examiner: &str) -> Result<serde_json::Value, Error> {
    let names: HashMap<String, String> = db.candidates(&session.id)?.into_iter().map(|c| (c.exam_no, c.name)).collect();
    let refused = super::candidates::unscorable(db, &session.id, Part::Practical)?;
    let graded: HashSet<(String, String)> = db
        .grades(&session.id)?
        .into_iter()
        .filter(|g| g.examiner == examiner)
        .map(|g| (g.exam_no, g.rubric_id))
        .collect();
    let mut draws = db.draws(&session.id)?;
    draws.sort_by(|a, b| crate::db::exam_order(&a.exam_no, &b.exam_no).then(a.position.cmp(&b.position)));
    let mut tasks: BTreeMap<String, (String, Vec<serde_json::Value>)> = BTreeMap::new();
    for d in draws.iter().filter(|d| !refused.contains_key(&d.exam_no)) {
        if !tasks.contains_key(&d.rubric_id) {
            let title = db.rubric(&d.rubric_id, Some(&d.version))?.map(|r| r.rubric.title).unwrap_or_default();
            tasks.insert(d.rubric_id.clone(), (title, Vec::new()));
        }
        let key = (d.exam_no.clone(), d.rubric_id.clone());
        tasks.get_mut(&d.rubric_id).expect("inserted").1.push(json!({
            "exam_no": d.exam_no,
            "name": names.get(&d.exam_no).cloned().unwrap_or_default(),
            "graded": graded.contains(&key),
        }));
    }
    Ok(json!({
        "tasks": tasks.into_iter().map(|(task, (title, candidates))| json!({
            "task": task, "title": title, "candidates": candidates,
        })).collect::<Vec<_>>(),
    }))
}

/// The score sheet of one candidate's drawn task: the rubric as `rubric show --json`
/// prints it, and who is being graded (ID number masked).
pub fn score_sheet(
    db: &impl Read,
    session: &SessionRow,
    exam_no: &str,
    task: &str,
) -> Result<serde_json::Value, EntryError> {
    let candidate = find_candidate(db, &session.id, exam_no)?;
    let row = drawn_rubric(db, &session.id, exam_no, task)?;
    let mut sheet = rubric_json(&row);
    sheet["candidate"] = json!({
        "exam_no": candidate.exam_no,
        "name": candidate.name,
        "id_masked": crate::idcard::mask(&candidate.id_number),
    });
    Ok(sheet)
}

/// Columns of a grade-entry file.
struct GradeColumns {
    exam_no: usize,
    task: usize,
    examiner: usize,
    step: Option<usize>,
    points: Option<usize>,
    veto: Option<usize>,
}

fn grade_columns(file: &str, header: &[Cell], problems: &mut Problems) -> Option<GradeColumns> {
    let texts: Vec<String> = header
        .iter()
        .map(|c| if let Cell::Text(t) = c { import::normalize_header(t) } else { String::new() })
        .collect();
    let find = |names: &[&str]| texts.iter().position(|t| names.iter().any(|n| import::normalize_header(n) == *t));
    let at = Location::new(file, 1, None);
    let need = |names: &[&str], label: &str, problems: &mut Problems| {
        let found = find(names);
        if found.is_none() {
            problems.error(at.clone(), format!("缺少「{label}」列"));
        }
        found
    };
    let exam_no = need(&["准考证号", "exam_no", "考号"], "准考证号", problems);
    let task = need(&["任务", "task", "任务编号"], "任务", problems);
    let examiner = need(&["考评员", "examiner"], "考评员", problems);
    let columns = GradeColumns {
        exam_no: exam_no?,
        task: task?,
        examiner: examiner?,
        step: find(&["步骤", "step"]),
        points: find(&["得分", "points", "分数"]),
        veto: find(&["否决", "veto", "否决项"]),
    };
    if columns.step.is_none() && columns.veto.is_none() {
        problems.error(at, "缺少「步骤」和「得分」列（或「否决」列）");
        return None;
    }
    Some(columns)
}

/// One examiner's scoring of one task, assembled from the rows of a file.
struct PendingEntry {
    first_row: usize,
    steps: BTreeMap<String, f64>,
    vetoes: Vec<String>,
}

fn cell_str(cells: &[Cell], index: Option<usize>) -> String {
    index.and_then(|i| cells.get(i)).and_then(Cell::text).map(|t| t.into_owned()).unwrap_or_default()
}

fn import_grades(
    context: &Context,
    session_id: &str,
    path: &std::path::Path,
    encoding: TextEncoding,
) -> Result<(), Error> {
    let source = import::load(path)?;
    let mut db = context.workspace()?;
    let session = find_session(&db, session_id)?;
    // Everything is read inside the write transaction (BEGIN IMMEDIATE), so a withdrawal
    // or mark committed meanwhile is seen before anything is stored.
    let tx = db.transaction()?;
    let draws = tx.draws(&session.id)?;
    if draws.is_empty() {
        return Err(Error::user(format!(
            "批次 {} 还没有抽签；请先运行 certify practical draw --session {}",
            session.id, session.id
        )));
    }
    let drawn: HashMap<(&str, &str), &str> =
        draws.iter().map(|d| ((d.exam_no.as_str(), d.rubric_id.as_str()), d.version.as_str())).collect();
    let exam_nos: HashSet<&str> = draws.iter().map(|d| d.exam_no.as_str()).collect();
    let mut rubrics: HashMap<(String, String), Rubric> = HashMap::new();
    for d in &draws {
        let key = (d.rubric_id.clone(), d.version.clone());
        if !rubrics.contains_key(&key)
            && let Some(row) = tx.rubric(&d.rubric_id, Some(&d.version))?
        {
            rubrics.insert(key, row.rubric);
        }
    }
    let known_tasks: HashSet<String> = tx.rubrics(None)?.into_iter().map(|r| r.rubric.id).collect();
    let all_candidates: HashSet<String> = tx.candidates(&session.id)?.into_iter().map(|c| c.exam_no).collect();
    let refused = super::candidates::unscorable(&tx, &session.id, Part::Practical)?;
    // Refused candidates are reported once, at their first row.
    let mut reported: HashSet<String> = HashSet::new();

    let file = source.name.clone();
    let mut problems = Problems::default();
    let mut columns: Option<GradeColumns> = None;
    let mut entries: BTreeMap<(String, String, String), PendingEntry> = BTreeMap::new();
    // Entries with a row already reported: their completeness is not judged again.
    let mut faulty: HashSet<(String, String, String)> = HashSet::new();
    import::visit_rows(&source, ReadOptions { encoding }, &import::has_exam_no_column, &mut |row, cells| {
        if row == 1 {
            columns = grade_columns(&file, cells, &mut problems);
            return Ok(());
        }
        let Some(c) = &columns else { return Ok(()) };
        if cells.iter().all(Cell::is_empty) {
            return Ok(());
        }
        let at = |column: usize| Location::new(&file, row, Some(column_letter(column)));
        let exam_no = cell_str(cells, Some(c.exam_no));
        let task = cell_str(cells, Some(c.task));
        let examiner = cell_str(cells, Some(c.examiner));
        if let Some(why) = refused.get(&exam_no) {
            if reported.insert(exam_no.clone()) {
                problems.error(at(c.exam_no), why.refusal(&exam_no));
            }
            return Ok(());
        }
        if !exam_nos.contains(exam_no.as_str()) {
            let why =
                if all_candidates.contains(&exam_no) { "还没有抽签" } else { "不在本批次考生名单中" };
            problems.error(at(c.exam_no), format!("准考证号「{exam_no}」{why}"));
            return Ok(());
        }
        let Some(version) = drawn.get(&(exam_no.as_str(), task.as_str())) else {
            let why = if known_tasks.contains(task.as_str()) {
                format!("考生 {exam_no} 没有抽到任务 {task}")
            } else {
                format!("没有任务「{task}」")
            };
            problems.error(at(c.task), why);
            return Ok(());
        };
        if examiner.is_empty() {
            problems.error(at(c.examiner), "缺少考评员姓名");
            return Ok(());
        }
        if let Some(what) = import::line_break(&examiner) {
            problems.error(at(c.examiner), import::line_break_message("考评员姓名", what));
            return Ok(());
        }
        let rubric = &rubrics[&(task.clone(), version.to_string())];
        let key = (exam_no.clone(), task.clone(), examiner);
        let errors_before = problems.errors().count();
        let step = cell_str(cells, c.step);
        let veto = cell_str(cells, c.veto);
        let veto_id = if veto.is_empty() {
            None
        } else {
            match rubric.veto(&veto) {
                Some(v) => Some(v.id.clone()),
                None => {
                    problems.error(at(c.veto.unwrap_or(0)), no_veto(&task, &veto));
                    None
                }
            }
        };
        let points = if step.is_empty() {
            if veto.is_empty() {
                problems.error(at(c.step.unwrap_or(0)), "既没有步骤也没有否决项");
            }
            None
        } else {
            // Excel stores a step typed as 2.10 as the number 2.1: a numeric cell that could
            // mean another step is refused rather than guessed.
            let numeric = c.step.and_then(|i| cells.get(i)).is_some_and(|cell| matches!(cell, Cell::Number(_)));
            let twin = numeric
                .then(|| rubric.steps().find(|s| s.id != step && s.id.parse::<f64>().ok() == step.parse::<f64>().ok()))
                .flatten();
            if let Some(twin) = twin {
                problems.error(
                    at(c.step.unwrap_or(0)),
                    format!(
                        "步骤「{step}」是数字单元格，无法分辨是步骤 {step} 还是 {}（Excel 会把 {} 存成 {step}）。\
                         请把「步骤」列设为「文本」格式，重新输入后再导入",
                        twin.id, twin.id
                    ),
                );
                return Ok(());
            }
            match rubric.step(&step) {
                None => {
                    problems.error(at(c.step.unwrap_or(0)), no_step(&task, &step));
                    None
                }
                Some(spec) => {
                    let text = cell_str(cells, c.points);
                    let value = step_points(&text, spec.points);
                    if value.is_none() {
                        problems.error(at(c.points.unwrap_or(0)), bad_points(&step, &text, spec.points));
                    }
                    value.map(|v| (spec.id.clone(), v))
                }
            }
        };
        if problems.errors().count() > errors_before {
            faulty.insert(key);
            return Ok(());
        }
        let entry = entries.entry(key).or_insert_with(|| PendingEntry {
            first_row: row,
            steps: BTreeMap::new(),
            vetoes: Vec::new(),
        });
        if let Some(id) = veto_id
            && !entry.vetoes.contains(&id)
        {
            entry.vetoes.push(id);
        }
        if let Some((id, value)) = points
            && entry.steps.insert(id, value).is_some()
        {
            problems.error(at(c.step.unwrap_or(0)), format!("同一考评员的步骤 {step} 出现了两次"));
        }
        Ok(())
    })?;
    // Every entry must score every step of its rubric.
    for (key, entry) in &entries {
        if faulty.contains(key) {
            continue;
        }
        let (exam_no, task, examiner) = key;
        let rubric = &rubrics[&(task.clone(), drawn[&(exam_no.as_str(), task.as_str())].to_string())];
        let missing: Vec<&str> =
            rubric.steps().filter(|s| !entry.steps.contains_key(&s.id)).map(|s| s.id.as_str()).collect();
        if entry.steps.is_empty() {
            problems.error(Location::new(&file, entry.first_row, None), no_steps(examiner, exam_no, task));
        } else if !missing.is_empty() {
            problems
                .error(Location::new(&file, entry.first_row, None), missing_steps(examiner, exam_no, task, &missing));
        }
    }
    if problems.has_errors() {
        return Err(Error::Invalid(problems.into_errors()));
    }
    if entries.is_empty() {
        return Err(Error::user(format!("{file}: 没有评分数据")));
    }
    let now = clock::now_text();
    let who = account();
    for ((exam_no, task, examiner), entry) in &entries {
        let version = drawn[&(exam_no.as_str(), task.as_str())];
        tx.insert_grade(&NewGrade {
            session_id: &session.id,
            exam_no,
            rubric_id: task,
            version,
            examiner,
            steps: &serde_json::to_string(&entry.steps).expect("serializes"),
            vetoes: &serde_json::to_string(&entry.vetoes).expect("serializes"),
            total: entry.steps.values().sum(),
            source: &format!("{file}:{}", entry.first_row),
            entered_by: &who,
            entered_at: &now,
            web: None,
        })?;
    }
    tx.commit()?;
    let examiners: HashSet<&str> = entries.keys().map(|(_, _, e)| e.as_str()).collect();
    let out = context.out;
    out.json(&json!({ "session": session.id, "entries": entries.len(), "examiners": examiners.len() }))?;
    out.line(format!(
        "已导入 {} 条评分（{} 位考评员）。用 certify grade status --session {} 查看进度。",
        entries.len(),
        examiners.len(),
        session.id
    ))
}

/// Every candidate's tasks with their outcomes, and their practical score when complete.
pub struct CandidatePractical {
    pub exam_no: String,
    pub tasks: Vec<(Drawn, Vec<Entry>, Outcome)>,
    pub practical: Option<f64>,
}

/// Works out where every candidate's practical stands.
pub fn practical_status(db: &impl Read, session: &SessionRow, plan: &Plan) -> Result<Vec<CandidatePractical>, Error> {
    let draws = db.draws(&session.id)?;
    let mut entries: HashMap<(String, String), Vec<Entry>> = HashMap::new();
    for g in db.grades(&session.id)? {
        entries.entry((g.exam_no, g.rubric_id)).or_default().push(Entry {
            examiner: g.examiner,
            total: g.total,
            vetoes: g.vetoes,
        });
    }
    let resolutions = db.resolutions(&session.id)?;
    let mut by_candidate: BTreeMap<String, Vec<(Drawn, Vec<Entry>, Outcome)>> = BTreeMap::new();
    for d in draws {
        let key = (d.exam_no.clone(), d.rubric_id.clone());
        let list = entries.remove(&key).unwrap_or_default();
        let outcome = practical::outcome(plan, &list, resolutions.get(&key).map(|r| r.score));
        by_candidate.entry(d.exam_no).or_default().push((
            Drawn { rubric: d.rubric_id, category: d.category, weight: d.weight },
            list,
            outcome,
        ));
    }
    let mut out: Vec<CandidatePractical> = by_candidate
        .into_iter()
        .map(|(exam_no, tasks)| {
            let pairs: Vec<(Drawn, Outcome)> = tasks.iter().map(|(d, _, o)| (d.clone(), o.clone())).collect();
            CandidatePractical { exam_no, practical: practical::practical_score(&pairs), tasks }
        })
        .collect();
    out.sort_by(|a, b| crate::db::exam_order(&a.exam_no, &b.exam_no));
    Ok(out)
}

/// Where a session's practical grading stands: what `grade status` shows.
pub struct StatusReport {
    pub session: SessionRow,
    pub list: Vec<CandidatePractical>,
    /// Candidates not graded here (退考, 缺考, 沿用), with why.
    pub refused: HashMap<String, Unscorable>,
    /// Tasks by outcome (`scored`, `missing`, …), refused candidates left out.
    pub counts: BTreeMap<&'static str, usize>,
    pub complete: usize,
    pub superseded: i64,
    pub agreement: Option<serde_json::Value>,
}

/// Works out [`StatusReport`]; with `agreement`, the examiners' agreement too.
pub fn status_report(db: &impl Read, session_id: &str, agreement: bool) -> Result<StatusReport, Error> {
    let session = find_session(db, session_id)?;
    let plan = plan_of(&session)?;
    let mut list = practical_status(db, &session, &plan)?;
    if list.is_empty() {
        return Err(Error::user(format!(
            "批次 {} 还没有抽签；请先运行 certify practical draw --session {}",
            session.id, session.id
        )));
    }
    // Someone withdrawn, absent or carrying the practical over has no practical score
    // here: entries made before stay on record, but they are not this session's result.
    let refused = super::candidates::unscorable(db, &session.id, Part::Practical)?;
    for c in &mut list {
        if refused.contains_key(&c.exam_no) {
            c.practical = None;
        }
    }
    let mut counts: BTreeMap<&'static str, usize> = BTreeMap::new();
    for c in list.iter().filter(|c| !refused.contains_key(&c.exam_no)) {
        for (_, _, o) in &c.tasks {
            let key = match o {
                Outcome::Missing { .. } => "missing",
                Outcome::Even { .. } => "even",
                Outcome::Vetoed { .. } => "vetoed",
                Outcome::Arbitration { .. } => "arbitration",
                Outcome::Scored { .. } => "scored",
                Outcome::Resolved { .. } => "resolved",
            };
            *counts.entry(key).or_default() += 1;
        }
    }
    let complete = list.iter().filter(|c| c.practical.is_some()).count();
    let agreement = agreement.then(|| agreement_report(&list));
    let superseded = db.superseded_grades(&session.id)?;
    Ok(StatusReport { session, list, refused, counts, complete, superseded, agreement })
}

impl StatusReport {
    /// The JSON document's keys but the candidates.
    fn head(&self) -> serde_json::Value {
        json!({
            "session": self.session.id,
            "complete": self.complete,
            "tasks": self.counts,
            "superseded_entries": self.superseded,
            "agreement": self.agreement,
            "not_graded": self.refused.len(),
        })
    }

    fn candidate_json(&self, c: &CandidatePractical) -> serde_json::Value {
        json!({
            "exam_no": c.exam_no,
            "practical": c.practical,
            "not_graded": self.refused.get(&c.exam_no).map(|u| json!({ "reason": u.code(), "label": u.label(), "detail": u.sentence() })),
            "tasks": c.tasks.iter().map(|(d, entries, o)| json!({
                "task": d.rubric,
                "weight": d.weight,
                "examiners": entries.iter().map(|e| json!({ "examiner": e.examiner, "total": e.total, "vetoes": e.vetoes })).collect::<Vec<_>>(),
                "score": o.score(),
                "status": o,
            })).collect::<Vec<_>>(),
        })
    }

    /// The whole document `grade status --json` prints, as one value.
    pub fn json(&self) -> serde_json::Value {
        let mut document = self.head();
        document["candidates"] = self.list.iter().map(|c| self.candidate_json(c)).collect();
        document
    }
}

fn status(context: &Context, session_id: &str, agreement: bool) -> Result<(), Error> {
    let db = context.existing()?;
    let report = status_report(&db, session_id, agreement)?;
    let out = context.out;
    if out.json {
        return out.json_with_list(&report.head(), "candidates", report.list.iter().map(|c| report.candidate_json(c)));
    }
    let StatusReport { session, list, refused, counts, complete, agreement: agreement_value, .. } = report;
    let n = |k: &str| counts.get(k).copied().unwrap_or(0);
    out.line(format!(
        "批次 {}：{} 名考生，实操已出成绩 {} 人。任务：已评 {}，已仲裁 {}，否决 {}，待仲裁 {}，待评 {}，需再加一位考评员 {}。",
        session.id,
        list.len(),
        complete,
        n("scored"),
        n("resolved"),
        n("vetoed"),
        n("arbitration"),
        n("missing"),
        n("even")
    ))?;
    if !refused.is_empty() {
        out.line(format!(
            "不评实操 {} 人（{}）：不出实操成绩。",
            refused.len(),
            operations::unscorable_counts(refused.values())
        ))?;
    }
    let open: Vec<&CandidatePractical> = list
        .iter()
        .filter(|c| c.practical.is_none() || c.tasks.iter().any(|(_, _, o)| matches!(o, Outcome::Vetoed { .. })))
        .collect();
    let shown: Vec<&CandidatePractical> = if list.len() > 300 { open } else { list.iter().collect() };
    if list.len() > 300 {
        out.line(format!("（考生较多，只列出未完成或有否决的 {} 人；完整结果用 --json）", shown.len()))?;
    }
    let mut t = table(["准考证号", "任务", "考评员分数", "任务得分", "状态", "实操成绩"]);
    for c in shown {
        let not_graded = refused.get(&c.exam_no).map(Unscorable::label);
        for (i, (d, entries, o)) in c.tasks.iter().enumerate() {
            let practical = match (&not_graded, c.practical) {
                (Some(label), _) => label.clone(),
                (None, Some(score)) => format_number(score),
                (None, None) => "—".into(),
            };
            t.add_row([
                if i == 0 { c.exam_no.clone() } else { String::new() },
                d.rubric.clone(),
                entries
                    .iter()
                    .map(|e| format!("{} {}", e.examiner, format_number(e.total)))
                    .collect::<Vec<_>>()
                    .join("、"),
                if not_graded.is_some() { String::new() } else { o.score().map(format_number).unwrap_or_default() },
                not_graded.clone().unwrap_or_else(|| o.label()),
                if i == 0 { practical } else { String::new() },
            ]);
        }
    }
    align_right(&mut t, &[3, 5]);
    out.table(&t)?;
    if let Some(report) = agreement_value {
        out.line("")?;
        out.line(format!(
            "考评员一致性 ICC(2,1)：{}（按任务和考评组计算，{} 组）；宽严程度的标准差 {}",
            report["icc"].as_f64().map(|v| format!("{v:.3}")).unwrap_or_else(|| "无法计算（数据不足）".into()),
            report["panels"].as_array().map(Vec::len).unwrap_or(0),
            report["severity_sd"].as_f64().map(|v| format!("{v:.2}")).unwrap_or_default()
        ))?;
        let mut t = table(["考评员", "评分任务数", "宽严（与组内平均之差）", "提示"]);
        for e in report["examiners"].as_array().into_iter().flatten() {
            t.add_row([
                e["examiner"].as_str().unwrap_or("").to_owned(),
                e["tasks"].to_string(),
                format!("{:+.2}", e["severity"].as_f64().unwrap_or(0.0)),
                if e["flagged"] == true { "偏离明显，请复核".into() } else { String::new() },
            ]);
        }
        align_right(&mut t, &[1, 2]);
        out.table(&t)?;
    }
    Ok(())
}

/// ICC(2,1) per task and examiner panel (the same examiners scoring several candidates),
/// pooled over panels weighted by their size; and each examiner's severity.
pub fn agreement_report(list: &[CandidatePractical]) -> serde_json::Value {
    let mut panels: BTreeMap<(String, Vec<String>), Vec<Vec<f64>>> = BTreeMap::new();
    let mut severity_panels: Vec<Vec<(String, f64)>> = Vec::new();
    for c in list {
        for (d, entries, _) in &c.tasks {
            if entries.len() < 2 {
                continue;
            }
            let mut sorted: Vec<&Entry> = entries.iter().collect();
            sorted.sort_by(|a, b| a.examiner.cmp(&b.examiner));
            let names: Vec<String> = sorted.iter().map(|e| e.examiner.clone()).collect();
            panels.entry((d.rubric.clone(), names)).or_default().push(sorted.iter().map(|e| e.total).collect());
            severity_panels.push(sorted.iter().map(|e| (e.examiner.clone(), e.total)).collect());
        }
    }
    let mut weighted = 0.0;
    let mut weight = 0.0;
    let mut rows = Vec::new();
    for ((task, examiners), ratings) in &panels {
        let icc = practical::icc_2_1(ratings);
        if let Some(v) = icc {
            weighted += v * ratings.len() as f64;
            weight += ratings.len() as f64;
        }
        rows.push(json!({ "task": task, "examiners": examiners, "candidates": ratings.len(), "icc": icc }));
    }
    let (examiners, sd) = practical::severities(&severity_panels);
    json!({
        "icc": (weight > 0.0).then(|| weighted / weight),
        "panels": rows,
        "severity_sd": sd,
        "examiners": examiners,
    })
}

/// An arbiter's score for one drawn task, to record.
pub struct Arbitration<'a> {
    pub session: &'a SessionRow,
    pub exam_no: &'a str,
    pub task: &'a str,
    pub score: f64,
    pub examiner: &'a str,
    pub reason: &'a str,
    /// `grade resolve` settles only tasks the examiners disagree on; an appeal (复核)
    /// may correct any drawn task.
    pub only_disputed: bool,
}

/// The score range every arbiter's score must be in: finite, 0 to 100.
pub fn check_task_score(score: f64) -> Result<f64, Error> {
    if !(0.0..=100.0).contains(&score) {
        return Err(Error::user(format!("任务分数应在 0 到 100 之间，现在是 {score}")));
    }
    Ok(score)
}

/// Checks and records an arbiter's score in `tx`: the one way a task's score is set by
/// hand, so `grade status` and `results` read it the same wherever it came from.
/// Returns the task's outcome before.
pub fn arbitrate(tx: &Tx<'_>, a: &Arbitration<'_>) -> Result<Outcome, Error> {
    check_task_score(a.score)?;
    let plan = plan_of(a.session)?;
    let list = practical_status(tx, a.session, &plan)?;
    let (exam_no, task) = (a.exam_no, a.task);
    let outcome = list
        .iter()
        .find(|c| c.exam_no == exam_no)
        .and_then(|c| c.tasks.iter().find(|(d, _, _)| d.rubric == task))
        .map(|(_, _, o)| o.clone())
        .ok_or_else(|| {
            Error::user(format!(
                "考生 {exam_no} 没有抽到任务 {task}；用 certify practical show --session {} 查看抽签结果",
                a.session.id
            ))
        })?;
    if a.only_disputed && !matches!(outcome, Outcome::Arbitration { .. } | Outcome::Resolved { .. }) {
        return Err(Error::user(format!("{exam_no} 的 {task} 不需要仲裁（当前：{}）", outcome.label())));
    }
    tx.resolve(&NewResolution {
        session_id: &a.session.id,
        exam_no,
        rubric_id: task,
        score: a.score,
        examiner: a.examiner,
        reason: a.reason,
        resolved_at: &clock::now_text(),
    })?;
    Ok(outcome)
}

/// What every arbitration needs before anything is opened: a score in range, an arbiter and a reason.
fn check_resolution(score: f64, examiner: &str, reason: &str) -> Result<(), Error> {
    check_task_score(score)?;
    if reason.trim().is_empty() || examiner.trim().is_empty() {
        return Err(Error::user("请写明仲裁人（--examiner）和仲裁理由（--reason）"));
    }
    Ok(())
}

/// What `grade resolve` asks for, flag by flag.
pub struct Resolve<'a> {
    pub session_id: &'a str,
    pub exam_no: &'a str,
    pub task: &'a str,
    pub score: f64,
    pub examiner: &'a str,
    pub reason: &'a str,
}

/// Records an arbiter's score as `grade resolve` does, in one transaction that `also`
/// writes into before it commits (the server's log); returns what `grade resolve --json`
/// prints.
pub fn resolve_task(
    db: &mut Db,
    r: &Resolve<'_>,
    also: impl FnOnce(&Tx<'_>) -> Result<(), Error>,
) -> Result<serde_json::Value, Error> {
    check_resolution(r.score, r.examiner, r.reason)?;
    let session = find_session(db, r.session_id)?;
    let tx = db.transaction()?;
    let arbitration = Arbitration {
        session: &session,
        exam_no: r.exam_no,
        task: r.task,
        score: r.score,
        examiner: r.examiner.trim(),
        reason: r.reason.trim(),
        only_disputed: true,
    };
    arbitrate(&tx, &arbitration)?;
    also(&tx)?;
    tx.commit()?;
    Ok(json!({
        "session": session.id,
        "exam_no": r.exam_no,
        "task": r.task,
        "score": r.score,
        "examiner": r.examiner,
        "reason": r.reason,
    }))
}

fn resolve(
    context: &Context,
    session_id: &str,
    exam_no: &str,
    task: &str,
    score: f64,
    examiner: &str,
    reason: &str,
) -> Result<(), Error> {
    check_resolution(score, examiner, reason)?;
    let mut db = context.workspace()?;
    let request = Resolve { session_id, exam_no, task, score, examiner, reason };
    let document = resolve_task(&mut db, &request, |_| Ok(()))?;
    let out = context.out;
    out.json(&document)?;
    out.line(format!("已记录仲裁：{exam_no} {task} {} 分（仲裁人 {examiner}，理由：{reason}）", format_number(score)))?;
    note("该任务的分数以仲裁结果为准。");
    Ok(())
}

/// What the chief examiner's board shows, in one document: `status` is exactly what
/// `grade status --agreement --json` prints; around it the plan's rules, the candidates'
/// names, the tasks' titles, the people who may grade, and every veto marked with its
/// text and the examiner's reason.
pub fn chief_board(db: &impl Read, session_id: &str) -> Result<serde_json::Value, Error> {
    let report = status_report(db, session_id, true)?;
    let plan = plan_of(&report.session)?;
    let session = &report.session.id;
    let names: BTreeMap<String, String> = db.candidates(session)?.into_iter().map(|c| (c.exam_no, c.name)).collect();
    let mut rubrics: BTreeMap<String, Rubric> = BTreeMap::new();
    for d in db.draws(session)? {
        if !rubrics.contains_key(&d.rubric_id)
            && let Some(row) = db.rubric(&d.rubric_id, Some(&d.version))?
        {
            rubrics.insert(d.rubric_id.clone(), row.rubric);
        }
    }
    let vetoes: Vec<serde_json::Value> = db
        .marked_vetoes(session)?
        .into_iter()
        .filter(|v| !report.refused.contains_key(&v.exam_no))
        .map(|v| {
            let text = rubrics.get(&v.rubric_id).and_then(|r| r.veto(&v.veto)).map(|x| x.text.clone());
            json!({ "exam_no": v.exam_no, "task": v.rubric_id, "examiner": v.examiner, "veto": v.veto, "text": text, "reason": v.reason })
        })
        .collect();
    let corrections: Vec<serde_json::Value> = db
        .corrections(session)?
        .into_iter()
        .filter(|c| !report.refused.contains_key(&c.exam_no))
        .map(|c| {
            json!({ "exam_no": c.exam_no, "task": c.rubric_id, "examiner": c.examiner, "total": c.total,
                    "previous_total": c.previous_total, "reason": c.reason, "entered_at": c.entered_at,
                    "current": c.current })
        })
        .collect();
    let examiners: Vec<serde_json::Value> = db
        .examiners(session)?
        .into_iter()
        .filter(|e| e.revoked_at.is_none() && e.role != "invigilator")
        .map(|e| json!({ "name": e.name, "role": e.role }))
        .collect();
    Ok(json!({
        "session": session,
        "updated_at": clock::now_text(),
        "plan": { "examiners_min": plan.examiners_min, "discrepancy": plan.discrepancy, "aggregate": plan.aggregate, "pass_mark": plan.pass_mark },
        "names": names,
        "titles": rubrics.iter().map(|(id, r)| (id.clone(), r.title.clone())).collect::<BTreeMap<_, _>>(),
        "examiners": examiners,
        "vetoes": vetoes,
        "corrections": corrections,
        "status": report.json(),
    }))
}
