//! Budgets: limits per day, week or month (overall, per model or per user)
//! from the config file, and their status against a report: spent, forecast
//! at the period's end, the day the forecast crosses the limit, and the
//! level (fine, warning, forecast over, exceeded). Pure.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::analytics::Report;
use crate::filter::{Dimension, Filter};
use crate::key_error::KeyError;

/// An amount of USD as written in the config: a number (`500`, `12.5`) or
/// a decimal string (`"500.00"`).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum Amount {
    /// A decimal string.
    Text(String),
    /// A whole number.
    Integer(i64),
    /// A number with a fraction, read by its shortest decimal form (`12.5`).
    Float(f64),
}

impl From<String> for Amount {
    fn from(text: String) -> Self {
        Amount::Text(text)
    }
}

impl Amount {
    /// The amount as an exact decimal, if it is one.
    #[must_use]
    pub fn decimal(&self) -> Option<Decimal> {
        match self {
            Amount::Text(text) => text.trim().parse().ok(),
            Amount::Integer(value) => Some(Decimal::from(*value)),
            // The shortest text that reads back as the same float is what was written.
            Amount::Float(value) => value.to_string().parse().ok(),
        }
    }

    /// The amount as written, for error messages.
    #[must_use]
    pub fn written(&self) -> String {
        match self {
            Amount::Text(text) => format!("{text:?}"),
            Amount::Integer(value) => value.to_string(),
            Amount::Float(value) => value.to_string(),
        }
    }
}

/// Limits of one scope, as written: amounts in USD.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Per local day.
    pub daily: Option<Amount>,
    /// Per week.
    pub weekly: Option<Amount>,
    /// Per month.
    pub monthly: Option<Amount>,
}

/// The `[budget]` table.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BudgetConfig {
    /// Per local day, overall.
    pub daily: Option<Amount>,
    /// Per week, overall.
    pub weekly: Option<Amount>,
    /// Per month, overall.
    pub monthly: Option<Amount>,
    /// Share of a budget at which it turns amber (default 0.8).
    pub warn_at: Option<f64>,
    /// Per-model budgets.
    #[serde(default)]
    pub models: BTreeMap<String, Limits>,
    /// Per-user budgets.
    #[serde(default)]
    pub users: BTreeMap<String, Limits>,
}

/// The period a budget covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Period {
    /// Today.
    Daily,
    /// This week.
    Weekly,
    /// This month.
    Monthly,
}

impl Period {
    /// Lower-case name.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Period::Daily => "daily",
            Period::Weekly => "weekly",
            Period::Monthly => "monthly",
        }
    }
}

/// One checked budget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Budget {
    /// Whose usage: everything, or one model or user (exact name).
    pub scope: Option<(Dimension, String)>,
    /// The period.
    pub period: Period,
    /// The limit in USD.
    pub limit: Decimal,
}

impl Budget {
    /// `monthly`, `monthly gpt-4o`, `weekly user alice`.
    #[must_use]
    pub fn name(&self) -> String {
        match &self.scope {
            None => self.period.name().to_owned(),
            Some((Dimension::User, user)) => format!("{} user {user}", self.period.name()),
            Some((_, model)) => format!("{} {model}", self.period.name()),
        }
    }

    /// The filter that selects this budget's usage within `base`.
    #[must_use]
    pub fn filter(&self, base: &Filter) -> Filter {
        let mut filter = base.clone();
        if let Some((dimension, value)) = &self.scope {
            // Exact names: glob characters are not special in budget keys.
            let escaped: String = value
                .chars()
                .map(|c| if matches!(c, '*' | '?') { '?' } else { c })
                .collect();
            filter.patterns_mut(*dimension).push(escaped);
        }
        filter
    }
}

/// All budgets with the warning share.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Budgets {
    /// The budgets, overall first.
    pub list: Vec<Budget>,
    /// Share of a limit at which a budget turns amber.
    pub warn_at: Decimal,
}

