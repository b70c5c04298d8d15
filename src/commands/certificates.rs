//! `certify certificates …` and `certify verify`: signed certificate records anyone can
//! check without calling us.
//!
//! Guarantees:
//! - Issuing takes the write lock (`BEGIN IMMEDIATE`) before it reads who is eligible,
//!   and the schema forbids a second valid certificate per person and level, so any
//!   number of concurrent issuers end with exactly one each.
//! - A person whose certificate of a level was revoked is not issued another by `issue`;
//!   `reissue` does it on purpose, revoking and signing in one transaction.
//! - `verify` decides from signed bytes only ([`certificate::verdict`]); every failure
//!   says which check failed.

use std::collections::HashMap;
use std::path::Path;

use ed25519_dalek::pkcs8::DecodePublicKey;
use ed25519_dalek::{SigningKey, VerifyingKey};
use serde_json::json;

use super::Context;
use super::keys::{person_key_of, signing_key};
use super::results::{CandidateResult, session_results};
use super::session::find_session;
use crate::certificate::{self, NumberParts, PersonKey, Record, RevocationList, Revoked, SignedList, Verdict};
use crate::cli::{CertificatesCommand, VerifyArgs};
use crate::clock;
use crate::db::{CertificateRead, CertificateRow, Db, NewCertificate, Read, SessionRead, SettingsRead, Tx};
use crate::error::{Error, io_error};
use crate::idcard;
use crate::output::{note, table};
use crate::render;
use crate::spreadsheet::write_file_atomically;
use crate::vocabulary::Level;

pub fn run(context: &Context, command: &CertificatesCommand) -> Result<(), Error> {
    match command {
        CertificatesCommand::Issue { session, key } => issue(context, session, key.as_deref()),
        CertificatesCommand::List { session, stale } => list(context, session.as_deref(), *stale),
        CertificatesCommand::Show { number } => show(context, number),
        CertificatesCommand::Revoke { number, reason } => revoke(context, number, reason),
        CertificatesCommand::Reissue { number, reason, key } => reissue(context, number, reason, key.as_deref()),
        CertificatesCommand::Revocations { out, key } => revocations(context, out, key.as_deref()),
        CertificatesCommand::Render { number: Some(number), out, pdf, .. } => {
            render_certificate(context, number, out, *pdf)
        }
        CertificatesCommand::Render { session: Some(session), out, pdf, .. } => {
            render_session(context, session, out, *pdf)
        }
        CertificatesCommand::Render { .. } => {
            Err(Error::user("请写证书编号，或用 --session 批次编号 输出整个批次的证书"))
        }
    }
}

fn required_setting(db: &Db, key: &str) -> Result<String, Error> {
    db.setting(key)?.ok_or_else(|| {
        Error::user(format!(
            "签发证书前请先设置 {key}：certify config set {key} 值（机构代码、省份、站点、机构名称都需要设置）"
        ))
    })
}

/// Everything needed to number and sign certificates, read (files included) before the
/// write transaction starts, so the lock is held only for the work itself. One issuer
/// serves one command: one transaction and one level (its serial counter relies on both).
struct Issuer {
    org: String,
    province: String,
    site: String,
    evaluator_type: String,
    format: String,
    name: String,
    key: SigningKey,
    public_text: String,
    person_key: PersonKey,
    /// One date and time for the whole command: every certificate of a run is issued at once.
    today: jiff::civil::Date,
    now: String,
    /// The next serial, once read inside the transaction: while the write lock is held no
    /// other issuer can take one, so counting on from it is safe and saves a query each.
    next_serial: std::cell::Cell<Option<u32>>,
}

