//! The SVG charts of the analysis report, drawn by hand so the report is one
//! self-contained file: a histogram, a scatter plot and a heat map.
//!
//! Guarantees: every text in a chart is XML-escaped; charts have fixed pixel sizes and
//! scale with the page (viewBox), so they print on A4; no text overlaps another or
//! leaves the viewBox, by an estimate of text widths ([`text_width`]): a text too long
//! for its place is cut with "…" and carries the whole in a `<title>` (a tooltip), and a
//! scatter label with no free place is left off and named in [`Chart::unlabelled`];
//! numbers print through [`fixed`], never as `-0.00`.

use std::fmt::Write;

use unicode_width::UnicodeWidthChar;

use crate::analysis::fixed;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

const FONT: &str = "font-family=\"Noto Sans CJK SC, sans-serif\"";

/// A drawn chart, and the labels it had no room for (to be listed under it).
pub struct Chart {
    pub svg: String,
    pub unlabelled: Vec<String>,
}

/// Estimated width of `text` at font size `size`: a wide (CJK) character is about one
/// em, anything else about 0.6 em. Generous on purpose: a label that fits the estimate
/// fits the real font.
pub fn text_width(text: &str, size: f64) -> f64 {
    text.chars().map(|c| if c.width() == Some(2) { size } else { 0.6 * size }).sum()
}

/// How far a text reaches above and below its baseline, in ems.
const ASCENT: f64 = 0.9;
const DESCENT: f64 = 0.25;

