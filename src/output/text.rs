//! The readable text report: summary table, month-end estimate, models this
//! month and the trend of the chosen view.

use std::fmt::Write as _;

use rust_decimal::prelude::ToPrimitive;

use crate::analytics::report::ModelTotals;
use crate::analytics::trend::View;
use crate::analytics::Totals;
use crate::format::{change, grouped, money};
use crate::pipeline::Snapshot;
use crate::ui::text::sanitize;

fn cost_cell(totals: &Totals) -> String {
    let mut text = money(totals.cost);
    if totals.has_estimate() {
        text.push('*');
    }
    text
}

/// The report as text; `database` is shown in the heading.
#[must_use]
pub fn render(report: &Snapshot, view: View, database: &str) -> String {
    let mut out = String::new();
    let tz: chrono_tz::Tz = report.timezone.parse().unwrap_or(chrono_tz::Tz::UTC);
    let local = report.generated_at.with_timezone(&tz);
    let _ = writeln!(
        out,
        "usagetop report · {} {} · {database}",
        local.format("%Y-%m-%d %H:%M"),
        report.timezone
    );
    if !report.filter.is_empty() {
        let _ = writeln!(out, "filter: {}", sanitize(&report.filter.to_string(), 200));
    }
    for note in &report.notes {
        let _ = writeln!(out, "note: {note}");
    }
    if report.is_empty() {
        let _ = writeln!(out, "\nNo usage yet: the database holds no events. Add rows to usage_events, or try `usagetop --demo`.");
        return out;
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{:<14} {:>10} {:>15} {:>14} {:>13} {:>14} {:>13} {:>13}  {:>8}",
        "Period",
        "Requests",
        "Tokens",
        "Input",
        "Output",
        "Cache read",
        "Cache write",
        "Cost",
        "Change"
    );
    let [today, week, month, all] = report.block_labels(true);
    let blocks = [
        (today, &report.summary.today),
        (week, &report.summary.this_week),
        (month, &report.summary.this_month),
        (all, &report.summary.all_time),
    ];
    for (index, (name, block)) in blocks.into_iter().enumerate() {
        let totals = &block.totals;
        // Against the comparison asked for (`--compare`; the previous period by default).
        let delta = match report.comparison.blocks.get(index) {
            Some(Some(before)) => change(totals.cost, before.cost),
            Some(None) => "no data".to_owned(),
            None => String::new(),
        };
        let usage = &totals.usage;
        let _ = writeln!(
            out,
            "{:<14} {:>10} {:>15} {:>14} {:>13} {:>14} {:>13} {:>13}  {:>8}",
            name,
            grouped(usage.requests),
            grouped(usage.total_tokens()),
            grouped(usage.input_tokens),
            grouped(usage.output_tokens),
            grouped(usage.cache_read_tokens),
            grouped(usage.cache_write_tokens),
            cost_cell(totals),
            delta
        );
    }
    let _ = writeln!(
        out,
        "Change: cost against {}.",
        report.comparison.mode.describe()
    );

    let prediction = &report.prediction;
    if report.month_over {
        let _ = writeln!(
            out,
            "\nMonth-end estimate: none, {} is over",
            prediction.month_end.format("%B %Y")
        );
    } else {
        let _ = writeln!(
            out,
            "\nMonth-end estimate ({}): ~{} (80 % band {} – {}), ~{} requests, ~{} tokens",
            prediction.month_end.format("%b %-d"),
            money(prediction.cost.point),
            money(prediction.cost.low),
            money(prediction.cost.high),
            grouped(prediction.requests.point.to_i64().unwrap_or(i64::MAX)),
            grouped(prediction.tokens.point.to_i64().unwrap_or(i64::MAX)),
        );
        let _ = writeln!(out, "  method: {}", prediction.method.describe());
        if let Some(accuracy) = prediction.accuracy {
            let _ = writeln!(
            out,
            "  measured error: ±{:.1} % on your last {} months ({:.0} % inside the band; usagetop backtest)",
            accuracy.mape, accuracy.months, accuracy.coverage
        );
        }
    }

    if let Some(range) = &report.range {
        let _ = writeln!(
            out,
            "\nRange {} – {}: {} requests, {} tokens, {}",
            range.from.format("%Y-%m-%d"),
            range.to.format("%Y-%m-%d"),
            grouped(range.totals.usage.requests),
            grouped(range.totals.usage.total_tokens()),
            cost_cell(&range.totals)
        );
        write_models(&mut out, &range.by_model);
    }

    if let Some(breakdowns) = &report.breakdown {
        for (title, breakdown) in [
            ("today", &breakdowns.daily),
            ("this week", &breakdowns.weekly),
            ("this month", &breakdowns.monthly),
        ] {
            let _ = writeln!(out, "\nBy {} · {title}", breakdowns.dimension.name());
            write_breakdown(&mut out, breakdown);
        }
    }

    if !report.budgets.is_empty() {
        let _ = writeln!(out, "\nBudgets");
        for status in &report.budgets {
            let _ = writeln!(out, "  {}", crate::output::budget::line(status));
        }
    }

    let _ = writeln!(out, "\nThis month by model");
    write_models(&mut out, &report.by_model.this_month);

    let _ = writeln!(out, "\n{} ({})", view.title(), report.span_label(view));
    let _ = writeln!(
        out,
        "{:<11} {:>10} {:>15} {:>13}",
        "Start", "Requests", "Tokens", "Cost"
    );
    for bucket in report.series(view) {
        let _ = writeln!(
            out,
            "{:<11} {:>10} {:>15} {:>13}",
            bucket.start.format("%Y-%m-%d"),
            grouped(bucket.totals.usage.requests),
            grouped(bucket.totals.usage.total_tokens()),
            cost_cell(&bucket.totals)
        );
    }
    if report.summary.all_time.totals.has_estimate() {
        let _ = writeln!(out, "\n* includes usage of models with no price entry, priced by the default price (an estimate).");
    }
    out
}