impl Issuer {
    fn load(db: &Db, key_path: Option<&Path>) -> Result<Issuer, Error> {
        let (key, public_text) = signing_key(db, key_path)?;
        Ok(Issuer {
            org: required_setting(db, "org-code")?,
            province: required_setting(db, "province")?,
            site: required_setting(db, "site")?,
            name: required_setting(db, "org-name")?,
            evaluator_type: db.setting("evaluator-type")?.unwrap_or_else(|| "S".into()),
            format: db.setting("cert-number-format")?.unwrap_or_else(|| certificate::DEFAULT_FORMAT.into()),
            key,
            public_text,
            person_key: person_key_of(db)?,
            today: clock::now().date(),
            now: clock::now_text(),
            next_serial: std::cell::Cell::new(None),
        })
    }

    /// Numbers, signs and stores the certificate of a passed candidate inside `tx`;
    /// returns its number.
    fn issue(
        &self,
        tx: &Tx<'_>,
        session_id: &str,
        level: Level,
        r: &CandidateResult,
        replaces: Option<&str>,
    ) -> Result<String, Error> {
        let today = self.today;
        let level_digit = certificate::level_digit(level);
        let serial = match self.next_serial.get() {
            Some(serial) => serial,
            None => tx.next_serial(today.year(), level_digit)?,
        };
        self.next_serial.set(Some(serial + 1));
        let number = certificate::number(
            &self.format,
            &NumberParts {
                evaluator_type: &self.evaluator_type,
                org: &self.org,
                province: &self.province,
                site: &self.site,
                year: today.year(),
                level,
                serial,
            },
        )
        .map_err(|e| Error::user(format!("证书编号格式有误：{e}；用 certify config set cert-number-format 改正")))?;
        let (theory, practical) = (r.theory.unwrap_or(0.0), r.practical.unwrap_or(0.0));
        let issued = today.to_string();
        let record = Record {
            number: number.clone(),
            name: r.name.clone(),
            id_masked: idcard::mask(&r.id_number),
            id_hmac: self.person_key.id_hmac(&r.id_number),
            level,
            theory,
            practical,
            issued: issued.clone(),
            issuer: self.name.clone(),
        };
        let payload = record.payload();
        let signature = certificate::sign(&self.key, &payload);
        tx.insert_certificate(&NewCertificate {
            number: &number,
            session_id,
            exam_no: &r.exam_no,
            level: level.code(),
            year: today.year(),
            level_digit,
            serial,
            name: &r.name,
            id_number: &r.id_number,
            theory,
            practical,
            issued: &issued,
            payload: &payload,
            signature: &signature,
            public_key: &self.public_text,
            created_at: &self.now,
            replaces,
        })?;
        Ok(number)
    }
}

fn session_level(session: &crate::db::SessionRow) -> Result<Level, Error> {
    Level::parse(&session.level)
        .ok_or_else(|| Error::user(format!("批次 {} 的等级「{}」无效", session.id, session.level)))
}

