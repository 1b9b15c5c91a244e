//! Drawing: one pure function from `&App` (with the theme and the keymap in
//! use) to a frame, split into one render function per screen region. Reads
//! state; never changes it. `viewport` tells the app how many rows each list
//! shows, so that scrolling stops at the last row.

pub mod ascii;
mod axis;
mod bars;
mod breakdown;
mod budgets;
mod charts;
mod help;
mod hourly;
mod layout;
mod line;
mod picker;
mod scope;
mod side;
mod sparkline;
mod status;
mod summary;
pub mod theme;

use ratatui::layout::{Alignment, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Wrap};
use ratatui::Frame;

use crate::action::Action;
use crate::app::{App, Viewport};
use crate::keymap::Keymap;
use crate::pipeline::Snapshot;
use layout::{ScreenLayout, Shape};
use theme::Theme;

pub use layout::FULL_FROM;

/// Smallest terminal the dashboard draws in.
pub const MIN_WIDTH: u16 = 60;
/// Smallest terminal height the dashboard draws in.
pub const MIN_HEIGHT: u16 = 18;

/// Draws the whole screen (in ASCII only when the theme says so); every key
/// name shown comes from `keymap`.
pub fn render(frame: &mut Frame, app: &App, theme: &Theme, keymap: &Keymap) {
    render_screen(frame, app, theme, keymap);
    if theme.ascii() {
        ascii::asciify(frame.buffer_mut());
    }
}

fn shape(app: &App) -> Shape {
    Shape {
        budgets: app.report.as_ref().map_or(0, |report| report.budgets.len()),
        scope: scope::shown(app),
        tokens: app.tokens,
    }
}

fn too_small(area: Rect) -> bool {
    area.width < MIN_WIDTH || area.height < MIN_HEIGHT
}

/// How many rows each scrolling list shows on a screen of `area`.
#[must_use]
pub fn viewport(area: Rect, app: &App, keymap: &Keymap) -> Viewport {
    let regions = ScreenLayout::new(area, shape(app));
    let (help_rows, help_lines) = help::rows_in(area, app, keymap, &Theme::new(false));
    Viewport {
        panel_rows: breakdown::rows_in(regions.main).max(1),
        help_rows: help_rows.max(1),
        help_lines,
        picker_rows: picker::rows_in(area).max(1),
    }
}

/// True when the last bucket of the view is the unfinished current period:
/// not in history, and not at the end of a range that is over (a report of
/// a finished day is as of its last second).
fn partial(app: &App, report: &Snapshot) -> bool {
    use chrono::Timelike;
    let local = report.generated_at.with_timezone(&app.context.tz);
    let day_over = local.hour() == 23 && local.minute() == 59 && local.second() == 59;
    app.history == 0 && !(report.range.is_some() && day_over)
}

fn render_screen(frame: &mut Frame, app: &App, theme: &Theme, keymap: &Keymap) {
    let area = frame.area();
    if too_small(area) {
        render_too_small(frame, area, theme, keymap);
        return;
    }
    let regions = ScreenLayout::new(area, shape(app));
    summary::render(frame, regions.summary, app, theme, regions.compact);
    if let Some(scope_area) = regions.scope {
        scope::render(frame, scope_area, app, theme, keymap);
    }
    match &app.report {
        Some(report) if report.is_empty() => render_message(
            frame,
            regions.main,
            theme,
            &[
                "No usage yet.".to_owned(),
                String::new(),
                format!("The database {} holds no events.", app.context.database),
                "Add rows to its usage_events table, point --database-url at your usage database,"
                    .to_owned(),
                "or try the demo:  usagetop --demo".to_owned(),
            ],
        ),
        Some(report) => {
            if let Some(panel) = &app.panel {
                breakdown::render(frame, regions.main, app, panel, theme, keymap);
            } else if app.hourly {
                hourly::render(frame, regions.main, app, theme);
            } else if report
                .series(app.view)
                .iter()
                .all(|bucket| bucket.totals.usage.is_empty())
            {
                render_empty_range(frame, regions.main, app, report, theme, keymap);
            } else {
                // The comparison chosen with `c`, once the report holds it.
                let comparison = app.comparison().filter(|_| app.compare.is_some());
                let options = charts::ChartOptions {
                    view: app.view,
                    comparison: comparison.as_deref(),
                    split: app.split,
                    tokens: app.tokens,
                    partial: partial(app, report),
                };
                charts::render(frame, regions.main, report, options, theme);
            }
            side::render_prediction(frame, regions.prediction, report, theme);
            if let Some(budget_area) = regions.budgets {
                budgets::render(frame, budget_area, &report.budgets, theme);
            }
            if let Some(models) = regions.models {
                side::render_models(frame, models, report, theme);
            }
        }
        None => render_waiting(frame, regions.main, app, theme, keymap),
    }
    status::render(frame, regions.footer, app, theme, keymap);
    if app.picker.is_some() {
        picker::render(frame, area, app, theme);
    }
    if app.help.is_some() {
        help::render(frame, area, app, keymap, theme);
    }
}

