//! Breakdowns: usage per value of one dimension (model, endpoint, user, project, session or source)
//! for today, this week and this month, each with the same span of the
//! previous period, for the breakdown panel and the filter picker.

use std::collections::BTreeMap;

use super::plan::QueryPlan;
use super::trend::View;
use super::{DayModelRow, Totals};
use crate::filter::Dimension;
use crate::pricing::PriceTable;

/// One value of the dimension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreakdownRow {
    /// The value (a model, endpoint, user, project, session or source name).
    pub key: String,
    /// In the period so far.
    pub totals: Totals,
    /// In the same span of the previous period.
    pub previous: Totals,
}

impl BreakdownRow {
    /// True when some of its cost came from the default price.
    #[must_use]
    pub fn estimated(&self) -> bool {
        self.totals.has_estimate()
    }

    /// The order of "by change", as the change column reads: values new
    /// since the earlier span (cost now, none then) first, by cost; then the
    /// largest relative rise of cost; unchanged and vanished values last.
    /// A key for sorting, largest first.
    #[must_use]
    pub fn change_rank(&self) -> (u8, rust_decimal::Decimal) {
        let (now, before) = (self.totals.cost, self.previous.cost);
        if before.is_zero() {
            return if now.is_zero() {
                (1, rust_decimal::Decimal::ZERO)
            } else {
                (2, now)
            };
        }
        (
            1,
            now.saturating_sub(before)
                .checked_div(before)
                .unwrap_or_default(),
        )
    }
}

/// The rows of one period, largest cost first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Breakdown {
    /// One row per value.
    pub rows: Vec<BreakdownRow>,
    /// All rows added.
    pub total: Totals,
    /// The previous span, all rows added.
    pub previous_total: Totals,
}

/// Breakdowns of one dimension for the three periods.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Breakdowns {
    /// The dimension.
    pub dimension: Dimension,
    /// Today.
    pub daily: Breakdown,
    /// This week.
    pub weekly: Breakdown,
    /// This month.
    pub monthly: Breakdown,
    /// Every value over the range each view's charts span (daily, weekly,
    /// monthly), when asked for (the filter picker lists them).
    pub ranges: Option<Box<[Breakdown; 3]>>,
}

impl Breakdowns {
    /// The breakdown a view shows: today, this week or this month.
    #[must_use]
    pub fn for_view(&self, view: View) -> &Breakdown {
        match view {
            View::Daily => &self.daily,
            View::Weekly => &self.weekly,
            View::Monthly => &self.monthly,
        }
    }

    /// Every value over the range the charts of `view` span, when known.
    #[must_use]
    pub fn range_for(&self, view: View) -> Option<&Breakdown> {
        let ranges = self.ranges.as_ref()?;
        Some(match view {
            View::Daily => &ranges[0],
            View::Weekly => &ranges[1],
            View::Monthly => &ranges[2],
        })
    }

    /// Adds the values over each view's range: days from `starts[i]` (the
    /// first day of the daily, weekly and monthly series) to `last_day`, from
    /// (value, day x model) rows that cover them.
    #[must_use]
    pub fn with_ranges(
        mut self,
        starts: [chrono::NaiveDate; 3],
        last_day: chrono::NaiveDate,
        rows: &[(String, DayModelRow)],
        prices: &PriceTable,
    ) -> Self {
        let range = |start: chrono::NaiveDate| {
            let mut sums: BTreeMap<String, Totals> = BTreeMap::new();
            for (key, row) in rows
                .iter()
                .filter(|(_, row)| row.day >= start && row.day <= last_day)
            {
                let totals = Totals::of_model(
                    row.usage,
                    &row.model,
                    row.stored_cost,
                    row.estimated,
                    prices,
                );
                sums.entry(key.clone()).or_default().add(&totals);
            }
            combine(sums, BTreeMap::new())
        };
        self.ranges = Some(Box::new(starts.map(range)));
        self
    }

    /// Builds the three breakdowns from (value, day x model) rows covering
    /// this week and this month up to now, and the previous spans' rows.
    #[must_use]
    pub fn build(
        dimension: Dimension,
        plan: &QueryPlan,
        current: &[(String, DayModelRow)],
        previous: [&[(String, DayModelRow)]; 3],
        prices: &PriceTable,
    ) -> Self {
        let sum =
            |rows: &mut dyn Iterator<Item = &(String, DayModelRow)>| -> BTreeMap<String, Totals> {
                let mut out: BTreeMap<String, Totals> = BTreeMap::new();
                for (key, row) in rows {
                    let totals = Totals::of_model(
                        row.usage,
                        &row.model,
                        row.stored_cost,
                        row.estimated,
                        prices,
                    );
                    out.entry(key.clone()).or_default().add(&totals);
                }
                out
            };
        let period = |start, previous_rows: &[(String, DayModelRow)]| {
            let now = sum(&mut current
                .iter()
                .filter(|(_, row)| row.day >= start && row.day <= plan.today));
            let before = sum(&mut previous_rows.iter());
            combine(now, before)
        };
        let [previous_day, previous_week, previous_month] = previous;
        Self {
            dimension,
            daily: period(plan.today, previous_day),
            weekly: period(plan.week_start, previous_week),
            monthly: period(plan.month_start, previous_month),
            ranges: None,
        }
    }
}

impl Breakdowns {
    /// Divides the earlier spans' figures by the number of periods they add
    /// up (today, this week, this month): the mean of a baseline.
    pub fn average_previous(&mut self, counts: [u32; 3]) {
        for (breakdown, count) in [&mut self.daily, &mut self.weekly, &mut self.monthly]
            .into_iter()
            .zip(counts)
        {
            if count <= 1 {
                continue;
            }
            for row in &mut breakdown.rows {
                row.previous = super::compare::mean(row.previous, count);
            }
            breakdown.previous_total = super::compare::mean(breakdown.previous_total, count);
        }
    }

    /// Ranks every period's rows by the change in cost against the earlier
    /// span ([`BreakdownRow::change_rank`]: new values, then the largest
    /// rise first; then by name).
    pub fn rank_by_change(&mut self) {
        for breakdown in [&mut self.daily, &mut self.weekly, &mut self.monthly] {
            breakdown.rows.sort_by(|a, b| {
                b.change_rank()
                    .cmp(&a.change_rank())
                    .then_with(|| a.key.cmp(&b.key))
            });
        }
    }
}

fn combine(now: BTreeMap<String, Totals>, mut before: BTreeMap<String, Totals>) -> Breakdown {
    let mut rows: Vec<BreakdownRow> = now
        .into_iter()
        .map(|(key, totals)| {
            let previous = before.remove(&key).unwrap_or_default();
            BreakdownRow {
                key,
                totals,
                previous,
            }
        })
        .collect();
    // Values used only in the previous span still show, at zero now.
    rows.extend(before.into_iter().map(|(key, previous)| BreakdownRow {
        key,
        totals: Totals::default(),
        previous,
    }));
    rows.sort_by(|a, b| {
        b.totals
            .cost
            .cmp(&a.totals.cost)
            .then_with(|| a.key.cmp(&b.key))
    });
    let total = rows.iter().map(|row| row.totals).sum();
    let previous_total = rows.iter().map(|row| row.previous).sum();
    Breakdown {
        rows,
        total,
        previous_total,
    }
}
