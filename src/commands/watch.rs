//! `usagetop watch`: the alert rules evaluated at every refresh without a
//! screen, for systemd or a container. One log line per event on standard
//! output; a clean exit (0) on SIGTERM or SIGINT.

use std::process::ExitCode;
use std::time::Duration;

use color_eyre::eyre::{eyre, Result};
use tokio::signal::unix::{signal, SignalKind};

use crate::alerts::dispatch::Dispatcher;
use crate::alerts::{Alerts, AlertsConfig};
use crate::cli::WatchArgs;
use crate::config::Settings;
use crate::pipeline::{self, ReportContext};

/// One log line, with the instant (a reader gone away stops `watch` quietly).
fn log(context: &ReportContext, line: &str) -> Result<()> {
    super::emit_line(&format!(
        "{} {}",
        context.clock.now().format("%Y-%m-%dT%H:%M:%SZ"),
        crate::text::inert(line)
    ))
}

/// Watches until a signal (or once, with `--once`).
///
/// # Errors
/// The store or the alert state cannot be opened.
pub async fn run(
    settings: &Settings,
    args: &WatchArgs,
    context: &ReportContext,
) -> Result<ExitCode> {
    let alerts = match &settings.alerts {
        Some(alerts) => alerts.clone(),
        None => Alerts::from_config(&AlertsConfig::default())
            .map_err(|error| eyre!(error.to_string()))?,
    };
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    let store = super::open_store(settings).await?;
    let (mut dispatcher, note) = Dispatcher::open(&alerts, Some("log"), &settings.alert_state)
        .map_err(|error| eyre!(error))?;
    if let Some(note) = note {
        log(context, &note)?;
    }
    let targets: Vec<&str> = dispatcher
        .targets()
        .iter()
        .map(|target| target.name.as_str())
        .collect();
    log(
        context,
        &format!(
            "watching {} every {} s; targets: {}",
            store.describe(),
            settings.refresh.as_secs(),
            targets.join(", ")
        ),
    )?;
    let request = super::request_for(settings, context);
    let mut failures = 0_u32;
    loop {
        let refreshed = match store
            .refresh_cache(context.wall_clock.now().timestamp(), &|_| {})
            .await
        {
            Ok(()) => pipeline::compute(store.as_ref(), context, &request, 0).await,
            Err(error) => Err(error),
        };
        let found = match refreshed {
            Ok(snapshot) => {
                crate::alerts::observe::check(store.as_ref(), context, &snapshot, &alerts.rules)
                    .await
            }
            Err(error) => Err(error),
        };
        let wait = match found {
            Ok(findings) => {
                failures = 0;
                let (outcomes, unsaved) = dispatcher.handle(findings).await;
                for outcome in &outcomes {
                    log(context, &outcome.line())?;
                }
                if let Some(error) = unsaved {
                    log(context, &error)?;
                }
                // A slice of the cache's history is compared with the
                // source; when days changed, the rules look again at once.
                match store
                    .check_history(context.wall_clock.now().timestamp())
                    .await
                {
                    Ok(true) if !args.once => Duration::ZERO,
                    _ => settings.refresh,
                }
            }
            Err(error) => {
                failures = failures.saturating_add(1);
                let wait = crate::worker::backoff(failures, settings.refresh);
                log(
                    context,
                    &format!(
                        "refresh failed: {error}; retrying in {} s",
                        wait.as_secs().max(1)
                    ),
                )?;
                wait
            }
        };
        if args.once {
            // For cron: a refresh that failed is exit status 1.
            return Ok(if failures > 0 {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            });
        }
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            _ = terminate.recv() => { log(context, "stopping (SIGTERM)")?; break; }
            _ = interrupt.recv() => { log(context, "stopping (SIGINT)")?; break; }
        }
    }
    Ok(ExitCode::SUCCESS)
}
