//! Budget gauges: per budget, spent against the limit, the forecast at the
//! period's end and the day it crosses the limit; amber past the warning
//! share, red when the forecast crosses or the limit is exceeded.

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, LineGauge, Paragraph};
use ratatui::Frame;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use super::theme::Theme;
use crate::budget::{BudgetStatus, Level};
use crate::format::{money, money_short};
use crate::output::budget::{crossing, percent};
use crate::pipeline::Snapshot;
use crate::text::sanitize;

fn level_style(level: Level, theme: &Theme) -> Style {
    match level {
        Level::Fine => theme.down(),
        Level::Warning => theme.warning(),
        Level::ForecastOver | Level::Exceeded => theme.up(),
    }
}

fn mark(level: Level) -> &'static str {
    match level {
        Level::Fine => "",
        Level::Warning => " !",
        Level::ForecastOver => " ⚠",
        Level::Exceeded => " ✗",
    }
}

/// Draws the budgets: a panel of gauges when the area is tall, one line otherwise.
pub fn render(frame: &mut Frame, area: Rect, report: &Snapshot, theme: &Theme) {
    if area.height < 3 {
        render_line(frame, area, &report.budgets, theme);
        return;
    }
    let block = Block::bordered()
        .border_style(theme.border())
        .title(Span::styled(" Budgets ", theme.title()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = usize::from(inner.width);
    for (index, status) in report.budgets.iter().enumerate() {
        let y = inner.y + 2 * u16::try_from(index).unwrap_or(u16::MAX);
        if y + 1 >= inner.y + inner.height {
            break;
        }
        let style = level_style(status.level, theme);
        let right = format!(
            "{} / {} {}%{}",
            money_short(status.spent, status.budget.limit),
            money_short(status.budget.limit, status.budget.limit),
            percent(status.share()),
            mark(status.level)
        );
        let name = sanitize(
            &status.budget.name(),
            width.saturating_sub(crate::text::width(&right) + 2),
        );
        let gap = width
            .saturating_sub(crate::text::width(&name) + crate::text::width(&right) + 1)
            .max(1);
        let heading = Line::from(vec![
            Span::raw(format!(" {name}")),
            Span::raw(" ".repeat(gap)),
            Span::styled(right, style),
        ]);
        frame.render_widget(
            Paragraph::new(heading),
            Rect {
                y,
                height: 1,
                ..inner
            },
        );
        let label = crossing(status).unwrap_or_else(|| {
            format!(
                "→ {} by {}",
                money(status.forecast),
                status.period_end.format("%-d %b")
            )
        });
        let ratio = status.share().min(Decimal::ONE).to_f64().unwrap_or(0.0);
        let gauge = LineGauge::default()
            .ratio(ratio)
            .label(Span::styled(format!(" {label}"), style))
            .filled_style(style)
            .unfilled_style(theme.dim());
        frame.render_widget(
            gauge,
            Rect {
                y: y + 1,
                height: 1,
                ..inner
            },
        );
    }
}

fn render_line(frame: &mut Frame, area: Rect, statuses: &[BudgetStatus], theme: &Theme) {
    let mut spans = vec![Span::styled(" Budgets ", theme.title())];
    for (index, status) in statuses.iter().enumerate() {
        if index > 0 {
            spans.push(Span::styled(" · ", theme.dim()));
        }
        let mut text = format!(
            "{} {}%{}",
            sanitize(&status.budget.name(), 30),
            percent(status.share()),
            mark(status.level)
        );
        if let (Level::ForecastOver, Some(day)) = (status.level, status.crosses_on) {
            text.push_str(&format!(" by {}", day.format("%-d %b")));
        }
        spans.push(Span::styled(text, level_style(status.level, theme)));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
