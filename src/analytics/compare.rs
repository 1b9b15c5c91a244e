//! Comparisons: what the summary blocks, the cost chart's overlay and the
//! breakdown compare the present with. The previous period (the default),
//! the same period a year before, or a baseline: the mean of the last N
//! periods. Pure: the ranges to ask for, and the comparison built from the
//! rows the store returned for them.
//!
//! "A year before" is 52 weeks before for days and weeks (the same weekday,
//! which usage follows) and 12 months before for months. Every earlier span
//! runs from its period's start to the same point as now (see
//! [`QueryPlan::spans_back`]). Periods that start before the first event are
//! not counted: a year-over-year comparison needs a year of history, and a
//! baseline averages the periods there are (up to N).

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;

use super::plan::{QueryPlan, UtcRange};
use super::trend::{bucket_starts, bucketize, Bucket, Trends, View};
use super::{DayModelRow, Totals};
use crate::period::shift_month;
use crate::pricing::PriceTable;

/// Baseline periods when the config says nothing.
pub const DEFAULT_BASELINE_PERIODS: u32 = 3;
/// The most baseline periods (the report's window holds 12 months before the monthly series).
pub const MAX_BASELINE_PERIODS: u32 = 12;

/// What to compare with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Compare {
    /// The same span of the previous day, week or month.
    #[default]
    Previous,
    /// The same span a year (52 weeks, or 12 months) before.
    Year,
    /// The mean of the same span of the last N periods.
    Baseline(u32),
}

impl Compare {
    /// The JSON and command-line name.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Compare::Previous => "previous",
            Compare::Year => "year",
            Compare::Baseline(_) => "baseline",
        }
    }

    /// For people: `the previous period`, `a year before`, `the mean of the last 3 periods`.
    #[must_use]
    pub fn describe(self) -> String {
        match self {
            Compare::Previous => "the same span of the previous period".to_owned(),
            Compare::Year => "the same span a year before".to_owned(),
            Compare::Baseline(periods) => {
                format!("the mean of the same span of the last {periods} periods")
            }
        }
    }

    /// The cost chart's name for the overlaid series.
    #[must_use]
    pub fn overlay_label(self) -> String {
        match self {
            Compare::Previous => "previous period".to_owned(),
            Compare::Year => "a year before".to_owned(),
            Compare::Baseline(periods) => format!("baseline (mean of {periods})"),
        }
    }

    /// What each block compares with: (long, short) labels for today, this
    /// week and this month.
    #[must_use]
    pub fn labels(self) -> [(&'static str, &'static str); 3] {
        match self {
            Compare::Previous => [
                ("vs yesterday", "vs yday"),
                ("vs last week", "vs last wk"),
                ("vs last month", "vs last mo"),
            ],
            Compare::Year => [
                ("vs year ago", "vs yr ago"),
                ("vs year ago", "vs yr ago"),
                ("vs year ago", "vs yr ago"),
            ],
            Compare::Baseline(_) => [
                ("vs baseline", "vs base"),
                ("vs baseline", "vs base"),
                ("vs baseline", "vs base"),
            ],
        }
    }

    /// The earlier periods compared with: for each of today, this week and
    /// this month, the first day of each earlier period and its span.
    #[must_use]
    pub fn spans(self, plan: &QueryPlan, calendar: &crate::period::Calendar) -> [Vec<Span>; 3] {
        let backs: Vec<(u64, u64, u32)> = match self {
            Compare::Previous => vec![(1, 1, 1)],
            Compare::Year => vec![(364, 52, 12)],
            Compare::Baseline(periods) => (1..=periods.clamp(1, MAX_BASELINE_PERIODS))
                .map(|back| (u64::from(back), u64::from(back), back))
                .collect(),
        };
        let mut out: [Vec<Span>; 3] = Default::default();
        for (days, weeks, months) in backs {
            let ranges = plan.spans_back(calendar, days, weeks, months);
            let starts = [
                plan.today - Days::new(days),
                plan.week_start - Days::new(7 * weeks),
                shift_month(plan.month_start, -i32::try_from(months).unwrap_or(12)),
            ];
            for index in 0..3 {
                out[index].push(Span {
                    first_day: starts[index],
                    range: ranges[index],
                });
            }
        }
        out
    }

    /// The next mode of the dashboard's `c`: none, previous, year, baseline.
    #[must_use]
    pub fn cycle(current: Option<Compare>, periods: u32) -> Option<Compare> {
        match current {
            None => Some(Compare::Previous),
            Some(Compare::Previous) => Some(Compare::Year),
            Some(Compare::Year) => Some(Compare::Baseline(periods)),
            Some(Compare::Baseline(_)) => None,
        }
    }
}

