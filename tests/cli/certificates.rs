//! Results, signed certificates, offline verification and pass lists.

use calamine::{Data, Reader, Xlsx};
use serde_json::Value;

use crate::practical::{HEADER, SESSION, drawn, entry_rows, tasks};
use crate::sessions::BLUEPRINT;
use crate::support::{Workspace, file_hash, valid_id};

/// Six candidates graded so that each ends with a different decision:
/// E001 passes; E002 fails theory; E003 fails practical; E004 has no theory sheet;
/// E005 waits for arbitration; E006 lacks examiners.
fn graded() -> Workspace {
    let ws = drawn(6);
    for (key, value) in [("org-code", "0001"), ("org-name", "示例认定中心"), ("province", "11"), ("site", "000001")]
    {
        ws.ok(["config", "set", key, value]);
    }
    ws.write("bp.toml", BLUEPRINT);
    let built = ws.json(["build-paper", "--blueprint", "bp.toml", "--seed", "11"]);
    let papers = built["papers"].as_array().unwrap();
    let ids: Vec<&str> = papers.iter().map(|p| p["id"].as_str().unwrap()).collect();
    ws.ok(["session", "assign", "--session", SESSION, "--papers", &ids.join(",")]);
    let answers = |paper: &Value, right: bool| -> String {
        paper["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| if right { i["answer"].as_str().unwrap().to_owned() } else { String::new() })
            .collect::<Vec<_>>()
            .join(",")
    };
    let mut responses = String::from("准考证号,试卷,答案\n");
    for (i, right) in [(1, true), (2, false), (3, true), (5, true), (6, true)] {
        let paper = &papers[(i - 1) % 2];
        responses.push_str(&format!("E{i:03},{},\"{}\"\n", paper["id"].as_str().unwrap(), answers(paper, right)));
    }
    ws.write("responses.csv", responses);
    ws.ok(["score", "theory", "--session", SESSION, "responses.csv"]);
    let mut grades = String::from(HEADER);
    for (exam_no, totals) in [
        ("E001", [80.0, 80.0, 80.0]),
        ("E002", [80.0, 80.0, 80.0]),
        ("E003", [40.0, 40.0, 40.0]),
        ("E004", [80.0, 80.0, 80.0]),
        ("E005", [60.0, 75.0, 70.0]),
    ] {
        for task in tasks(&ws, exam_no) {
            for (examiner, total) in ["甲", "乙", "丙"].iter().zip(totals) {
                grades.push_str(&entry_rows(&ws, exam_no, &task, examiner, total, &[]));
            }
        }
    }
    for task in tasks(&ws, "E006") {
        for examiner in ["甲", "乙"] {
            grades.push_str(&entry_rows(&ws, "E006", &task, examiner, 80.0, &[]));
        }
    }
    ws.write("grades.csv", grades);
    ws.ok(["grade", "import", "--session", SESSION, "grades.csv"]);
    ws.ok(["keys", "generate", "--out", "keys"]);
    ws
}

fn result_of<'a>(results: &'a Value, exam_no: &str) -> &'a Value {
    results["candidates"].as_array().unwrap().iter().find(|c| c["exam_no"] == exam_no).unwrap()
}

#[test]
fn each_decision_has_its_reason() {
    let ws = graded();
    let results = ws.json(["results", "--session", SESSION]);
    let expect = [
        ("E001", true, Value::Null),
        ("E002", false, Value::from("理论不合格")),
        ("E003", false, Value::from("实操不合格")),
        ("E004", false, Value::from("缺考")),
        ("E005", false, Value::from("实操待仲裁")),
        ("E006", false, Value::from("实操未评完")),
    ];
    for (exam_no, passed, reason) in expect {
        let r = result_of(&results, exam_no);
        assert_eq!(r["passed"], passed, "{r}");
        assert_eq!(r["reason"], reason, "{r}");
    }
    let e001 = result_of(&results, "E001");
    assert_eq!(e001["practical"].as_f64(), Some(80.0));
    for key in ["exam_no", "school", "paper", "theory", "practical", "passed", "reason"] {
        assert!(e001.get(key).is_some(), "results lacks {key}");
    }
    assert!(e001["id_number"].as_str().unwrap().contains("********"));
    let schools = results["schools"].as_array().unwrap();
    let registered: u64 = schools.iter().map(|s| s["registered"].as_u64().unwrap()).sum();
    assert_eq!(registered, 6);
}

