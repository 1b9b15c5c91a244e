//! The breakdown panel: one row per value of a dimension for the period the
//! view shows, with requests, tokens, cost, share of cost as a bar and the
//! change against the comparison (the same span of the previous period, a
//! year before or the baseline: ranked by change while one is chosen with
//! `c`); sortable (change included) and reversible, with a cursor for drilling down, scrolling only
//! as far as the last row, and a total line. Values priced by the default
//! price are marked.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;
use rust_decimal::Decimal;

use super::theme::Theme;
use crate::action::Action;
use crate::analytics::compare::Compare;
use crate::analytics::trend::View;
use crate::app::{sorted, App, BreakdownPanel};
use crate::format::{change, compact, money, percent_of};
use crate::keymap::Keymap;
use crate::text::{pad_left, pad_right, sanitize_middle};

/// The period a view's breakdown covers, for the title.
fn period_name(view: View) -> &'static str {
    match view {
        View::Daily => "today",
        View::Weekly => "this week",
        View::Monthly => "this month",
    }
}

fn share_bar(share: Decimal, width: usize) -> String {
    let filled = usize::try_from(percent_of(share) * i64::try_from(width).unwrap_or(0) / 100)
        .unwrap_or(0)
        .min(width);
    format!("{}{}", "█".repeat(filled), "·".repeat(width - filled))
}

/// Rows of data the panel shows in `area` (besides its title, header and total).
#[must_use]
pub fn rows_in(area: Rect) -> usize {
    usize::from(area.height).saturating_sub(3)
}

/// Draws the panel over `area`.
pub fn render(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    panel: &BreakdownPanel,
    theme: &Theme,
    keymap: &Keymap,
) {
    let title = format!(
        " By {} · {} · {} {} ",
        panel.dimension.name(),
        period_name(app.view),
        panel.sort.name(),
        if panel.reverse { "↑" } else { "↓" },
    );
    let keys = format!(
        "({} {} {} {}{} {} {}) ",
        keymap.key(Action::NextDimension),
        keymap.key(Action::NextSort),
        keymap.key(Action::ReverseSort),
        // The arrows when they are bound (the last key of the default pairs).
        keymap.keys(Action::ScrollUp).pop().unwrap_or_default(),
        keymap.keys(Action::ScrollDown).pop().unwrap_or_default(),
        keymap.key(Action::Select),
        keymap.key(Action::ToggleBreakdown),
    );
    let block = Block::new()
        .borders(Borders::TOP)
        .border_style(theme.border())
        .title(Line::from(vec![
            Span::styled(title, theme.title()),
            Span::styled(keys, theme.dim()),
        ]));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(breakdown) = app.panel_breakdown() else {
        frame.render_widget(
            Paragraph::new(Line::styled(" loading the breakdown…", theme.dim())),
            inner,
        );
        return;
    };
    let width = usize::from(inner.width);
    // Narrow panels keep name, cost, share and change.
    let full = width >= 72;
    let bar_width = if width >= 100 { 20 } else { 8 };
    // Columns after the name: requests, tokens, cost, share bar, percent, change.
    let numbers = if full {
        9 + 8 + 12 + (bar_width + 1) + 6 + 8
    } else {
        12 + 5 + 8
    };
    let name_width = width.saturating_sub(numbers + 1).max(8);
    // What the change is against: the comparison the breakdown was counted with.
    let against = match app.report.as_ref().map(|report| report.comparison.mode) {
        Some(Compare::Year) => "vs year",
        Some(Compare::Baseline(_)) => "vs base",
        _ => "change",
    };
    let header = if full {
        format!(
            " {} {:>8} {:>7} {:>11} {} {:>5} {:>7}",
            pad_right("name", name_width),
            "requests",
            "tokens",
            "cost",
            pad_right("share", bar_width),
            "",
            against
        )
    } else {
        format!(
            " {} {:>11} {:>4} {:>7}",
            pad_right("name", name_width),
            "cost",
            "%",
            against
        )
    };
    let mut lines = vec![Line::styled(header, theme.dim())];
    let rows = sorted(breakdown, panel.sort, panel.reverse);
    let room = usize::from(inner.height).saturating_sub(2).max(1);
    let total_cost = breakdown.total.cost;
    let line_for = |label: &str,
                    totals: &crate::analytics::Totals,
                    previous: &crate::analytics::Totals,
                    estimated: bool| {
        let share = if total_cost.is_zero() {
            Decimal::ZERO
        } else {
            totals.cost / total_cost
        };
        let cost = format!("{}{}", money(totals.cost), if estimated { "*" } else { "" });
        let name = pad_right(label, name_width);
        if full {
            format!(
                " {name} {:>8} {:>7} {} {} {:>4}% {:>7}",
                compact(totals.usage.requests),
                compact(totals.usage.total_tokens()),
                pad_left(&cost, 11),
                share_bar(share, bar_width),
                percent_of(share),
                change(totals.cost, previous.cost)
            )
        } else {
            format!(
                " {name} {} {:>3}% {:>7}",
                pad_left(&cost, 11),
                percent_of(share),
                change(totals.cost, previous.cost)
            )
        }
    };
    if rows.is_empty() {
        lines.push(Line::styled(" no usage in this period", theme.dim()));
    }
    // Never past the last page, whatever the state says.
    let scroll = panel.scroll.min(rows.len().saturating_sub(room));
    for (index, row) in rows.iter().enumerate().skip(scroll).take(room) {
        let mut style = if row.estimated() {
            theme.warning()
        } else {
            theme.text()
        };
        if index == panel.cursor {
            style = style.patch(theme.cursor());
        }
        lines.push(Line::styled(
            line_for(
                &sanitize_middle(&row.key, name_width),
                &row.totals,
                &row.previous,
                row.estimated(),
            ),
            style,
        ));
    }
    let total_label = if rows.len() > room {
        format!(
            "total · {}-{} of {}",
            scroll + 1,
            (scroll + room).min(rows.len()),
            rows.len()
        )
    } else {
        "total".to_owned()
    };
    lines.push(Line::styled(
        line_for(
            &crate::text::truncate(&total_label, name_width),
            &breakdown.total,
            &breakdown.previous_total,
            breakdown.total.has_estimate(),
        ),
        theme.strong(),
    ));
    frame.render_widget(Paragraph::new(lines), inner);
}
