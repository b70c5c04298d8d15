//! `blueprint check`, `build-paper` and `paper list|show|render`.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{Workspace, file_hash};

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/blueprints").join(name)
}

const EXAMPLES: [&str; 6] =
    ["baoyushi-5.toml", "baoyushi-4.toml", "baoyushi-3.toml", "1x-junior.toml", "1x-middle.toml", "1x-senior.toml"];

fn build(ws: &Workspace, blueprint: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args: Vec<std::ffi::OsString> = vec!["build-paper".into(), "--blueprint".into(), blueprint.into()];
    args.extend(extra.iter().map(Into::into));
    ws.json(args)
}

#[test]
fn every_example_blueprint_builds_two_forms_meeting_every_constraint() {
    let ws = Workspace::new();
    ws.ok(["init"]);
    for name in EXAMPLES {
        let result = build(&ws, &example(name), &["--seed", "20261122"]);
        let papers = result["papers"].as_array().unwrap();
        assert_eq!(papers.len(), 2, "{name}");
        for paper in papers {
            let report = &paper["report"];
            assert_eq!(report["constraints_met"], true, "{name} {}: {report}", paper["form"]);
            for row in report["sections"].as_array().unwrap().iter().chain(report["difficulty"].as_array().unwrap()) {
                assert_eq!(row["target"], row["achieved"], "{name}: {row}");
            }
            for row in report["domains"].as_array().unwrap() {
                assert_eq!(row["target_points"], row["achieved_points"], "{name}: {row}");
            }
            for row in report["overlap"].as_array().unwrap() {
                assert!(row["share"].as_f64().unwrap() <= 0.10, "{name}: {row}");
            }
            assert_eq!(report["enemies_apart"], true);
            // Every item is of the blueprint's level and its key is a printed option.
            for item in paper["items"].as_array().unwrap() {
                let options = item["options"].as_array().unwrap().len();
                for letter in item["answer"].as_str().unwrap().chars() {
                    if item["kind"] != "judge" {
                        assert!((letter as usize - 'A' as usize) < options, "{item}");
                    }
                }
            }
        }
        let a = &papers[0]["report"]["mean_difficulty"];
        let b = &papers[1]["report"]["mean_difficulty"];
        assert!((a.as_f64().unwrap() - b.as_f64().unwrap()).abs() < 0.01, "{name}: {a} vs {b}");
    }
    assert_eq!(ws.json(["paper", "list"])["papers"].as_array().unwrap().len(), 12);
}

#[test]
fn same_bank_blueprint_and_seed_give_byte_identical_papers() {
    let first = Workspace::new();
    let second = Workspace::new();
    let blueprint = example("baoyushi-4.toml");
    for ws in [&first, &second] {
        ws.ok(["init"]);
        let out = ws.path("out");
        ws.ok([
            "build-paper".as_ref(),
            "--blueprint".as_ref(),
            blueprint.as_os_str(),
            "--seed".as_ref(),
            "42".as_ref(),
            "--out".as_ref(),
            out.as_os_str(),
        ]);
    }
    let papers = first.json(["paper", "list"]);
    let id = papers["papers"][0]["id"].as_str().unwrap();
    for (folder, file) in
        [("考务机密", "paper.json"), ("试卷", "试卷.html"), ("试卷", "答题卡.html"), ("考务机密", "答案与解析.html")]
    {
        let a = std::fs::read(first.path("out").join(folder).join(id).join(file)).unwrap();
        let b = std::fs::read(second.path("out").join(folder).join(id).join(file)).unwrap();
        assert!(a == b, "{file} differs between two builds with the same seed");
    }
    // Another seed gives another paper.
    let other = build(&first, &blueprint, &["--seed", "43"]);
    let again = first.json(["paper", "show", id]);
    assert_ne!(other["papers"][0]["items"], again["papers"][0]["items"]);
}

