//! The footer: the view tabs, the period shown in history, the zone, the
//! database and the last refresh (or the error, with the last good numbers
//! kept on screen; or an alert's banner until a key is pressed), then the
//! key hints of what is open, from the keymap.
//! Both lines are shortened by whole items, never in the middle of a word.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use super::theme::Theme;
use crate::action::Action;
use crate::analytics::trend::View;
use crate::app::{App, Notice};
use crate::keymap::Keymap;
use crate::text::{elide_middle, sanitize, width};

/// Draws the two footer lines.
pub fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme, keymap: &Keymap) {
    let [status_area, hints_area] =
        Layout::vertical([Constraint::Length(1), Constraint::Length(1)]).areas(area);
    let columns = usize::from(area.width);
    if let (Some(error), Some(report)) = (&app.error, &app.report) {
        // The error takes both lines; the last good numbers stay above it.
        let kept = format!(
            " Showing the numbers from {}; {} retries now.",
            report
                .generated_at
                .with_timezone(&app.context.tz)
                .format("%H:%M:%S"),
            keymap.key(Action::Refresh)
        );
        let text = sanitize(
            &format!(
                "⚠ {} (retrying in {} s).",
                error.message,
                error.retry_in.as_secs().max(1)
            ),
            columns.saturating_mul(2),
        ) + &kept;
        frame.render_widget(
            Paragraph::new(text)
                .style(theme.error())
                .wrap(Wrap { trim: true }),
            area,
        );
        return;
    }
    if let Some(alert) = &app.alert {
        // The alert banner, in place of the status line until a key is pressed.
        let text = sanitize(&format!(" ⚠ ALERT: {alert}"), columns);
        frame.render_widget(Paragraph::new(text).style(theme.error()), status_area);
    } else {
        frame.render_widget(
            Paragraph::new(status_line(app, theme, keymap, columns)),
            status_area,
        );
    }
    frame.render_widget(
        Paragraph::new(hint_line(&hints(app, keymap), theme, columns)),
        hints_area,
    );
}

fn status_line<'a>(app: &App, theme: &Theme, keymap: &Keymap, columns: usize) -> Line<'a> {
    let mut spans = vec![Span::raw(" ")];
    for view in View::ALL {
        let style = if view == app.view && !app.hourly {
            theme.title().add_modifier(Modifier::REVERSED)
        } else {
            theme.dim()
        };
        spans.push(Span::styled(view.title(), style));
        spans.push(Span::raw(" "));
    }
    if app.hourly {
        spans.push(Span::styled(
            "Hours",
            theme.title().add_modifier(Modifier::REVERSED),
        ));
        spans.push(Span::raw(" "));
    }
    let used: usize = spans.iter().map(Span::width).sum();
    // In history, which period is shown and the key that comes back.
    let history = match (&app.report, app.history) {
        (Some(report), back) if back > 0 => {
            let day = report
                .generated_at
                .with_timezone(&app.context.tz)
                .date_naive();
            let calendar = crate::period::Calendar::new(app.context.tz, app.context.week_start);
            Some(format!(
                "· {} ({}: today) ",
                crate::analytics::history::label(day, &calendar, app.view),
                keymap.key(Action::Present)
            ))
        }
        _ => None,
    };
    let refreshed = match (&app.report, app.loading) {
        _ if app.notice.is_some() => match &app.notice {
            Some(Notice::Text(text)) => text.clone(),
            Some(Notice::NothingToClose) => {
                format!("nothing to close; {} quits", keymap.key(Action::Quit))
            }
            None => String::new(),
        },
        _ if app.importing.is_some() => app
            .importing
            .as_ref()
            .map(|progress| {
                format!(
                    "importing {}: {}",
                    progress.source,
                    crate::format::import_progress(progress.done, progress.total)
                )
            })
            .unwrap_or_default(),
        _ if app.progress.is_some() => app
            .progress
            .as_ref()
            .map(|progress| {
                // Short: the main area has the whole line while nothing is shown.
                let percent = (progress.fraction.clamp(0.0, 1.0) * 100.0).floor();
                format!("building the cache: {percent:.0}%")
            })
            .unwrap_or_default(),
        (_, true) => "refreshing…".to_owned(),
        (Some(report), false) => {
            let local = report.generated_at.with_timezone(&app.context.tz);
            // The long form when it fits; on narrow screens the time alone.
            let long = if app.history > 0 || report.range.is_some() {
                format!("as of {}", local.format("%Y-%m-%d %H:%M"))
            } else if app.context.pinned_clock {
                format!("as of {} (pinned)", local.format("%Y-%m-%d %H:%M"))
            } else {
                format!("refreshed {}", local.format("%H:%M:%S"))
            };
            let room = columns.saturating_sub(used + 3 + history.as_deref().map_or(0, width));
            if width(&long) <= room {
                long
            } else if app.history > 0 || report.range.is_some() || app.context.pinned_clock {
                format!("as of {}", local.format("%-d %b %H:%M"))
            } else {
                local.format("%H:%M:%S").to_string()
            }
        }
        (None, false) => match &app.error {
            Some(error) => format!("retrying in {} s", error.retry_in.as_secs().max(1)),
            None => String::new(),
        },
    };
    let zone = if app.report.as_ref().is_some_and(|report| report.daily_utc) {
        // A daily source: its days are UTC days whatever the zone.
        "UTC days (daily source)".to_owned()
    } else {
        app.context.tz.name().to_owned()
    };
    let zone_style = if zone == app.context.tz.name() {
        theme.dim()
    } else {
        theme.warning()
    };
    // Rows the numbers leave out: say how many; `usagetop report` gives the details.
    let left_out = match app.report.as_ref().map_or(0, |report| report.left_out) {
        0 => None,
        count => Some(format!(
            "· ⚠ {} left out ",
            crate::format::plural(count, "row")
        )),
    };
    // Items after the tabs, most important first; each shows whole or not at all.
    let refreshed = sanitize(&refreshed, 200);
    let room = columns.saturating_sub(used + history.as_deref().map_or(0, width) + 3);
    let refreshed = if width(&refreshed) <= room {
        format!("· {refreshed} ")
    } else if app.notice.is_some() || app.progress.is_some() {
        // A long notice: its middle goes (paths keep their ends).
        format!("· {} ", elide_middle(&refreshed, room))
    } else {
        // The time of the numbers: the history label already says it.
        String::new()
    };
    let database = sanitize(&app.context.database, 200);
    let file = database.rsplit('/').next().unwrap_or(&database).to_owned();
    let mut budget =
        columns.saturating_sub(used + width(&refreshed) + history.as_deref().map_or(0, width));
    // What the import of the followed sources last did (its middle goes
    // when it is long: the counts at its ends stay).
    let imported = app.imported.as_deref().and_then(|line| {
        let line = sanitize(line, 200);
        let room = budget.saturating_sub(left_out.as_deref().map_or(0, width) + 3);
        if width(&line) <= room {
            Some(format!("· {line} "))
        } else {
            (room >= 16).then(|| format!("· {} ", elide_middle(&line, room)))
        }
    });
    let mut take = |text: String| -> Option<String> {
        (width(&text) <= budget).then(|| {
            budget -= width(&text);
            text
        })
    };
    let left_out = left_out.and_then(&mut take);
    let imported = imported.and_then(&mut take);
    let imported_style = if app
        .imported
        .as_deref()
        .is_some_and(|line| line.contains("failed"))
    {
        theme.warning()
    } else {
        theme.dim()
    };
    let zone = take(format!("· {zone} "));
    let database = take(format!("· {database} ")).or_else(|| take(format!("· {file} ")));
    for (text, style) in [
        (history, theme.warning()),
        (left_out, theme.warning()),
        (zone, zone_style),
        (database, theme.dim()),
        (Some(refreshed), theme.dim()),
        (imported, imported_style),
    ] {
        if let Some(text) = text {
            spans.push(Span::styled(text, style));
        }
    }
    Line::from(spans)
}