fn issue(context: &Context, session_id: &str, key_path: Option<&Path>) -> Result<(), Error> {
    // Nothing to certify in a workspace made just now: a missing file is a mistyped --db.
    let mut db = context.existing()?;
    let session = find_session(&db, session_id)?;
    let level = session_level(&session)?;
    let issuer = Issuer::load(&db, key_path)?;

    // The write lock first, then who is eligible: a concurrent issuer waits here and
    // then sees what this one issued.
    let tx = db.transaction()?;
    let results = session_results(&tx, &session)?;
    let mut held: HashMap<String, String> = HashMap::new();
    let mut revoked: HashMap<String, String> = HashMap::new();
    for c in tx.certificates_of_level(level.code())? {
        if c.status == "valid" {
            held.insert(c.id_number, c.number);
        } else {
            revoked.insert(c.id_number, c.number);
        }
    }
    let mut issued = Vec::new();
    let mut withheld = Vec::new();
    let (mut already, mut open) = (0, 0);
    let mut stale_held = Vec::new();
    // 违纪 candidates are never issued a certificate; they are listed.
    let misconduct: Vec<&CandidateResult> =
        results.iter().filter(|r| r.marks.iter().any(|m| m.status == "misconduct")).collect();
    for r in &results {
        if !r.passed {
            if matches!(r.reason.as_deref(), Some("实操待仲裁" | "实操未评完")) {
                open += 1;
            }
            continue;
        }
        // Held by ID number at this level, or by this candidate of this session under an
        // ID number corrected since (then the certificate is stale: `reissue` is the remedy).
        if held.contains_key(&r.id_number) || r.certificate.is_some() {
            already += 1;
            if r.stale
                && let Some(number) = &r.certificate
            {
                stale_held.push(number.clone());
            }
            continue;
        }
        if let Some(number) = revoked.get(&r.id_number) {
            withheld.push((r.exam_no.clone(), r.name.clone(), number.clone()));
            continue;
        }
        let number = issuer.issue(&tx, &session.id, level, r, None)?;
        issued.push((number, r.exam_no.clone(), r.name.clone()));
    }
    tx.commit()?;

    let out = context.out;
    out.json(&json!({
        "session": session.id,
        "certificates": issued.iter().map(|(n, e, name)| json!({ "number": n, "exam_no": e, "name": name, "level": session.level, "status": "valid" })).collect::<Vec<_>>(),
        "already_held": already,
        "withheld_revoked": withheld.iter().map(|(e, name, n)| json!({ "exam_no": e, "name": name, "revoked": n })).collect::<Vec<_>>(),
        "grading_open": open,
        "withheld_misconduct": misconduct.iter().map(|r| json!({ "exam_no": r.exam_no, "name": r.name, "reason": r.reason })).collect::<Vec<_>>(),
    }))?;
    out.line(format!("已签发 {} 张证书（批次 {}，{}）。", issued.len(), session.id, session.level))?;
    if already > 0 {
        out.line(format!("{already} 人已持有该等级的有效证书（已签发），未重复签发。"))?;
    }
    if !stale_held.is_empty() {
        out.line(format!(
            "其中 {} 张证书背后的成绩或考生信息已变动：复核后用 certify certificates reissue 证书编号 --reason 原因 重发（{}）",
            stale_held.len(),
            stale_held.join("、")
        ))?;
    }
    if !withheld.is_empty() {
        out.line(format!("{} 人的该等级证书已被撤销，没有重新签发（撤销不会因再次签发而失效）：", withheld.len()))?;
        let mut t = table(["准考证号", "姓名", "已撤销的证书"]);
        for (e, name, n) in &withheld {
            t.add_row([e.clone(), name.clone(), n.clone()]);
        }
        out.table(&t)?;
        out.line("如确需补发，请逐一运行：certify certificates reissue 已撤销的证书编号 --reason 原因")?;
    }
    if !misconduct.is_empty() {
        out.line(format!("{} 人有违纪记录，不签发证书：", misconduct.len()))?;
        for r in &misconduct {
            out.line(format!("  {} {}：{}", r.exam_no, r.name, r.reason.as_deref().unwrap_or("违纪")))?;
        }
    }
    if open > 0 {
        note(format!("{open} 人的实操尚未评完或待仲裁，暂不签发；评完后再次运行本命令即可。"));
    }
    if !issued.is_empty() {
        let mut t = table(["证书编号", "准考证号", "姓名"]);
        for (n, e, name) in &issued {
            t.add_row([n.clone(), e.clone(), name.clone()]);
        }
        out.table(&t)?;
    }
    Ok(())
}

