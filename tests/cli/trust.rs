//! Records an exam office can trust: one certificate per person and level under any
//! concurrency, revocation that sticks, private v2 records checked by independent
//! implementations, verdicts that only signed bytes can change, keys other tools read.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::OnceLock;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::support::{Workspace, file_hash};

pub const S1: &str = "S1";
const S2: &str = "S2";

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

/// A workspace with two sessions of the same level holding the same 60 people
/// (rehearsal data with different seeds, so the passers overlap but differ), fully
/// scored and graded, with keys: built once per test run, then copied.
fn template() -> &'static Path {
    static TEMPLATE: OnceLock<PathBuf> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("trust-template-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let run = |args: &[&str]| -> String {
            let output = std::process::Command::new(env!("CARGO_BIN_EXE_certify"))
                .current_dir(&dir)
                .env_remove("CERTIFY_DB")
                .arg("--db")
                .arg(dir.join("certify.db"))
                .args(args)
                .stdin(Stdio::null())
                .output()
                .unwrap();
            assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
            String::from_utf8(output.stdout).unwrap()
        };
        let ex = examples();
        let path = |p: &str| ex.join(p).display().to_string();
        run(&["init", "--org-code", "0001", "--org-name", "示例认定中心", "--province", "11", "--site", "000001"]);
        let built: Value = serde_json::from_str(&run(&[
            "--json",
            "build-paper",
            "--blueprint",
            &path("blueprints/baoyushi-4.toml"),
            "--seed",
            "2026",
        ]))
        .unwrap();
        let papers: Vec<&str> = built["papers"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap()).collect();
        for (session, seed) in [(S1, "7"), (S2, "8")] {
            run(&[
                "session",
                "create",
                "--id",
                session,
                "--level",
                "四级",
                "--date",
                "2026-12-05",
                "--practical",
                &path("practical-plan.toml"),
            ]);
            run(&["candidates", "import", "--session", session, &path("candidates.csv")]);
            run(&["session", "assign", "--session", session, "--papers", &papers.join(",")]);
            run(&["practical", "draw", "--session", session, "--seed", seed]);
            let rehearsal = dir.join(format!("rehearsal-{session}"));
            run(&["simulate", "--session", session, "--seed", seed, "--out", &rehearsal.display().to_string()]);
            run(&[
                "score",
                "theory",
                "--session",
                session,
                &rehearsal.join("theory-responses.csv").display().to_string(),
            ]);
            run(&[
                "grade",
                "import",
                "--session",
                session,
                &rehearsal.join("practical-grades.csv").display().to_string(),
            ]);
        }
        run(&["keys", "generate", "--out", "keys"]);
        dir
    })
}

/// A fresh copy of the template, its key settings pointing at its own copies.
pub fn cycle() -> Workspace {
    let ws = Workspace::new();
    let template = template();
    std::fs::copy(template.join("certify.db"), ws.db()).unwrap();
    std::fs::create_dir_all(ws.path("keys")).unwrap();
    for file in ["signing-key.pem", "signing-key.pub.pem", "person-key.txt"] {
        std::fs::copy(template.join("keys").join(file), ws.path("keys").join(file)).unwrap();
    }
    ws.ok(["config", "set", "signing-key", "keys/signing-key.pem"]);
    ws.ok(["config", "set", "person-key", "keys/person-key.txt"]);
    ws
}

