//! Messages an exam office understands: clap's help and usage errors in Chinese, and
//! operating-system errors told in Chinese with the path.

use crate::support::Workspace;

/// Words of clap's English output that must not reach users.
const ENGLISH: [&str; 10] = [
    "Usage",
    "Commands",
    "Options",
    "Arguments",
    "Print help",
    "Print version",
    "error:",
    "[default:",
    "[env:",
    "[possible values:",
];

fn no_english(text: &str) {
    for word in ENGLISH {
        assert!(!text.contains(word), "「{word}」 left in:\n{text}");
    }
}

#[test]
fn help_is_chinese_complete_and_exits_0() {
    let ws = Workspace::new();
    for args in [
        vec!["--help"],
        vec!["bank", "--help"],
        vec!["score", "theory", "--help"],
        vec!["help", "bank"],
        // A long flag help wraps right after "[default:".
        vec!["serve", "--help"],
        vec!["examiners", "add", "--help"],
    ] {
        let help = ws.ok(&args).stdout;
        no_english(&help);
        assert!(help.contains("用法：certify"), "{args:?}: {help}");
        assert!(help.contains("选项：") && help.contains("-h, --help") && help.contains("显示本帮助"), "{help}");
    }
    let root = ws.ok(["--help"]).stdout;
    assert!(root.contains("命令：") && root.contains("build-paper") && root.contains("-V, --version"), "{root}");
    let theory = ws.ok(["score", "theory", "--help"]).stdout;
    // Every flag keeps its help text.
    for expected in ["参数：", "<FILE>", "--session <ID>", "批次编号", "--replace", "--encoding", "--db", "--json"]
    {
        assert!(theory.contains(expected), "{expected} missing:\n{theory}");
    }
    assert!(ws.ok(["--version"]).stdout.starts_with("certify "));
}

#[test]
fn usage_errors_are_chinese_and_exit_2() {
    let ws = Workspace::new();
    let cases: [(&[&str], &str); 4] = [
        (&["bank", "list", "--domian", "feeding"], "不认识的参数「--domian」；是不是要写 --domain？"),
        (&["score", "theory", "answers.csv"], "缺少必填的参数：--session <ID>"),
        (&["bank", "list", "--status", "old"], "参数 --status <S> 的值「old」不对；可写：active、retired、all"),
        (&["bank"], "用法：certify bank [选项] <命令>"),
    ];
    for (args, expected) in cases {
        let output = ws.command(args).output().unwrap();
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        no_english(&stderr);
    }
    assert!(!ws.db().exists(), "a usage error creates no workspace");
}

#[test]
fn a_db_path_under_a_file_says_which_part_is_a_file() {
    let ws = Workspace::new();
    let file = ws.write("名单.txt", "not a folder");
    let db = file.join("certify.db");
    let failed = ws.fails(["init".as_ref(), "--db".as_ref(), db.as_os_str()]);
    assert!(failed.stderr.contains(&format!("{}: 无法新建工作区", db.display())), "{}", failed.stderr);
    assert!(failed.stderr.contains(&format!("路径中的 {} 是文件，不是文件夹", file.display())), "{}", failed.stderr);
    assert!(!failed.stderr.contains("os error"), "{}", failed.stderr);
}

#[test]
fn a_missing_input_file_is_named_in_chinese() {
    let ws = Workspace::empty();
    let failed = ws.fails(["score", "theory", "--session", "S1", "答卷.csv"]);
    assert!(
        failed.stderr.contains("答卷.csv: 无法读取文件：找不到这个文件或文件夹；请检查路径是否写对"),
        "{}",
        failed.stderr
    );
    let failed = ws.fails(["blueprint", "check", "no-such.toml"]);
    assert!(failed.stderr.contains("no-such.toml: 无法读取组卷方案：找不到这个文件或文件夹"), "{}", failed.stderr);
    assert!(!failed.stderr.contains("No such file"), "{}", failed.stderr);
}

#[test]
fn an_output_into_a_read_only_folder_says_permission_is_missing() {
    use std::os::unix::fs::PermissionsExt;
    let ws = Workspace::empty();
    let folder = ws.path("只读");
    std::fs::create_dir(&folder).unwrap();
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o500)).unwrap();
    // Root (as in some containers) writes anyway: there is no permission error to see.
    if std::fs::write(folder.join("probe"), "").is_ok() {
        eprintln!("skipped: this user can write into a 0o500 folder");
        return;
    }
    let out = folder.join("bank.toml");
    let failed = ws.fails(["bank".as_ref(), "export".as_ref(), "--out".as_ref(), out.as_os_str()]);
    assert!(failed.stderr.contains(&format!("{}: 无法写入文件：没有权限", out.display())), "{}", failed.stderr);
}
