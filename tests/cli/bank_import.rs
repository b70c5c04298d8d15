//! `bank import`: formats, encodings, validation, atomicity and versioning.

use crate::support::{SMALL_TOML, Workspace, file_hash};

const CSV_HEADER: &str = "编号,领域,题型,等级,难度,题干,选项A,选项B,选项C,选项D,答案,解析,出处\n";

fn csv_rows() -> String {
    format!(
        "{CSV_HEADER}\
         C-0001,营养喂养,单选,五级；初级,易,测试：配方奶冲调时应先放（  ）。,奶粉,温开水,米粉,果汁,B,先放水后放粉。,《托育机构婴幼儿喂养与营养指南（试行）》\n\
         C-0002,卫生保健,判断,四级,中,测试：七步洗手法每一步都要搓揉到位。,,,,,√,洗手要充分。,《托儿所幼儿园卫生保健工作规范》\n"
    )
}

#[test]
fn toml_import_reports_per_file_and_stores_every_kind() {
    let ws = Workspace::empty();
    let file = ws.write("bank.toml", SMALL_TOML);
    let report = ws.json(["bank".as_ref(), "import".as_ref(), file.as_os_str()]);
    assert_eq!(report["added"], 3);
    assert_eq!(report["files"][0]["added"], 3);
    let item = ws.json(["bank", "show", "T-0002"]);
    assert_eq!(item["domain"], "safety");
    assert_eq!(item["kind"], "judge");
    assert_eq!(item["difficulty"], "medium");
    assert_eq!(item["answer"], "错");
    assert_eq!(ws.json(["bank", "show", "T-0003"])["enemies"][0], "T-0001");
}

#[test]
fn csv_in_utf8_with_bom_and_in_gbk_give_the_same_items() {
    let plain = Workspace::empty();
    let path = plain.write("bank.csv", csv_rows());
    assert_eq!(plain.json(["bank".as_ref(), "import".as_ref(), path.as_os_str()])["added"], 2);

    let bom = Workspace::empty();
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(csv_rows().as_bytes());
    let path = bom.write("bank.csv", bytes);
    assert_eq!(bom.json(["bank".as_ref(), "import".as_ref(), path.as_os_str()])["added"], 2);

    let gbk = Workspace::empty();
    let rows = csv_rows();
    let (encoded, _, unmappable) = encoding_rs::GBK.encode(&rows);
    assert!(!unmappable);
    let path = gbk.write("bank.csv", encoded.as_ref());
    assert_eq!(gbk.json(["bank".as_ref(), "import".as_ref(), path.as_os_str()])["added"], 2);

    let versions: Vec<_> = [&plain, &bom, &gbk]
        .iter()
        .map(|ws| ws.json(["bank", "show", "C-0001"])["version"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(versions[0], versions[1]);
    assert_eq!(versions[0], versions[2]);
    assert_eq!(gbk.json(["bank", "show", "C-0002"])["answer"], "对");
}

#[test]
fn gbk_csv_forced_as_utf8_is_refused_with_its_row() {
    let ws = Workspace::empty();
    let rows = csv_rows();
    let (encoded, _, _) = encoding_rs::GBK.encode(&rows);
    let path = ws.write("bank.csv", encoded.as_ref());
    let failed =
        ws.fails(["bank".as_ref(), "import".as_ref(), path.as_os_str(), "--encoding".as_ref(), "utf-8".as_ref()]);
    assert!(failed.stderr.contains("bank.csv:1:"), "{}", failed.stderr);
    assert!(failed.stderr.contains("--encoding gbk"), "{}", failed.stderr);
}

fn write_xlsx(path: &std::path::Path, rows: &[Vec<Cell>]) {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("题库").unwrap();
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            match cell {
                Cell::T(text) => sheet.write_string(r as u32, c as u16, *text).unwrap(),
                Cell::N(x) => sheet.write_number(r as u32, c as u16, *x).unwrap(),
            };
        }
    }
    workbook.save(path).unwrap();
}