/// One earlier span: its period's first day and the instants it covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// First local day of the earlier period.
    pub first_day: NaiveDate,
    /// From its start to the same point as now.
    pub range: UtcRange,
}

impl Span {
    /// True when the history reaches back to this period's start.
    #[must_use]
    pub fn covered(&self, first_day: Option<NaiveDate>) -> bool {
        first_day.is_some_and(|first| first <= self.first_day)
    }
}

/// What the present is compared with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparison {
    /// The mode.
    pub mode: Compare,
    /// Earlier periods counted for today, this week and this month (0: no history that far back).
    pub periods: [u32; 3],
    /// Today, this week and this month's comparison figures (`None`: no history).
    pub blocks: [Option<Totals>; 3],
    /// The overlay series of the cost chart (`None` for custom ranges).
    pub trends: Option<Trends>,
}

impl Comparison {
    /// The comparison with the previous period, all of it in `report` already.
    #[must_use]
    pub fn previous(report: &super::Report) -> Self {
        let summary = &report.summary;
        Self {
            mode: Compare::Previous,
            periods: [1; 3],
            blocks: [
                summary.today.previous,
                summary.this_week.previous,
                summary.this_month.previous,
            ],
            trends: if report.range.is_some() {
                None
            } else {
                report.trends.previous.as_deref().cloned()
            },
        }
    }

    /// The series a view overlays, if any (none when no bucket has history).
    #[must_use]
    pub fn series(&self, view: View) -> Option<&[Bucket]> {
        self.trends
            .as_ref()
            .map(|trends| trends.series(view))
            .filter(|series| !series.is_empty())
    }
}

/// `totals` divided by `count`: money exactly, counts rounded down.
#[must_use]
pub fn mean(totals: Totals, count: u32) -> Totals {
    if count <= 1 {
        return totals;
    }
    let divisor = Decimal::from(count);
    let usage = &totals.usage;
    Totals {
        usage: crate::usage::Usage {
            requests: usage.requests / i64::from(count),
            input_tokens: usage.input_tokens / i128::from(count),
            output_tokens: usage.output_tokens / i128::from(count),
            cache_read_tokens: usage.cache_read_tokens / i128::from(count),
            cache_write_tokens: usage.cache_write_tokens / i128::from(count),
            cache_write_1h_tokens: usage.cache_write_1h_tokens / i128::from(count),
        },
        cost: totals.cost / divisor,
        estimated_cost: totals.estimated_cost / divisor,
        cache_savings: totals.cache_savings / divisor,
    }
}

/// Builds a year or baseline comparison: `blocks` holds, per block, the
/// totals of each covered earlier span (already priced and added); `days`
/// are the report's day x model rows, for the chart's overlay.
#[must_use]
pub fn build(
    mode: Compare,
    plan: &QueryPlan,
    blocks: [(Totals, u32); 3],
    days: &[DayModelRow],
    first_day: Option<NaiveDate>,
    prices: &PriceTable,
) -> Comparison {
    let mut per_day: BTreeMap<NaiveDate, Totals> = BTreeMap::new();
    for row in days.iter().filter(|row| row.day <= plan.today) {
        per_day.entry(row.day).or_default().add(&Totals::of_model(
            row.usage,
            &row.model,
            row.stored_cost,
            row.estimated,
            prices,
        ));
    }
    let trends = (plan.range.is_none()).then(|| Trends {
        daily: overlay(mode, plan, View::Daily, &per_day, first_day),
        weekly: overlay(mode, plan, View::Weekly, &per_day, first_day),
        monthly: overlay(mode, plan, View::Monthly, &per_day, first_day),
        previous: None,
    });
    Comparison {
        mode,
        periods: blocks.map(|(_, count)| count),
        blocks: blocks.map(|(totals, count)| (count > 0).then(|| mean(totals, count))),
        trends,
    }
}

