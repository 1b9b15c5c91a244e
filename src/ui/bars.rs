//! The tokens bar chart for the current view: one bar per bucket, sized to
//! the width, with a date axis underneath labelled where labels fit.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, BarGroup, Block, Borders, Paragraph};
use ratatui::Frame;

use super::theme::Theme;
use crate::analytics::trend::{Bucket, View};
use crate::analytics::Report;
use crate::format::compact;

/// Draws the bars of total tokens per bucket.
pub fn render(frame: &mut Frame, area: Rect, report: &Report, view: View, theme: &Theme) {
    let series = report.series(view);
    let total: i128 = series
        .iter()
        .map(|bucket| bucket.totals.usage.total_tokens())
        .sum();
    let title = format!(
        " Tokens · input + output + cache · {} total ",
        compact(total)
    );
    let block = Block::new()
        .borders(Borders::TOP)
        .border_style(theme.border())
        .title(Span::styled(title, theme.title()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height < 2 || series.is_empty() {
        return;
    }
    let count = u16::try_from(series.len()).unwrap_or(u16::MAX).max(1);
    // The widest bars that fit with a one-column gap (no gap when even 1-wide bars barely fit).
    let bar_width = ((inner.width + 1) / count).saturating_sub(1).max(1);
    // u32: a long custom range has more buckets than a u16 product holds.
    let gap =
        u16::from(u32::from(inner.width) + 1 >= u32::from(count) * (u32::from(bar_width) + 1));
    let show_values = bar_width >= 5;
    let tokens = |bucket: &Bucket| bucket.totals.usage.total_tokens().max(0).unsigned_abs();
    // Heights are u64: sums past that are scaled down together.
    let largest = series.iter().map(tokens).max().unwrap_or(0);
    let shift = (128 - largest.leading_zeros()).saturating_sub(64);
    let bars: Vec<Bar> = series
        .iter()
        .map(|bucket| {
            let value = tokens(bucket);
            let text = if show_values {
                compact(i128::try_from(value).unwrap_or(i128::MAX))
            } else {
                String::new()
            };
            Bar::new(u64::try_from(value >> shift).unwrap_or(u64::MAX)).text_value(text)
        })
        .collect();
    // Centre the bars in the width they leave.
    let used = u16::try_from(
        (u32::from(count) * u32::from(bar_width) + (u32::from(count) - 1) * u32::from(gap))
            .min(u32::from(inner.width)),
    )
    .unwrap_or(inner.width);
    let margin = (inner.width - used) / 2;
    let chart_area = Rect {
        x: inner.x + margin,
        width: used,
        height: inner.height - 1,
        ..inner
    };
    let axis_area = Rect {
        x: inner.x + margin,
        y: inner.y + inner.height - 1,
        width: inner.width - margin,
        height: 1,
    };
    let chart = BarChart::default()
        .data(BarGroup::new(bars))
        .bar_width(bar_width)
        .bar_gap(gap)
        .bar_style(theme.tokens())
        .value_style(theme.strong());
    frame.render_widget(chart, chart_area);
    let axis = axis_labels(
        view,
        series,
        usize::from(bar_width + gap),
        usize::from(axis_area.width),
    );
    frame.render_widget(Paragraph::new(Line::styled(axis, theme.dim())), axis_area);
}

/// A line of bucket labels, each under the left edge of its bar, skipping
/// labels that would collide with the one before.
#[must_use]
pub fn axis_labels(view: View, series: &[Bucket], column: usize, width: usize) -> String {
    let mut line: Vec<char> = vec![' '; width];
    let mut free_from = 0;
    let last = series.len().saturating_sub(1);
    for (index, bucket) in series.iter().enumerate() {
        let label = label_for(view, bucket);
        let start = index * column;
        let length = crate::text::width(&label);
        // Keep the last bucket's label: move it left to fit.
        let start = if index == last {
            start.min(width.saturating_sub(length))
        } else {
            start
        };
        if start < free_from || start + length > width {
            continue;
        }
        if index != last && last * column < start + length + 1 {
            // Would collide with the last label, which always shows.
            continue;
        }
        for (offset, c) in label.chars().enumerate() {
            line[start + offset] = c;
        }
        free_from = start + length + 1;
    }
    line.into_iter().collect::<String>().trim_end().to_owned()
}

fn label_for(view: View, bucket: &Bucket) -> String {
    match view {
        View::Daily | View::Weekly => bucket.start.format("%b %-d").to_string(),
        View::Monthly => bucket.start.format("%b").to_string(),
    }
}
