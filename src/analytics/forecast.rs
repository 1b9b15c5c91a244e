//! The month-end prediction: month-to-date actuals plus the expected rest of
//! today (by the hour-of-day profile of recent days) and each remaining day,
//! from weekday factors on a robust trend of the recent weeks
//! ([`model`]), fitted to cost, requests and tokens apart, with an 80 %
//! prediction interval calibrated by backtest. Shorter histories fall back
//! to the median of the complete days there are, then to today's rate so
//! far; the prediction says which applied. Money stays `Decimal`: the model
//! works in `f64` on daily amounts, converted at this boundary, and only its
//! expected amounts for days to come are converted back.

pub mod backtest;
pub mod baseline;
pub mod medians;
pub mod model;
pub mod outlook;
pub mod recent;
pub mod regression;
pub mod synth;

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};
use rust_decimal::prelude::{FromPrimitive, ToPrimitive};
use rust_decimal::Decimal;

use super::plan::QueryPlan;
use super::Totals;
use crate::period::{shift_month, Calendar};
use backtest::Ledger;
pub use outlook::Method;
use outlook::Triple;

/// The probability the band is meant to hold the actual month end with.
pub const INTERVAL: Decimal = Decimal::from_parts(8, 0, 0, false, 1);
/// The same, for JSON numbers.
pub const INTERVAL_F64: f64 = 0.8;

impl Method {
    /// A short machine-readable name (the JSON `method`).
    #[must_use]
    pub fn code(self) -> String {
        match self {
            Method::WeekdayTrend => "weekday_trend".to_owned(),
            Method::ShortMedian(days) => format!("median_of_{days}_complete_days"),
            Method::TodayRate => "today_rate".to_owned(),
            Method::NoData => "no_data".to_owned(),
        }
    }

    /// A phrase for people.
    #[must_use]
    pub fn describe(self) -> String {
        match self {
            Method::WeekdayTrend => "weekday pattern on recent trend".to_owned(),
            Method::ShortMedian(1) => "from the one complete day so far".to_owned(),
            Method::ShortMedian(days) => format!("median of the {days} complete days so far"),
            Method::TodayRate => "today's rate so far".to_owned(),
            Method::NoData => "no usage yet".to_owned(),
        }
    }
}

/// A predicted amount with its 80 % band.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Estimate {
    /// The expected value.
    pub point: Decimal,
    /// The band's lower end (never below the month to date).
    pub low: Decimal,
    /// The band's upper end.
    pub high: Decimal,
}

/// The forecast's measured error on this data (`usagetop backtest`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Accuracy {
    /// Mean absolute percentage error of the month-end cost.
    pub mape: f64,
    /// Share of actual month ends inside the band, in percent.
    pub coverage: f64,
    /// Past months replayed.
    pub months: u32,
    /// Forecasts replayed.
    pub forecasts: usize,
}

impl Eq for Accuracy {}

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
    /// the end of the month and of the week (budgets and their crossing day).
    pub projection: Vec<(NaiveDate, Decimal)>,
    /// The measured error on this data, when the worker has it.
    pub accuracy: Option<Accuracy>,
}

/// Cost, requests and tokens of priced totals, for the model.
#[must_use]
pub fn triple(totals: &Totals) -> Triple {
    [
        totals.cost.to_f64().unwrap_or(0.0),
        totals.usage.requests.to_f64().unwrap_or(0.0),
        totals.usage.total_tokens().to_f64().unwrap_or(0.0),
    ]
}

fn decimal(value: f64, places: u32) -> Decimal {
    if value.is_finite() {
        Decimal::from_f64(value)
            .unwrap_or(Decimal::ZERO)
            .round_dp(places)
    } else {
        Decimal::ZERO
    }
}

/// Share of today's hours gone at the plan's instant (DST days are 23 or 25 hours).
#[must_use]
pub fn hours_gone(plan: &QueryPlan, calendar: &Calendar) -> f64 {
    let day_start = calendar.start_of_day(plan.today);
    let next_start = calendar.start_of_day(plan.today + Days::new(1));
    let length = (next_start - day_start).num_seconds().max(1);
    let gone = (plan.now - day_start).num_seconds().clamp(0, length);
    gone.to_f64().unwrap_or(0.0) / length.to_f64().unwrap_or(1.0)
}

/// Predicts this month's end from priced totals per local day, and the
/// usage before now's time of day on the days of the hour-of-day profile
/// (`backtest::profile_days`).
#[must_use]
pub fn predict(
    plan: &QueryPlan,
    calendar: &Calendar,
    per_day: &BTreeMap<NaiveDate, Totals>,
    first_day: Option<NaiveDate>,
    before: &BTreeMap<NaiveDate, Totals>,
) -> Prediction {
    let today = plan.today;
    let month_end = shift_month(plan.month_start, 1) - Days::new(1);
    let month_to_date: Totals = per_day
        .range(plan.month_start..=today)
        .map(|(_, totals)| *totals)
        .sum();
    let lookback = today - Days::new(backtest::LOOKBACK_DAYS);
    let mut ledger = Ledger {
        days: per_day
            .range(lookback..today)
            .map(|(day, totals)| (*day, triple(totals)))
            .collect(),
        before: before
            .iter()
            .map(|(day, totals)| (*day, triple(totals)))
            .collect(),
        first_day,
    };
    if let Some(totals) = per_day.get(&today) {
        ledger.before.insert(today, triple(totals));
    }
    let outlook = ledger.outlook(today, hours_gone(plan, calendar), &model::Params::default());

    let later = usize::try_from((month_end - today).num_days()).unwrap_or(0);
    let sum = outlook.sum(later);
    let to_date = [
        month_to_date.cost,
        Decimal::from(month_to_date.usage.requests),
        Decimal::try_from_i128_with_scale(month_to_date.usage.total_tokens(), 0)
            .unwrap_or(Decimal::MAX),
    ];
    let estimate = |k: usize, places: u32| {
        let start = to_date[k];
        // Three more places than shown, so that rounding happens once.
        let expected = decimal(sum.point[k], places + 3);
        let below = decimal(sum.below[k], places + 3);
        let above = decimal(sum.above[k], places + 3);
        Estimate {
            point: (start + expected).round_dp(places).normalize(),
            low: (start + (expected - below).max(Decimal::ZERO))
                .round_dp(places)
                .normalize(),
            high: (start + expected + above).round_dp(places).normalize(),
        }
    };

    let horizon = month_end.max(calendar.week_of(today) + Days::new(6));
    let projection = today
        .iter_days()
        .take_while(|day| *day <= horizon)
        .enumerate()
        .map(|(ahead, day)| (day, decimal(outlook.day(ahead)[0], 6).normalize()))
        .collect();
    Prediction {
        cost: estimate(0, 6),
        requests: estimate(1, 0),
        tokens: estimate(2, 0),
        month_to_date,
        method: outlook.method,
        month_end,
        projection,
        accuracy: None,
    }
}
