//! Trend series: daily (30 days), weekly (12 weeks) and monthly (12 months),
//! each oldest first, ending with the current partial period, with empty
//! periods present as zeros.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};
use serde::Serialize;

use super::plan::{QueryPlan, DAILY_BUCKETS, MONTHLY_BUCKETS, WEEKLY_BUCKETS};
use super::Totals;
use crate::period::shift_month;

/// Which series a view shows.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum View {
    /// One bucket a day, last 30 days.
    #[default]
    Daily,
    /// One bucket a week, last 12 weeks.
    Weekly,
    /// One bucket a month, last 12 months.
    Monthly,
}

impl View {
    /// All views in cycling order.
    pub const ALL: [View; 3] = [View::Daily, View::Weekly, View::Monthly];

    /// The next view in cycling order.
    #[must_use]
    pub fn next(self) -> View {
        match self {
            View::Daily => View::Weekly,
            View::Weekly => View::Monthly,
            View::Monthly => View::Daily,
        }
    }

    /// A capitalised name.
    #[must_use]
    pub fn title(self) -> &'static str {
        match self {
            View::Daily => "Daily",
            View::Weekly => "Weekly",
            View::Monthly => "Monthly",
        }
    }

    /// What the series spans, for chart titles.
    #[must_use]
    pub fn span(self) -> &'static str {
        match self {
            View::Daily => "last 30 days",
            View::Weekly => "last 12 weeks",
            View::Monthly => "last 12 months",
        }
    }
}

/// One period of a trend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Bucket {
    /// First local day of the period (of a range: its first day inside it).
    #[serde(serialize_with = "serialize_date")]
    pub start: NaiveDate,
    /// Last local day counted (of the current period: today; of a range:
    /// its last day inside it).
    #[serde(serialize_with = "serialize_date")]
    pub end: NaiveDate,
    /// What was used and spent in it.
    #[serde(flatten)]
    pub totals: Totals,
}

fn serialize_date<S: serde::Serializer>(
    date: &NaiveDate,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_str(&date.format("%Y-%m-%d"))
}

/// The three trend series.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Trends {
    /// Last 30 days.
    pub daily: Vec<Bucket>,
    /// Last 12 weeks.
    pub weekly: Vec<Bucket>,
    /// Last 12 months.
    pub monthly: Vec<Bucket>,
    /// The same series one series-length earlier (for the comparison overlay).
    #[serde(skip)]
    pub previous: Option<Box<Trends>>,
}

impl Trends {
    /// The series of a view.
    #[must_use]
    pub fn series(&self, view: View) -> &[Bucket] {
        match view {
            View::Daily => &self.daily,
            View::Weekly => &self.weekly,
            View::Monthly => &self.monthly,
        }
    }
}

/// Builds the three series from priced totals per local day.
#[must_use]
pub fn build_trends(plan: &QueryPlan, per_day: &BTreeMap<NaiveDate, Totals>) -> Trends {
    Trends {
        previous: Some(Box::new(previous_trends(plan, per_day))),
        daily: bucketize(&bucket_starts(plan, View::Daily), plan.today, per_day),
        weekly: bucketize(&bucket_starts(plan, View::Weekly), plan.today, per_day),
        monthly: bucketize(&bucket_starts(plan, View::Monthly), plan.today, per_day),
    }
}

/// The first local day of each bucket of a view, oldest first.
#[must_use]
pub fn bucket_starts(plan: &QueryPlan, view: View) -> Vec<NaiveDate> {
    match view {
        View::Daily => (0..DAILY_BUCKETS)
            .rev()
            .map(|back| plan.today - Days::new(u64::from(back)))
            .collect(),
        View::Weekly => (0..WEEKLY_BUCKETS)
            .rev()
            .map(|back| plan.week_start - Days::new(7 * u64::from(back)))
            .collect(),
        View::Monthly => (0..MONTHLY_BUCKETS)
            .rev()
            .map(|back| shift_month(plan.month_start, -i32::try_from(back).unwrap_or(0)))
            .collect(),
    }
}

