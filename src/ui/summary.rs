//! The four summary blocks: today, this week, this month and all time, with
//! requests, tokens, cost and the change in cost against the same span of the
//! previous period.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use ratatui::Frame;

use super::theme::Theme;
use crate::analytics::summary::PeriodSummary;
use crate::app::App;
use crate::format::{change, compact, grouped, money, money_short};

/// Draws the row of four blocks.
pub fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let areas: [Rect; 4] = Layout::horizontal([Constraint::Ratio(1, 4); 4]).areas(area);
    // In history the periods are those of the date shown, not today's.
    let titles: [String; 4] = match (&app.report, app.history) {
        (Some(report), back) if back > 0 => {
            let date = |summary: &PeriodSummary, format: &str| {
                summary
                    .start
                    .map_or_else(String::new, |day| day.format(format).to_string())
            };
            [
                date(&report.summary.today, "%a %-d %b"),
                format!("Week of {}", date(&report.summary.this_week, "%-d %b")),
                date(&report.summary.this_month, "%b %Y"),
                "All time".to_owned(),
            ]
        }
        _ => ["Today", "This week", "This month", "All time"].map(str::to_owned),
    };
    // The comparison chosen with `c` once the report holds it, else the previous period.
    let comparison = app.comparison();
    // The last refresh failed: these numbers are from an earlier one.
    let stale = app.error.is_some() && app.report.is_some();
    for (index, (block_area, title)) in areas.into_iter().zip(titles).enumerate() {
        let block = Block::bordered()
            .border_style(theme.border())
            .title(if stale {
                // Marked until a refresh succeeds; the footer says why.
                Span::styled(format!(" {title} ⚠ "), theme.warning())
            } else {
                Span::styled(format!(" {title} "), theme.title())
            });
        let inner = block.inner(block_area);
        frame.render_widget(block, block_area);
        let lines = match &app.report {
            None => vec![Line::styled("…", theme.dim())],
            Some(report) => {
                let summaries = [
                    &report.summary.today,
                    &report.summary.this_week,
                    &report.summary.this_month,
                    &report.summary.all_time,
                ];
                let summary = summaries[index];
                let against = comparison.as_ref().and_then(|comparison| {
                    let labels = comparison.mode.labels();
                    Some((*labels.get(index)?, *comparison.blocks.get(index)?))
                });
                block_lines(summary, against, usize::from(inner.width), theme)
            }
        };
        frame.render_widget(Paragraph::new(lines), inner);
    }
}

fn block_lines<'a>(
    summary: &PeriodSummary,
    comparison: Option<((&str, &str), Option<crate::analytics::Totals>)>,
    width: usize,
    theme: &Theme,
) -> Vec<Line<'a>> {
    let totals = &summary.totals;
    // The full figure when it fits beside its label, else the short one.
    let fits =
        |label: &str, value: &str| label.chars().count() + value.chars().count() + 2 <= width;
    let requests = if width >= 20 && fits("Requests", &grouped(totals.usage.requests)) {
        grouped(totals.usage.requests)
    } else {
        compact(totals.usage.requests)
    };
    let mark = if totals.has_estimate() { "*" } else { "" };
    let mut cost = format!("{}{mark}", money(totals.cost));
    if !fits("Cost", &cost) {
        cost = format!("{}{mark}", money_short(totals.cost, totals.cost));
    }
    let mut lines = vec![
        row("Requests", requests, width, theme.dim(), theme.text()),
        row(
            "Tokens",
            compact(totals.usage.total_tokens()),
            width,
            theme.dim(),
            theme.text(),
        ),
        row("Cost", cost, width, theme.dim(), theme.strong()),
    ];
    match comparison {
        Some(((long, short), None)) => {
            let label = if long.len() + 9 <= width { long } else { short };
            lines.push(row(
                label,
                "no data".to_owned(),
                width,
                theme.dim(),
                theme.dim(),
            ));
        }
        Some(((long, short), Some(previous))) => {
            let delta = change(totals.cost, previous.cost);
            let label = if long.len() + delta.len() + 2 <= width {
                long
            } else {
                short
            };
            let style = if totals.cost > previous.cost && !previous.cost.is_zero() {
                theme.up()
            } else if totals.cost < previous.cost {
                theme.down()
            } else {
                theme.dim()
            };
            lines.push(row(label, delta, width, theme.dim(), style));
        }
        None => {
            let since = summary.start.map_or_else(
                || "no data".to_owned(),
                |day| day.format("%Y-%m-%d").to_string(),
            );
            lines.push(row("since", since, width, theme.dim(), theme.dim()));
        }
    }
    lines
}

/// `label ........ value`, the value right-aligned to `width`.
fn row<'a>(
    label: &str,
    value: String,
    width: usize,
    label_style: ratatui::style::Style,
    value_style: ratatui::style::Style,
) -> Line<'a> {
    let label_width = label.chars().count();
    let value_width = value.chars().count();
    let gap = width.saturating_sub(label_width + value_width + 1).max(1);
    if label_width + value_width + 2 > width {
        return Line::from(Span::styled(format!(" {value}"), value_style));
    }
    Line::from(vec![
        Span::styled(format!(" {label}"), label_style),
        Span::raw(" ".repeat(gap)),
        Span::styled(value, value_style),
    ])
}
