//! The scope line under the summary, shown only when it has something to
//! say: which usage the numbers count (the filter, or the drill-down path
//! with the key that goes back), how many notes the report has about the
//! source (help shows them), and how old the newest usage is when it is not
//! recent ("last event 3 days ago").

use chrono::NaiveDate;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::theme::Theme;
use crate::action::Action;
use crate::analytics::Report;
use crate::app::App;
use crate::filter::Filter;
use crate::keymap::Keymap;
use crate::text::sanitize;

/// The newest day with usage the report shows, and whether it is exact (a
/// day) or only the month is known (older than the daily series).
#[must_use]
pub fn last_active(report: &Report) -> Option<(NaiveDate, bool)> {
    let used = |bucket: &&crate::analytics::trend::Bucket| !bucket.totals.usage.is_empty();
    if let Some(bucket) = report.trends.daily.iter().rev().find(used) {
        return Some((bucket.start, true));
    }
    report
        .trends
        .monthly
        .iter()
        .rev()
        .find(used)
        .map(|bucket| (bucket.start, false))
}

/// "last event 3 days ago (Fri 27 Nov)" when the newest usage is two or
/// more days old, in the present only.
#[must_use]
pub fn staleness(app: &App) -> Option<String> {
    let report = app.report.as_ref()?;
    if app.history > 0 || report.range.is_some() || report.is_empty() {
        return None;
    }
    let today = report.summary.today.start?;
    match last_active(report) {
        Some((day, true)) => {
            let days = (today - day).num_days();
            (days >= 2).then(|| format!("last event {days} days ago ({})", day.format("%a %-d %b")))
        }
        Some((month, false)) => Some(format!(
            "no events in the last 30 days; the last in {}",
            month.format("%b %Y")
        )),
        None => Some("no events in the last 12 months".to_owned()),
    }
}

/// The filter as people read it: `model claude-*, not gpt-4o · user alice`.
#[must_use]
pub fn describe(filter: &Filter) -> String {
    let parts: Vec<String> = filter
        .active()
        .map(|(dimension, patterns)| {
            let shown: Vec<&str> = patterns
                .iter()
                .filter(|pattern| !pattern.starts_with('!'))
                .map(String::as_str)
                .collect();
            let left_out: Vec<&str> = patterns
                .iter()
                .filter_map(|pattern| pattern.strip_prefix('!'))
                .collect();
            let mut text = format!("{} ", dimension.name());
            text.push_str(&shown.join(", "));
            if !left_out.is_empty() {
                if !shown.is_empty() {
                    text.push_str(", ");
                }
                text.push_str("not ");
                text.push_str(&left_out.join(", "));
            }
            text
        })
        .collect();
    parts.join(" · ")
}

/// The report's notes about the source, when it has any.
fn notes(app: &App) -> usize {
    app.report.as_ref().map_or(0, |report| report.notes.len())
}

/// True when the scope line has something to say.
#[must_use]
pub fn shown(app: &App) -> bool {
    !app.filter.is_empty() || staleness(app).is_some() || notes(app) > 0
}

/// Draws the scope line.
pub fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme, keymap: &Keymap) {
    let width = usize::from(area.width);
    let stale = staleness(app).map(|text| format!("⚠ {text}"));
    let stale_width = stale
        .as_deref()
        .map_or(0, |text| crate::text::width(text) + 2);
    let room = width.saturating_sub(stale_width + 1);
    let mut spans = Vec::new();
    if !app.drill.is_empty() {
        let path: Vec<String> = app
            .drill
            .iter()
            .map(|step| format!("{} {}", step.panel.dimension.name(), step.value))
            .collect();
        let back = format!(" ({}: back)", keymap.key(Action::Back));
        spans.push(Span::styled(" ▸ ", theme.warning()));
        spans.push(Span::styled(
            sanitize(
                &path.join(" › "),
                room.saturating_sub(3 + crate::text::width(&back)),
            ),
            theme.warning(),
        ));
        spans.push(Span::styled(back, theme.dim()));
    } else if !app.filter.is_empty() {
        let clear = format!(" ({}: clear)", keymap.key(Action::ClearFilter));
        spans.push(Span::styled(" Filter: ", theme.warning()));
        spans.push(Span::styled(
            sanitize(
                &describe(&app.filter),
                room.saturating_sub(9 + crate::text::width(&clear)),
            ),
            theme.warning(),
        ));
        spans.push(Span::styled(clear, theme.dim()));
    }
    let count = notes(app);
    if count > 0 {
        let text = format!(
            " ⓘ {} about the data ({}: read) ",
            crate::format::plural(i128::try_from(count).unwrap_or(0), "note"),
            keymap.key(Action::ShowPrices)
        );
        let used: usize = spans.iter().map(|span| span.width()).sum();
        if used + crate::text::width(&text) + stale_width <= width {
            spans.push(Span::styled(text, theme.warning()));
        }
    }
    if let Some(stale) = stale {
        let used: usize = spans.iter().map(|span| span.width()).sum();
        let gap = width
            .saturating_sub(used + crate::text::width(&stale) + 1)
            .max(2);
        spans.push(Span::raw(" ".repeat(gap)));
        spans.push(Span::styled(stale, theme.warning()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
