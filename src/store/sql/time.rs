//! Instants in SQL: the unix seconds of a row's timestamp in each stored
//! form, the test that it is readable and lies in the years usagetop
//! counts (1900 to 2199; outside them, and in another unit than the rest of
//! the column, it is left out and counted), range predicates that use the
//! column's index, and local day numbers.

use super::days::day_bounds;
use super::{quote_literal, Bind, SqlBuilder};
use crate::period::Calendar;
use crate::store::mapping::{ColumnKind, TimeKind, MILLIS_THRESHOLD};
use crate::store::{SecondsRange, EARLIEST_SECONDS, LATEST_SECONDS};

/// `1900-01-01 00:00:00`, the first instant counted.
const EARLIEST_TEXT: &str = "1900-01-01 00:00:00";
/// `2200-01-01 00:00:00`, the first instant no longer counted.
const LATEST_TEXT: &str = "2200-01-01 00:00:00";

impl SqlBuilder {
    /// The timestamp column, quoted.
    pub(super) fn timestamp(&self) -> String {
        Self::column(&self.checked.mapping.timestamp)
    }

    fn timestamp_kind(&self) -> ColumnKind {
        self.checked
            .kind(&self.checked.mapping.timestamp)
            .cloned()
            .unwrap_or(ColumnKind::Any)
    }

    /// True when the raw timestamp orders like the instant, so `MIN`/`MAX`
    /// can run on the raw column and be converted once.
    pub(super) fn raw_orders_like_seconds(&self) -> bool {
        matches!(
            self.checked.time,
            TimeKind::UnixSeconds
                | TimeKind::UnixUnknown
                | TimeKind::UnixMillis
                | TimeKind::Timestamp
                | TimeKind::TimestampTz
        )
    }

    /// Unix seconds of the row, for rows already known to be usable (in a
    /// range test of [`Self::range`]): floored, never rounded up.
    pub(super) fn seconds(&self) -> String {
        self.seconds_of(&self.timestamp())
    }

    /// Unix seconds of `ts`, an expression of the timestamp column's type.
    pub(super) fn seconds_of(&self, ts: &str) -> String {
        let rules = self.rules();
        match self.checked.time {
            TimeKind::UnixSeconds | TimeKind::UnixUnknown => {
                rules.unix_seconds(ts, &self.timestamp_kind())
            }
            TimeKind::UnixMillis => rules.unix_millis(ts),
            TimeKind::IsoText | TimeKind::IsoUnknown | TimeKind::DateText => rules.text_seconds(ts),
            kind @ (TimeKind::Timestamp | TimeKind::TimestampTz | TimeKind::Date) => {
                rules.native_seconds(kind, ts)
            }
        }
    }

    /// True for a row whose timestamp can be read and lies in the years
    /// counted (NULL-safe: false, never NULL).
    pub(super) fn valid_instant(&self) -> String {
        let ts = self.timestamp();
        let rules = self.rules();
        match self.checked.time {
            TimeKind::UnixSeconds | TimeKind::UnixUnknown => format!(
                "({ts} IS NOT NULL AND {ts} >= {EARLIEST_SECONDS} AND {ts} < {LATEST_SECONDS})"
            ),
            TimeKind::UnixMillis => format!(
                "({ts} IS NOT NULL AND (({ts} >= {MILLIS_THRESHOLD} AND {ts} < {end}) \
                 OR ({ts} >= {start} AND {ts} <= -{MILLIS_THRESHOLD})))",
                start = EARLIEST_SECONDS * 1000,
                end = LATEST_SECONDS * 1000,
            ),
            TimeKind::IsoText | TimeKind::IsoUnknown | TimeKind::DateText => {
                let seconds = self.seconds();
                format!(
                    "COALESCE({seconds} >= {EARLIEST_SECONDS} AND {seconds} < {LATEST_SECONDS}, {})",
                    rules.false_value()
                )
            }
            TimeKind::Timestamp | TimeKind::TimestampTz | TimeKind::Date => {
                format!("({ts} IS NOT NULL AND {})", self.in_counted_years(&ts))
            }
        }
    }

    /// True for a value of the column's native time type (`ts`: the column,
    /// or a slot of it) in the years counted; NULL for NULL.
    pub(super) fn in_counted_years(&self, ts: &str) -> String {
        let rules = self.rules();
        let kind = self.checked.time;
        format!(
            "({ts} >= {} AND {ts} < {})",
            rules.native_cast(kind, &quote_literal(EARLIEST_TEXT)),
            rules.native_cast(kind, &quote_literal(LATEST_TEXT))
        )
    }

