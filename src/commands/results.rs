//! `certify results` and `certify export pass-list`: who passed, why not, per school,
//! and the list a training school receives.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use serde_json::json;

use super::Context;
use super::practical::practical_status;
use super::session::find_session;
use crate::cli::ExportCommand;
use crate::db::{CarriedPart, CertificateRead, MarkRow, OperationsRead, PaperRead, Read, SessionRead, SessionRow};
use crate::error::Error;
use crate::idcard;
use crate::operations;
use crate::output::{align_right, table};
use crate::practical::Outcome;
use crate::results::{self, Practical};
use crate::spreadsheet::{self, Sheet, TableFormat, Value};

/// One candidate's result.
#[derive(Debug, Clone, Serialize)]
pub struct CandidateResult {
    pub exam_no: String,
    pub name: String,
    #[serde(skip)]
    pub id_number: String,
    pub school: String,
    pub paper: Option<String>,
    pub theory: Option<f64>,
    pub practical: Option<f64>,
    pub passed: bool,
    /// Why not passed: 退考, 违纪 / 缺考 with the part and the recorded reason, or the
    /// result's own reason.
    pub reason: Option<String>,
    /// `registered` or `withdrawn` (退考).
    pub status: String,
    /// Attendance and misconduct marks (`session mark`).
    pub marks: Vec<MarkRow>,
    /// Parts carried over from an earlier session (retake sessions): where and when sat.
    pub carried: Vec<CarriedPart>,
    /// Each part's score if sat (or carried) and at its pass mark, for retakes.
    #[serde(skip)]
    pub theory_passed: Option<f64>,
    #[serde(skip)]
    pub practical_passed: Option<f64>,
    /// The valid certificate of this session, if issued.
    pub certificate: Option<String>,
    pub issued: Option<String>,
    /// The scores or decision behind the certificate have changed since it was issued.
    pub stale: bool,
    /// `valid` or `revoked` once a certificate was issued from this session: a revoked
    /// one with no valid successor means the person holds no certificate from it.
    pub certificate_status: Option<&'static str>,
}

/// Every candidate's result in a session, in exam-number order.
pub fn session_results(db: &impl Read, session: &SessionRow) -> Result<Vec<CandidateResult>, Error> {
    let sheets = db.sheet_totals(&session.id)?;
    let mut pass_marks: HashMap<String, f64> = HashMap::new();
    for paper in db.session_papers(&session.id)? {
        if let Some(view) = db.paper(&paper)? {
            pass_marks.insert(paper, view.pass_mark);
        }
    }
    let plan = super::practical::plan_of(session).ok();
    let practical: HashMap<String, Practical> = match &plan {
        Some(plan) => practical_status(db, session, plan)?
            .into_iter()
            .map(|c| {
                let state = match c.practical {
                    Some(score) => Practical::Done { score, pass_mark: plan.pass_mark },
                    None if c.tasks.iter().any(|(_, _, o)| matches!(o, Outcome::Arbitration { .. })) => {
                        Practical::Arbitration
                    }
                    None => Practical::Open,
                };
                (c.exam_no, state)
            })
            .collect(),
        None => HashMap::new(),
    };
    let mut marks = db.marks(&session.id)?;
    let mut carried = db.carried_parts(&session.id)?;
    let mut certificates: HashMap<String, crate::db::CertificateRow> = HashMap::new();
    let mut revoked: HashMap<String, String> = HashMap::new();
    for c in db.certificates(Some(&session.id))? {
        if c.status == "valid" {
            certificates.insert(c.exam_no.clone(), c);
        } else {
            revoked.insert(c.exam_no, c.number);
        }
    }
    Ok(db
        .candidates(&session.id)?
        .into_iter()
        .map(|c| {
            let sheet = sheets.get(&c.exam_no);
            let mut theory = sheet.map(|(paper, total)| (*total, pass_marks.get(paper).copied().unwrap_or(60.0)));
            let mut state = practical.get(&c.exam_no).cloned().unwrap_or(Practical::Open);
            // A carried part was passed where it was sat: it counts as passed here.
            let carried = carried.remove(&c.exam_no).unwrap_or_default();
            for part in &carried {
                match part.part.as_str() {
                    "theory" => theory = Some((part.score, part.score)),
                    _ => state = Practical::Done { score: part.score, pass_mark: part.score },
                }
            }
            let theory_passed = theory.filter(|(t, mark)| t + 1e-9 >= *mark).map(|(t, _)| t);
            let practical_passed = match state {
                Practical::Done { score, pass_mark } if score + 1e-9 >= pass_mark => Some(score),
                _ => None,
            };
            let marks = marks.remove(&c.exam_no).unwrap_or_default();
            let labelled: Vec<results::Mark<'_>> = marks
                .iter()
                .map(|m| results::Mark {
                    part: operations::part_label(&m.part),
                    misconduct: m.status == "misconduct",
                    reason: &m.reason,
                })
                .collect();
            let withdrawn = c.withdrawn().then(|| c.status_reason.as_deref().unwrap_or(""));
            let decision = results::decide_marked(withdrawn, &labelled, theory, &state);
            drop(labelled);
            let practical_score = match state {
                Practical::Done { score, .. } => Some(score),
                _ => None,
            };
            let theory_score = theory.map(|(t, _)| t);
            let certificate = certificates.get(&c.exam_no);
            // The signed record names the person too: a corrected name or ID number
            // makes it as stale as a changed score.
            let stale = certificate.is_some_and(|cert| {
                !decision.passed
                    || theory_score.is_none_or(|x| (x - cert.theory).abs() > 0.005)
                    || practical_score.is_none_or(|x| (x - cert.practical).abs() > 0.005)
                    || cert.name != c.name
                    || cert.id_number != c.id_number
            });
            let certificate_status = match (certificate, revoked.contains_key(&c.exam_no)) {
                (Some(_), _) => Some("valid"),
                (None, true) => Some("revoked"),
                (None, false) => None,
            };
            CandidateResult {
                certificate_status,
                exam_no: c.exam_no,
                name: c.name,
                id_number: c.id_number,
                school: c.school,
                paper: c.paper_id,
                theory: theory_score,
                practical: practical_score,
                passed: decision.passed,
                reason: decision.reason,
                status: c.status,
                marks,
                carried,
                theory_passed,
                practical_passed,
                certificate: certificate.map(|cert| cert.number.clone()),
                issued: certificate.map(|cert| cert.issued.clone()),
                stale,
            }
        })
        .collect())
}

