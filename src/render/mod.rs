//! Human-facing documents, in Chinese: the question booklet (试卷), the answer sheet
//! (答题卡) and the key with explanations (答案与解析), as self-contained HTML with A4
//! print styles; PDF through headless Chromium (see [`pdf`]); and the pages of the exam
//! site's server (`serve_*.html`, see [`crate::server::pages`]).
//!
//! Guarantees: templates are built into the binary and registered by name with an
//! `.html` extension, so every value is HTML-escaped (a stem containing `<` prints as
//! text); documents are rendered from a stored paper only, so `build-paper` and
//! `paper render` give byte-identical files for the same exam-number width. Each paper
//! document names the folder it belongs in ([`CANDIDATE_FOLDER`] or [`KEY_FOLDER`]), so
//! no caller can put the key among what goes to the print shop.

pub mod charts;
pub mod pdf;

use std::sync::LazyLock;

use minijinja::Environment;
use serde::Serialize;

use crate::answer::OPTION_LETTERS;
use crate::db::PaperView;
use crate::error::Error;
use crate::import::format_number;
use crate::vocabulary::{Kind, Level};

static TEMPLATES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    for (name, source) in [
        ("style.css", include_str!("templates/style.css")),
        ("booklet.html", include_str!("templates/booklet.html")),
        ("answer_sheet.html", include_str!("templates/answer_sheet.html")),
        ("key.html", include_str!("templates/key.html")),
        ("certificate.html", include_str!("templates/certificate.html")),
        ("analysis.html", include_str!("templates/analysis.html")),
        ("tickets.html", include_str!("templates/tickets.html")),
        ("code_slips.html", include_str!("templates/code_slips.html")),
        ("sign_in.html", include_str!("templates/sign_in.html")),
        ("score_sheet.html", include_str!("templates/score_sheet.html")),
        ("serve_base.html", include_str!("templates/serve_base.html")),
        ("serve_login.html", include_str!("templates/serve_login.html")),
        ("serve_stations.html", include_str!("templates/serve_stations.html")),
        ("serve_queue.html", include_str!("templates/serve_queue.html")),
        ("serve_sheet.html", include_str!("templates/serve_sheet.html")),
        ("serve_board.html", include_str!("templates/serve_board.html")),
        ("serve_error.html", include_str!("templates/serve_error.html")),
        ("serve_exam.html", include_str!("templates/serve_exam.html")),
        ("serve_invigilator.html", include_str!("templates/serve_invigilator.html")),
    ] {
        env.add_template(name, source).expect("built-in template parses");
    }
    env
});

/// Where candidate-facing documents go: what a print shop may see.
pub const CANDIDATE_FOLDER: &str = "试卷";
/// Where the key goes: kept by the exam office, never handed to a print shop.
pub const KEY_FOLDER: &str = "考务机密";

/// The documents of one paper: (folder, file name, template).
pub const PAPER_DOCUMENTS: [(&str, &str, &str); 3] = [
    (CANDIDATE_FOLDER, "试卷.html", "booklet.html"),
    (CANDIDATE_FOLDER, "答题卡.html", "answer_sheet.html"),
    (KEY_FOLDER, "答案与解析.html", "key.html"),
];

/// Boxes for the exam number on the answer sheet when no session says otherwise.
pub const DEFAULT_EXAM_NO_DIGITS: usize = 12;

#[derive(Serialize)]
struct PrintOption {
    letter: char,
    text: String,
}

#[derive(Serialize)]
struct PrintItem {
    position: usize,
    stem: String,
    options: Vec<PrintOption>,
    /// One option per line when any is long.
    long_options: bool,
    answer_display: String,
    explanation: String,
    source: String,
    id: String,
    version: String,
    domain: &'static str,
    difficulty: &'static str,
}

#[derive(Serialize)]
struct PrintSection {
    number: &'static str,
    heading: &'static str,
    count: usize,
    points_each: String,
    points_total: String,
    instructions: String,
    scoring_note: &'static str,
    /// Questions per answer-sheet row: fewer when items have many options.
    per_row: usize,
    items: Vec<PrintItem>,
}

