//! The readable text report: summary table, month-end estimate, models this
//! month and the trend of the chosen view, fitted to a width (the terminal's,
//! or 80 columns when printing elsewhere): tables lose their token-kind
//! columns and narrow their name column, sentences wrap between words. Every
//! name and note is sanitized and measured in display columns.

use std::fmt::Write as _;

use rust_decimal::prelude::ToPrimitive;

use crate::analytics::report::ModelTotals;
use crate::analytics::trend::View;
use crate::analytics::Totals;
use crate::filter::Dimension;
use crate::format::{change, grouped, money, percent_of, plural};
use crate::pipeline::Snapshot;
use crate::text::{clean, pad_left, pad_right, sanitize_middle, width};

/// Width of the full summary table (every token kind).
const WIDE: usize = 120;

fn cost_cell(totals: &Totals) -> String {
    let mut text = money(totals.cost);
    if totals.has_estimate() {
        text.push('*');
    }
    text
}

/// `text` wrapped between words at `columns` (its own leading spaces kept),
/// each continuation indented by `indent`.
fn wrap(out: &mut String, text: &str, columns: usize, indent: &str) {
    let body = text.trim_start_matches(' ');
    let mut line = text[..text.len() - body.len()].to_owned();
    let mut fresh = true;
    for word in body.split(' ').filter(|word| !word.is_empty()) {
        if !fresh && width(&line) + 1 + width(word) > columns {
            let _ = writeln!(out, "{}", line.trim_end());
            line = indent.to_owned();
            fresh = true;
        }
        if !fresh {
            line.push(' ');
        }
        line.push_str(word);
        fresh = false;
    }
    let _ = writeln!(out, "{}", line.trim_end());
}

/// One table row: cells right-aligned to their widths, the first left-aligned.
fn row(out: &mut String, cells: &[(&str, usize)]) {
    let mut line = String::new();
    for (index, (text, columns)) in cells.iter().enumerate() {
        if index == 0 {
            line.push_str(&pad_right(text, *columns));
        } else {
            line.push(' ');
            line.push_str(&pad_left(text, *columns));
        }
    }
    let _ = writeln!(out, "{}", line.trim_end());
}

/// The report as text for `columns` columns; `database` is shown in the heading.
#[must_use]
pub fn render(report: &Snapshot, view: View, database: &str, columns: usize) -> String {
    let columns = columns.max(40);
    let mut out = String::new();
    let tz: chrono_tz::Tz = report.timezone.parse().unwrap_or(chrono_tz::Tz::UTC);
    let local = report.generated_at.with_timezone(&tz);
    wrap(
        &mut out,
        &format!(
            "usagetop report · {} {} · {}",
            local.format("%Y-%m-%d %H:%M"),
            report.timezone,
            clean(database)
        ),
        columns,
        "  ",
    );
    if !report.filter.is_empty() {
        wrap(
            &mut out,
            &format!("filter: {}", clean(&report.filter.to_string())),
            columns,
            "  ",
        );
    }
    for note in &report.notes {
        wrap(&mut out, &format!("note: {}", clean(note)), columns, "  ");
    }
    if report.is_empty() {
        let _ = writeln!(out);
        wrap(
            &mut out,
            "No usage yet: the database holds no events. Add rows to usage_events, or try `usagetop --demo`.",
            columns,
            "",
        );
        return out;
    }
    let _ = writeln!(out);
    write_summary(&mut out, report, columns);

    let prediction = &report.prediction;
    let _ = writeln!(out);
    if report.month_over {
        let _ = writeln!(
            out,
            "Month-end estimate: none, {} is over",
            prediction.month_end.format("%B %Y")
        );
    } else {
        let range = if money(prediction.cost.low) == money(prediction.cost.high) {
            String::new()
        } else {
            format!(
                " (80 % band {} – {})",
                money(prediction.cost.low),
                money(prediction.cost.high)
            )
        };
        let requests = prediction.requests.point.to_i64().unwrap_or(i64::MAX);
        let tokens = prediction.tokens.point.to_i128().unwrap_or(i128::MAX);
        wrap(
            &mut out,
            &format!(
                "Month-end estimate ({}): {}{range}, ~{}, ~{}",
                prediction.month_end.format("%b %-d"),
                crate::format::approx_money(prediction.cost.point),
                plural(requests, "request"),
                plural(tokens, "token"),
            ),
            columns,
            "  ",
        );
        let _ = writeln!(out, "  method: {}", prediction.method.describe());
        if let Some(accuracy) = prediction.accuracy {
            wrap(
                &mut out,
                &format!(
                    "  measured error: ±{:.1} % on your last {} months ({:.0} % inside the band; usagetop backtest)",
                    accuracy.mape, accuracy.months, accuracy.coverage
                ),
                columns,
                "    ",
            );
        }
    }

    if let Some(range) = &report.range {
        let _ = writeln!(out);
        wrap(
            &mut out,
            &format!(
                "Range {} – {}: {}, {}, {}",
                range.from.format("%Y-%m-%d"),
                range.to.format("%Y-%m-%d"),
                plural(range.totals.usage.requests, "request"),
                plural(range.totals.usage.total_tokens(), "token"),
                cost_cell(&range.totals)
            ),
            columns,
            "  ",
        );
        write_models(&mut out, &range.by_model, columns);
    }

    if let Some(breakdowns) = &report.breakdown {
        for (title, breakdown) in [
            ("today", &breakdowns.daily),
            ("this week", &breakdowns.weekly),
            ("this month", &breakdowns.monthly),
        ] {
            let _ = writeln!(out, "\nBy {} · {title}", breakdowns.dimension.name());
            write_breakdown(&mut out, breakdown, columns);
        }
    }

    if !report.budgets.is_empty() {
        let _ = writeln!(out, "\nBudgets");
        for status in &report.budgets {
            wrap(
                &mut out,
                &format!("  {}", crate::output::budget::line(status)),
                columns,
                "            ",
            );
        }
    }

    // The breakdown by model already lists this month's models.
    let by_model = report
        .breakdown
        .as_ref()
        .is_some_and(|breakdowns| breakdowns.dimension == Dimension::Model);
    if !by_model {
        let _ = writeln!(out, "\nThis month by model");
        write_models(&mut out, &report.by_model.this_month, columns);
    }

    write_trend(&mut out, report, view);
    if report.summary.all_time.totals.has_estimate() {
        let _ = writeln!(out);
        wrap(
            &mut out,
            "* includes usage of models with no price entry, priced by the default price (an estimate).",
            columns,
            "  ",
        );
    }
    out
}

