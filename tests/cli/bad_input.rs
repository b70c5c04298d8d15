//! Issue 10, part 5: every bad input is refused with exit code 1, a message naming the
//! file (and row and column where there is one), and the workspace byte for byte as it
//! was before the command.

use std::ffi::OsStr;

use crate::support::{SMALL_TOML, Workspace, file_hash};

/// Runs `args`, expects exit 1 with every one of `expected` in stderr, and the
/// workspace unchanged; returns stderr for further checks.
fn refused<S: AsRef<OsStr>>(ws: &Workspace, args: &[S], expected: &[&str]) -> String {
    let before = file_hash(&ws.db());
    let failed = ws.fails(args);
    for text in expected {
        assert!(failed.stderr.contains(text), "expected «{text}» in:\n{}", failed.stderr);
    }
    assert_eq!(file_hash(&ws.db()), before, "a refused command changed the workspace");
    failed.stderr
}

/// `bank import` of one file written into the workspace folder.
fn import(ws: &Workspace, name: &str, contents: impl AsRef<[u8]>) -> Vec<std::ffi::OsString> {
    let path = ws.write(name, contents);
    vec!["bank".into(), "import".into(), path.into_os_string()]
}

const CSV_HEADER: &str = "编号,领域,题型,等级,难度,题干,选项A,选项B,选项C,选项D,答案\n";
const CSV_ROW: &str = "C-0001,营养喂养,单选,五级,易,测试：配方奶冲调时应先放（  ）。,奶粉,温开水,米粉,果汁,B\n";

#[test]
fn a_csv_row_cut_short_is_refused_with_its_field_count() {
    let ws = Workspace::empty();
    let cut = format!("{CSV_HEADER}{CSV_ROW}C-0002,卫生保健,单选,五级,易,测试：洗手\n");
    let args = import(&ws, "bank.csv", cut);
    refused(&ws, &args, &["bank.csv:3:", "第 3 行有 6 个字段，表头有 11 个"]);
}

#[test]
fn a_csv_row_with_extra_data_is_refused_but_trailing_empty_fields_are_tolerated() {
    let ws = Workspace::empty();
    let args = import(&ws, "bank.csv", format!("{CSV_HEADER}{}", CSV_ROW.replace('\n', ",多余\n")));
    refused(&ws, &args, &["bank.csv:2:", "第 2 行有 12 个字段，表头有 11 个"]);
    let args = import(&ws, "bank.csv", format!("{CSV_HEADER}{}", CSV_ROW.replace('\n', ",,\n")));
    ws.ok(&args);
}

#[test]
fn an_unterminated_csv_quote_is_reported_at_the_row_it_opened() {
    let ws = Workspace::empty();
    let open = format!(
        "{CSV_HEADER}{CSV_ROW}C-0002,卫生保健,单选,五级,易,\"测试：洗手的步骤,七步,六步,五步,四步,A\n{}",
        CSV_ROW.replace("C-0001", "C-0003")
    );
    let args = import(&ws, "bank.csv", open);
    let stderr = refused(&ws, &args, &["bank.csv:3:", "引号", "没有配对"]);
    assert!(!stderr.contains("选项"), "{stderr}");
}

#[test]
fn a_nul_in_a_csv_cell_is_refused_at_its_row_and_column() {
    let ws = Workspace::empty();
    let args = import(&ws, "bank.csv", format!("{CSV_HEADER}{}", CSV_ROW.replace("奶粉", "奶\0粉")));
    refused(&ws, &args, &["bank.csv:2:G:", "U+0000", "NUL"]);
}

#[test]
fn a_nul_escape_in_toml_is_refused_at_its_line_and_key() {
    let ws = Workspace::empty();
    let args =
        import(&ws, "bank.toml", SMALL_TOML.replace("满6月龄\"", "满6月龄\\u0000\"").replace("盲目", "盲\\u0007目"));
    refused(&ws, &args, &["bank.toml:9:options: ", "U+0000", "bank.toml:21:stem: ", "U+0007"]);
}

