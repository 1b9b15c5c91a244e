//! The month-end prediction (a panel on wide screens, one line otherwise)
//! and the per-model panel for this month; a finished month shows its total,
//! not a range of one value.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};
use ratatui::Frame;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use super::theme::Theme;
use crate::analytics::Report;
use crate::format::{approx_money, compact, money, percent_of};
use crate::text::{sanitize_middle, width};

fn count(value: Decimal, noun: &str) -> String {
    let value = value.to_i64().unwrap_or(i64::MAX);
    if value == 1 {
        format!("~1 {noun}")
    } else {
        format!("~{} {noun}s", compact(value))
    }
}

/// True when the month is over (a month in history): nothing is left to predict.
fn finished(report: &Report) -> bool {
    let prediction = &report.prediction;
    report.month_over
        || (money(prediction.cost.low) == money(prediction.cost.high)
            && report.summary.today.start == Some(prediction.month_end))
}

/// Draws the prediction: a bordered panel when the area is tall, one line otherwise.
pub fn render_prediction(frame: &mut Frame, area: Rect, report: &Report, theme: &Theme) {
    let prediction = &report.prediction;
    let done = finished(report);
    // A month that is over: its total, or (a range that ended before the
    // month did) what it had up to the range's last day.
    let whole = report.summary.today.start == Some(prediction.month_end);
    let over_title = if whole {
        format!("Month total · {}", prediction.month_end.format("%b %Y"))
    } else {
        format!(
            "{} to {}",
            prediction.month_end.format("%b %Y"),
            report
                .summary
                .today
                .start
                .map_or_else(String::new, |day| day.format("%b %-d").to_string())
        )
    };
    // A range that rounds to one figure is no range.
    let single = money(prediction.cost.low) == money(prediction.cost.high);
    if area.height < 3 {
        let mut spans = vec![
            Span::styled(
                if done {
                    format!(" {over_title} ")
                } else {
                    " Month-end estimate ".to_owned()
                },
                theme.title(),
            ),
            Span::styled(
                if done || prediction.cost.point.is_zero() {
                    money(prediction.month_to_date.cost)
                } else {
                    approx_money(prediction.cost.point)
                },
                theme.strong(),
            ),
        ];
        let mut rest = Vec::new();
        if !single && !done {
            rest.push(format!(
                "80 %: {}–{}",
                money(prediction.cost.low),
                money(prediction.cost.high)
            ));
        }
        if let (Some(accuracy), false) = (prediction.accuracy, done) {
            rest.push(format!("±{:.1} % past months", accuracy.mape));
        }
        let totals = &prediction.month_to_date;
        if done {
            rest.push(crate::format::plural(totals.usage.requests, "request"));
            rest.push(format!("{} tokens", compact(totals.usage.total_tokens())));
        } else if !prediction.cost.point.is_zero() {
            rest.push(count(prediction.requests.point, "request"));
            rest.push(count(prediction.tokens.point, "token"));
        } else {
            rest.push("no usage this month".to_owned());
        }
        // Whole items only, as many as fit.
        let mut used: usize = spans.iter().map(Span::width).sum();
        for item in rest {
            let text = format!(" · {item}");
            if used + width(&text) > usize::from(area.width) {
                break;
            }
            used += width(&text);
            spans.push(Span::styled(text, theme.dim()));
        }
        frame.render_widget(Paragraph::new(Line::from(spans)), area);
        return;
    }
    let block = Block::bordered()
        .border_style(theme.border())
        .title(Span::styled(
            if done {
                format!(" {over_title} ")
            } else {
                format!(
                    " Month-end estimate · {} ",
                    prediction.month_end.format("%b %-d")
                )
            },
            theme.title(),
        ));
    let inner_width = usize::from(block.inner(area).width);
    let row = |label: &str, value: String, style| {
        let gap = inner_width
            .saturating_sub(width(label) + width(&value) + 2)
            .max(1);
        Line::from(vec![
            Span::styled(format!(" {label}"), theme.dim()),
            Span::raw(" ".repeat(gap)),
            Span::styled(value, style),
        ])
    };
    let lines = if done {
        let totals = &prediction.month_to_date;
        vec![
            row("Cost", money(totals.cost), theme.strong()),
            row("Requests", compact(totals.usage.requests), theme.text()),
            row("Tokens", compact(totals.usage.total_tokens()), theme.text()),
            Line::styled(
                if whole {
                    " the month is over: actual figures"
                } else {
                    " the month is over: no estimate"
                },
                theme.dim(),
            ),
        ]
    } else {
        let mut lines = vec![row(
            "Cost",
            approx_money(prediction.cost.point),
            theme.strong(),
        )];
        if !single {
            lines.push(row(
                "80 % band",
                format!(
                    "{} – {}",
                    money(prediction.cost.low),
                    money(prediction.cost.high)
                ),
                theme.text(),
            ));
        }
        lines.extend([
            row(
                "Requests",
                format!(
                    "~{}",
                    compact(prediction.requests.point.to_i64().unwrap_or(i64::MAX))
                ),
                theme.text(),
            ),
            row(
                "Tokens",
                format!(
                    "~{}",
                    compact(prediction.tokens.point.to_i64().unwrap_or(i64::MAX))
                ),
                theme.text(),
            ),
            row("So far", money(prediction.month_to_date.cost), theme.text()),
            Line::styled(format!(" {}", prediction.method.describe()), theme.dim()),
        ]);
        if let Some(accuracy) = prediction.accuracy {
            lines.push(Line::styled(
                format!(
                    " ±{:.1} % on your last {} months",
                    accuracy.mape, accuracy.months
                ),
                theme.dim(),
            ));
        }
        lines
    };
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}

