//! The PDF report: the shared [`Document`] layout set on A4 or Letter pages
//! with krilla (text with an embedded, subsetted DejaVu Sans; charts as
//! vector paths; greys only, so it prints in grey). Pure: a document in,
//! bytes out; no file, no external program.

use std::sync::Arc;

use krilla::color::luma;
use krilla::geom::{PathBuilder, Point};
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke, StrokeDash};
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};

use super::document::{Align, Band, Block, Chart, ChartKind, Document, Figure, Paper, Table};

/// DejaVu Sans (Bitstream Vera licence, `assets/fonts/LICENSE-DejaVu.txt`).
const REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
/// DejaVu Sans Bold.
const BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// A PDF that could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// The embedded font cannot be read (a broken build).
    #[error("the embedded font cannot be read")]
    Font,
    /// krilla refused the document.
    #[error("cannot write the PDF: {0}")]
    Write(String),
}

const MARGIN: f32 = 42.0;
const BODY: f32 = 8.5;
const SMALL: f32 = 7.5;

/// One face: krilla's font for drawing, ttf-parser's for measuring.
struct Face {
    font: Font,
    metrics: ttf_parser::Face<'static>,
}

impl Face {
    fn load(bytes: &'static [u8]) -> Result<Self, PdfError> {
        let data: Arc<dyn AsRef<[u8]> + Send + Sync> = Arc::new(bytes);
        Ok(Self {
            font: Font::new(data.into(), 0).ok_or(PdfError::Font)?,
            metrics: ttf_parser::Face::parse(bytes, 0).map_err(|_| PdfError::Font)?,
        })
    }

    /// The width of `text` at `size` points.
    fn width(&self, text: &str, size: f32) -> f32 {
        let units = f32::from(self.metrics.units_per_em());
        let advance: f32 = text
            .chars()
            .map(|c| {
                self.metrics
                    .glyph_index(c)
                    .and_then(|glyph| self.metrics.glyph_hor_advance(glyph))
                    .map_or(units / 2.0, f32::from)
            })
            .sum();
        advance / units * size
    }
}

/// Pages being written: the cursor and the current page's drawing.
struct Writer<'a> {
    regular: &'a Face,
    bold: &'a Face,
    width: f32,
    height: f32,
    pages: Vec<Vec<Op>>,
    y: f32,
}

/// One drawing operation, kept until the page is written.
enum Op {
    Text {
        x: f32,
        y: f32,
        text: String,
        size: f32,
        bold: bool,
        grey: u8,
    },
    Line {
        points: Vec<(f32, f32)>,
        width: f32,
        grey: u8,
        dashed: bool,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        grey: u8,
        outline: bool,
    },
}

