//! The month-end prediction (a panel on wide screens, one line on narrow
//! ones) and the per-model panel for this month.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use ratatui::Frame;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use super::theme::Theme;
use crate::analytics::Report;
use crate::format::{compact, money};
use crate::text::sanitize;

fn count(value: Decimal) -> String {
    compact(value.to_i64().unwrap_or(i64::MAX))
}

/// Draws the prediction: a bordered panel when the area is tall, one line otherwise.
pub fn render_prediction(frame: &mut Frame, area: Rect, report: &Report, theme: &Theme) {
    let prediction = &report.prediction;
    if area.height < 3 {
        let line = Line::from(vec![
            Span::styled(" Month-end estimate ", theme.title()),
            Span::styled(format!("~{}", money(prediction.cost.point)), theme.strong()),
            Span::styled(
                format!(
                    " (80 %: {}–{}{}) · ~{} req · ~{} tok",
                    money(prediction.cost.low),
                    money(prediction.cost.high),
                    prediction
                        .accuracy
                        .map_or_else(String::new, |a| format!(", ±{:.1} %", a.mape)),
                    count(prediction.requests.point),
                    count(prediction.tokens.point),
                ),
                theme.dim(),
            ),
        ]);
        frame.render_widget(Paragraph::new(line), area);
        return;
    }
    let block = Block::bordered()
        .border_style(theme.border())
        .title(Span::styled(
            format!(
                " Month-end estimate · {} ",
                prediction.month_end.format("%b %-d")
            ),
            theme.title(),
        ));
    let width = usize::from(block.inner(area).width);
    let row = |label: &str, value: String, style| {
        let gap = width
            .saturating_sub(crate::text::width(label) + crate::text::width(&value) + 2)
            .max(1);
        Line::from(vec![
            Span::styled(format!(" {label}"), theme.dim()),
            Span::raw(" ".repeat(gap)),
            Span::styled(value, style),
        ])
    };
    let lines = vec![
        row(
            "Cost",
            format!("~{}", money(prediction.cost.point)),
            theme.strong(),
        ),
        row(
            "80 % band",
            format!(
                "{} – {}",
                money(prediction.cost.low),
                money(prediction.cost.high)
            ),
            theme.text(),
        ),
        row(
            "Requests",
            format!("~{}", count(prediction.requests.point)),
            theme.text(),
        ),
        row(
            "Tokens",
            format!("~{}", count(prediction.tokens.point)),
            theme.text(),
        ),
        row("So far", money(prediction.month_to_date.cost), theme.text()),
        Line::styled(format!(" {}", prediction.method.describe()), theme.dim()),
    ];
    let mut lines = lines;
    if let Some(accuracy) = prediction.accuracy {
        lines.push(Line::styled(
            format!(
                " ±{:.1} % on your last {} months",
                accuracy.mape, accuracy.months
            ),
            theme.dim(),
        ));
    }
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(ratatui::widgets::Wrap { trim: false }),
        area,
    );
}

/// Draws this month's models by cost, with their share; `*` marks default-priced ones.
pub fn render_models(frame: &mut Frame, area: Rect, report: &Report, theme: &Theme) {
    let block = Block::bordered()
        .border_style(theme.border())
        .title(Span::styled(" This month by model ", theme.title()));
    let inner = block.inner(area);
    let width = usize::from(inner.width);
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
    for model in models.iter().take(room) {
        let share = if month_total.is_zero() {
            0
        } else {
            (model.totals.cost / month_total * Decimal::ONE_HUNDRED)
                .round()
                .to_i64()
                .unwrap_or(0)
        };
        let cost = format!(
            "{}{}",
            money(model.totals.cost),
            if model.priced() { "" } else { "*" }
        );
        let right = format!("{cost} {share:>3}%");
        let name_width = width.saturating_sub(crate::text::width(&right) + 2);
        let name = sanitize(&model.model, name_width);
        let gap = width
            .saturating_sub(crate::text::width(&name) + crate::text::width(&right) + 1)
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
