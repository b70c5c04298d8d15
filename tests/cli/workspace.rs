//! `init`, auto-creation, `config`, and output behaviour shared by every command.

use std::io::Read;
use std::process::Stdio;

use crate::support::{SMALL_TOML, Workspace, file_hash};

#[test]
fn init_loads_the_bundled_bank_and_is_idempotent() {
    let ws = Workspace::new();
    let first = ws.json(["init"]);
    assert_eq!(first["created"], true);
    let added = first["bank"]["added"].as_u64().unwrap();
    assert!(added >= 600, "bundled bank has {added} items");

    let second = ws.json(["init"]);
    assert_eq!(second["created"], false);
    assert_eq!(second["bank"]["added"], 0);
    assert_eq!(second["bank"]["skipped_existing"].as_u64().unwrap(), added);
    assert_eq!(ws.json(["bank", "stats"])["total"].as_u64().unwrap(), added);
}

#[test]
fn init_does_not_undo_a_retirement() {
    let ws = Workspace::new();
    ws.ok(["init"]);
    ws.ok(["bank", "retire", "FEED-0001", "--reason", "测试"]);
    ws.ok(["init"]);
    assert_eq!(ws.json(["bank", "show", "FEED-0001"])["status"], "retired");
}

#[test]
fn init_empty_makes_an_empty_bank_and_says_what_it_left_out() {
    let ws = Workspace::new();
    let said = ws.ok(["init", "--empty"]).stdout;
    assert!(said.contains("没有载入内置题库") && said.contains("实操评分表"), "{said}");
    assert_eq!(ws.json(["bank", "stats"])["total"], 0);
    assert_eq!(ws.json(["rubric", "list"])["rubrics"].as_array().unwrap().len(), 0);
}

#[test]
fn a_command_that_writes_without_a_workspace_creates_one_and_says_so() {
    let ws = Workspace::new();
    let finished = ws.ok(["config", "set", "org-code", "0001"]);
    assert!(finished.stderr.contains("已新建"), "{}", finished.stderr);
    assert!(ws.db().exists());
    assert!(ws.ok(["bank", "stats"]).stdout.contains("营养喂养"));
}

#[test]
fn read_only_commands_never_create_a_workspace() {
    let ws = Workspace::new();
    for args in [
        vec!["bank", "list"],
        vec!["bank", "stats"],
        vec!["bank", "show", "FEED-0001"],
        vec!["paper", "list"],
        vec!["session", "list"],
        vec!["results", "--session", "S1"],
        vec!["certificates", "list"],
        vec!["rubric", "list"],
        vec!["config", "get"],
        vec!["analyze", "--session", "S1"],
    ] {
        let failed = ws.fails(&args);
        assert!(failed.stderr.contains("找不到工作区"), "{args:?}: {}", failed.stderr);
        assert!(failed.stderr.contains("certify.db") && failed.stderr.contains("certify init"), "{}", failed.stderr);
        assert!(!ws.db().exists(), "{args:?} created the workspace");
    }
}

/// A SQLite database of some other program, as an exam office might have lying around.
fn foreign_database(ws: &Workspace, application_id: i32) -> String {
    let conn = rusqlite::Connection::open(ws.db()).unwrap();
    conn.execute_batch("CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES ('张三');").unwrap();
    conn.pragma_update(None, "application_id", application_id).unwrap();
    drop(conn);
    file_hash(&ws.db())
}

#[test]
fn a_foreign_sqlite_file_is_refused_and_left_byte_for_byte() {
    for application_id in [0, 0x1234] {
        let ws = Workspace::new();
        let before = foreign_database(&ws, application_id);
        for args in [vec!["bank", "stats"], vec!["config", "set", "org-code", "0001"], vec!["init"]] {
            let failed = ws.fails(&args);
            assert!(failed.stderr.contains("不是 certify 工作区"), "{}", failed.stderr);
            assert!(failed.stderr.contains("--db") && failed.stderr.contains("certify init"), "{}", failed.stderr);
            assert_eq!(file_hash(&ws.db()), before, "{args:?} changed the foreign file");
            assert!(!ws.path("certify.db-wal").exists());
        }
    }
}