impl Budgets {
    /// True when no budget is set.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Checks the `[budget]` table.
    ///
    /// # Errors
    /// A limit that is not a positive decimal string, or `warn_at` outside (0, 1].
    pub fn from_config(config: &BudgetConfig) -> Result<Self, KeyError> {
        let mut list = Vec::new();
        let mut add = |scope: Option<(Dimension, String)>,
                       limits: [(&Option<Amount>, Period); 3],
                       key: &str| {
            for (amount, period) in limits {
                if let Some(amount) = amount {
                    let limit: Decimal = amount.decimal().filter(|value: &Decimal| *value > Decimal::ZERO).ok_or_else(|| {
                        KeyError::new(format!("{key}.{}", period.name()), format!("{} is not a budget; write a positive amount in USD, such as 500 or \"500.00\"", amount.written()))
                    })?;
                    list.push(Budget {
                        scope: scope.clone(),
                        period,
                        limit,
                    });
                }
            }
            Ok::<(), KeyError>(())
        };
        add(
            None,
            [
                (&config.daily, Period::Daily),
                (&config.weekly, Period::Weekly),
                (&config.monthly, Period::Monthly),
            ],
            "budget",
        )?;
        for (model, limits) in &config.models {
            add(
                Some((Dimension::Model, model.clone())),
                [
                    (&limits.daily, Period::Daily),
                    (&limits.weekly, Period::Weekly),
                    (&limits.monthly, Period::Monthly),
                ],
                &format!("budget.models.\"{model}\""),
            )?;
        }
        for (user, limits) in &config.users {
            add(
                Some((Dimension::User, user.clone())),
                [
                    (&limits.daily, Period::Daily),
                    (&limits.weekly, Period::Weekly),
                    (&limits.monthly, Period::Monthly),
                ],
                &format!("budget.users.\"{user}\""),
            )?;
        }
        let warn = config.warn_at.unwrap_or(0.8);
        if !(warn > 0.0 && warn <= 1.0) {
            return Err(KeyError::new(
                "budget.warn_at",
                format!("{warn} is out of range; give a share between 0 and 1, such as 0.8"),
            ));
        }
        let warn_at = Decimal::from_f64_retain(warn)
            .unwrap_or(Decimal::new(8, 1))
            .round_dp(4);
        Ok(Self { list, warn_at })
    }
}

/// How a budget stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Under the warning share, and the forecast stays under the limit.
    Fine,
    /// Past the warning share.
    Warning,
    /// The forecast at the period's end crosses the limit.
    ForecastOver,
    /// Already over the limit.
    Exceeded,
}

/// A budget against a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetStatus {
    /// The budget.
    pub budget: Budget,
    /// Spent so far in the period.
    pub spent: Decimal,
    /// Expected at the period's end.
    pub forecast: Decimal,
    /// The last day of the period.
    pub period_end: NaiveDate,
    /// The day the forecast reaches the limit, if it does in this period.
    pub crosses_on: Option<NaiveDate>,
    /// The level.
    pub level: Level,
}

impl BudgetStatus {
    /// `exceeds on 23 Nov at this rate`, when the forecast crosses the limit.
    #[must_use]
    pub fn crossing(&self) -> Option<String> {
        match (self.level, self.crosses_on) {
            (Level::Exceeded, _) => Some("already exceeded".to_owned()),
            (_, Some(day)) => Some(format!("exceeds on {} at this rate", day.format("%-d %b"))),
            _ => None,
        }
    }

    /// Spent as a share of the limit.
    #[must_use]
    pub fn share(&self) -> Decimal {
        if self.budget.limit.is_zero() {
            Decimal::ZERO
        } else {
            self.spent / self.budget.limit
        }
    }
}

/// Budgets in order of severity: exceeded first, then forecast over, warning
/// and fine, each by the share of its limit spent (largest first).
pub fn by_severity(a: &BudgetStatus, b: &BudgetStatus) -> std::cmp::Ordering {
    b.level
        .cmp(&a.level)
        .then_with(|| b.share().cmp(&a.share()))
}

/// The status of `budget` from `report`, a report of the budget's scope.
#[must_use]
pub fn evaluate(budget: &Budget, report: &Report, warn_at: Decimal) -> BudgetStatus {
    let (spent, start) = match budget.period {
        Period::Daily => (report.summary.today.totals.cost, report.summary.today.start),
        Period::Weekly => (
            report.summary.this_week.totals.cost,
            report.summary.this_week.start,
        ),
        Period::Monthly => (
            report.summary.this_month.totals.cost,
            report.summary.this_month.start,
        ),
    };
    let today = report.summary.today.start.unwrap_or_default();
    let start = start.unwrap_or(today);
    let period_end = match budget.period {
        Period::Daily => today,
        Period::Weekly => start + Days::new(6),
        Period::Monthly => report.prediction.month_end,
    };
    let mut running = spent;
    let mut crosses_on = (spent >= budget.limit).then_some(today);
    for (day, expected) in report
        .prediction
        .projection
        .iter()
        .filter(|(day, _)| *day <= period_end)
    {
        running += *expected;
        if crosses_on.is_none() && running >= budget.limit {
            crosses_on = Some(*day);
        }
    }
    let forecast = running.round_dp(6).normalize();
    let level = if spent >= budget.limit {
        Level::Exceeded
    } else if forecast >= budget.limit {
        Level::ForecastOver
    } else if spent >= budget.limit * warn_at {
        Level::Warning
    } else {
        Level::Fine
    };
    BudgetStatus {
        budget: budget.clone(),
        spent,
        forecast,
        period_end,
        crosses_on,
        level,
    }
}