#[test]
fn paper_show_and_render_agree_with_what_was_built() {
    let ws = Workspace::new();
    ws.ok(["init"]);
    let built = build(&ws, &example("1x-middle.toml"), &["--seed", "7"]);
    let id = built["papers"][1]["id"].as_str().unwrap().to_owned();
    assert!(id.ends_with("-B") && id.starts_with("P-"), "{id}");
    let shown = ws.json(["paper", "show", &id]);
    assert_eq!(shown["papers"][0]["items"], built["papers"][1]["items"]);
    assert_eq!(shown["papers"][0]["seed"], 7);

    ws.ok(["paper", "render", &id, "--out", "again"]);
    let booklet = std::fs::read_to_string(ws.path("again").join("试卷").join(&id).join("试卷.html")).unwrap();
    let first_stem = built["papers"][1]["items"][0]["stem"].as_str().unwrap();
    assert!(booklet.contains(&first_stem.replace('"', "&quot;")), "booklet lacks the first stem");
    assert!(booklet.contains("姓名") && booklet.contains("准考证号"));
    let key = std::fs::read_to_string(ws.path("again").join("考务机密").join(&id).join("答案与解析.html")).unwrap();
    assert!(key.contains("解析："));
    let human = ws.ok(["paper", "show", &id]).stdout;
    assert!(human.contains(&id) && human.contains("种子 7"), "{human}");
    let failed = ws.fails(["paper", "show", "P-NOPE"]);
    assert!(failed.stderr.contains("P-NOPE"));
}

/// What goes to the print shop (试卷/) never holds the key; the key sits in 考务机密/.
/// The answer sheet has as many exam-number boxes as the session's numbers are long.
#[test]
fn the_key_is_kept_apart_and_answer_sheets_fit_the_session_numbers() {
    let ws = Workspace::new();
    ws.ok(["init"]);
    let built = build(&ws, &example("baoyushi-4.toml"), &["--seed", "5", "--forms", "1", "--out", "out"]);
    let id = built["papers"][0]["id"].as_str().unwrap().to_owned();
    let files = |root: &str| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(ws.path("out").join(root).join(&id))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(files("试卷"), ["答题卡.html", "试卷.html"]);
    assert_eq!(files("考务机密"), ["paper.json", "答案与解析.html"]);
    let shop = std::fs::read_to_string(ws.path("out").join("试卷").join(&id).join("答题卡.html")).unwrap()
        + &std::fs::read_to_string(ws.path("out").join("试卷").join(&id).join("试卷.html")).unwrap();
    assert!(!shop.contains("解析："), "the key leaked into the print-shop folder");
    let boxes = |html: &str| html.matches("<i></i>").count();
    assert_eq!(boxes(&shop), 12, "default width");

    ws.ok(["paper", "render", &id, "--out", "eight", "--exam-no-digits", "8"]);
    let sheet = std::fs::read_to_string(ws.path("eight").join("试卷").join(&id).join("答题卡.html")).unwrap();
    assert_eq!(boxes(&sheet), 8);
    let refused = ws.run_code(["paper", "render", &id, "--out", "x", "--exam-no-digits", "0"], 2);
    assert!(refused.stderr.contains("1 到 30"), "{}", refused.stderr);

    ws.ok(["session", "create", "--id", "S", "--level", "四级", "--date", "2026-12-05"]);
    ws.write("c.csv", format!("准考证号,姓名,身份证号\nE0000001,考生一,{}\n", crate::support::valid_id(1)));
    ws.ok(["candidates", "import", "--session", "S", "c.csv"]);
    ws.ok(["session", "assign", "--session", "S", "--papers", &id]);
    let rendered = ws.json(["paper", "render", &id, "--out", "session", "--exam-no-digits", "15"]);
    assert_eq!(rendered["exam_no_digits"], 8, "the session's numbers win over the flag");
    let sheet = std::fs::read_to_string(ws.path("session").join("试卷").join(&id).join("答题卡.html")).unwrap();
    assert_eq!(boxes(&sheet), 8);
}

