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
    let seconds = hours
        .saturating_mul(Decimal::from(3600))
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
        let cost = super::totals::sum_costs(
            self.hours
                .iter()
                .filter(|hour| hour.start >= first.start && hour.start <= self.now)
                .map(|hour| hour.totals.cost),
        );
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
            if running.saturating_add(cost) >= limit && !cost.is_zero() {
                // Within the hour, in proportion to its cost (an estimate).
                let hour_end = (hour.start + Duration::hours(1)).min(self.until());
                let share = (limit - running) / cost;
                let at = after(hour.start, hours_between(hour.start, hour_end) * share);
                return Some(RunOut::Exceeded(at));
            }
            running = running.saturating_add(cost);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::period::WeekStart;
    use crate::pricing::{PriceFile, PriceTable};

    fn berlin() -> Calendar {
        Calendar::new(chrono_tz::Europe::Berlin, WeekStart::Monday)
    }

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap_or_default()
            .with_timezone(&Utc)
    }

    /// `tokens` of input of gpt-4o ($2.50 per million) in the hour starting at `hour`.
    fn row(hour: &str, tokens: i128) -> (DateTime<Utc>, ModelRow) {
        (
            at(hour),
            ModelRow {
                model: "gpt-4o".to_owned(),
                usage: crate::usage::Usage {
                    requests: 1,
                    input_tokens: tokens,
                    ..crate::usage::Usage::default()
                },
                stored_cost: None,
                estimated: false,
            },
        )
    }

    fn prices() -> PriceTable {
        PriceTable::with_overrides(&PriceFile::default(), "pricing")
            .unwrap_or_else(|error| panic!("{error}"))
    }

    #[test]
    fn a_dst_day_has_25_hours_and_keeps_every_row() {
        let day = NaiveDate::from_ymd_opt(2026, 10, 25).unwrap_or_default();
        let rows = [
            row("2026-10-25T00:30:00Z", 400_000),
            row("2026-10-25T01:00:00Z", 400_000),
        ];
        let hours = Hourly::build(day, &berlin(), at("2026-10-26T00:00:00Z"), &rows, &prices());
        assert_eq!(hours.hours.len(), 25);
        // 02:00 CEST and 02:00 CET are two hours, both counted.
        assert_eq!(hours.total.usage.requests, 2);
        assert_eq!(hours.total.cost, Decimal::new(2, 0));
        assert!(!hours.is_current());
        assert_eq!(
            hours.burn_rate(),
            None,
            "a day that is over has no burn rate"
        );
    }

    #[test]
    fn burn_rate_and_when_a_daily_budget_runs_out() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 18).unwrap_or_default();
        // $1 an hour from 09:00 to 12:00 local (08:00 to 11:00 UTC); now 11:00 UTC.
        let rows = [
            row("2026-11-18T08:00:00Z", 400_000),
            row("2026-11-18T09:00:00Z", 400_000),
            row("2026-11-18T10:00:00Z", 400_000),
        ];
        let hours = Hourly::build(day, &berlin(), at("2026-11-18T11:00:00Z"), &rows, &prices());
        assert_eq!(hours.burn_rate(), Some(Decimal::ONE));
        assert_eq!(hours.total.cost, Decimal::new(3, 0));
        // $5 budget: $2 left at $1/h: 14:00 local.
        assert_eq!(
            hours.runs_out(Decimal::new(5, 0)),
            Some(RunOut::At(at("2026-11-18T13:00:00Z")))
        );
        // $2.50: crossed halfway through the third hour.
        assert_eq!(
            hours.runs_out(Decimal::new(25, 1)),
            Some(RunOut::Exceeded(at("2026-11-18T10:30:00Z")))
        );
        // $100: not before midnight.
        assert_eq!(hours.runs_out(Decimal::new(100, 0)), Some(RunOut::NotToday));
    }
}
