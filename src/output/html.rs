//! The HTML report: one self-contained page (inline CSS, inline SVG charts,
//! no script, no image, nothing fetched when it is opened) drawn from the
//! shared [`Document`] layout. Pure: a document in, bytes out. Greys only,
//! so it prints as well as it shows; `@page` sets the paper.

use std::fmt::Write as _;

use super::document::{Align, Band, Block, Chart, ChartKind, Document, Paper, Table};

/// Escapes text for HTML content and attribute values.
#[must_use]
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => out.push('?'),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "
body { font-family: 'DejaVu Sans', 'Helvetica Neue', Arial, sans-serif; color: #111; background: #fff;
       max-width: 60em; margin: 2em auto; padding: 0 1em; font-size: 10.5pt; }
h1 { font-size: 18pt; margin: 0 0 .2em; }
h2 { font-size: 12pt; margin: 1.4em 0 .4em; border-bottom: 1px solid #999; padding-bottom: .15em; }
p.sub { color: #444; margin: .1em 0; }
.figures { display: flex; gap: .8em; margin: 1em 0; }
.figure { flex: 1; border: 1px solid #888; padding: .4em .6em; }
.figure h3 { font-size: 10.5pt; margin: 0 0 .3em; }
.figure div { display: flex; justify-content: space-between; gap: .5em; }
.figure span:last-child { font-variant-numeric: tabular-nums; }
table { border-collapse: collapse; width: 100%; }
th, td { padding: .15em .4em; border-bottom: 1px solid #ddd; }
th { text-align: left; border-bottom: 1px solid #555; }
.r { text-align: right; font-variant-numeric: tabular-nums; }
tr.total td { font-weight: bold; border-top: 1px solid #555; }
svg { display: block; width: 100%; height: auto; }
.chart-title { margin: .8em 0 .2em; font-weight: bold; }
p.caption { margin: .3em 0; }
@media print { body { margin: 0; max-width: none; } .figure, table, svg { break-inside: avoid; } }
";

/// Renders `document` as one HTML page.
#[must_use]
pub fn render(document: &Document, paper: Paper) -> Vec<u8> {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>@page {{ size: {}; margin: 14mm; }}{STYLE}</style>\n</head>\n<body>\n",
        escape(&document.title),
        paper.css()
    );
    let _ = writeln!(out, "<h1>{}</h1>", escape(&document.title));
    for line in &document.subtitle {
        let _ = writeln!(out, "<p class=\"sub\">{}</p>", escape(line));
    }
    for block in &document.blocks {
        match block {
            Block::Heading(text) => {
                let _ = writeln!(out, "<h2>{}</h2>", escape(text));
            }
            Block::Text(text) => {
                let _ = writeln!(out, "<p>{}</p>", escape(text));
            }
            Block::Figures(figures) => {
                out.push_str("<div class=\"figures\">\n");
                for figure in figures {
                    let _ = write!(
                        out,
                        "<div class=\"figure\"><h3>{}</h3>",
                        escape(&figure.title)
                    );
                    for (label, value) in &figure.rows {
                        let _ = write!(
                            out,
                            "<div><span>{}</span><span>{}</span></div>",
                            escape(label),
                            escape(value)
                        );
                    }
                    out.push_str("</div>\n");
                }
                out.push_str("</div>\n");
            }
            Block::Chart(chart) => chart_svg(&mut out, chart),
            Block::Band(band) => band_svg(&mut out, band),
            Block::Table(table) => table_html(&mut out, table),
        }
    }
    out.push_str("</body>\n</html>\n");
    out.into_bytes()
}

fn table_html(out: &mut String, table: &Table) {
    out.push_str("<table>\n<thead><tr>");
    for (title, align, _) in &table.columns {
        let class = if *align == Align::Right {
            " class=\"r\""
        } else {
            ""
        };
        let _ = write!(out, "<th{class}>{}</th>", escape(title));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for (index, row) in table.rows.iter().enumerate() {
        let total = table.total_row && index + 1 == table.rows.len();
        out.push_str(if total {
            "<tr class=\"total\">"
        } else {
            "<tr>"
        });
        for (cell, (_, align, _)) in row.iter().zip(&table.columns) {
            let class = if *align == Align::Right {
                " class=\"r\""
            } else {
                ""
            };
            let _ = write!(out, "<td{class}>{}</td>", escape(cell));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
}

/// Chart geometry in SVG user units.
const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 150.0;
const LEFT: f64 = 70.0;
const BOTTOM: f64 = 20.0;

fn chart_svg(out: &mut String, chart: &Chart) {
    let _ = writeln!(out, "<p class=\"chart-title\">{}</p>", escape(&chart.title));
    let _ = write!(
        out,
        "<svg viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-label=\"{}\" font-size=\"10\" font-family=\"DejaVu Sans, sans-serif\">",
        escape(&chart.title)
    );
    let plot_w = WIDTH - LEFT - 4.0;
    let plot_h = HEIGHT - BOTTOM - 8.0;
    let top = if chart.top.0 > 0.0 { chart.top.0 } else { 1.0 };
    let count = chart.values.len().max(1) as f64;
    let y_of = |value: f64| 8.0 + plot_h - (value / top).clamp(0.0, 1.0) * plot_h;
    let _ = write!(
        out,
        "<line x1=\"{LEFT}\" y1=\"{0:.1}\" x2=\"{1:.1}\" y2=\"{0:.1}\" stroke=\"#555\"/>\
         <line x1=\"{LEFT}\" y1=\"8\" x2=\"{LEFT}\" y2=\"{0:.1}\" stroke=\"#555\"/>\
         <text x=\"{2:.1}\" y=\"12\" text-anchor=\"end\">{3}</text>\
         <text x=\"{2:.1}\" y=\"{0:.1}\" text-anchor=\"end\">0</text>",
        8.0 + plot_h,
        LEFT + plot_w,
        LEFT - 4.0,
        escape(&chart.top.1)
    );
    let slot = plot_w / count;
    let x_mid = |index: usize| LEFT + slot * (index as f64 + 0.5);
    match chart.kind {
        ChartKind::Bars => {
            for (index, value) in chart.values.iter().enumerate() {
                let y = y_of(*value);
                let _ = write!(
                    out,
                    "<rect x=\"{:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#888\"/>",
                    LEFT + slot * index as f64 + slot * 0.15,
                    slot * 0.7,
                    8.0 + plot_h - y
                );
            }
        }
        ChartKind::Line => {
            let points = |values: &[f64]| {
                values
                    .iter()
                    .enumerate()
                    .map(|(index, value)| format!("{:.1},{:.1}", x_mid(index), y_of(*value)))
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            if let Some((_, overlay)) = &chart.overlay {
                let _ = write!(
                    out,
                    "<polyline points=\"{}\" fill=\"none\" stroke=\"#888\" stroke-width=\"1.2\" stroke-dasharray=\"4 3\"/>",
                    points(overlay)
                );
            }
            let _ = write!(
                out,
                "<polyline points=\"{}\" fill=\"none\" stroke=\"#111\" stroke-width=\"1.6\"/>",
                points(&chart.values)
            );
        }
    }
    let last = chart.labels.len().saturating_sub(1);
    for (index, anchor) in [(0, "start"), (last / 2, "middle"), (last, "end")] {
        if let Some(label) = chart.labels.get(index) {
            let x = match anchor {
                "start" => LEFT,
                "end" => LEFT + plot_w,
                _ => x_mid(index),
            };
            let _ = write!(
                out,
                "<text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\">{}</text>",
                HEIGHT - 4.0,
                escape(label)
            );
        }
    }
    out.push_str("</svg>\n");
}

fn band_svg(out: &mut String, band: &Band) {
    let scale = if band.scale > 0.0 { band.scale } else { 1.0 };
    let width = WIDTH - 8.0;
    let x = |value: f64| 4.0 + (value / scale).clamp(0.0, 1.0) * width;
    let _ = write!(
        out,
        "<svg viewBox=\"0 0 {WIDTH} 44\" role=\"img\" aria-label=\"month-end forecast\" font-size=\"10\" font-family=\"DejaVu Sans, sans-serif\">\
         <rect x=\"4\" y=\"10\" width=\"{width:.1}\" height=\"16\" fill=\"none\" stroke=\"#999\"/>\
         <rect x=\"4\" y=\"10\" width=\"{:.1}\" height=\"16\" fill=\"#bbb\"/>\
         <rect x=\"{:.1}\" y=\"6\" width=\"{:.1}\" height=\"24\" fill=\"none\" stroke=\"#111\" stroke-dasharray=\"3 2\"/>",
        x(band.so_far) - 4.0,
        x(band.low),
        (x(band.high) - x(band.low)).max(1.0),
    );
    let _ = write!(
        out,
        "<line x1=\"{0:.1}\" y1=\"2\" x2=\"{0:.1}\" y2=\"34\" stroke=\"#111\" stroke-width=\"2\"/>",
        x(band.point)
    );
    if let Some((limit, label)) = &band.limit {
        let _ = write!(
            out,
            "<line x1=\"{0:.1}\" y1=\"0\" x2=\"{0:.1}\" y2=\"36\" stroke=\"#555\" stroke-width=\"1\" stroke-dasharray=\"1 2\"/>\
             <text x=\"{0:.1}\" y=\"43\" text-anchor=\"end\">{1}</text>",
            x(*limit),
            escape(label)
        );
    }
    out.push_str("</svg>\n");
    let _ = writeln!(out, "<p class=\"caption\">{}</p>", escape(&band.caption));
}
