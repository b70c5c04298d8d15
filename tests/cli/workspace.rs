//! `init`, auto-creation, `config`, and output behaviour shared by every command.

use std::io::Read;
use std::process::Stdio;

use crate::support::{Workspace, file_hash};

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
fn init_empty_makes_an_empty_bank() {
    let ws = Workspace::empty();
    assert_eq!(ws.json(["bank", "stats"])["total"], 0);
}

#[test]
fn a_command_without_a_workspace_creates_one_and_says_so() {
    let ws = Workspace::new();
    let finished = ws.ok(["bank", "stats"]);
    assert!(finished.stderr.contains("已新建"), "{}", finished.stderr);
    assert!(finished.stdout.contains("营养喂养"));
    assert!(ws.db().exists());
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
