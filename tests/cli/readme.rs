//! The README's walkthrough for a new exam office, run line by line as written: what a
//! reader copies from it must work on a fresh copy of the repository's examples.

use std::path::Path;

use crate::support::Workspace;

/// The shell lines between the walkthrough markers of README.md.
fn walkthrough() -> Vec<String> {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let start = readme.find("<!-- walkthrough:start -->").expect("README marks its walkthrough");
    let end = readme.find("<!-- walkthrough:end -->").expect("the walkthrough ends");
    readme[start..end].lines().filter(|l| l.starts_with("certify ")).map(str::to_owned).collect()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn the_readme_walkthrough_runs_as_written() {
    let lines = walkthrough();
    assert!(lines.len() >= 20, "the walkthrough covers the whole exam: {lines:?}");
    let ws = Workspace::new();
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("examples"), &ws.path("examples"));
    let script = format!("set -euo pipefail\ncertify() {{ \"$CERTIFY\" \"$@\"; }}\n{}\n", lines.join("\n"));
    let output = std::process::Command::new("bash")
        .arg("-c")
        .arg(&script)
        .current_dir(ws.path("."))
        .env("CERTIFY", env!("CARGO_BIN_EXE_certify"))
        .env_remove("CERTIFY_DB")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    for made in
        ["certify.db", "考试材料/试卷", "考试材料/考务机密", "考试材料/准考证.html", "合格名单.xlsx", "试题分析.html"]
    {
        assert!(ws.path(made).exists(), "the walkthrough makes {made}");
    }
    assert!(stdout.contains("已签发"), "{stdout}");
}
