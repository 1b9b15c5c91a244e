//! The help popup: two pages. Keys: every binding of the keymap in use,
//! grouped, then the filter picker's keys and notes; Prices: each model seen
//! with the price entry it resolved to and why. Descriptions wrap at word
//! boundaries; the body scrolls when it is taller than the screen.

use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use ratatui::Frame;

use super::theme::Theme;
use crate::action::Action;
use crate::app::{App, HelpPage};
use crate::format::money;
use crate::keymap::{Group, Keymap, PICKER_KEYS};
use crate::text::{sanitize_middle, width};

/// Where the popup goes over a screen of `area`.
#[must_use]
pub fn popup(area: Rect) -> Rect {
    let popup_width = area.width.saturating_sub(2).min(84).max(area.width.min(20));
    // Above the footer, whose hints say how to scroll and close.
    let height = area.height.saturating_sub(3).max(area.height.min(5));
    Rect {
        x: area.x + (area.width - popup_width) / 2,
        y: area.y,
        width: popup_width,
        height,
    }
}

/// `text` wrapped at spaces into lines of at most `columns`.
fn wrap(text: &str, columns: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split(' ') {
        let Some(current) = lines.last_mut() else {
            break;
        };
        if current.is_empty() {
            current.push_str(word);
        } else if width(current) + 1 + width(word) <= columns {
            current.push(' ');
            current.push_str(word);
        } else {
            lines.push(word.to_owned());
        }
    }
    lines
}

/// A key column and a wrapped description.
fn entry<'a>(
    key: &str,
    description: &str,
    key_width: usize,
    columns: usize,
    theme: &Theme,
) -> Vec<Line<'a>> {
    let room = columns.saturating_sub(key_width + 3).max(10);
    wrap(description, room)
        .into_iter()
        .enumerate()
        .map(|(index, text)| {
            let key = if index == 0 { key } else { "" };
            Line::from(vec![
                Span::styled(
                    format!(" {}  ", crate::text::pad_left(key, key_width)),
                    theme.key(),
                ),
                Span::styled(text, theme.text()),
            ])
        })
        .collect()
}

/// Every line of the page, for a popup body `columns` wide.
#[must_use]
pub fn content<'a>(
    app: &App,
    keymap: &Keymap,
    theme: &Theme,
    page: HelpPage,
    columns: usize,
) -> Vec<Line<'a>> {
    match page {
        HelpPage::Keys => keys(keymap, theme, columns),
        HelpPage::Prices => prices(app, theme, columns),
    }
}

fn keys<'a>(keymap: &Keymap, theme: &Theme, columns: usize) -> Vec<Line<'a>> {
    let bindings = keymap.bindings();
    let key_width = bindings
        .iter()
        .map(|binding| width(&binding.label()))
        .chain(PICKER_KEYS.iter().map(|(keys, _)| width(keys)))
        .max()
        .unwrap_or(1)
        .min(columns / 3);
    let mut lines = Vec::new();
    for group in [
        Group::Views,
        Group::Breakdown,
        Group::Filter,
        Group::History,
        Group::General,
    ] {
        lines.push(Line::styled(format!(" {}", group.title()), theme.title()));
        for binding in bindings.iter().filter(|binding| binding.group == group) {
            lines.extend(entry(
                &binding.label(),
                binding.description,
                key_width,
                columns,
                theme,
            ));
        }
    }
    lines.push(Line::styled(" In the filter picker", theme.title()));
    for (keys, description) in PICKER_KEYS {
        lines.extend(entry(keys, description, key_width, columns, theme));
    }
    lines.push(Line::raw(""));
    for note in [
        "Costs marked * include usage priced by the default price.",
        "Month-end figures, forecasts and budget run-outs are estimates.",
        "Keys can be rebound in the [keys] table of the config file.",
    ] {
        for text in wrap(note, columns.saturating_sub(2)) {
            lines.push(Line::styled(format!(" {text}"), theme.dim()));
        }
    }
    lines
}

