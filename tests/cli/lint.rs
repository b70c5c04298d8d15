//! `bank lint`: the JSON shape, the thresholds and their exit codes, and file input
//! that creates no workspace.

use crate::support::Workspace;

/// Two single-choice items whose key is the one longest option (one of them with a
/// negative stem left unmarked), and one fair item.
const LONG_KEYS: &str = r#"
[[item]]
id = "L-0001"
domain = "feeding"
kind = "single"
levels = ["五级"]
difficulty = "easy"
stem = "测试：冲调配方奶时，正确的顺序是（  ）。"
options = ["先放奶粉", "先放按说明书比例量好的温开水，再加奶粉", "随意", "先放米粉"]
answer = "B"
explanation = "先放水后放粉。"
source = "《托育机构婴幼儿喂养与营养指南（试行）》"

[[item]]
id = "L-0002"
domain = "safety"
kind = "single"
levels = ["五级"]
difficulty = "medium"
stem = "测试：下列处理烫伤的做法不正确的是（  ）。"
options = ["立即用流动冷水冲洗伤处十五分钟以上", "冲", "涂", "包"]
answer = "A"
source = "《托育机构婴幼儿伤害预防指南（试行）》"

[[item]]
id = "L-0003"
domain = "hygiene"
kind = "single"
levels = ["五级"]
difficulty = "medium"
stem = "测试：七步洗手法的第一步是（  ）。"
options = ["掌心相对揉搓", "手背交叉揉搓", "指缝交叉揉搓", "弯曲手指揉搓"]
answer = "A"
source = "《托儿所幼儿园卫生保健工作规范》"
"#;

