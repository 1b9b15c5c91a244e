//! The summary: today, this week, this month and all time, with requests,
//! tokens, cost and the change in cost against the comparison chosen with
//! `c` (the same span of the previous period by default, a year before, or
//! the baseline); in the tokens detail the four token kinds, the cache hit ratio and
//! what caching saved. Four blocks from 80x24, a table with every label below.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use ratatui::Frame;

use super::theme::Theme;
use crate::analytics::compare::{Compare, Comparison};
use crate::analytics::summary::PeriodSummary;
use crate::analytics::Totals;
use crate::app::App;
use crate::format::{change, compact, grouped, money, money_short, percent_of};
use crate::text::{pad_left, pad_right, width};

/// One figure of a block: label, value (full and short form) and style.
struct Figure {
    label: &'static str,
    short_label: &'static str,
    value: String,
    short: String,
    style: Style,
}

fn figure(
    label: &'static str,
    short_label: &'static str,
    value: String,
    short: String,
    style: Style,
) -> Figure {
    Figure {
        label,
        short_label,
        value,
        short,
        style,
    }
}

fn cost_text(totals: &Totals) -> (String, String) {
    let mark = if totals.has_estimate() { "*" } else { "" };
    (
        format!("{}{mark}", money(totals.cost)),
        format!("{}{mark}", money_short(totals.cost, totals.cost)),
    )
}

/// What a block compares with: the comparison's labels (long, short) and
/// its figures (`None`: no history that far back).
type Against = Option<((&'static str, &'static str), Option<Totals>)>;

/// What block `index` compares with: the comparison chosen (or the previous
/// period). Without figures of the previous period (a custom range, the
/// first day of history) the block says since when it counts instead.
fn against(comparison: Option<&Comparison>, index: usize) -> Against {
    let comparison = comparison?;
    let labels = *comparison.mode.labels().get(index)?;
    let block = *comparison.blocks.get(index)?;
    if block.is_none() && comparison.mode == Compare::Previous {
        return None;
    }
    Some((labels, block))
}

/// The figures of one period.
fn figures(summary: &PeriodSummary, against: Against, tokens: bool, theme: &Theme) -> Vec<Figure> {
    let totals = &summary.totals;
    let usage = &totals.usage;
    if tokens {
        let (saved, saved_short) = (
            money(totals.cache_savings),
            money_short(totals.cache_savings, totals.cache_savings),
        );
        let ratio = totals
            .cache_hit_ratio()
            .map_or_else(|| "-".to_owned(), |ratio| format!("{}%", percent_of(ratio)));
        return vec![
            figure(
                "Input",
                "In",
                grouped(usage.input_tokens),
                compact(usage.input_tokens),
                theme.token_kind(0),
            ),
            figure(
                "Output",
                "Out",
                grouped(usage.output_tokens),
                compact(usage.output_tokens),
                theme.token_kind(1),
            ),
            figure(
                "Cache read",
                "C.read",
                grouped(usage.cache_read_tokens),
                compact(usage.cache_read_tokens),
                theme.token_kind(2),
            ),
            figure(
                "Cache write",
                "C.write",
                grouped(usage.cache_write_tokens),
                compact(usage.cache_write_tokens),
                theme.token_kind(3),
            ),
            figure("Cache hits", "Hits", ratio.clone(), ratio, theme.text()),
            figure("Saved", "Saved", saved, saved_short, theme.strong()),
        ];
    }
    let (cost, cost_short) = cost_text(totals);
    let mut rows = vec![
        figure(
            "Requests",
            "Req",
            grouped(usage.requests),
            compact(usage.requests),
            theme.text(),
        ),
        figure(
            "Tokens",
            "Tok",
            compact(usage.total_tokens()),
            compact(usage.total_tokens()),
            theme.text(),
        ),
        figure("Cost", "Cost", cost, cost_short, theme.strong()),
    ];
    match against {
        Some(((long, short), None)) => {
            // A year before or a baseline without history that far back.
            rows.push(figure(
                long,
                short,
                "no data".to_owned(),
                "-".to_owned(),
                theme.dim(),
            ));
        }
        Some(((long, short), Some(previous))) => {
            let delta = change(totals.cost, previous.cost);
            let style = if totals.cost > previous.cost && !previous.cost.is_zero() {
                theme.up()
            } else if totals.cost < previous.cost {
                theme.down()
            } else {
                theme.dim()
            };
            rows.push(figure(long, short, delta.clone(), delta, style));
        }
        None => {
            let since = summary.start.map_or_else(
                || "no data".to_owned(),
                |day| day.format("%Y-%m-%d").to_string(),
            );
            let short = summary
                .start
                .map_or_else(|| "-".to_owned(), |day| day.format("%b %Y").to_string());
            rows.push(figure("since", "since", since, short, theme.dim()));
        }
    }
    rows
}

/// The four periods' titles: today's, or the day, week and month shown in
/// history or at the end of a `--from`/`--to` range (as the text report says).
fn titles(app: &App) -> [String; 4] {
    match &app.report {
        Some(report) => report.block_labels(app.history == 0),
        None => ["Today", "This week", "This month", "All time"].map(str::to_owned),
    }
}

fn summaries(app: &App) -> Option<[&PeriodSummary; 4]> {
    let report = app.report.as_ref()?;
    Some([
        &report.summary.today,
        &report.summary.this_week,
        &report.summary.this_month,
        &report.summary.all_time,
    ])
}

/// Draws the summary: blocks, or the compact table.
pub fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme, compact_layout: bool) {
    if compact_layout {
        render_table(frame, area, app, theme);
    } else {
        render_blocks(frame, area, app, theme);
    }
}

