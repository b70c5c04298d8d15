//! Embeds the bundled question bank (question-banks/items/*.toml) and practical rubrics
//! (question-banks/rubrics/*.toml) into the binary, so `certify init` works from any
//! directory.

use std::path::Path;

/// `pub static NAME: &[(&str, &str)]` listing (file name, contents) of `dir/*.toml`.
fn embed(dir: &str, name: &str) -> String {
    let dir = Path::new(dir);
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "toml"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    let mut code = format!(
        "/// (file name, contents) of each bundled file in {}, in name order.\npub static {name}: &[(&str, &str)] = &[\n",
        dir.display()
    );
    for path in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        let absolute = std::fs::canonicalize(path).expect("bundled file path");
        let file = path.file_name().and_then(|n| n.to_str()).expect("UTF-8 file name");
        code.push_str(&format!("    ({file:?}, include_str!({:?})),\n", absolute.display().to_string()));
    }
    code.push_str("];\n");
    code
}

fn main() {
    let code = embed("question-banks/items", "FILES") + &embed("question-banks/rubrics", "RUBRIC_FILES");
    let out = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("bundled_bank.rs");
    std::fs::write(out, code).expect("write bundled_bank.rs");
}
