//! Embeds the bundled question bank (question-banks/items/*.toml) into the binary, so
//! `certify init` works from any directory.

use std::path::Path;

fn main() {
    let dir = Path::new("question-banks/items");
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
    let mut code = String::from(
        "/// (file name, contents) of each bundled bank file, in name order.\npub static FILES: &[(&str, &str)] = &[\n",
    );
    for path in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        let absolute = std::fs::canonicalize(path).expect("bank file path");
        let name = path.file_name().and_then(|n| n.to_str()).expect("UTF-8 file name");
        code.push_str(&format!("    ({name:?}, include_str!({:?})),\n", absolute.display().to_string()));
    }
    code.push_str("];\n");
    let out = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("bundled_bank.rs");
    std::fs::write(out, code).expect("write bundled_bank.rs");
}