fn write_summary(out: &mut String, report: &Snapshot, columns: usize) {
    // Every token kind when they fit; else requests, tokens, cost and change.
    let wide = columns >= WIDE;
    let mut header: Vec<(&str, usize)> = vec![("Period", 14), ("Requests", 10), ("Tokens", 15)];
    if wide {
        header.extend([
            ("Input", 14),
            ("Output", 13),
            ("Cache read", 14),
            ("Cache write", 13),
        ]);
    }
    header.extend([("Cost", 14), ("Change", 9)]);
    row(out, &header);
    let [today, week, month, all] = report.block_labels(true);
    let blocks = [
        (today, &report.summary.today),
        (week, &report.summary.this_week),
        (month, &report.summary.this_month),
        (all, &report.summary.all_time),
    ];
    for (index, (name, block)) in blocks.iter().enumerate() {
        let totals = &block.totals;
        let usage = &totals.usage;
        // Against the comparison asked for (`--compare`; the previous period by default).
        let delta = match report.comparison.blocks.get(index) {
            Some(Some(before)) => change(totals.cost, before.cost),
            Some(None) => "no data".to_owned(),
            None => String::new(),
        };
        let cells = [
            grouped(usage.requests),
            grouped(usage.total_tokens()),
            grouped(usage.input_tokens),
            grouped(usage.output_tokens),
            grouped(usage.cache_read_tokens),
            grouped(usage.cache_write_tokens),
            cost_cell(totals),
            delta,
        ];
        let mut line: Vec<(&str, usize)> = vec![(name, 14), (&cells[0], 10), (&cells[1], 15)];
        if wide {
            line.extend([
                (cells[2].as_str(), 14),
                (cells[3].as_str(), 13),
                (cells[4].as_str(), 14),
                (cells[5].as_str(), 13),
            ]);
        }
        line.extend([(cells[6].as_str(), 14), (cells[7].as_str(), 9)]);
        row(out, &line);
    }
    wrap(
        out,
        &format!(
            "Change: cost against {}.",
            report.comparison.mode.describe()
        ),
        columns,
        "  ",
    );
    if !wide {
        // The token kinds of the periods, one line each.
        let _ = writeln!(
            out,
            "Tokens by kind (input / output / cache read / cache write):"
        );
        for (name, block) in &blocks {
            let usage = &block.totals.usage;
            // The 1-hour part of the cache writes, when there is one.
            let one_hour = if usage.cache_write_1h_tokens == 0 {
                String::new()
            } else {
                format!(" (1h {})", grouped(usage.cache_write_1h_tokens))
            };
            let _ = writeln!(
                out,
                "  {}{} / {} / {} / {}{one_hour}",
                pad_right(&format!("{name}:"), 16),
                grouped(usage.input_tokens),
                grouped(usage.output_tokens),
                grouped(usage.cache_read_tokens),
                grouped(usage.cache_write_tokens)
            );
        }
    }
}