#[test]
fn issuing_signs_the_documented_payload_once_and_refuses_open_grading() {
    let ws = graded();
    let issued = ws.json(["certificates", "issue", "--session", SESSION]);
    let certificates = issued["certificates"].as_array().unwrap();
    assert_eq!(certificates.len(), 1, "only E001 passed: {issued}");
    assert_eq!(issued["grading_open"], 2);
    let number = certificates[0]["number"].as_str().unwrap().to_owned();
    assert_eq!(number.len(), 22);
    assert!(number.starts_with("S00011100000126") || number.starts_with("S0001110000012"), "{number}");
    assert!(number.ends_with("4000001"), "level 4, serial 1: {number}");

    let again = ws.json(["certificates", "issue", "--session", SESSION]);
    assert_eq!(again["certificates"].as_array().unwrap().len(), 0);

    let shown = ws.json(["certificates", "show", &number]);
    let payload = shown["payload"].as_str().unwrap();
    let lines: Vec<&str> = payload.split('\n').collect();
    let keys: Vec<&str> = lines.iter().map(|l| l.split('=').next().unwrap()).collect();
    assert_eq!(
        keys,
        [
            "format",
            "number",
            "name",
            "id_masked",
            "id_hmac",
            "occupation",
            "level",
            "theory",
            "practical",
            "issued",
            "issuer"
        ]
    );
    assert_eq!(lines[0], "format=certify-cert-v2");
    assert_eq!(lines[3], format!("id_masked={}********{}", &valid_id(1)[..6], &valid_id(1)[14..]));
    assert_eq!(lines[7], "theory=14.00");
    assert_eq!(lines[8], "practical=80.00");
    assert!(!payload.ends_with('\n'));
    assert!(!payload.contains(&valid_id(1)), "the ID number itself is never signed");
}

#[test]
fn a_second_ed25519_implementation_accepts_the_signature() {
    let ws = graded();
    let issued = ws.json(["certificates", "issue", "--session", SESSION]);
    let number = issued["certificates"][0]["number"].as_str().unwrap();
    let shown = ws.json(["certificates", "show", number]);
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let public = b64.decode(shown["public_key"].as_str().unwrap()).unwrap();
    let signature = b64.decode(shown["signature"].as_str().unwrap()).unwrap();
    let key = ed25519_compact::PublicKey::from_slice(&public).unwrap();
    let signature = ed25519_compact::Signature::from_slice(&signature).unwrap();
    key.verify(shown["payload"].as_str().unwrap().as_bytes(), &signature).expect("independent check");
    let forged = shown["payload"].as_str().unwrap().replace("practical=80.00", "practical=90.00");
    assert!(key.verify(forged.as_bytes(), &signature).is_err());
}