fn reissue(context: &Context, number: &str, reason: &str, key_path: Option<&Path>) -> Result<(), Error> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(Error::user("请用 --reason 写明重新签发的原因"));
    }
    // Nothing to certify in a workspace made just now: a missing file is a mistyped --db.
    let mut db = context.existing()?;
    find_certificate(&db, number)?;
    let issuer = Issuer::load(&db, key_path)?;
    let tx = db.transaction()?;
    // Read again under the lock: another command may have changed it meanwhile.
    let old = find_certificate(&tx, number)?;
    let session = find_session(&tx, &old.session_id)?;
    let level = session_level(&session)?;
    let results = session_results(&tx, &session)?;
    let r = results.iter().find(|r| r.exam_no == old.exam_no).ok_or_else(|| {
        Error::user(format!("证书 {} 的考生 {} 已不在批次 {} 中，不能重新签发", old.number, old.exam_no, session.id))
    })?;
    if !r.passed {
        return Err(Error::user(format!(
            "考生 {}（{}）按现在的成绩不合格（{}），不能重新签发；如只需撤销原证书：certify certificates revoke {} --reason 原因",
            r.exam_no,
            r.name,
            r.reason.as_deref().unwrap_or("不合格"),
            old.number
        )));
    }
    let now = clock::now_text();
    if old.status == "valid" {
        tx.revoke_certificate(&old.number, &format!("重新签发：{reason}"), &now)?;
    } else if let Some(other) = tx.valid_certificate(&r.id_number, level.code())? {
        return Err(Error::user(format!(
            "{}（{}）已持有{}的有效证书 {}，不需要补发",
            r.name, r.exam_no, session.level, other.number
        )));
    }
    let new_number = issuer.issue(&tx, &session.id, level, r, Some(&old.number))?;
    tx.commit()?;
    let out = context.out;
    out.json(&json!({
        "revoked": old.number,
        "certificates": [{ "number": new_number, "exam_no": r.exam_no, "name": r.name, "level": session.level, "status": "valid", "replaces": old.number }],
    }))?;
    if old.status == "valid" {
        out.line(format!("已撤销证书 {}（原因：重新签发：{reason}）", old.number))?;
    }
    out.line(format!("已按现在的成绩签发新证书 {}（{}，{}）", new_number, r.name, r.exam_no))
}

fn revocations(context: &Context, path: &Path, key_path: Option<&Path>) -> Result<(), Error> {
    let db = context.existing()?;
    let (key, public_text) = signing_key(&db, key_path)?;
    let list = RevocationList {
        issuer: required_setting(&db, "org-name")?,
        public_key: public_text,
        generated: clock::now_text(),
        revoked: db
            .revoked_certificates()?
            .into_iter()
            .map(|c| Revoked {
                number: c.number,
                revoked_at: c.revoked_at.unwrap_or_default(),
                reason: c.revoked_reason.unwrap_or_default(),
            })
            .collect(),
    };
    let payload = list.payload();
    let signature = certificate::sign(&key, &payload);
    let document = json!({
        "format": certificate::REVOCATIONS_FORMAT,
        "issuer": list.issuer,
        "public_key": list.public_key,
        "generated": list.generated,
        "revoked": list.revoked,
        "payload": payload,
        "signature": signature,
    });
    let mut text = serde_json::to_string_pretty(&document).expect("serializes");
    text.push('\n');
    write_file_atomically(path, text.as_bytes())?;
    let out = context.out;
    out.json(
        &json!({ "out": path.display().to_string(), "revoked": list.revoked.len(), "generated": list.generated }),
    )?;
    out.line(format!(
        "已输出撤销名单 {}：{} 张已撤销证书，生成于 {}（已签名；他人核验时用 --revocations 指定它）",
        path.display(),
        list.revoked.len(),
        list.generated
    ))
}

