//! HTML to PDF through Debian's headless Chromium (`chromium-headless-shell`, or the full
//! `chromium`), with Chinese fonts from `fonts-noto-cjk`.
//!
//! Guarantees: a missing browser is a clear error naming the package to install, never
//! a crash; the browser runs with its own throw-away profile and no network chatter;
//! a PDF that was not written is an error, not a silent skip; while the browser works a
//! spinner on stderr names the file being printed (a long document takes a while).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::{Error, io_error};

/// Browsers tried in order; `CERTIFY_CHROMIUM` overrides them.
const BROWSERS: [&str; 5] =
    ["chromium-headless-shell", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];

/// The browser to print with, if one is installed.
pub fn find_browser() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CERTIFY_CHROMIUM").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    let paths = std::env::var_os("PATH")?;
    BROWSERS.iter().find_map(|name| std::env::split_paths(&paths).map(|dir| dir.join(name)).find(|p| p.is_file()))
}

/// Prints `html` (a file) to `pdf`.
pub fn print(html: &Path, pdf: &Path) -> Result<(), Error> {
    let browser = find_browser().ok_or_else(|| {
        Error::user(
            "生成 PDF 需要 Chromium 浏览器，但没有找到。请安装：sudo apt-get install chromium-headless-shell fonts-noto-cjk \
             （或 chromium）；也可以去掉 --pdf，用浏览器打开 HTML 文件后打印。",
        )
    })?;
    let profile = tempfile::tempdir().map_err(|e| io_error(&std::env::temp_dir(), "无法为浏览器建立临时文件夹", &e))?;
    let html = std::fs::canonicalize(html).map_err(|e| io_error(html, "无法打开要打印的页面", &e))?;
    let url = format!("file://{}", html.display());
    let spinner = crate::output::spinner(format!("正在用 Chromium 生成 PDF：{}", pdf.display()));
    let output = Command::new(&browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--no-pdf-header-footer",
            "--run-all-compositor-stages-before-draw",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(url)
        .output()
        .map_err(|e| io_error(&browser, "无法启动浏览器", &e));
    spinner.finish_and_clear();
    let output = output?;
    let written = std::fs::metadata(pdf).map(|m| m.len() > 0).unwrap_or(false);
    if !output.status.success() || !written {
        let detail = String::from_utf8_lossy(&output.stderr);
        let detail = detail.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("");
        return Err(Error::user(format!("浏览器没能生成 {}（{}）", pdf.display(), detail.trim())));
    }
    Ok(())
}

/// Writes one document to `out`: the HTML itself for `.html`, or for `.pdf` the HTML in a
/// temporary file beside it, printed by the browser (which needs a file to open) and then
/// removed. Any other extension is refused before anything is written.
pub fn write_document(out: &Path, html: &str) -> Result<(), Error> {
    match extension(out)?.as_str() {
        "pdf" => {
            let dir = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
            std::fs::create_dir_all(dir).map_err(|e| io_error(dir, "无法建立输出文件夹", &e))?;
            let page = tempfile::Builder::new()
                .prefix(".certify-")
                .suffix(".html")
                .tempfile_in(dir)
                .map_err(|e| io_error(dir, "无法写入输出文件夹", &e))?;
            std::fs::write(page.path(), html).map_err(|e| io_error(page.path(), "无法写入临时页面", &e))?;
            print(page.path(), out)
        }
        _ => crate::spreadsheet::write_file_atomically(out, html.as_bytes()),
    }
}

/// `html` or `pdf`, from the name of an output file; anything else is refused with a reason.
pub fn extension(out: &Path) -> Result<String, Error> {
    let extension = out.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).unwrap_or_default();
    if extension == "html" || extension == "pdf" {
        Ok(extension)
    } else {
        Err(Error::user(format!("{}：输出文件应以 .pdf 或 .html 结尾（.pdf 用 Chromium 生成）", out.display())))
    }
}
