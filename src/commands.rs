//! The subcommands, one module each, and what they share: opening the
//! configured store (through the rollup cache), bringing the cache up to
//! date with progress on a terminal, and the request the command line asks for.

pub mod alerts;
pub mod backtest;
pub mod cache;
pub mod dashboard;
pub mod demo;
pub mod export;
pub mod import;
pub mod prices;
pub mod report;
pub mod watch;

use std::io::{IsTerminal, Write};

use color_eyre::eyre::{eyre, Result};

use crate::cache::CachedStore;
use crate::clock::Clock;
use crate::config::Settings;
use crate::pipeline::{ReportContext, ReportRequest};
use crate::store::{self, BuildProgress, DatabaseUrl, RollupSource, UsageStore};

/// Opens the configured source, generating the demo database first with `--demo`.
pub(crate) async fn open_source(settings: &Settings) -> Result<Box<dyn RollupSource>> {
    if settings.demo && settings.create_database {
        if let DatabaseUrl::Sqlite(path) = &settings.database {
            demo::ensure(path, settings).await?;
        }
    }
    let options = store::OpenOptions {
        create: settings.create_database,
        mapping: settings.mapping.clone(),
        timeouts: settings.timeouts,
    };
    Ok(store::open(&settings.database, &options).await?)
}

/// Opens the configured store: the source, read through the rollup cache
/// unless it is turned off.
pub(crate) async fn open_store(settings: &Settings) -> Result<Box<dyn UsageStore>> {
    let source = open_source(settings).await?;
    if !settings.cache.enabled {
        return Ok(source);
    }
    Ok(Box::new(CachedStore::open(source, &settings.cache).await))
}

/// Brings the cache up to date before a one-shot command, showing a cold
/// build's progress on a terminal. `clock` is the real one: the cache's
/// bookkeeping (build time, watermark) never follows a pinned `--now`.
pub(crate) async fn refresh_cache(store: &dyn UsageStore, clock: &dyn Clock) -> Result<()> {
    let progress = progress_printer();
    store
        .refresh_cache(clock.now().timestamp(), &progress)
        .await?;
    finish_progress();
    Ok(())
}

/// After a one-shot command's output is written: compares a slice of the
/// cache's history with the source, as the dashboard does after each
/// refresh (a change shows at the next run; a failure is left to the next
/// refresh, which reports it).
pub(crate) async fn check_history(store: &dyn UsageStore, clock: &dyn Clock) {
    let _ = store.check_history(clock.now().timestamp()).await;
}

/// Prints build progress on one line of standard error, when it is a terminal.
pub(crate) fn progress_printer() -> impl Fn(BuildProgress) + Send + Sync {
    let terminal = std::io::stderr().is_terminal();
    move |progress: BuildProgress| {
        if terminal {
            eprint!(
                "\r\x1b[2K{}",
                crate::format::progress_line(progress.rows, progress.fraction, progress.remaining)
            );
        }
    }
}

/// Clears the progress line.
pub(crate) fn finish_progress() {
    if std::io::stderr().is_terminal() {
        eprint!("\r\x1b[2K");
    }
}

/// Columns for text output: `COLUMNS` when set, else the terminal's width,
/// else 80 (standard output is not a terminal).
pub(crate) fn output_width() -> usize {
    if let Some(columns) = std::env::var("COLUMNS")
        .ok()
        .and_then(|text| text.trim().parse::<usize>().ok())
        .filter(|columns| *columns > 0)
    {
        return columns.max(40);
    }
    if std::io::stdout().is_terminal() {
        if let Ok((columns, _)) = crossterm::terminal::size() {
            return usize::from(columns).max(40);
        }
    }
    80
}

/// The request the command line asks for: its filter and custom range.
pub(crate) fn request_for(settings: &Settings, context: &ReportContext) -> ReportRequest {
    let today = context.calendar.local_date(context.clock.now());
    ReportRequest {
        filter: settings.filter.clone(),
        range: settings.range.map(|(from, to)| (from, to.unwrap_or(today))),
        ..ReportRequest::default()
    }
}

/// Standard output was closed by its reader (a pager quit, `head` has its
/// lines): the command stops quietly, as `ls` and `git log` do.
#[derive(Debug, thiserror::Error)]
#[error("the reader of standard output went away")]
pub struct ReaderGone;

/// Writes `text` to standard output. A reader that went away is
/// [`ReaderGone`]; any other failure (a full disk) is an error that says so.
pub(crate) fn emit(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Err(ReaderGone.into()),
        Err(error) => Err(eyre!("cannot write to standard output: {error}")),
    }
}

/// Writes `text` and a line end to standard output (see [`emit`]).
pub(crate) fn emit_line(text: &str) -> Result<()> {
    emit(&format!("{text}\n"))
}