#[test]
fn an_answer_sheet_file_cut_mid_row_is_refused_not_scored() {
    use crate::sessions::{SESSION, ready};
    let (ws, papers) = ready(2);
    let paper = papers[0]["id"].as_str().unwrap();
    let n = papers[0]["items"].as_array().unwrap().len();
    let header: Vec<String> = (1..=n).map(|q| q.to_string()).collect();
    let full = vec!["A"; n].join(",");
    let cut = vec!["A"; n / 2].join(",");
    let file = format!("准考证号,试卷,{}\nE001,{paper},{full}\nE002,{paper},{cut}", header.join(","));
    ws.write("responses.csv", file);
    let row = format!("第 3 行有 {} 个字段，表头有 {} 个", 2 + n / 2, 2 + n);
    refused(&ws, &["score", "theory", "--session", SESSION, "responses.csv"], &["responses.csv:3:", &row]);
}

#[test]
fn a_grade_entry_file_with_a_cut_row_a_control_character_or_a_two_line_examiner_is_refused() {
    use crate::practical::{HEADER, SESSION, drawn, tasks};
    let ws = drawn(1);
    let care = tasks(&ws, "E001")[0].clone();
    ws.write("cut.csv", format!("{HEADER}E001,{care},甲,1.1,1,\nE001,{care},甲\n"));
    refused(
        &ws,
        &["grade", "import", "--session", SESSION, "cut.csv"],
        &["cut.csv:3:", "第 3 行有 3 个字段，表头有 6 个"],
    );
    ws.write("nul.csv", format!("{HEADER}E001,{care},甲\u{1}乙,1.1,1,\n"));
    refused(&ws, &["grade", "import", "--session", SESSION, "nul.csv"], &["nul.csv:2:C:", "U+0001"]);
    ws.write("lines.csv", format!("{HEADER}E001,{care},\"甲\n乙\",1.1,1,\n"));
    refused(&ws, &["grade", "import", "--session", SESSION, "lines.csv"], &["lines.csv:2:C: 考评员姓名中有换行符"]);
}

#[test]
fn an_xlsx_formula_without_a_saved_result_is_reported_as_a_formula() {
    let ws = Workspace::empty();
    let path = ws.path("bank.xlsx");
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    // What a program (not Excel) writes: the formula, no calculated value.
    sheet.set_formula_result_default("");
    let header = ["id", "domain", "kind", "levels", "difficulty", "stem", "option_a", "option_b", "answer"];
    let row = ["F-1", "safety", "single", "五级", "easy", "", "对", "错", "A"];
    for (c, (h, v)) in header.iter().zip(row).enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
        if !v.is_empty() {
            sheet.write_string(1, c as u16, v).unwrap();
        }
    }
    sheet.write_formula(1, 5, "=CONCATENATE(\"测试：\",H2)").unwrap();
    workbook.save(&path).unwrap();
    let stderr = refused(
        &ws,
        &["bank".as_ref(), "import".as_ref(), path.as_os_str()],
        &["bank.xlsx:2:F:", "第 2 行 F 列是公式，没有保存计算结果", "数值"],
    );
    assert!(!stderr.contains("题干"), "{stderr}");
}

#[test]
fn infinite_or_negative_blueprint_numbers_are_refused_at_their_lines() {
    use crate::sessions::BLUEPRINT;
    let ws = Workspace::new();
    ws.ok(["init"]);
    let bad = BLUEPRINT
        .replace("count = 4\npoints = 1", "count = 4\npoints = inf")
        .replace("pass_mark = 8", "pass_mark = nan")
        .replace("feeding = 50", "feeding = -inf");
    ws.write("bp.toml", bad);
    for command in [&["blueprint", "check", "bp.toml"][..], &["build-paper", "--blueprint", "bp.toml"]] {
        refused(
            &ws,
            command,
            &[
                "bp.toml:7: points（每题分值）应是大于 0 的有限数，现在是 inf",
                "bp.toml:4: pass_mark",
                "NaN",
                "bp.toml:21:",
                "-inf",
            ],
        );
    }
}

