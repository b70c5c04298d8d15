//! The bundled bank meets what the product promises (issue: "a bundled bank of 600+ items").

use std::collections::{HashMap, HashSet};

use crate::support::Workspace;

#[test]
fn bundled_bank_meets_its_size_and_balance_targets() {
    let ws = Workspace::new();
    ws.ok(["init"]);
    let stats = ws.json(["bank", "stats"]);
    let total = stats["total"].as_u64().unwrap();
    assert!(total >= 600, "{total} items");

    for domain in ["ethics", "policy", "feeding", "daily-care", "hygiene", "safety", "development", "partnership"] {
        let n = stats["by_domain"][domain].as_u64().unwrap();
        assert!(n >= 50, "{domain}: {n}");
        for kind in ["single", "multiple", "judge"] {
            assert!(stats["domain_kind"][domain][kind].as_u64().unwrap() > 0, "{domain} has no {kind} items");
        }
    }
    for domain in ["feeding", "hygiene", "safety", "development"] {
        assert!(stats["by_domain"][domain].as_u64().unwrap() >= 100, "{domain} under 100");
    }
    let share = |band: &str| stats["by_difficulty"][band].as_u64().unwrap() as f64 / total as f64;
    assert!((0.20..=0.30).contains(&share("easy")), "easy {}", share("easy"));
    assert!((0.50..=0.60).contains(&share("medium")), "medium {}", share("medium"));
    assert!((0.15..=0.25).contains(&share("hard")), "hard {}", share("hard"));
    for level in ["五级", "四级", "三级", "初级", "中级", "高级"] {
        assert!(stats["by_level"][level].as_u64().unwrap() >= 250, "{level}: {}", stats["by_level"][level]);
    }
}

#[test]
fn every_bundled_item_has_explanation_source_and_a_well_formed_stem() {
    let ws = Workspace::new();
    ws.ok(["init"]);
    let out = ws.path("all.toml");
    ws.ok(["bank".as_ref(), "export".as_ref(), "--out".as_ref(), out.as_os_str()]);
    let document: toml::Table = toml::from_str(&std::fs::read_to_string(out).unwrap()).unwrap();
    let items = document["item"].as_array().unwrap();
    let mut single_keys: HashMap<String, usize> = HashMap::new();
    let mut stems = HashSet::new();
    for item in items {
        let id = item["id"].as_str().unwrap();
        for key in ["explanation", "source"] {
            assert!(item.get(key).and_then(|v| v.as_str()).is_some_and(|s| !s.trim().is_empty()), "{id} lacks {key}");
        }
        let stem = item["stem"].as_str().unwrap();
        let kind = item["kind"].as_str().unwrap();
        if kind == "judge" {
            assert!(!stem.contains("（  ）"), "{id}: a judge stem is a statement");
        } else {
            assert!(stem.ends_with("（  ）。"), "{id}: choice stems end with （  ）。");
            for option in item["options"].as_array().unwrap() {
                let option = option.as_str().unwrap();
                assert!(!option.ends_with('。'), "{id}: option ends with 。");
                assert!(!["以上都对", "以上都不对", "以上都是"].contains(&option), "{id}: {option}");
            }
        }
        if kind == "single" {
            *single_keys.entry(item["answer"].as_str().unwrap().to_owned()).or_default() += 1;
        }
        let key: String = stem.chars().filter(|c| c.is_alphanumeric()).collect();
        assert!(stems.insert(key), "{id}: near-duplicate stem");
    }
    // Keys are spread over the letters, so position gives nothing away.
    let singles: usize = single_keys.values().sum();
    for letter in ["A", "B", "C", "D"] {
        let share = *single_keys.get(letter).unwrap_or(&0) as f64 / singles as f64;
        assert!((0.18..=0.32).contains(&share), "single-choice key {letter}: {share:.2}");
    }
}

