//! The background task: waits for a refresh request or the refresh tick, runs
//! the store's grouped queries and the pure analytics, and sends the finished
//! report (or the error) to the UI. The UI never awaits the database.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::time::MissedTickBehavior;

use crate::analytics::{build_report, QueryPlan, Report};
use crate::clock::Clock;
use crate::period::Calendar;
use crate::pricing::PriceTable;
use crate::store::{fetch_aggregates, StoreError, UsageStore};

/// What the worker tells the UI.
#[derive(Debug, Clone)]
pub enum WorkerEvent {
    /// A refresh started.
    Loading,
    /// A refresh finished.
    Report(Arc<Report>),
    /// A refresh failed; the message is for people.
    Failed(String),
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
}

/// Builds one report now.
///
/// # Errors
/// A store query that fails.
pub async fn compute_report(
    store: &dyn UsageStore,
    context: &ReportContext,
) -> Result<Report, StoreError> {
    let now = context.clock.now();
    let plan = QueryPlan::new(now, &context.calendar);
    let rows = fetch_aggregates(store, &plan, &context.calendar).await?;
    Ok(build_report(
        &plan,
        &context.calendar,
        &rows,
        &context.prices,
    ))
}

/// Runs until the UI goes away: refreshes at start, on every change of
/// `requests` (the latest request wins; bursts coalesce) and every `every`.
pub async fn run(
    store: Box<dyn UsageStore>,
    context: ReportContext,
    every: Duration,
    mut requests: watch::Receiver<u64>,
    events: mpsc::UnboundedSender<WorkerEvent>,
) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
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
        let event = match compute_report(store.as_ref(), &context).await {
            Ok(report) => WorkerEvent::Report(Arc::new(report)),
            Err(error) => WorkerEvent::Failed(error.to_string()),
        };
        if events.send(event).is_err() {
            break;
        }
        tick.reset();
    }
}
