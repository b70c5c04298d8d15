//! Paper score sheets (评分记录表): a blank sheet per rubric and one per candidate and
//! drawn task for a session — printed by real headless Chromium and read back.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::practical::{SESSION, drawn};
use crate::support::{Workspace, pdf_tools_present, valid_id};

/// The text of a PDF with all whitespace removed (table cells wrap anywhere).
fn pdf_text(path: &Path) -> String {
    let output = Command::new("pdftotext").arg(path).arg("-").output().unwrap();
    assert!(output.status.success(), "pdftotext failed on {}", path.display());
    String::from_utf8_lossy(&output.stdout).chars().filter(|c| !c.is_whitespace()).collect()
}

fn squeezed(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

#[test]
fn rubric_render_prints_header_steps_vetoes_and_signatures() {
    if !pdf_tools_present() {
        return;
    }
    let ws = Workspace::new();
    ws.ok(["init"]);
    let out = ws.ok(["rubric", "render", "CARE-CHOKE-01", "--out", "choke.pdf"]);
    assert!(out.stdout.contains("choke.pdf"), "{}", out.stdout);
    let text = pdf_text(&ws.path("choke.pdf"));
    for field in ["实操考核评分记录表", "考号", "姓名", "考站", "日期", "开始时间", "结束时间", "考评员编号"]
    {
        assert!(text.contains(field), "header field {field} missing:\n{text}");
    }
    for column in ["满分", "扣分标准", "得分", "扣分说明", "总分", "否决原因", "到时未完成的步骤不得分"]
    {
        assert!(text.contains(column), "{column} missing:\n{text}");
    }
    assert!(text.contains("考评员签名") && text.contains("核分人签名"), "signature lines missing:\n{text}");
    let rubric = ws.json(["rubric", "show", "CARE-CHOKE-01"]);
    assert!(text.contains(&squeezed(rubric["title"].as_str().unwrap())));
    let mut steps = 0;
    for section in rubric["sections"].as_array().unwrap() {
        for step in section["steps"].as_array().unwrap() {
            let id = step["id"].as_str().unwrap();
            assert!(text.contains(id), "step {id} missing:\n{text}");
            steps += 1;
        }
    }
    assert!(steps > 5);
    let vetoes = rubric["vetoes"].as_array().unwrap();
    assert!(!vetoes.is_empty());
    for veto in vetoes {
        let veto_text = squeezed(veto["text"].as_str().unwrap());
        assert!(text.contains(&veto_text), "veto {veto_text} missing:\n{text}");
    }
}

#[test]
fn session_score_sheets_one_per_candidate_and_task_with_masked_ids() {
    if !pdf_tools_present() {
        return;
    }
    let ws = drawn(3);
    let draws = ws.json(["practical", "show", "--session", SESSION]);
    let pairs: Vec<(String, String)> = draws["draws"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| {
            let exam_no = d["exam_no"].as_str().unwrap().to_owned();
            d["tasks"].as_array().unwrap().iter().map(move |t| (exam_no.clone(), t.as_str().unwrap().to_owned()))
        })
        .collect();
    assert_eq!(pairs.len(), 6, "3 candidates × 2 tasks");

    let report: Value = ws.json(["session", "score-sheets", "--session", SESSION, "--out", "sheets.pdf"]);
    assert_eq!(report["count"], 6);
    let text = pdf_text(&ws.path("sheets.pdf"));
    assert_eq!(text.matches("实操考核评分记录表").count(), pairs.len(), "{text}");
    assert_eq!(text.matches("考评员签名").count(), pairs.len());
    for (exam_no, task) in &pairs {
        assert!(text.contains(exam_no) && text.contains(task.as_str()), "{exam_no} {task} missing");
    }
    for i in 1..=3 {
        let id = valid_id(i);
        let masked = format!("{}********{}", &id[..6], &id[14..]);
        assert_eq!(text.matches(&masked).count(), 2, "masked ID of 考生{i} on both sheets:\n{text}");
        assert!(!text.contains(&id), "full ID printed without --full-id");
        assert!(text.contains(&format!("考生{i}")));
    }
    assert!(text.contains("2026-12-05"), "session date on the sheets");

    ws.ok(["session", "score-sheets", "--session", SESSION, "--out", "full.html", "--full-id"]);
    let html = std::fs::read_to_string(ws.path("full.html")).unwrap();
    assert!(html.contains(&valid_id(1)));
    assert_eq!(html.matches("class=\"score-sheet\"").count(), pairs.len());
}

#[test]
fn score_sheet_html_escapes_rubric_text() {
    let ws = Workspace::new();
    ws.ok(["init", "--empty"]);
    ws.write(
        "x.toml",
        "id = \"X-01\"\ntitle = \"测试<b>粗</b>\"\ncategory = \"护理\"\nlevels = [\"四级\"]\n\n[[section]]\nname = \"操作过程\"\n\
         [[section.step]]\nid = \"1.1\"\ntext = \"洗手<script>alert(1)</script>\"\npoints = 60\nrule = \"未做不得分 & 扣<5分\"\n\
         [[section.step]]\nid = \"1.2\"\ntext = \"试温\"\npoints = 40\nrule = \"未做不得分\"\n\n\
         [[veto]]\nid = \"V1\"\ntext = \"<img src=x onerror=alert(1)>\"\n",
    );
    ws.ok(["rubric", "import", "x.toml"]);
    ws.ok(["rubric", "render", "X-01", "--out", "x.html"]);
    let html = std::fs::read_to_string(ws.path("x.html")).unwrap();
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(!html.contains("<img"), "{html}");
    assert!(!html.contains("<b>粗"), "{html}");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;")
            || html.contains("&lt;script&gt;alert(1)&lt;/script&gt;")
    );
    assert!(html.contains("扣&lt;5分"));
    // A wrong extension is refused before anything is written; an unknown task names the fix.
    let bad = ws.fails(["rubric", "render", "X-01", "--out", "x.txt"]);
    assert!(bad.stderr.contains(".pdf"), "{}", bad.stderr);
    assert!(!ws.path("x.txt").exists());
    let missing = ws.fails(["rubric", "render", "NOPE", "--out", "n.html"]);
    assert!(missing.stderr.contains("rubric list"), "{}", missing.stderr);
}