fn list(context: &Context, session: Option<&str>, stale_only: bool) -> Result<(), Error> {
    let db = context.existing()?;
    if let Some(id) = session {
        find_session(&db, id)?;
    }
    let certificates = db.certificates(session)?;
    // Stale: the results behind a valid certificate have changed.
    let mut stale: std::collections::HashSet<String> = std::collections::HashSet::new();
    let sessions: std::collections::BTreeSet<&str> = certificates.iter().map(|c| c.session_id.as_str()).collect();
    for id in sessions {
        if let Some(row) = db.session(id)? {
            stale.extend(session_results(&db, &row)?.into_iter().filter(|r| r.stale).filter_map(|r| r.certificate));
        }
    }
    let shown: Vec<&CertificateRow> =
        certificates.iter().filter(|c| !stale_only || stale.contains(&c.number)).collect();
    let out = context.out;
    out.json(&json!({ "certificates": shown.iter().map(|c| json!({
        "number": c.number,
        "exam_no": c.exam_no,
        "name": c.name,
        "level": c.level,
        "status": c.status,
        "session": c.session_id,
        "issued": c.issued,
        "stale": stale.contains(&c.number),
    })).collect::<Vec<_>>() }))?;
    let mut t = table(["证书编号", "批次", "准考证号", "姓名", "等级", "发证日期", "状态"]);
    for c in &shown {
        let status = match (c.status.as_str(), stale.contains(&c.number)) {
            ("revoked", _) => "已撤销".to_owned(),
            (_, true) => "有效（成绩已变动，需复核）".to_owned(),
            _ => "有效".to_owned(),
        };
        t.add_row([
            c.number.clone(),
            c.session_id.clone(),
            c.exam_no.clone(),
            c.name.clone(),
            c.level.clone(),
            c.issued.clone(),
            status,
        ]);
    }
    out.table(&t)?;
    out.line(format!("共 {} 张", shown.len()))?;
    let flagged: Vec<&str> =
        shown.iter().filter(|c| c.status == "valid" && stale.contains(&c.number)).map(|c| c.number.as_str()).collect();
    if !flagged.is_empty() {
        out.line("成绩已变动的证书，复核后请按现在的成绩重新签发：")?;
        // Each by its number, ready to run; a long list only says how.
        if flagged.len() <= 10 {
            for number in flagged {
                out.line(format!("  certify certificates reissue {number} --reason 原因"))?;
            }
        } else {
            out.line("  certify certificates reissue 证书编号 --reason 原因")?;
        }
    }
    Ok(())
}

fn find_certificate(db: &impl Read, number: &str) -> Result<CertificateRow, Error> {
    db.certificate(number)?
        .ok_or_else(|| Error::user(format!("没有编号为「{number}」的证书；用 certify certificates list 查看")))
}

fn show(context: &Context, number: &str) -> Result<(), Error> {
    let db = context.existing()?;
    let c = find_certificate(&db, number)?;
    let out = context.out;
    out.json(&json!({
        "number": c.number,
        "format": certificate::payload_field(&c.payload, "format"),
        "status": c.status,
        "payload": c.payload,
        "signature": c.signature,
        "public_key": c.public_key,
        "revoked_reason": c.revoked_reason,
        "revoked_at": c.revoked_at,
        "session": c.session_id,
        "exam_no": c.exam_no,
    }))?;
    if out.json {
        return Ok(());
    }
    out.line(format!("证书 {}（{}）", c.number, if c.status == "revoked" { "已撤销" } else { "有效" }))?;
    if let Some(reason) = &c.revoked_reason {
        out.line(format!("撤销原因：{reason}（{}）", c.revoked_at.as_deref().unwrap_or("")))?;
    }
    out.line("签名内容：")?;
    for line in c.payload.lines() {
        out.line(format!("  {line}"))?;
    }
    out.line(format!("签名（Ed25519，base64url）：{}", c.signature))?;
    out.line(format!("公钥（base64url）：{}", c.public_key))
}

fn revoke(context: &Context, number: &str, reason: &str) -> Result<(), Error> {
    if reason.trim().is_empty() {
        return Err(Error::user("请用 --reason 写明撤销原因"));
    }
    // Nothing to certify in a workspace made just now: a missing file is a mistyped --db.
    let mut db = context.existing()?;
    let tx = db.transaction()?;
    let c = find_certificate(&tx, number)?;
    if c.status == "revoked" {
        return Err(Error::user(format!("证书 {} 已于 {} 撤销", c.number, c.revoked_at.unwrap_or_default())));
    }
    let now = clock::now_text();
    tx.revoke_certificate(&c.number, reason.trim(), &now)?;
    tx.commit()?;
    let out = context.out;
    out.json(&json!({ "number": c.number, "status": "revoked", "reason": reason.trim(), "revoked_at": now }))?;
    out.line(format!("已撤销证书 {}（原因：{}）", c.number, reason.trim()))?;
    out.line(format!(
        "再次运行 certificates issue 不会给此人补发；如确需补发：certify certificates reissue {} --reason 原因",
        c.number
    ))
}

