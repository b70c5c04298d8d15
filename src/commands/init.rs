//! `certify init` and `certify config`: creating the workspace and its settings.

use std::path::Path;

use serde_json::json;

use super::Context;
use super::bank::{ImportOptions, ImportReport, import_sources};
use crate::bundled;
use crate::cli::{ConfigCommand, InitArgs};
use crate::db::{CertificateRead, Db, SettingsRead};
use crate::error::{Error, io_error};
use crate::output::{note, table};
use crate::settings;

/// Creates (or opens) the workspace and loads the bundled bank: items whose ids the
/// bank does not have yet are added; items already there are never touched, so a
/// repeated `init` does not undo a bank keeper's edits or retirements.
///
/// A new workspace is built in a temporary file beside `path` and renamed into place
/// only when complete, so a failure never leaves a half-made database behind.
pub fn create_workspace(path: &Path, with_bank: bool) -> Result<(Db, ImportReport), Error> {
    let load = |db: &mut Db| -> Result<ImportReport, Error> {
        if with_bank {
            let options = ImportOptions { only_new_ids: true, ..ImportOptions::default() };
            let report = import_sources(db, &bundled::sources(), options)?;
            super::practical::import_rubrics(db, &bundled::rubric_sources(), true)?;
            Ok(report)
        } else {
            Ok(ImportReport::default())
        }
    };
    if path.exists() {
        let mut db = Db::open(path)?;
        let report = load(&mut db)?;
        return Ok((db, report));
    }
    let folder = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let cannot = |e: std::io::Error| io_error(path, "无法新建工作区", &e);
    let building = tempfile::Builder::new()
        .prefix(".certify-new-")
        .suffix(".db")
        .tempfile_in(folder)
        .map_err(cannot)?
        .into_temp_path();
    let report = {
        let mut db = Db::create(&building)?;
        load(&mut db)?
        // Dropping the connection checkpoints the WAL into the file before the rename.
    };
    building.persist(path).map_err(|e| cannot(e.error))?;
    Ok((Db::open(path)?, report))
}

pub fn init(context: &Context, args: &InitArgs) -> Result<(), Error> {
    let existed = context.db_path.exists();
    // Check every setting before creating anything, so a typo leaves no half-made workspace.
    let mut changes = Vec::new();
    for (key, value) in
        [("org-code", &args.org_code), ("org-name", &args.org_name), ("province", &args.province), ("site", &args.site)]
    {
        if let Some(value) = value {
            changes.push((key, settings::validate(key, value).map_err(Error::User)?));
        }
    }
    let (mut db, report) = create_workspace(&context.db_path, !args.empty)?;
    let tx = db.transaction()?;
    if tx.setting("evaluator-type")?.is_none() {
        tx.set_setting("evaluator-type", "S")?;
    }
    for (key, value) in &changes {
        tx.set_setting(key, value)?;
    }
    tx.commit()?;

    let out = context.out;
    out.json(&json!({
        "db": context.db_path.display().to_string(),
        "created": !existed,
        "bank": report,
        "settings": db.settings()?.into_iter().collect::<std::collections::BTreeMap<_, _>>(),
    }))?;
    out.line(format!("{} {}", if existed { "工作区已存在：" } else { "已新建工作区：" }, context.db_path.display()))?;
    if !args.empty {
        out.line(format!(
            "内置题库：新增 {} 题，已有 {} 题保持不变。",
            report.added,
            report.skipped_existing + report.unchanged
        ))?;
    } else {
        out.line(
            "按 --empty 建立：没有载入内置题库（700 余道试题）和内置的 13 张实操评分表。\n\
             需要时用 certify bank import、certify rubric import 导入自己的，或不加 --empty 再运行一次 init 载入内置的。",
        )?;
    }
    if db.setting("org-code")?.is_none() {
        out.line("提示：签发证书前请设置机构代码等信息，例如 certify config set org-code 0001")?;
    }
    out.line("下一步：certify bank stats 查看题库，certify bank import 导入自己的试题。")
}

pub fn config(context: &Context, command: &ConfigCommand) -> Result<(), Error> {
    let out = context.out;
    match command {
        ConfigCommand::Get { key: None } => {
            let db = context.existing()?;
            let values: std::collections::BTreeMap<String, String> = db.settings()?.into_iter().collect();
            out.json(&values)?;
            let mut t = table(["设置项", "值", "说明"]);
            for spec in settings::SETTINGS {
                t.add_row([spec.key, values.get(spec.key).map(String::as_str).unwrap_or("（未设置）"), spec.label]);
            }
            out.table(&t)
        }
        ConfigCommand::Get { key: Some(key) } => {
            settings::spec(key).map_err(Error::User)?;
            let db = context.existing()?;
            let value = db.setting(key)?;
            out.json(&json!({ "key": key, "value": value }))?;
            match value {
                Some(value) => out.line(value),
                None => Err(Error::user(format!("{key} 尚未设置；用 certify config set {key} 值 设置"))),
            }
        }
        ConfigCommand::Set { key, value } => {
            let mut value = settings::validate(key, value).map_err(Error::User)?;
            let mut db = context.workspace()?;
            if settings::spec(key).map_err(Error::User)?.key_file {
                value = super::keys::check_key_setting(&db, key, &value)?;
            }
            let tx = db.transaction()?;
            let before = tx.setting(key)?;
            tx.set_setting(key, &value)?;
            let issued = tx.certificates(None)?.len();
            tx.commit()?;
            out.json(&json!({ "key": key, "value": value }))?;
            out.line(format!("已设置 {key} = {value}"))?;
            if key == "person-key" && before.is_some_and(|b| b != value) && issued > 0 {
                note(format!(
                    "已签发的 {issued} 张证书仍是用原来的个人信息密钥计算的摘要；今后签发的证书改用新密钥。\
                     如果是为了与区域登记平台一致，请确认平台已知道这一变化。"
                ));
            }
            Ok(())
        }
    }
}