#[test]
fn an_infinite_facility_in_a_csv_bank_is_refused_at_its_cell() {
    let ws = Workspace::empty();
    let header = CSV_HEADER.replace('\n', ",难度系数\n");
    let args = import(&ws, "bank.csv", format!("{header}{}", CSV_ROW.replace('\n', ",inf\n")));
    refused(&ws, &args, &["bank.csv:2:L:", "难度系数应是 0 到 1 之间"]);
}

#[test]
fn a_practical_plan_lists_every_problem_at_once() {
    let ws = Workspace::empty();
    ws.write(
        "plan.toml",
        "examiners_min = 4\ndiscrepancy = inf\npass_mark = -1\n\
         [[draw]]\ncategory = \"烹饪\"\ncount = 1\nweight = 50\n\
         [[draw]]\ncategory = \"学前\"\ncount = 1\nweight = inf\n",
    );
    let args =
        ["session", "create", "--id", "P1", "--level", "四级", "--date", "2026-12-05", "--practical", "plan.toml"];
    let stderr = refused(
        &ws,
        &args,
        &[
            "发现 5 处错误",
            "plan.toml:1: examiners_min",
            "plan.toml:2: discrepancy",
            "plan.toml:3: pass_mark",
            "plan.toml:4: 不认识的任务类别「烹饪」",
            "plan.toml:8: 学前 的 weight",
        ],
    );
    assert!(!stderr.contains("合计应为 100"), "{stderr}");
    assert_eq!(ws.json(["session", "list"])["sessions"].as_array().map(Vec::len), Some(0));
}

#[test]
fn infinite_or_negative_scores_are_refused_in_grade_files_and_arbitration() {
    use crate::practical::{HEADER, SESSION, drawn, tasks};
    let ws = drawn(1);
    let care = tasks(&ws, "E001")[0].clone();
    for (value, name) in [("inf", "inf.csv"), ("NaN", "nan.csv"), ("-3", "negative.csv")] {
        ws.write(name, format!("{HEADER}E001,{care},甲,1.1,{value},\n"));
        refused(&ws, &["grade", "import", "--session", SESSION, name], &[&format!("{name}:2:")]);
    }
    for score in ["inf", "NaN", "-1"] {
        let score = format!("--score={score}");
        let args = ["grade", "resolve", "--session", SESSION, "--candidate", "E001", "--task", &care, &score];
        let args: Vec<&str> = args.into_iter().chain(["--examiner", "主考", "--reason", "复核"]).collect();
        let stderr = refused(&ws, &args, &[]);
        assert!(stderr.contains("分"), "{stderr}");
    }
}

#[test]
fn a_rubric_with_infinite_or_negative_points_is_refused_at_its_line() {
    let ws = Workspace::empty();
    let rubric = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("question-banks/rubrics/CARE-BATH-01.toml"),
    )
    .unwrap();
    let first_points = rubric.lines().find(|l| l.trim_start().starts_with("points =")).unwrap().to_owned();
    for (value, name) in [("inf", "inf.toml"), ("nan", "nan.toml"), ("-5", "negative.toml")] {
        let edited = rubric.replacen(&first_points, &format!("points = {value}"), 1);
        let path = ws.write(name, edited);
        refused(
            &ws,
            &[std::ffi::OsString::from("rubric"), "import".into(), path.into_os_string()],
            &[&format!("{name}:"), "步骤 1.1 的分值"],
        );
    }
}

