//! The help popup, generated from the keymap table.

use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use ratatui::Frame;

use super::theme::Theme;

/// Draws the popup centred over `area`.
pub fn render(frame: &mut Frame, area: Rect, keymap: &crate::keymap::Keymap, theme: &Theme) {
    let key_width = keymap
        .bindings()
        .iter()
        .map(|binding| binding.label().chars().count())
        .max()
        .unwrap_or(1);
    let mut lines: Vec<Line> = keymap
        .bindings()
        .iter()
        .map(|binding| {
            Line::from(vec![
                Span::styled(format!(" {:>key_width$}  ", binding.label()), theme.key()),
                Span::styled(binding.description, theme.text()),
            ])
        })
        .collect();
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        " Costs marked * include usage priced by the default price.",
        theme.dim(),
    ));
    lines.push(Line::styled(
        " Month-end figures are estimates.",
        theme.dim(),
    ));
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
        .title_bottom(Line::styled(" ? or Esc to close ", theme.dim()).alignment(Alignment::Right));
    frame.render_widget(Clear, popup);
    frame.render_widget(Paragraph::new(lines).block(block), popup);
}