impl Writer<'_> {
    fn content_width(&self) -> f32 {
        self.width - 2.0 * MARGIN
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    /// Makes room for `height` points, starting a new page when needed.
    fn room(&mut self, height: f32) {
        if self.pages.is_empty() || self.y + height > self.height - MARGIN - 14.0 {
            self.pages.push(Vec::new());
            self.y = MARGIN;
        }
    }

    fn face(&self, bold: bool) -> &Face {
        if bold {
            self.bold
        } else {
            self.regular
        }
    }

    fn text(&mut self, x: f32, y: f32, text: &str, size: f32, bold: bool, grey: u8) {
        self.ops().push(Op::Text {
            x,
            y,
            text: text.to_owned(),
            size,
            bold,
            grey,
        });
    }

    fn text_right(&mut self, right: f32, y: f32, text: &str, size: f32, bold: bool, grey: u8) {
        let width = self.face(bold).width(text, size);
        self.text(right - width, y, text, size, bold, grey);
    }

    /// `text` cut (with `…`) to fit `width` points.
    fn fit(&self, text: &str, size: f32, bold: bool, width: f32) -> String {
        let face = self.face(bold);
        if face.width(text, size) <= width {
            return text.to_owned();
        }
        let mut out: String = text.to_owned();
        while !out.is_empty() && face.width(&format!("{out}…"), size) > width {
            out.pop();
        }
        format!("{out}…")
    }

    /// Running text wrapped to the content width.
    fn paragraph(&mut self, text: &str, size: f32, bold: bool, grey: u8) {
        let width = self.content_width();
        let mut line = String::new();
        let mut lines = Vec::new();
        for word in text.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if !line.is_empty() && self.face(bold).width(&candidate, size) > width {
                lines.push(std::mem::replace(&mut line, word.to_owned()));
            } else {
                line = candidate;
            }
        }
        if !line.is_empty() {
            lines.push(line);
        }
        for line in lines {
            self.room(size * 1.5);
            let fitted = self.fit(&line, size, bold, width);
            self.text(MARGIN, self.y + size, &fitted, size, bold, grey);
            self.y += size * 1.45;
        }
    }

    /// The height `block` takes (for keeping a heading with it).
    fn height(&self, block: &Block) -> f32 {
        let rows = match block {
            Block::Table(table) => table.rows.len() + 1,
            Block::Chart(_) => return 124.0,
            Block::Band(_) => return 70.0,
            Block::Figures(_) => return 80.0,
            Block::Heading(_) | Block::Text(_) => 1,
        };
        BODY * 1.6 * rows as f32 + 8.0
    }

    fn heading(&mut self, text: &str, next: f32) {
        // Keep a heading with what follows it (all of it, when it fits a page).
        let page = self.height - 2.0 * MARGIN - 60.0;
        self.room(28.0 + next.min(page));
        self.y += 8.0;
        self.text(MARGIN, self.y + 11.0, text, 11.0, true, 0);
        self.y += 15.0;
        let right = self.width - MARGIN;
        let y = self.y;
        self.ops().push(Op::Line {
            points: vec![(MARGIN, y), (right, y)],
            width: 0.6,
            grey: 120,
            dashed: false,
        });
        self.y += 5.0;
    }

    fn figures(&mut self, figures: &[Figure]) {
        let gap = 8.0;
        let count = figures.len().max(1) as f32;
        let box_width = (self.content_width() - gap * (count - 1.0)) / count;
        let rows = figures
            .iter()
            .map(|figure| figure.rows.len())
            .max()
            .unwrap_or(0);
        let height = 20.0 + rows as f32 * 12.0;
        self.room(height + 8.0);
        let top = self.y + 4.0;
        for (index, figure) in figures.iter().enumerate() {
            let left = MARGIN + index as f32 * (box_width + gap);
            self.ops().push(Op::Rect {
                x: left,
                y: top,
                w: box_width,
                h: height,
                grey: 110,
                outline: true,
            });
            self.text(left + 6.0, top + 13.0, &figure.title, 9.5, true, 0);
            for (row, (label, value)) in figure.rows.iter().enumerate() {
                let y = top + 27.0 + row as f32 * 12.0;
                self.text(left + 6.0, y, label, BODY, false, 70);
                let bold = label == "Cost";
                self.text_right(left + box_width - 6.0, y, value, BODY, bold, 0);
            }
        }
        self.y = top + height + 6.0;
    }

    fn chart(&mut self, chart: &Chart) {
        let height = 92.0;
        self.room(height + 24.0);
        self.y += 4.0;
        let title = self.fit(&chart.title, BODY, true, self.content_width());
        self.text(MARGIN, self.y + BODY, &title, BODY, true, 0);
        self.y += 14.0;
        let label_width = 58.0;
        let left = MARGIN + label_width;
        let right = self.width - MARGIN;
        let top = self.y;
        let bottom = top + height - 14.0;
        let plot_h = bottom - top;
        let scale = if chart.top.0 > 0.0 { chart.top.0 } else { 1.0 };
        let y_of = |value: f64| bottom - ((value / scale).clamp(0.0, 1.0) as f32) * plot_h;
        self.text_right(left - 4.0, top + SMALL, &chart.top.1, SMALL, false, 60);
        self.text_right(left - 4.0, bottom, "0", SMALL, false, 60);
        self.ops().push(Op::Line {
            points: vec![(left, top), (left, bottom), (right, bottom)],
            width: 0.6,
            grey: 90,
            dashed: false,
        });
        let count = chart.values.len().max(1) as f32;
        let slot = (right - left) / count;
        let x_mid = |index: usize| left + slot * (index as f32 + 0.5);
        match chart.kind {
            ChartKind::Bars => {
                for (index, value) in chart.values.iter().enumerate() {
                    let y = y_of(*value);
                    self.ops().push(Op::Rect {
                        x: left + slot * index as f32 + slot * 0.15,
                        y,
                        w: slot * 0.7,
                        h: bottom - y,
                        grey: 140,
                        outline: false,
                    });
                }
            }
            ChartKind::Line => {
                if let Some((_, overlay)) = &chart.overlay {
                    let points = overlay
                        .iter()
                        .enumerate()
                        .map(|(index, value)| (x_mid(index), y_of(*value)))
                        .collect();
                    self.ops().push(Op::Line {
                        points,
                        width: 1.0,
                        grey: 130,
                        dashed: true,
                    });
                }
                let points = chart
                    .values
                    .iter()
                    .enumerate()
                    .map(|(index, value)| (x_mid(index), y_of(*value)))
                    .collect();
                self.ops().push(Op::Line {
                    points,
                    width: 1.4,
                    grey: 0,
                    dashed: false,
                });
            }
        }
        let last = chart.labels.len().saturating_sub(1);
        let label_y = bottom + 10.0;
        if let Some(label) = chart.labels.first() {
            self.text(left, label_y, label, SMALL, false, 60);
        }
        if let Some(label) = chart.labels.get(last / 2).filter(|_| last >= 2) {
            let width = self.regular.width(label, SMALL);
            self.text(
                x_mid(last / 2) - width / 2.0,
                label_y,
                label,
                SMALL,
                false,
                60,
            );
        }
        if let Some(label) = chart.labels.get(last).filter(|_| last >= 1) {
            self.text_right(right, label_y, label, SMALL, false, 60);
        }
        self.y = bottom + 16.0;
    }

    fn band(&mut self, band: &Band) {
        self.room(60.0);
        let left = MARGIN;
        let width = self.content_width();
        let scale = if band.scale > 0.0 { band.scale } else { 1.0 };
        let x = |value: f64| left + ((value / scale).clamp(0.0, 1.0) as f32) * width;
        let top = self.y + 8.0;
        self.ops().push(Op::Rect {
            x: left,
            y: top,
            w: width,
            h: 14.0,
            grey: 150,
            outline: true,
        });
        self.ops().push(Op::Rect {
            x: left,
            y: top,
            w: x(band.so_far) - left,
            h: 14.0,
            grey: 190,
            outline: false,
        });
        self.ops().push(Op::Rect {
            x: x(band.low),
            y: top - 4.0,
            w: (x(band.high) - x(band.low)).max(1.0),
            h: 22.0,
            grey: 0,
            outline: true,
        });
        self.ops().push(Op::Line {
            points: vec![(x(band.point), top - 6.0), (x(band.point), top + 20.0)],
            width: 2.0,
            grey: 0,
            dashed: false,
        });
        if let Some((limit, label)) = &band.limit {
            self.ops().push(Op::Line {
                points: vec![(x(*limit), top - 8.0), (x(*limit), top + 22.0)],
                width: 0.8,
                grey: 80,
                dashed: true,
            });
            self.text_right(x(*limit), top + 31.0, label, SMALL, false, 60);
        }
        self.y = top + 34.0;
        self.paragraph(&band.caption, BODY, false, 0);
    }

    fn table(&mut self, table: &Table) {
        let total_weight: f32 = table
            .columns
            .iter()
            .map(|(_, _, weight)| f32::from(*weight))
            .sum();
        let width = self.content_width();
        let mut edges = vec![MARGIN];
        for (_, _, weight) in &table.columns {
            let last = edges.last().copied().unwrap_or(MARGIN);
            edges.push(last + width * f32::from(*weight) / total_weight.max(1.0));
        }
        let row_height = BODY * 1.6;
        let header = |writer: &mut Self| {
            writer.room(row_height * 2.0);
            for (index, (title, align, _)) in table.columns.iter().enumerate() {
                writer.cell(title, *align, (edges[index], edges[index + 1]), true, 60);
            }
            writer.y += row_height;
            let y = writer.y - 3.0;
            let right = writer.width - MARGIN;
            writer.ops().push(Op::Line {
                points: vec![(MARGIN, y), (right, y)],
                width: 0.5,
                grey: 90,
                dashed: false,
            });
        };
        header(self);
        for (row_index, row) in table.rows.iter().enumerate() {
            let total = table.total_row && row_index + 1 == table.rows.len();
            let page = self.pages.len();
            self.room(row_height);
            if self.pages.len() != page {
                header(self);
            }
            if total {
                let y = self.y - 3.0;
                let right = self.width - MARGIN;
                self.ops().push(Op::Line {
                    points: vec![(MARGIN, y), (right, y)],
                    width: 0.5,
                    grey: 90,
                    dashed: false,
                });
            }
            for (index, (cell, (_, align, _))) in row.iter().zip(&table.columns).enumerate() {
                self.cell(cell, *align, (edges[index], edges[index + 1]), total, 0);
            }
            self.y += row_height;
        }
        self.y += 4.0;
    }

    fn cell(&mut self, text: &str, align: Align, (left, right): (f32, f32), bold: bool, grey: u8) {
        let pad = 3.0;
        let fitted = self.fit(text, BODY, bold, right - left - 2.0 * pad);
        let y = self.y + BODY;
        match align {
            Align::Left => self.text(left + pad, y, &fitted, BODY, bold, grey),
            Align::Right => self.text_right(right - pad, y, &fitted, BODY, bold, grey),
        }
    }
}