#[test]
fn an_excel_step_number_that_could_mean_another_step_is_refused() {
    let ws = Workspace::empty();
    let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/examples/rubrics");
    // The care rubric with a step 2.10 beside 2.1, as the bundled hand-washing sheet has.
    let care = std::fs::read_to_string(demo.join("rubric-demo-care.toml"))
        .unwrap()
        .replace("points = 60", "points = 50")
        .replace(
            "[[section]]\nname = \"职业素养与人文关怀\"",
            "[[section.step]]\nid = \"2.10\"\ntext = \"冲净泡沫，关闭水龙头\"\npoints = 10\nrule = \"未冲净扣5分\"\n\n\
             [[section]]\nname = \"职业素养与人文关怀\"",
        );
    ws.write("rubrics/care.toml", care);
    ws.write("rubrics/edu.toml", std::fs::read(demo.join("rubric-demo-edu.toml")).unwrap());
    ws.ok(["rubric", "import", "rubrics"]);
    ws.write("plan.toml", "examiners_min = 3\n[[draw]]\ncategory = \"护理\"\ncount = 1\nweight = 100\n");
    ws.ok(["session", "create", "--id", "X1", "--level", "五级", "--date", "2026-12-05", "--practical", "plan.toml"]);
    ws.write("c.csv", format!("准考证号,姓名,身份证号\nE001,考生甲,{}\n", crate::support::valid_id(1)));
    ws.ok(["candidates", "import", "--session", "X1", "c.csv"]);
    ws.ok(["practical", "draw", "--session", "X1", "--seed", "1"]);

    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (column, header) in ["准考证号", "任务", "考评员", "步骤", "得分"].iter().enumerate() {
        sheet.write_string(0, column as u16, *header).unwrap();
    }
    sheet.write_string(1, 0, "E001").unwrap();
    sheet.write_string(1, 1, "DEMO-CARE-01").unwrap();
    sheet.write_string(1, 2, "甲").unwrap();
    sheet.write_number(1, 3, 2.1).unwrap();
    sheet.write_number(1, 4, 40).unwrap();
    book.save(ws.path("grades.xlsx")).unwrap();
    refused(&ws, &["grade", "import", "--session", "X1", "grades.xlsx"], &["grades.xlsx:2:D", "2.10", "文本"]);
}

/// A workspace with session X1 (no candidates yet), for candidate-list tests.
fn with_session() -> Workspace {
    let ws = Workspace::empty();
    ws.ok(["session", "create", "--id", "X1", "--level", "五级", "--date", "2026-12-05"]);
    ws
}

/// Writes a workbook of one sheet: `header`, then rows written by `fill` (0-based rows).
fn workbook(ws: &Workspace, name: &str, header: &[&str], fill: impl FnOnce(&mut rust_xlsxwriter::Worksheet)) {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (column, text) in header.iter().enumerate() {
        sheet.write_string(0, column as u16, *text).unwrap();
    }
    fill(sheet);
    book.save(ws.path(name)).unwrap();
}

#[test]
fn excel_error_boolean_and_date_cells_are_not_taken_as_text() {
    use rust_xlsxwriter::{ExcelDateTime, Format, Formula};
    let ws = with_session();
    workbook(&ws, "c.xlsx", &["准考证号", "姓名", "身份证号", "培训机构"], |sheet| {
        for (row, exam_no) in ["E001", "E002", "E003"].iter().enumerate() {
            let row = row as u32 + 1;
            sheet.write_string(row, 0, *exam_no).unwrap();
            sheet.write_string(row, 1, format!("考生{row}")).unwrap();
            sheet.write_string(row, 2, crate::support::valid_id(row as usize)).unwrap();
            sheet.write_string(row, 3, "阳光培训").unwrap();
        }
        sheet.write_formula(1, 1, Formula::new("=1/0").set_result("#DIV/0!")).unwrap();
        sheet.write_boolean(2, 3, true).unwrap();
        let date = ExcelDateTime::from_ymd(2023, 2, 20).unwrap();
        sheet.write_datetime_with_format(3, 1, &date, &Format::new().set_num_format("yyyy-mm-dd")).unwrap();
    });
    let stderr = refused(
        &ws,
        &["candidates", "import", "--session", "X1", "c.xlsx"],
        &[
            "c.xlsx:2:B: 第 2 行 B 列是 Excel 错误值 #DIV/0!：请改正公式或改为数值/文字",
            "c.xlsx:3:D: 「培训机构」是逻辑值单元格",
            "c.xlsx:4:B: 「姓名」是日期单元格：请设为文本格式",
        ],
    );
    assert!(!stderr.contains("Div0") && !stderr.contains("45000") && !stderr.contains("姓名是空的"), "{stderr}");
    assert_eq!(ws.json(["candidates", "list", "--session", "X1"])["candidates"].as_array().map(Vec::len), Some(0));
}

