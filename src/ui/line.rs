//! The cost line chart for the current view, with money on the y axis and
//! the first, middle and last bucket dates on the x axis.

use ratatui::layout::Rect;
use ratatui::symbols::Marker;
use ratatui::text::Span;
use ratatui::widgets::{Axis, Block, Borders, Chart, Dataset, GraphType};
use ratatui::Frame;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use super::theme::Theme;
use crate::analytics::trend::{Bucket, View};
use crate::analytics::Report;
use crate::format::{money, money_short};

/// Draws the line of cost per bucket, and the comparison's series dimmer
/// when one is chosen (`overlay`: its label and series; none for custom ranges).
pub fn render(
    frame: &mut Frame,
    area: Rect,
    report: &Report,
    view: View,
    overlay: Option<(String, &[Bucket])>,
    theme: &Theme,
) {
    let series = report.series(view);
    let (label, previous) = match overlay {
        Some((label, series)) if report.range.is_none() => (label, Some(series)),
        _ => (String::new(), None),
    };
    let total: Decimal = series.iter().map(|bucket| bucket.totals.cost).sum();
    let estimated = series.iter().any(|bucket| bucket.totals.has_estimate());
    let title = format!(
        " Cost (USD) · {} total{} ",
        money(total),
        if estimated {
            " · * incl. estimates"
        } else {
            ""
        }
    ) + &previous.map_or_else(String::new, |series| {
        let total: Decimal = series.iter().map(|bucket| bucket.totals.cost).sum();
        format!("· {label} {} (dim) ", money(total))
    });
    let block = Block::new()
        .borders(Borders::TOP)
        .border_style(theme.border())
        .title(Span::styled(title, theme.title()));
    // Plotting only: floats are fine for pixel positions, never for money.
    let points: Vec<(f64, f64)> = series
        .iter()
        .enumerate()
        .map(|(index, bucket)| {
            (
                f64::from(u32::try_from(index).unwrap_or(0)),
                bucket.totals.cost.to_f64().unwrap_or(0.0),
            )
        })
        .collect();
    let previous_points: Vec<(f64, f64)> = previous
        .unwrap_or_default()
        .iter()
        .enumerate()
        .map(|(index, bucket)| {
            (
                f64::from(u32::try_from(index).unwrap_or(0)),
                bucket.totals.cost.to_f64().unwrap_or(0.0),
            )
        })
        .collect();
    let peak = series
        .iter()
        .chain(previous.unwrap_or_default())
        .map(|bucket| bucket.totals.cost)
        .max()
        .unwrap_or_default();
    let top = if peak.is_zero() { Decimal::ONE } else { peak };
    let last_index = f64::from(u32::try_from(series.len().saturating_sub(1)).unwrap_or(0)).max(1.0);
    let date_label = |index: usize| {
        series
            .get(index)
            .map_or_else(String::new, |bucket| match view {
                View::Daily | View::Weekly => bucket.start.format("%b %-d").to_string(),
                View::Monthly => bucket.start.format("%b %Y").to_string(),
            })
    };
    let x_labels = vec![
        Span::styled(date_label(0), theme.dim()),
        Span::styled(date_label(series.len() / 2), theme.dim()),
        Span::styled(date_label(series.len().saturating_sub(1)), theme.dim()),
    ];
    let y_labels = vec![
        Span::styled(money_short(Decimal::ZERO, top), theme.dim()),
        Span::styled(money_short(top / Decimal::TWO, top), theme.dim()),
        Span::styled(money_short(top, top), theme.dim()),
    ];
    let dataset = Dataset::default()
        .marker(Marker::Braille)
        .graph_type(GraphType::Line)
        .style(theme.cost())
        .data(&points);
    let mut datasets = Vec::new();
    if !previous_points.is_empty() {
        datasets.push(
            Dataset::default()
                .marker(Marker::Dot)
                .graph_type(GraphType::Line)
                .style(theme.dim())
                .data(&previous_points),
        );
    }
    datasets.push(dataset);
    let chart = Chart::new(datasets)
        .block(block)
        .x_axis(
            Axis::default()
                .bounds([0.0, last_index])
                .labels(x_labels)
                .style(theme.dim()),
        )
        .y_axis(
            Axis::default()
                .bounds([0.0, top.to_f64().unwrap_or(1.0)])
                .labels(y_labels)
                .style(theme.dim()),
        );
    frame.render_widget(chart, area);
}
