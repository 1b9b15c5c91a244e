//! `usagetop import SOURCE [PATH...]`: reads a source's logs into usagetop's
//! own SQLite database (`import`), then brings the rollup cache of that
//! database up to date, and says what was read.

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use tokio::signal::unix::{signal, SignalKind};

use color_eyre::eyre::{eyre, Result};

use crate::cache::CachedStore;
use crate::cli::ImportArgs;
use crate::clock::{Clock, SystemClock};
use crate::config::Settings;
use crate::import::mapping::{Columns, ImportMapping};
use crate::import::{self, SourceKind, Summary};
use crate::store::{sqlite::SqliteStore, DatabaseUrl, UsageStore};

/// Imports the files of `args` into the configured database.
///
/// # Errors
/// The database is not usagetop's own SQLite file, a path cannot be read,
/// or the database cannot be written.
pub async fn run(settings: &Settings, args: &ImportArgs) -> Result<ExitCode> {
    let DatabaseUrl::Sqlite(path) = &settings.database else {
        return Err(eyre!(
            "usagetop import writes only into a SQLite database usagetop created (its embedded default, \
             or --database-url sqlite://PATH of a new or usagetop-made file); {} is a server database \
             usagetop only reads",
            settings.database.redacted()
        ));
    };
    if settings.demo {
        return Err(eyre!(
            "usagetop import does not write into the demo database; leave out --demo (and demo = true)"
        ));
    }
    if args.fetch && args.source.report().is_none() {
        return Err(eyre!(
            "--fetch pulls the providers' usage reports (usagetop import openai-usage --fetch, \
             anthropic-usage --fetch); {} is read from files",
            args.source.name()
        ));
    }
    if args.watch && args.paths.iter().any(|path| path.as_os_str() == "-") {
        return Err(eyre!(
            "usagetop import --watch reads files again and again; standard input (-) can be read only once"
        ));
    }
    let columns = match args.source {
        SourceKind::Csv | SourceKind::Jsonl => {
            ImportMapping::from_config(settings.config_file.as_deref())?.columns()
        }
        _ => ImportMapping::default().columns(),
    };
    if !args.watch {
        let (_, text) = import_once(settings, args, &columns, path).await?;
        super::emit_line(&text)?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut first = true;
    loop {
        let (changed, text) = import_once(settings, args, &columns, path).await?;
        // The first round always, then only rounds that changed something.
        if first || changed {
            super::emit_line(&text)?;
        }
        first = false;
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(args.every)) => {}
            _ = terminate.recv() => break,
            _ = interrupt.recv() => break,
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// One import of the files `args` names; returns whether it changed any
/// event, and the summary for people.
async fn import_once(
    settings: &Settings,
    args: &ImportArgs,
    columns: &Columns,
    path: &Path,
) -> Result<(bool, String)> {
    if args.fetch {
        return fetch_once(settings, args, path).await;
    }
    let env = |key: &str| std::env::var(key).ok();
    let files = import::paths::resolve(args.source, &args.paths, &env)?;
    let pool = SqliteStore::open_writable(path).await?;
    let mut conn = pool.acquire().await?;
    let started = Instant::now();
    let terminal = std::io::stderr().is_terminal();
    let progress = move |done: u64, total: u64| {
        if terminal {
            eprint!(
                "\r\x1b[2Kimporting: {} of {} ({:.0} %)",
                megabytes(done),
                megabytes(total),
                percent(done, total)
            );
        }
    };
    let now = SystemClock.now().timestamp();
    let result = import::run(&mut conn, args.source, columns, &files, now, &progress).await;
    super::finish_progress();
    drop(conn);
    pool.close().await;
    let summary = result?;
    let elapsed = started.elapsed().as_secs_f64();
    let changed = summary.added + summary.updated + summary.removed > 0;
    if changed {
        refresh_cache(settings, now).await?;
    }
    let text = describe(
        args.source.name(),
        &summary,
        elapsed,
        &path.display().to_string(),
    );
    Ok((changed, text))
}

/// Pulls the usage report's pages with `--fetch`: the admin key from the
/// environment only, the base URL from `--base-url` or the environment.
async fn fetch_once(settings: &Settings, args: &ImportArgs, path: &Path) -> Result<(bool, String)> {
    let Some(provider) = args.source.report() else {
        return Err(eyre!("--fetch reads the providers' usage reports only"));
    };
    let variable = import::fetch::key_variable(provider);
    let key = std::env::var(variable)
        .ok()
        .filter(|key| !key.trim().is_empty())
        .ok_or(import::fetch::FetchError::NoKey(variable))?;
    let base = args.base_url.clone().or_else(|| {
        std::env::var(import::fetch::base_variable(provider))
            .ok()
            .filter(|base| !base.trim().is_empty())
    });
    let pool = SqliteStore::open_writable(path).await?;
    let mut conn = pool.acquire().await?;
    let now = SystemClock.now().timestamp();
    let since = match args.since {
        Some(day) => day
            .and_hms_opt(0, 0, 0)
            .unwrap_or_default()
            .and_utc()
            .timestamp(),
        None => match import::latest(&mut conn, args.source).await? {
            Some(latest) => latest - 86_400,
            None => (now - 30 * 86_400).div_euclid(86_400) * 86_400,
        },
    };
    let started = Instant::now();
    let result = async {
        let mut fetcher = import::fetch::Fetcher::new(provider, base.as_deref(), key, since)?;
        let terminal = std::io::stderr().is_terminal();
        let progress = move |pages: u32| {
            if terminal {
                eprint!("\r\x1b[2Kfetching: {pages} pages");
            }
        };
        import::run_fetch(&mut conn, args.source, &mut fetcher, &progress).await
    }
    .await;
    super::finish_progress();
    drop(conn);
    pool.close().await;
    let summary = result?;
    let elapsed = started.elapsed().as_secs_f64();
    let changed = summary.added + summary.updated > 0;
    if changed {
        refresh_cache(settings, now).await?;
    }
    let from = chrono::DateTime::from_timestamp(since, 0)
        .map(|at| at.format("%Y-%m-%d").to_string())
        .unwrap_or_default();
    let mut text = format!(
        "{}: {} fetched from {from} on in {elapsed:.1} s\n\
         {} events added, {} updated; {} pages with results that could not be read",
        args.source.name(),
        crate::format::plural(summary.files, "page"),
        summary.added,
        summary.updated,
        summary.malformed,
    );
    if let Some(example) = &summary.example {
        text.push_str(&format!(" (e.g. {})", crate::text::clean(example)));
    }
    text.push_str(&format!("\ninto {}", path.display()));
    Ok((changed, text))
}

/// Imported events lie before the cache's watermark: build it again.
async fn refresh_cache(settings: &Settings, now: i64) -> Result<()> {
    if settings.cache.enabled {
        // Imported events are older than the cache's watermark: build it again
        // (from usage_slots, a few thousand rows).
        let cached = CachedStore::open(super::open_source(settings).await?, &settings.cache).await;
        if !UsageStore::prepare(&cached).await?.daily_utc {
            cached.rebuild(now, &super::progress_printer()).await?;
            super::finish_progress();
        }
    }
    Ok(())
}

#[allow(clippy::cast_precision_loss)]
fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

#[allow(clippy::cast_precision_loss)]
fn percent(done: u64, total: u64) -> f64 {
    if total == 0 {
        100.0
    } else {
        done as f64 * 100.0 / total as f64
    }
}

/// The summary for people (and scripts: the counts are ungrouped).
fn describe(source: &str, summary: &Summary, seconds: f64, database: &str) -> String {
    let mut text = format!(
        "{source}: {} ({} new, {} grown, {} unchanged, {} rewritten), {} read in {seconds:.1} s\n\
         {} events added, {} updated, {} removed; {} malformed lines skipped",
        crate::format::plural(summary.files, "file"),
        summary.new_files,
        summary.grown,
        summary.unchanged,
        summary.rewritten,
        megabytes(summary.bytes),
        summary.added,
        summary.updated,
        summary.removed,
        summary.malformed,
    );
    if let Some(example) = &summary.example {
        text.push_str(&format!(" (e.g. {})", crate::text::clean(example)));
    }
    text.push_str(&format!("\ninto {database}"));
    text
}