/// Renders `document` as a PDF on `paper`.
///
/// # Errors
/// The embedded font cannot be read, or krilla cannot write the document.
pub fn render(document: &Document, paper: Paper) -> Result<Vec<u8>, PdfError> {
    let regular = Face::load(REGULAR)?;
    let bold = Face::load(BOLD)?;
    let (width, height) = paper.points();
    let mut writer = Writer {
        regular: &regular,
        bold: &bold,
        width,
        height,
        pages: Vec::new(),
        y: MARGIN,
    };
    writer.room(0.0);
    writer.text(MARGIN, MARGIN + 16.0, &document.title, 16.0, true, 0);
    writer.y = MARGIN + 24.0;
    for line in &document.subtitle {
        writer.paragraph(line, BODY, false, 60);
    }
    for (index, block) in document.blocks.iter().enumerate() {
        match block {
            Block::Heading(text) => {
                let next = document
                    .blocks
                    .get(index + 1)
                    .map_or(0.0, |next| writer.height(next));
                writer.heading(text, next);
            }
            Block::Text(text) => writer.paragraph(text, BODY, false, 0),
            Block::Figures(figures) => writer.figures(figures),
            Block::Chart(chart) => writer.chart(chart),
            Block::Band(band) => writer.band(band),
            Block::Table(table) => writer.table(table),
        }
    }
    let pages = std::mem::take(&mut writer.pages);
    let count = pages.len();
    let mut pdf = krilla::Document::new();
    pdf.set_metadata(
        krilla::metadata::Metadata::new()
            .title(document.title.clone())
            .creator("usagetop".to_owned()),
    );
    for (index, ops) in pages.into_iter().enumerate() {
        let settings = PageSettings::from_wh(width, height)
            .ok_or_else(|| PdfError::Write("bad paper size".to_owned()))?;
        let mut page = pdf.start_page_with(settings);
        let mut surface = page.surface();
        for op in &ops {
            draw(&mut surface, op, &regular, &bold);
        }
        let footer = format!("{} · page {} of {count}", document.title, index + 1);
        draw(
            &mut surface,
            &Op::Text {
                x: MARGIN,
                y: height - MARGIN / 2.0,
                text: footer,
                size: SMALL,
                bold: false,
                grey: 90,
            },
            &regular,
            &bold,
        );
        surface.finish();
        page.finish();
    }
    pdf.finish()
        .map_err(|error| PdfError::Write(format!("{error:?}")))
}