#[test]
fn an_excel_error_is_refused_in_any_column_and_true_stays_a_judge_answer() {
    use rust_xlsxwriter::Formula;
    let ws = Workspace::empty();
    let header = ["id", "domain", "kind", "levels", "difficulty", "stem", "answer", "备注"];
    let row = ["J-1", "safety", "judge", "五级", "easy", "测试：婴儿睡觉时应仰卧。"];
    let write = |sheet: &mut rust_xlsxwriter::Worksheet| {
        for (c, v) in row.iter().enumerate() {
            sheet.write_string(1, c as u16, *v).unwrap();
        }
        sheet.write_boolean(1, 6, true).unwrap();
    };
    workbook(&ws, "error.xlsx", &header, |sheet| {
        write(sheet);
        sheet.write_formula(1, 7, Formula::new("=NA()").set_result("#N/A")).unwrap();
    });
    refused(&ws, &["bank", "import", "error.xlsx"], &["error.xlsx:2:H: 第 2 行 H 列是 Excel 错误值 #N/A"]);
    workbook(&ws, "stem.xlsx", &header, |sheet| {
        write(sheet);
        sheet.write_boolean(1, 5, false).unwrap();
    });
    refused(&ws, &["bank", "import", "stem.xlsx"], &["stem.xlsx:2:F: 「题干」是逻辑值单元格（Excel 显示为 FALSE）"]);
    workbook(&ws, "good.xlsx", &header, write);
    ws.ok(["bank", "import", "good.xlsx"]);
    assert_eq!(ws.json(["bank", "show", "J-1"])["answer"], "对");
}

#[test]
fn a_line_break_or_tab_in_a_one_line_field_is_refused_at_its_cell() {
    let ws = with_session();
    let (id1, id2) = (crate::support::valid_id(1), crate::support::valid_id(2));
    ws.write(
        "c.csv",
        format!("准考证号,姓名,身份证号,培训机构\nE001,\"张\n三\",{id1},甲\nE002,李四,{id2},阳光\t培训\n"),
    );
    refused(
        &ws,
        &["candidates", "import", "--session", "X1", "c.csv"],
        &["c.csv:2:B: 姓名中有换行符", "c.csv:3:D: 培训机构中有制表符"],
    );
    workbook(&ws, "c.xlsx", &["准考证号", "姓名", "身份证号"], |sheet| {
        sheet.write_string(1, 0, "E0\n01").unwrap();
        sheet.write_string(1, 1, "张三").unwrap();
        sheet.write_string(1, 2, &id1).unwrap();
    });
    refused(&ws, &["candidates", "import", "--session", "X1", "c.xlsx"], &["c.xlsx:2:A: 准考证号中有换行符"]);
    // TOML ids too; a stem keeps its line breaks.
    let toml = SMALL_TOML.replacen("id = \"T-0001\"", "id = \"T-00\\n01\"", 1);
    assert_ne!(toml, SMALL_TOML);
    let stderr = refused(&ws, &import(&ws, "bank.toml", toml), &["bank.toml:", "id: 编号中有换行符"]);
    assert!(!stderr.contains("题干"), "{stderr}");
    let multi_line_stem = SMALL_TOML.replacen("stem = \"", "stem = \"第一行\\n", 1);
    ws.ok(import(&ws, "bank.toml", multi_line_stem));
}