/// Per school: registered, sat (has a theory sheet), passed.
#[derive(Debug, Default, Clone, Serialize)]
pub struct SchoolSummary {
    pub school: String,
    pub registered: usize,
    pub sat: usize,
    pub passed: usize,
    pub pass_rate: f64,
}

pub fn school_summaries(list: &[CandidateResult]) -> Vec<SchoolSummary> {
    let mut by_school: BTreeMap<String, SchoolSummary> = BTreeMap::new();
    for r in list {
        let name = if r.school.is_empty() { "（未填培训机构）".to_owned() } else { r.school.clone() };
        let s = by_school.entry(name.clone()).or_insert_with(|| SchoolSummary { school: name, ..Default::default() });
        s.registered += 1;
        s.sat += r.theory.is_some() as usize;
        s.passed += r.passed as usize;
    }
    by_school
        .into_values()
        .map(|mut s| {
            s.pass_rate = if s.sat > 0 { s.passed as f64 / s.sat as f64 } else { 0.0 };
            s
        })
        .collect()
}

fn score(value: Option<f64>) -> String {
    value
        .map(|v| format!("{v:.2}").trim_end_matches('0').trim_end_matches('.').to_owned())
        .unwrap_or_else(|| "—".into())
}

/// A score with where and when it was sat, when carried over from another session.
fn with_origin(text: String, r: &CandidateResult, part: &str) -> String {
    match r.carried.iter().find(|c| c.part == part) {
        Some(c) => format!("{text}（{} {}）", c.from_session, c.sat_on),
        None => text,
    }
}

