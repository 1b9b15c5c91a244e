//! Drawing: one pure function from `&App` to a frame, split into one render
//! function per screen region. Reads state; never changes it.

pub mod ascii;
mod bars;
mod breakdown;
mod budgets;
mod help;
mod layout;
mod line;
mod picker;
mod side;
mod sparkline;
mod status;
mod summary;
pub mod text;
pub mod theme;

use ratatui::layout::{Alignment, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Wrap};
use ratatui::Frame;

use crate::app::App;
use layout::ScreenLayout;
use theme::Theme;

/// Smallest terminal the dashboard draws in.
pub const MIN_WIDTH: u16 = 60;
/// Smallest terminal height the dashboard draws in.
pub const MIN_HEIGHT: u16 = 18;

/// Draws the whole screen (in ASCII only when the theme says so).
pub fn render(frame: &mut Frame, app: &App, theme: &Theme) {
    render_screen(frame, app, theme);
    if theme.ascii() {
        ascii::asciify(frame.buffer_mut());
    }
}

fn render_screen(frame: &mut Frame, app: &App, theme: &Theme) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        render_too_small(frame, area, theme);
        return;
    }
    let regions = ScreenLayout::new(
        area,
        app.report.as_ref().map_or(0, |report| report.budgets.len()),
    );
    summary::render(frame, regions.summary, app, theme);
    match &app.report {
        Some(report) if report.is_empty() => render_message(
            frame,
            regions.charts,
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
                let charts = regions.sparkline.union(regions.line);
                breakdown::render(frame, charts, report, app.view, panel, theme);
            } else {
                sparkline::render(frame, regions.sparkline, report, app.view, theme);
                bars::render(frame, regions.bars, report, app.view, theme);
                let comparison = app.comparison().filter(|_| app.compare.is_some());
                let overlay = comparison.as_ref().and_then(|comparison| {
                    comparison
                        .series(app.view)
                        .map(|series| (comparison.mode.overlay_label(), series))
                });
                line::render(frame, regions.line, report, app.view, overlay, theme);
            }
            side::render_prediction(frame, regions.prediction, report, theme);
            if let Some(budget_area) = regions.budgets {
                budgets::render(frame, budget_area, report, theme);
            }
            if let Some(models) = regions.models {
                side::render_models(frame, models, report, theme);
            }
        }
        None => render_message(
            frame,
            regions.charts,
            theme,
            &[match &app.progress {
                Some(progress) => format!(
                    "First start on {}: {}. The numbers appear when it is done; later starts are instant.",
                    app.context.database,
                    crate::output::cache::progress_line(progress)
                ),
                None => format!("Loading usage from {} …", app.context.database),
            }],
        ),
    }
    status::render(frame, regions.footer, app, theme);
    if app.picker.is_some() {
        picker::render(frame, area, app, theme);
    }
    if app.show_help {
        help::render(frame, area, &app.context.keymap, theme);
    }
}

fn render_message(frame: &mut Frame, area: Rect, theme: &Theme, lines: &[String]) {
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
        .map(|line| Line::styled(line.clone(), theme.text()))
        .collect();
    frame.render_widget(Block::new(), area);
    frame.render_widget(
        Paragraph::new(text)
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: true }),
        inner,
    );
}

fn render_too_small(frame: &mut Frame, area: Rect, theme: &Theme) {
    let message = format!(
        "Terminal too small: {}x{}. usagetop needs at least {MIN_WIDTH}x{MIN_HEIGHT}; enlarge the window or press q to quit.",
        area.width, area.height
    );
    frame.render_widget(
        Paragraph::new(message)
            .style(theme.warning())
            .wrap(Wrap { trim: true }),
        area,
    );
}

/// What a mouse event at (`column`, `row`) on a screen of `area` asks for:
/// a click on a view tab shows that view; the wheel scrolls the breakdown.
#[must_use]
pub fn mouse_action(
    area: Rect,
    app: &App,
    event: &crossterm::event::MouseEvent,
) -> Option<crate::app::Action> {
    use crate::app::Action;
    use crossterm::event::{MouseButton, MouseEventKind};
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        return None;
    }
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
        MouseEventKind::ScrollUp if app.panel.is_some() => Some(Action::ScrollUp),
        MouseEventKind::ScrollDown if app.panel.is_some() => Some(Action::ScrollDown),
        _ => None,
    }
}