#[test]
fn avoid_recent_keeps_the_next_paper_away_from_the_last_ones() {
    let ws = Workspace::new();
    ws.ok(["init"]);
    let blueprint = ws.write(
        "small.toml",
        std::fs::read_to_string(example("baoyushi-4.toml"))
            .unwrap()
            .replace("forms = 2", "forms = 1")
            .replace("count = 60", "count = 20")
            .replace(
                "count = 20\npoints = 1.0\n\n[[section]]\nkind = \"single\"",
                "count = 10\npoints = 1.0\n\n[[section]]\nkind = \"single\"",
            )
            .replace("avoid_recent = 0", "avoid_recent = 1")
            .replace("pass_mark = 60", "pass_mark = 30"),
    );
    let first = build(&ws, &blueprint, &["--seed", "1"]);
    let second = build(&ws, &blueprint, &["--seed", "1"]);
    let ids = |v: &serde_json::Value| -> std::collections::HashSet<String> {
        v["papers"][0]["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_owned()).collect()
    };
    assert!(ids(&first).is_disjoint(&ids(&second)), "the second paper reused items of the first");
    assert_eq!(second["papers"][0]["report"]["recent_avoided"].as_u64().unwrap() as usize, ids(&first).len());
}

#[test]
fn blueprint_check_shows_targets_or_every_short_cell() {
    let ws = Workspace::new();
    ws.ok(["init"]);
    let feasible = ws.json(["blueprint".as_ref(), "check".as_ref(), example("baoyushi-3.toml").as_os_str()]);
    assert_eq!(feasible["feasible"], true);
    let table = ws.ok(["blueprint".as_ref(), "check".as_ref(), example("baoyushi-3.toml").as_os_str()]).stdout;
    assert!(table.contains("营养喂养") && table.contains("合计"), "{table}");

    let greedy = ws.write(
        "greedy.toml",
        std::fs::read_to_string(example("baoyushi-3.toml"))
            .unwrap()
            .replace("count = 10\npoints = 2.0", "count = 200\npoints = 2.0"),
    );
    let before = file_hash(&ws.db());
    let output =
        ws.command(["blueprint".as_ref(), "check".as_ref(), greedy.as_os_str(), "--json".as_ref()]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let result: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(result["feasible"], false);
    let shortages = result["shortages"].as_array().unwrap();
    assert!(!shortages.is_empty());
    for s in shortages {
        assert!(s["needed"].as_u64().unwrap() > s["available"].as_u64().unwrap(), "{s}");
        for key in ["kind", "domain", "difficulty", "needed", "available"] {
            assert!(s.get(key).is_some(), "{s} lacks {key}");
        }
    }
    assert!(shortages.iter().any(|s| s["kind"] == "multiple"), "{shortages:?}");
    assert_eq!(file_hash(&ws.db()), before);
}

/// Three single-choice 四级 feeding items, all easy: enough for one form of two, not for
/// two forms that share nothing.
fn three_item_bank(ws: &Workspace) {
    let mut bank = String::new();
    for (i, month) in ["4", "6", "8"].iter().enumerate() {
        bank.push_str(&format!(
            "[[item]]\nid = \"OV-000{n}\"\ndomain = \"feeding\"\nkind = \"single\"\nlevels = [\"四级\"]\n\
             difficulty = \"easy\"\nstem = \"测试题 {n}：满{month}月龄的婴儿（  ）。\"\n\
             options = [\"甲\", \"乙\", \"丙\", \"丁\"]\nanswer = \"B\"\n\n",
            n = i + 1
        ));
    }
    ws.write("bank.toml", bank);
    ws.ok(["bank", "import", "bank.toml"]);
}

const TWO_OF_THREE: &str = r#"
level = "四级"
pass_mark = 1
forms = 2
max_overlap = 0.0
[[section]]
kind = "single"
count = 2
points = 1
[domains]
feeding = 100
[difficulty]
easy = 100
"#;

#[test]
fn blueprint_check_names_max_overlap_when_it_is_the_binding_limit() {
    let ws = Workspace::empty();
    three_item_bank(&ws);
    ws.write("bp.toml", TWO_OF_THREE);
    let output = ws.command(["blueprint", "check", "bp.toml", "--json"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let result: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(result["feasible"], false);
    assert_eq!(result["shortages"][0]["limit"], "overlap", "{result}");
    assert_eq!(result["binding"], "max_overlap", "{result}");
    assert_eq!(result["min_max_overlap"], 0.5, "{result}");
    assert_eq!(result["min_shared_items"], 1, "{result}");
    let extra = &result["extra_items"];
    assert_eq!(extra, &serde_json::json!([{"kind": "single", "domain": "feeding", "difficulty": "easy", "count": 1}]));

    let text = ws.fails(["blueprint", "check", "bp.toml"]);
    assert!(
        text.stderr.contains("卡住的是 max_overlap：现为 0（任意两套最多 0 道相同的题），至少要调到 0.5"),
        "{}",
        text.stderr
    );
    assert!(text.stderr.contains("或者不改 max_overlap，补充试题：单选 × 营养喂养 × 易 1 道"), "{}", text.stderr);
    let build = ws.fails(["build-paper", "--blueprint", "bp.toml"]);
    assert!(build.stderr.contains("至少要调到 0.5"), "{}", build.stderr);

    // The value found is enough.
    ws.write("bp.toml", TWO_OF_THREE.replace("max_overlap = 0.0", "max_overlap = 0.5"));
    assert_eq!(ws.json(["blueprint", "check", "bp.toml"])["feasible"], true);
    // A bank shortage is not blamed on the overlap.
    ws.write("bp.toml", TWO_OF_THREE.replace("count = 2", "count = 4"));
    let output = ws.command(["blueprint", "check", "bp.toml", "--json"]).output().unwrap();
    let result: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(result.get("binding").is_none(), "{result}");
}

#[test]
fn bad_blueprints_and_outputs_are_refused_and_store_nothing() {
    let ws = Workspace::new();
    ws.ok(["init"]);
    let good = std::fs::read_to_string(example("baoyushi-4.toml")).unwrap();
    let cases = [
        ("level.toml", good.replace("level = \"四级\"", "level = \"九级\""), "九级"),
        ("shares.toml", good.replace("easy = 20", "easy = 25"), "合计应为 100"),
        ("domain.toml", good.replace("partnership = 5", "cooking = 5"), "cooking"),
        ("zero.toml", good.replace("count = 60", "count = 0"), "count"),
        ("greedy.toml", good.replace("count = 10\npoints = 2.0", "count = 300\npoints = 2.0"), "缺口"),
    ];
    let before = file_hash(&ws.db());
    for (file, text, expected) in cases {
        let path = ws.write(file, text);
        let failed = ws.fails(["build-paper".as_ref(), "--blueprint".as_ref(), path.as_os_str()]);
        assert!(failed.stderr.contains(expected), "{file}: {}", failed.stderr);
        assert!(failed.stderr.contains(file), "{file}: errors name the file: {}", failed.stderr);
    }
    ws.write("taken", "a file, not a folder");
    let failed = ws.fails([
        "build-paper".as_ref(),
        "--blueprint".as_ref(),
        example("baoyushi-4.toml").as_os_str(),
        "--out".as_ref(),
        "taken".as_ref(),
    ]);
    assert!(failed.stderr.contains("taken"), "{}", failed.stderr);
    assert_eq!(file_hash(&ws.db()), before, "nothing may be stored by a failed build");
    assert_eq!(ws.json(["paper", "list"])["papers"].as_array().unwrap().len(), 0);
}

#[test]
fn missing_chromium_is_a_clear_error_naming_the_package() {
    let ws = Workspace::new();
    ws.ok(["init"]);
    let before = file_hash(&ws.db());
    let output = ws
        .command([
            "build-paper".as_ref(),
            "--blueprint".as_ref(),
            example("baoyushi-4.toml").as_os_str(),
            "--out".as_ref(),
            "o".as_ref(),
            "--pdf".as_ref(),
        ])
        .env("PATH", "/nonexistent")
        .env_remove("CERTIFY_CHROMIUM")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("chromium-headless-shell") && stderr.contains("fonts-noto-cjk"), "{stderr}");
    assert_eq!(file_hash(&ws.db()), before);
}

/// A real headless Chromium prints the booklet; pdftotext reads the items back.
/// Skipped (with a note) on a machine without Chromium, except in CI, which installs it.
#[test]
fn booklet_renders_to_pdf_in_headless_chromium() {
    if !crate::support::pdf_tools_present() {
        return;
    }
    let ws = Workspace::new();
    ws.ok(["init"]);
    let built = build(&ws, &example("baoyushi-5.toml"), &["--seed", "3", "--forms", "1", "--out", "pdf", "--pdf"]);
    let paper = &built["papers"][0];
    let id = paper["id"].as_str().unwrap();
    let folder = ws.path("pdf").join("试卷").join(id);
    let key_folder = ws.path("pdf").join("考务机密").join(id);
    for file in [folder.join("试卷.pdf"), folder.join("答题卡.pdf"), key_folder.join("答案与解析.pdf")] {
        assert!(std::fs::metadata(&file).unwrap().len() > 10_000, "{} too small", file.display());
    }
    let text = Command::new("pdftotext").arg(folder.join("试卷.pdf")).arg("-").output().unwrap();
    let text: String = String::from_utf8_lossy(&text.stdout).chars().filter(|c| !c.is_whitespace()).collect();
    assert!(text.contains("保育师（五级）理论知识考试"), "title missing from PDF text");
    let mut found = 0;
    for item in paper["items"].as_array().unwrap() {
        let stem: String = item["stem"].as_str().unwrap().chars().filter(|c| !c.is_whitespace()).take(12).collect();
        if text.contains(&stem) {
            found += 1;
        }
    }
    assert!(found >= 85, "only {found} of 90 stems found in the PDF text");
}