/// The hints of what is open: (keys, word), the last two (help, quit) kept always.
fn hints(app: &App, keymap: &Keymap) -> Vec<(String, String)> {
    let key = |action: Action| keymap.key(action);
    let pair = |action: Action, word: &str| (key(action), word.to_owned());
    let arrows = |up: Action, down: Action| {
        format!(
            "{}{}",
            keymap.keys(up).pop().unwrap_or_default(),
            keymap.keys(down).pop().unwrap_or_default()
        )
    };
    if app.help.is_some() {
        return vec![
            (
                arrows(Action::ScrollUp, Action::ScrollDown),
                "scroll".to_owned(),
            ),
            pair(Action::NextView, "keys/prices"),
            pair(Action::Back, "close"),
            pair(Action::Quit, "quit"),
        ];
    }
    let mut list = Vec::new();
    if app.panel.is_some() {
        list.push((
            arrows(Action::ScrollUp, Action::ScrollDown),
            "move".to_owned(),
        ));
        list.push(pair(Action::Select, "drill down"));
        list.push(pair(Action::Back, "back"));
        list.push(pair(Action::NextSort, "sort"));
        list.push(pair(Action::ReverseSort, "reverse"));
        list.push(pair(Action::NextDimension, "dimension"));
        list.push(pair(Action::Export, "export"));
    } else {
        if !app.drill.is_empty() || app.hourly || app.history > 0 {
            list.push(pair(Action::Back, "back"));
        }
        let hints = keymap.footer_hints();
        let (kept, optional): (Vec<_>, Vec<_>) = hints
            .into_iter()
            .partition(|(_, word)| matches!(*word, "help" | "quit"));
        list.extend(
            optional
                .into_iter()
                .map(|(key, word)| (key, word.to_owned())),
        );
        list.extend(kept.into_iter().map(|(key, word)| (key, word.to_owned())));
        return list;
    }
    list.push(pair(Action::ToggleHelp, "help"));
    list.push(pair(Action::Quit, "quit"));
    list
}

/// The hints that fit, whole: the optional ones in order while they fit,
/// then the last two (help, quit).
fn hint_line<'a>(hints: &[(String, String)], theme: &Theme, columns: usize) -> Line<'a> {
    let item = |(key, word): &(String, String)| width(key) + width(word) + 3;
    let split = hints.len().saturating_sub(2);
    let (optional, kept) = hints.split_at(split);
    let mut room = columns.saturating_sub(1 + kept.iter().map(item).sum::<usize>());
    let mut shown: Vec<&(String, String)> = Vec::new();
    for hint in optional {
        if item(hint) > room {
            break;
        }
        room -= item(hint);
        shown.push(hint);
    }
    shown.extend(kept.iter());
    let mut spans = vec![Span::raw(" ")];
    for (key, word) in shown {
        spans.push(Span::styled(key.clone(), theme.key()));
        spans.push(Span::styled(format!(" {word}  "), theme.dim()));
    }
    Line::from(spans)
}

/// The columns (from the left edge, end excluded) of each view tab on the status line.
#[must_use]
pub fn tab_columns() -> Vec<(View, u16, u16)> {
    let mut x = 1_u16;
    View::ALL
        .into_iter()
        .map(|view| {
            let width = u16::try_from(view.title().len()).unwrap_or(0);
            let range = (view, x, x + width);
            x += width + 1;
            range
        })
        .collect()
}
