//! One local day hour by hour: usage and cost per hour (23 or 25 hours on
//! DST days), the burn rate in dollars per hour, and when a daily budget runs
//! out at that rate. Pure: built from the store's (hour start, model) rows,
//! with "now" passed in.

use chrono::{DateTime, Days, Duration, NaiveDate, Utc};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use super::{ModelRow, Totals};
use crate::period::Calendar;
use crate::pricing::PriceTable;

/// Hours the burn rate looks back over.
pub const BURN_WINDOW_HOURS: i64 = 3;

/// One hour of the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HourBucket {
    /// The hour's first instant.
    pub start: DateTime<Utc>,
    /// What was used and spent in it.
    pub totals: Totals,
}

/// A day hour by hour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hourly {
    /// The local day.
    pub day: NaiveDate,
    /// Every hour of the day, oldest first (hours after `now` are empty).
    pub hours: Vec<HourBucket>,
    /// The instant the numbers are as of.
    pub now: DateTime<Utc>,
    /// The day's end (the next day's start).
    pub end: DateTime<Utc>,
    /// The whole day so far.
    pub total: Totals,
}

/// Where a daily budget stands at the burn rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunOut {
    /// Already spent, at about this instant.
    Exceeded(DateTime<Utc>),
    /// Reached at about this instant, later today, at the current rate.
    At(DateTime<Utc>),
    /// Not reached before the day ends at the current rate.
    NotToday,
}

fn hours_between(from: DateTime<Utc>, to: DateTime<Utc>) -> Decimal {
    Decimal::from((to - from).num_seconds().max(0)) / Decimal::from(3600)
}

fn after(start: DateTime<Utc>, hours: Decimal) -> DateTime<Utc> {
    let seconds = (hours * Decimal::from(3600))
        .round()
        .to_i64()
        .unwrap_or(i64::MAX);
    start + Duration::seconds(seconds.min(86_400 * 366))
}

impl Hourly {
    /// The hours of `day` from `(hour start, model)` rows, priced with `prices`, as of `now`.
    #[must_use]
    pub fn build(
        day: NaiveDate,
        calendar: &Calendar,
        now: DateTime<Utc>,
        rows: &[(DateTime<Utc>, ModelRow)],
        prices: &PriceTable,
    ) -> Self {
        let start = calendar.start_of_day(day);
        let end = calendar.start_of_day(day + Days::new(1));
        let mut hours = Vec::new();
        let mut at = start;
        while at < end {
            hours.push(HourBucket {
                start: at,
                totals: Totals::default(),
            });
            at += Duration::hours(1);
        }
        for (instant, row) in rows {
            if *instant < start || *instant >= end {
                continue;
            }
            let index = hours
                .iter()
                .rposition(|hour| hour.start <= *instant)
                .unwrap_or(0);
            let totals = Totals::of_model(
                row.usage,
                &row.model,
                row.stored_cost,
                row.estimated,
                prices,
            );
            hours[index].totals.add(&totals);
        }
        let total = hours.iter().map(|hour| hour.totals).sum();
        Self {
            day,
            hours,
            now,
            end,
            total,
        }
    }

    /// True while the day is not over at `now` (a day in history is as of
    /// its last second: over).
    #[must_use]
    pub fn is_current(&self) -> bool {
        self.now + Duration::seconds(1) < self.end
    }

    /// The instant the day so far ends: `now`, or the day's end once it is over.
    #[must_use]
    pub fn until(&self) -> DateTime<Utc> {
        self.now.min(self.end)
    }

    /// Dollars per hour over the day so far.
    #[must_use]
    pub fn average_rate(&self) -> Option<Decimal> {
        let start = self.hours.first()?.start;
        let elapsed = hours_between(start, self.until());
        (!elapsed.is_zero()).then(|| self.total.cost / elapsed)
    }

    /// Dollars per hour over the last three hours up to now (the day so far
    /// when it is younger), while the day runs.
    #[must_use]
    pub fn burn_rate(&self) -> Option<Decimal> {
        if !self.is_current() {
            return None;
        }
        let since = self.now - Duration::hours(BURN_WINDOW_HOURS);
        let first = self
            .hours
            .iter()
            .find(|hour| hour.start + Duration::hours(1) > since)?;
        let cost: Decimal = self
            .hours
            .iter()
            .filter(|hour| hour.start >= first.start && hour.start <= self.now)
            .map(|hour| hour.totals.cost)
            .sum();
        let elapsed = hours_between(first.start, self.now);
        (!elapsed.is_zero()).then(|| cost / elapsed)
    }

    /// The hour with the largest cost.
    #[must_use]
    pub fn peak(&self) -> Option<&HourBucket> {
        self.hours
            .iter()
            .filter(|hour| !hour.totals.cost.is_zero())
            .max_by(|a, b| {
                a.totals
                    .cost
                    .cmp(&b.totals.cost)
                    .then(b.start.cmp(&a.start))
            })
    }

    /// When the daily `limit` is (or will be, at the burn rate) reached.
    #[must_use]
    pub fn runs_out(&self, limit: Decimal) -> Option<RunOut> {
        let mut running = Decimal::ZERO;
        for hour in &self.hours {
            let cost = hour.totals.cost;
            if running + cost >= limit && !cost.is_zero() {
                // Within the hour, in proportion to its cost (an estimate).
                let hour_end = (hour.start + Duration::hours(1)).min(self.until());
                let share = (limit - running) / cost;
                let at = after(hour.start, hours_between(hour.start, hour_end) * share);
                return Some(RunOut::Exceeded(at));
            }
            running += cost;
        }
        let rate = self.burn_rate()?;
        if rate <= Decimal::ZERO {
            return Some(RunOut::NotToday);
        }
        let at = after(self.now, (limit - running) / rate);
        Some(if at < self.end {
            RunOut::At(at)
        } else {
            RunOut::NotToday
        })
    }
}
