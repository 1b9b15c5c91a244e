//! Budget lines for people: `usagetop report --check-budget`, the text
//! report and the dashboard's gauges share these words.

use crate::budget::{BudgetStatus, Level};
use crate::format::{money, percent};
use crate::text::sanitize;

/// The level as a word.
#[must_use]
pub fn level_word(level: Level) -> &'static str {
    match level {
        Level::Fine => "ok",
        Level::Warning => "warning",
        Level::ForecastOver => "forecast",
        Level::Exceeded => "EXCEEDED",
    }
}

/// One line: `forecast  monthly: $310.20 of $500.00 (62%), forecast $612.00 by 30 Nov; exceeds on 23 Nov at this rate`.
#[must_use]
pub fn line(status: &BudgetStatus) -> String {
    let mut text = format!(
        "{:<9} {}: {} of {} ({}%), forecast {} by {}",
        level_word(status.level),
        sanitize(&status.budget.name(), 60),
        money(status.spent),
        money(status.budget.limit),
        percent(status.share()),
        money(status.forecast),
        status.period_end.format("%-d %b")
    );
    if let Some(crossing) = status.crossing() {
        text.push_str("; ");
        text.push_str(&crossing);
    }
    text
}

/// The exit status of `--check-budget`: 0 fine, 3 a forecast crosses a budget, 4 one is exceeded.
#[must_use]
pub fn exit_status(statuses: &[BudgetStatus]) -> u8 {
    match statuses.iter().map(|status| status.level).max() {
        Some(Level::Exceeded) => 4,
        Some(Level::ForecastOver) => 3,
        _ => 0,
    }
}

/// The budgets as JSON for scripts (`usagetop report --check-budget --format
/// json`): each budget with its scope, limit, spent, share, forecast, period
/// end, crossing day and level, worst first, and the exit status.
///
/// # Errors
/// Serialization fails (it does not for these types).
pub fn render_json(statuses: &[BudgetStatus]) -> Result<String, serde_json::Error> {
    let budgets: Vec<serde_json::Value> = statuses
        .iter()
        .map(|status| {
            let budget = &status.budget;
            serde_json::json!({
                "name": budget.name(),
                "period": budget.period.name(),
                "scope": budget.scope.as_ref().map(|(dimension, value)| serde_json::json!({
                    "dimension": dimension.name(),
                    "value": value,
                })),
                "limit": budget.limit.normalize().to_string(),
                "spent": status.spent.normalize().to_string(),
                "share": status.share().round_dp(4).normalize().to_string(),
                "forecast": status.forecast.normalize().to_string(),
                "period_end": status.period_end.format("%Y-%m-%d").to_string(),
                "crosses_on": status.crosses_on.map(|day| day.format("%Y-%m-%d").to_string()),
                "level": match status.level {
                    Level::Fine => "ok",
                    Level::Warning => "warning",
                    Level::ForecastOver => "forecast_over",
                    Level::Exceeded => "exceeded",
                },
            })
        })
        .collect();
    let value = serde_json::json!({
        "budgets": budgets,
        "exit_status": exit_status(statuses),
    });
    serde_json::to_string_pretty(&value).map(crate::output::json::terminal_safe)
}

/// The worst budget in a few words for a status line: `budget daily 112% ✗`.
#[must_use]
pub fn brief(statuses: &[BudgetStatus]) -> Option<String> {
    let worst = statuses
        .iter()
        .min_by(|a, b| crate::budget::by_severity(a, b))?;
    let mark = match worst.level {
        Level::Fine => "ok",
        Level::Warning => "!",
        Level::ForecastOver => "⚠",
        Level::Exceeded => "✗",
    };
    Some(format!(
        "budget {} {}% {mark}",
        sanitize(&worst.budget.name(), 30),
        percent(worst.share())
    ))
}
