//! Backtests: the month-end forecast replayed as if it were made on given
//! days at a given time of day (by default days 5, 10, 15, 20 and 25 of past
//! months), from whole-day amounts and the amounts before that time of day,
//! against the actual month end, side by side with the run-rate and the
//! same-weekday mean. Pure: the caller fetches the days (`usagetop
//! backtest`, the dashboard's worker) or generates them (the benchmark).

use std::collections::BTreeMap;

use chrono::{Datelike, Days, NaiveDate};

use super::baseline;
use super::model::Params;
use super::outlook::{usage_share, Inputs, Method, Outlook, Triple};
use crate::period::{days_in_month, month_of, shift_month};

/// Days of the month forecasts are replayed on.
pub const ORIGIN_DAYS: [u32; 5] = [5, 10, 15, 20, 25];
/// Complete days before today a forecast looks at.
pub const LOOKBACK_DAYS: u64 = 182;

/// The days whose usage before the time of day gives the hour-of-day
/// profile of `today`: yesterday, a week ago and a month ago.
#[must_use]
pub fn profile_days(today: NaiveDate) -> Vec<NaiveDate> {
    let mut days = vec![today - Days::new(1), today - Days::new(7)];
    let last_month = shift_month(month_of(today), -1);
    if today.day() <= days_in_month(last_month) {
        if let Some(day) = last_month.with_day(today.day()) {
            days.push(day);
        }
    }
    days
}

/// Usage per local day, whole and before the time of day.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    /// Whole-day amounts (days without usage may be missing).
    pub days: BTreeMap<NaiveDate, Triple>,
    /// Amounts before the time of day, on the days fetched.
    pub before: BTreeMap<NaiveDate, Triple>,
    /// The first day with usage.
    pub first_day: Option<NaiveDate>,
}

impl Ledger {
    fn day(&self, date: NaiveDate) -> Triple {
        self.days.get(&date).copied().unwrap_or_default()
    }

    /// The complete days a forecast on `today` sees: from the first day with
    /// usage (at most `LOOKBACK_DAYS` back) to yesterday, zeros filled in.
    #[must_use]
    pub fn history(&self, today: NaiveDate) -> Vec<Triple> {
        let Some(first) = self.first_day else {
            return Vec::new();
        };
        let start = first.max(today - Days::new(LOOKBACK_DAYS));
        start
            .iter_days()
            .take_while(|day| *day < today)
            .map(|day| self.day(day))
            .collect()
    }

    /// The forecast's inputs on `today` with `hours_gone` of it gone.
    #[must_use]
    pub fn outlook(&self, today: NaiveDate, hours_gone: f64, params: &Params) -> Outlook {
        let history = self.history(today);
        let samples: Vec<(Triple, Triple)> = profile_days(today)
            .into_iter()
            .filter(|day| self.first_day.is_some_and(|first| *day >= first))
            .filter_map(|day| self.before.get(&day).map(|part| (*part, self.day(day))))
            .collect();
        let inputs = Inputs {
            days: &history,
            today_so_far: self.before.get(&today).copied().unwrap_or_default(),
            hours_gone,
            usage_share: usage_share(&samples),
        };
        Outlook::new(&inputs, params)
    }
}

/// One replayed forecast of the month-end cost.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Replayed {
    /// The day it was made on.
    pub day: NaiveDate,
    /// The method that applied.
    pub method: Method,
    /// usagetop's forecast.
    pub forecast: f64,
    /// Its 80 % band.
    pub low: f64,
    /// Its 80 % band.
    pub high: f64,
    /// What the month came to.
    pub actual: f64,
    /// The month-to-date run-rate.
    pub run_rate: f64,
    /// The same-weekday mean of 28 days.
    pub weekday_mean: f64,
    /// Its min..max band.
    pub weekday_low: f64,
    /// Its min..max band.
    pub weekday_high: f64,
}

impl Replayed {
    /// Error of usagetop's forecast in percent of the actual.
    #[must_use]
    pub fn error(&self) -> f64 {
        percent(self.forecast - self.actual, self.actual)
    }
}

fn percent(value: f64, of: f64) -> f64 {
    if of == 0.0 {
        0.0
    } else {
        100.0 * value / of
    }
}

