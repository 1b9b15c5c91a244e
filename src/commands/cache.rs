//! `usagetop cache status|rebuild`: what the rollup cache of the source
//! holds, and building it again from every row.

use std::process::ExitCode;

use color_eyre::eyre::{eyre, Result};

use crate::cache::{CacheSummary, CachedStore};
use crate::cli::CacheCommand;
use crate::clock::Clock;
use crate::config::Settings;
use crate::output;
use crate::store::UsageStore;

/// Shows or rebuilds the cache.
///
/// # Errors
/// The cache is turned off or cannot be opened, or the source cannot be read.
pub async fn run(
    settings: &Settings,
    command: CacheCommand,
    clock: &dyn Clock,
) -> Result<ExitCode> {
    if !settings.cache.enabled {
        return Err(eyre!(
            "the cache is turned off (--no-cache, or cache = false in the config file); \
             turn it on to show or rebuild it"
        ));
    }
    let source = super::open_source(settings).await?;
    let cached = CachedStore::open(source, &settings.cache).await;
    match command {
        CacheCommand::Rebuild => {
            let info = cached.prepare().await?;
            if info.daily_utc {
                super::emit_line(&format!(
                    "{} keeps one row per day: it is read directly, there is nothing to cache",
                    cached.describe()
                ))?;
                return Ok(ExitCode::SUCCESS);
            }
            let started = std::time::Instant::now();
            let progress = super::progress_printer();
            cached.rebuild(clock.now().timestamp(), &progress).await?;
            super::finish_progress();
            let summary = match cached.cache() {
                Some(db) => db.summary().await?,
                None => CacheSummary::default(),
            };
            super::emit_line(&format!(
                "rebuilt the cache of {} in {:.1} s: {} rows in {} slot rows",
                cached.describe(),
                started.elapsed().as_secs_f64(),
                summary.rows,
                summary.slot_rows
            ))?;
        }
        CacheCommand::Status => {
            let Some(db) = cached.cache() else {
                return Err(eyre!(
                    "the cache of {} cannot be opened; check that {} is writable",
                    cached.describe(),
                    settings.cache.dir.display()
                ));
            };
            let summary = db.summary().await?;
            super::emit_line(&output::cache::status(
                &cached.describe(),
                db.path(),
                &summary,
            ))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
