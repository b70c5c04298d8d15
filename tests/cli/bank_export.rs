//! `bank export`: every format reads back as a no-op.

use crate::support::{SMALL_TOML, Workspace};

fn round_trip(extension: &str) {
    let ws = Workspace::new();
    ws.ok(["init"]);
    ws.ok(["bank", "retire", "SAFE-0001", "--reason", "测试停用"]);
    let total = ws.json(["bank", "list", "--status", "all"])["items"].as_array().unwrap().len();

    let out = ws.path(&format!("export.{extension}"));
    let exported = ws.json(["bank".as_ref(), "export".as_ref(), "--out".as_ref(), out.as_os_str()]);
    assert_eq!(exported["items"].as_u64().unwrap() as usize, total);

    let report = ws.json(["bank".as_ref(), "import".as_ref(), out.as_os_str()]);
    assert_eq!(report["added"], 0, "{extension}");
    assert_eq!(report["new_versions"], 0, "{extension}: {report}");
    assert_eq!(report["unchanged"].as_u64().unwrap() as usize, total, "{extension}");
    assert_eq!(ws.json(["bank", "show", "SAFE-0001"])["status"], "retired");

    // And into an empty workspace, the exported file rebuilds the same versions.
    let other = Workspace::empty();
    other.ok(["bank".as_ref(), "import".as_ref(), out.as_os_str()]);
    for id in ["FEED-0001", "ETH-0010", "SAFE-0001"] {
        assert_eq!(
            other.json(["bank", "show", id])["version"],
            ws.json(["bank", "show", id])["version"],
            "{extension} {id}"
        );
    }
}

#[test]
fn toml_export_round_trips() {
    round_trip("toml");
}

#[test]
fn csv_export_round_trips_and_opens_in_excel() {
    round_trip("csv");
    let ws = Workspace::empty();
    ws.write("b.toml", SMALL_TOML);
    ws.ok(["bank", "import", "b.toml"]);
    ws.ok(["bank", "export", "--out", "b.csv"]);
    let bytes = std::fs::read(ws.path("b.csv")).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "Excel needs the BOM to read UTF-8");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert!(text.starts_with("编号,领域,题型,等级,难度,题干,选项A"), "{text}");
}

#[test]
fn xlsx_export_round_trips() {
    round_trip("xlsx");
}

#[test]
fn export_refuses_to_overwrite_and_unknown_extensions() {
    let ws = Workspace::empty();
    ws.write("taken.csv", "x");
    let failed = ws.fails(["bank", "export", "--out", "taken.csv"]);
    assert!(failed.stderr.contains("--force"), "{}", failed.stderr);
    assert_eq!(std::fs::read_to_string(ws.path("taken.csv")).unwrap(), "x");
    ws.ok(["bank", "export", "--out", "taken.csv", "--force"]);
    let failed = ws.fails(["bank", "export", "--out", "bank.json"]);
    assert!(failed.stderr.contains(".xlsx"), "{}", failed.stderr);
}
