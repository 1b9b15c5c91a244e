//! Local days in SQL: the day number of an instant from the zone's UTC
//! offsets (SQLite has no zone database), and the date bounds of a range for
//! sources that only know days.

use chrono::NaiveDate;

use super::super::SecondsRange;
use crate::period::{Calendar, SECONDS_PER_DAY};

/// Days added before dividing, so division floors for dates back to the 8th century.
const FLOOR_SHIFT_DAYS: i64 = 1_000_000;
/// The same shift in seconds.
const FLOOR_SHIFT_SECONDS: i64 = FLOOR_SHIFT_DAYS * SECONDS_PER_DAY;

/// First and last local dates a range touches, as `YYYY-MM-DD` (daily sources).
pub(super) fn day_bounds(range: SecondsRange, calendar: &Calendar) -> (String, String) {
    let date = |seconds: i64| {
        chrono::DateTime::from_timestamp(seconds.clamp(-8_000_000_000, 200_000_000_000), 0)
            .map_or(NaiveDate::MIN, |instant| calendar.local_date(instant))
    };
    let first = date(range.start);
    let last = date(range.end.saturating_sub(1));
    (
        first.format("%Y-%m-%d").to_string(),
        last.format("%Y-%m-%d").to_string(),
    )
}

/// `(seconds + offset) / 86400` with the offset a `CASE` over the zone's
/// offset spans in `range`: exact local days across DST in SQLite, which has
/// no zone database.
#[must_use]
pub fn local_day_by_offsets(seconds: &str, calendar: &Calendar, range: SecondsRange) -> String {
    let offset = offset_case(seconds, calendar, range);
    // Shifted by a million days so that integer division floors for
    // instants before 1970 too (SQLite and PostgreSQL truncate toward zero).
    format!(
        "(({seconds} + {offset} + {FLOOR_SHIFT_SECONDS}) / {SECONDS_PER_DAY} - {FLOOR_SHIFT_DAYS})"
    )
}

/// The zone's UTC offset (seconds) at the instant `seconds`, as a `CASE`
/// over its offset spans in `range` (the years counted, at most: the work
/// never grows with the span of the data).
#[must_use]
pub fn offset_case(seconds: &str, calendar: &Calendar, range: SecondsRange) -> String {
    let spans = calendar.offset_spans(
        range
            .start
            .clamp(crate::store::EARLIEST_SECONDS, crate::store::LATEST_SECONDS),
        range
            .end
            .clamp(crate::store::EARLIEST_SECONDS, crate::store::LATEST_SECONDS),
    );
    let offset = match spans.as_slice() {
        [only] => only.offset_seconds.to_string(),
        [first, rest @ ..] => {
            let mut case = String::from("CASE");
            let mut previous = first.offset_seconds;
            for span in rest {
                case.push_str(&format!(
                    " WHEN {seconds} < {} THEN {}",
                    span.start, previous
                ));
                previous = span.offset_seconds;
            }
            case.push_str(&format!(" ELSE {previous} END"));
            case
        }
        [] => "0".to_owned(),
    };
    offset
}
