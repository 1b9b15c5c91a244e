//! What the rules need beside a snapshot, asked of the store: the usual
//! cost of today's span (the last four same weekdays up to the same time),
//! the cost of the current and the last hour, the requests of the last
//! minutes against the same minutes of the last four same weekdays, and the
//! users seen. Only what the rules in force need is asked for.

use chrono::{DateTime, Duration, DurationRound, Utc};
use rust_decimal::Decimal;

use super::{Observed, Rules};
use crate::analytics::summary::total_of;
use crate::analytics::QueryPlan;
use crate::filter::Dimension;
use crate::pipeline::{ReportContext, Snapshot};
use crate::store::{SecondsRange, StoreError, UsageStore};

/// Same weekdays looked back over for "the usual".
const WEEKS: u64 = 4;

/// The range `[start, end)` in seconds.
fn range(start: DateTime<Utc>, end: DateTime<Utc>) -> SecondsRange {
    SecondsRange {
        start: start.timestamp(),
        end: end.timestamp(),
    }
}

/// Observes what `rules` need for `snapshot` (a report of the present).
///
/// # Errors
/// A store query that fails.
pub async fn observe(
    store: &dyn UsageStore,
    context: &ReportContext,
    snapshot: &Snapshot,
    rules: &Rules,
) -> Result<Observed, StoreError> {
    let calendar = &context.calendar;
    let filter = &snapshot.filter;
    let now = snapshot.generated_at;
    let plan = QueryPlan::new(now, calendar);
    let first_day = snapshot
        .first_event
        .map(|instant| calendar.local_date(instant));
    let mut observed = Observed::default();
    if rules.spike_factor.is_some() {
        let mut costs = Vec::new();
        for week in 1..=WEEKS {
            let [day, _, _] = plan.spans_back(calendar, 7 * week, 1, 1);
            let start = calendar.local_date(day.start);
            if first_day.is_some_and(|first| first <= start) {
                let rows = store.model_rows(day.into(), calendar, filter).await?;
                costs.push(total_of(&rows, &context.prices).cost);
            }
        }
        if !costs.is_empty() {
            let sum: Decimal = costs.iter().copied().sum();
            observed.usual_cost = Some(sum / Decimal::from(costs.len()));
        }
    }
    let end = now + Duration::seconds(1);
    if rules.hour_cost.is_some() {
        let hour = now.duration_trunc(Duration::hours(1)).unwrap_or(now);
        for (start, stop) in [(hour - Duration::hours(1), hour), (hour, end)] {
            let rows = store
                .model_rows(range(start, stop), calendar, filter)
                .await?;
            let label = start
                .with_timezone(&calendar.tz())
                .format("%Y-%m-%dT%H")
                .to_string();
            observed
                .hours
                .push((label, total_of(&rows, &context.prices).cost));
        }
    }
    if let Some(minutes) = rules.stale_minutes {
        let span = Duration::minutes(i64::try_from(minutes).unwrap_or(60));
        let requests = |rows: &[crate::analytics::ModelRow]| -> i64 {
            rows.iter().map(|row| row.usage.requests).sum()
        };
        let recent = requests(
            &store
                .model_rows(range(end - span, end), calendar, filter)
                .await?,
        );
        let mut earlier = Vec::new();
        for week in 1..=WEEKS {
            let shift = Duration::days(7 * i64::try_from(week).unwrap_or(1));
            let start = end - span - shift;
            if snapshot.first_event.is_some_and(|first| first <= start) {
                let rows = store
                    .model_rows(range(start, end - shift), calendar, filter)
                    .await?;
                earlier.push(requests(&rows));
            }
        }
        if !earlier.is_empty() {
            let usual = Decimal::from(earlier.iter().sum::<i64>()) / Decimal::from(earlier.len());
            observed.silence = Some((recent, usual));
        }
    }
    if rules.new_user {
        // Today's users; the first look also learns last month's and this month's.
        let start = calendar.start_of_day(crate::period::shift_month(plan.month_start, -1));
        let rows = store
            .day_dimension_rows(range(start, end), calendar, filter, Dimension::User)
            .await?;
        let mut users: Vec<String> = rows.into_iter().map(|(user, _)| user).collect();
        users.sort();
        users.dedup();
        observed.users = Some(users);
    }
    Ok(observed)
}

/// Observes and evaluates the rules on `snapshot`: what one refresh finds.
///
/// # Errors
/// A store query that fails.
pub async fn check(
    store: &dyn UsageStore,
    context: &ReportContext,
    snapshot: &Snapshot,
    rules: &Rules,
) -> Result<super::Findings, StoreError> {
    let observed = observe(store, context, snapshot, rules).await?;
    Ok(super::evaluate(rules, snapshot, &observed))
}