/// The index of the bucket that holds `day`, if any.
#[must_use]
pub fn bucket_index(starts: &[NaiveDate], last_day: NaiveDate, day: NaiveDate) -> Option<usize> {
    if day > last_day {
        return None;
    }
    starts.iter().rposition(|start| *start <= day)
}

/// Sums the days of each bucket: bucket `i` holds days from `starts[i]` up to
/// the next start, the last one up to and including `last_day`.
pub(crate) fn bucketize(
    starts: &[NaiveDate],
    last_day: NaiveDate,
    per_day: &BTreeMap<NaiveDate, Totals>,
) -> Vec<Bucket> {
    starts
        .iter()
        .enumerate()
        .map(|(index, &start)| {
            let end = starts
                .get(index + 1)
                .map_or(last_day, |next| *next - Days::new(1))
                .min(last_day);
            let totals = per_day
                .range(start..=end.max(start))
                .map(|(_, totals)| *totals)
                .sum();
            Bucket { start, end, totals }
        })
        .collect()
}

/// The three series over a custom range of days: every day of it, and the
/// weeks and months it touches, each summed over its days inside the range.
#[must_use]
pub fn range_trends(
    from: NaiveDate,
    to: NaiveDate,
    calendar: &crate::period::Calendar,
    per_day: &BTreeMap<NaiveDate, Totals>,
) -> Trends {
    let clipped: BTreeMap<NaiveDate, Totals> = per_day
        .range(from..=to)
        .map(|(day, totals)| (*day, *totals))
        .collect();
    let daily: Vec<NaiveDate> = from.iter_days().take_while(|day| *day <= to).collect();
    // The first week and month start on the range's first day: a bucket
    // carries the dates it really counts.
    let mut weekly = vec![calendar.week_of(from)];
    while let Some(next) = weekly
        .last()
        .map(|start| *start + Days::new(7))
        .filter(|next| *next <= to)
    {
        weekly.push(next);
    }
    let mut monthly = vec![crate::period::month_of(from)];
    while let Some(next) = monthly
        .last()
        .map(|start| shift_month(*start, 1))
        .filter(|next| *next <= to)
    {
        monthly.push(next);
    }
    let clip_first = |mut starts: Vec<NaiveDate>| {
        if let Some(first) = starts.first_mut() {
            *first = (*first).max(from);
        }
        starts
    };
    let (weekly, monthly) = (clip_first(weekly), clip_first(monthly));
    Trends {
        previous: None,
        daily: bucketize(&daily, to, &clipped),
        weekly: bucketize(&weekly, to, &clipped),
        monthly: bucketize(&monthly, to, &clipped),
    }
}

/// The series one series-length earlier: the 30 days before the daily
/// series, the 12 weeks before the weekly one, the 12 months before the monthly one.
fn previous_trends(plan: &QueryPlan, per_day: &BTreeMap<NaiveDate, Totals>) -> Trends {
    let shift = |view: View| -> Vec<NaiveDate> {
        bucket_starts(plan, view)
            .into_iter()
            .map(|start| match view {
                View::Daily => start - Days::new(u64::from(DAILY_BUCKETS)),
                View::Weekly => start - Days::new(7 * u64::from(WEEKLY_BUCKETS)),
                View::Monthly => shift_month(start, -i32::try_from(MONTHLY_BUCKETS).unwrap_or(12)),
            })
            .collect()
    };
    let bounded = |view: View| {
        let starts = shift(view);
        let end = bucket_starts(plan, view)
            .first()
            .map_or(plan.today, |first| *first - Days::new(1));
        bucketize(&starts, end, per_day)
    };
    Trends {
        daily: bounded(View::Daily),
        weekly: bounded(View::Weekly),
        monthly: bounded(View::Monthly),
        previous: None,
    }
}
