//! The forecast's measured error on the source's own history (`usagetop
//! backtest`, and the "±3.1 % on your last 6 months" of the dashboard):
//! fetches the whole days of the span once (`day_model_rows`, which the
//! rollup cache answers) and the usage before now's time of day on the days
//! a replay needs, prices them, and replays the forecast in memory with the
//! pure `analytics::forecast::backtest`. No clock: `now` is passed in.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Days, NaiveDate, NaiveTime, Utc};
use rust_decimal::prelude::ToPrimitive;

use crate::analytics::forecast::backtest::{self, profile_days, Ledger, Replayed, Scores};
use crate::analytics::forecast::model::Params;
use crate::analytics::forecast::{triple, Accuracy};
use crate::analytics::Totals;
use crate::filter::Filter;
use crate::period::{month_of, slot_ceiling, Calendar};
use crate::pricing::PriceTable;
use crate::store::{SecondsRange, StoreError, UsageStore};

/// Forecasts a measured error needs before the dashboard shows it (two months).
pub const MIN_FORECASTS: usize = 10;

/// A backtest of the month-end cost on the source's history.
#[derive(Debug, Clone, PartialEq)]
pub struct Measured {
    /// The local time of day every forecast was made at.
    pub time_of_day: NaiveTime,
    /// Months asked for.
    pub months: u32,
    /// Months with at least one forecast.
    pub months_with_data: u32,
    /// Every forecast made, oldest first.
    pub replayed: Vec<Replayed>,
    /// Their scores.
    pub scores: Scores,
}

impl Measured {
    /// What the dashboard and the report show, when there are enough forecasts.
    #[must_use]
    pub fn accuracy(&self) -> Option<Accuracy> {
        (self.replayed.len() >= MIN_FORECASTS).then_some(Accuracy {
            mape: self.scores.mape,
            coverage: self.scores.coverage,
            months: self.months_with_data,
            forecasts: self.replayed.len(),
        })
    }
}

/// The end of the part of `day` before `time`: the end of that quarter hour
/// (as the report counts "now"), never past the day.
fn same_point(calendar: &Calendar, day: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    slot_ceiling(calendar.start_of_local(day, time) + chrono::Duration::seconds(1))
        .min(calendar.start_of_day(day + Days::new(1)))
}

fn hours_gone(calendar: &Calendar, day: NaiveDate, time: NaiveTime) -> f64 {
    let start = calendar.start_of_day(day);
    let length = (calendar.start_of_day(day + Days::new(1)) - start)
        .num_seconds()
        .max(1);
    let gone = (calendar.start_of_local(day, time) - start)
        .num_seconds()
        .clamp(0, length);
    gone.to_f64().unwrap_or(0.0) / length.to_f64().unwrap_or(1.0)
}

