//! The filter picker: every value of one dimension over the range the charts
//! show, with its cost and share of the whole, searchable by typing; Space
//! cycles a value (shown only, left out, not chosen), Tab moves to the next
//! dimension keeping the choices, Enter applies them all, Esc drops them.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use ratatui::Frame;

use super::theme::Theme;
use crate::app::{App, Choice};
use crate::format::{money, percent_of};
use crate::text::{sanitize, sanitize_middle, width};

/// Where the picker goes over a screen of `area`.
#[must_use]
pub fn popup(area: Rect) -> Rect {
    let popup_width = area.width.min(70);
    let height = area.height.saturating_sub(2).clamp(6, 24).min(area.height);
    Rect {
        x: area.x + (area.width - popup_width) / 2,
        y: area.y + (area.height - height) / 2,
        width: popup_width,
        height,
    }
}

/// The picker's keys, whole items only, as many as fit in `width`.
fn hint(columns: u16) -> String {
    let mut text = String::from(" ");
    for item in [
        "Space: show/leave out",
        "Enter: apply",
        "Esc: cancel",
        "Tab: dimension",
    ] {
        if width(&text) + width(item) + 4 > usize::from(columns) {
            break;
        }
        if text.len() > 1 {
            text.push_str(" · ");
        }
        text.push_str(item);
    }
    text.push(' ');
    text
}

/// Value lines the picker shows at a screen of `area`.
#[must_use]
pub fn rows_in(area: Rect) -> usize {
    // Borders, the search line and the line of choices elsewhere.
    usize::from(popup(area).height).saturating_sub(4)
}

/// Draws the picker centred over `area`.
pub fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let Some(picker) = &app.picker else { return };
    let popup = popup(area);
    let dimensions = &app.context.dimensions;
    let position = dimensions
        .iter()
        .position(|dimension| *dimension == picker.dimension)
        .unwrap_or(0);
    let range = app.picker_range();
    let span = app
        .report
        .as_ref()
        .map_or_else(String::new, |report| report.span_label(app.view));
    let block = Block::bordered()
        .border_style(theme.title())
        .title(Span::styled(
            format!(
                " Filter · {} ({} of {}) · {span} ",
                picker.dimension.name(),
                position + 1,
                dimensions.len()
            ),
            theme.title(),
        ))
        .title_bottom(Line::styled(hint(popup.width), theme.dim()));
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
    // Choices kept in the other dimensions.
    let elsewhere: Vec<String> = dimensions
        .iter()
        .filter(|dimension| **dimension != picker.dimension && picker.chosen(**dimension) > 0)
        .map(|dimension| format!("{} {}", dimension.name(), picker.chosen(*dimension)))
        .collect();
    lines.push(Line::styled(
        if elsewhere.is_empty() {
            format!(" {} chosen here", picker.chosen(picker.dimension))
        } else {
            format!(
                " {} chosen here · also chosen: {}",
                picker.chosen(picker.dimension),
                elsewhere.join(", ")
            )
        },
        theme.dim(),
    ));
    let items = app.picker_items();
    if range.is_none() {
        lines.push(Line::styled(" loading values…", theme.dim()));
    } else if items.is_empty() {
        lines.push(Line::styled(" no value matches", theme.dim()));
    }
    let room = usize::from(inner.height).saturating_sub(2).max(1);
    let first = picker.cursor.saturating_sub(room.saturating_sub(1));
    for (index, item) in items.iter().enumerate().skip(first).take(room) {
        let mark = match item.choice {
            Some(Choice::Include) => "[x]",
            Some(Choice::Exclude) => "[-]",
            None => "[ ]",
        };
        let right = item.totals.map_or_else(
            || "pattern".to_owned(),
            |totals| format!("{} {:>3}%", money(totals.cost), percent_of(item.share)),
        );
        let name = sanitize_middle(&item.label, inner_width.saturating_sub(width(&right) + 7));
        let gap = inner_width
            .saturating_sub(width(&name) + width(&right) + 6)
            .max(1);
        let text = format!(" {mark} {name}{}{right}", " ".repeat(gap));
        let mut style = match item.choice {
            Some(Choice::Exclude) => theme.up(),
            Some(Choice::Include) => theme.key(),
            None => theme.text(),
        };
        if index == picker.cursor {
            style = style.patch(theme.cursor());
        }
        lines.push(Line::styled(text, style));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
