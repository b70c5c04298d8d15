//! `certify examiners add|list|revoke`: who may log in to `certify serve` for a session.
//!
//! Guarantees: `add` prints the login code once and stores only its hash (see
//! [`crate::access`]), so nobody can read a code back out of the workspace; no two active
//! people in a session share a name (the name is what their grades are recorded under);
//! `revoke` ends the person's logged-in browsers in the same transaction, and re-adding a
//! revoked name gives a new code. `list` never shows a code.

use serde_json::json;

use super::Context;
use super::session::find_session;
use crate::access;
use crate::cli::ExaminersCommand;
use crate::clock;
use crate::db::ServeRead;
use crate::error::Error;
use crate::output::{note, table};

pub fn run(context: &Context, command: &ExaminersCommand) -> Result<(), Error> {
    match command {
        ExaminersCommand::Add { session, name, chief, invigilator } => {
            let role = match (chief, invigilator) {
                (true, _) => "chief",
                (_, true) => "invigilator",
                _ => "examiner",
            };
            add(context, session, name.trim(), role)
        }
        ExaminersCommand::List { session } => list(context, session),
        ExaminersCommand::Revoke { session, name } => revoke(context, session, name.trim()),
    }
}

fn add(context: &Context, session_id: &str, name: &str, role: &str) -> Result<(), Error> {
    if name.is_empty() {
        return Err(Error::user("请写明姓名（--name）"));
    }
    let mut db = context.existing()?;
    let tx = db.transaction()?;
    let session = find_session(&tx, session_id)?;
    if let Some(existing) = tx.active_examiner(&session.id, name)? {
        return Err(Error::user(format!(
            "批次 {} 已有{}「{name}」。要重发登录码，先运行 certify examiners revoke --session {} --name {name}，再重新添加",
            session.id,
            access::role_label(&existing.role),
            session.id
        )));
    }
    let code = access::new_code();
    tx.add_examiner(&session.id, name, role, &access::code_hash(&session.id, name, &code), &clock::now_text())?;
    tx.commit()?;
    let out = context.out;
    out.json(&json!({ "name": name, "role": role, "code": code }))?;
    out.line(format!("已添加{} {name}（批次 {}）。一次性登录码：{code}", access::role_label(role), session.id))?;
    note("登录码只显示这一次，工作区里只存它的校验值，无法再查出；请当面交给本人。遗失时先 revoke 再重新 add。");
    Ok(())
}

fn list(context: &Context, session_id: &str) -> Result<(), Error> {
    let db = context.existing()?;
    let session = find_session(&db, session_id)?;
    let people = db.examiners(&session.id)?;
    let out = context.out;
    out.json(&json!({
        "session": session.id,
        "examiners": people.iter().map(|e| json!({
            "name": e.name,
            "role": e.role,
            "created_at": e.created_at,
            "revoked_at": e.revoked_at,
            "active": e.revoked_at.is_none(),
        })).collect::<Vec<_>>(),
    }))?;
    if people.is_empty() {
        return out.line(format!(
            "批次 {} 还没有考评员；用 certify examiners add --session {} --name 姓名 添加",
            session.id, session.id
        ));
    }
    let mut t = table(["姓名", "角色", "添加时间", "状态"]);
    for e in &people {
        t.add_row([
            e.name.clone(),
            access::role_label(&e.role).to_owned(),
            e.created_at.clone(),
            e.revoked_at.as_ref().map(|at| format!("已撤销（{at}）")).unwrap_or_else(|| "有效".into()),
        ]);
    }
    out.table(&t)?;
    let active = people.iter().filter(|e| e.revoked_at.is_none()).count();
    out.line(format!("共 {} 人，有效 {active} 人", people.len()))
}

fn revoke(context: &Context, session_id: &str, name: &str) -> Result<(), Error> {
    let mut db = context.existing()?;
    let tx = db.transaction()?;
    let session = find_session(&tx, session_id)?;
    let ended = tx.revoke_examiner(&session.id, name, &clock::now_text(), clock::unix_seconds())?.ok_or_else(|| {
        Error::user(format!(
            "批次 {} 没有有效的「{name}」；用 certify examiners list --session {} 查看",
            session.id, session.id
        ))
    })?;
    tx.commit()?;
    let out = context.out;
    out.json(&json!({ "session": session.id, "name": name, "revoked": true, "ended_logins": ended }))?;
    out.line(format!("已撤销 {name} 的登录码（批次 {}），已登录的设备 {ended} 台已退出。", session.id))
}
