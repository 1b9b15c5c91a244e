//! Budget gauges: per budget, spent against the limit, the forecast at the
//! period's end and the day it crosses the limit; amber past the warning
//! share, red when the forecast crosses or the limit is exceeded. Ordered by
//! severity, so the worst is always the one shown when room runs out; cents
//! where a figure is below $100.

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, LineGauge, Paragraph};
use ratatui::Frame;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use super::theme::Theme;
use crate::budget::{by_severity, BudgetStatus, Level};
use crate::format::percent;
use crate::format::{money, money_brief};
use crate::text::{sanitize, sanitize_middle, width};

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

/// `monthly gpt-4o-2…-08-06`: the period whole, the model or user shortened
/// in the middle to fit `columns`.
fn budget_name(status: &BudgetStatus, columns: usize) -> String {
    let budget = &status.budget;
    let Some((dimension, value)) = &budget.scope else {
        return sanitize(budget.period.name(), columns);
    };
    let prefix = match dimension {
        crate::filter::Dimension::Model => format!("{} ", budget.period.name()),
        other => format!("{} {} ", budget.period.name(), other.name()),
    };
    let room = columns.saturating_sub(width(&prefix));
    if room < 4 {
        return sanitize_middle(&budget.name(), columns);
    }
    format!("{prefix}{}", sanitize_middle(value, room))
}

/// The budgets, worst first.
#[must_use]
pub fn ordered(statuses: &[BudgetStatus]) -> Vec<&BudgetStatus> {
    let mut ordered: Vec<&BudgetStatus> = statuses.iter().collect();
    ordered.sort_by(|a, b| by_severity(a, b));
    ordered
}

/// Draws the budgets: a panel of gauges when the area is tall, one line otherwise.
pub fn render(frame: &mut Frame, area: Rect, statuses: &[BudgetStatus], theme: &Theme) {
    let statuses = ordered(statuses);
    if area.height < 3 {
        render_line(frame, area, &statuses, theme);
        return;
    }
    let block = Block::bordered()
        .border_style(theme.border())
        .title(Span::styled(" Budgets ", theme.title()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let inner_width = usize::from(inner.width);
    let room = usize::from(inner.height / 2);
    let hidden = statuses.len().saturating_sub(room);
    for (index, status) in statuses.iter().take(room).enumerate() {
        let y = inner.y + 2 * u16::try_from(index).unwrap_or(u16::MAX);
        let style = level_style(status.level, theme);
        let right = format!(
            "{} / {} {}%{}",
            money_brief(status.spent),
            money_brief(status.budget.limit),
            percent(status.share()),
            mark(status.level)
        );
        let more = if index + 1 == room && hidden > 0 {
            format!(" (+{hidden} more)")
        } else {
            String::new()
        };
        let name = budget_name(
            status,
            inner_width.saturating_sub(width(&right) + width(&more) + 2),
        ) + &more;
        let gap = inner_width
            .saturating_sub(width(&name) + width(&right) + 1)
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
        let label = status.crossing().unwrap_or_else(|| {
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

/// One line: the budgets worst first, whole items only, with how many did not fit.
fn render_line(frame: &mut Frame, area: Rect, statuses: &[&BudgetStatus], theme: &Theme) {
    let total = usize::from(area.width);
    let mut spans = vec![Span::styled(" Budgets ", theme.title())];
    let mut used = 9;
    for (index, status) in statuses.iter().enumerate() {
        let figures = format!(
            " {} / {} {}%{}",
            money_brief(status.spent),
            money_brief(status.budget.limit),
            percent(status.share()),
            mark(status.level)
        );
        let mut by = String::new();
        if let (Level::ForecastOver, Some(day)) = (status.level, status.crosses_on) {
            by = format!(" by {}", day.format("%-d %b"));
        }
        let separator = if index > 0 { " · " } else { "" };
        let left = statuses.len() - index - 1;
        let more = if left > 0 {
            format!(" · +{left} more")
        } else {
            String::new()
        };
        let room = total.saturating_sub(used + width(separator) + width(&more));
        // The worst always shows, its name shortened (never its figures);
        // the rest whole, while they fit.
        let name_room = if index == 0 {
            room.saturating_sub(width(&figures) + width(&by)).max(4)
        } else {
            24
        };
        let text = format!("{}{figures}{by}", budget_name(status, name_room.min(24)));
        if index > 0 && width(&text) > room {
            spans.push(Span::styled(
                format!(" · +{} more", statuses.len() - index),
                theme.dim(),
            ));
            break;
        }
        used += width(separator) + width(&text);
        spans.push(Span::styled(separator, theme.dim()));
        spans.push(Span::styled(text, level_style(status.level, theme)));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
