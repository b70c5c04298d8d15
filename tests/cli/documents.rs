//! Documents an office prints: rooms and invigilators, tickets, sign-in sheets with seat
//! lists, and a session's certificates in one PDF — read back from real PDFs.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::support::{Workspace, pdf_tools_present, valid_id};

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

/// A session of `n` candidates E001…, nothing else.
fn session_of(n: usize) -> Workspace {
    let ws = Workspace::new();
    ws.ok(["init", "--empty"]);
    ws.ok(["session", "create", "--id", "S", "--level", "四级", "--date", "2026-12-05", "--site", "北京朝阳考点"]);
    let mut csv = String::from("准考证号,姓名,身份证号\n");
    for i in 1..=n {
        csv.push_str(&format!("E{i:03},考生{i},{}\n", valid_id(i)));
    }
    ws.write("c.csv", csv);
    ws.ok(["candidates", "import", "--session", "S", "c.csv"]);
    ws
}

#[test]
fn rooms_follow_exam_numbers_and_count_invigilators() {
    let ws = session_of(31);
    let plan = ws.json(["session", "rooms", "--session", "S", "--size", "30"]);
    let rooms = plan["rooms"].as_array().unwrap();
    assert_eq!(rooms.len(), 2);
    assert_eq!((rooms[0]["candidates"].as_u64(), rooms[0]["invigilators"].as_u64()), (Some(30), Some(2)));
    assert_eq!((rooms[1]["candidates"].as_u64(), rooms[1]["invigilators"].as_u64()), (Some(1), Some(2)));
    assert_eq!(plan["invigilators"], 4);
    assert_eq!(rooms[1]["seats"][0], serde_json::json!({ "exam_no": "E031", "room": "2", "seat": "1" }));
    let human = ws.ok(["session", "rooms", "--session", "S", "--size", "30"]).stdout;
    assert!(human.contains("共需监考员 4 名"), "{human}");

    for (size, reason) in [("0", "不能是 0"), ("101", "最多 100")] {
        let refused = ws.fails(["session", "rooms", "--session", "S", "--size", size]);
        assert!(refused.stderr.contains(reason), "{}", refused.stderr);
    }
    assert!(ws.fails(["session", "rooms", "--session", "S"]).stderr.contains("--size"));
    // Room plans are no settings a person edits.
    assert!(!ws.ok(["config", "get", "--json"]).stdout.contains("rooms:"));
}

#[test]
fn rooms_and_seats_from_the_candidate_file_win() {
    let ws = Workspace::new();
    ws.ok(["init", "--empty"]);
    ws.ok(["session", "create", "--id", "S", "--level", "四级", "--date", "2026-12-05"]);
    ws.write(
        "c.csv",
        format!(
            "准考证号,姓名,身份证号,考场,座位号\nE001,甲,{},2,1\nE002,乙,{},1,2\nE003,丙,{},1,1\n",
            valid_id(1),
            valid_id(2),
            valid_id(3)
        ),
    );
    ws.ok(["candidates", "import", "--session", "S", "c.csv"]);
    let plan = ws.json(["session", "rooms", "--session", "S"]);
    assert_eq!(plan["source"], "file");
    let order: Vec<&str> =
        plan["rooms"][0]["seats"].as_array().unwrap().iter().map(|s| s["exam_no"].as_str().unwrap()).collect();
    assert_eq!(order, ["E003", "E002"]);
    ws.ok(["session", "sign-in", "--session", "S", "--out", "签到表.html"]);
    let html = std::fs::read_to_string(ws.path("签到表.html")).unwrap();
    assert!(html.contains("第 2 考场") && html.contains("座位表") && html.contains("缺考"));
}

#[test]
fn incomplete_room_columns_are_no_dead_end() {
    let ws = Workspace::new();
    ws.ok(["init", "--empty"]);
    ws.ok(["session", "create", "--id", "S", "--level", "四级", "--date", "2026-12-05"]);
    let list = |seat_of_e003: &str| {
        format!(
            "准考证号,姓名,身份证号,考场,座位号\nE001,甲,{},1,1\nE002,乙,{},1,2\nE003,丙,{},1,{seat_of_e003}\n",
            valid_id(1),
            valid_id(2),
            valid_id(3)
        )
    };
    ws.write("c.csv", list("1"));
    ws.ok(["candidates", "import", "--session", "S", "c.csv"]);
    let refused = ws.fails(["session", "rooms", "--session", "S"]);
    assert!(refused.stderr.contains("--update") && refused.stderr.contains("--size"), "{}", refused.stderr);
    // An explicit size always works, and says it left the columns aside.
    let sized = ws.ok(["session", "rooms", "--session", "S", "--size", "30"]);
    assert!(sized.stderr.contains("未使用"), "{}", sized.stderr);
    // The corrected list is a change, listed and imported with --update.
    ws.write("c.csv", list("3"));
    let listed = ws.fails(["candidates", "import", "--session", "S", "c.csv"]);
    assert!(listed.stderr.contains("座位号=1") && listed.stderr.contains("座位号=3"), "{}", listed.stderr);
    ws.ok(["candidates", "import", "--session", "S", "c.csv", "--update"]);
    assert_eq!(ws.json(["session", "rooms", "--session", "S"])["source"], "file");
}

