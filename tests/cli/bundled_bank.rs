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