#[test]
fn json_lists_flagged_items_with_codes_and_reasons() {
    let ws = Workspace::new();
    let file = ws.write("bank.toml", LONG_KEYS);
    let report =
        ws.json(["bank".as_ref(), "lint".as_ref(), file.as_os_str(), "--max-longest-key-rate".as_ref(), "1".as_ref()]);
    let summary = &report["summary"];
    assert_eq!(summary["checked"], 3);
    assert_eq!(summary["single"]["items"], 3);
    assert_eq!(summary["single"]["longest_is_key"], 2);
    assert!((summary["single"]["chance"].as_f64().unwrap() - 0.25).abs() < 1e-9);
    assert_eq!(summary["counts"]["longest-key"], 2);
    assert_eq!(summary["counts"]["negative-unmarked"], 1);
    let items = report["items"].as_array().unwrap();
    let ids: Vec<&str> = items.iter().map(|i| i["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&"L-0001") && ids.contains(&"L-0002"));
    assert!(!ids.contains(&"L-0003"), "{report}");
    let second = items.iter().find(|i| i["id"] == "L-0002").unwrap();
    let codes: Vec<&str> = second["flags"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap()).collect();
    assert!(
        codes.contains(&"longest-key") && codes.contains(&"key-much-longer") && codes.contains(&"negative-unmarked")
    );
    for flag in second["flags"].as_array().unwrap() {
        assert!(!flag["reason"].as_str().unwrap().is_empty());
    }
    assert!(!ws.db().exists(), "linting files must not create a workspace");
}

#[test]
fn exit_1_over_the_longest_key_threshold_naming_it() {
    let ws = Workspace::new();
    let file = ws.write("bank.toml", LONG_KEYS);
    // 2 of 3 single-choice keys are the longest option: 67% > the default 30%.
    let failed = ws.fails(["bank".as_ref(), "lint".as_ref(), file.as_os_str()]);
    assert!(failed.stderr.contains("--max-longest-key-rate"), "{}", failed.stderr);
    assert!(failed.stdout.contains("L-0002"), "the table is printed before failing:\n{}", failed.stdout);
    let failed = ws.fails([
        "bank".as_ref(),
        "lint".as_ref(),
        file.as_os_str(),
        "--max-longest-key-rate".as_ref(),
        "0.9".as_ref(),
        "--max-flagged".as_ref(),
        "1".as_ref(),
    ]);
    assert!(failed.stderr.contains("--max-flagged"), "{}", failed.stderr);
    assert!(!failed.stderr.contains("--max-longest-key-rate"), "{}", failed.stderr);
    assert!(!ws.db().exists());
}

#[test]
fn exit_0_under_the_thresholds() {
    let ws = Workspace::new();
    let file = ws.write("bank.toml", LONG_KEYS);
    let done = ws.ok([
        "bank".as_ref(),
        "lint".as_ref(),
        file.as_os_str(),
        "--max-longest-key-rate".as_ref(),
        "0.7".as_ref(),
        "--max-flagged".as_ref(),
        "2".as_ref(),
    ]);
    assert!(done.stdout.contains("检查 3 题，2 题有提示"), "{}", done.stdout);
    assert!(!ws.db().exists());
}

#[test]
fn workspace_lint_reads_active_items_and_import_prints_a_summary() {
    let ws = Workspace::empty();
    let file = ws.write("bank.toml", LONG_KEYS);
    let imported = ws.ok(["bank".as_ref(), "import".as_ref(), file.as_os_str()]);
    assert!(imported.stderr.contains("命题检查：3 题中 2 题有提示"), "{}", imported.stderr);
    ws.fails(["bank", "lint"]);
    ws.ok(["bank", "retire", "L-0001", "L-0002"]);
    let report = ws.json(["bank", "lint"]);
    assert_eq!(report["summary"]["checked"], 1);
    assert_eq!(report["items"].as_array().unwrap().len(), 0);
}

#[test]
fn near_duplicates_are_listed_once_and_bad_files_are_refused() {
    let ws = Workspace::new();
    let twins = r#"
[[item]]
id = "D-0001"
domain = "feeding"
kind = "judge"
levels = ["五级"]
difficulty = "easy"
stem = "测试：婴儿开始添加辅食的适宜月龄是满6月龄。"
answer = "对"
source = "《7～24月龄婴幼儿喂养指南》"

[[item]]
id = "D-0002"
domain = "feeding"
kind = "judge"
levels = ["五级"]
difficulty = "easy"
stem = "测试：婴儿开始添加辅食的适宜月龄是满6个月。"
answer = "对"
source = "《7～24月龄婴幼儿喂养指南》"
"#;
    let file = ws.write("twins.toml", twins);
    let report = ws.json(["bank".as_ref(), "lint".as_ref(), file.as_os_str()]);
    assert_eq!(report["summary"]["counts"]["near-duplicate"], 1);
    assert_eq!(report["items"][0]["id"], "D-0002");

    let bad = ws.write("bad.toml", "[[item]]\nid = \"X\"\n");
    let failed = ws.fails(["bank".as_ref(), "lint".as_ref(), bad.as_os_str()]);
    assert!(failed.stderr.contains("缺少"), "{}", failed.stderr);
    assert!(!ws.db().exists());
}

#[test]
fn a_reviews_file_keeps_a_flag_apart_names_stale_entries_and_rejects_bad_ones() {
    let ws = Workspace::new();
    let file = ws.write("bank.toml", LONG_KEYS);
    let lint = |reviews: &std::path::Path| {
        ws.ok([
            "bank".as_ref(),
            "lint".as_ref(),
            file.as_os_str(),
            "--max-longest-key-rate".as_ref(),
            "1".as_ref(),
            "--reviewed".as_ref(),
            reviews.as_os_str(),
            "--json".as_ref(),
        ])
    };
    let reviews = ws.write(
        "reviewed.toml",
        "[[review]]\nid = \"L-0002\"\ncode = \"negative-unmarked\"\nreason = \"测试：否定词是考查点\"\n\n\
         [[review]]\nid = \"L-0003\"\ncode = \"echo\"\nreason = \"旧的复核\"\n",
    );
    let done = lint(&reviews);
    let report: serde_json::Value = serde_json::from_str(&done.stdout).unwrap();
    assert_eq!(report["summary"]["counts"].get("negative-unmarked"), None, "{report}");
    assert_eq!(report["summary"]["reviewed"], 1);
    assert_eq!(report["summary"]["stale_reviews"][0], "L-0003 echo");
    let l2 = report["items"].as_array().unwrap().iter().find(|i| i["id"] == "L-0002").unwrap();
    assert_eq!(l2["reviewed"][0]["code"], "negative-unmarked");
    assert_eq!(l2["reviewed"][0]["review"], "测试：否定词是考查点");
    assert!(done.stderr.contains("L-0003 echo") && done.stderr.contains("可以删去"), "{}", done.stderr);

    let bad = ws.write("bad-reviews.toml", "[[review]]\nid = \"L-0002\"\ncode = \"negative\"\nreason = \"\"\n");
    let failed = ws.fails(["bank".as_ref(), "lint".as_ref(), file.as_os_str(), "--reviewed".as_ref(), bad.as_os_str()]);
    assert!(failed.stderr.contains("bad-reviews.toml:1: 不认识的提示代码「negative」"), "{}", failed.stderr);
    assert!(failed.stderr.contains("reason 不能为空"), "{}", failed.stderr);
    let missing = ws.fails([
        "bank".as_ref(),
        "lint".as_ref(),
        file.as_os_str(),
        "--reviewed".as_ref(),
        ws.path("nowhere.toml").as_os_str(),
    ]);
    assert!(missing.stderr.contains("无法读取复核记录"), "{}", missing.stderr);
}