/// exam number → full ID number of the passers of a session.
fn passers(ws: &Workspace, session: &str) -> HashMap<String, String> {
    let results = ws.json(["results", "--session", session, "--full-id"]);
    results["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["passed"] == true)
        .map(|c| (c["exam_no"].as_str().unwrap().to_owned(), c["id_number"].as_str().unwrap().to_owned()))
        .collect()
}

/// (ID number, level) → how many valid certificates, read from the database itself.
fn valid_per_person(ws: &Workspace) -> HashMap<(String, String), i64> {
    let db = rusqlite::Connection::open(ws.db()).unwrap();
    let mut statement = db
        .prepare("SELECT id_number, level, COUNT(*) FROM certificates WHERE status = 'valid' GROUP BY id_number, level")
        .unwrap();
    statement.query_map([], |r| Ok(((r.get(0)?, r.get(1)?), r.get(2)?))).unwrap().collect::<Result<_, _>>().unwrap()
}

#[test]
fn eight_concurrent_issuers_over_overlapping_sessions_leave_one_valid_certificate_per_person() {
    for round in 0..3 {
        let ws = cycle();
        let (first, second) = (passers(&ws, S1), passers(&ws, S2));
        assert!(first.len() > 20 && second.len() > 20, "both sessions have passers");
        assert!(first.values().any(|id| second.values().any(|other| other == id)), "the sessions overlap");
        // Round 0: all eight on one session; later rounds: four on each.
        let sessions: Vec<&str> = (0..8).map(|i| if round == 0 || i % 2 == 0 { S1 } else { S2 }).collect();
        let eligible: HashSet<&String> =
            first.values().chain(second.values().filter(|_| sessions.contains(&S2))).collect();
        let outputs = ws.at_once(sessions.iter().map(|s| ["--json", "certificates", "issue", "--session", s]));
        let mut issued_total = 0;
        for (output, session) in outputs.into_iter().zip(&sessions) {
            assert!(output.status.success(), "round {round}: {}", String::from_utf8_lossy(&output.stderr));
            let report: Value = serde_json::from_slice(&output.stdout).unwrap();
            let issued = report["certificates"].as_array().unwrap().len();
            let held = report["already_held"].as_u64().unwrap() as usize;
            let passed = if *session == S1 { first.len() } else { second.len() };
            assert_eq!(issued + held, passed, "round {round}: every passer is issued or already held: {report}");
            issued_total += issued;
        }
        let valid = valid_per_person(&ws);
        assert!(valid.values().all(|&n| n == 1), "round {round}: a second valid certificate: {valid:?}");
        let holders: HashSet<&String> = valid.keys().map(|(id, _)| id).collect();
        assert_eq!(holders, eligible, "round {round}: exactly the eligible people hold one");
        assert_eq!(issued_total, eligible.len(), "round {round}");
    }
}

#[test]
fn the_database_itself_refuses_a_second_valid_certificate() {
    let ws = cycle();
    ws.ok(["certificates", "issue", "--session", S1]);
    let db = rusqlite::Connection::open(ws.db()).unwrap();
    // A copy of an issued row with another number and serial, the given status, and
    // either another exam number (same person) or another ID number (same candidate).
    let copy = |status: &str, exam_no: &str, id_number: &str| {
        db.execute(
            "INSERT INTO certificates (number, session_id, exam_no, level, year, level_digit, serial, name, \
             id_number, theory, practical, issued, payload, signature, public_key, status, created_at) \
             SELECT number || 'X' || ?1 || COALESCE(?2, '') || COALESCE(?3, ''), session_id, COALESCE(?2, exam_no), level, year, level_digit, \
             serial + 90000 + (SELECT COUNT(*) FROM certificates), name, COALESCE(?3, id_number), theory, practical, \
             issued, payload, signature, public_key, ?1, created_at FROM certificates ORDER BY number LIMIT 1",
            rusqlite::params![status, (!exam_no.is_empty()).then_some(exam_no), (!id_number.is_empty()).then_some(id_number)],
        )
    };
    let same_person = copy("valid", "OTHER-EXAM-NO", "").unwrap_err().to_string();
    assert!(same_person.contains("UNIQUE") && same_person.contains("id_number"), "{same_person}");
    let same_candidate = copy("valid", "", "990101199001011237").unwrap_err().to_string();
    assert!(same_candidate.contains("UNIQUE") && same_candidate.contains("exam_no"), "{same_candidate}");
    // A revoked record beside the valid one is fine: history is kept.
    assert_eq!(copy("revoked", "", "").unwrap(), 1);
}

#[test]
fn revocation_sticks_until_a_deliberate_reissue() {
    let ws = cycle();
    let issued = ws.json(["certificates", "issue", "--session", S1]);
    let first = &issued["certificates"][0];
    let (number, exam_no) =
        (first["number"].as_str().unwrap().to_owned(), first["exam_no"].as_str().unwrap().to_owned());
    let passed = issued["certificates"].as_array().unwrap().len();
    let revoked = ws.ok(["certificates", "revoke", &number, "--reason", "冒名顶替"]);
    assert!(revoked.stdout.contains("certificates reissue"), "{}", revoked.stdout);

    // Issuing again does not give the person a new certificate, and says how to.
    let again = ws.json(["certificates", "issue", "--session", S1]);
    assert_eq!(again["certificates"].as_array().unwrap().len(), 0, "{again}");
    assert_eq!(again["withheld_revoked"][0]["revoked"], number.as_str());
    let table = ws.ok(["certificates", "issue", "--session", S1]).stdout;
    assert!(table.contains("已被撤销") && table.contains("certificates reissue"), "{table}");

    // The same person passing in the other session is not issued one there either.
    let id = &passers(&ws, S1)[&exam_no];
    let other = ws.json(["certificates", "issue", "--session", S2]);
    if passers(&ws, S2).values().any(|x| x == id) {
        let withheld: Vec<&str> =
            other["withheld_revoked"].as_array().unwrap().iter().map(|w| w["revoked"].as_str().unwrap()).collect();
        assert!(withheld.contains(&number.as_str()), "{other}");
    }

    // Results and the pass list say so.
    let results = ws.json(["results", "--session", S1]);
    let row = results["candidates"].as_array().unwrap().iter().find(|c| c["exam_no"] == exam_no.as_str()).unwrap();
    assert_eq!(row["certificate_status"], "revoked", "{row}");
    assert!(ws.ok(["results", "--session", S1]).stdout.contains("证书已撤销"));
    let list = ws.json(["export", "pass-list", "--session", S1, "--out", "pass.csv"]);
    assert_eq!((list["passed"].as_u64(), list["revoked_left_off"].as_u64()), (Some(passed as u64 - 1), Some(1)));
    let csv = std::fs::read_to_string(ws.path("pass.csv")).unwrap();
    assert!(!csv.contains(&exam_no), "the revoked holder is left off the pass list");

    // Reissue on purpose: a new valid certificate that names the old one.
    let reissued = ws.json(["certificates", "reissue", &number, "--reason", "核实身份后补发"]);
    let new_number = reissued["certificates"][0]["number"].as_str().unwrap().to_owned();
    assert_ne!(new_number, number);
    assert_eq!(reissued["certificates"][0]["replaces"], number.as_str());
    assert_eq!(ws.json(["certificates", "show", &number])["status"], "revoked");
    assert_eq!(ws.json(["certificates", "show", &new_number])["status"], "valid");
    let results = ws.json(["results", "--session", S1]);
    let row = results["candidates"].as_array().unwrap().iter().find(|c| c["exam_no"] == exam_no.as_str()).unwrap();
    assert_eq!(
        (row["certificate"].as_str(), row["certificate_status"].as_str()),
        (Some(new_number.as_str()), Some("valid"))
    );
    // A second reissue of the old number is refused: the person holds a valid one.
    let before = file_hash(&ws.db());
    let refused = ws.fails(["certificates", "reissue", &number, "--reason", "再补一张"]);
    assert!(refused.stderr.contains(&new_number), "{}", refused.stderr);
    assert_eq!(file_hash(&ws.db()), before);

    // Reissuing a valid certificate revokes it and signs the new one in one step.
    let valid_one = issued["certificates"][1]["number"].as_str().unwrap().to_owned();
    let replaced = ws.json(["certificates", "reissue", &valid_one, "--reason", "成绩复核"]);
    assert_eq!(replaced["revoked"], valid_one.as_str());
    let old = ws.json(["certificates", "show", &valid_one]);
    assert!(old["revoked_reason"].as_str().unwrap().contains("成绩复核"), "{old}");
    assert!(valid_per_person(&ws).values().all(|&n| n == 1));
}

/// HMAC-SHA256 written out from RFC 2104, independent of the `hmac` crate the code uses.
fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.iter().map(|b| b ^ byte).collect::<Vec<u8>>();
    let inner = Sha256::new().chain_update(pad(0x36)).chain_update(message).finalize();
    Sha256::new().chain_update(pad(0x5c)).chain_update(inner).finalize().to_vec()
}

