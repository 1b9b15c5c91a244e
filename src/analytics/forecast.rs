//! The month-end prediction: month-to-date actuals plus, for the rest of
//! today (in proportion to the time left) and each remaining day, the mean of
//! the same weekday over the last 28 complete days, with a low and a high from
//! the smallest and largest samples. Shorter histories fall back to the mean
//! of the complete days there are, then to today's rate so far.

use std::collections::BTreeMap;

use chrono::{Datelike, Days, NaiveDate, Weekday};
use rust_decimal::Decimal;

use super::plan::{QueryPlan, FORECAST_LOOKBACK_DAYS};
use super::Totals;
use crate::period::{shift_month, Calendar};

/// How the prediction was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Same-weekday means over the last 28 complete days.
    WeekdayMean,
    /// The mean of the given number (1 to 27) of complete days.
    CompleteDayMean(u32),
    /// No complete day yet: today's rate so far.
    TodayRate,
    /// No usage at all.
    NoData,
}

impl Method {
    /// A short machine-readable name (the JSON `method`).
    #[must_use]
    pub fn code(self) -> String {
        match self {
            Method::WeekdayMean => "weekday_mean_28d".to_owned(),
            Method::CompleteDayMean(days) => format!("mean_of_{days}_complete_days"),
            Method::TodayRate => "today_rate".to_owned(),
            Method::NoData => "no_data".to_owned(),
        }
    }

    /// A phrase for people.
    #[must_use]
    pub fn describe(self) -> String {
        match self {
            Method::WeekdayMean => "same-weekday mean, last 28 days".to_owned(),
            Method::CompleteDayMean(1) => "from the one complete day so far".to_owned(),
            Method::CompleteDayMean(days) => format!("mean of the {days} complete days so far"),
            Method::TodayRate => "today's rate so far".to_owned(),
            Method::NoData => "no usage yet".to_owned(),
        }
    }
}

/// A predicted amount with its range.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Estimate {
    /// The expected value.
    pub point: Decimal,
    /// Using the smallest samples.
    pub low: Decimal,
    /// Using the largest samples.
    pub high: Decimal,
}

/// The prediction of this month's end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prediction {
    /// Cost in USD.
    pub cost: Estimate,
    /// Requests.
    pub requests: Estimate,
    /// Total tokens.
    pub tokens: Estimate,
    /// Month to date.
    pub month_to_date: Totals,
    /// How it was made.
    pub method: Method,
    /// The last day of the month.
    pub month_end: NaiveDate,
    /// Expected cost of the rest of today and of each day after it, through
    /// the end of the month and of the week.
    pub projection: Vec<(NaiveDate, Decimal)>,
}

/// One day's amounts as decimals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Amount {
    cost: Decimal,
    requests: Decimal,
    tokens: Decimal,
}

impl Amount {
    fn of(totals: &Totals) -> Self {
        Self {
            cost: totals.cost,
            requests: Decimal::from(totals.usage.requests),
            tokens: Decimal::try_from_i128_with_scale(totals.usage.total_tokens(), 0)
                .unwrap_or(Decimal::MAX),
        }
    }

    fn scaled(self, factor: Decimal) -> Self {
        Self {
            cost: self.cost * factor,
            requests: self.requests * factor,
            tokens: self.tokens * factor,
        }
    }
}

/// Mean, smallest and largest of some samples, per amount.
#[derive(Debug, Clone, Copy, Default)]
struct Stats {
    mean: Amount,
    low: Amount,
    high: Amount,
}

impl Stats {
    fn of(samples: &[Amount]) -> Self {
        let Some(first) = samples.first() else {
            return Self::default();
        };
        let count = Decimal::from(samples.len());
        let mut sum = Amount::default();
        let (mut low, mut high) = (*first, *first);
        for sample in samples {
            sum.cost += sample.cost;
            sum.requests += sample.requests;
            sum.tokens += sample.tokens;
            low.cost = low.cost.min(sample.cost);
            low.requests = low.requests.min(sample.requests);
            low.tokens = low.tokens.min(sample.tokens);
            high.cost = high.cost.max(sample.cost);
            high.requests = high.requests.max(sample.requests);
            high.tokens = high.tokens.max(sample.tokens);
        }
        let mean = Amount {
            cost: sum.cost / count,
            requests: sum.requests / count,
            tokens: sum.tokens / count,
        };
        Self { mean, low, high }
    }
}