/// Replays the forecast on days 5, 10, 15, 20 and 25 of the `months`
/// complete months before `now`'s, at `now`'s time of day.
///
/// # Errors
/// A store query that fails.
pub async fn measure(
    store: &dyn UsageStore,
    calendar: &Calendar,
    prices: &PriceTable,
    filter: &Filter,
    now: DateTime<Utc>,
    months: u32,
) -> Result<Measured, StoreError> {
    let today = calendar.local_date(now);
    let time_of_day = now.with_timezone(&calendar.tz()).time();
    let origins = backtest::origins(today, months);
    let this_month = month_of(today);
    let mut measured = Measured {
        time_of_day,
        months,
        months_with_data: 0,
        replayed: Vec::new(),
        scores: Scores::default(),
    };
    let Some(first_origin) = origins.first() else {
        return Ok(measured);
    };
    let end = calendar.start_of_day(this_month);
    let first_event = store.first_event(end.timestamp(), calendar, filter).await?;
    let Some(first_event) = first_event else {
        return Ok(measured);
    };
    let first_day = calendar.local_date(first_event);
    let span_start = (month_of(*first_origin) - Days::new(backtest::LOOKBACK_DAYS)).max(first_day);
    let range = SecondsRange {
        start: calendar.start_of_day(span_start).timestamp(),
        end: end.timestamp(),
    };
    let mut per_day: BTreeMap<NaiveDate, Totals> = BTreeMap::new();
    for row in store.day_model_rows(range, calendar, filter).await? {
        let totals = Totals::of_model(
            row.usage,
            &row.model,
            row.stored_cost,
            row.estimated,
            prices,
        );
        per_day.entry(row.day).or_default().add(&totals);
    }
    // The part before the time of day of each origin and of its profile days.
    let wanted: BTreeSet<NaiveDate> = origins
        .iter()
        .filter(|day| **day >= first_day)
        .flat_map(|day| std::iter::once(*day).chain(profile_days(*day)))
        .filter(|day| *day >= first_day && *day < this_month)
        .collect();
    let mut before = BTreeMap::new();
    for day in wanted {
        let range = SecondsRange {
            start: calendar.start_of_day(day).timestamp(),
            end: same_point(calendar, day, time_of_day).timestamp(),
        };
        let part: Totals = store
            .model_rows(range, calendar, filter)
            .await?
            .iter()
            .map(|row| {
                Totals::of_model(
                    row.usage,
                    &row.model,
                    row.stored_cost,
                    row.estimated,
                    prices,
                )
            })
            .sum();
        before.insert(day, triple(&part));
    }
    let ledger = Ledger {
        days: per_day
            .iter()
            .map(|(day, totals)| (*day, triple(totals)))
            .collect(),
        before,
        first_day: Some(first_day),
    };
    let params = Params::default();
    let mut months_seen = BTreeSet::new();
    for day in origins {
        let gone = hours_gone(calendar, day, time_of_day);
        if let Some(replayed) = backtest::replay(&ledger, day, gone, &params, 0) {
            months_seen.insert(month_of(day));
            measured.replayed.push(replayed);
        }
    }
    measured.months_with_data = u32::try_from(months_seen.len()).unwrap_or(u32::MAX);
    measured.scores = Scores::of(&measured.replayed);
    Ok(measured)
}

/// The measured error for the dashboard, computed once a day per filter on
/// a task of its own so that no refresh waits for it.
#[derive(Default)]
pub struct DailyCache {
    state: std::sync::Mutex<CacheState>,
    /// Woken when a new measurement is in (the worker refreshes to show it).
    pub ready: tokio::sync::Notify,
}

#[derive(Default)]
struct CacheState {
    key: Option<(NaiveDate, Filter)>,
    value: Option<Accuracy>,
    running: bool,
}

/// Months the dashboard's measured error covers.
pub const DASHBOARD_MONTHS: u32 = 6;

impl DailyCache {
    /// The measured error for `filter` on `now`'s day, if known; starts
    /// computing it in the background when it is not.
    pub fn get(
        self: &std::sync::Arc<Self>,
        store: &std::sync::Arc<dyn UsageStore>,
        calendar: &Calendar,
        prices: &std::sync::Arc<PriceTable>,
        filter: &Filter,
        now: DateTime<Utc>,
    ) -> Option<Accuracy> {
        let key = (calendar.local_date(now), filter.clone());
        let Ok(mut state) = self.state.lock() else {
            return None;
        };
        if state.key.as_ref() == Some(&key) {
            return state.value;
        }
        if !state.running {
            state.running = true;
            let (cache, store, calendar, prices) = (
                std::sync::Arc::clone(self),
                std::sync::Arc::clone(store),
                *calendar,
                std::sync::Arc::clone(prices),
            );
            tokio::spawn(async move {
                let measured = measure(
                    store.as_ref(),
                    &calendar,
                    &prices,
                    &key.1,
                    now,
                    DASHBOARD_MONTHS,
                )
                .await;
                if let Ok(mut state) = cache.state.lock() {
                    state.running = false;
                    // A failure is tried again on the next refresh.
                    if let Ok(measured) = measured {
                        state.value = measured.accuracy();
                        state.key = Some(key);
                        if state.value.is_some() {
                            cache.ready.notify_one();
                        }
                    }
                }
            });
        }
        None
    }
}