fn render_blocks(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let areas: [Rect; 4] = Layout::horizontal([Constraint::Ratio(1, 4); 4]).areas(area);
    // The last refresh failed: these numbers are from an earlier one.
    let stale = app.error.is_some() && app.report.is_some();
    let periods = summaries(app);
    // The comparison chosen with `c` once the report holds it, else the previous period.
    let comparison = app.comparison();
    for (index, (block_area, title)) in areas.into_iter().zip(titles(app)).enumerate() {
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
        let lines = match periods {
            None => vec![Line::styled("…", theme.dim())],
            Some(periods) => figures(
                periods[index],
                against(comparison.as_deref(), index),
                app.tokens,
                theme,
            )
            .iter()
            .map(|figure| row(figure, usize::from(inner.width), theme))
            .collect(),
        };
        frame.render_widget(Paragraph::new(lines), inner);
    }
}

/// `label ........ value`, the value right-aligned; short forms where the
/// full ones do not fit, and the label always kept.
fn row<'a>(figure: &Figure, columns: usize, theme: &Theme) -> Line<'a> {
    let fits = |label: &str, value: &str| width(label) + width(value) + 2 <= columns;
    let (label, value) = [
        (figure.label, &figure.value),
        (figure.label, &figure.short),
        (figure.short_label, &figure.value),
        (figure.short_label, &figure.short),
    ]
    .into_iter()
    .find(|(label, value)| fits(label, value))
    .unwrap_or((figure.short_label, &figure.short));
    let gap = columns
        .saturating_sub(width(label) + width(value) + 1)
        .max(1);
    Line::from(vec![
        Span::styled(format!(" {label}"), theme.dim()),
        Span::raw(" ".repeat(gap)),
        Span::styled(value.clone(), figure.style),
    ])
}

/// The compact table: a header of periods, then one row per figure, every
/// label kept.
fn render_table(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let width = usize::from(area.width);
    let periods = summaries(app);
    let comparison = app.comparison();
    let sample = match periods {
        Some(periods) => figures(
            periods[0],
            against(comparison.as_deref(), 0),
            app.tokens,
            theme,
        ),
        None => figures(&PeriodSummary::default(), None, app.tokens, theme),
    };
    let label_width = sample
        .iter()
        .map(|figure| crate::text::width(figure.label))
        .max()
        .unwrap_or(8)
        + 1;
    let label_width = if label_width + 4 * 9 > width {
        sample
            .iter()
            .map(|figure| crate::text::width(figure.short_label))
            .max()
            .unwrap_or(5)
            + 1
    } else {
        label_width
    };
    let column = width.saturating_sub(label_width) / 4;
    let stale = app.error.is_some() && app.report.is_some();
    let mut header = vec![Span::raw(" ".repeat(label_width))];
    for title in titles(app) {
        let short = title
            .replace("This week", "Week")
            .replace("This month", "Month")
            .replace("Week of ", "Wk ")
            .replace("January ", "Jan ")
            .replace("February ", "Feb ")
            .replace("March ", "Mar ")
            .replace("April ", "Apr ")
            .replace("August ", "Aug ")
            .replace("September ", "Sep ")
            .replace("October ", "Oct ")
            .replace("November ", "Nov ")
            .replace("December ", "Dec ");
        let text = if crate::text::width(&title) < column {
            title
        } else {
            short
        };
        let text = if stale { format!("{text}⚠") } else { text };
        header.push(Span::styled(
            pad_left(
                &crate::text::truncate(&text, column.saturating_sub(1)),
                column,
            ),
            if stale {
                theme.warning()
            } else {
                theme.title()
            },
        ));
    }
    let mut lines = vec![Line::from(header)];
    let Some(periods) = periods else {
        lines.push(Line::styled(" …", theme.dim()));
        frame.render_widget(Paragraph::new(lines), area);
        return;
    };
    let per_period: Vec<Vec<Figure>> = periods
        .iter()
        .enumerate()
        .map(|(index, summary)| {
            figures(
                summary,
                against(comparison.as_deref(), index),
                app.tokens,
                theme,
            )
        })
        .collect();
    for (row_index, figure) in sample.iter().enumerate() {
        let (long, short) = if row_index == 3 && !app.tokens {
            match comparison.as_ref().map(|comparison| comparison.mode) {
                Some(Compare::Year) => ("vs year", "vs yr"),
                Some(Compare::Baseline(_)) => ("vs base", "vs bl"),
                _ => ("Change", "Chg"),
            }
        } else {
            (figure.label, figure.short_label)
        };
        let label = if label_width > crate::text::width(long) {
            long
        } else {
            short
        };
        let mut spans = vec![Span::styled(
            pad_right(&format!(" {label}"), label_width),
            theme.dim(),
        )];
        for figures in &per_period {
            let Some(cell) = figures.get(row_index) else {
                continue;
            };
            let value = if crate::text::width(&cell.value) < column {
                &cell.value
            } else {
                &cell.short
            };
            // The all-time column has "since" in the comparison row.
            let value = if cell.label == "since" && row_index == 3 {
                [
                    format!("since {}", cell.value),
                    format!("since {}", cell.short),
                    format!("from {}", cell.short),
                    cell.short.clone(),
                ]
                .into_iter()
                .find(|text| crate::text::width(text) < column)
                .unwrap_or_else(|| cell.short.clone())
            } else {
                value.clone()
            };
            spans.push(Span::styled(
                pad_left(
                    &crate::text::truncate(&value, column.saturating_sub(1)),
                    column,
                ),
                cell.style,
            ));
        }
        lines.push(Line::from(spans));
    }
    frame.render_widget(Paragraph::new(lines), area);
}
