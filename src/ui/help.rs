//! The help popup, generated from the keymap table.

use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use ratatui::Frame;

use super::theme::Theme;
use crate::action::Action;
use crate::text::truncate;

/// Draws the popup centred over `area`: one column of keys when it fits,
/// two (descriptions shortened) on short terminals.
pub fn render(frame: &mut Frame, area: Rect, keymap: &crate::keymap::Keymap, theme: &Theme) {
    let bindings = keymap.bindings();
    let key_width = bindings
        .iter()
        .map(|binding| crate::text::width(&binding.label()))
        .max()
        .unwrap_or(1);
    let notes = [
        " Costs marked * include usage priced by the default price.",
        " Month-end figures and budget forecasts are estimates.",
    ];
    let one_column_height = bindings.len() + notes.len() + 3;
    let columns = if one_column_height > usize::from(area.height) {
        2
    } else {
        1
    };
    let rows = bindings.len().div_ceil(columns);
    let column_width = if columns == 1 {
        usize::MAX
    } else {
        (usize::from(area.width).saturating_sub(4) / 2).max(key_width + 6)
    };
    let cell = |index: usize| -> Vec<Span> {
        bindings.get(index).map_or_else(Vec::new, |binding| {
            let room = column_width.saturating_sub(key_width + 3);
            vec![
                Span::styled(format!(" {:>key_width$}  ", binding.label()), theme.key()),
                Span::styled(
                    if columns == 1 {
                        binding.description.to_owned()
                    } else {
                        format!("{:<room$}", truncate(binding.description, room))
                    },
                    theme.text(),
                ),
            ]
        })
    };
    let mut lines: Vec<Line> = (0..rows)
        .map(|row| {
            let mut spans = cell(row);
            if columns == 2 {
                spans.extend(cell(row + rows));
            }
            Line::from(spans)
        })
        .collect();
    lines.push(Line::raw(""));
    for note in notes {
        lines.push(Line::styled(note, theme.dim()));
    }
    let width = lines
        .iter()
        .map(Line::width)
        .max()
        .unwrap_or(20)
        .saturating_add(3);
    let width = u16::try_from(width).unwrap_or(u16::MAX).min(area.width);
    let height = u16::try_from(lines.len() + 2)
        .unwrap_or(u16::MAX)
        .min(area.height);
    let popup = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    };
    let block = Block::bordered()
        .border_style(theme.title())
        .title(Span::styled(" Keys ", theme.title()))
        .title_bottom(
            Line::styled(
                format!(
                    " {} or {} to close ",
                    keymap.key(Action::ToggleHelp),
                    keymap.key(Action::Back)
                ),
                theme.dim(),
            )
            .alignment(Alignment::Right),
        );
    frame.render_widget(Clear, popup);
    frame.render_widget(Paragraph::new(lines).block(block), popup);
}
