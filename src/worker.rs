//! The background task: waits for a refresh request or the refresh tick, runs
//! the store's grouped queries and the pure analytics, and sends the finished
//! report (or the error) to the UI. The UI never awaits the database.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};

use crate::analytics::breakdown::Breakdowns;
use crate::analytics::history;
use crate::analytics::trend::View;
use crate::analytics::{build_report, QueryPlan, Report};
use crate::budget::{evaluate, BudgetStatus, Budgets};
use crate::clock::Clock;
use crate::filter::Dimension;
use crate::filter::Filter;
use crate::period::Calendar;
use crate::pricing::PriceTable;
use crate::store::SecondsRange;
use crate::store::{fetch_aggregates, StoreError, UsageStore};

/// What the UI asks the worker for: the latest request wins.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    /// Which usage to count.
    pub filter: Filter,
    /// Bumped for every request, so an unchanged filter still refreshes.
    pub sequence: u64,
    /// Periods of a view to step back from now (history), if any.
    pub history: Option<(View, u32)>,
    /// A custom range of local days, inclusive (`--from`/`--to`).
    pub range: Option<(chrono::NaiveDate, chrono::NaiveDate)>,
    /// A breakdown by this dimension; `true` counts it without the filter's
    /// own patterns for that dimension (for the picker, which lists every value).
    pub breakdown: Option<(Dimension, bool)>,
}

/// What the worker tells the UI.
#[derive(Debug, Clone)]
pub enum WorkerEvent {
    /// A refresh started.
    Loading,
    /// Something to tell the user (an export finished, or failed).
    Notice(String),
    /// A refresh finished.
    Report(Arc<Report>),
    /// A cold build of the cache is under way.
    Progress(crate::store::BuildProgress),
    /// A refresh failed; the next try is in `retry_in`.
    Failed {
        /// What went wrong, for people.
        message: String,
        /// When the worker tries again by itself.
        retry_in: Duration,
    },
}

/// What a report needs besides the store.
#[derive(Clone)]
pub struct ReportContext {
    /// Zone and week convention.
    pub calendar: Calendar,
    /// The clock (pinned by `--now`).
    pub clock: Arc<dyn Clock>,
    /// Prices in force.
    pub prices: Arc<PriceTable>,
    /// Spending limits.
    pub budgets: Arc<Budgets>,
}

/// Builds one report now.
///
/// # Errors
/// A store query that fails.
pub async fn compute_report(
    store: &dyn UsageStore,
    context: &ReportContext,
    filter: &Filter,
) -> Result<Report, StoreError> {
    compute_report_for(
        store,
        context,
        &Query {
            filter: filter.clone(),
            ..Query::default()
        },
    )
    .await
}

/// Builds the report a query asks for (filter, and history position).
///
/// # Errors
/// A store query that fails.
pub async fn compute_report_for(
    store: &dyn UsageStore,
    context: &ReportContext,
    query: &Query,
) -> Result<Report, StoreError> {
    let filter = &query.filter;
    let now = match query.history {
        Some((view, back)) => history::as_of(context.clock.now(), &context.calendar, view, back),
        None => context.clock.now(),
    };
    let plan = match query.range {
        Some((from, to)) => QueryPlan::for_range(now, &context.calendar, from, to),
        None => QueryPlan::new(now, &context.calendar),
    };
    let rows = fetch_aggregates(store, &plan, &context.calendar, filter).await?;
    let mut report = build_report(&plan, &context.calendar, &rows, &context.prices);
    report.filter = filter.clone();
    report.sequence = query.sequence;
    report.budgets = budget_statuses(store, context, &report, filter).await?;
    if let Some((dimension, unfiltered)) = query.breakdown {
        let mut selection = filter.clone();
        if unfiltered {
            selection.patterns_mut(dimension).clear();
        }
        let calendar = &context.calendar;
        let current_start = plan.week_start.min(plan.month_start);
        let current = SecondsRange {
            start: calendar.start_of_day(current_start).timestamp(),
            end: plan.window.end.timestamp(),
        };
        let current = store
            .day_dimension_rows(current, calendar, &selection, dimension)
            .await?;
        let mut previous = Vec::new();
        for range in [plan.previous_day, plan.previous_week, plan.previous_month] {
            previous.push(
                store
                    .day_dimension_rows(range.into(), calendar, &selection, dimension)
                    .await?,
            );
        }
        report.breakdown = Some(Breakdowns::build(
            dimension,
            &plan,
            &current,
            [&previous[0], &previous[1], &previous[2]],
            &context.prices,
        ));
    }
    Ok(report)
}