fn grey_fill(grey: u8) -> Fill {
    Fill {
        paint: luma::Color::new(grey).into(),
        ..Fill::default()
    }
}

fn draw(surface: &mut Surface<'_>, op: &Op, regular: &Face, bold: &Face) {
    match op {
        Op::Text {
            x,
            y,
            text,
            size,
            bold: is_bold,
            grey,
        } => {
            surface.set_stroke(None);
            surface.set_fill(Some(grey_fill(*grey)));
            let face = if *is_bold { bold } else { regular };
            surface.draw_text(
                Point::from_xy(*x, *y),
                face.font.clone(),
                *size,
                text,
                false,
                TextDirection::Auto,
            );
        }
        Op::Line {
            points,
            width,
            grey,
            dashed,
        } => {
            let mut builder = PathBuilder::new();
            for (index, (x, y)) in points.iter().enumerate() {
                if index == 0 {
                    builder.move_to(*x, *y);
                } else {
                    builder.line_to(*x, *y);
                }
            }
            if let Some(path) = builder.finish() {
                surface.set_fill(None);
                surface.set_stroke(Some(Stroke {
                    paint: luma::Color::new(*grey).into(),
                    width: *width,
                    dash: dashed.then(|| StrokeDash {
                        array: vec![3.0, 2.0],
                        offset: 0.0,
                    }),
                    ..Stroke::default()
                }));
                surface.draw_path(&path);
            }
        }
        Op::Rect {
            x,
            y,
            w,
            h,
            grey,
            outline,
        } => {
            let Some(rect) = krilla::geom::Rect::from_xywh(*x, *y, w.max(0.1), h.max(0.1)) else {
                return;
            };
            let mut builder = PathBuilder::new();
            builder.push_rect(rect);
            if let Some(path) = builder.finish() {
                if *outline {
                    surface.set_fill(None);
                    surface.set_stroke(Some(Stroke {
                        paint: luma::Color::new(*grey).into(),
                        width: 0.7,
                        ..Stroke::default()
                    }));
                } else {
                    surface.set_stroke(None);
                    surface.set_fill(Some(grey_fill(*grey)));
                }
                surface.draw_path(&path);
            }
        }
    }
}