/// The overlay series of one view: each bucket a year before, or the mean
/// of the N buckets before it. Buckets before the first event count as
/// missing (empty, and left out of a mean).
fn overlay(
    mode: Compare,
    plan: &QueryPlan,
    view: View,
    per_day: &BTreeMap<NaiveDate, Totals>,
    first_day: Option<NaiveDate>,
) -> Vec<Bucket> {
    let starts = bucket_starts(plan, view);
    let back = |start: NaiveDate, periods: u32| match view {
        View::Daily => start - Days::new(u64::from(periods)),
        View::Weekly => start - Days::new(7 * u64::from(periods)),
        View::Monthly => shift_month(start, -i32::try_from(periods).unwrap_or(0)),
    };
    let covered = |start: NaiveDate| first_day.is_some_and(|first| first <= start);
    match mode {
        Compare::Previous | Compare::Year => {
            let shifted: Vec<NaiveDate> = starts
                .iter()
                .map(|start| match (mode, view) {
                    (Compare::Year, View::Monthly) => shift_month(*start, -12),
                    (Compare::Year, _) => *start - Days::new(364),
                    _ => back(*start, u32::try_from(starts.len()).unwrap_or(0)),
                })
                .collect();
            let end = shifted.last().map_or(plan.today, |last| {
                *last + period_days(view, *last) - Days::new(1)
            });
            if !shifted.iter().any(|start| covered(*start)) {
                // No history that far back: nothing to overlay.
                return Vec::new();
            }
            bucketize(&shifted, end, per_day)
                .into_iter()
                .map(|bucket| {
                    if covered(bucket.start) {
                        bucket
                    } else {
                        Bucket {
                            totals: Totals::default(),
                            ..bucket
                        }
                    }
                })
                .collect()
        }
        Compare::Baseline(periods) => {
            let periods = periods.clamp(1, MAX_BASELINE_PERIODS);
            let first = starts.first().copied().unwrap_or(plan.today);
            let mut extended: Vec<NaiveDate> = (1..=periods)
                .rev()
                .map(|back_by| back(first, back_by))
                .collect();
            extended.extend(starts.iter().copied());
            let buckets = bucketize(&extended, plan.today, per_day);
            let periods = usize::try_from(periods).unwrap_or(1);
            starts
                .iter()
                .enumerate()
                .map(|(index, start)| {
                    let earlier: Vec<&Bucket> = buckets[index..index + periods]
                        .iter()
                        .filter(|bucket| covered(bucket.start))
                        .collect();
                    let sum: Totals = earlier.iter().map(|bucket| bucket.totals).sum();
                    Bucket {
                        start: *start,
                        // The bucket it is the baseline of.
                        end: buckets[index + periods].end,
                        totals: mean(sum, u32::try_from(earlier.len()).unwrap_or(1)),
                    }
                })
                .collect()
        }
    }
}

/// Days in the period of `view` that starts on `start`.
fn period_days(view: View, start: NaiveDate) -> Days {
    match view {
        View::Daily => Days::new(1),
        View::Weekly => Days::new(7),
        View::Monthly => {
            Days::new(u64::try_from((shift_month(start, 1) - start).num_days()).unwrap_or(30))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::usage::Usage;

    #[test]
    fn mean_divides_money_exactly_and_counts_down() {
        let totals = Totals {
            usage: Usage {
                requests: 10,
                input_tokens: 7,
                ..Usage::default()
            },
            cost: Decimal::new(100, 2),
            estimated_cost: Decimal::new(10, 2),
            cache_savings: Decimal::new(30, 2),
        };
        let third = mean(totals, 3);
        assert_eq!(third.usage.requests, 3);
        assert_eq!(third.usage.input_tokens, 2);
        assert_eq!(third.cost, Decimal::ONE / Decimal::from(3));
        assert_eq!(mean(totals, 1), totals);
        assert_eq!(mean(totals, 0), totals);
    }

    #[test]
    fn c_cycles_through_the_modes_and_off() {
        let mut mode = None;
        let mut seen = Vec::new();
        for _ in 0..4 {
            mode = Compare::cycle(mode, 5);
            seen.push(mode);
        }
        assert_eq!(
            seen,
            [
                Some(Compare::Previous),
                Some(Compare::Year),
                Some(Compare::Baseline(5)),
                None
            ]
        );
        assert_eq!(Compare::Baseline(5).name(), "baseline");
        assert!(Compare::Baseline(5).describe().contains("last 5 periods"));
    }
}