/// ETH-0022 (a colleague lays an infant prone on a soft pillow) was once keyed D after its
/// options were reordered; the lint's explanation check is what catches such a key.
#[test]
fn eth_0022_is_keyed_to_the_safe_practice_and_the_lint_catches_the_old_key() {
    let ws = Workspace::new();
    ws.ok(["init"]);
    let item = ws.json(["bank", "show", "ETH-0022"]);
    assert_eq!(item["answer"], "C");
    assert!(item["options"][2].as_str().unwrap().contains("立即改为仰卧"), "{item}");
    let flags = |report: &serde_json::Value| -> Vec<String> {
        report["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["id"] == "ETH-0022")
            .flat_map(|i| i["flags"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap().to_owned()))
            .collect()
    };
    let source = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("question-banks/items/ethics.toml"),
    )
    .unwrap();
    let start = source.find("id = \"ETH-0022\"").unwrap();
    let end = start + source[start..].find("[[item]]").unwrap();
    // On its own, without the enemies that live in other files.
    let fixed: String = format!("[[item]]\n{}", &source[start..end])
        .lines()
        .filter(|l| !l.starts_with("enemies"))
        .map(|l| format!("{l}\n"))
        .collect();
    let old = fixed.replace("answer = \"C\"", "answer = \"D\"");
    let path = |name: &str, text: &str| ws.write(name, text).display().to_string();
    let lint = |file: String| {
        let output = ws.command(["--json", "bank", "lint", &file, "--max-longest-key-rate", "1"]).output().unwrap();
        serde_json::from_slice::<serde_json::Value>(&output.stdout).unwrap()
    };
    assert!(flags(&lint(path("old.toml", &old))).contains(&"explanation-quotes-distractor".to_owned()));
    assert!(!flags(&lint(path("fixed.toml", &fixed))).contains(&"explanation-quotes-distractor".to_owned()));
}

/// One vocabulary across the bank and the rubrics: class bands as the 设置标准 names them
/// (乳儿班 6–12, 托小班 12–24, 托大班 24–36 months), and infant choking first aid as the
/// rubric names it (背部叩击 / 胸部冲击; "胸部按压" is too close to CPR's 胸外按压).
#[test]
fn retired_spellings_of_class_bands_and_choking_terms_are_gone() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("question-banks");
    for folder in ["items", "rubrics"] {
        for entry in std::fs::read_dir(root.join(folder)).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            for retired in ["乳儿班（7", "乳儿班(7", "托小班（13", "托大班（25", "托大班(25", "背部拍击", "胸部按压"]
            {
                assert!(!text.contains(retired), "{} still says «{retired}»", path.display());
            }
        }
    }
}

/// The cues a test-wise candidate uses, and the signs of a wrong key, that the bundled bank
/// must not have unless a reviewer kept them with a written reason.
const NO_OPEN_FLAGS: &[&str] = &[
    "key-much-longer",
    "multi-key-longer",
    "echo",
    "all-of-the-above",
    "negative-unmarked",
    "explanation-quotes-distractor",
    "source-standard-only",
    "near-duplicate",
    "cue-word",
];

#[test]
fn bundled_bank_passes_its_own_lint_with_every_kept_flag_reviewed() {
    let ws = Workspace::new();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("question-banks");
    let (items, reviewed) = (root.join("items"), root.join("lint-reviewed.toml"));
    let report =
        ws.json(["bank".as_ref(), "lint".as_ref(), items.as_os_str(), "--reviewed".as_ref(), reviewed.as_os_str()]);
    let summary = &report["summary"];
    let rate = summary["single"]["rate"].as_f64().unwrap();
    assert!((0.20..=0.30).contains(&rate), "single-choice longest-option rate {rate:.3} is outside 20–30%");
    assert_eq!(summary["multiple_key_longer"], false, "multiple-choice keys are longer on average: {summary}");
    for code in NO_OPEN_FLAGS {
        let open: Vec<&str> = report["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["flags"].as_array().unwrap().iter().any(|f| f["code"] == *code))
            .map(|i| i["id"].as_str().unwrap())
            .collect();
        assert!(open.is_empty(), "{code} flagged and not reviewed: {open:?}");
    }
    assert_eq!(summary["cue_words"].as_array().unwrap().len(), 0, "bank-wide cue words: {}", summary["cue_words"]);
    assert_eq!(summary["stale_reviews"].as_array().unwrap().len(), 0, "stale reviews: {}", summary["stale_reviews"]);
    // Every kept flag says why, in words an exam office reads; and no explanation may be
    // reviewed into resembling a distractor: each names its keyed action (the ETH-0022 check).
    for item in report["items"].as_array().unwrap() {
        for kept in item["reviewed"].as_array().unwrap() {
            assert!(kept["review"].as_str().unwrap().chars().count() >= 8, "{}: {kept}", item["id"]);
            assert_ne!(
                kept["code"], "explanation-quotes-distractor",
                "{}: the explanation must name the key",
                item["id"]
            );
        }
    }
}
