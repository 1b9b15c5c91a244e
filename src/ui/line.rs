//! The cost chart of the current view, on the shared x axis: a line through
//! the finished periods; the unfinished current one drawn as partial (its
//! cost so far as a point, the forecast to its end dotted and dim); the
//! comparison chosen with `c` overlaid (the previous period, a year before
//! or the baseline: `•`, `o` in ASCII); or one line per
//! top model, each lettered at its end, with a legend.

use chrono::Days;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::symbols::Marker;
use ratatui::text::Span;
use ratatui::widgets::canvas::{Canvas, Context, Line as Segment, Points};
use ratatui::Frame;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use super::axis::Axis;
use super::charts::{frame_chart, title, ChartOptions};
use super::theme::Theme;
use crate::analytics::compare::Compare;
use crate::analytics::totals::sum_costs;
use crate::analytics::trend::View;
use crate::analytics::Report;
use crate::format::{money, money_short};
use crate::pipeline::Snapshot;

/// The letters that mark each model's line in the split chart; the last is "other".
pub const LETTERS: [&str; 6] = ["A", "B", "C", "D", "E", "o"];

/// Expected cost of the whole current period of `view` (today, this week,
/// this month): what it cost so far plus the forecast of the rest.
#[must_use]
pub fn forecast(report: &Report, view: View) -> Option<Decimal> {
    let prediction = &report.prediction;
    let today = report.summary.today.start?;
    let projected = |until| -> Decimal {
        sum_costs(
            prediction
                .projection
                .iter()
                .filter(|(day, _)| *day >= today && *day <= until)
                .map(|(_, cost)| *cost),
        )
    };
    match view {
        View::Daily => Some(
            report
                .summary
                .today
                .totals
                .cost
                .saturating_add(projected(today)),
        ),
        View::Weekly => {
            let start = report.summary.this_week.start?;
            Some(
                report
                    .summary
                    .this_week
                    .totals
                    .cost
                    .saturating_add(projected(start + Days::new(6))),
            )
        }
        View::Monthly => Some(prediction.cost.point),
    }
}

fn top(report: &Snapshot, options: ChartOptions<'_>) -> Decimal {
    let series = report.series(options.view);
    let mut peak = series
        .iter()
        .map(|bucket| bucket.totals.cost)
        .max()
        .unwrap_or_default();
    if options.partial {
        peak = peak.max(forecast(report, options.view).unwrap_or_default());
    }
    if let Some(previous) = previous(report, options) {
        peak = peak.max(
            previous
                .iter()
                .map(|bucket| bucket.totals.cost)
                .max()
                .unwrap_or_default(),
        );
    }
    if options.split {
        let split = report.splits.for_view(options.view);
        peak = split
            .costs
            .iter()
            .flatten()
            .copied()
            .max()
            .unwrap_or_default();
    }
    if peak.is_zero() {
        Decimal::ONE
    } else {
        peak
    }
}

/// The series overlaid: the comparison's, when one is chosen (none for
/// custom ranges, and none while the chart is split by model).
fn previous<'a>(
    report: &Snapshot,
    options: ChartOptions<'a>,
) -> Option<&'a [crate::analytics::trend::Bucket]> {
    if options.split || report.range.is_some() {
        return None;
    }
    options.comparison?.series(options.view)
}

/// The scale labels: the top, the middle and zero.
#[must_use]
pub fn scale(report: &Snapshot, options: ChartOptions<'_>) -> Vec<String> {
    let top = top(report, options);
    vec![
        money_short(top, top),
        money_short(top / Decimal::TWO, top),
        money_short(Decimal::ZERO, top),
    ]
}

fn colour(style: Style) -> Color {
    style.fg.unwrap_or(Color::Reset)
}

fn value(cost: Decimal) -> f64 {
    // Plotting only: floats are fine for positions, never for money.
    cost.to_f64().unwrap_or(0.0)
}