#[test]
fn an_independent_ed25519_and_hmac_check_the_v2_record_and_no_output_holds_an_unkeyed_id_digest() {
    // RFC 4231 test case 2 proves the hand-written HMAC.
    assert_eq!(
        hmac_sha256(b"Jefe", b"what do ya want for nothing?").iter().map(|b| format!("{b:02x}")).collect::<String>(),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
    let ws = cycle();
    let issued = ws.json(["certificates", "issue", "--session", S1]);
    let cert = &issued["certificates"][0];
    let (number, exam_no) = (cert["number"].as_str().unwrap(), cert["exam_no"].as_str().unwrap());
    let id = passers(&ws, S1)[exam_no].clone();
    let shown = ws.json(["certificates", "show", number]);
    let payload = shown["payload"].as_str().unwrap();

    let key_text = std::fs::read_to_string(ws.path("keys/person-key.txt")).unwrap();
    let key = URL_SAFE_NO_PAD.decode(key_text.trim()).unwrap();
    assert_eq!(key.len(), 32);
    let expected = URL_SAFE_NO_PAD.encode(hmac_sha256(&key, id.to_uppercase().as_bytes()));
    assert!(payload.contains(&format!("\nid_hmac={expected}\n")), "{payload}");

    let public = URL_SAFE_NO_PAD.decode(shown["public_key"].as_str().unwrap()).unwrap();
    let signature = URL_SAFE_NO_PAD.decode(shown["signature"].as_str().unwrap()).unwrap();
    let verifier = ed25519_compact::PublicKey::from_slice(&public).unwrap();
    verifier.verify(payload.as_bytes(), &ed25519_compact::Signature::from_slice(&signature).unwrap()).unwrap();

    // Every form an unkeyed digest of the ID number could take.
    let mut digests = Vec::new();
    for text in [id.to_uppercase(), id.to_lowercase()] {
        let digest = Sha256::digest(text.as_bytes());
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        digests.push(hex.to_uppercase());
        digests.push(hex);
        for engine in [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD] {
            digests.push(engine.encode(digest));
        }
    }
    let rendered = ws.json(["certificates", "render", number, "--out", "cert.html"]);
    ws.ok(["certificates", "revocations", "--out", "revocations.json"]);
    let outputs = [
        ("show --json", shown.to_string()),
        ("render --json and its QR content", rendered.to_string()),
        ("the HTML page", std::fs::read_to_string(ws.path("cert.html")).unwrap()),
        ("certificates list", ws.ok(["--json", "certificates", "list"]).stdout),
        ("results", ws.ok(["--json", "results", "--session", S1]).stdout),
        ("verify", ws.ok(["--json", "verify", number]).stdout),
        ("the revocation list", std::fs::read_to_string(ws.path("revocations.json")).unwrap()),
    ];
    assert!(rendered["qr"].as_str().unwrap().contains(number));
    for (what, text) in &outputs {
        for digest in &digests {
            assert!(!text.contains(digest.as_str()), "{what} holds an unkeyed digest of the ID number");
        }
        assert!(!text.contains(&id), "{what} holds the full ID number");
        assert!(!text.contains(key_text.trim()), "{what} holds the person key");
    }
}

fn verdict_of(ws: &Workspace, args: &[&str]) -> (Option<i32>, Value) {
    let mut all = vec!["--json", "verify"];
    all.extend_from_slice(args);
    let output = ws.command(all).output().unwrap();
    (output.status.code(), serde_json::from_slice(&output.stdout).unwrap_or(Value::Null))
}

/// An issued certificate's file, the public key, and a verifier with no workspace.
fn offline_setup() -> (Workspace, Workspace, String) {
    let ws = cycle();
    let issued = ws.json(["certificates", "issue", "--session", S1]);
    let number = issued["certificates"][0]["number"].as_str().unwrap().to_owned();
    let offline = Workspace::new();
    offline.write("cert.json", ws.ok(["--json", "certificates", "show", &number]).stdout);
    offline.write("pub.pem", std::fs::read(ws.path("keys/signing-key.pub.pem")).unwrap());
    (ws, offline, number)
}

#[test]
fn unsigned_fields_edited_added_or_deleted_never_change_the_verdict() {
    let (ws, offline, number) = offline_setup();
    ws.ok(["certificates", "revoke", &number, "--reason", "违纪"]);
    ws.ok(["certificates", "revocations", "--out", "rl.json"]);
    offline.write("rl.json", std::fs::read(ws.path("rl.json")).unwrap());
    let original: Value = serde_json::from_str(&std::fs::read_to_string(offline.path("cert.json")).unwrap()).unwrap();
    let base = ["--file", "cert.json", "--public-key", "pub.pem"];
    let with_list = ["--file", "cert.json", "--public-key", "pub.pem", "--revocations", "rl.json"];
    let expect_plain = verdict_of(&offline, &base);
    let expect_listed = verdict_of(&offline, &with_list);
    assert_eq!(expect_plain.0, Some(0));
    assert_eq!(expect_plain.1["revocation_checked"], false);
    assert!(!expect_plain.1["reason"].as_str().unwrap().contains("未被撤销"), "{}", expect_plain.1);
    assert_eq!((expect_listed.0, expect_listed.1["status"].as_str()), (Some(1), Some("revoked")));

    type Edit = fn(&mut serde_json::Map<String, Value>);
    let edits: Vec<(&str, Edit)> = vec![
        ("status valid", |m| drop(m.insert("status".into(), "valid".into()))),
        ("status revoked", |m| drop(m.insert("status".into(), "revoked".into()))),
        ("revoked_at", |m| drop(m.insert("revoked_at".into(), "2020-01-01".into()))),
        ("revoked_reason", |m| drop(m.insert("revoked_reason".into(), "伪造".into()))),
        ("exam_no", |m| drop(m.insert("exam_no".into(), "X999".into()))),
        ("number", |m| drop(m.insert("number".into(), "S000000000000000000000".into()))),
        ("public_key", |m| drop(m.insert("public_key".into(), "AAAA".into()))),
        ("added valid", |m| drop(m.insert("valid".into(), true.into()))),
        ("deleted", |m| {
            for key in ["status", "revoked_at", "revoked_reason", "exam_no", "number", "public_key", "session"] {
                m.remove(key);
            }
        }),
    ];
    for (what, edit) in edits {
        let mut edited = original.as_object().unwrap().clone();
        edit(&mut edited);
        offline.write("cert.json", Value::Object(edited).to_string());
        assert_eq!(verdict_of(&offline, &base), expect_plain, "{what}");
        assert_eq!(verdict_of(&offline, &with_list), expect_listed, "{what}");
    }
    // The list's unsigned `revoked` array is not what is consulted either.
    offline.write("cert.json", original.to_string());
    let mut list: Value = serde_json::from_str(&std::fs::read_to_string(offline.path("rl.json")).unwrap()).unwrap();
    list["revoked"] = Value::Array(vec![]);
    offline.write("rl.json", list.to_string());
    assert_eq!(verdict_of(&offline, &with_list), expect_listed);
}

#[test]
fn revocation_lists_forged_resigned_by_another_key_or_older_than_a_revocation() {
    let (ws, offline, number) = offline_setup();
    ws.ok(["certificates", "revocations", "--out", "before.json"]);
    offline.write("before.json", std::fs::read(ws.path("before.json")).unwrap());
    ws.ok(["certificates", "revoke", &number, "--reason", "违纪"]);
    ws.ok(["certificates", "revocations", "--out", "after.json"]);
    let after = std::fs::read_to_string(ws.path("after.json")).unwrap();
    offline.write("after.json", &after);
    let with =
        |list: &str| verdict_of(&offline, &["--file", "cert.json", "--public-key", "pub.pem", "--revocations", list]);

    // A list made before the revocation: authentic, consulted, and honest about its date.
    let (code, old) = with("before.json");
    assert_eq!(
        (code, old["status"].as_str(), old["revocation_checked"].as_bool()),
        (Some(0), Some("valid"), Some(true))
    );
    assert!(old["reason"].as_str().unwrap().contains("此后的撤销无法离线得知"), "{old}");
    assert!(old["revocations_as_of"].is_string());
    let (code, new) = with("after.json");
    assert_eq!((code, new["status"].as_str()), (Some(1), Some("revoked")));

    // A changed byte in the signed text: the entry removed.
    let mut forged: Value = serde_json::from_str(&after).unwrap();
    let payload = forged["payload"].as_str().unwrap();
    let stripped: Vec<&str> = payload.split('\n').filter(|l| !l.contains(&number)).collect();
    forged["payload"] = Value::String(stripped.join("\n"));
    offline.write("forged.json", forged.to_string());
    let (code, verdict) = with("forged.json");
    assert_eq!((code, verdict["status"].as_str()), (Some(1), Some("invalid")));
    assert!(verdict["reason"].as_str().unwrap().contains("撤销名单不可信"), "{verdict}");
    let stderr = offline
        .command(["verify", "--file", "cert.json", "--public-key", "pub.pem", "--revocations", "forged.json"])
        .output()
        .unwrap()
        .stderr;
    assert!(String::from_utf8(stderr).unwrap().contains("撤销名单不可信"), "the failure says which check failed");

    // A list signed by another issuer's key.
    let other = Workspace::new();
    other.ok([
        "init",
        "--empty",
        "--org-code",
        "0002",
        "--org-name",
        "别的机构",
        "--province",
        "12",
        "--site",
        "000002",
    ]);
    other.ok(["keys", "generate", "--out", "keys"]);
    other.ok(["certificates", "revocations", "--out", "other.json"]);
    offline.write("other.json", std::fs::read(other.path("other.json")).unwrap());
    let (code, verdict) = with("other.json");
    assert_eq!((code, verdict["status"].as_str()), (Some(1), Some("invalid")));
    assert!(verdict["reason"].as_str().unwrap().contains("撤销名单不可信"), "{verdict}");
}

/// The first interpreter that has `cryptography`, preferring Debian's (what CI installs).
fn python_with_cryptography() -> Option<&'static str> {
    ["/usr/bin/python3", "python3"].into_iter().find(|python| {
        std::process::Command::new(python)
            .args(["-c", "import cryptography"])
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

#[test]
fn openssl_and_python_cryptography_read_the_generated_private_key() {
    let ws = Workspace::new();
    ws.ok(["init", "--empty"]);
    ws.ok(["keys", "generate", "--out", "keys"]);
    let public = ws.json(["config", "get"])["public-key"].as_str().unwrap().to_owned();
    let public_hex: String = URL_SAFE_NO_PAD.decode(&public).unwrap().iter().map(|b| format!("{b:02x}")).collect();
    let key = ws.path("keys/signing-key.pem");
    let in_ci = std::env::var_os("CI").is_some();

    match std::process::Command::new("openssl").args(["pkey", "-in"]).arg(&key).arg("-noout").output() {
        Ok(output) => assert!(output.status.success(), "openssl: {}", String::from_utf8_lossy(&output.stderr)),
        Err(_) if !in_ci => eprintln!("skipped: openssl is not installed here"),
        Err(e) => panic!("CI must install openssl: {e}"),
    }
    match python_with_cryptography() {
        Some(python) => {
            let script = "import sys\nfrom cryptography.hazmat.primitives.serialization import load_pem_private_key, Encoding, PublicFormat\n\
                          k = load_pem_private_key(open(sys.argv[1], 'rb').read(), None)\n\
                          print(k.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex())";
            let output = std::process::Command::new(python).args(["-c", script]).arg(&key).output().unwrap();
            assert!(output.status.success(), "cryptography: {}", String::from_utf8_lossy(&output.stderr));
            assert_eq!(String::from_utf8(output.stdout).unwrap().trim(), public_hex);
        }
        None if !in_ci => eprintln!("skipped: no Python with cryptography here"),
        None => panic!("CI must install python3-cryptography"),
    }
}

#[test]
fn a_key_others_can_read_is_refused_and_a_moved_key_gets_a_hint() {
    let ws = cycle();
    let before = file_hash(&ws.db());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let key = ws.path("keys/signing-key.pem");
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
        let refused = ws.fails(["certificates", "issue", "--session", S1]);
        assert!(refused.stderr.contains("chmod 600"), "{}", refused.stderr);
        assert_eq!(file_hash(&ws.db()), before);
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
        let person = ws.path("keys/person-key.txt");
        std::fs::set_permissions(&person, std::fs::Permissions::from_mode(0o640)).unwrap();
        let refused = ws.fails(["certificates", "issue", "--session", S1]);
        assert!(refused.stderr.contains("chmod 600") && refused.stderr.contains("个人信息密钥"), "{}", refused.stderr);
        std::fs::set_permissions(&person, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    std::fs::rename(ws.path("keys"), ws.path("moved-keys")).unwrap();
    let refused = ws.fails(["certificates", "issue", "--session", S1]);
    assert!(
        refused.stderr.contains("--key") && refused.stderr.contains("config set signing-key"),
        "{}",
        refused.stderr
    );
    assert_eq!(file_hash(&ws.db()), before);
    ws.ok(["config", "set", "signing-key", "moved-keys/signing-key.pem"]);
    ws.ok(["config", "set", "person-key", "moved-keys/person-key.txt"]);
    assert!(!ws.json(["certificates", "issue", "--session", S1])["certificates"].as_array().unwrap().is_empty());
    // A wrong file as a key is refused when set, not when first used.
    ws.write("not-a-key.txt", "hello");
    let refused = ws.fails(["config", "set", "person-key", "not-a-key.txt"]);
    assert!(refused.stderr.contains("个人信息密钥"), "{}", refused.stderr);
}

#[test]
fn cert_number_format_is_a_validated_setting() {
    let ws = cycle();
    ws.ok(["config", "set", "cert-number-format", "{org}-{yyyy}-{level}-{serial6}"]);
    assert_eq!(ws.json(["config", "get"])["cert-number-format"], "{org}-{yyyy}-{level}-{serial6}");
    assert!(ws.ok(["config", "get"]).stdout.contains("cert-number-format"));
    let issued = ws.json(["certificates", "issue", "--session", S1]);
    let number = issued["certificates"][0]["number"].as_str().unwrap();
    assert!(number.starts_with("0001-") && number.ends_with("-4-000001"), "{number}");
    let before = file_hash(&ws.db());
    for (layout, why) in
        [("{org}-{serial6}", "年份"), ("{org}-{yyyy}-{serial6}", "等级"), ("{org}-{yyyy}-{level}-{seq}", "seq")]
    {
        let refused = ws.fails(["config", "set", "cert-number-format", layout]);
        assert!(refused.stderr.contains(why), "{layout}: {}", refused.stderr);
    }
    assert_eq!(file_hash(&ws.db()), before);
}

#[test]
fn a_corrected_id_number_does_not_open_a_way_to_a_second_certificate() {
    let ws = cycle();
    let issued = ws.json(["certificates", "issue", "--session", S1]);
    let cert = &issued["certificates"][0];
    let (number, exam_no) = (cert["number"].as_str().unwrap().to_owned(), cert["exam_no"].as_str().unwrap().to_owned());
    let new_id = crate::support::valid_id(4242);
    ws.ok(["candidates", "update", "--session", S1, "--exam-no", &exam_no, "--id-number", &new_id, "--reason", "录错"]);
    let again = ws.json(["certificates", "issue", "--session", S1]);
    assert_eq!(again["certificates"].as_array().unwrap().len(), 0, "{again}");
    let said = ws.ok(["certificates", "issue", "--session", S1]).stdout;
    assert!(said.contains("certificates reissue") && said.contains(&number), "{said}");
    let db = rusqlite::Connection::open(ws.db()).unwrap();
    let valid: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM certificates WHERE session_id = ?1 AND exam_no = ?2 AND status = 'valid'",
            [S1, exam_no.as_str()],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(valid, 1);
    drop(db);
    // The remedy signs the corrected ID number.
    let reissued = ws.json(["certificates", "reissue", &number, "--reason", "身份证号更正"]);
    let new_number = reissued["certificates"][0]["number"].as_str().unwrap();
    let payload = ws.json(["certificates", "show", new_number])["payload"].as_str().unwrap().to_owned();
    assert!(payload.contains(&format!("id_masked={}********{}", &new_id[..6], &new_id[14..])), "{payload}");
}

#[test]
fn a_new_signing_key_is_refused_once_certificates_rest_on_the_old_one() {
    let ws = cycle();
    ws.ok(["certificates", "issue", "--session", S1]);
    let before = file_hash(&ws.db());
    let refused = ws.fails(["keys", "generate", "--out", "keys2"]);
    assert!(refused.stderr.contains("不能再生成新密钥"), "{}", refused.stderr);
    assert_eq!(file_hash(&ws.db()), before);
    assert!(!ws.path("keys2/signing-key.pem").exists(), "nothing written");
}

#[test]
fn a_verification_shows_what_was_signed_not_what_the_file_claims() {
    let (ws, offline, number) = offline_setup();
    let shown = ws.json(["certificates", "show", &number]);
    let signed_name = crate::support::payload_value(shown["payload"].as_str().unwrap(), "name");
    let mut edited = shown.clone();
    edited["name"] = "别人".into();
    offline.write("cert.json", edited.to_string());
    let (code, verdict) = verdict_of(&offline, &["--file", "cert.json", "--public-key", "pub.pem"]);
    assert_eq!(code, Some(0));
    assert_eq!(verdict["certificate"]["name"], signed_name.as_str());
    let text = offline.ok(["verify", "--file", "cert.json", "--public-key", "pub.pem"]).stdout;
    assert!(text.contains(&format!("持证人 {signed_name}")) && !text.contains("别人"), "{text}");
}
