//! Pure analytics: from rows already grouped by the store (local day x model,
//! or model over a range) to the immutable [`Report`] the screen and the
//! headless report show. No I/O and no clock: `now` and the calendar are
//! passed in.

pub mod breakdown;
pub mod compare;
pub mod forecast;
pub mod history;
pub mod hourly;
pub mod plan;
pub mod report;
pub mod split;
pub mod summary;
pub mod totals;
pub mod trend;

pub use plan::QueryPlan;
pub use report::{build_report, Report};
pub use totals::Totals;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use crate::usage::Usage;

/// Usage of one model on one local day, as a store returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayModelRow {
    /// The local calendar day.
    pub day: NaiveDate,
    /// The model name as recorded.
    pub model: String,
    /// What was used.
    pub usage: Usage,
    /// The cost the source stored for these rows (a gateway's spend), if it has one.
    pub stored_cost: Option<Decimal>,
    /// Priced from tokens as an estimate: the source stores cost but these
    /// rows have none, or it only has a total token count.
    pub estimated: bool,
}

/// Usage of one model over a range of time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelRow {
    /// The model name as recorded.
    pub model: String,
    /// What was used.
    pub usage: Usage,
    /// The cost the source stored for these rows, if it has one.
    pub stored_cost: Option<Decimal>,
    /// Priced from tokens as an estimate (see [`DayModelRow::estimated`]).
    pub estimated: bool,
}

/// Everything the store returns for one report, as asked by a [`QueryPlan`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Aggregates {
    /// Day x model rows from the plan's window start up to `now`.
    pub days: Vec<DayModelRow>,
    /// Per model over all time up to `now`.
    pub all_time: Vec<ModelRow>,
    /// Per model from yesterday's start to the same time of day as now.
    pub previous_day: Vec<ModelRow>,
    /// Per model from last week's start to the same point in that week.
    pub previous_week: Vec<ModelRow>,
    /// Per model from last month's start to the same day and time.
    pub previous_month: Vec<ModelRow>,
    /// The earliest event at or before `now`, if any.
    pub first_event: Option<DateTime<Utc>>,
    /// What people must know about the source (e.g. days are UTC days).
    pub notes: Vec<String>,
    /// True when the source only knows UTC days.
    pub daily_utc: bool,
    /// Rows the reports leave out (negative counts, unreadable or far-future timestamps).
    pub left_out: i64,
}