#[derive(Serialize)]
struct PrintPaper {
    id: String,
    form: String,
    title: String,
    scheme: &'static str,
    level: String,
    minutes: i64,
    total_points: String,
    pass_mark: String,
    item_count: usize,
    seed: i64,
    blueprint_hash: String,
    sections: Vec<PrintSection>,
    all_items: Vec<PrintItem>,
}

const SECTION_NUMBERS: [&str; 10] = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];

fn print_item(item: &crate::db::PaperItemView) -> PrintItem {
    let options: Vec<PrintOption> = item
        .printed_options()
        .into_iter()
        .zip(OPTION_LETTERS)
        .map(|(text, letter)| PrintOption { letter, text: text.to_owned() })
        .collect();
    let long_options = options.iter().any(|o| o.text.chars().count() > 16);
    let answer_display = match item.answer.as_str() {
        "对" => "√".to_owned(),
        "错" => "×".to_owned(),
        letters => letters.to_owned(),
    };
    PrintItem {
        position: item.position,
        stem: item.item.item.stem.clone(),
        options,
        long_options,
        answer_display,
        explanation: item.item.item.explanation.clone(),
        source: item.item.item.source.clone(),
        id: item.item.item.id.clone(),
        version: item.item.version.clone(),
        domain: item.item.item.domain.label(),
        difficulty: item.item.item.difficulty.label(),
    }
}

fn print_paper(paper: &PaperView) -> PrintPaper {
    let level = Level::parse(&paper.level);
    let sections = paper
        .sections
        .iter()
        .enumerate()
        .map(|(index, section)| {
            let kind = Kind::parse(&section.kind).unwrap_or(Kind::Single);
            let partial = section.scoring == "partial";
            let items: Vec<PrintItem> = paper.items.iter().filter(|i| i.section == index).map(print_item).collect();
            let instructions = match kind {
                Kind::Judge => "判断下列说法是否正确，正确的在答题卡上选「√」，错误的选「×」。".to_owned(),
                Kind::Single => "每题只有一个正确答案，请在答题卡上选出正确答案的字母。".to_owned(),
                Kind::Multiple => format!(
                    "每题有两个或两个以上正确答案，请在答题卡上选出全部正确答案的字母。{}",
                    if partial {
                        "少选且所选均正确得一半分，错选不得分。"
                    } else {
                        "多选、少选、错选均不得分。"
                    }
                ),
            };
            PrintSection {
                number: SECTION_NUMBERS.get(index).copied().unwrap_or("十"),
                heading: match kind {
                    Kind::Judge => "判断题",
                    Kind::Single => "单项选择题",
                    Kind::Multiple => "多项选择题",
                },
                count: items.len(),
                points_each: format_number(section.points),
                points_total: format_number(section.points * items.len() as f64),
                instructions,
                per_row: if items.iter().any(|i| i.options.len() > 5) { 3 } else { 4 },
                scoring_note: if kind == Kind::Multiple {
                    if partial { "少选得一半分，错选不得分" } else { "全部选对才得分" }
                } else {
                    ""
                },
                items,
            }
        })
        .collect();
    PrintPaper {
        id: paper.id.clone(),
        form: paper.form.clone(),
        title: paper.title.clone(),
        scheme: level.map(|l| l.scheme().label()).unwrap_or(""),
        level: paper.level.clone(),
        minutes: paper.minutes,
        total_points: format_number(paper.total_points),
        pass_mark: format_number(paper.pass_mark),
        item_count: paper.items.len(),
        seed: paper.seed,
        blueprint_hash: paper.blueprint_hash.clone(),
        sections,
        all_items: paper.items.iter().map(print_item).collect(),
    }
}

/// Renders one document of `paper` with the template `template`; the answer sheet gets
/// `exam_no_digits` boxes for the exam number.
pub fn render_paper(paper: &PaperView, template: &str, exam_no_digits: usize) -> Result<String, Error> {
    let context = minijinja::Value::from(minijinja::value::Serde(
        serde_json::json!({ "paper": print_paper(paper), "exam_no_digits": exam_no_digits }),
    ));
    render_document(template, &format!(" {template}"), context)
}

