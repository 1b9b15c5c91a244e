//! What to ask the store for one report: the local dates of "today", this
//! week and this month, the window of day x model rows every view needs, and
//! the same-span ranges of the previous periods used for comparison.

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};

use crate::period::{month_of, shift_month, Calendar};

/// Days in the daily trend.
pub const DAILY_BUCKETS: u32 = 30;
/// Weeks in the weekly trend.
pub const WEEKLY_BUCKETS: u32 = 12;
/// Months in the monthly trend.
pub const MONTHLY_BUCKETS: u32 = 12;
/// Complete days the forecast looks back over.
pub const FORECAST_LOOKBACK_DAYS: u32 = 63;

/// A half-open range of UTC instants `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UtcRange {
    /// First instant included.
    pub start: DateTime<Utc>,
    /// First instant excluded.
    pub end: DateTime<Utc>,
}

/// The dates and ranges of one report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryPlan {
    /// The instant the report is for; later events are ignored.
    pub now: DateTime<Utc>,
    /// Local date of `now`.
    pub today: NaiveDate,
    /// First day of the current week.
    pub week_start: NaiveDate,
    /// First day of the current month.
    pub month_start: NaiveDate,
    /// First local day of the day x model window.
    pub window_start_day: NaiveDate,
    /// The day x model window: from the start of `window_start_day` to the end of `now`'s second.
    pub window: UtcRange,
    /// Yesterday's start up to the same time of day as now (to the end of its second).
    pub previous_day: UtcRange,
    /// Last week's start up to the same point in the week.
    pub previous_week: UtcRange,
    /// Last month's start up to the same day of month (clipped to its length) and time.
    pub previous_month: UtcRange,
    /// A custom range of local days (`--from`/`--to`), inclusive, if any.
    pub range: Option<(NaiveDate, NaiveDate)>,
    /// The month the report is as of is over (a range that ended in an
    /// earlier month): there is nothing left to forecast.
    pub month_over: bool,
}

impl QueryPlan {
    /// The plan for the custom range `from..=to` (local days): as of the end
    /// of `to` (or `now`, if earlier), with the window reaching back to `from`.
    #[must_use]
    pub fn for_range(
        now: DateTime<Utc>,
        calendar: &Calendar,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Self {
        let end_of_to = calendar.start_of_day(to + Days::new(1)) - chrono::Duration::seconds(1);
        let mut plan = Self::new(now.min(end_of_to), calendar);
        plan.month_over = month_of(plan.today) < month_of(calendar.local_date(now));
        if from < plan.window_start_day {
            plan.window_start_day = from;
            plan.window.start = calendar.start_of_day(from);
        }
        // Days after today hold nothing yet; a range wholly in the future stays empty.
        plan.range = Some((from, to.min(plan.today).max(from)));
        plan
    }

    /// The plan for a report at `now` in `calendar`.
    #[must_use]
    pub fn new(now: DateTime<Utc>, calendar: &Calendar) -> Self {
        let today = calendar.local_date(now);
        let week_start = calendar.week_of(today);
        let month_start = month_of(today);
        let daily_start = today - Days::new(u64::from(DAILY_BUCKETS - 1));
        let weekly_start = week_start - Days::new(7 * u64::from(WEEKLY_BUCKETS - 1));
        let monthly_start = shift_month(
            month_start,
            1 - i32::try_from(MONTHLY_BUCKETS).unwrap_or(12),
        );
        let forecast_start = today - Days::new(u64::from(FORECAST_LOOKBACK_DAYS));
        // Twice each series' length, for the previous-period overlay.
        let window_start_day = (daily_start - Days::new(u64::from(DAILY_BUCKETS)))
            .min(weekly_start - Days::new(7 * u64::from(WEEKLY_BUCKETS)))
            .min(shift_month(
                monthly_start,
                -i32::try_from(MONTHLY_BUCKETS).unwrap_or(12),
            ))
            .min(forecast_start);
        // Up to and including the second `now` is in (never past the day):
        // no event after it counts. The cache answers the whole quarter
        // hours, the source the part of the last one.
        let slot_end = |instant: DateTime<Utc>, day: NaiveDate| {
            (instant + chrono::Duration::seconds(1)).min(calendar.start_of_day(day + Days::new(1)))
        };
        let end = slot_end(now, today);
        let window = UtcRange {
            start: calendar.start_of_day(window_start_day),
            end,
        };

        let local_now = now.with_timezone(&calendar.tz());
        let time_of_day = local_now.time();
        let same_point = |day: NaiveDate| slot_end(calendar.start_of_local(day, time_of_day), day);

        let yesterday = today - Days::new(1);
        let previous_day = UtcRange {
            start: calendar.start_of_day(yesterday),
            end: same_point(yesterday),
        };

        let last_week = week_start - Days::new(7);
        let same_weekday =
            last_week + Days::new(u64::try_from((today - week_start).num_days()).unwrap_or(0));
        let previous_week = UtcRange {
            start: calendar.start_of_day(last_week),
            end: same_point(same_weekday),
        };

        let last_month = shift_month(month_start, -1);
        let last_month_len = crate::period::days_in_month(last_month);
        let previous_month_end = if today.day() > last_month_len {
            // Today is past last month's length: all of last month is the same span.
            calendar.start_of_day(month_start)
        } else {
            same_point(last_month.with_day(today.day()).unwrap_or(last_month))
        };
        let previous_month = UtcRange {
            start: calendar.start_of_day(last_month),
            end: previous_month_end,
        };

        Self {
            now,
            today,
            week_start,
            month_start,
            window_start_day,
            window,
            previous_day,
            previous_week,
            previous_month,
            range: None,
            month_over: false,
        }
    }
}