    /// Unix seconds of a usable row's timestamp, NULL for the rest.
    pub(super) fn valid_seconds(&self) -> String {
        format!(
            "CASE WHEN {} THEN {} END",
            self.valid_instant(),
            self.seconds()
        )
    }

    /// The range predicate (clamped to the years counted) and its binds,
    /// numbered from `first`. It tests the raw column where it can, so an
    /// index on the timestamp serves it.
    pub(super) fn range(
        &self,
        range: SecondsRange,
        calendar: &Calendar,
        first: usize,
    ) -> (String, Vec<Bind>) {
        let start = range.start.clamp(EARLIEST_SECONDS, LATEST_SECONDS);
        let end = range.end.clamp(EARLIEST_SECONDS, LATEST_SECONDS);
        let ts = self.timestamp();
        let (p1, p2) = (self.placeholder(first), self.placeholder(first + 1));
        let ints = |start: i64, end: i64| vec![Bind::Int(start), Bind::Int(end)];
        let rules = self.rules();
        match self.checked.time {
            TimeKind::UnixSeconds | TimeKind::UnixUnknown => {
                (format!("{ts} >= {p1} AND {ts} < {p2}"), ints(start, end))
            }
            TimeKind::UnixMillis => {
                // Values that look like seconds lie in 1966 to 1973 as
                // milliseconds: left out (another unit than the column's).
                let other_unit = if start.saturating_mul(1000) < MILLIS_THRESHOLD
                    && end.saturating_mul(1000) > -MILLIS_THRESHOLD
                {
                    format!(" AND ({ts} >= {MILLIS_THRESHOLD} OR {ts} <= -{MILLIS_THRESHOLD})")
                } else {
                    String::new()
                };
                (
                    format!("{ts} >= {p1} AND {ts} < {p2}{other_unit}"),
                    ints(start.saturating_mul(1000), end.saturating_mul(1000)),
                )
            }
            TimeKind::DateText | TimeKind::Date => {
                let (first_day, last_day) = day_bounds(SecondsRange { start, end }, calendar);
                let cast = |placeholder: &str| {
                    if self.checked.time == TimeKind::Date {
                        rules.native_cast(TimeKind::Date, placeholder)
                    } else {
                        placeholder.to_owned()
                    }
                };
                (
                    format!("{ts} >= {} AND {ts} <= {}", cast(&p1), cast(&p2)),
                    vec![Bind::Text(first_day), Bind::Text(last_day)],
                )
            }
            kind @ (TimeKind::Timestamp | TimeKind::TimestampTz) => (
                format!(
                    "{ts} >= {} AND {ts} < {}",
                    rules.native_instant(kind, &p1),
                    rules.native_instant(kind, &p2)
                ),
                ints(start, end),
            ),
            TimeKind::IsoText | TimeKind::IsoUnknown => {
                // Every readable text starts with its date, and neither an
                // offset nor a day past its month's end (read as the next
                // month's) moves it by four days: a test of the raw text four
                // days wider on each side narrows the rows by an index on it.
                let (p3, p4) = (self.placeholder(first + 2), self.placeholder(first + 3));
                let day = |seconds: i64, days: i64| {
                    chrono::DateTime::from_timestamp(seconds + days * 86_400, 0)
                        .map_or_else(String::new, |instant| {
                            instant.format("%Y-%m-%d").to_string()
                        })
                };
                let seconds = self.seconds();
                (
                    format!(
                        "{ts} >= {p1} AND {ts} < {p2} AND {seconds} >= {p3} AND {seconds} < {p4}"
                    ),
                    vec![
                        Bind::Text(day(start, -4)),
                        Bind::Text(day(end, 4)),
                        Bind::Int(start),
                        Bind::Int(end),
                    ],
                )
            }
        }
    }

    /// The local day number of a row (days since 1970-01-01 in `calendar`'s
    /// zone; for daily sources the stored UTC day itself).
    pub(super) fn day(&self, calendar: &Calendar, range: SecondsRange) -> String {
        let ts = self.timestamp();
        let rules = self.rules();
        match self.checked.time {
            TimeKind::DateText => rules.text_day(&ts),
            TimeKind::Date => rules.date_day(&ts),
            kind => rules.local_day(kind, &ts, &self.seconds(), calendar, range),
        }
    }
}
