//! The chart stack of a view: requests (a sparkline with its scale), tokens
//! (bars, stacked by kind in the tokens detail) and cost (a line, split by
//! model on request), one above the other on one shared x axis with the
//! dates underneath. Compact screens keep requests and cost.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

use super::axis::{label_for, labels_line, Axis};
use super::theme::Theme;
use super::{bars, line, sparkline};
use crate::analytics::compare::Comparison;
use crate::analytics::trend::View;
use crate::pipeline::Snapshot;

/// What the charts show besides the series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChartOptions<'a> {
    /// The view.
    pub view: View,
    /// The comparison overlaid on the cost chart, when one is chosen.
    pub comparison: Option<&'a Comparison>,
    /// Split the cost chart by model.
    pub split: bool,
    /// Stack the token bars by kind.
    pub tokens: bool,
    /// The last bucket is the unfinished current period (drawn as partial,
    /// with the forecast to its end).
    pub partial: bool,
}

/// Draws the stack over `area`.
pub fn render(
    frame: &mut Frame,
    area: Rect,
    report: &Snapshot,
    options: ChartOptions<'_>,
    theme: &Theme,
) {
    let series = report.series(options.view);
    let compact = area.height < 12;
    // Rows: titles and plots of each chart, then the date axis.
    let body = Rect {
        height: area.height.saturating_sub(1),
        ..area
    };
    let axis_row = Rect {
        y: area.y + body.height,
        height: area.height - body.height,
        ..area
    };
    let requests_scale = sparkline::scale(series);
    let tokens_scale = bars::scale(series);
    let cost_scale = line::scale(report, options);
    let gutter = [&requests_scale, &tokens_scale, &cost_scale]
        .iter()
        .flat_map(|scale| scale.iter())
        .map(|label| crate::text::width(label))
        .max()
        .unwrap_or(1);
    let gutter = u16::try_from(gutter + 1).unwrap_or(8).min(area.width / 4);
    let axis = Axis::new(area, gutter, series.len());

    if compact {
        // Requests (or the token kinds, in the tokens detail) and cost.
        let top = 3.min(body.height / 2);
        let (first, second) = split_rows(body, top);
        if options.tokens {
            bars::render(frame, first, report, &axis, &tokens_scale, options, theme);
        } else {
            sparkline::render(frame, first, report, &axis, &requests_scale, options, theme);
        }
        line::render(frame, second, report, &axis, &cost_scale, options, theme);
    } else {
        let spark_rows = (body.height / 5).max(3);
        let (spark, rest) = split_rows(body, spark_rows);
        let (tokens, cost) = split_rows(rest, rest.height / 2);
        sparkline::render(frame, spark, report, &axis, &requests_scale, options, theme);
        bars::render(frame, tokens, report, &axis, &tokens_scale, options, theme);
        line::render(frame, cost, report, &axis, &cost_scale, options, theme);
    }
    let labels: Vec<String> = series
        .iter()
        .map(|bucket| label_for(options.view, bucket))
        .collect();
    frame.render_widget(
        Paragraph::new(Line::styled(labels_line(&axis, &labels), theme.dim())),
        axis.plot(axis_row),
    );
}

/// `area` cut after `rows` rows.
#[must_use]
pub fn split_rows(area: Rect, rows: u16) -> (Rect, Rect) {
    let rows = rows.min(area.height);
    (
        Rect {
            height: rows,
            ..area
        },
        Rect {
            y: area.y + rows,
            height: area.height - rows,
            ..area
        },
    )
}

/// A chart's frame: a title on a top rule, and the area under it split into
/// the gutter (the y scale, right-aligned, with an axis line) and the plot.
/// Returns the plot area.
pub fn frame_chart(
    frame: &mut Frame,
    area: Rect,
    title: Line,
    axis: &Axis,
    scale: &[String],
    theme: &Theme,
) -> Rect {
    let block = Block::new()
        .borders(Borders::TOP)
        .border_style(theme.border())
        .title(title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height == 0 {
        return inner;
    }
    let label_width = usize::from(axis.gutter.saturating_sub(1));
    let rows = usize::from(inner.height);
    let buffer = frame.buffer_mut();
    for row in 0..rows {
        // Labels at the top, the middle (three or more) and the bottom row.
        let label = match (scale.len(), row) {
            (_, 0) => scale.first(),
            (count, r) if r + 1 == rows && count >= 2 => scale.last(),
            (3, r) if rows >= 5 && r == (rows - 1) / 2 => scale.get(1),
            _ => None,
        };
        let text = format!(
            "{}{}",
            crate::text::pad_left(label.map_or("", String::as_str), label_width),
            if label.is_some() { "┤" } else { "│" }
        );
        let y = inner.y + u16::try_from(row).unwrap_or(0);
        if axis.gutter > 0 {
            buffer.set_stringn(inner.x, y, &text, usize::from(axis.gutter), theme.dim());
        }
    }
    axis.plot(inner)
}

/// The symbols for eighths of a cell, empty to full.
const EIGHTHS: [&str; 9] = [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"];

/// Vertical bars, one per plot column, `heights` in eighths of a row
/// (bottom-up in `area`); `styles` per column.
pub fn draw_columns(buffer: &mut Buffer, area: Rect, heights: &[(u64, Style)]) {
    let rows = u64::from(area.height);
    for (column, (height, style)) in heights.iter().enumerate() {
        let Ok(offset) = u16::try_from(column) else {
            break;
        };
        if offset >= area.width {
            break;
        }
        let x = area.x + offset;
        for row in 0..rows {
            let filled = height.saturating_sub(row * 8).min(8);
            if filled == 0 {
                break;
            }
            let y = area.y + area.height - 1 - u16::try_from(row).unwrap_or(0);
            let symbol = EIGHTHS[usize::try_from(filled).unwrap_or(8)];
            buffer[(x, y)].set_symbol(symbol).set_style(*style);
        }
    }
}

/// `value` of `peak` in eighths of `rows` rows; anything above zero shows at
/// least one eighth.
#[must_use]
pub fn eighths(value: u128, peak: u128, rows: u16) -> u64 {
    if value == 0 || peak == 0 {
        return 0;
    }
    let full = u128::from(rows) * 8;
    let scaled = value.saturating_mul(full) / peak;
    u64::try_from(scaled.clamp(1, full)).unwrap_or(u64::MAX)
}

/// The title of a chart: `text` in the title style, then the groups of
/// extra spans that fit in `columns` (whole groups only: none is cut).
#[must_use]
pub fn title<'a>(text: String, extra: Vec<Vec<Span<'a>>>, columns: u16, theme: &Theme) -> Line<'a> {
    let room = usize::from(columns).saturating_sub(2);
    let mut used = crate::text::width(&text);
    let mut spans = vec![Span::styled(text, theme.title())];
    for group in extra {
        let width: usize = group.iter().map(Span::width).sum();
        if used + width > room {
            break;
        }
        used += width;
        spans.extend(group);
    }
    Line::from(spans)
}