/// Draws the cost chart.
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
    let total = sum_costs(series.iter().map(|bucket| bucket.totals.cost));
    let estimated = series.iter().any(|bucket| bucket.totals.has_estimate());
    let previous = previous(report, options);
    let forecast = forecast(report, options.view).filter(|_| options.partial);
    let split = report.splits.for_view(options.view);
    let heading = if options.split {
        " Cost by model ·".to_owned()
    } else {
        format!(
            " Cost (USD) · {}{} total ",
            money(total),
            if estimated { "*" } else { "" }
        )
    };
    let mut extra: Vec<Vec<Span>> = Vec::new();
    if options.split {
        // The legend: whole entries while they fit, then how many did not.
        let mut room = usize::from(area.width).saturating_sub(crate::text::width(&heading) + 4);
        let mut entries: Vec<(usize, String)> = split
            .models
            .iter()
            .enumerate()
            .map(|(index, model)| (index, crate::text::sanitize_middle(model, 20)))
            .collect();
        if split.others > 0 {
            entries.push((LETTERS.len() - 1, format!("{} others", split.others)));
        }
        let count = entries.len();
        for (shown, (index, name)) in entries.into_iter().enumerate() {
            let needed = crate::text::width(&name) + 4;
            let rest = if shown + 1 < count { 8 } else { 0 };
            if needed + rest > room {
                extra.push(vec![Span::styled(
                    format!(" +{} ", count - shown),
                    theme.dim(),
                )]);
                break;
            }
            room -= needed;
            extra.push(vec![
                Span::styled(
                    format!(" {} ", LETTERS[index]),
                    theme
                        .series(index)
                        .add_modifier(ratatui::style::Modifier::BOLD),
                ),
                Span::styled(name, theme.dim()),
            ]);
        }
    } else {
        if let (Some(previous), Some(comparison)) = (previous, options.comparison) {
            let total = sum_costs(previous.iter().map(|bucket| bucket.totals.cost));
            extra.push(vec![Span::styled(
                format!(
                    "· {} {} {} ",
                    if theme.ascii() { "o" } else { "•" },
                    match comparison.mode {
                        Compare::Previous => "previous".to_owned(),
                        Compare::Year => "year before".to_owned(),
                        Compare::Baseline(periods) => format!("baseline of {periods}"),
                    },
                    money(total)
                ),
                theme.dim(),
            )]);
        }
        if let Some(cost) = forecast {
            let period = match options.view {
                View::Daily => "today",
                View::Weekly => "this week",
                View::Monthly => "this month",
            };
            extra.push(vec![Span::styled(
                format!("· ·· {period} ~{} expected ", money(cost)),
                theme.dim(),
            )]);
        }
    }
    let plot = frame_chart(
        frame,
        area,
        title(heading, extra, area.width, theme),
        axis,
        scale,
        theme,
    );
    if plot.height == 0 || series.is_empty() {
        return;
    }
    let top = value(top(report, options));
    let centre = |index: usize| axis.centre(index);
    let points: Vec<(f64, f64)> = series
        .iter()
        .enumerate()
        .map(|(index, bucket)| (centre(index), value(bucket.totals.cost)))
        .collect();
    let finished = if options.partial {
        points.len().saturating_sub(1)
    } else {
        points.len()
    };
    let cost = colour(theme.cost());
    let dim = colour(theme.dim());
    let ascii = theme.ascii();
    let series_colours: Vec<Color> = (0..LETTERS.len())
        .map(|index| colour(theme.series(index)))
        .collect();
    let canvas = Canvas::default()
        .x_bounds([0.0, f64::from(axis.width)])
        .y_bounds([0.0, top])
        .paint(|ctx: &mut Context| {
            if options.split {
                for (index, costs) in split.costs.iter().enumerate() {
                    let colour = series_colours[index.min(LETTERS.len() - 1)];
                    let line: Vec<(f64, f64)> = costs
                        .iter()
                        .enumerate()
                        .map(|(at, cost)| (centre(at), value(*cost)))
                        .collect();
                    ctx.marker(Marker::Braille);
                    polyline(ctx, &line[..finished.min(line.len())], colour);
                    if options.partial && line.len() >= 2 {
                        ctx.marker(Marker::Custom('·'));
                        dotted(ctx, line[line.len() - 2], line[line.len() - 1], colour);
                    }
                    // The letter at the series' peak, where lines are furthest apart.
                    if let Some(&(x, y)) = line.iter().max_by(|a, b| a.1.total_cmp(&b.1)) {
                        ctx.print(
                            x,
                            y,
                            Span::styled(LETTERS[index.min(5)], Style::new().fg(colour)),
                        );
                    }
                }
                return;
            }
            if let Some(previous) = previous {
                let line: Vec<(f64, f64)> = previous
                    .iter()
                    .enumerate()
                    .map(|(at, bucket)| (centre(at), value(bucket.totals.cost)))
                    .collect();
                ctx.marker(Marker::Dot);
                polyline(ctx, &line, dim);
            }
            ctx.marker(Marker::Braille);
            polyline(ctx, &points[..finished], cost);
            if options.partial {
                if let Some(&(x, y)) = points.last() {
                    if let (Some(forecast), Some(&from)) =
                        (forecast, points.get(finished.wrapping_sub(1)))
                    {
                        ctx.marker(Marker::Custom(if ascii { '.' } else { '·' }));
                        dotted(ctx, from, (x, value(forecast)), dim);
                    }
                    ctx.marker(Marker::Braille);
                    ctx.draw(&Points {
                        coords: &[(x, y)],
                        color: cost,
                    });
                }
            }
        });
    frame.render_widget(canvas, plot);
}

fn polyline(ctx: &mut Context, points: &[(f64, f64)], colour: Color) {
    if let [(x, y)] = points {
        ctx.draw(&Points {
            coords: &[(*x, *y)],
            color: colour,
        });
    }
    for pair in points.windows(2) {
        ctx.draw(&Segment {
            x1: pair[0].0,
            y1: pair[0].1,
            x2: pair[1].0,
            y2: pair[1].1,
            color: colour,
        });
    }
}

/// Points every other column from `from` to `to` (a dotted line).
fn dotted(ctx: &mut Context, from: (f64, f64), to: (f64, f64), colour: Color) {
    let steps = ((to.0 - from.0).abs().ceil() as usize).max(1);
    let coords: Vec<(f64, f64)> = (1..=steps)
        .filter(|step| step % 2 == 0 || *step == steps)
        .map(|step| {
            let t = step as f64 / steps as f64;
            (from.0 + (to.0 - from.0) * t, from.1 + (to.1 - from.1) * t)
        })
        .collect();
    ctx.draw(&Points {
        coords: &coords,
        color: colour,
    });
}