fn prices<'a>(app: &App, theme: &Theme, columns: usize) -> Vec<Line<'a>> {
    let mut lines = vec![Line::styled(
        " Each model seen, the price entry it resolved to (USD per million tokens:",
        theme.dim(),
    )];
    lines.push(Line::styled(
        " input / output / cache read / cache write) and how the name found it.",
        theme.dim(),
    ));
    let Some(report) = &app.report else {
        lines.push(Line::styled(" loading…", theme.dim()));
        return lines;
    };
    if !report.notes.is_empty() {
        lines.push(Line::raw(""));
        lines.push(Line::styled(" Notes about the data", theme.title()));
        for note in &report.notes {
            for (index, text) in wrap(&crate::text::clean(note), columns.saturating_sub(4))
                .into_iter()
                .enumerate()
            {
                let bullet = if index == 0 { " • " } else { "   " };
                lines.push(Line::styled(format!("{bullet}{text}"), theme.warning()));
            }
        }
    }
    if report.prices.is_empty() {
        lines.push(Line::styled(" no models seen yet", theme.dim()));
        return lines;
    }
    lines.push(Line::raw(""));
    let name_width = (columns / 2).clamp(12, 40);
    for model in &report.prices {
        let entry = match (&model.entry, model.stored_cost) {
            (_, true) => "cost stored by the source".to_owned(),
            (Some(entry), false) => format!("{entry} ({})", model.rule.describe()),
            (None, false) => model.rule.describe().to_owned(),
        };
        let price = &model.price;
        let style = if model.entry.is_none() && !model.stored_cost {
            theme.warning()
        } else {
            theme.text()
        };
        lines.push(Line::from(vec![
            Span::styled(
                format!(
                    " {} ",
                    crate::text::pad_right(&sanitize_middle(&model.model, name_width), name_width)
                ),
                style,
            ),
            Span::styled(
                format!(
                    "{}{}",
                    money(model.totals.cost),
                    if model.entry.is_none() && !model.stored_cost {
                        "*"
                    } else {
                        ""
                    }
                ),
                theme.strong(),
            ),
        ]));
        let detail = format!("→ {} · {}", crate::text::clean(&entry), price.rates_text());
        for text in wrap(&detail, columns.saturating_sub(4)) {
            lines.push(Line::styled(format!("   {text}"), theme.dim()));
        }
    }
    lines
}

/// Lines of the body at a screen of `area`: (visible, all of them).
#[must_use]
pub fn rows_in(area: Rect, app: &App, keymap: &Keymap, theme: &Theme) -> (usize, usize) {
    let popup = popup(area);
    let page = app.help.map_or(HelpPage::Keys, |help| help.page);
    let body = usize::from(popup.height.saturating_sub(2));
    let lines = content(
        app,
        keymap,
        theme,
        page,
        usize::from(popup.width.saturating_sub(2)),
    )
    .len();
    (body, lines)
}

/// Draws the popup centred over `area`, scrolled as the app says.
pub fn render(frame: &mut Frame, area: Rect, app: &App, keymap: &Keymap, theme: &Theme) {
    let Some(help) = app.help else { return };
    let popup = popup(area);
    let columns = usize::from(popup.width.saturating_sub(2));
    let lines = content(app, keymap, theme, help.page, columns);
    let body = usize::from(popup.height.saturating_sub(2));
    let scroll = help.scroll.min(lines.len().saturating_sub(body));
    let position = if lines.len() > body {
        format!(
            " {}-{} of {} ({}{}) ",
            scroll + 1,
            (scroll + body).min(lines.len()),
            lines.len(),
            keymap.keys(Action::ScrollUp).pop().unwrap_or_default(),
            keymap.keys(Action::ScrollDown).pop().unwrap_or_default()
        )
    } else {
        String::new()
    };
    let (this, other) = match help.page {
        HelpPage::Keys => ("Keys", "prices"),
        HelpPage::Prices => ("Prices and notes", "keys"),
    };
    let block = Block::bordered()
        .border_style(theme.title())
        .title(Line::from(vec![
            Span::styled(format!(" {this} "), theme.title()),
            Span::styled(
                format!("· {}: {other} ", keymap.key(Action::NextView)),
                theme.dim(),
            ),
        ]))
        .title_bottom(Line::styled(position, theme.dim()).alignment(Alignment::Left))
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
    let visible: Vec<Line> = lines.into_iter().skip(scroll).take(body).collect();
    frame.render_widget(Clear, popup);
    frame.render_widget(Paragraph::new(visible).block(block), popup);
}
