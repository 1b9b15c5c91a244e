//! The four summary blocks: today, this week, this month and all time, each
//! with the same span of the previous period for comparison.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::plan::QueryPlan;
use super::{ModelRow, Totals};
use crate::pricing::PriceTable;

/// One summary block's numbers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PeriodSummary {
    /// First local day of the period (`None` for all time with no data).
    pub start: Option<NaiveDate>,
    /// From the period's start up to now.
    pub totals: Totals,
    /// The previous period over the same span (`None` for all time).
    pub previous: Option<Totals>,
}

/// The four blocks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summaries {
    /// Since local midnight.
    pub today: PeriodSummary,
    /// Since the start of the week.
    pub this_week: PeriodSummary,
    /// Since the first of the month.
    pub this_month: PeriodSummary,
    /// Everything up to now.
    pub all_time: PeriodSummary,
}

/// Prices rows of (model, usage) and adds them up.
#[must_use]
pub fn total_of(rows: &[ModelRow], prices: &PriceTable) -> Totals {
    rows.iter()
        .map(|row| {
            Totals::of_model(
                row.usage,
                &row.model,
                row.stored_cost,
                row.estimated,
                prices,
            )
        })
        .sum()
}

/// Builds the blocks from priced totals per day and the previous-span rows.
#[must_use]
pub fn build_summaries(
    plan: &QueryPlan,
    per_day: &BTreeMap<NaiveDate, Totals>,
    previous: [&[ModelRow]; 3],
    all_time: Totals,
    first_day: Option<NaiveDate>,
    prices: &PriceTable,
) -> Summaries {
    let since = |start: NaiveDate| -> Totals {
        per_day
            .range(start..=plan.today)
            .map(|(_, totals)| *totals)
            .sum()
    };
    let [previous_day, previous_week, previous_month] = previous;
    Summaries {
        today: PeriodSummary {
            start: Some(plan.today),
            totals: since(plan.today),
            previous: Some(total_of(previous_day, prices)),
        },
        this_week: PeriodSummary {
            start: Some(plan.week_start),
            totals: since(plan.week_start),
            previous: Some(total_of(previous_week, prices)),
        },
        this_month: PeriodSummary {
            start: Some(plan.month_start),
            totals: since(plan.month_start),
            previous: Some(total_of(previous_month, prices)),
        },
        all_time: PeriodSummary {
            start: first_day,
            totals: all_time,
            previous: None,
        },
    }
}
