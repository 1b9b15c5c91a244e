//! The requests sparkline of the current view, on the shared x axis, with
//! its scale (the peak at the top, zero at the bottom).

use ratatui::layout::Rect;
use ratatui::Frame;

use super::axis::Axis;
use super::charts::{draw_columns, eighths, frame_chart, title, ChartOptions};
use super::theme::Theme;
use crate::analytics::trend::Bucket;
use crate::format::{compact, grouped};
use crate::pipeline::Snapshot;

fn requests(bucket: &Bucket) -> u128 {
    u128::from(bucket.totals.usage.requests.max(0).unsigned_abs())
}

/// The scale labels: the peak and zero.
#[must_use]
pub fn scale(series: &[Bucket]) -> Vec<String> {
    let peak = series.iter().map(requests).max().unwrap_or(0);
    vec![
        compact(i128::try_from(peak).unwrap_or(i128::MAX)),
        "0".to_owned(),
    ]
}

/// Draws the sparkline of requests per bucket.
pub fn render(
    frame: &mut Frame,
    area: Rect,
    report: &Snapshot,
    axis: &Axis,
    scale: &[String],
    options: ChartOptions<'_>,
    theme: &Theme,
) {
    let series = report.series(options.view);
    let total = series
        .iter()
        .map(|bucket| bucket.totals.usage.requests)
        .fold(0_i64, i64::saturating_add);
    let heading = format!(
        " Requests · {} · {} total ",
        report.span_label(options.view),
        grouped(total)
    );
    let plot = frame_chart(
        frame,
        area,
        title(heading, Vec::new(), area.width, theme),
        axis,
        scale,
        theme,
    );
    if plot.height == 0 || series.is_empty() {
        return;
    }
    let peak = series.iter().map(requests).max().unwrap_or(0);
    let heights: Vec<_> = (0..usize::from(plot.width))
        .map(|column| {
            let value = axis
                .buckets_in(column)
                .filter_map(|index| series.get(index))
                .map(requests)
                .max()
                .unwrap_or(0);
            (eighths(value, peak, plot.height), theme.requests())
        })
        .collect();
    draw_columns(frame.buffer_mut(), plot, &heights);
}
