//! `certify keys generate`, `certify certificates …` and `certify verify`: signed
//! certificate records anyone can check without calling us.

use std::collections::HashMap;
use std::path::Path;

use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use ed25519_dalek::{SigningKey, VerifyingKey};
use serde_json::json;

use super::Context;
use super::results::session_results;
use super::session::find_session;
use crate::certificate::{self, NumberParts, Record};
use crate::cli::{CertificatesCommand, KeysCommand, VerifyArgs};
use crate::clock;
use crate::db::{CertificateRead, CertificateRow, Db, NewCertificate, SessionRead, SettingsRead};
use crate::error::Error;
use crate::output::{note, table};
use crate::render;
use crate::spreadsheet::write_file_atomically;
use crate::vocabulary::Level;

pub fn keys(context: &Context, command: &KeysCommand) -> Result<(), Error> {
    let KeysCommand::Generate { out: dir } = command;
    let private = dir.join("signing-key.pem");
    let public = dir.join("signing-key.pub.pem");
    for path in [&private, &public] {
        if path.exists() {
            return Err(Error::user(format!(
                "{} 已存在，不会覆盖（覆盖会让已签发的证书无法核验）。如确需新密钥，请换一个文件夹：--out 新文件夹",
                path.display()
            )));
        }
    }
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret).map_err(|e| Error::user(format!("无法取得系统随机数：{e}")))?;
    let key = SigningKey::from_bytes(&secret);
    let private_pem = key.to_pkcs8_pem(LineEnding::LF).map_err(|e| Error::user(format!("无法生成私钥文件：{e}")))?;
    let public_pem = key
        .verifying_key()
        .to_public_key_pem(LineEnding::LF)
        .map_err(|e| Error::user(format!("无法生成公钥文件：{e}")))?;
    let mut db = context.workspace()?;
    std::fs::create_dir_all(dir).map_err(|e| Error::user(format!("{}: 无法创建文件夹（{e}）", dir.display())))?;
    write_private(&private, private_pem.as_bytes())?;
    write_file_atomically(&public, public_pem.as_bytes())?;
    let public_text = certificate::public_key_text(&key.verifying_key());
    let absolute = std::fs::canonicalize(&private)?;
    let tx = db.transaction()?;
    tx.set_setting("public-key", &public_text)?;
    tx.set_setting("signing-key", &absolute.display().to_string())?;
    tx.commit()?;
    let out = context.out;
    out.json(&json!({ "private_key": private.display().to_string(), "public_key_file": public.display().to_string(), "public_key": public_text }))?;
    out.line(format!(
        "已生成签名密钥：私钥 {}（仅本账户可读，请备份并妥善保管），公钥 {}",
        private.display(),
        public.display()
    ))?;
    out.line("公钥可以公开：任何人用它都能离线核验证书（certify verify --file 证书.json --public-key 公钥文件）。")
}

/// Writes the private key readable by its owner only, refusing to replace a file.
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|e| Error::user(format!("{}: 无法写入私钥（{e}）", path.display())))?;
    file.write_all(bytes)?;
    Ok(())
}

pub fn run(context: &Context, command: &CertificatesCommand) -> Result<(), Error> {
    match command {
        CertificatesCommand::Issue { session, key } => issue(context, session, key.as_deref()),
        CertificatesCommand::List { session, stale } => list(context, session.as_deref(), *stale),
        CertificatesCommand::Show { number } => show(context, number),
        CertificatesCommand::Revoke { number, reason } => revoke(context, number, reason),
        CertificatesCommand::Render { number, out, pdf } => render_certificate(context, number, out, *pdf),
    }
}

fn required_setting(db: &Db, key: &str) -> Result<String, Error> {
    db.setting(key)?.ok_or_else(|| {
        Error::user(format!(
            "签发证书前请先设置 {key}：certify config set {key} 值（机构代码、省份、站点、机构名称都需要设置）"
        ))
    })
}

