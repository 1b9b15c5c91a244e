//! The filter picker: the values of one dimension present in the period the
//! view shows, with their share of cost, searchable by typing; Space selects,
//! Enter applies, Esc closes, Tab moves to the next dimension.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use ratatui::Frame;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use super::theme::Theme;
use crate::app::App;
use crate::format::money;
use crate::text::sanitize;

/// Draws the picker centred over `area`.
pub fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let Some(picker) = &app.picker else { return };
    let width = area.width.min(64);
    let height = area.height.saturating_sub(4).clamp(6, 22);
    let popup = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    };
    let block = Block::bordered()
        .border_style(theme.title())
        .title(Span::styled(
            format!(
                " Filter by {} · Tab: next dimension ",
                picker.dimension.name()
            ),
            theme.title(),
        ))
        .title_bottom(Line::styled(
            " Space select · Enter apply · Esc cancel ",
            theme.dim(),
        ));
    let inner = block.inner(popup);
    frame.render_widget(Clear, popup);
    frame.render_widget(block, popup);
    let inner_width = usize::from(inner.width);
    let mut lines = vec![Line::from(vec![
        Span::styled(" search: ", theme.dim()),
        Span::styled(
            sanitize(&picker.search, inner_width.saturating_sub(12)),
            theme.key(),
        ),
        Span::styled("▏", theme.key()),
    ])];
    let items = app.picker_items();
    let loading = app
        .report
        .as_ref()
        .and_then(|report| report.breakdown.as_ref())
        .is_none_or(|b| b.dimension != picker.dimension);
    if loading {
        lines.push(Line::styled(" loading values…", theme.dim()));
    } else if items.is_empty() {
        lines.push(Line::styled(" no value matches", theme.dim()));
    }
    let total: Decimal = items.iter().map(|row| row.totals.cost).sum();
    let room = usize::from(inner.height).saturating_sub(1);
    let first = picker.cursor.saturating_sub(room.saturating_sub(1));
    for (index, row) in items.iter().enumerate().skip(first).take(room) {
        let mark = if picker.selected.contains(&row.key) {
            "[x]"
        } else {
            "[ ]"
        };
        let share = if total.is_zero() {
            0
        } else {
            (row.totals.cost / total * Decimal::ONE_HUNDRED)
                .round()
                .to_i64()
                .unwrap_or(0)
        };
        let right = format!("{} {share:>3}%", money(row.totals.cost));
        let name = sanitize(
            &row.key,
            inner_width.saturating_sub(crate::text::width(&right) + 7),
        );
        let gap = inner_width
            .saturating_sub(crate::text::width(&name) + crate::text::width(&right) + 6)
            .max(1);
        let text = format!(" {mark} {name}{}{right}", " ".repeat(gap));
        let style = if index == picker.cursor {
            theme.key().add_modifier(ratatui::style::Modifier::REVERSED)
        } else {
            theme.text()
        };
        lines.push(Line::styled(text, style));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
