//! The footer: view, zone, database, last refresh (or the error, with the
//! last good numbers kept on screen) and the key hints from the keymap.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use super::text::{sanitize, truncate_start};
use super::theme::Theme;
use crate::analytics::trend::View;
use crate::app::App;

/// Draws the two footer lines.
pub fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let [status_area, hints_area] =
        Layout::vertical([Constraint::Length(1), Constraint::Length(1)]).areas(area);
    let width = usize::from(area.width);
    if let Some(error) = &app.error {
        // The error takes both lines; the last good numbers stay above it.
        let kept = match &app.report {
            Some(report) => format!(
                " Showing the numbers from {}; r retries.",
                report
                    .generated_at
                    .with_timezone(&app.context.tz)
                    .format("%H:%M:%S")
            ),
            None => " r retries.".to_owned(),
        };
        let text = sanitize(&format!("⚠ {error}."), width.saturating_mul(2)) + &kept;
        frame.render_widget(
            Paragraph::new(text)
                .style(theme.error())
                .wrap(Wrap { trim: true }),
            area,
        );
        return;
    }
    if let Some(alert) = &app.alert {
        // The banner: until a key is pressed.
        let text = sanitize(&format!(" ⚠ ALERT: {alert}"), width);
        frame.render_widget(Paragraph::new(text).style(theme.error()), status_area);
        render_hints(frame, hints_area, app, theme);
        return;
    }
    let refreshed = match (&app.report, app.loading) {
        _ if app.notice.is_some() => sanitize(app.notice.as_deref().unwrap_or_default(), width),
        _ if app.progress.is_some() => app
            .progress
            .as_ref()
            .map(crate::output::cache::progress_line)
            .unwrap_or_default(),
        (_, true) => "refreshing…".to_owned(),
        (Some(report), false) => {
            let local = report.generated_at.with_timezone(&app.context.tz);
            if app.history > 0 {
                format!("as of {}", local.format("%Y-%m-%d %H:%M"))
            } else if app.context.pinned_clock {
                format!("as of {} (pinned)", local.format("%Y-%m-%d %H:%M"))
            } else {
                format!("refreshed {}", local.format("%H:%M:%S"))
            }
        }
        (None, false) => String::new(),
    };
    let zone = if app.report.as_ref().is_some_and(|report| report.daily_utc) {
        // A daily source: its days are UTC days whatever the zone.
        "UTC days (daily source)".to_owned()
    } else {
        app.context.tz.name().to_owned()
    };
    // Rows the numbers leave out (negative counts, unreadable or far-future
    // timestamps): say how many; `usagetop report` gives the details.
    let zone = match app.report.as_ref().map_or(0, |report| report.left_out) {
        0 => zone,
        1 => format!("{zone} · ⚠ 1 row left out"),
        count => format!("{zone} · ⚠ {count} rows left out"),
    };
    // In history, say which period is shown and how to come back.
    let history = match (&app.report, app.history) {
        (Some(report), back) if back > 0 => {
            let day = report
                .generated_at
                .with_timezone(&app.context.tz)
                .date_naive();
            let calendar =
                crate::period::Calendar::new(app.context.tz, crate::period::WeekStart::Monday);
            format!(
                " · {} (t: today)",
                crate::analytics::history::label(day, &calendar, app.view)
            )
        }
        _ => String::new(),
    };
    let width = width.saturating_sub(history.chars().count());
    let filter_width = if app.filter.is_empty() {
        0
    } else {
        11 + app.filter.to_string().chars().count().min(40)
    };
    let fixed = format!("{} · {zone} ·  · {refreshed}", tabs_text());
    let width = width.saturating_sub(filter_width);
    let room = width.saturating_sub(fixed.chars().count()).max(8);
    let database = truncate_start(&app.context.database, room);
    let mut spans = vec![Span::raw(" ")];
    for view in View::ALL {
        let style = if view == app.view {
            theme.title().add_modifier(Modifier::REVERSED)
        } else {
            theme.dim()
        };
        spans.push(Span::styled(view.title(), style));
        if view != View::Monthly {
            spans.push(Span::raw(" "));
        }
    }
    let line = Line::from(vec![
        Span::raw(String::new()),
        Span::styled(history.clone(), theme.warning()),
        Span::styled(
            if app.filter.is_empty() {
                String::new()
            } else {
                format!(" · filter: {}", sanitize(&app.filter.to_string(), 40))
            },
            theme.warning(),
        ),
        Span::styled(" · ", theme.dim()),
        Span::styled(
            zone.clone(),
            if zone == app.context.tz.name() && !zone.contains('⚠') {
                theme.dim()
            } else {
                theme.warning()
            },
        ),
        Span::styled(" · ", theme.dim()),
        Span::styled(database, theme.dim()),
        Span::styled(format!(" · {refreshed}"), theme.dim()),
    ]);
    spans.extend(line.spans);
    frame.render_widget(Paragraph::new(Line::from(spans)), status_area);
    render_hints(frame, hints_area, app, theme);
}

/// The key hints line.
fn render_hints(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let mut spans = vec![Span::raw(" ")];
    for (key, hint) in app.context.keymap.footer_hints() {
        spans.push(Span::styled(key, theme.key()));
        spans.push(Span::styled(format!(" {hint}  "), theme.dim()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The view tabs as plain text (`" Daily Weekly Monthly"`).
fn tabs_text() -> String {
    let titles: Vec<&str> = View::ALL.iter().map(|view| view.title()).collect();
    format!(" {}", titles.join(" "))
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
