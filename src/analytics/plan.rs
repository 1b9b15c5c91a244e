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
pub const FORECAST_LOOKBACK_DAYS: u32 = 182;

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
        let end = slot_end(now, calendar, today);
        let window = UtcRange {
            start: calendar.start_of_day(window_start_day),
            end,
        };

        let previous = spans_back(now, calendar, (today, week_start, month_start), 1, 1, 1);
        let [previous_day, previous_week, previous_month] = previous;

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

    /// The spans of earlier periods that match today, this week and this
    /// month so far: the day `days` back, the week `weeks` back and the month
    /// `months` back, each from its start to the same point (the same time of
    /// day, weekday or day of month; all of an earlier month shorter than
    /// today's day). `(1, 1, 1)` gives the previous-period ranges exactly.
    #[must_use]
    pub fn spans_back(
        &self,
        calendar: &Calendar,
        days: u64,
        weeks: u64,
        months: u32,
    ) -> [UtcRange; 3] {
        spans_back(
            self.now,
            calendar,
            (self.today, self.week_start, self.month_start),
            days,
            weeks,
            months,
        )
    }
}

/// Up to and including the second `instant` is in (never past `day`): no
/// event after it counts. The cache answers the whole quarter hours, the
/// source the part of the last one.
fn slot_end(instant: DateTime<Utc>, calendar: &Calendar, day: NaiveDate) -> DateTime<Utc> {
    (instant + chrono::Duration::seconds(1)).min(calendar.start_of_day(day + Days::new(1)))
}

/// See [`QueryPlan::spans_back`].
fn spans_back(
    now: DateTime<Utc>,
    calendar: &Calendar,
    (today, week_start, month_start): (NaiveDate, NaiveDate, NaiveDate),
    days: u64,
    weeks: u64,
    months: u32,
) -> [UtcRange; 3] {
    let time_of_day = now.with_timezone(&calendar.tz()).time();
    // From `start` to the same point `elapsed` days into it, or to `next`
    // (the period's end) when the period is shorter than that.
    let span = |start: NaiveDate, next: NaiveDate, elapsed: u64| {
        let point = start + Days::new(elapsed);
        let end = if point >= next {
            calendar.start_of_day(next)
        } else {
            slot_end(calendar.start_of_local(point, time_of_day), calendar, point)
        };
        UtcRange {
            start: calendar.start_of_day(start),
            end,
        }
    };
    let day = today - Days::new(days);
    let week = week_start - Days::new(7 * weeks);
    let months = i32::try_from(months).unwrap_or(i32::MAX);
    let month = shift_month(month_start, -months);
    [
        span(day, day + Days::new(1), 0),
        span(
            week,
            week + Days::new(7),
            u64::try_from((today - week_start).num_days()).unwrap_or(0),
        ),
        span(
            month,
            shift_month(month_start, 1 - months),
            u64::from(today.day() - 1),
        ),
    ]
}
