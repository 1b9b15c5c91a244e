//! History navigation: the instant a report is "as of" when the user steps
//! back some periods of the current view, and custom `--from/--to` ranges.

use chrono::{DateTime, Days, NaiveDate, Utc};

use super::trend::View;
use crate::period::{month_of, shift_month, Calendar};

/// The last second of the period `back` periods before the one holding
/// `now` (the period is a day, week or month, as the view shows); `now`
/// itself when `back` is 0.
#[must_use]
pub fn as_of(now: DateTime<Utc>, calendar: &Calendar, view: View, back: u32) -> DateTime<Utc> {
    if back == 0 {
        return now;
    }
    let today = calendar.local_date(now);
    let back_i = i32::try_from(back).unwrap_or(i32::MAX);
    let next_start = match view {
        View::Daily => today - Days::new(u64::from(back) - 1),
        View::Weekly => calendar.week_of(today) - Days::new(7 * (u64::from(back) - 1)),
        View::Monthly => shift_month(month_of(today), 1 - back_i),
    };
    calendar.start_of_day(next_start) - chrono::Duration::seconds(1)
}

/// A label for a period in history: `Tue 17 Nov 2026`, `week of 9 Nov 2026`, `Oct 2026`.
#[must_use]
pub fn label(day: NaiveDate, calendar: &Calendar, view: View) -> String {
    match view {
        View::Daily => day.format("%a %-d %b %Y").to_string(),
        View::Weekly => format!("week of {}", calendar.week_of(day).format("%-d %b %Y")),
        View::Monthly => day.format("%b %Y").to_string(),
    }
}