/// Before the first report: loading, a cold build of the cache, or why the
/// database cannot be read (when it retries, and the key that retries now).
fn render_waiting(frame: &mut Frame, area: Rect, app: &App, theme: &Theme, keymap: &Keymap) {
    let database = crate::text::sanitize(&app.context.database, 200);
    let lines = match (&app.error, &app.progress) {
        (Some(error), _) => {
            let retry = if app.loading {
                "Trying again now…".to_owned()
            } else {
                format!(
                    "usagetop tries again by itself in {} s; press {} to try now, {} to quit.",
                    error.retry_in.as_secs().max(1),
                    keymap.key(Action::Refresh),
                    keymap.key(Action::Quit)
                )
            };
            let lines = vec![
                format!("Cannot read the usage database {database}."),
                String::new(),
                crate::text::sanitize(&error.message, 2000),
                String::new(),
                retry,
            ];
            render_message_styled(frame, area, &lines, theme.warning());
            return;
        }
        (None, Some(progress)) => vec![format!(
            "First start on {database}: {}. The numbers appear when it is done; later starts are instant.",
            crate::format::progress_line(progress.rows, progress.fraction, progress.remaining)
        )],
        (None, None) => vec![format!("Loading usage from {database} …")],
    };
    render_message(frame, area, theme, &lines);
}

/// The view's range holds no usage: say so, with when the last usage was
/// and the keys that reach it.
fn render_empty_range(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    report: &Snapshot,
    theme: &Theme,
    keymap: &Keymap,
) {
    let span = report.span_label(app.view);
    let last = scope::last_active(report).map_or_else(
        || match report.summary.all_time.start {
            Some(day) => format!("Usage was recorded from {} on.", day.format("%-d %b %Y")),
            None => String::new(),
        },
        |(day, exact)| {
            if exact {
                format!("The last usage was on {}.", day.format("%a %-d %b %Y"))
            } else {
                format!("The last usage was in {}.", day.format("%B %Y"))
            }
        },
    );
    let filtered = if app.filter.is_empty() {
        String::new()
    } else {
        format!(
            "The filter may hide it: {} clears it.",
            keymap.key(Action::ClearFilter)
        )
    };
    let lines = vec![
        format!("No usage in this range ({span})."),
        String::new(),
        last,
        format!(
            "{} shows 12 months, {} steps back, {} comes back to today.",
            keymap.key(Action::ShowView(crate::analytics::trend::View::Monthly)),
            keymap.key(Action::Earlier),
            keymap.key(Action::Present)
        ),
        filtered,
    ];
    render_message(frame, area, theme, &lines);
}

fn render_message(frame: &mut Frame, area: Rect, theme: &Theme, lines: &[String]) {
    render_message_styled(frame, area, lines, theme.text());
}

fn render_message_styled(
    frame: &mut Frame,
    area: Rect,
    lines: &[String],
    style: ratatui::style::Style,
) {
    let top = area
        .height
        .saturating_sub(u16::try_from(lines.len()).unwrap_or(0))
        / 2;
    let inner = Rect {
        y: area.y + top,
        height: area.height - top,
        ..area
    };
    let text: Vec<Line> = lines
        .iter()
        .map(|line| Line::styled(line.clone(), style))
        .collect();
    frame.render_widget(Block::new(), area);
    frame.render_widget(
        Paragraph::new(text)
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: true }),
        inner,
    );
}

fn render_too_small(frame: &mut Frame, area: Rect, theme: &Theme, keymap: &Keymap) {
    let message = format!(
        "Terminal too small: {}x{}. usagetop needs at least {MIN_WIDTH}x{MIN_HEIGHT}; enlarge the window or press {} to quit.",
        area.width,
        area.height,
        keymap.key(Action::Quit)
    );
    frame.render_widget(
        Paragraph::new(message)
            .style(theme.warning())
            .wrap(Wrap { trim: true }),
        area,
    );
}

/// What a mouse event at (`column`, `row`) on a screen of `area` asks for:
/// a click on a view tab shows that view; the wheel moves in the breakdown
/// or scrolls help.
#[must_use]
pub fn mouse_action(area: Rect, app: &App, event: &crossterm::event::MouseEvent) -> Option<Action> {
    use crossterm::event::{MouseButton, MouseEventKind};
    if too_small(area) {
        return None;
    }
    let scrolls = app.panel.is_some() || app.help.is_some();
    match event.kind {
        MouseEventKind::Down(MouseButton::Left) => {
            let status_row = area.y + area.height - 2;
            (event.row == status_row)
                .then(|| {
                    status::tab_columns()
                        .into_iter()
                        .find(|(_, start, end)| (*start..*end).contains(&event.column))
                })
                .flatten()
                .map(|(view, _, _)| Action::ShowView(view))
        }
        MouseEventKind::ScrollUp if scrolls => Some(Action::ScrollUp),
        MouseEventKind::ScrollDown if scrolls => Some(Action::ScrollDown),
        _ => None,
    }
}
