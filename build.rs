//! Embeds the bundled question bank (question-banks/items/*.toml) and practical rubrics
//! (question-banks/rubrics/*.toml) into the binary, so `certify init` works from any
//! directory.

use std::path::Path;

use anyhow::{Context, Result};

/// `pub static NAME: &[(&str, &str)]` listing (file name, contents) of `dir/*.toml`.
fn embed(dir: &str, name: &str) -> Result<String> {
    let dir = Path::new(dir);
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading the bundled folder {}", dir.display()))? {
        let path = entry.with_context(|| format!("listing {}", dir.display()))?.path();
        if path.extension().is_some_and(|e| e == "toml") {
            files.push(path);
        }
    }
    files.sort();
    let mut code = format!(
        "/// (file name, contents) of each bundled file in {}, in name order.\npub static {name}: &[(&str, &str)] = &[\n",
        dir.display()
    );
    for path in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        let absolute = std::fs::canonicalize(path).with_context(|| format!("resolving {}", path.display()))?;
        let file =
            path.file_name().and_then(|n| n.to_str()).with_context(|| format!("{} is not UTF-8", path.display()))?;
        code.push_str(&format!("    ({file:?}, include_str!({:?})),\n", absolute.display().to_string()));
    }
    code.push_str("];\n");
    Ok(code)
}

fn main() -> Result<()> {
    let code = embed("question-banks/items", "FILES")? + &embed("question-banks/rubrics", "RUBRIC_FILES")?;
    let out =
        Path::new(&std::env::var("OUT_DIR").context("cargo sets OUT_DIR for build scripts")?).join("bundled_bank.rs");
    std::fs::write(&out, code).with_context(|| format!("writing {}", out.display()))
}