/// Every budget against its scope: the overall ones against `report`, the
/// per-model and per-user ones against a report of that scope (one per scope).
async fn budget_statuses(
    store: &dyn UsageStore,
    context: &ReportContext,
    report: &Report,
    filter: &Filter,
) -> Result<Vec<BudgetStatus>, StoreError> {
    let mut scoped: Vec<(Filter, Report)> = Vec::new();
    let mut statuses = Vec::new();
    for budget in &context.budgets.list {
        let status = if budget.scope.is_none() {
            evaluate(budget, report, context.budgets.warn_at)
        } else {
            let scope = budget.filter(filter);
            if !scoped.iter().any(|(known, _)| *known == scope) {
                let plan = QueryPlan::new(report.generated_at, &context.calendar);
                let rows = fetch_aggregates(store, &plan, &context.calendar, &scope).await?;
                scoped.push((
                    scope.clone(),
                    build_report(&plan, &context.calendar, &rows, &context.prices),
                ));
            }
            let scoped_report = scoped
                .iter()
                .find(|(known, _)| *known == scope)
                .map(|(_, report)| report);
            evaluate(
                budget,
                scoped_report.unwrap_or(report),
                context.budgets.warn_at,
            )
        };
        statuses.push(status);
    }
    Ok(statuses)
}

/// Delay before retry number `failures` (1, 2, 4 ... 60 seconds), never longer than `every`.
#[must_use]
pub fn backoff(failures: u32, every: Duration) -> Duration {
    let seconds = 1_u64 << failures.saturating_sub(1).min(6);
    Duration::from_secs(seconds.min(60)).min(every)
}

/// Runs until the UI goes away: refreshes at start, on every change of
/// `requests` (the latest request wins; bursts coalesce) and every `every`;
/// after a failure it retries with backoff and says when.
pub async fn run(
    store: Box<dyn UsageStore>,
    context: ReportContext,
    every: Duration,
    mut requests: watch::Receiver<Query>,
    events: mpsc::UnboundedSender<WorkerEvent>,
) {
    let mut wait = Duration::ZERO;
    let mut failures = 0_u32;
    let mut first = true;
    loop {
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            changed = requests.changed() => {
                if changed.is_err() {
                    break;
                }
                requests.borrow_and_update();
            }
        }
        if events.send(WorkerEvent::Loading).is_err() {
            break;
        }
        let query = requests.borrow().clone();
        if first && store.has_cached_data() {
            // Cached numbers go on screen before the source is read.
            if let Ok(report) = compute_report_for(store.as_ref(), &context, &query).await {
                if events.send(WorkerEvent::Report(Arc::new(report))).is_err() {
                    break;
                }
                if events.send(WorkerEvent::Loading).is_err() {
                    break;
                }
            }
        }
        first = false;
        let progress_events = events.clone();
        let progress = move |progress: crate::store::BuildProgress| {
            let _ = progress_events.send(WorkerEvent::Progress(progress));
        };
        let refreshed = store
            .refresh_cache(context.clock.now().timestamp(), &progress)
            .await;
        let computed = match refreshed {
            Ok(()) => compute_report_for(store.as_ref(), &context, &query).await,
            Err(error) => Err(error),
        };
        let event = match computed {
            Ok(report) => {
                failures = 0;
                wait = every;
                WorkerEvent::Report(Arc::new(report))
            }
            Err(error) => {
                failures = failures.saturating_add(1);
                wait = backoff(failures, every);
                WorkerEvent::Failed {
                    message: error.to_string(),
                    retry_in: wait,
                }
            }
        };
        if events.send(event).is_err() {
            break;
        }
    }
}