pub fn results(context: &Context, session_id: &str, full_id: bool) -> Result<(), Error> {
    let db = context.existing()?;
    let session = find_session(&db, session_id)?;
    let list = session_results(&db, &session)?;
    let schools = school_summaries(&list);
    let out = context.out;
    if out.json {
        let head = json!({ "session": session.id, "schools": schools, "stale_certificates": list.iter().filter(|r| r.stale).count() });
        return out.json_with_list(
            &head,
            "candidates",
            list.iter().map(|r| {
                let mut value = serde_json::to_value(r).expect("serializes");
                value["id_number"] = json!(idcard::display(&r.id_number, full_id));
                value
            }),
        );
    }
    let passed = list.iter().filter(|r| r.passed).count();
    out.line(format!("批次 {}（{}）：考生 {} 人，合格 {} 人。", session.id, session.level, list.len(), passed))?;
    let mut t = table(["准考证号", "姓名", "身份证号", "培训机构", "理论", "实操", "结果", "证书"]);
    for r in &list {
        t.add_row([
            r.exam_no.clone(),
            r.name.clone(),
            idcard::display(&r.id_number, full_id),
            r.school.clone(),
            with_origin(score(r.theory), r, "theory"),
            with_origin(score(r.practical), r, "practical"),
            match (r.passed, r.certificate_status) {
                (true, Some("revoked")) => "证书已撤销".to_owned(),
                (true, _) => "合格".to_owned(),
                (false, _) => r.reason.clone().unwrap_or_default(),
            },
            match (&r.certificate, r.stale) {
                (Some(n), true) => format!("{n}（成绩已变动，需复核）"),
                (Some(n), false) => n.clone(),
                (None, _) => String::new(),
            },
        ]);
    }
    align_right(&mut t, &[4, 5]);
    out.table(&t)?;
    out.line("")?;
    let mut t = table(["培训机构", "报名", "参考", "合格", "合格率"]);
    for s in &schools {
        t.add_row([
            s.school.clone(),
            s.registered.to_string(),
            s.sat.to_string(),
            s.passed.to_string(),
            format!("{:.1}%", s.pass_rate * 100.0),
        ]);
    }
    align_right(&mut t, &[1, 2, 3, 4]);
    out.table(&t)?;
    let stale = list.iter().filter(|r| r.stale).count();
    if stale > 0 {
        out.line(format!(
            "注意：{stale} 张已发证书背后的成绩已变动，见 certificates list --stale --session {}",
            session.id
        ))?;
    }
    Ok(())
}

/// A text cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`) is prefixed with
/// an apostrophe, so a name like "=HYPERLINK(…)" shows as text and runs nothing.
pub fn neutralise(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text.to_owned() }
}

pub fn export(context: &Context, command: &ExportCommand) -> Result<(), Error> {
    match command {
        ExportCommand::PassList { session, school, out, full_id, force } => {
            pass_list(context, session, school.as_deref(), out, *full_id, *force)
        }
        ExportCommand::RetakeList { session, out, force } => retake_list(context, session, out, *force),
    }
}

/// The table format of an output file, refusing an existing file unless `force`.
fn output_format(path: &std::path::Path, what: &str, force: bool) -> Result<TableFormat, Error> {
    let format = TableFormat::of(path)
        .ok_or_else(|| Error::user(format!("{}: {what}请用 .xlsx 或 .csv 作为扩展名", path.display())))?;
    if path.exists() && !force {
        return Err(Error::user(format!("{} 已存在；换一个文件名，或加 --force 覆盖", path.display())));
    }
    Ok(format)
}

/// Who may sit a retake of `session`: one part passed, the other not, and neither
/// withdrawn nor marked for misconduct (those are for the office to decide, not a list).
fn retake_list(context: &Context, session_id: &str, path: &std::path::Path, force: bool) -> Result<(), Error> {
    let format = output_format(path, "补考名单", force)?;
    let db = context.existing()?;
    let session = find_session(&db, session_id)?;
    let results = session_results(&db, &session)?;
    let eligible: Vec<&CandidateResult> = results
        .iter()
        .filter(|r| r.status != "withdrawn" && !r.marks.iter().any(|m| m.status == "misconduct"))
        .filter(|r| r.theory_passed.is_some() != r.practical_passed.is_some())
        .collect();
    let csv = format == TableFormat::Csv;
    let text = |s: &str| -> Value { Value::from(if csv { neutralise(s) } else { s.to_owned() }) };
    let sheet = Sheet {
        name: "补考名单".into(),
        headers: ["准考证号", "姓名", "身份证号", "培训机构", "已合格部分"].map(String::from).to_vec(),
        rows: eligible
            .iter()
            .map(|r| {
                let kept = if r.theory_passed.is_some() { "理论" } else { "实操" };
                vec![text(&r.exam_no), text(&r.name), text(&r.id_number), text(&r.school), text(kept)]
            })
            .collect(),
    };
    let bytes = match format {
        TableFormat::Xlsx => spreadsheet::xlsx_bytes(&[sheet])?,
        TableFormat::Csv => spreadsheet::csv_bytes(&sheet)?,
    };
    spreadsheet::write_file_atomically(path, &bytes)?;
    let out = context.out;
    out.json(&json!({ "session": session.id, "out": path.display().to_string(), "candidates": eligible.len() }))?;
    out.line(format!(
        "已导出补考名单：{} 人 → {}（含完整身份证号，仅供导入补考批次，请妥善保管）",
        eligible.len(),
        path.display()
    ))?;
    out.line(format!(
        "下一步：certify session create --id 补考批次 --level {} --date 日期 --retake-of {}，再用 candidates import 导入此名单",
        session.level, session.id
    ))
}

