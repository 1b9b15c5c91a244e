//! The cost of each view's buckets split by model: the top models of the
//! span by cost, one series each, and the rest summed as "other" (the
//! dashboard's per-model cost chart). Pure.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::trend::{bucket_index, Trends, View};
use super::{DayModelRow, Totals};
use crate::pricing::PriceTable;

/// Models shown apart; the rest are summed as "other".
pub const TOP_MODELS: usize = 5;

/// One view's buckets split by model.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Split {
    /// The models shown apart, largest cost over the span first.
    pub models: Vec<String>,
    /// Cost per bucket of each model, in the order of `models`; when more
    /// models were used, one more series sums the rest ("other").
    pub costs: Vec<Vec<Decimal>>,
    /// Models summed as "other" (0: no such series).
    pub others: usize,
}

/// The splits of the three views.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Splits {
    /// Daily.
    pub daily: Split,
    /// Weekly.
    pub weekly: Split,
    /// Monthly.
    pub monthly: Split,
}

impl Splits {
    /// The split of a view.
    #[must_use]
    pub fn for_view(&self, view: View) -> &Split {
        match view {
            View::Daily => &self.daily,
            View::Weekly => &self.weekly,
            View::Monthly => &self.monthly,
        }
    }

    /// Splits the buckets of `trends` (whose last bucket ends on `last_day`)
    /// by the models of `rows`.
    #[must_use]
    pub fn build(
        trends: &Trends,
        last_day: NaiveDate,
        rows: &[DayModelRow],
        prices: &PriceTable,
    ) -> Self {
        let split = |view: View| {
            let starts: Vec<NaiveDate> = trends
                .series(view)
                .iter()
                .map(|bucket| bucket.start)
                .collect();
            split(&starts, last_day, rows, prices)
        };
        Self {
            daily: split(View::Daily),
            weekly: split(View::Weekly),
            monthly: split(View::Monthly),
        }
    }
}

fn split(
    starts: &[NaiveDate],
    last_day: NaiveDate,
    rows: &[DayModelRow],
    prices: &PriceTable,
) -> Split {
    let Some(first) = starts.first() else {
        return Split::default();
    };
    let mut per_model: BTreeMap<&str, Vec<Decimal>> = BTreeMap::new();
    for row in rows.iter().filter(|row| row.day >= *first) {
        let Some(index) = bucket_index(starts, last_day, row.day) else {
            continue;
        };
        let cost = Totals::of_model(
            row.usage,
            &row.model,
            row.stored_cost,
            row.estimated,
            prices,
        )
        .cost;
        let slot = &mut per_model
            .entry(row.model.as_str())
            .or_insert_with(|| vec![Decimal::ZERO; starts.len()])[index];
        *slot = slot.saturating_add(cost);
    }
    let mut ranked: Vec<(&str, Vec<Decimal>)> = per_model.into_iter().collect();
    ranked.sort_by(|a, b| {
        let total = |costs: &[Decimal]| super::totals::sum_costs(costs.iter().copied());
        total(&b.1).cmp(&total(&a.1)).then_with(|| a.0.cmp(b.0))
    });
    let others = ranked.len().saturating_sub(TOP_MODELS);
    let mut costs: Vec<Vec<Decimal>> = Vec::new();
    let mut models = Vec::new();
    let mut other = vec![Decimal::ZERO; starts.len()];
    for (rank, (model, series)) in ranked.into_iter().enumerate() {
        if rank < TOP_MODELS {
            models.push(model.to_owned());
            costs.push(series);
        } else {
            for (sum, cost) in other.iter_mut().zip(series) {
                *sum = sum.saturating_add(cost);
            }
        }
    }
    if others > 0 {
        costs.push(other);
    }
    Split {
        models,
        costs,
        others,
    }
}
