//! The tokens chart of the current view, on the shared x axis: one bar per
//! bucket (with a gap when the columns allow), or in the tokens detail the
//! four kinds stacked (input, output, cache read, cache write), each with its
//! own shade so they stay apart without colour.

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Span;
use ratatui::Frame;

use super::axis::Axis;
use super::charts::{draw_columns, eighths, frame_chart, title, ChartOptions};
use super::theme::Theme;
use crate::analytics::trend::Bucket;
use crate::format::compact;
use crate::pipeline::Snapshot;
use crate::usage::Usage;

/// The token kinds, bottom to top, with their shade and name.
pub const KINDS: [(&str, &str); 4] = [
    ("█", "input"),
    ("▓", "output"),
    ("▒", "cache read"),
    ("░", "cache write"),
];

fn kinds(usage: &Usage) -> [u128; 4] {
    [
        usage.input_tokens,
        usage.output_tokens,
        usage.cache_read_tokens,
        usage.cache_write_tokens,
    ]
    .map(|tokens| tokens.max(0).unsigned_abs())
}

fn tokens(bucket: &Bucket) -> u128 {
    kinds(&bucket.totals.usage).iter().sum()
}

/// The scale labels: the peak and zero.
#[must_use]
pub fn scale(series: &[Bucket]) -> Vec<String> {
    let peak = series.iter().map(tokens).max().unwrap_or(0);
    vec![
        compact(i128::try_from(peak).unwrap_or(i128::MAX)),
        "0".to_owned(),
    ]
}

/// Draws the token bars of the view.
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
        .map(|bucket| bucket.totals.usage.total_tokens())
        .fold(0_i128, i128::saturating_add);
    let heading = if options.tokens {
        format!(" Tokens · {} ·", compact(total))
    } else {
        format!(
            " Tokens · input + output + cache · {} total ",
            compact(total)
        )
    };
    let legend: Vec<Vec<Span>> = if options.tokens {
        KINDS
            .iter()
            .enumerate()
            .map(|(index, (shade, name))| {
                vec![
                    Span::styled(format!(" {shade}"), theme.token_kind(index)),
                    Span::styled(format!(" {name} "), theme.dim()),
                ]
            })
            .collect()
    } else {
        Vec::new()
    };
    let plot = frame_chart(
        frame,
        area,
        title(heading, legend, area.width, theme),
        axis,
        scale,
        theme,
    );
    if plot.height == 0 || series.is_empty() {
        return;
    }
    let peak = series.iter().map(tokens).max().unwrap_or(0);
    let gaps = axis.has_gaps();
    let is_gap = |column: usize| {
        gaps && axis
            .buckets_in(column)
            .next()
            .is_some_and(|index| axis.span(index).end == column + 1)
    };
    if options.tokens {
        draw_stacked(frame, plot, series, axis, peak, &is_gap, theme);
        return;
    }
    let heights: Vec<(u64, Style)> = (0..usize::from(plot.width))
        .map(|column| {
            if is_gap(column) {
                return (0, theme.tokens());
            }
            let value = axis
                .buckets_in(column)
                .filter_map(|index| series.get(index))
                .map(tokens)
                .max()
                .unwrap_or(0);
            (eighths(value, peak, plot.height), theme.tokens())
        })
        .collect();
    draw_columns(frame.buffer_mut(), plot, &heights);
}

/// The kinds stacked, a whole cell at a time: each cell takes the kind at its middle.
fn draw_stacked(
    frame: &mut Frame,
    plot: Rect,
    series: &[Bucket],
    axis: &Axis,
    peak: u128,
    is_gap: &dyn Fn(usize) -> bool,
    theme: &Theme,
) {
    let buffer = frame.buffer_mut();
    let rows = u128::from(plot.height);
    for column in 0..usize::from(plot.width) {
        if is_gap(column) {
            continue;
        }
        // The largest bucket of the column, by its total.
        let Some(bucket) = axis
            .buckets_in(column)
            .filter_map(|index| series.get(index))
            .max_by_key(|bucket| tokens(bucket))
        else {
            continue;
        };
        let parts = kinds(&bucket.totals.usage);
        if peak == 0 {
            continue;
        }
        // Boundaries in half rows, so each cell is decided at its middle.
        let mut bounds = [0_u128; 4];
        let mut running = 0_u128;
        for (index, part) in parts.iter().enumerate() {
            running = running.saturating_add(*part);
            bounds[index] = running.saturating_mul(rows * 2) / peak;
        }
        let x = plot.x + u16::try_from(column).unwrap_or(0);
        for row in 0..plot.height {
            let middle = u128::from(row) * 2 + 1;
            let Some(kind) = bounds.iter().position(|bound| *bound >= middle) else {
                break;
            };
            let y = plot.y + plot.height - 1 - row;
            buffer[(x, y)]
                .set_symbol(KINDS[kind].0)
                .set_style(theme.token_kind(kind));
        }
    }
}