/// Writes certificate pages to `path` (.html or .pdf); `also_pdf` prints an .html again
/// to a PDF beside it, as `--pdf` always did.
fn write_pages(path: &Path, html: &str, also_pdf: bool) -> Result<(), Error> {
    let pdf_out = render::pdf::extension(path)? == "pdf";
    render::pdf::write_document(path, html)?;
    if also_pdf && !pdf_out {
        render::pdf::print(path, &path.with_extension("pdf"))?;
    }
    Ok(())
}

/// Every valid certificate of a session in one file (one Chromium run for a PDF), a
/// page each.
fn render_session(context: &Context, session_id: &str, path: &Path, also_pdf: bool) -> Result<(), Error> {
    render::pdf::extension(path)?;
    let db = context.existing()?;
    let session = find_session(&db, session_id)?;
    let all = db.certificates(Some(&session.id))?;
    let valid: Vec<&CertificateRow> = all.iter().filter(|c| c.status == "valid").collect();
    if valid.is_empty() {
        return Err(Error::user(format!(
            "批次 {} 没有有效证书；先运行 certify certificates issue --session {}",
            session.id, session.id
        )));
    }
    let bar = crate::output::progress(valid.len() as u64, "正在生成证书页面");
    let mut pages = Vec::with_capacity(valid.len());
    for c in &valid {
        pages.push(render::certificate_page(c)?);
        bar.inc(1);
    }
    bar.finish_and_clear();
    let html = render::render_certificates(pages)?;
    write_pages(path, &html, also_pdf)?;
    let out = context.out;
    out.json(&json!({
        "session": session.id,
        "out": path.display().to_string(),
        "certificates": valid.iter().map(|c| c.number.as_str()).collect::<Vec<_>>(),
        "skipped_revoked": all.len() - valid.len(),
    }))?;
    out.line(format!("已输出批次 {} 的 {} 张证书到 {}（每页一张）", session.id, valid.len(), path.display()))?;
    if all.len() > valid.len() {
        out.line(format!("已撤销的 {} 张证书没有输出。", all.len() - valid.len()))?;
    }
    Ok(())
}

fn render_certificate(context: &Context, number: &str, path: &Path, pdf: bool) -> Result<(), Error> {
    render::pdf::extension(path)?;
    let db = context.existing()?;
    let c = find_certificate(&db, number)?;
    let html = render::render_certificate(&c)?;
    write_pages(path, &html, pdf)?;
    let out = context.out;
    out.json(&json!({
        "number": c.number,
        "out": path.display().to_string(),
        "pdf": pdf,
        "qr": certificate::qr_content(&c.number, &c.payload, &c.signature),
    }))?;
    out.line(format!("已输出证书页面 {}{}", path.display(), if pdf { "（含 PDF）" } else { "" }))
}

pub fn verify(context: &Context, args: &VerifyArgs) -> Result<(), Error> {
    let verdict = match (&args.file, &args.number) {
        (Some(file), _) => {
            verify_file(file, args.public_key.as_deref().expect("clap requires it"), args.revocations.as_deref())?
        }
        (None, Some(number)) => verify_in_workspace(context, number, args.public_key.as_deref())?,
        (None, None) => return Err(Error::user("请给出证书编号，或用 --file 和 --public-key 离线核验")),
    };
    let out = context.out;
    out.json(&verdict)?;
    let reason = verdict.reason.clone().unwrap_or_default();
    let message = match verdict.status {
        "valid" => format!("证书 {} 有效：{reason}", verdict.number),
        "revoked" => format!("证书 {} 已撤销：{reason}", verdict.number),
        _ if verdict.number.is_empty() => format!("证书不可信：{reason}"),
        _ => format!("证书 {} 不可信：{reason}", verdict.number),
    };
    out.line(&message)?;
    if let Some(content) = &verdict.certificate {
        out.line(format!("签名的内容：{}", content.line()))?;
        out.line("请核对持证人身份证件与上面签名的内容一致；证书文件中其他未签名的字段不作数。")?;
    }
    if verdict.valid {
        Ok(())
    } else {
        Err(Error::Reported(format!("核验未通过：{}", message.trim_end_matches('。'))))
    }
}