#[test]
fn offline_verification_catches_tampering_and_revocation() {
    let ws = graded();
    let issued = ws.json(["certificates", "issue", "--session", SESSION]);
    let number = issued["certificates"][0]["number"].as_str().unwrap().to_owned();
    let file = ws.ok(["--json", "certificates", "show", &number]).stdout;
    ws.write("cert.json", &file);
    // Offline: no workspace at all, only the file and the public key.
    let offline = Workspace::new();
    offline.write("cert.json", &file);
    offline.write("pub.pem", std::fs::read(ws.path("keys/signing-key.pub.pem")).unwrap());
    let verdict = offline.json(["verify", "--file", "cert.json", "--public-key", "pub.pem"]);
    assert_eq!(verdict["valid"], true);
    assert!(!offline.db().exists(), "offline verification needs no workspace");

    for (what, tampered) in [
        ("score", file.replace("theory=14.00", "theory=94.00")),
        ("name", file.replacen("name=考生1", "name=考生9", 1)),
        ("signature", {
            let v: Value = serde_json::from_str(&file).unwrap();
            let s = v["signature"].as_str().unwrap();
            let flipped = if s.starts_with('A') { s.replacen('A', "B", 1) } else { format!("A{}", &s[1..]) };
            file.replace(s, &flipped)
        }),
    ] {
        assert_ne!(tampered, file, "{what}");
        offline.write("bad.json", &tampered);
        let output =
            offline.command(["--json", "verify", "--file", "bad.json", "--public-key", "pub.pem"]).output().unwrap();
        assert_eq!(output.status.code(), Some(1), "{what}");
        let verdict: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!((verdict["valid"].as_bool(), verdict["status"].as_str()), (Some(false), Some("invalid")), "{what}");
        assert!(verdict["reason"].as_str().unwrap().contains("签名核验未通过"), "{what}: {verdict}");
    }

    ws.ok(["certificates", "revoke", &number, "--reason", "考试作弊"]);
    let output = ws.command(["--json", "verify", &number]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let verdict: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(verdict["status"], "revoked");
    assert!(verdict["reason"].as_str().unwrap().contains("考试作弊"));
    // Offline, the revocation is known only from a signed list.
    ws.ok(["certificates", "revocations", "--out", "revocations.json"]);
    offline.write("revocations.json", std::fs::read(ws.path("revocations.json")).unwrap());
    let output = offline
        .command([
            "--json",
            "verify",
            "--file",
            "cert.json",
            "--public-key",
            "pub.pem",
            "--revocations",
            "revocations.json",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let verdict: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!((verdict["status"].as_str(), verdict["revocation_checked"].as_bool()), (Some("revoked"), Some(true)));
    assert!(verdict["reason"].as_str().unwrap().contains("考试作弊"), "{verdict}");
}

#[test]
fn concurrent_issuers_get_distinct_serials() {
    let ws = graded();
    // A second session of the same level whose candidates also pass.
    ws.ok(["session", "create", "--id", "P2", "--level", "四级", "--date", "2026-12-06", "--practical", "plan.toml"]);
    let mut csv = String::from("准考证号,姓名,身份证号\n");
    for i in 1..=4 {
        csv.push_str(&format!("F{i:03},乙考生{i},{}\n", valid_id(100 + i)));
    }
    ws.write("c2.csv", csv);
    ws.ok(["candidates", "import", "--session", "P2", "c2.csv"]);
    let papers = ws.json(["paper", "list"]);
    let ids: Vec<&str> = papers["papers"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap()).collect();
    ws.ok(["session", "assign", "--session", "P2", "--papers", &ids.join(",")]);
    ws.ok(["practical", "draw", "--session", "P2", "--seed", "9"]);
    let shown = ws.json(["session", "show", "P2"]);
    let mut responses = String::from("准考证号,试卷,答案\n");
    for c in shown["candidates"].as_array().unwrap() {
        let paper = ws.json(["paper", "show", c["paper"].as_str().unwrap()]);
        let key: Vec<&str> =
            paper["papers"][0]["items"].as_array().unwrap().iter().map(|i| i["answer"].as_str().unwrap()).collect();
        responses.push_str(&format!(
            "{},{},\"{}\"\n",
            c["exam_no"].as_str().unwrap(),
            c["paper"].as_str().unwrap(),
            key.join(",")
        ));
    }
    ws.write("r2.csv", responses);
    ws.ok(["score", "theory", "--session", "P2", "r2.csv"]);
    let draws = ws.json(["practical", "show", "--session", "P2"]);
    let mut grades = String::from(HEADER);
    for d in draws["draws"].as_array().unwrap() {
        let exam_no = d["exam_no"].as_str().unwrap();
        for task in d["tasks"].as_array().unwrap() {
            for examiner in ["甲", "乙", "丙"] {
                grades.push_str(&entry_rows(&ws, exam_no, task.as_str().unwrap(), examiner, 85.0, &[]));
            }
        }
    }
    ws.write("g2.csv", grades);
    ws.command(["grade", "import", "--session", "P2", "g2.csv"]).output().unwrap();

    let outputs = ws.at_once([SESSION, "P2"].map(|s| ["--json", "certificates", "issue", "--session", s]));
    let mut numbers = Vec::new();
    for output in outputs {
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let issued: Value = serde_json::from_slice(&output.stdout).unwrap();
        numbers.extend(
            issued["certificates"].as_array().unwrap().iter().map(|c| c["number"].as_str().unwrap().to_owned()),
        );
    }
    assert_eq!(numbers.len(), 5, "{numbers:?}");
    let distinct: std::collections::HashSet<&String> = numbers.iter().collect();
    assert_eq!(distinct.len(), numbers.len(), "{numbers:?}");
    let mut serials: Vec<&str> = numbers.iter().map(|n| &n[16..]).collect();
    serials.sort();
    assert_eq!(serials, ["000001", "000002", "000003", "000004", "000005"]);
}

#[test]
fn a_changed_score_makes_the_certificate_stale_without_changing_it() {
    let ws = graded();
    let issued = ws.json(["certificates", "issue", "--session", SESSION]);
    let number = issued["certificates"][0]["number"].as_str().unwrap().to_owned();
    let before = ws.json(["certificates", "show", &number]);
    // A key correction lowers E001's theory total.
    let shown = ws.json(["session", "show", SESSION]);
    let paper = shown["candidates"].as_array().unwrap().iter().find(|c| c["exam_no"] == "E001").unwrap()["paper"]
        .as_str()
        .unwrap()
        .to_owned();
    let items = ws.json(["paper", "show", &paper]);
    let first = &items["papers"][0]["items"][0];
    let other = if first["kind"] == "judge" {
        if first["answer"] == "对" { "错" } else { "对" }.to_owned()
    } else {
        let key = first["answer"].as_str().unwrap();
        ["A", "B", "C", "D"].iter().find(|l| !key.contains(**l)).unwrap().to_string()
    };
    ws.ok(["paper", "fix-key", &paper, "1", &other, "--reason", "复核"]);
    let results = ws.json(["results", "--session", SESSION]);
    let e001 = result_of(&results, "E001");
    assert_eq!(e001["stale"], true, "{e001}");
    let stale = ws.json(["certificates", "list", "--stale"]);
    assert_eq!(stale["certificates"][0]["number"], number.as_str());
    assert_eq!(ws.json(["certificates", "show", &number])["payload"], before["payload"], "nothing changes silently");
}

#[test]
fn the_pass_list_reads_back_with_masked_ids_as_text_and_csv_is_excel_safe() {
    let ws = graded();
    ws.ok(["certificates", "issue", "--session", SESSION]);
    ws.ok(["export", "pass-list", "--session", SESSION, "--out", "pass.xlsx"]);
    let mut book: Xlsx<_> = calamine::open_workbook(ws.path("pass.xlsx")).unwrap();
    assert_eq!(book.sheet_names(), ["合格名单", "汇总"]);
    let sheet = book.worksheet_range("合格名单").unwrap();
    let rows: Vec<Vec<Data>> = sheet.rows().map(|r| r.to_vec()).collect();
    let headers: Vec<String> = rows[0].iter().map(|c| c.to_string()).collect();
    assert_eq!(
        headers,
        ["序号", "准考证号", "姓名", "身份证号", "培训机构", "等级", "理论成绩", "实操成绩", "证书编号", "发证日期"]
    );
    assert_eq!(rows.len(), 2, "one passed candidate");
    assert_eq!(rows[1][1], Data::String("E001".into()));
    match &rows[1][3] {
        Data::String(id) => assert_eq!(id, &format!("{}********{}", &valid_id(1)[..6], &valid_id(1)[14..])),
        other => panic!("ID must be text, got {other:?}"),
    }
    ws.ok(["export", "pass-list", "--session", SESSION, "--out", "full.xlsx", "--full-id"]);
    let mut full: Xlsx<_> = calamine::open_workbook(ws.path("full.xlsx")).unwrap();
    let full_rows: Vec<Vec<Data>> = full.worksheet_range("合格名单").unwrap().rows().map(|r| r.to_vec()).collect();
    assert_eq!(full_rows[1][3], Data::String(valid_id(1)));
    let summary = book.worksheet_range("汇总").unwrap();
    assert!(summary.rows().count() >= 2);

    // CSV: BOM for Excel, and a school name that looks like a formula is neutralised.
    let before = file_hash(&ws.db());
    ws.fails(["export", "pass-list", "--session", SESSION, "--out", "pass.xlsx"]);
    assert_eq!(file_hash(&ws.db()), before);
    ws.ok(["export", "pass-list", "--session", SESSION, "--out", "pass.csv"]);
    let bytes = std::fs::read(ws.path("pass.csv")).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert!(text.lines().nth(1).unwrap().starts_with("1,E001,"), "{text}");
}

#[test]
fn csv_cells_that_look_like_formulas_are_neutralised() {
    let ws = graded();
    // Rename E001's school to something Excel would run.
    let db = rusqlite::Connection::open(ws.db()).unwrap();
    db.execute("UPDATE candidates SET school = '=HYPERLINK(\"http://x\")' WHERE exam_no = 'E001'", []).unwrap();
    drop(db);
    ws.ok(["export", "pass-list", "--session", SESSION, "--out", "pass.csv"]);
    let text = String::from_utf8(std::fs::read(ws.path("pass.csv")).unwrap()[3..].to_vec()).unwrap();
    assert!(text.contains("'=HYPERLINK"), "{text}");
}

#[test]
fn keys_are_private_and_never_overwritten() {
    let ws = graded();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(ws.path("keys/signing-key.pem")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let before = std::fs::read(ws.path("keys/signing-key.pem")).unwrap();
    let failed = ws.fails(["keys", "generate", "--out", "keys"]);
    assert!(failed.stderr.contains("不会覆盖"), "{}", failed.stderr);
    assert_eq!(std::fs::read(ws.path("keys/signing-key.pem")).unwrap(), before);
    assert!(ws.json(["config", "get"])["public-key"].is_string());
}

#[test]
fn the_certificate_page_shows_the_holder_and_a_qr_code() {
    let ws = graded();
    let issued = ws.json(["certificates", "issue", "--session", SESSION]);
    let number = issued["certificates"][0]["number"].as_str().unwrap();
    ws.ok(["certificates", "render", number, "--out", "cert.html"]);
    let html = std::fs::read_to_string(ws.path("cert.html")).unwrap();
    for expected in ["职业技能等级证书", "考生1", "保育师", "四级", number, "<svg"] {
        assert!(html.contains(expected), "page lacks {expected}");
    }
    assert!(!html.contains(&valid_id(1)), "the page shows the ID masked");
}
