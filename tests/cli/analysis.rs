//! `analyze`: the JSON contract, calibration back into the bank, and the report.

use std::path::Path;
use std::process::Command;

use crate::support::Workspace;

/// The full-cycle example's workspace: 60 rehearsal candidates, one absent from theory
/// (form B), so 59 sheets: 30 on form A, 29 on form B.
fn cycle() -> (Workspace, std::path::PathBuf) {
    let ws = Workspace::new();
    let work = ws.path("cycle");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/full-cycle.sh");
    let output = Command::new("bash")
        .arg(&script)
        .arg(&work)
        .env("CERTIFY", env!("CARGO_BIN_EXE_certify"))
        .env("CERTIFY_ANALYZE", "no")
        .env_remove("CERTIFY_DB")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let db = work.join("certify.db");
    std::fs::copy(&db, ws.db()).unwrap();
    (ws, work)
}

const SESSION: &str = "2026-12-BJ01";
const SECOND: &str = "2027-06-BJ02";

/// A second session on the same two papers, 60 rehearsal candidates more: analysed
/// together the two make 60 sheets a form, enough for final flags.
fn second_session(ws: &Workspace, work: &Path) {
    let papers: Vec<String> = ws.json(["paper", "list"])["papers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .collect();
    let candidates = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/candidates.csv");
    ws.ok(["session", "create", "--id", SECOND, "--level", "四级", "--date", "2027-06-05"]);
    ws.ok(["candidates".as_ref(), "import".as_ref(), "--session".as_ref(), SECOND.as_ref(), candidates.as_os_str()]);
    ws.ok(["session", "assign", "--session", SECOND, "--papers", &papers.join(",")]);
    let out = work.join("second");
    ws.ok([
        "simulate".as_ref(),
        "--session".as_ref(),
        SECOND.as_ref(),
        "--seed".as_ref(),
        "8".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    ws.ok([
        "score".as_ref(),
        "theory".as_ref(),
        "--session".as_ref(),
        SECOND.as_ref(),
        out.join("theory-responses.csv").as_os_str(),
    ]);
}

#[test]
fn analysis_reports_item_and_test_statistics_with_reasons() {
    let (ws, _) = cycle();
    let report = ws.json(["analyze", "--session", SESSION]);
    let test = &report["test"];
    assert_eq!(test["n"], 59);
    for key in ["mean", "sd", "kr20", "sem"] {
        assert!(test[key].is_number(), "test lacks {key}: {test}");
    }
    let kr20 = test["kr20"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&kr20), "{kr20}");
    let items = report["items"].as_array().unwrap();
    assert!(items.len() > 90, "two forms of 90 with little overlap");
    for item in items {
        for key in ["id", "facility", "item_rest", "discrimination", "omit_rate", "flags"] {
            assert!(item.get(key).is_some(), "item lacks {key}: {item}");
        }
        let facility = item["facility"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&facility));
        for flag in item["flags"].as_array().unwrap() {
            assert!(flag["reason"].as_str().is_some_and(|r| !r.is_empty()), "{flag}");
        }
    }
    let schools = report["domains"]["schools"].as_array().unwrap();
    assert_eq!(schools.len(), 4);
    assert_eq!(report["pass_rates"].as_array().unwrap().len(), 4);
    assert!(report["practical"][0]["agreement"]["icc"].is_number());
    // One paper only.
    let paper = items[0]["appearances"][0]["paper"].as_str().unwrap();
    let one = ws.json(["analyze", "--paper", paper]);
    assert_eq!(one["test"]["n"], 30);
}

#[test]
fn update_bank_calibrates_the_next_build_and_flags_items() {
    let (ws, work) = cycle();
    let before = ws.json(["bank", "list", "--flagged"]);
    assert_eq!(before["items"].as_array().unwrap().len(), 0);
    second_session(&ws, &work);
    let report = ws.json(["analyze", "--session", SESSION, "--session", SECOND, "--update-bank"]);
    let items = report["items"].as_array().unwrap();
    let is_flagged = |i: &&serde_json::Value| !i["flags"].as_array().unwrap().is_empty();
    // 120 sheets on two forms, 60 a form: every flag is final.
    assert_eq!(
        (report["test"]["provisional"].clone(), report["test"]["sample_warning"].clone()),
        (false.into(), serde_json::Value::Null)
    );
    let (provisional, settled): (Vec<_>, Vec<_>) =
        items.iter().filter(is_flagged).partition(|i| i["provisional"] == true);
    assert!(provisional.is_empty() && !settled.is_empty(), "{} {}", provisional.len(), settled.len());
    let flagged = ws.json(["bank", "list", "--flagged"]);
    let stored: Vec<&str> = flagged["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap()).collect();
    assert_eq!(stored.len(), settled.len(), "{stored:?}");
    assert!(settled.iter().all(|i| stored.contains(&i["id"].as_str().unwrap())));
    let item = &report["items"][0];
    let shown = ws.json(["bank", "show", item["id"].as_str().unwrap()]);
    assert_eq!(shown["facility_n"], item["n"]);
    assert!((shown["facility"].as_f64().unwrap() - item["facility"].as_f64().unwrap()).abs() < 1e-3);

    let blueprint = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/blueprints/baoyushi-4.toml");
    let built = ws.json([
        "build-paper".as_ref(),
        "--blueprint".as_ref(),
        blueprint.as_os_str(),
        "--seed".as_ref(),
        "99".as_ref(),
    ]);
    let calibrated = built["papers"][0]["report"]["calibrated_items"].as_u64().unwrap();
    assert!(calibrated > 0, "the rebuilt paper uses calibrated facilities: {}", built["papers"][0]["report"]);
    let shown = ws
        .ok(["build-paper".as_ref(), "--blueprint".as_ref(), blueprint.as_os_str(), "--seed".as_ref(), "98".as_ref()])
        .stdout;
    assert!(shown.contains("平均难度系数"), "{shown}");
}

/// The report is rendered by a real headless Chromium; pdftotext finds the charts'
/// titles and labels (SVG text becomes PDF text). Skipped off CI without Chromium.
#[test]
fn the_html_report_renders_its_charts_in_chromium() {
    if !crate::support::pdf_tools_present() {
        return;
    }
    let (ws, _) = cycle();
    ws.ok(["analyze", "--session", SESSION, "--html", "report.html", "--pdf"]);
    let html = std::fs::read_to_string(ws.path("report.html")).unwrap();
    assert_eq!(html.matches("<svg").count(), 3, "histogram, scatter and heat map");
    let text = Command::new("pdftotext").arg(ws.path("report.pdf")).arg("-").output().unwrap();
    let text: String = String::from_utf8_lossy(&text.stdout).chars().filter(|c| !c.is_whitespace()).collect();
    for expected in
        ["试题分析报告", "分数分布", "难度系数与区分度", "各培训机构各领域得分率", "阳光职业技能培训学校", "营养喂养"]
    {
        assert!(text.contains(expected), "PDF lacks {expected}");
    }
}

#[test]
fn nothing_to_analyse_is_a_clear_error() {
    let ws = Workspace::new();
    ws.ok(["session", "create", "--id", "S", "--level", "四级", "--date", "2026-12-05"]);
    let failed = ws.fails(["analyze", "--session", "S"]);
    assert!(failed.stderr.contains("score theory"), "{}", failed.stderr);
    ws.fails(["analyze", "--session", "NOPE"]);
}

/// One form of 30 sheets, under the 40 the flags need: everything says the flags are
/// provisional and why, in Chinese; `--update-bank` writes the facilities but no flags.
#[test]
fn small_samples_mark_flags_provisional_and_say_why() {
    let (ws, _) = cycle();
    let session = ws.json(["analyze", "--session", SESSION]);
    // 59 sheets on two forms with no item in common: each item rests on 30 or 29.
    assert_eq!(session["test"]["provisional"], true);
    let warning = session["test"]["sample_warning"].as_str().unwrap();
    assert!(warning.contains("59 份答卷分属不同试卷") && warning.contains("最少 29 人"), "{warning}");
    let items = session["items"].as_array().unwrap();
    assert!(items.iter().all(|i| i["provisional"] == true && (i["n"] == 30 || i["n"] == 29)));
    let on_a = items.iter().find(|i| i["n"] == 30).unwrap();
    let paper = on_a["appearances"][0]["paper"].as_str().unwrap().to_owned();
    let report = ws.json(["analyze", "--paper", &paper, "--update-bank"]);
    assert_eq!(report["test"]["n"], 30);
    assert_eq!(report["test"]["provisional"], true);
    let warning = report["test"]["sample_warning"].as_str().unwrap();
    assert!(
        warning.contains("只有 30 份答卷") && warning.contains("40") && warning.contains("各只有 9 人"),
        "{warning}"
    );
    let items = report["items"].as_array().unwrap();
    assert!(items.iter().all(|i| i["provisional"] == true));
    let flagged = items.iter().filter(|i| !i["flags"].as_array().unwrap().is_empty()).count();
    assert!(flagged > 0);
    // Calibration written, flags not.
    assert!(ws.json(["bank", "list", "--flagged"])["items"].as_array().unwrap().is_empty());
    let shown = ws.json(["bank", "show", items[0]["id"].as_str().unwrap()]);
    assert!(shown["facility_n"].as_u64().is_some_and(|n| n > 0), "{shown}");

    let text = ws.ok(["analyze", "--paper", &paper, "--update-bank", "--html", "报告.html"]).stdout;
    assert!(text.contains("样本太少") && text.contains("（初步）"), "{text}");
    assert!(text.contains("初步标记没有写入题库"), "{text}");
    assert!(!text.contains("-0.00"), "{text}");
    let html = std::fs::read_to_string(ws.path("报告.html")).unwrap();
    assert!(html.contains("初步结果") && html.contains("样本太少") && html.contains("（初步）"));
    assert!(!html.contains("-0.00") && !html.contains(">-0<"));
    // Items without a correlation are left off the scatter and counted under it.
    let uncorrelated = items.iter().filter(|i| i["item_rest"].is_null()).count();
    if uncorrelated > 0 {
        assert!(html.contains(&format!("另有 {uncorrelated} 题全对或全错，无法计算相关，未画出")), "{uncorrelated}");
    } else {
        assert!(!html.contains("全对或全错"));
    }
}