/// Predicts this month's end from priced totals per local day.
#[must_use]
pub fn predict(
    plan: &QueryPlan,
    calendar: &Calendar,
    per_day: &BTreeMap<NaiveDate, Totals>,
    first_day: Option<NaiveDate>,
) -> Prediction {
    let today = plan.today;
    let month_end = shift_month(plan.month_start, 1) - Days::new(1);
    let month_to_date: Totals = per_day
        .range(plan.month_start..=today)
        .map(|(_, totals)| *totals)
        .sum();
    let day_of = |date: NaiveDate| per_day.get(&date).map(Amount::of).unwrap_or_default();

    // Share of today still to come (DST days are 23 or 25 hours long).
    let day_start = calendar.start_of_day(today);
    let next_start = calendar.start_of_day(today + Days::new(1));
    let day_length = (next_start - day_start).num_seconds().max(1);
    let left = (next_start - plan.now).num_seconds().clamp(0, day_length);
    let remaining_today = Decimal::from(left) / Decimal::from(day_length);

    let lookback_start = today - Days::new(u64::from(FORECAST_LOOKBACK_DAYS));
    let complete: Vec<NaiveDate> = match first_day {
        Some(first) if first < today => {
            let start = lookback_start.max(first);
            start.iter_days().take_while(|day| *day < today).collect()
        }
        _ => Vec::new(),
    };

    let method = if first_day.is_none() {
        Method::NoData
    } else if complete.len() >= FORECAST_LOOKBACK_DAYS as usize {
        Method::WeekdayMean
    } else if complete.is_empty() {
        Method::TodayRate
    } else {
        Method::CompleteDayMean(u32::try_from(complete.len()).unwrap_or(u32::MAX))
    };

    let all_samples: Vec<Amount> = complete.iter().map(|day| day_of(*day)).collect();
    let stats_for = |weekday: Weekday| -> Stats {
        match method {
            Method::WeekdayMean => {
                let samples: Vec<Amount> = complete
                    .iter()
                    .filter(|day| day.weekday() == weekday)
                    .map(|day| day_of(*day))
                    .collect();
                Stats::of(&samples)
            }
            Method::CompleteDayMean(_) => Stats::of(&all_samples),
            Method::TodayRate => {
                let elapsed = Decimal::ONE - remaining_today;
                let rate = if elapsed.is_zero() {
                    Amount::default()
                } else {
                    day_of(today).scaled(Decimal::ONE / elapsed)
                };
                Stats {
                    mean: rate,
                    low: rate,
                    high: rate,
                }
            }
            Method::NoData => Stats::default(),
        }
    };

    let mut point = Amount::of(&month_to_date);
    let (mut low, mut high) = (point, point);
    let mut add_day = |weekday: Weekday, weight: Decimal| {
        let stats = stats_for(weekday);
        for (target, source) in [
            (&mut point, stats.mean),
            (&mut low, stats.low),
            (&mut high, stats.high),
        ] {
            let share = source.scaled(weight);
            target.cost += share.cost;
            target.requests += share.requests;
            target.tokens += share.tokens;
        }
    };
    add_day(today.weekday(), remaining_today);
    for day in (today + Days::new(1))
        .iter_days()
        .take_while(|day| *day <= month_end)
    {
        add_day(day.weekday(), Decimal::ONE);
    }

    // Expected cost day by day, through the end of the month and of the
    // week (for budgets and the date a forecast crosses them).
    let horizon = month_end.max(calendar.week_of(today) + Days::new(6));
    let mut projection = vec![(
        today,
        stats_for(today.weekday()).mean.cost * remaining_today,
    )];
    for day in (today + Days::new(1))
        .iter_days()
        .take_while(|day| *day <= horizon)
    {
        projection.push((day, stats_for(day.weekday()).mean.cost));
    }

    let estimate = |pick: fn(&Amount) -> Decimal, places: u32| Estimate {
        point: pick(&point).round_dp(places).normalize(),
        low: pick(&low).round_dp(places).normalize(),
        high: pick(&high).round_dp(places).normalize(),
    };
    Prediction {
        cost: estimate(|amount| amount.cost, 6),
        requests: estimate(|amount| amount.requests, 0),
        tokens: estimate(|amount| amount.tokens, 0),
        month_to_date,
        method,
        month_end,
        projection,
    }
}