/// `paper.json` for online delivery: the paper with options in printed order and the key.
pub fn paper_json(paper: &PaperView) -> serde_json::Value {
    serde_json::json!({
        "format": "certify-paper-v1",
        "contains_key": true,
        "id": paper.id,
        "form": paper.form,
        "title": paper.title,
        "level": paper.level,
        "minutes": paper.minutes,
        "total_points": paper.total_points,
        "pass_mark": paper.pass_mark,
        "seed": paper.seed,
        "algorithm": paper.algorithm,
        "blueprint_hash": paper.blueprint_hash,
        "sections": paper.sections,
        "items": paper_items_json(paper),
    })
}

/// The items of a paper as the JSON contract lists them.
pub fn paper_items_json(paper: &PaperView) -> Vec<serde_json::Value> {
    paper
        .items
        .iter()
        .map(|i| {
            serde_json::json!({
                "position": i.position,
                "id": i.item.item.id,
                "version": i.item.version,
                "kind": i.item.item.kind.code(),
                "domain": i.item.item.domain.code(),
                "difficulty": i.item.item.difficulty.code(),
                "points": i.points,
                "scoring": i.scoring,
                "stem": i.item.item.stem,
                "options": i.printed_options(),
                "answer": i.answer,
            })
        })
        .collect()
}

/// A QR code holding `content`, as SVG markup (ours, built from no outside text but the
/// encoded bytes, so safe to embed).
pub fn qr_svg(content: &str, pixels: u32) -> Result<minijinja::Value, Error> {
    let svg = qrcode::QrCode::new(content.as_bytes())
        .map_err(|e| Error::user(format!("无法生成二维码：{e}")))?
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(pixels, pixels)
        .build();
    Ok(minijinja::Value::from_safe_string(svg))
}

/// What one certificate page shows: holder, level, scores, number, date, issuer, and a
/// QR code (SVG) holding the number, the payload's digest and the signature.
pub fn certificate_page(c: &crate::db::CertificateRow) -> Result<minijinja::Value, Error> {
    use crate::certificate;
    let field = |key: &str| certificate::payload_field(&c.payload, key).unwrap_or("").to_owned();
    Ok(minijinja::context! {
        c => minijinja::Value::from(minijinja::value::Serde(c)),
        name => field("name"),
        id_masked => crate::idcard::mask(&c.id_number),
        occupation => field("occupation"),
        theory => field("theory"),
        practical => field("practical"),
        issuer => field("issuer"),
        qr => qr_svg(&certificate::qr_content(&c.number, &c.payload, &c.signature), 200)?,
    })
}

/// The printable certificate pages (from [`certificate_page`]), one A4 page each.
pub fn render_certificates(pages: Vec<minijinja::Value>) -> Result<String, Error> {
    render_document("certificate.html", "证书页面", minijinja::context! { pages => pages })
}

/// The printable page of one certificate.
pub fn render_certificate(c: &crate::db::CertificateRow) -> Result<String, Error> {
    render_certificates(vec![certificate_page(c)?])
}

/// Renders the document template `template` (`what` names it in errors) with `context`.
pub fn render_document(template: &str, what: &str, context: minijinja::Value) -> Result<String, Error> {
    TEMPLATES
        .get_template(template)
        .and_then(|t| t.render(context))
        .map_err(|e| Error::user(format!("无法生成{what}：{e}")))
}

/// The item-analysis report: `data` for the tables, and the named SVG charts (built by
/// [`charts`] from escaped text, so embedded as markup).
pub fn render_report(data: &serde_json::Value, svgs: &[(&str, String)]) -> Result<String, Error> {
    let mut context: std::collections::BTreeMap<String, minijinja::Value> = std::collections::BTreeMap::new();
    context.insert("d".into(), minijinja::Value::from(minijinja::value::Serde(data)));
    for (name, svg) in svgs {
        context.insert((*name).to_owned(), minijinja::Value::from_safe_string(svg.clone()));
    }
    render_document("analysis.html", "分析报告", minijinja::Value::from(context))
}