#[test]
fn a_foreign_file_with_an_items_table_and_a_version_is_still_foreign() {
    let ws = Workspace::new();
    let conn = rusqlite::Connection::open(ws.db()).unwrap();
    conn.execute_batch("CREATE TABLE items (x); PRAGMA user_version = 3;").unwrap();
    drop(conn);
    let before = file_hash(&ws.db());
    for args in [vec!["session", "list"], vec!["config", "set", "org-code", "0001"]] {
        let failed = ws.fails(&args);
        assert!(failed.stderr.contains("不是 certify 工作区"), "{}", failed.stderr);
        assert_eq!(file_hash(&ws.db()), before, "{args:?} changed the foreign file");
    }
}

#[test]
fn a_file_that_is_not_sqlite_is_refused_and_left_as_it_was() {
    let ws = Workspace::new();
    ws.write("certify.db", "考生名单，不是数据库\n".repeat(100));
    let before = file_hash(&ws.db());
    let failed = ws.fails(["bank", "list"]);
    assert!(failed.stderr.contains("不是 SQLite 数据库文件"), "{}", failed.stderr);
    let bank = ws.write("bank.toml", SMALL_TOML);
    let failed = ws.fails(["bank".as_ref(), "import".as_ref(), bank.as_os_str()]);
    assert!(failed.stderr.contains("不是 certify 工作区"), "{}", failed.stderr);
    assert_eq!(file_hash(&ws.db()), before);
}

#[test]
fn new_workspaces_carry_the_certify_application_id_and_old_ones_are_given_it() {
    let ws = Workspace::empty();
    let id = |ws: &Workspace| -> i32 {
        rusqlite::Connection::open(ws.db()).unwrap().query_row("PRAGMA application_id", [], |r| r.get(0)).unwrap()
    };
    assert_eq!(id(&ws), i32::from_be_bytes(*b"CRTF"));
    // A workspace made before the id existed: migrated, with a bank, id 0.
    rusqlite::Connection::open(ws.db()).unwrap().pragma_update(None, "application_id", 0).unwrap();
    assert_eq!(ws.json(["bank", "stats"])["total"], 0);
    assert_eq!(id(&ws), i32::from_be_bytes(*b"CRTF"));
}

#[test]
fn config_set_get_and_bad_values() {
    let ws = Workspace::empty();
    ws.ok(["config", "set", "org-code", "0001"]);
    ws.ok(["config", "set", "province", "44"]);
    assert_eq!(ws.ok(["config", "get", "org-code"]).stdout.trim(), "0001");
    let all = ws.json(["config", "get"]);
    assert_eq!(all["province"], "44");
    assert_eq!(all["evaluator-type"], "S");

    let before = file_hash(&ws.db());
    let failed = ws.fails(["config", "set", "site", "12"]);
    assert!(failed.stderr.contains("6 位数字"), "{}", failed.stderr);
    let failed = ws.fails(["config", "set", "colour", "red"]);
    assert!(failed.stderr.contains("org-code"), "{}", failed.stderr);
    assert_eq!(file_hash(&ws.db()), before);
}

#[test]
fn init_with_a_bad_setting_creates_nothing() {
    let ws = Workspace::new();
    let failed = ws.fails(["init", "--org-code", "12"]);
    assert!(failed.stderr.contains("4 位数字"), "{}", failed.stderr);
    assert!(!ws.db().exists());
}

#[test]
fn usage_errors_exit_with_2() {
    let ws = Workspace::new();
    let output = ws.command(["bank", "list", "--domain", "cooking"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("营养喂养/feeding"));
}

#[test]
fn regression_broken_pipe_is_a_clean_exit() {
    let ws = Workspace::new();
    ws.ok(["init"]);
    let mut child = ws.command(["bank", "list"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut first = [0u8; 64];
    child.stdout.as_mut().unwrap().read_exact(&mut first).unwrap();
    drop(child.stdout.take());
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    assert!(status.success(), "exit {status:?}: {stderr}");
    assert!(stderr.is_empty(), "{stderr}");
}