/// `text` cut to `max_width` at `size`, with "…" where cut.
fn fit(text: &str, size: f64, max_width: f64) -> String {
    if text_width(text, size) <= max_width {
        return text.to_owned();
    }
    let mut out = String::new();
    let mut used = text_width("…", size);
    for c in text.chars() {
        let w = text_width(c.encode_utf8(&mut [0; 4]), size);
        if used + w > max_width {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// Writes a `<text>` at (x, y) cut to `max_width`; a cut text is wrapped in a group whose
/// `<title>` holds the whole, so it shows on hover. `attributes` are extra, trusted.
#[allow(clippy::too_many_arguments)]
fn text(svg: &mut String, x: f64, y: f64, size: f64, anchor: &str, max_width: f64, attributes: &str, content: &str) {
    let shown = fit(content, size, max_width);
    let element = format!(
        "<text x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"{anchor}\" font-size=\"{size}\" {attributes}{FONT}>{}</text>",
        escape(&shown)
    );
    if shown == content {
        svg.push_str(&element);
    } else {
        let _ = write!(svg, "<g><title>{}</title>{element}</g>", escape(content));
    }
}

/// The opening of a chart: the svg element and its title, cut to the width.
fn open(width: f64, height: f64, title: &str) -> String {
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" class=\"chart\" role=\"img\" aria-label=\"{}\">",
        escape(title)
    );
    text(&mut svg, width / 2.0, 22.0, 16.0, "middle", width - 16.0, "", title);
    svg
}

/// An axis-aligned box: left, top, right, bottom.
#[derive(Clone, Copy)]
struct Rect(f64, f64, f64, f64);

impl Rect {
    fn overlaps(&self, other: &Rect) -> bool {
        self.0 < other.2 && other.0 < self.2 && self.1 < other.3 && other.1 < self.3
    }

    fn within(&self, area: &Rect) -> bool {
        self.0 >= area.0 && self.1 >= area.1 && self.2 <= area.2 && self.3 <= area.3
    }
}

/// Where each point's label goes (start-anchored x, baseline y), or `None` where no place
/// is free. Greedy, in the given order: of a fixed list of places near the point, the
/// first inside `area` clear of the labels already placed and, if possible, of the other
/// points too. Farther places would name the wrong point; a label left off is listed.
fn place_labels(points: &[(f64, f64, String)], size: f64, area: Rect) -> Vec<Option<(f64, f64)>> {
    let marks: Vec<Rect> = points.iter().map(|(x, y, _)| Rect(x - 4.0, y - 4.0, x + 4.0, y + 4.0)).collect();
    let mut placed: Vec<Rect> = Vec::new();
    points
        .iter()
        .enumerate()
        .map(|(i, (cx, cy, label))| {
            let (w, up, down) = (text_width(label, size), ASCENT * size, DESCENT * size);
            // Beside the point first, then stacked rows above and below it (so labels of
            // points at one spot line up next to it), then over and under it.
            let line = up + down + 2.0;
            let middle = cy + (up - down) / 2.0;
            let mut candidates: Vec<(f64, f64)> = Vec::new();
            for row in [0.0, -1.0, 1.0, -2.0, 2.0, -3.0, 3.0] {
                candidates.push((cx + 6.0, middle + row * line));
                candidates.push((cx - 6.0 - w, middle + row * line));
            }
            for row in [1.0, 2.0] {
                candidates.push((cx - w / 2.0, cy - 5.0 - down - (row - 1.0) * line));
                candidates.push((cx - w / 2.0, cy + 5.0 + up + (row - 1.0) * line));
            }
            let free = |x: f64, y: f64, avoid_marks: bool| {
                let boxed = Rect(x - 1.0, y - up - 1.0, x + w + 1.0, y + down + 1.0);
                boxed.within(&area)
                    && !placed.iter().any(|p| p.overlaps(&boxed))
                    && !(avoid_marks && marks.iter().enumerate().any(|(j, m)| j != i && m.overlaps(&boxed)))
            };
            let spot = candidates
                .iter()
                .find(|(x, y)| free(*x, *y, true))
                .or_else(|| candidates.iter().find(|(x, y)| free(*x, *y, false)))
                .copied();
            if let Some((x, y)) = spot {
                placed.push(Rect(x - 1.0, y - up - 1.0, x + w + 1.0, y + down + 1.0));
            }
            spot
        })
        .collect()
}

/// Bars of (label, count), titled.
pub fn histogram(title: &str, bins: &[(String, usize)]) -> String {
    // The top margin leaves room for the count over the highest bar below the title.
    let (width, height, left, bottom, top) = (640.0, 280.0, 48.0, 40.0, 48.0);
    let max = bins.iter().map(|(_, c)| *c).max().unwrap_or(0).max(1) as f64;
    let bar = (width - left - 16.0) / bins.len().max(1) as f64;
    let mut svg = open(width, height, title);
    let plot = height - bottom - top;
    for (i, (label, count)) in bins.iter().enumerate() {
        let h = plot * *count as f64 / max;
        let x = left + i as f64 * bar;
        let _ = write!(
            svg,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{h:.1}\" fill=\"#4a7ab5\"/>",
            x + 2.0,
            top + plot - h,
            bar - 4.0
        );
        text(&mut svg, x + bar / 2.0, top + plot - h - 4.0, 11.0, "middle", bar - 2.0, "", &count.to_string());
        text(&mut svg, x + bar / 2.0, height - bottom + 16.0, 10.0, "middle", bar - 2.0, "", label);
    }
    let _ = write!(
        svg,
        "<line x1=\"{left}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#333\"/></svg>",
        top + plot,
        width - 16.0,
        top + plot
    );
    svg
}

/// Points (x in 0..1, y in -0.5..1, label, flagged); flagged points in red with labels,
/// placed clear of each other inside the plot; those with no free place are returned in
/// [`Chart::unlabelled`]. Points without a y are the caller's to leave out and count.
pub fn scatter(title: &str, x_label: &str, y_label: &str, points: &[(f64, f64, String, bool)]) -> Chart {
    let (width, height, left, right, top, bottom) = (640.0, 420.0, 56.0, 16.0, 36.0, 48.0);
    let (plot_w, plot_h) = (width - left - right, height - top - bottom);
    let (y_min, y_max) = (-0.5, 1.0);
    let px = |x: f64| left + plot_w * x.clamp(0.0, 1.0);
    let py = |y: f64| top + plot_h * (1.0 - (y.clamp(y_min, y_max) - y_min) / (y_max - y_min));
    let mut svg = open(width, height, title);
    let _ = write!(
        svg,
        "<rect x=\"{left}\" y=\"{top}\" width=\"{plot_w}\" height=\"{plot_h}\" fill=\"none\" stroke=\"#333\"/>"
    );
    // Guide lines: facility 0.2 and 0.95, discrimination 0.15.
    for x in [0.2, 0.95] {
        let _ = write!(
            svg,
            "<line x1=\"{:.1}\" y1=\"{top}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#bbb\" stroke-dasharray=\"4 3\"/>",
            px(x),
            px(x),
            top + plot_h
        );
    }
    let _ = write!(
        svg,
        "<line x1=\"{left}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#bbb\" stroke-dasharray=\"4 3\"/>",
        py(0.15),
        left + plot_w,
        py(0.15)
    );
    for tick in [0.0, 0.25, 0.5, 0.75, 1.0] {
        // Low enough to clear the "-0.50" at the corner.
        text(&mut svg, px(tick), top + plot_h + 16.0, 10.0, "middle", plot_w / 4.0 - 4.0, "", &fixed(tick, 2));
    }
    for tick in [-0.5, 0.0, 0.5, 1.0] {
        text(&mut svg, left - 4.0, py(tick) + 3.0, 10.0, "end", left - 24.0, "", &fixed(tick, 2));
    }
    for (x, y, _, flagged) in points {
        let (cx, cy) = (px(*x), py(*y));
        let _ = if *flagged {
            write!(svg, "<circle cx=\"{cx:.1}\" cy=\"{cy:.1}\" r=\"4\" fill=\"#c0392b\"/>")
        } else {
            write!(svg, "<circle cx=\"{cx:.1}\" cy=\"{cy:.1}\" r=\"3\" fill=\"#4a7ab5\" fill-opacity=\"0.7\"/>")
        };
    }
    // Labels after every point, so the placement can keep clear of all of them.
    let labelled: Vec<(f64, f64, String)> =
        points.iter().filter(|p| p.3).map(|(x, y, label, _)| (px(*x), py(*y), label.clone())).collect();
    let size = 9.0;
    let area = Rect(left + 1.0, top + 1.0, left + plot_w - 1.0, top + plot_h - 1.0);
    let mut unlabelled = Vec::new();
    for ((_, _, label), spot) in labelled.iter().zip(place_labels(&labelled, size, area)) {
        match spot {
            Some((x, y)) => text(&mut svg, x, y, size, "start", f64::INFINITY, "fill=\"#c0392b\" ", label),
            None => unlabelled.push(label.clone()),
        }
    }
    text(&mut svg, left + plot_w / 2.0, height - 10.0, 12.0, "middle", plot_w, "", x_label);
    let mid = top + plot_h / 2.0;
    text(&mut svg, 14.0, mid, 12.0, "middle", plot_h, &format!("transform=\"rotate(-90 14 {mid:.1})\" "), y_label);
    svg.push_str("</svg>");
    Chart { svg, unlabelled }
}

/// A heat map of values in 0..1 (None = no data): rows × columns, with the percentages.
/// Long row names (school names) and column names are cut with "…" and a tooltip.
pub fn heatmap(title: &str, rows: &[String], columns: &[String], values: &[Vec<Option<f64>>]) -> String {
    let (cell_w, cell_h, left, top) = (62.0, 30.0, 190.0, 60.0);
    let width = (left + cell_w * columns.len() as f64 + 10.0).max(text_width(title, 16.0) + 24.0);
    let height = top + cell_h * rows.len() as f64 + 10.0;
    let mut svg = open(width, height, title);
    for (j, column) in columns.iter().enumerate() {
        text(&mut svg, left + cell_w * (j as f64 + 0.5), top - 8.0, 11.0, "middle", cell_w - 4.0, "", column);
    }
    for (i, row) in rows.iter().enumerate() {
        let y = top + cell_h * i as f64;
        text(&mut svg, left - 6.0, y + cell_h / 2.0 + 4.0, 11.0, "end", left - 12.0, "", row);
        for (j, value) in values[i].iter().enumerate() {
            let x = left + cell_w * j as f64;
            let (fill, label) = match value {
                // Red (weak) through yellow to green (strong).
                Some(v) => {
                    let v = v.clamp(0.0, 1.0);
                    let (r, g) = if v < 0.5 { (220.0, 80.0 + 300.0 * v) } else { (220.0 - 300.0 * (v - 0.5), 230.0) };
                    (
                        format!("rgb({:.0},{:.0},90)", r.clamp(0.0, 255.0), g.clamp(0.0, 255.0)),
                        format!("{}%", fixed(v * 100.0, 0)),
                    )
                }
                None => ("#eee".to_owned(), "—".to_owned()),
            };
            let _ = write!(
                svg,
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{cell_w}\" height=\"{cell_h}\" fill=\"{fill}\" stroke=\"#fff\"/>"
            );
            text(&mut svg, x + cell_w / 2.0, y + cell_h / 2.0 + 4.0, 11.0, "middle", cell_w - 4.0, "", &label);
        }
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A text's estimated box, found by reading the SVG back: (left, top, right, bottom).
    /// Written apart from the drawing code: a CJK character is one em wide, anything
    /// else 0.6 em; a line reaches one em above its baseline and a quarter below.
    fn text_boxes(svg: &str) -> (f64, f64, Vec<(String, [f64; 4])>) {
        let attribute = |tag: &str, name: &str| -> Option<String> {
            let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
            Some(tag[start..].split('"').next()?.to_owned())
        };
        let view: Vec<f64> = attribute(svg, "viewBox").unwrap().split(' ').map(|v| v.parse().unwrap()).collect();
        let mut boxes = Vec::new();
        for piece in svg.split("<text").skip(1) {
            let (tag, rest) = piece.split_once('>').unwrap();
            let content = rest.split("</text>").next().unwrap();
            let content =
                content.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&amp;", "&");
            let number = |name: &str| attribute(tag, name).unwrap().parse::<f64>().unwrap();
            let (x, y, size) = (number("x"), number("y"), number("font-size"));
            let width: f64 = content.chars().map(|c| if c >= '\u{2E80}' { size } else { 0.6 * size }).sum();
            let (before, after) = match attribute(tag, "text-anchor").as_deref() {
                Some("middle") => (width / 2.0, width / 2.0),
                Some("end") => (width, 0.0),
                _ => (0.0, width),
            };
            let rotated = attribute(tag, "transform").is_some_and(|t| t.starts_with("rotate(-90"));
            let area = if rotated {
                [x - size, y - after, x + 0.25 * size, y + before]
            } else {
                [x - before, y - size, x + after, y + 0.25 * size]
            };
            boxes.push((content, area));
        }
        (view[2], view[3], boxes)
    }

    fn assert_legible(svg: &str) {
        let (width, height, boxes) = text_boxes(svg);
        for (text, b) in &boxes {
            assert!(
                b[0] >= 0.0 && b[1] >= 0.0 && b[2] <= width && b[3] <= height,
                "{text} {b:?} leaves 0 0 {width} {height}"
            );
        }
        for (i, (a, p)) in boxes.iter().enumerate() {
            for (b, q) in &boxes[i + 1..] {
                let overlap = p[0] < q[2] - 0.01 && q[0] < p[2] - 0.01 && p[1] < q[3] - 0.01 && q[1] < p[3] - 0.01;
                assert!(!overlap, "{a} {p:?} overlaps {b} {q:?}");
            }
        }
        assert!(!svg.contains("-0.0<") && !svg.contains(">-0<") && !svg.contains("\"-0"), "negative zero in {svg}");
    }

    #[test]
    fn charts_escape_their_text_and_draw_their_marks() {
        let svg = histogram("分数<分布>", &[("0".into(), 3), ("10".into(), 5)]);
        assert!(svg.contains("分数&lt;分布&gt;") && svg.matches("<rect").count() == 2);
        let chart = scatter(
            "散点",
            "难度系数",
            "题总相关",
            &[(0.5, 0.3, "A".into(), false), (0.97, 0.0, "FEED-0001".into(), true)],
        );
        assert!(chart.svg.contains("FEED-0001") && chart.svg.contains("#c0392b") && chart.unlabelled.is_empty());
        let svg =
            heatmap("热力图", &["甲校".into()], &["营养喂养".into(), "安全防护".into()], &[vec![Some(0.8), None]]);
        assert!(svg.contains("80%") && svg.contains("—") && svg.contains("甲校"));
    }

    /// The new user's case and worse: 22 of 36 items flagged, crowded at the edges (every
    /// one right, the correlation at the clamp) with long ids. Every label drawn is clear
    /// of the others and inside the viewBox; the ones left off are named.
    #[test]
    fn scatter_labels_neither_overlap_nor_clip() {
        let points: Vec<(f64, f64, String, bool)> = (0..36)
            .map(|i| {
                let (x, y) = match i % 4 {
                    0 => (1.0, 1.2),
                    1 => (0.0, -0.9),
                    2 => (0.98 - 0.001 * i as f64, 0.1),
                    _ => (0.5 + 0.01 * i as f64, 0.5),
                };
                (x, y, format!("SAFETY-{i:04}"), i < 22)
            })
            .collect();
        let chart = scatter("难度系数与区分度（红点为需复核的试题）", "难度系数（答对比例）", "题总相关", &points);
        assert_legible(&chart.svg);
        let drawn = (0..22).filter(|i| chart.svg.contains(&format!(">SAFETY-{i:04}<"))).count();
        assert_eq!(drawn + chart.unlabelled.len(), 22, "{:?}", chart.unlabelled);
        assert!(drawn >= 10, "only {drawn} labels placed");
        for label in &chart.unlabelled {
            assert!(!chart.svg.contains(&format!(">{label}<")), "{label} drawn and listed");
        }
    }

    #[test]
    fn histogram_and_heatmap_labels_neither_overlap_nor_clip() {
        let bins: Vec<(String, usize)> =
            (0..10).map(|b| (format!("{}–{}%", b * 10, b * 10 + 10), if b == 4 { 1234 } else { b })).collect();
        assert_legible(&histogram("分数分布（占满分百分比）", &bins));
        let long = "北京市朝阳区阳光职业技能培训学校附属婴幼儿照护实训中心（第二分校）".to_owned();
        let rows = vec![long.clone(), "甲校".to_owned(), "A & B <学校>".to_owned()];
        let columns: Vec<String> = ["营养喂养", "安全防护", "婴幼儿早期发展与学习支持"].map(String::from).to_vec();
        let svg = heatmap("各培训机构各领域得分率", &rows, &columns, &vec![vec![Some(0.8), None, Some(-0.001)]; 3]);
        assert_legible(&svg);
        // Cut with an ellipsis, the whole name in a tooltip.
        assert!(svg.contains(&format!("<title>{long}</title>")) && svg.contains("…</text>"), "{svg}");
        assert!(svg.contains("<title>婴幼儿早期发展与学习支持</title>"));
        assert!(svg.contains(">0%<"), "-0.1% prints as 0%");
        // A one-column map is still as wide as its title.
        assert_legible(&heatmap(
            "各培训机构各领域得分率（含未填培训机构的考生）",
            &rows,
            &columns[..1],
            &vec![vec![None]; 3],
        ));
    }
}
