//! The one-line status for tmux status bars and shell prompts:
//! `today $12.34 · Nov $345.67 → ~$512 · budget monthly 68% !` (the worst
//! budget, when budgets are set).

use crate::format::money;
use crate::pipeline::Snapshot;

/// The report as one short line.
#[must_use]
pub fn render(report: &Snapshot) -> String {
    let star = |totals: &crate::analytics::Totals| if totals.has_estimate() { "*" } else { "" };
    let today = &report.summary.today.totals;
    let estimated = star(&report.summary.this_month.totals);
    let month = report
        .summary
        .this_month
        .start
        .map_or_else(String::new, |day| day.format("%b").to_string());
    let mut line = format!(
        "today {}{} · {month} {}{estimated} → ~{}{estimated}",
        money(today.cost),
        star(today),
        money(report.summary.this_month.totals.cost),
        money_whole(report.prediction.cost.point)
    );
    if let Some(budget) = crate::output::budget::brief(&report.budgets) {
        line.push_str(" · ");
        line.push_str(&budget);
    }
    if !report.filter.is_empty() {
        line.push_str(&format!(
            " [{}]",
            crate::text::sanitize(&report.filter.to_string(), 40)
        ));
    }
    line
}

/// Whole dollars for the estimate, which is not exact anyway.
fn money_whole(amount: rust_decimal::Decimal) -> String {
    let text = money(amount.round());
    text.strip_suffix(".00").map_or(text.clone(), str::to_owned)
}
