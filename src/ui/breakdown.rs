//! The breakdown panel: one row per value of a dimension for the period the
//! view shows, with requests, tokens, cost, share of cost as a bar and the
//! change against the same span of the previous period; sortable and
//! scrollable, with a total line. Values priced by the default price are marked.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use super::text::sanitize;
use super::theme::Theme;
use crate::analytics::breakdown::{Breakdown, BreakdownRow};
use crate::analytics::trend::View;
use crate::app::{BreakdownPanel, SortKey};
use crate::format::{change, compact, money};
use crate::pipeline::Snapshot;

/// The period a view's breakdown covers, for the title.
fn period_name(view: View) -> &'static str {
    match view {
        View::Daily => "today",
        View::Weekly => "this week",
        View::Monthly => "this month",
    }
}

/// Rows in the panel's order.
#[must_use]
pub fn sorted(breakdown: &Breakdown, sort: SortKey) -> Vec<&BreakdownRow> {
    let mut rows: Vec<&BreakdownRow> = breakdown.rows.iter().collect();
    match sort {
        SortKey::Cost => rows.sort_by(|a, b| {
            b.totals
                .cost
                .cmp(&a.totals.cost)
                .then_with(|| a.key.cmp(&b.key))
        }),
        SortKey::Tokens => rows.sort_by(|a, b| {
            b.totals
                .usage
                .total_tokens()
                .cmp(&a.totals.usage.total_tokens())
                .then_with(|| a.key.cmp(&b.key))
        }),
        SortKey::Requests => rows.sort_by(|a, b| {
            b.totals
                .usage
                .requests
                .cmp(&a.totals.usage.requests)
                .then_with(|| a.key.cmp(&b.key))
        }),
        SortKey::Name => rows.sort_by(|a, b| a.key.cmp(&b.key)),
        SortKey::Change => rows.sort_by(|a, b| {
            (b.totals.cost - b.previous.cost)
                .cmp(&(a.totals.cost - a.previous.cost))
                .then_with(|| a.key.cmp(&b.key))
        }),
    }
    rows
}

fn share_bar(share: Decimal, width: usize) -> String {
    let filled = (share * Decimal::from(width))
        .round()
        .to_usize()
        .unwrap_or(0)
        .min(width);
    format!("{}{}", "█".repeat(filled), "·".repeat(width - filled))
}

/// Draws the panel over `area`.
pub fn render(
    frame: &mut Frame,
    area: Rect,
    report: &Snapshot,
    view: View,
    panel: &BreakdownPanel,
    theme: &Theme,
) {
    let title = format!(
        " By {} · {} · sorted by {} (g s ↑↓ b) ",
        panel.dimension.name(),
        period_name(view),
        panel.sort.name()
    );
    let block = Block::new()
        .borders(Borders::TOP)
        .border_style(theme.border())
        .title(Span::styled(title, theme.title()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(breakdowns) = report
        .breakdown
        .as_ref()
        .filter(|breakdowns| breakdowns.dimension == panel.dimension)
    else {
        frame.render_widget(
            Paragraph::new(Line::styled(" loading the breakdown…", theme.dim())),
            inner,
        );
        return;
    };
    let breakdown = breakdowns.for_view(view);
    let width = usize::from(inner.width);
    let bar_width = if width >= 100 { 20 } else { 8 };
    let numbers = 9 + 8 + 12 + bar_width + 5 + 8;
    let name_width = width.saturating_sub(numbers + 2).max(8);
    let header = format!(
        " {:<name_width$} {:>8} {:>7} {:>11} {:<bar_width$} {:>4} {:>7}",
        "name", "requests", "tokens", "cost", "share", "", "change"
    );
    let mut lines = vec![Line::styled(header, theme.dim())];
    let rows = sorted(breakdown, panel.sort);
    let room = usize::from(inner.height).saturating_sub(2);
    let total_cost = breakdown.total.cost;
    let line_for = |label: String,
                    totals: &crate::analytics::Totals,
                    previous: &crate::analytics::Totals,
                    estimated: bool| {
        let share = if total_cost.is_zero() {
            Decimal::ZERO
        } else {
            totals.cost / total_cost
        };
        let cost = format!("{}{}", money(totals.cost), if estimated { "*" } else { "" });
        format!(
            " {:<name_width$} {:>8} {:>7} {:>11} {} {:>3}% {:>7}",
            label,
            compact(totals.usage.requests),
            compact(totals.usage.total_tokens()),
            cost,
            share_bar(share, bar_width),
            (share * Decimal::ONE_HUNDRED).round().to_i64().unwrap_or(0),
            change(totals.cost, previous.cost)
        )
    };
    if rows.is_empty() {
        lines.push(Line::styled(" no usage in this period", theme.dim()));
    }
    for row in rows.iter().skip(panel.scroll).take(room) {
        let style = if row.estimated() {
            theme.warning()
        } else {
            theme.text()
        };
        lines.push(Line::styled(
            line_for(
                sanitize(&row.key, name_width),
                &row.totals,
                &row.previous,
                row.estimated(),
            ),
            style,
        ));
    }
    let hidden = rows.len().saturating_sub(panel.scroll + room);
    let total_label = if hidden > 0 || panel.scroll > 0 {
        format!(
            "total ({} of {} shown)",
            rows.len()
                .min(room)
                .min(rows.len() - panel.scroll.min(rows.len())),
            rows.len()
        )
    } else {
        "total".to_owned()
    };
    lines.push(Line::styled(
        line_for(
            sanitize(&total_label, name_width),
            &breakdown.total,
            &breakdown.previous_total,
            breakdown.total.has_estimate(),
        ),
        theme.strong(),
    ));
    frame.render_widget(Paragraph::new(lines), inner);
}