/// Replays the forecast of amount `which` (0 cost, 1 requests, 2 tokens)
/// on `today` with `hours_gone` of it gone; `None` when there was no usage
/// before that instant or the month came to nothing.
#[must_use]
pub fn replay(
    ledger: &Ledger,
    today: NaiveDate,
    hours_gone: f64,
    params: &Params,
    which: usize,
) -> Option<Replayed> {
    let first = ledger.first_day?;
    if first > today {
        return None;
    }
    let month_start = month_of(today);
    let month_end = shift_month(month_start, 1) - Days::new(1);
    let so_far = ledger.before.get(&today).copied().unwrap_or_default()[which];
    let month_to_date: f64 = month_start
        .iter_days()
        .take_while(|day| *day < today)
        .map(|day| ledger.day(day)[which])
        .sum::<f64>()
        + so_far;
    if first == today && so_far <= 0.0 {
        return None;
    }
    let actual: f64 = month_start
        .iter_days()
        .take_while(|day| *day <= month_end)
        .map(|day| ledger.day(day)[which])
        .sum();
    if actual <= 0.0 {
        return None;
    }
    let later = usize::try_from((month_end - today).num_days()).unwrap_or(0);
    let outlook = ledger.outlook(today, hours_gone, params);
    let sum = outlook.sum(later);
    let forecast = month_to_date + sum.point[which];
    let history: Vec<f64> = ledger.history(today).iter().map(|d| d[which]).collect();
    let [mean, low, high] = baseline::weekday_mean(&history, so_far, hours_gone, later);
    let elapsed = f64::from(today.day() - 1) + hours_gone;
    Some(Replayed {
        day: today,
        method: outlook.method,
        forecast,
        low: (forecast - sum.below[which]).max(month_to_date),
        high: forecast + sum.above[which],
        actual,
        run_rate: baseline::run_rate(month_to_date, elapsed, f64::from(days_in_month(today))),
        weekday_mean: month_to_date + mean,
        weekday_low: month_to_date + low,
        weekday_high: month_to_date + high,
    })
}

/// The days forecasts are replayed on: `ORIGIN_DAYS` of each of the
/// `months` complete months before `today`'s, oldest first.
#[must_use]
pub fn origins(today: NaiveDate, months: u32) -> Vec<NaiveDate> {
    let this_month = month_of(today);
    let mut days = Vec::new();
    for back in (1..=months).rev() {
        let start = shift_month(this_month, -i32::try_from(back).unwrap_or(i32::MAX));
        for day in ORIGIN_DAYS {
            if let Some(date) = start.with_day(day) {
                days.push(date);
            }
        }
    }
    days
}

/// Mean absolute errors and the bands' coverage over replayed forecasts.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Scores {
    /// Forecasts scored.
    pub count: usize,
    /// usagetop's mean absolute percentage error.
    pub mape: f64,
    /// The run-rate's.
    pub run_rate_mape: f64,
    /// The same-weekday mean's.
    pub weekday_mean_mape: f64,
    /// Share of actuals inside usagetop's 80 % band, in percent.
    pub coverage: f64,
    /// Mean width of that band, in percent of the actual.
    pub band_width: f64,
    /// Share inside the same-weekday mean's min..max band, in percent.
    pub weekday_coverage: f64,
    /// Mean width of that band, in percent of the actual.
    pub weekday_band_width: f64,
    /// usagetop's largest absolute error, in percent.
    pub worst: f64,
}

impl Scores {
    /// Scores `replayed`.
    #[must_use]
    pub fn of(replayed: &[Replayed]) -> Self {
        if replayed.is_empty() {
            return Self::default();
        }
        let n = replayed.len();
        #[allow(clippy::cast_precision_loss)]
        let mean = |f: &dyn Fn(&Replayed) -> f64| replayed.iter().map(f).sum::<f64>() / n as f64;
        let inside = |low: f64, high: f64, actual: f64| {
            if low <= actual && actual <= high {
                100.0
            } else {
                0.0
            }
        };
        Self {
            count: n,
            mape: mean(&|r| percent((r.forecast - r.actual).abs(), r.actual)),
            run_rate_mape: mean(&|r| percent((r.run_rate - r.actual).abs(), r.actual)),
            weekday_mean_mape: mean(&|r| percent((r.weekday_mean - r.actual).abs(), r.actual)),
            coverage: mean(&|r| inside(r.low, r.high, r.actual)),
            band_width: mean(&|r| percent(r.high - r.low, r.actual)),
            weekday_coverage: mean(&|r| inside(r.weekday_low, r.weekday_high, r.actual)),
            weekday_band_width: mean(&|r| percent(r.weekday_high - r.weekday_low, r.actual)),
            worst: replayed.iter().map(|r| r.error().abs()).fold(0.0, f64::max),
        }
    }
}
