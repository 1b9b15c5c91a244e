//! The background task: waits for a refresh request or the refresh tick,
//! brings the cache up to date, computes a snapshot through the pipeline, and
//! sends it (or the error) to the UI. The UI never awaits the database.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};

use crate::import::follow::Follower;
use crate::pipeline::{compute, ReportContext};
use crate::protocol::{RefreshRequest, WorkerEvent};
use crate::store::UsageStore;

/// Delay before retry number `failures` (1, 2, 4 ... 60 seconds), never longer than `every`.
#[must_use]
pub fn backoff(failures: u32, every: Duration) -> Duration {
    let seconds = 1_u64 << failures.saturating_sub(1).min(6);
    Duration::from_secs(seconds.min(60)).min(every)
}

/// Where the worker sends what the alert rules find after each refresh of
/// the present with the configured filter (the dispatcher delivers it, off
/// this task): the rules, that filter, and the channel.
pub type AlertSink = (
    crate::alerts::Rules,
    crate::filter::Filter,
    mpsc::UnboundedSender<crate::alerts::Findings>,
);

/// Runs until the UI goes away: refreshes at start, on every change of
/// `requests` (the latest request wins; bursts coalesce) and every `every`;
/// after a failure it retries with backoff and says when. With `alerts`,
/// the rules are evaluated on every refresh of the present. With `follow`,
/// what is new in the followed sources is imported before each refresh
/// (the first, the timer's and `r`; not a key that only changed the query).
pub async fn run(
    store: Box<dyn UsageStore>,
    context: ReportContext,
    every: Duration,
    mut requests: watch::Receiver<RefreshRequest>,
    events: mpsc::UnboundedSender<WorkerEvent>,
    alerts: Option<AlertSink>,
    follow: Option<Follower>,
) {
    let store: Arc<dyn UsageStore> = Arc::from(store);
    let accuracy = Arc::new(crate::accuracy::DailyCache::default());
    let measured = |snapshot: &mut crate::pipeline::Snapshot| {
        snapshot.report.prediction.accuracy = accuracy.get(
            &store,
            &context.calendar,
            &context.prices,
            &snapshot.filter,
            context.clock.now(),
        );
    };
    let mut wait = Duration::ZERO;
    let mut failures = 0_u32;
    let mut first = true;
    let mut last_query: Option<crate::pipeline::ReportRequest> = None;
    loop {
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = accuracy.ready.notified() => {}
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
        let request = requests.borrow().clone();
        if first && store.has_cached_data() {
            // Cached numbers go on screen before the source is read.
            if let Ok(mut report) =
                compute(store.as_ref(), &context, &request.report, request.sequence).await
            {
                measured(&mut report);
                if events.send(WorkerEvent::Report(Arc::new(report))).is_err() {
                    break;
                }
                if events.send(WorkerEvent::Loading).is_err() {
                    break;
                }
            }
        }
        first = false;
        if let Some(follower) = &follow {
            if last_query
                .as_ref()
                .is_none_or(|last| *last == request.report)
            {
                import_new(follower, store.as_ref(), &context, &events).await;
            }
        }
        last_query = Some(request.report.clone());
        let progress_events = events.clone();
        let progress = move |progress: crate::protocol::BuildProgress| {
            let _ = progress_events.send(WorkerEvent::Progress(progress));
        };
        let refreshed = store
            .refresh_cache(context.wall_clock.now().timestamp(), &progress)
            .await;
        let computed = match refreshed {
            Ok(()) => compute(store.as_ref(), &context, &request.report, request.sequence).await,
            Err(error) => Err(error),
        };
        let event = match computed {
            Ok(mut report) => {
                measured(&mut report);
                failures = 0;
                wait = every;
                let present = request.report.history.is_none() && request.report.range.is_none();
                if let Some((rules, _, sink)) = alerts
                    .as_ref()
                    .filter(|(_, filter, _)| present && *filter == request.report.filter)
                {
                    // A failed look is tried again at the next refresh.
                    if let Ok(findings) =
                        crate::alerts::observe::check(store.as_ref(), &context, &report, rules)
                            .await
                    {
                        let _ = sink.send(findings);
                    }
                }
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
        let succeeded = matches!(event, WorkerEvent::Report(_));
        if events.send(event).is_err() {
            break;
        }
        // With the report on screen, a slice of the cache's history is
        // compared with the source; a change is shown at once.
        if succeeded
            && matches!(
                store
                    .check_history(context.wall_clock.now().timestamp())
                    .await,
                Ok(true)
            )
        {
            wait = Duration::ZERO;
        }
    }
}

/// Imports what is new in the followed sources, with progress for the
/// footer and a line saying what changed or failed.
async fn import_new(
    follower: &Follower,
    store: &dyn UsageStore,
    context: &ReportContext,
    events: &mpsc::UnboundedSender<WorkerEvent>,
) {
    let progress_events = events.clone();
    let progress = move |kind: crate::import::SourceKind, done: u64, total: u64| {
        let _ = progress_events.send(WorkerEvent::Importing(crate::protocol::ImportProgress {
            source: kind.name(),
            done,
            total,
        }));
    };
    let env = |key: &str| std::env::var(key).ok();
    let round = follower
        .round(context.wall_clock.now().timestamp(), &env, &progress)
        .await;
    if round.changed() {
        // Rows left out are counted again with the new events.
        store.forget_quality();
    }
    if let Some(line) = round.line() {
        let _ = events.send(WorkerEvent::Imported(line));
    }
}
