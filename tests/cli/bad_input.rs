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
fn a_grade_entry_file_with_a_cut_row_or_a_control_character_is_refused() {
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