/// Draws this month's models by cost, with their share; `*` marks default-priced ones.
pub fn render_models(frame: &mut Frame, area: Rect, report: &Report, theme: &Theme) {
    let block = Block::bordered()
        .border_style(theme.border())
        .title(Span::styled(" This month by model ", theme.title()));
    let inner = block.inner(area);
    let inner_width = usize::from(inner.width);
    let month_total = report.summary.this_month.totals.cost;
    let rows = usize::from(inner.height);
    let models = &report.by_model.this_month;
    let mut lines: Vec<Line> = Vec::new();
    let any_estimated = models.iter().any(|model| !model.priced());
    let room = if any_estimated {
        rows.saturating_sub(1)
    } else {
        rows
    };
    let hidden = models.len().saturating_sub(room);
    let shown = if hidden > 0 {
        room.saturating_sub(1)
    } else {
        room
    };
    for model in models.iter().take(shown) {
        let share = if month_total.is_zero() {
            0
        } else {
            percent_of(model.totals.cost / month_total)
        };
        let cost = format!(
            "{}{}",
            money(model.totals.cost),
            if model.priced() { "" } else { "*" }
        );
        let right = format!("{cost} {share:>3}%");
        let name = sanitize_middle(&model.model, inner_width.saturating_sub(width(&right) + 2));
        let gap = inner_width
            .saturating_sub(width(&name) + width(&right) + 1)
            .max(1);
        let style = if model.priced() {
            theme.text()
        } else {
            theme.warning()
        };
        lines.push(Line::from(vec![
            Span::styled(format!(" {name}"), style),
            Span::raw(" ".repeat(gap)),
            Span::styled(right, style),
        ]));
    }
    if hidden > 0 {
        lines.push(Line::styled(
            format!(" … and {} more", models.len() - shown),
            theme.dim(),
        ));
    }
    if models.is_empty() {
        lines.push(Line::styled(" no usage this month", theme.dim()));
    } else if any_estimated {
        lines.push(Line::styled(
            " * priced by the default price",
            theme.warning(),
        ));
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
