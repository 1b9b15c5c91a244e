//! The day hour by hour (today, or the day shown in history): cost per hour
//! as bars with a scale, the burn rate in dollars per hour, the peak hour,
//! and when a daily budget runs out at this rate.

use chrono::Timelike;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use super::axis::{labels_line, Axis};
use super::charts::{draw_columns, frame_chart, split_rows, title};
use super::theme::Theme;
use crate::analytics::hourly::{Hourly, RunOut};
use crate::app::App;
use crate::budget::Period;
use crate::format::{compact, grouped, money, money_short};

/// Whole cents, for bar heights (past Decimal's range: its largest).
fn cents(amount: Decimal) -> u128 {
    amount
        .saturating_mul(Decimal::ONE_HUNDRED)
        .round()
        .to_u128()
        .unwrap_or(0)
}

/// Draws the hours over `area`.
pub fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let Some(report) = &app.report else { return };
    let Some(hourly) = &report.hourly else {
        frame.render_widget(
            Paragraph::new(Line::styled(" loading the hours…", theme.dim())),
            area,
        );
        return;
    };
    let tz = app.context.tz;
    let local = |instant: chrono::DateTime<chrono::Utc>| instant.with_timezone(&tz);
    let info_rows = 2.min(area.height.saturating_sub(4));
    let (chart_area, info_area) = split_rows(area, area.height.saturating_sub(info_rows));
    let body = Rect {
        height: chart_area.height.saturating_sub(1),
        ..chart_area
    };
    let axis_row = Rect {
        y: chart_area.y + body.height,
        height: 1,
        ..chart_area
    };
    let peak = hourly
        .hours
        .iter()
        .map(|hour| hour.totals.cost)
        .max()
        .unwrap_or_default();
    let top = if peak.is_zero() { Decimal::ONE } else { peak };
    let scale = vec![money_short(top, top), money_short(Decimal::ZERO, top)];
    let gutter = scale
        .iter()
        .map(|label| crate::text::width(label))
        .max()
        .unwrap_or(1)
        + 1;
    let axis = Axis::new(
        chart_area,
        u16::try_from(gutter).unwrap_or(6),
        hourly.hours.len(),
    );

    let mut extra = vec![vec![Span::styled(
        format!(
            "· {} {} ",
            money(hourly.total.cost),
            if hourly.is_current() {
                "so far"
            } else {
                "in all"
            }
        ),
        theme.strong(),
    )]];
    if let Some(rate) = hourly.burn_rate() {
        extra.push(vec![Span::styled(
            format!("· burn {}/h (last 3 h) ", money(rate)),
            theme.warning(),
        )]);
    }
    if let Some(rate) = hourly.average_rate() {
        extra.push(vec![Span::styled(
            format!("· avg {}/h ", money(rate)),
            theme.dim(),
        )]);
    }
    let heading = format!(" Hours · {} ", hourly.day.format("%a %-d %b %Y"));
    let plot = frame_chart(
        frame,
        body,
        title(heading, extra, area.width, theme),
        &axis,
        &scale,
        theme,
    );
    if plot.height > 0 {
        draw_hours(frame, plot, hourly, &axis, top, theme);
    }
    let labels: Vec<String> = hourly
        .hours
        .iter()
        .map(|hour| {
            let hour = local(hour.start).hour();
            if hour % 3 == 0 {
                format!("{hour:02}")
            } else {
                String::new()
            }
        })
        .collect();
    frame.render_widget(
        Paragraph::new(Line::styled(labels_line(&axis, &labels), theme.dim())),
        axis.plot(axis_row),
    );

    // The day in figures, then the daily budget at this rate.
    let mut lines = Vec::new();
    let mut figures = format!(
        " {} requests · {} tokens",
        grouped(hourly.total.usage.requests),
        compact(hourly.total.usage.total_tokens())
    );
    if let Some(hour) = hourly.peak() {
        figures.push_str(&format!(
            " · peak {} {}",
            local(hour.start).format("%H:%M"),
            money(hour.totals.cost)
        ));
    }
    lines.push(Line::styled(figures, theme.dim()));
    let daily = report
        .budgets
        .iter()
        .find(|status| status.budget.scope.is_none() && status.budget.period == Period::Daily);
    if let Some(status) = daily {
        let limit = status.budget.limit;
        let text = match hourly.runs_out(limit) {
            Some(RunOut::Exceeded(at)) => (
                format!(
                    " Daily budget {}: exceeded at ~{}",
                    money(limit),
                    local(at).format("%H:%M")
                ),
                theme.up(),
            ),
            Some(RunOut::At(at)) => (
                format!(
                    " Daily budget {}: runs out at ~{} at this rate",
                    money(limit),
                    local(at).format("%H:%M")
                ),
                theme.warning(),
            ),
            Some(RunOut::NotToday) => (
                format!(
                    " Daily budget {}: stays under it today at this rate",
                    money(limit)
                ),
                theme.down(),
            ),
            None => (format!(" Daily budget {}", money(limit)), theme.dim()),
        };
        lines.push(Line::styled(text.0, text.1));
    }
    frame.render_widget(Paragraph::new(lines), info_area);
}

fn draw_hours(
    frame: &mut Frame,
    plot: Rect,
    hourly: &Hourly,
    axis: &Axis,
    top: Decimal,
    theme: &Theme,
) {
    let top = cents(top).max(1);
    let gaps = axis.has_gaps();
    let heights: Vec<(u64, Style)> = (0..usize::from(plot.width))
        .map(|column| {
            let Some(index) = axis.buckets_in(column).next() else {
                return (0, theme.cost());
            };
            if gaps && axis.span(index).end == column + 1 {
                return (0, theme.cost());
            }
            let hour = &hourly.hours[index.min(hourly.hours.len() - 1)];
            let style = if hour.start > hourly.now {
                theme.dim()
            } else {
                theme.cost()
            };
            (
                super::charts::eighths(cents(hour.totals.cost), top, plot.height),
                style,
            )
        })
        .collect();
    draw_columns(frame.buffer_mut(), plot, &heights);
    // Hours still to come: a dim baseline.
    let buffer = frame.buffer_mut();
    for column in 0..usize::from(plot.width) {
        let Some(index) = axis.buckets_in(column).next() else {
            continue;
        };
        if hourly
            .hours
            .get(index)
            .is_some_and(|hour| hour.start > hourly.now)
        {
            let x = plot.x + u16::try_from(column).unwrap_or(0);
            let y = plot.y + plot.height - 1;
            buffer[(x, y)].set_symbol("·").set_style(theme.dim());
        }
    }
}