enum Cell {
    T(&'static str),
    N(f64),
}
use Cell::{N, T};

fn xlsx_header() -> Vec<Cell> {
    // English headers in another order: both languages and any order are accepted.
    ["kind", "id", "domain", "levels", "difficulty", "stem", "option_a", "option_b", "option_c", "answer"]
        .into_iter()
        .map(T)
        .collect()
}

#[test]
fn xlsx_made_in_the_test_imports() {
    let ws = Workspace::empty();
    let path = ws.path("bank.xlsx");
    write_xlsx(
        &path,
        &[
            xlsx_header(),
            vec![
                T("multiple"),
                T("X-1"),
                T("safety"),
                T("五级、初级"),
                T("hard"),
                T("测试：烫伤后正确的做法有（  ）。"),
                T("立即用流动冷水冲洗"),
                T("涂牙膏"),
                T("尽快就医"),
                T("AC"),
            ],
            vec![
                T("single"),
                T("X-2"),
                T("development"),
                T("三级"),
                T("medium"),
                T("测试：选项可以是数字（  ）。"),
                N(6.0),
                N(12.0),
                N(18.0),
                T("a"),
            ],
        ],
    );
    let report = ws.json(["bank".as_ref(), "import".as_ref(), path.as_os_str()]);
    assert_eq!(report["added"], 2);
    let item = ws.json(["bank", "show", "X-2"]);
    assert_eq!(item["options"], serde_json::json!(["6", "12", "18"]));
    assert_eq!(item["answer"], "A");
}

#[test]
fn xlsx_numeric_id_is_an_error_that_says_to_format_as_text() {
    let ws = Workspace::empty();
    let path = ws.path("bank.xlsx");
    write_xlsx(
        &path,
        &[
            xlsx_header(),
            vec![
                T("single"),
                N(110105.0),
                T("safety"),
                T("五级"),
                T("easy"),
                T("测试题干（  ）。"),
                T("甲"),
                T("乙"),
                T("丙"),
                T("A"),
            ],
        ],
    );
    let before = file_hash(&ws.db());
    let failed = ws.fails(["bank".as_ref(), "import".as_ref(), path.as_os_str()]);
    assert!(failed.stderr.contains("bank.xlsx:2:B:"), "{}", failed.stderr);
    assert!(failed.stderr.contains("文本"), "{}", failed.stderr);
    assert_eq!(file_hash(&ws.db()), before);
}

#[test]
fn every_bad_row_is_reported_and_the_database_is_left_byte_identical() {
    let ws = Workspace::empty();
    let good = ws.write("good.toml", SMALL_TOML);
    ws.ok(["bank".as_ref(), "import".as_ref(), good.as_os_str()]);
    let bad = ws.write(
        "bad.csv",
        format!(
            "{CSV_HEADER}\
             B-1,营养喂养,单选,五级,易,答案超出选项（  ）。,甲,乙,丙,丁,E,,\n\
             B-2,烹饪,单选,五级,易,领域不认识（  ）。,甲,乙,丙,丁,A,,\n\
             B-3,营养喂养,多选,五级,易,多选只有一个答案（  ）。,甲,乙,丙,丁,A,,\n\
             B-4,营养喂养,判断,五级,易,判断题带了选项。,甲,乙,,,对,,\n\
             B-5,营养喂养,单选,九级,易,等级不认识（  ）。,甲,乙,丙,丁,A,,\n\
             B-6,营养喂养,单选,五级,超难,难度不认识（  ）。,甲,乙,丙,丁,A,,\n\
             B-7,营养喂养,单选,五级,易,,甲,乙,丙,丁,A,,\n\
             B-8,营养喂养,单选,五级,易,只有一个选项（  ）。,甲,,,,A,,\n\
             B-9,营养喂养,单选,五级,易,单选两个答案（  ）。,甲,乙,丙,丁,AB,,\n\
             B-9,营养喂养,单选,五级,易,编号重复（  ）。,甲,乙,丙,丁,A,,\n\
             ,营养喂养,单选,五级,易,没有编号（  ）。,甲,乙,丙,丁,A,,\n\
             B-12,营养喂养,判断,五级,易,判断答案不对。,,,,,B,,\n\
             B-13,营养喂养,单选,五级,易,选项有空缺（  ）。,甲,,丙,丁,A,,\n"
        ),
    );
    let before = file_hash(&ws.db());
    let failed = ws.fails(["bank".as_ref(), "import".as_ref(), bad.as_os_str()]);
    let expect = [
        ("bad.csv:2:K:", "超出选项范围"),
        ("bad.csv:3:B:", "不认识的领域"),
        ("bad.csv:4:K:", "至少要有两个"),
        ("bad.csv:5:G:", "判断题不应有选项"),
        ("bad.csv:6:D:", "不认识的等级"),
        ("bad.csv:7:E:", "不认识的难度"),
        ("bad.csv:8", "缺少「题干」"),
        ("bad.csv:9:G:", "2 到 6 个选项"),
        ("bad.csv:10:K:", "单选题只能有一个答案"),
        ("bad.csv:11:", "重复"),
        ("bad.csv:12", "缺少「编号」"),
        ("bad.csv:13:K:", "判断题的答案"),
        ("bad.csv:14:I:", "选项B 是空的"),
    ];
    for (location, message) in expect {
        assert!(
            failed.stderr.lines().any(|line| line.contains(location) && line.contains(message)),
            "expected {location} … {message} in:\n{}",
            failed.stderr
        );
    }
    assert!(failed.stderr.contains("没有写入任何内容"));
    let summary = failed.stderr.lines().find(|l| l.contains("bad.csv") && !l.contains(": ")).expect("per-file summary");
    assert!(summary.trim_end().ends_with(" 13"), "13 rows rejected: {summary}");
    assert_eq!(file_hash(&ws.db()), before, "a failed import must leave the database unchanged");
    assert_eq!(ws.json(["bank", "stats"])["total"], 3);
}

#[test]
fn enemies_must_name_an_item_and_toml_errors_name_their_line() {
    let ws = Workspace::empty();
    let path = ws.write("bad.toml", SMALL_TOML.replace("enemies = [\"T-0001\"]", "enemies = [\"T-9999\"]"));
    let failed = ws.fails(["bank".as_ref(), "import".as_ref(), path.as_os_str()]);
    assert!(failed.stderr.contains("T-9999"), "{}", failed.stderr);
    assert!(failed.stderr.contains("bad.toml:"), "{}", failed.stderr);

    let path = ws.write("broken.toml", "[[item]]\nid = \"A\nstem = 1\n");
    let failed = ws.fails(["bank".as_ref(), "import".as_ref(), path.as_os_str()]);
    assert!(failed.stderr.contains("broken.toml:2: TOML 格式错误"), "{}", failed.stderr);

    let path = ws.write("wrong.toml", SMALL_TOML.replace("answer = \"B\"", "answer = \"F\""));
    let failed = ws.fails(["bank".as_ref(), "import".as_ref(), path.as_os_str()]);
    assert!(failed.stderr.contains("wrong.toml:10:answer:"), "{}", failed.stderr);
}

#[test]
fn reimport_is_a_no_op_and_a_change_makes_a_new_version_keeping_the_old() {
    let ws = Workspace::empty();
    let path = ws.write("bank.toml", SMALL_TOML);
    ws.ok(["bank".as_ref(), "import".as_ref(), path.as_os_str()]);
    let before = ws.json(["bank", "show", "T-0001"]);

    let again = ws.json(["bank".as_ref(), "import".as_ref(), path.as_os_str()]);
    assert_eq!(
        (again["added"].as_u64(), again["new_versions"].as_u64(), again["unchanged"].as_u64()),
        (Some(0), Some(0), Some(3))
    );
    assert_eq!(ws.json(["bank", "show", "T-0001"])["versions"], before["versions"]);

    let changed = ws.write("bank.toml", SMALL_TOML.replace("满6月龄\", \"满8月龄", "满6月龄\", \"满9月龄"));
    let report = ws.json(["bank".as_ref(), "import".as_ref(), changed.as_os_str()]);
    assert_eq!(report["new_versions"], 1);
    assert_eq!(report["unchanged"], 2);
    let after = ws.json(["bank", "show", "T-0001"]);
    let versions = after["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[1]["current"], true);
    assert_ne!(after["version"], before["version"]);
    assert_eq!(after["options"][2], "满9月龄");

    // The old version is still there, word for word.
    let old_version = before["version"].as_str().unwrap();
    let old = ws.json(["bank", "show", "T-0001", "--version", old_version]);
    assert_eq!(old["options"][2], "满8月龄");
    assert_eq!(old["current"], false);
}

#[test]
fn dry_run_checks_and_writes_nothing() {
    let ws = Workspace::empty();
    let path = ws.write("bank.toml", SMALL_TOML);
    let before = file_hash(&ws.db());
    let report = ws.json(["bank".as_ref(), "import".as_ref(), path.as_os_str(), "--dry-run".as_ref()]);
    assert_eq!(report["added"], 3);
    assert_eq!(report["dry_run"], true);
    assert_eq!(file_hash(&ws.db()), before);
    assert_eq!(ws.json(["bank", "stats"])["total"], 0);

    let fresh = Workspace::new();
    let path = fresh.write("bank.toml", SMALL_TOML);
    fresh.ok(["bank".as_ref(), "import".as_ref(), path.as_os_str(), "--dry-run".as_ref()]);
    assert!(!fresh.db().exists(), "a dry run must not create a workspace");
}

#[test]
fn folders_are_walked_recursively_and_near_duplicates_are_warnings() {
    let ws = Workspace::empty();
    ws.write("banks/a/one.toml", SMALL_TOML);
    ws.write(
        "banks/b/two.csv",
        format!("{CSV_HEADER}D-1,营养喂养,单选,五级,易,测试题：婴儿开始添加辅食的适宜月龄是？,满4月龄,满6月龄,满8月龄,满12月龄,B,,\n"),
    );
    ws.write("banks/notes.md", "ignored");
    let finished = ws.ok(["bank", "import", "banks", "--json"]);
    let report = finished.json();
    assert_eq!(report["added"], 4);
    assert_eq!(report["files"].as_array().unwrap().len(), 2);
    assert!(finished.stderr.contains("几乎相同"), "{}", finished.stderr);
    assert!(finished.stderr.contains("T-0001"), "{}", finished.stderr);
}

#[test]
fn missing_files_and_unknown_formats_are_clear_errors() {
    let ws = Workspace::empty();
    let failed = ws.fails(["bank", "import", "nope.csv"]);
    assert!(failed.stderr.contains("nope.csv") && failed.stderr.contains("找不到"), "{}", failed.stderr);
    ws.write("bank.xls", "old");
    let failed = ws.fails(["bank", "import", "bank.xls"]);
    assert!(failed.stderr.contains(".xlsx"), "{}", failed.stderr);
}

#[test]
fn the_example_bank_imports_identically_from_every_format() {
    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/banks");
    let mut versions = Vec::new();
    for file in ["sample.toml", "sample.csv", "sample-gbk.csv", "sample.xlsx"] {
        let ws = Workspace::empty();
        let path = examples.join(file);
        let report = ws.json(["bank".as_ref(), "import".as_ref(), path.as_os_str()]);
        assert_eq!(report["added"], 7, "{file}");
        let listed = ws.json(["bank", "list"]);
        let mut ids_and_versions: Vec<(String, String)> = listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| (i["id"].as_str().unwrap().to_owned(), i["version"].as_str().unwrap().to_owned()))
            .collect();
        ids_and_versions.sort();
        versions.push(ids_and_versions);
    }
    assert!(versions.windows(2).all(|w| w[0] == w[1]), "formats disagree: {versions:?}");
}