/// The trend of the view, from the first period with usage on: periods
/// before the first event are not listed as zeros.
fn write_trend(out: &mut String, report: &Snapshot, view: View) {
    let _ = writeln!(out, "\n{} ({})", view.title(), report.span_label(view));
    row(
        out,
        &[
            ("Start", 11),
            ("Requests", 10),
            ("Tokens", 15),
            ("Cost", 14),
        ],
    );
    let series = report.series(view);
    let first_day = report.summary.all_time.start;
    let skip = first_day.map_or(0, |first| {
        series
            .iter()
            .take_while(|bucket| bucket.start <= first)
            .count()
            .saturating_sub(1)
    });
    if skip > 0 {
        let _ = writeln!(
            out,
            "(no usage before {}: {} left out)",
            first_day.map_or_else(String::new, |day| day.format("%Y-%m-%d").to_string()),
            plural(i128::try_from(skip).unwrap_or(0), "empty period")
        );
    }
    for bucket in series.iter().skip(skip) {
        let start = bucket.start.format("%Y-%m-%d").to_string();
        let requests = grouped(bucket.totals.usage.requests);
        let tokens = grouped(bucket.totals.usage.total_tokens());
        let cost = cost_cell(&bucket.totals);
        row(
            out,
            &[(&start, 11), (&requests, 10), (&tokens, 15), (&cost, 14)],
        );
    }
}

/// The name column for a table whose other columns take `rest`: at most 36, at least 12.
fn name_width(columns: usize, rest: usize) -> usize {
    columns.saturating_sub(rest).clamp(12, 36)
}

fn write_models(out: &mut String, models: &[ModelTotals], columns: usize) {
    if models.is_empty() {
        let _ = writeln!(out, "  (no usage this month)");
        return;
    }
    let names = name_width(columns, 10 + 15 + 14 + 3);
    row(
        out,
        &[
            ("Model", names),
            ("Requests", 10),
            ("Tokens", 15),
            ("Cost", 14),
        ],
    );
    // The largest models by cost; the rest on one line (JSON lists them all).
    let shown = if models.len() > MODELS_SHOWN {
        MODELS_SHOWN - 1
    } else {
        models.len()
    };
    let line = |out: &mut String, name: &str, totals: &Totals| {
        let name = sanitize_middle(name, names);
        let requests = grouped(totals.usage.requests);
        let tokens = grouped(totals.usage.total_tokens());
        let cost = cost_cell(totals);
        row(
            out,
            &[(&name, names), (&requests, 10), (&tokens, 15), (&cost, 14)],
        );
    };
    for model in &models[..shown] {
        line(out, &model.model, &model.totals);
    }
    if shown < models.len() {
        let rest: Totals = models[shown..].iter().map(|model| model.totals).sum();
        line(
            out,
            &format!("({} other models)", models.len() - shown),
            &rest,
        );
    }
}

/// Models listed by name in the text report before the rest are summed.
const MODELS_SHOWN: usize = 25;

fn write_breakdown(
    out: &mut String,
    breakdown: &crate::analytics::breakdown::Breakdown,
    columns: usize,
) {
    if breakdown.rows.is_empty() {
        let _ = writeln!(out, "  (no usage)");
        return;
    }
    let names = name_width(columns, 10 + 15 + 14 + 6 + 9 + 6);
    row(
        out,
        &[
            ("Name", names),
            ("Requests", 10),
            ("Tokens", 15),
            ("Cost", 14),
            ("Share", 6),
            ("Change", 9),
        ],
    );
    let line = |out: &mut String, name: &str, totals: &Totals, previous: &Totals| {
        let share = if breakdown.total.cost.is_zero() {
            0
        } else {
            percent_of(totals.cost / breakdown.total.cost)
        };
        let name = sanitize_middle(name, names);
        let requests = grouped(totals.usage.requests);
        let tokens = grouped(totals.usage.total_tokens());
        let cost = cost_cell(totals);
        let share = format!("{share}%");
        let delta = change(totals.cost, previous.cost);
        row(
            out,
            &[
                (&name, names),
                (&requests, 10),
                (&tokens, 15),
                (&cost, 14),
                (&share, 6),
                (&delta, 9),
            ],
        );
    };
    let shown = breakdown.rows.len().min(MODELS_SHOWN);
    for item in &breakdown.rows[..shown] {
        line(out, &item.key, &item.totals, &item.previous);
    }
    if shown < breakdown.rows.len() {
        let rest: Totals = breakdown.rows[shown..].iter().map(|item| item.totals).sum();
        let before: Totals = breakdown.rows[shown..]
            .iter()
            .map(|item| item.previous)
            .sum();
        line(
            out,
            &format!("({} others)", breakdown.rows.len() - shown),
            &rest,
            &before,
        );
    }
    line(out, "total", &breakdown.total, &breakdown.previous_total);
}
