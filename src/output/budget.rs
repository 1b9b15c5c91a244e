//! Budget lines for people: `usagetop report --check-budget`, the text
//! report and the dashboard's gauges share these words.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use crate::budget::{BudgetStatus, Level};
use crate::format::money;
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

/// Share as a whole percentage.
#[must_use]
pub fn percent(share: Decimal) -> i64 {
    (share * Decimal::ONE_HUNDRED)
        .round()
        .to_i64()
        .unwrap_or(i64::MAX)
}

/// `exceeds on 23 Nov at this rate`, when the forecast crosses the limit.
#[must_use]
pub fn crossing(status: &BudgetStatus) -> Option<String> {
    match (status.level, status.crosses_on) {
        (Level::Exceeded, _) => Some("already exceeded".to_owned()),
        (_, Some(day)) => Some(format!("exceeds on {} at this rate", day.format("%-d %b"))),
        _ => None,
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
    if let Some(crossing) = crossing(status) {
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
