//! Calendar arithmetic in one IANA time zone: local days, weeks (with a
//! configurable first weekday) and months, their UTC boundaries across DST
//! changes, and the table of UTC offsets a store uses to group by local day.
//! Pure: no clock, no I/O.

use chrono::{
    DateTime, Datelike, Days, Duration, Months, NaiveDate, NaiveTime, Offset, TimeZone, Utc,
    Weekday,
};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// The day a week starts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum WeekStart {
    /// ISO weeks: Monday to Sunday.
    #[default]
    Monday,
    /// Sunday to Saturday.
    Sunday,
}

impl WeekStart {
    fn weekday(self) -> Weekday {
        match self {
            WeekStart::Monday => Weekday::Mon,
            WeekStart::Sunday => Weekday::Sun,
        }
    }
}

/// A span of time during which a zone keeps one UTC offset: from `start`
/// (unix seconds, inclusive) until the next span's start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OffsetSpan {
    /// First unix second of the span (the first span of a table is open to the past).
    pub start: i64,
    /// Seconds to add to UTC to get local time.
    pub offset_seconds: i32,
}

/// Seconds in a (UTC or naive local) day.
pub const SECONDS_PER_DAY: i64 = 86_400;

/// The rollup slot: every UTC offset in use since 1972 is a multiple of 15
/// minutes, and so is every transition instant, so 15-minute UTC slots
/// re-bucket into local days of any zone exactly.
pub const SLOT_SECONDS: i64 = 900;

/// The first slot boundary at or after `instant`.
#[must_use]
pub fn slot_ceiling(instant: DateTime<Utc>) -> DateTime<Utc> {
    let seconds = instant.timestamp();
    let rounded = seconds.div_euclid(SLOT_SECONDS) * SLOT_SECONDS;
    let ceiling = if rounded == seconds {
        seconds
    } else {
        rounded + SLOT_SECONDS
    };
    DateTime::from_timestamp(ceiling, 0).unwrap_or(instant)
}

/// A time zone with a week convention.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Calendar {
    tz: Tz,
    week_start: WeekStart,
}

impl Calendar {
    /// A calendar in `tz` whose weeks start on `week_start`.
    #[must_use]
    pub fn new(tz: Tz, week_start: WeekStart) -> Self {
        Self { tz, week_start }
    }

    /// The zone.
    #[must_use]
    pub fn tz(&self) -> Tz {
        self.tz
    }

    /// The first day of a week.
    #[must_use]
    pub fn week_start(&self) -> WeekStart {
        self.week_start
    }

    /// The local calendar date of an instant.
    #[must_use]
    pub fn local_date(&self, instant: DateTime<Utc>) -> NaiveDate {
        instant.with_timezone(&self.tz).date_naive()
    }

    /// UTC offset in seconds at an instant.
    #[must_use]
    pub fn offset_at(&self, unix_seconds: i64) -> i32 {
        let instant = DateTime::from_timestamp(unix_seconds, 0).unwrap_or_default();
        self.tz
            .offset_from_utc_datetime(&instant.naive_utc())
            .fix()
            .local_minus_utc()
    }

    /// The first instant of a local date. Where midnight falls in a DST gap,
    /// the day starts at the first local time that exists; where it is
    /// ambiguous, at the earlier of the two.
    #[must_use]
    pub fn start_of_day(&self, date: NaiveDate) -> DateTime<Utc> {
        self.start_of_local(date, NaiveTime::MIN)
    }

    /// The instant of a local date and time, resolving gaps forward and
    /// ambiguity to the earlier instant.
    #[must_use]
    pub fn start_of_local(&self, date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
        let naive = date.and_time(time);
        if let Some(instant) = self.tz.from_local_datetime(&naive).earliest() {
            return instant.with_timezone(&Utc);
        }
        // In a gap: the first minute that exists (gaps last at most a few hours).
        for minutes in 1..=24 * 60 {
            if let Some(instant) = self
                .tz
                .from_local_datetime(&(naive + Duration::minutes(minutes)))
                .earliest()
            {
                return instant.with_timezone(&Utc);
            }
        }
        // Unreachable for real zones; fall back to reading the time as UTC.
        naive.and_utc()
    }

    /// The first day of the week that holds `date`.
    #[must_use]
    pub fn week_of(&self, date: NaiveDate) -> NaiveDate {
        let first = self.week_start.weekday();
        let back = (7 + date.weekday().num_days_from_monday() - first.num_days_from_monday()) % 7;
        date - Days::new(u64::from(back))
    }

    /// Offsets in force from `from` to `to` (unix seconds), as spans in time
    /// order. Used to turn UTC seconds into local days in SQL.
    #[must_use]
    pub fn offset_spans(&self, from: i64, to: i64) -> Vec<OffsetSpan> {
        let mut spans = vec![OffsetSpan {
            start: from,
            offset_seconds: self.offset_at(from),
        }];
        let mut cursor = from;
        while cursor < to {
            // Zones change offset at most a few times a year, never twice in six hours.
            let next = (cursor + 6 * 3600).min(to);
            let current = self.offset_at(cursor);
            if self.offset_at(next) != current {
                let (mut low, mut high) = (cursor, next);
                while high - low > 1 {
                    let mid = low + (high - low) / 2;
                    if self.offset_at(mid) == current {
                        low = mid;
                    } else {
                        high = mid;
                    }
                }
                spans.push(OffsetSpan {
                    start: high,
                    offset_seconds: self.offset_at(high),
                });
            }
            cursor = next;
        }
        spans
    }
}

/// The first day of the month that holds `date`.
#[must_use]
pub fn month_of(date: NaiveDate) -> NaiveDate {
    date.with_day(1).unwrap_or(date)
}

/// `date`'s month moved by `months` (negative goes back), on day 1.
#[must_use]
pub fn shift_month(date: NaiveDate, months: i32) -> NaiveDate {
    let first = month_of(date);
    let moved = if months >= 0 {
        first.checked_add_months(Months::new(months.unsigned_abs()))
    } else {
        first.checked_sub_months(Months::new(months.unsigned_abs()))
    };
    moved.unwrap_or(first)
}

/// Number of days in the month that holds `date`.
#[must_use]
pub fn days_in_month(date: NaiveDate) -> u32 {
    let first = month_of(date);
    let next = shift_month(first, 1);
    u32::try_from((next - first).num_days()).unwrap_or(30)
}

/// The local date a day number (days since 1970-01-01, as the stores return) stands for.
#[must_use]
pub fn date_from_day_number(day: i64) -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1)
        .and_then(|epoch| {
            if day >= 0 {
                epoch.checked_add_days(Days::new(day.unsigned_abs()))
            } else {
                epoch.checked_sub_days(Days::new(day.unsigned_abs()))
            }
        })
        .unwrap_or_default()
}

/// The day number (days since 1970-01-01) of a local date.
#[must_use]
pub fn day_number(date: NaiveDate) -> i64 {
    NaiveDate::from_ymd_opt(1970, 1, 1).map_or(0, |epoch| (date - epoch).num_days())
}