#[test]
fn control_characters_in_command_line_text_are_refused_naming_the_flag() {
    let ws = with_session();
    ws.write("c.csv", format!("准考证号,姓名,身份证号\nE001,张三,{}\n", crate::support::valid_id(1)));
    ws.ok(["candidates", "import", "--session", "X1", "c.csv"]);
    let update = ["candidates", "update", "--session", "X1", "--exam-no", "E001"];
    let with = |extra: &[&str]| -> Vec<String> { update.iter().chain(extra).map(|s| s.to_string()).collect() };
    refused(&ws, &with(&["--name", "张\n三", "--reason", "更正"]), &["参数 --name <TEXT> 中有换行符"]);
    refused(&ws, &with(&["--school", "阳光\t培训", "--reason", "更正"]), &["参数 --school <TEXT> 中有制表符"]);
    refused(&ws, &with(&["--name", "张三丰", "--reason", "更\u{7}正"]), &["参数 --reason <TEXT>", "U+0007"]);
    refused(&ws, &with(&["--id-number", "1\u{1}", "--reason", "更正"]), &["参数 --id-number", "U+0001"]);
    let create = ["session", "create", "--id", "X2", "--level", "五级", "--date", "2026-12-05"];
    let site: Vec<&str> = create.iter().copied().chain(["--site", "一号\n考点"]).collect();
    refused(&ws, &site, &["参数 --site <TEXT> 中有换行符"]);
    let name: Vec<&str> = create.iter().copied().chain(["--name", "十二月\u{1b}批"]).collect();
    refused(&ws, &name, &["参数 --name <TEXT>", "U+001B"]);
    // A reason may run over several lines.
    ws.ok(with(&["--name", "张三丰", "--reason", "身份证复印件\n与名单不符"]));
}

#[test]
fn verify_reads_files_with_a_bom_or_in_utf16_and_refuses_empty_or_doubled_ones() {
    use crate::trust::{S1, cycle};
    let ws = cycle();
    let issued = ws.json(["certificates", "issue", "--session", S1]);
    let number = issued["certificates"][0]["number"].as_str().unwrap().to_owned();
    let file = ws.ok(["--json", "certificates", "show", &number]).stdout;
    ws.ok(["certificates", "revocations", "--out", "rl.json"]);
    let list = std::fs::read_to_string(ws.path("rl.json")).unwrap();
    let utf16 = |text: &str, bom: [u8; 2], unit: fn(u16) -> [u8; 2]| -> Vec<u8> {
        bom.into_iter().chain(text.encode_utf16().flat_map(unit)).collect()
    };
    let verify =
        ["verify", "--file", "cert.json", "--public-key", "keys/signing-key.pub.pem", "--revocations", "rl.json"];
    for (cert, revocations) in [
        (
            [b"\xEF\xBB\xBF".as_slice(), file.as_bytes()].concat(),
            [b"\xEF\xBB\xBF".as_slice(), list.as_bytes()].concat(),
        ),
        (utf16(&file, [0xFF, 0xFE], u16::to_le_bytes), utf16(&list, [0xFE, 0xFF], u16::to_be_bytes)),
    ] {
        ws.write("cert.json", cert);
        ws.write("rl.json", revocations);
        assert_eq!(ws.json(verify)["valid"], true);
    }
    ws.write("rl.json", list.as_bytes());
    ws.write("cert.json", "");
    refused(&ws, &verify, &["cert.json: 证书文件是空的"]);
    let value: serde_json::Value = serde_json::from_str(&file).unwrap();
    let doubled = file.trim_end().trim_end_matches('}').to_owned() + &format!(", \"payload\": {}}}", value["payload"]);
    ws.write("cert.json", doubled);
    refused(&ws, &verify, &["cert.json: 证书文件中 payload 出现了两次"]);
    ws.write("cert.json", file.as_bytes());
    ws.write("rl.json", "\u{feff}");
    refused(&ws, &verify, &["rl.json: 撤销名单是空的"]);
}
