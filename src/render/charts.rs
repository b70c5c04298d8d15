//! The SVG charts of the analysis report, drawn by hand so the report is one
//! self-contained file: a histogram, a scatter plot and a heat map.
//!
//! Guarantees: every text in a chart is XML-escaped; charts have fixed pixel sizes and
//! scale with the page (viewBox), so they print on A4.

use std::fmt::Write;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

const FONT: &str = "font-family=\"Noto Sans CJK SC, sans-serif\"";

/// Bars of (label, count), titled.
pub fn histogram(title: &str, bins: &[(String, usize)]) -> String {
    let (width, height, left, bottom, top) = (640.0, 280.0, 48.0, 40.0, 36.0);
    let max = bins.iter().map(|(_, c)| *c).max().unwrap_or(0).max(1) as f64;
    let bar = (width - left - 16.0) / bins.len().max(1) as f64;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" class=\"chart\" role=\"img\" aria-label=\"{t}\">\
         <text x=\"{}\" y=\"22\" text-anchor=\"middle\" font-size=\"16\" {FONT}>{t}</text>",
        width / 2.0,
        t = escape(title)
    );
    let plot = height - bottom - top;
    for (i, (label, count)) in bins.iter().enumerate() {
        let h = plot * *count as f64 / max;
        let x = left + i as f64 * bar;
        let _ = write!(
            svg,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{h:.1}\" fill=\"#4a7ab5\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"11\" {FONT}>{count}</text>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"10\" {FONT}>{}</text>",
            x + 2.0,
            top + plot - h,
            bar - 4.0,
            x + bar / 2.0,
            top + plot - h - 4.0,
            x + bar / 2.0,
            height - bottom + 16.0,
            escape(label)
        );
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

/// Points (x in 0..1, y in -0.5..1, label, flagged); flagged points in red with labels.
pub fn scatter(title: &str, x_label: &str, y_label: &str, points: &[(f64, f64, String, bool)]) -> String {
    let (width, height, left, right, top, bottom) = (640.0, 420.0, 56.0, 16.0, 36.0, 48.0);
    let (plot_w, plot_h) = (width - left - right, height - top - bottom);
    let (y_min, y_max) = (-0.5, 1.0);
    let px = |x: f64| left + plot_w * x.clamp(0.0, 1.0);
    let py = |y: f64| top + plot_h * (1.0 - (y.clamp(y_min, y_max) - y_min) / (y_max - y_min));
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" class=\"chart\" role=\"img\" aria-label=\"{t}\">\
         <text x=\"{}\" y=\"22\" text-anchor=\"middle\" font-size=\"16\" {FONT}>{t}</text>\
         <rect x=\"{left}\" y=\"{top}\" width=\"{plot_w}\" height=\"{plot_h}\" fill=\"none\" stroke=\"#333\"/>",
        width / 2.0,
        t = escape(title)
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
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"10\" {FONT}>{tick}</text>",
            px(tick),
            top + plot_h + 14.0
        );
    }
    for tick in [-0.5, 0.0, 0.5, 1.0] {
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" font-size=\"10\" {FONT}>{tick}</text>",
            left - 4.0,
            py(tick) + 3.0
        );
    }
    for (x, y, label, flagged) in points {
        let (cx, cy) = (px(*x), py(*y));
        if *flagged {
            let _ = write!(
                svg,
                "<circle cx=\"{cx:.1}\" cy=\"{cy:.1}\" r=\"4\" fill=\"#c0392b\"/>\
                 <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"9\" fill=\"#c0392b\" {FONT}>{}</text>",
                cx + 5.0,
                cy - 3.0,
                escape(label)
            );
        } else {
            let _ =
                write!(svg, "<circle cx=\"{cx:.1}\" cy=\"{cy:.1}\" r=\"3\" fill=\"#4a7ab5\" fill-opacity=\"0.7\"/>");
        }
    }
    let _ = write!(
        svg,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"12\" {FONT}>{}</text>\
         <text x=\"14\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"12\" transform=\"rotate(-90 14 {:.1})\" {FONT}>{}</text></svg>",
        left + plot_w / 2.0,
        height - 10.0,
        escape(x_label),
        top + plot_h / 2.0,
        top + plot_h / 2.0,
        escape(y_label)
    );
    svg
}

/// A heat map of values in 0..1 (None = no data): rows × columns, with the percentages.
pub fn heatmap(title: &str, rows: &[String], columns: &[String], values: &[Vec<Option<f64>>]) -> String {
    let (cell_w, cell_h, left, top) = (62.0, 30.0, 190.0, 60.0);
    let width = left + cell_w * columns.len() as f64 + 10.0;
    let height = top + cell_h * rows.len() as f64 + 10.0;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" class=\"chart\" role=\"img\" aria-label=\"{t}\">\
         <text x=\"{}\" y=\"22\" text-anchor=\"middle\" font-size=\"16\" {FONT}>{t}</text>",
        width / 2.0,
        t = escape(title)
    );
    for (j, column) in columns.iter().enumerate() {
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"11\" {FONT}>{}</text>",
            left + cell_w * (j as f64 + 0.5),
            top - 8.0,
            escape(column)
        );
    }
    for (i, row) in rows.iter().enumerate() {
        let y = top + cell_h * i as f64;
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" font-size=\"11\" {FONT}>{}</text>",
            left - 6.0,
            y + cell_h / 2.0 + 4.0,
            escape(row)
        );
        for (j, value) in values[i].iter().enumerate() {
            let x = left + cell_w * j as f64;
            let (fill, text) = match value {
                // Red (weak) through yellow to green (strong).
                Some(v) => {
                    let v = v.clamp(0.0, 1.0);
                    let (r, g) = if v < 0.5 { (220.0, 80.0 + 300.0 * v) } else { (220.0 - 300.0 * (v - 0.5), 230.0) };
                    (
                        format!("rgb({:.0},{:.0},90)", r.clamp(0.0, 255.0), g.clamp(0.0, 255.0)),
                        format!("{:.0}%", v * 100.0),
                    )
                }
                None => ("#eee".to_owned(), "—".to_owned()),
            };
            let _ = write!(
                svg,
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{cell_w}\" height=\"{cell_h}\" fill=\"{fill}\" stroke=\"#fff\"/>\
                 <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"11\" {FONT}>{text}</text>",
                x + cell_w / 2.0,
                y + cell_h / 2.0 + 4.0
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_escape_their_text_and_draw_their_marks() {
        let svg = histogram("分数<分布>", &[("0".into(), 3), ("10".into(), 5)]);
        assert!(svg.contains("分数&lt;分布&gt;") && svg.matches("<rect").count() == 2);
        let svg = scatter(
            "散点",
            "难度系数",
            "题总相关",
            &[(0.5, 0.3, "A".into(), false), (0.97, 0.0, "FEED-0001".into(), true)],
        );
        assert!(svg.contains("FEED-0001") && svg.contains("#c0392b"));
        let svg =
            heatmap("热力图", &["甲校".into()], &["营养喂养".into(), "安全防护".into()], &[vec![Some(0.8), None]]);
        assert!(svg.contains("80%") && svg.contains("—") && svg.contains("甲校"));
    }
}