fn pdf_text(path: &Path) -> String {
    let output = Command::new("pdftotext").arg("-layout").arg(path).arg("-").output().unwrap();
    assert!(output.status.success(), "pdftotext failed on {}", path.display());
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn squeezed(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The rehearsal cycle of the examples (60 candidates, scored, graded, certificates
/// issued), then every document printed by real headless Chromium and read back.
#[test]
fn tickets_sign_in_and_certificates_print_to_pdf_with_masked_ids() {
    if !pdf_tools_present() {
        return;
    }
    let ws = Workspace::new();
    let ex = examples();
    let path = |p: &str| ex.join(p).display().to_string();
    ws.ok(["init", "--org-code", "0001", "--org-name", "示例认定中心", "--province", "11", "--site", "000001"]);
    let built = ws.json(["build-paper", "--blueprint", &path("blueprints/baoyushi-4.toml"), "--seed", "2026"]);
    let papers: Vec<&str> = built["papers"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap()).collect();
    ws.ok([
        "session",
        "create",
        "--id",
        "S",
        "--level",
        "四级",
        "--date",
        "2026-12-05",
        "--site",
        "北京朝阳考点",
        "--name",
        "2026年12月保育师四级",
        "--practical",
        &path("practical-plan.toml"),
    ]);
    ws.ok(["candidates", "import", "--session", "S", &path("candidates.csv")]);
    ws.ok(["session", "assign", "--session", "S", "--papers", &papers.join(",")]);
    ws.ok(["practical", "draw", "--session", "S", "--seed", "7"]);
    ws.ok(["simulate", "--session", "S", "--seed", "7", "--out", "rehearsal"]);
    ws.ok(["score", "theory", "--session", "S", "rehearsal/theory-responses.csv"]);
    ws.ok(["grade", "import", "--session", "S", "rehearsal/practical-grades.csv"]);
    ws.ok(["keys", "generate", "--out", "keys"]);
    ws.ok(["certificates", "issue", "--session", "S"]);
    ws.ok(["session", "rooms", "--session", "S", "--size", "30"]);

    let people: Vec<Value> = ws.json(["session", "show", "S", "--full-id"])["candidates"].as_array().unwrap().clone();
    assert_eq!(people.len(), 60);
    let full = |p: &Value| p["id_number"].as_str().unwrap().to_owned();
    let masked = |p: &Value| {
        let id = full(p);
        format!("{}********{}", &id[..6], &id[14..])
    };

    ws.ok(["session", "tickets", "--session", "S", "--out", "准考证.pdf", "--theory-time", "09:00–10:30"]);
    ws.ok(["session", "sign-in", "--session", "S", "--out", "签到表.pdf"]);
    for file in ["准考证.pdf", "签到表.pdf"] {
        let text = squeezed(&pdf_text(&ws.path(file)));
        for p in &people {
            let (exam_no, name) = (p["exam_no"].as_str().unwrap(), p["name"].as_str().unwrap());
            assert!(text.contains(exam_no) && text.contains(name), "{file} lacks {exam_no} {name}");
            assert!(text.contains(&masked(p)), "{file} lacks the masked ID of {exam_no}");
            assert!(!text.contains(&full(p)), "{file} shows the full ID of {exam_no}");
        }
        assert!(text.contains("2026年12月保育师四级") && text.contains("北京朝阳考点"), "{file}");
    }
    let tickets = squeezed(&pdf_text(&ws.path("准考证.pdf")));
    assert!(tickets.contains("贴照片处") && tickets.contains("考场规则") && tickets.contains("09:00–10:30"));
    let sign_in = squeezed(&pdf_text(&ws.path("签到表.pdf")));
    assert!(sign_in.contains("第2考场") && sign_in.contains("监考员签名") && sign_in.contains("违纪"));
    assert!(sign_in.contains("座位表"), "the seat list comes first in each room");

    ws.ok(["session", "tickets", "--session", "S", "--out", "full.html", "--full-id"]);
    let html = std::fs::read_to_string(ws.path("full.html")).unwrap();
    assert!(people.iter().all(|p| html.contains(&full(p))), "--full-id prints the full numbers");
    assert!(ws.fails(["session", "tickets", "--session", "S", "--out", "t.docx"]).stderr.contains(".pdf"));

    let issued = ws.json(["certificates", "render", "--session", "S", "--out", "证书.pdf"]);
    let numbers: Vec<&str> = issued["certificates"].as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect();
    assert!(numbers.len() > 10, "{issued}");
    let raw = pdf_text(&ws.path("证书.pdf"));
    let text = squeezed(&raw);
    let pages = raw.matches('\u{c}').count();
    assert!(pages >= numbers.len(), "one page per certificate: {pages} pages for {}", numbers.len());
    for number in &numbers {
        assert!(text.contains(number), "certificate {number} missing from the PDF");
    }
    assert!(text.contains("盖章处") && text.contains("照片"));
    assert!(!people.iter().any(|p| text.contains(&full(p))), "a certificate shows a full ID");
    // "职业技能等级" never breaks across lines: it is found as often with the line breaks as without.
    let phrase = "职业技能等级";
    assert_eq!(raw.matches(phrase).count(), text.matches(phrase).count(), "the phrase was broken across lines");
    assert_eq!(raw.matches(phrase).count(), 2 * numbers.len(), "title and body line of each certificate");

    // One certificate still renders by number, as before.
    ws.ok(["certificates", "render", numbers[0], "--out", "one.html"]);
    assert!(std::fs::read_to_string(ws.path("one.html")).unwrap().contains(numbers[0]));
    assert_eq!(ws.run_code(["certificates", "render", numbers[0], "--session", "S", "--out", "x.pdf"], 2).stdout, "");
}