fn write_models(out: &mut String, models: &[ModelTotals]) {
    if models.is_empty() {
        let _ = writeln!(out, "  (no usage this month)");
        return;
    }
    let _ = writeln!(
        out,
        "{:<36} {:>10} {:>15} {:>13}",
        "Model", "Requests", "Tokens", "Cost"
    );
    // The largest models by cost; the rest on one line (JSON lists them all).
    let shown = if models.len() > MODELS_SHOWN {
        MODELS_SHOWN - 1
    } else {
        models.len()
    };
    let row = |out: &mut String, name: &str, totals: &Totals| {
        let _ = writeln!(
            out,
            "{:<36} {:>10} {:>15} {:>13}",
            sanitize(name, 36),
            grouped(totals.usage.requests),
            grouped(totals.usage.total_tokens()),
            cost_cell(totals)
        );
    };
    for model in &models[..shown] {
        row(out, &model.model, &model.totals);
    }
    if shown < models.len() {
        let rest: Totals = models[shown..].iter().map(|model| model.totals).sum();
        row(
            out,
            &format!("({} other models)", models.len() - shown),
            &rest,
        );
    }
}

/// Models listed by name in the text report before the rest are summed.
const MODELS_SHOWN: usize = 25;

fn write_breakdown(out: &mut String, breakdown: &crate::analytics::breakdown::Breakdown) {
    if breakdown.rows.is_empty() {
        let _ = writeln!(out, "  (no usage)");
        return;
    }
    let _ = writeln!(
        out,
        "{:<36} {:>10} {:>15} {:>13} {:>6} {:>8}",
        "Name", "Requests", "Tokens", "Cost", "Share", "Change"
    );
    let row = |out: &mut String, name: &str, totals: &Totals, previous: &Totals| {
        let share = if breakdown.total.cost.is_zero() {
            0
        } else {
            (totals.cost / breakdown.total.cost * rust_decimal::Decimal::ONE_HUNDRED)
                .round()
                .to_i64()
                .unwrap_or(0)
        };
        let _ = writeln!(
            out,
            "{:<36} {:>10} {:>15} {:>13} {:>5}% {:>8}",
            sanitize(name, 36),
            grouped(totals.usage.requests),
            grouped(totals.usage.total_tokens()),
            cost_cell(totals),
            share,
            change(totals.cost, previous.cost)
        );
    };
    let shown = breakdown.rows.len().min(MODELS_SHOWN);
    for item in &breakdown.rows[..shown] {
        row(out, &item.key, &item.totals, &item.previous);
    }
    if shown < breakdown.rows.len() {
        let rest: Totals = breakdown.rows[shown..].iter().map(|item| item.totals).sum();
        let before: Totals = breakdown.rows[shown..]
            .iter()
            .map(|item| item.previous)
            .sum();
        row(
            out,
            &format!("({} others)", breakdown.rows.len() - shown),
            &rest,
            &before,
        );
    }
    row(out, "total", &breakdown.total, &breakdown.previous_total);
}
