//! `bank list`, `show`, `stats`, `retire`, `restore`.

use crate::support::{SMALL_TOML, Workspace, file_hash};

fn small() -> Workspace {
    let ws = Workspace::empty();
    ws.write("b.toml", SMALL_TOML);
    ws.ok(["bank", "import", "b.toml"]);
    ws
}

#[test]
fn list_filters_by_each_dimension() {
    let ws = small();
    let ids = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["bank", "list"];
        all.extend_from_slice(args);
        ws.json(all)["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(ids(&[]), ["T-0001", "T-0002", "T-0003"]);
    assert_eq!(ids(&["--domain", "安全防护"]), ["T-0002"]);
    assert_eq!(ids(&["--kind", "multiple"]), ["T-0003"]);
    assert_eq!(ids(&["--level", "初级"]), ["T-0001"]);
    assert_eq!(ids(&["--level", "五级", "--difficulty", "中"]), ["T-0002"]);
    let item = &ws.json(["bank", "list", "--kind", "single"])["items"][0];
    for key in ["id", "version", "domain", "kind", "levels", "difficulty", "status", "stem"] {
        assert!(!item[key].is_null(), "bank list --json lacks {key}");
    }
    assert_eq!(item["levels"], serde_json::json!(["五级", "初级"]));
}

#[test]
fn show_prints_the_item_for_people() {
    let ws = small();
    let out = ws.ok(["bank", "show", "T-0003"]).stdout;
    assert!(out.contains("题型：多选"), "{out}");
    assert!(out.contains("  C. 更换尿布后"), "{out}");
    assert!(out.contains("答案：ABC"), "{out}");
    assert!(out.contains("第 1 版"), "{out}");
    let failed = ws.fails(["bank", "show", "NOPE"]);
    assert!(failed.stderr.contains("NOPE"), "{}", failed.stderr);
}

#[test]
fn retire_and_restore_keep_history_and_refuse_unknown_ids_atomically() {
    let ws = small();
    let before = file_hash(&ws.db());
    let failed = ws.fails(["bank", "retire", "T-0001", "T-9999"]);
    assert!(failed.stderr.contains("T-9999"), "{}", failed.stderr);
    assert_eq!(file_hash(&ws.db()), before, "nothing retired when one id is unknown");

    ws.ok(["bank", "retire", "T-0001", "--reason", "区分度低"]);
    let item = ws.json(["bank", "show", "T-0001"]);
    assert_eq!(item["status"], "retired");
    assert_eq!(item["status_reason"], "区分度低");
    assert_eq!(ws.json(["bank", "list"])["items"].as_array().unwrap().len(), 2);
    assert_eq!(ws.json(["bank", "list", "--status", "retired"])["items"][0]["id"], "T-0001");
    assert_eq!(ws.json(["bank", "stats"])["retired"], 1);

    ws.ok(["bank", "restore", "T-0001"]);
    assert_eq!(ws.json(["bank", "show", "T-0001"])["status"], "active");
}

#[test]
fn stats_tables_line_up_with_chinese_labels() {
    let ws = small();
    let out = ws.ok(["bank", "stats"]).stdout;
    let rows: Vec<&str> =
        out.lines().filter(|l| l.contains("营养喂养") || l.contains("安全防护") || l.contains("职业道德")).collect();
    assert_eq!(rows.len(), 3, "{out}");
    use unicode_width::UnicodeWidthStr;
    let widths: Vec<usize> = rows.iter().map(|r| r.trim_end().width()).collect();
    assert!(widths.windows(2).all(|w| w[0] == w[1]), "rows differ in width: {widths:?}\n{out}");
    let stats = ws.json(["bank", "stats"]);
    assert_eq!(stats["total"], 3);
    assert_eq!(stats["by_domain"]["feeding"], 1);
    assert_eq!(stats["by_kind"]["judge"], 1);
    assert_eq!(stats["by_difficulty"]["hard"], 1);
    assert_eq!(stats["by_level"]["五级"], 2);
}