fn issue(context: &Context, session_id: &str, key_path: Option<&Path>) -> Result<(), Error> {
    let mut db = context.workspace()?;
    let session = find_session(&db, session_id)?;
    let level = Level::parse(&session.level).ok_or_else(|| Error::user("批次等级无效"))?;
    let org = required_setting(&db, "org-code")?;
    let province = required_setting(&db, "province")?;
    let site = required_setting(&db, "site")?;
    let issuer = required_setting(&db, "org-name")?;
    let evaluator_type = db.setting("evaluator-type")?.unwrap_or_else(|| "S".into());
    let format = db.setting("cert-number-format")?.unwrap_or_else(|| certificate::DEFAULT_FORMAT.into());
    let key_file = match key_path {
        Some(path) => path.to_path_buf(),
        None => db
            .setting("signing-key")?
            .map(Into::into)
            .ok_or_else(|| Error::user("还没有签名密钥：先运行 certify keys generate，或用 --key 指定私钥文件"))?,
    };
    let pem = std::fs::read_to_string(&key_file)
        .map_err(|e| Error::user(format!("{}: 无法读取私钥（{e}）", key_file.display())))?;
    let key = SigningKey::from_pkcs8_pem(&pem)
        .map_err(|_| Error::user(format!("{}: 不是 Ed25519 私钥（PKCS#8 PEM）", key_file.display())))?;
    let public_text = certificate::public_key_text(&key.verifying_key());
    if let Some(registered) = db.setting("public-key")?
        && registered != public_text
    {
        return Err(Error::user(format!(
            "{} 与工作区登记的公钥不一致：用它签发的证书将无法按登记的公钥核验。请使用 keys generate 生成的私钥",
            key_file.display()
        )));
    }

    let results = session_results(&db, &session)?;
    // People who already hold a valid certificate of this level, from any session.
    let held: HashMap<String, String> = db
        .certificates(None)?
        .into_iter()
        .filter(|c| c.status == "valid" && c.level == session.level)
        .map(|c| (c.id_number, c.number))
        .collect();
    let today = clock::now().date();
    let issued_on = today.to_string();
    let now = clock::now_text();
    let tx = db.transaction()?;
    let mut issued = Vec::new();
    let (mut already, mut open) = (0, 0);
    for r in &results {
        if !r.passed {
            if matches!(r.reason, Some("实操待仲裁" | "实操未评完")) {
                open += 1;
            }
            continue;
        }
        if held.contains_key(&r.id_number) {
            already += 1;
            continue;
        }
        let (theory, practical) = (r.theory.unwrap_or(0.0), r.practical.unwrap_or(0.0));
        // The serial is read inside the IMMEDIATE transaction: no other issuer can take it.
        let serial = tx.next_serial(today.year(), certificate::level_digit(level))?;
        let number = certificate::number(
            &format,
            &NumberParts {
                evaluator_type: &evaluator_type,
                org: &org,
                province: &province,
                site: &site,
                year: today.year(),
                level,
                serial,
            },
        )
        .map_err(|e| Error::user(format!("证书编号格式有误：{e}")))?;
        let record = Record {
            number: number.clone(),
            name: r.name.clone(),
            id_number: r.id_number.clone(),
            level,
            theory,
            practical,
            issued: issued_on.clone(),
            issuer: issuer.clone(),
        };
        let payload = record.payload();
        let signature = certificate::sign(&key, &payload);
        tx.insert_certificate(&NewCertificate {
            number: &number,
            session_id: &session.id,
            exam_no: &r.exam_no,
            level: &session.level,
            year: today.year(),
            level_digit: certificate::level_digit(level),
            serial,
            name: &r.name,
            id_number: &r.id_number,
            theory,
            practical,
            issued: &issued_on,
            payload: &payload,
            signature: &signature,
            public_key: &public_text,
            created_at: &now,
        })?;
        issued.push((number, r.exam_no.clone(), r.name.clone()));
    }
    tx.commit()?;
    let out = context.out;
    out.json(&json!({
        "session": session.id,
        "certificates": issued.iter().map(|(n, e, name)| json!({ "number": n, "exam_no": e, "name": name, "level": session.level, "status": "valid" })).collect::<Vec<_>>(),
        "already_held": already,
        "grading_open": open,
    }))?;
    out.line(format!("已签发 {} 张证书（批次 {}，{}）。", issued.len(), session.id, session.level))?;
    if already > 0 {
        out.line(format!("{already} 人已持有该等级的有效证书，未重复签发。"))?;
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
    out.line(format!("共 {} 张", shown.len()))
}

fn find_certificate(db: &Db, number: &str) -> Result<CertificateRow, Error> {
    db.certificate(number)?
        .ok_or_else(|| Error::user(format!("没有编号为「{number}」的证书；用 certify certificates list 查看")))
}

fn show(context: &Context, number: &str) -> Result<(), Error> {
    let db = context.existing()?;
    let c = find_certificate(&db, number)?;
    let out = context.out;
    out.json(&json!({
        "number": c.number,
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
    let mut db = context.workspace()?;
    let c = find_certificate(&db, number)?;
    if c.status == "revoked" {
        return Err(Error::user(format!("证书 {} 已于 {} 撤销", c.number, c.revoked_at.unwrap_or_default())));
    }
    let now = clock::now_text();
    let tx = db.transaction()?;
    tx.revoke_certificate(&c.number, reason.trim(), &now)?;
    tx.commit()?;
    let out = context.out;
    out.json(&json!({ "number": c.number, "status": "revoked", "reason": reason.trim(), "revoked_at": now }))?;
    out.line(format!("已撤销证书 {}（原因：{}）", c.number, reason.trim()))
}

fn render_certificate(context: &Context, number: &str, path: &Path, pdf: bool) -> Result<(), Error> {
    let db = context.existing()?;
    let c = find_certificate(&db, number)?;
    let html = render::render_certificate(&c)?;
    write_file_atomically(path, html.as_bytes())?;
    if pdf {
        render::pdf::print(path, &path.with_extension("pdf"))?;
    }
    let out = context.out;
    out.json(&json!({ "number": c.number, "out": path.display().to_string(), "pdf": pdf }))?;
    out.line(format!("已输出证书页面 {}{}", path.display(), if pdf { "（含 PDF）" } else { "" }))
}

/// The outcome of a verification.
struct Verdict {
    number: String,
    valid: bool,
    status: &'static str,
    reason: Option<String>,
}

pub fn verify(context: &Context, args: &VerifyArgs) -> Result<(), Error> {
    let verdict = match (&args.file, &args.number) {
        (Some(file), _) => verify_file(file, args.public_key.as_deref().expect("clap requires it"))?,
        (None, Some(number)) => verify_in_workspace(context, number, args.public_key.as_deref())?,
        (None, None) => return Err(Error::user("请给出证书编号，或用 --file 和 --public-key 离线核验")),
    };
    let out = context.out;
    out.json(&json!({ "number": verdict.number, "valid": verdict.valid, "status": verdict.status, "reason": verdict.reason }))?;
    let message = match (verdict.valid, verdict.status) {
        (true, _) => format!("证书 {} 有效：签名与内容相符，未被撤销。", verdict.number),
        (false, "revoked") => format!("证书 {} 已撤销：{}", verdict.number, verdict.reason.clone().unwrap_or_default()),
        (false, "unknown") => format!("查无证书 {}", verdict.number),
        (false, _) => format!("证书 {} 不可信：{}", verdict.number, verdict.reason.clone().unwrap_or_default()),
    };
    out.line(&message)?;
    if verdict.valid { Ok(()) } else { Err(Error::Reported(format!("核验未通过：证书 {}", verdict.number))) }
}

fn public_key_from_pem(path: &Path) -> Result<String, Error> {
    let pem =
        std::fs::read_to_string(path).map_err(|e| Error::user(format!("{}: 无法读取公钥（{e}）", path.display())))?;
    let key = VerifyingKey::from_public_key_pem(&pem)
        .map_err(|_| Error::user(format!("{}: 不是 Ed25519 公钥（PEM）", path.display())))?;
    Ok(certificate::public_key_text(&key))
}

fn judge(
    number: &str,
    payload: &str,
    signature: &str,
    trusted_key: &str,
    status: &str,
    reason: Option<String>,
) -> Verdict {
    let number = number.trim().to_owned();
    if certificate::payload_field(payload, "number") != Some(number.as_str()) {
        return Verdict {
            number,
            valid: false,
            status: "forged",
            reason: Some("签名内容中的证书编号与证书不符".into()),
        };
    }
    match certificate::verify(payload, signature, trusted_key) {
        Err(e) => Verdict { number, valid: false, status: "forged", reason: Some(e.to_string()) },
        Ok(()) if status == "revoked" => Verdict { number, valid: false, status: "revoked", reason },
        Ok(()) => Verdict { number, valid: true, status: "valid", reason: None },
    }
}

fn verify_in_workspace(context: &Context, number: &str, public_key: Option<&Path>) -> Result<Verdict, Error> {
    let Some(db) = context.existing_workspace()? else {
        return Err(Error::user("没有工作区；离线核验请用 certify verify --file 证书.json --public-key 公钥文件"));
    };
    let Some(c) = db.certificate(number)? else {
        return Ok(Verdict {
            number: number.trim().to_owned(),
            valid: false,
            status: "unknown",
            reason: Some("查无此证书".into()),
        });
    };
    let trusted = match public_key {
        Some(path) => public_key_from_pem(path)?,
        None => db.setting("public-key")?.unwrap_or_else(|| c.public_key.clone()),
    };
    let reason = c.revoked_reason.clone().map(|r| format!("{r}（{}）", c.revoked_at.clone().unwrap_or_default()));
    Ok(judge(&c.number, &c.payload, &c.signature, &trusted, &c.status, reason))
}

fn verify_file(file: &Path, public_key: &Path) -> Result<Verdict, Error> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| Error::user(format!("{}: 无法读取证书文件（{e}）", file.display())))?;
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| Error::user(format!("{}: 不是 certificates show --json 输出的证书文件（{e}）", file.display())))?;
    let field = |key: &str| value.get(key).and_then(|v| v.as_str()).unwrap_or("").to_owned();
    let trusted = public_key_from_pem(public_key)?;
    let number = field("number");
    if !field("public_key").is_empty() && field("public_key") != trusted {
        return Ok(Verdict {
            number,
            valid: false,
            status: "forged",
            reason: Some("证书文件中的公钥与发证机构的公钥不一致".into()),
        });
    }
    let reason = value.get("revoked_reason").and_then(|v| v.as_str()).map(str::to_owned);
    Ok(judge(&number, &field("payload"), &field("signature"), &trusted, &field("status"), reason))
}
