//! The requests sparkline for the current view, stretched to the width.

use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Sparkline};
use ratatui::Frame;

use super::theme::Theme;
use crate::analytics::trend::View;
use crate::analytics::Report;
use crate::format::{compact, grouped};

/// Draws the sparkline of requests per bucket.
pub fn render(frame: &mut Frame, area: Rect, report: &Report, view: View, theme: &Theme) {
    let series = report.series(view);
    let values: Vec<u64> = series
        .iter()
        .map(|bucket| bucket.totals.usage.requests.max(0).unsigned_abs())
        .collect();
    let total: i64 = series
        .iter()
        .map(|bucket| bucket.totals.usage.requests)
        .sum();
    let peak = values.iter().copied().max().unwrap_or(0);
    let title = format!(
        " Requests · {} · {} total · peak {} ",
        report.span_label(view),
        grouped(total),
        compact(i64::try_from(peak).unwrap_or(i64::MAX))
    );
    let block = Block::new()
        .borders(Borders::TOP)
        .border_style(theme.border())
        .title(Span::styled(title, theme.title()));
    let inner = block.inner(area);
    let stretched = stretch(&values, usize::from(inner.width));
    frame.render_widget(block, area);
    frame.render_widget(
        Sparkline::default()
            .data(&stretched)
            .style(theme.requests()),
        inner,
    );
}

/// Spreads the values over `width` columns (each value gets an equal share, give or take one).
fn stretch(values: &[u64], width: usize) -> Vec<u64> {
    if values.is_empty() || width == 0 {
        return values.to_vec();
    }
    let columns = width.max(values.len());
    (0..columns)
        .map(|column| values[column * values.len() / columns])
        .collect()
}