fn public_key_from_pem(path: &Path) -> Result<String, Error> {
    let pem = std::fs::read_to_string(path).map_err(|e| io_error(path, "无法读取公钥", &e))?;
    let key = VerifyingKey::from_public_key_pem(&pem)
        .map_err(|_| Error::user(format!("{}: 不是 Ed25519 公钥（PEM）", path.display())))?;
    Ok(certificate::public_key_text(&key))
}

/// In the workspace the stored status is the authority on revocation; the signature is
/// still checked, so an edited database row is caught.
fn verify_in_workspace(context: &Context, number: &str, public_key: Option<&Path>) -> Result<Verdict, Error> {
    let Some(db) = context.existing_workspace()? else {
        return Err(Error::user(format!(
            "找不到工作区 {}；离线核验请用 certify verify --file 证书.json --public-key 公钥文件",
            context.db_path.display()
        )));
    };
    let Some(c) = db.certificate(number)? else {
        return Ok(Verdict {
            number: number.trim().to_owned(),
            valid: false,
            status: "invalid",
            reason: Some("工作区中查无此证书编号".into()),
            revocation_checked: false,
            revocations_as_of: None,
            certificate: None,
        });
    };
    let trusted = match public_key {
        Some(path) => public_key_from_pem(path)?,
        None => db.setting("public-key")?.unwrap_or_else(|| c.public_key.clone()),
    };
    let mut verdict = certificate::verdict(&c.payload, &c.signature, &trusted, None);
    if verdict.number != c.number && verdict.status != "invalid" {
        verdict = Verdict {
            valid: false,
            status: "invalid",
            reason: Some("签名内容中的证书编号与记录不符".into()),
            ..verdict
        };
    }
    if verdict.valid {
        verdict.revocation_checked = true;
        verdict.revocations_as_of = Some(clock::now_text());
        if c.status == "revoked" {
            verdict.valid = false;
            verdict.status = "revoked";
            verdict.reason = Some(format!(
                "已于 {} 撤销：{}",
                c.revoked_at.as_deref().unwrap_or(""),
                c.revoked_reason.as_deref().unwrap_or("")
            ));
        } else {
            verdict.reason = Some("签名真实、内容未被改动；按工作区记录未被撤销".into());
        }
    }
    Ok(verdict)
}

/// Reads the `payload` and `signature` of a JSON document; nothing else in it is used.
fn signed_parts(path: &Path, what: &str, made_by: &str) -> Result<(String, String), Error> {
    let text = crate::import::read_text(path, what)?;
    if let Some(key) = crate::import::repeated_json_key(&text) {
        return Err(Error::user(format!("{}: {what}中 {key} 出现了两次（文件被改动过）", path.display())));
    }
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| Error::user(format!("{}: 不是 {made_by} 输出的{what}（{e}）", path.display())))?;
    let field = |key: &str| -> Result<String, Error> {
        value.get(key).and_then(|v| v.as_str()).map(str::to_owned).ok_or_else(|| {
            Error::user(format!("{}: {what}中没有 {key}（应为 {made_by} 输出的文件，未经改动）", path.display()))
        })
    };
    Ok((field("payload")?, field("signature")?))
}

fn verify_file(file: &Path, public_key: &Path, revocations: Option<&Path>) -> Result<Verdict, Error> {
    let (payload, signature) = signed_parts(file, "证书文件", "certify certificates show --json")?;
    let trusted = public_key_from_pem(public_key)?;
    let list =
        revocations.map(|path| signed_parts(path, "撤销名单", "certify certificates revocations")).transpose()?;
    let list = list.as_ref().map(|(payload, signature)| SignedList { payload, signature });
    Ok(certificate::verdict(&payload, &signature, &trusted, list))
}