fn pass_list(
    context: &Context,
    session: &str,
    school: Option<&str>,
    path: &std::path::Path,
    full_id: bool,
    force: bool,
) -> Result<(), Error> {
    let format = output_format(path, "合格名单", force)?;
    let db = context.existing()?;
    let session = find_session(&db, session)?;
    let all = session_results(&db, &session)?;
    if let Some(name) = school
        && !all.iter().any(|r| r.school == name)
    {
        return Err(Error::user(format!("批次 {} 中没有培训机构「{name}」的考生", session.id)));
    }
    let chosen: Vec<&CandidateResult> = all.iter().filter(|r| school.as_ref().is_none_or(|s| &r.school == s)).collect();
    // A pass list is what a school treats as qualified: people whose certificate was
    // revoked are left off it, and counted in the command's output.
    let passed: Vec<&CandidateResult> =
        chosen.iter().copied().filter(|r| r.passed && r.certificate_status != Some("revoked")).collect();
    let revoked = chosen.iter().filter(|r| r.passed && r.certificate_status == Some("revoked")).count();
    let csv = format == TableFormat::Csv;
    // CSV cells are neutralised against formulas; XLSX cells are written as text and
    // never run, so they keep their exact content.
    let text = |s: &str| -> Value { Value::from(if csv { neutralise(s) } else { s.to_owned() }) };
    let list = Sheet {
        name: "合格名单".into(),
        headers: [
            "序号",
            "准考证号",
            "姓名",
            "身份证号",
            "培训机构",
            "等级",
            "理论成绩",
            "实操成绩",
            "证书编号",
            "发证日期",
        ]
        .map(String::from)
        .to_vec(),
        rows: passed
            .iter()
            .enumerate()
            .map(|(i, r)| {
                vec![
                    Value::Number((i + 1) as f64),
                    text(&r.exam_no),
                    text(&r.name),
                    text(&idcard::display(&r.id_number, full_id)),
                    text(&r.school),
                    text(&session.level),
                    r.theory.map(Value::Number).unwrap_or(Value::Empty),
                    r.practical.map(Value::Number).unwrap_or(Value::Empty),
                    text(r.certificate.as_deref().unwrap_or("")),
                    text(r.issued.as_deref().unwrap_or("")),
                ]
            })
            .collect(),
    };
    let owned: Vec<CandidateResult> = chosen.iter().map(|r| (*r).clone()).collect();
    let summary = Sheet {
        name: "汇总".into(),
        headers: ["培训机构", "报名人数", "参考人数", "合格人数", "合格率"].map(String::from).to_vec(),
        rows: school_summaries(&owned)
            .iter()
            .map(|s| {
                vec![
                    text(&s.school),
                    Value::Number(s.registered as f64),
                    Value::Number(s.sat as f64),
                    Value::Number(s.passed as f64),
                    Value::from(format!("{:.1}%", s.pass_rate * 100.0)),
                ]
            })
            .collect(),
    };
    let bytes = match format {
        TableFormat::Xlsx => spreadsheet::xlsx_bytes(&[list, summary])?,
        TableFormat::Csv => spreadsheet::csv_bytes(&list)?,
    };
    spreadsheet::write_file_atomically(path, &bytes)?;
    let out = context.out;
    out.json(&json!({ "session": session.id, "out": path.display().to_string(), "passed": passed.len(), "revoked_left_off": revoked }))?;
    out.line(format!(
        "已导出合格名单：{} 人 → {}{}",
        passed.len(),
        path.display(),
        if full_id { "（含完整身份证号，请妥善保管）" } else { "（身份证号已打码）" }
    ))?;
    if revoked > 0 {
        out.line(format!("另有 {revoked} 人考试合格但证书已撤销，未列入合格名单（见 certify results）。"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::neutralise;

    #[test]
    fn formula_starters_are_neutralised() {
        assert_eq!(neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralise("+86"), "'+86");
        assert_eq!(neutralise("@cmd"), "'@cmd");
        assert_eq!(neutralise("张三"), "张三");
    }
}
