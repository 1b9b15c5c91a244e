//! usagetop: a terminal dashboard for the usage and cost of LLM / AI APIs.
//!
//! `run` is the whole program behind a thin `main`: it resolves settings,
//! opens the store, and runs the dashboard, the headless report or the demo
//! writer. See ARCHITECTURE.md for the map.

pub mod analytics;
pub mod app;
pub mod budget;
pub mod cache;
pub mod cli;
pub mod clock;
pub mod config;
pub mod dashboard;
pub mod export;
pub mod filter;
pub mod format;
pub mod keymap;
pub mod output;
pub mod period;
pub mod pricing;
pub mod store;
pub mod tui;
pub mod ui;
pub mod usage;
pub mod worker;

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use chrono::Duration;
use color_eyre::eyre::{Result, WrapErr};

use crate::cli::{Cli, Command, DemoArgs, ExportArgs, ExportFormat, ReportArgs, ReportFormat};
use crate::clock::{Clock, FixedClock, SystemClock};
use crate::config::{Dirs, Settings};
use crate::dashboard::Ending;
use crate::store::{demo, DatabaseUrl, UsageStore};
use crate::worker::ReportContext;

/// Demo data written by `--demo` when the demo database is missing or stale.
const DEMO_DAYS: u32 = 90;
const DEMO_SEED: u64 = 42;

/// Runs the command line.
///
/// # Errors
/// Any failure, with a message for people.
pub fn run(cli: Cli) -> Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .wrap_err("cannot start the async runtime")?;
    runtime.block_on(run_async(cli))
}

async fn run_async(cli: Cli) -> Result<ExitCode> {
    let dirs = Dirs::discover()?;
    let settings = Settings::resolve(&cli.global, &dirs)?;
    let clock: Arc<dyn Clock> = match settings.now {
        Some(instant) => Arc::new(FixedClock(instant)),
        None => Arc::new(SystemClock),
    };
    let context = ReportContext {
        calendar: settings.calendar,
        clock: Arc::clone(&clock),
        prices: Arc::new(settings.prices.clone()),
        budgets: Arc::new(settings.budgets.clone()),
    };
    match &cli.command {
        Some(Command::Demo(args)) => run_demo(&settings, args, clock.as_ref()).await,
        Some(Command::Export(args)) => {
            let store = open_store(&settings, clock.as_ref()).await?;
            run_export(&settings, args, store.as_ref(), &context).await
        }
        Some(Command::Cache(command)) => run_cache(&settings, *command, clock.as_ref()).await,
        Some(Command::Report(args)) => {
            let store = open_store(&settings, clock.as_ref()).await?;
            run_report(&settings, args, store.as_ref(), &context).await
        }
        None => {
            let store = open_store(&settings, clock.as_ref()).await?;
            let ending = dashboard::run(&settings, store, context).await?;
            Ok(match ending {
                Ending::Quit => ExitCode::SUCCESS,
                Ending::Signal(number) => ExitCode::from(u8::try_from(128 + number).unwrap_or(1)),
            })
        }
    }
}

/// Opens the configured store, generating the demo database first with `--demo`.
async fn open_store(settings: &Settings, clock: &dyn Clock) -> Result<Box<dyn UsageStore>> {
    if settings.demo && settings.create_database {
        if let DatabaseUrl::Sqlite(path) = &settings.database {
            ensure_demo(path, settings, clock).await?;
        }
    }
    let options = store::OpenOptions {
        create: settings.create_database,
        mapping: settings.mapping.clone(),
        timeouts: settings.timeouts,
    };
    let source = store::open(&settings.database, &options).await?;
    if !settings.cache.enabled {
        return Ok(source);
    }
    Ok(Box::new(
        cache::CachedStore::open(source, &settings.cache).await,
    ))
}

/// Brings the cache up to date before a one-shot command, showing a cold
/// build's progress on a terminal.
async fn refresh_cache(store: &dyn UsageStore, clock: &dyn Clock) -> Result<()> {
    let progress = progress_printer();
    store
        .refresh_cache(clock.now().timestamp(), &progress)
        .await?;
    finish_progress();
    Ok(())
}

/// Prints build progress on one line of standard error, when it is a terminal.
fn progress_printer() -> impl Fn(store::BuildProgress) + Send + Sync {
    use std::io::IsTerminal;
    let terminal = std::io::stderr().is_terminal();
    move |progress: store::BuildProgress| {
        if terminal {
            eprint!("\r\x1b[2K{}", output::cache::progress_line(&progress));
        }
    }
}

fn finish_progress() {
    use std::io::IsTerminal;
    if std::io::stderr().is_terminal() {
        eprint!("\r\x1b[2K");
    }
}

/// `usagetop cache status|rebuild`.
async fn run_cache(
    settings: &Settings,
    command: cli::CacheCommand,
    clock: &dyn Clock,
) -> Result<ExitCode> {
    if !settings.cache.enabled {
        return Err(color_eyre::eyre::eyre!(
            "the cache is turned off (--no-cache, or cache = false in the config file); \
             turn it on to show or rebuild it"
        ));
    }
    let options = store::OpenOptions {
        create: settings.create_database,
        mapping: settings.mapping.clone(),
        timeouts: settings.timeouts,
    };
    let source = store::open(&settings.database, &options).await?;
    let cached = cache::CachedStore::open(source, &settings.cache).await;
    match command {
        cli::CacheCommand::Rebuild => {
            let info = cached.prepare().await?;
            if info.daily_utc {
                println!(
                    "{} keeps one row per day: it is read directly, there is nothing to cache",
                    cached.describe()
                );
                return Ok(ExitCode::SUCCESS);
            }
            let started = std::time::Instant::now();
            let progress = progress_printer();
            cached.rebuild(clock.now().timestamp(), &progress).await?;
            finish_progress();
            let summary = match cached.cache() {
                Some(db) => db.summary().await?,
                None => cache::CacheSummary::default(),
            };
            println!(
                "rebuilt the cache of {} in {:.1} s: {} rows in {} slot rows",
                cached.describe(),
                started.elapsed().as_secs_f64(),
                summary.rows,
                summary.slot_rows
            );
        }
        cli::CacheCommand::Status => {
            let Some(db) = cached.cache() else {
                return Err(color_eyre::eyre::eyre!(
                    "the cache of {} cannot be opened; check that {} is writable",
                    cached.describe(),
                    settings.cache.dir.display()
                ));
            };
            let summary = db.summary().await?;
            println!(
                "{}",
                output::cache::status(&cached.describe(), db.path(), &summary)
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes demo data into usagetop's demo database when it is missing, empty,
/// or a day behind the clock (it holds nothing but demo data).
async fn ensure_demo(path: &Path, settings: &Settings, clock: &dyn Clock) -> Result<()> {
    let now = clock.now();
    let fresh = match demo::newest_event(path).await? {
        Some(newest) => newest > now - Duration::days(1) && newest <= now,
        None => false,
    };
    if !fresh {
        let events = demo::generate(DEMO_SEED, DEMO_DAYS, now, &settings.calendar);
        demo::write(path, &events, true).await?;
    }
    Ok(())
}

async fn run_report(
    settings: &Settings,
    args: &ReportArgs,
    store: &dyn UsageStore,
    context: &ReportContext,
) -> Result<ExitCode> {
    refresh_cache(store, context.clock.as_ref()).await?;
    let query = worker::Query {
        breakdown: args.by.map(|dimension| (dimension, false)),
        ..query_for(settings, context)
    };
    let report = worker::compute_report_for(store, context, &query).await?;
    if args.check_budget {
        if report.budgets.is_empty() {
            eprintln!("usagetop: no budgets are set; add a [budget] table to the config file (see README)");
            return Ok(ExitCode::SUCCESS);
        }
        for status in &report.budgets {
            println!("{}", output::budget::line(status));
        }
        return Ok(ExitCode::from(output::budget::exit_status(&report.budgets)));
    }
    let text = match args.format {
        ReportFormat::Json => {
            output::json::render(&report).wrap_err("cannot write the JSON report")?
        }
        ReportFormat::Line => output::line::render(&report),
        ReportFormat::Text => output::text::render(&report, settings.view, &store.describe()),
    };
    println!("{}", text.trim_end());
    Ok(ExitCode::SUCCESS)
}

async fn run_demo(settings: &Settings, args: &DemoArgs, clock: &dyn Clock) -> Result<ExitCode> {
    let events = demo::generate(args.seed, args.days, clock.now(), &settings.calendar);
    let written = match &settings.database {
        DatabaseUrl::Sqlite(path) => demo::write(path, &events, args.force).await?,
        DatabaseUrl::Postgres(url) => store::postgres::write_demo(url, &events, args.force).await?,
    };
    let shown = settings.database.redacted();
    println!(
        "wrote {written} demo events ({} days, seed {}) to {shown}\nopen it with: usagetop --database-url {shown}",
        args.days, args.seed
    );
    Ok(ExitCode::SUCCESS)
}

async fn run_export(
    settings: &Settings,
    args: &ExportArgs,
    store: &dyn UsageStore,
    context: &ReportContext,
) -> Result<ExitCode> {
    let view = settings.view;
    refresh_cache(store, context.clock.as_ref()).await?;
    let query = query_for(settings, context);
    let report = worker::compute_report_for(store, context, &query).await?;
    let rows = match args.by {
        None => export::series_rows(&report, view),
        Some(dimension) => {
            let starts: Vec<chrono::NaiveDate> = report
                .series(view)
                .iter()
                .map(|bucket| bucket.start)
                .collect();
            let today = report.summary.today.start.unwrap_or_default();
            let first = report.range.as_ref().map_or_else(
                || starts.first().copied().unwrap_or(today),
                |range| range.from,
            );
            // The report's own end: the end of the quarter hour holding its
            // instant, never past that day (see `QueryPlan`).
            let end = period::slot_ceiling(report.generated_at + Duration::seconds(1))
                .min(context.calendar.start_of_day(today + chrono::Days::new(1)));
            let range = store::SecondsRange {
                start: context.calendar.start_of_day(first).timestamp(),
                end: end.timestamp(),
            };
            let rows = store
                .day_dimension_rows(range, &context.calendar, &settings.filter, dimension)
                .await?;
            export::dimension_rows(&starts, (first, today), view, &rows, &context.prices)
        }
    };
    let key_title = export::key_title(args.by);
    let text = match args.format {
        ExportFormat::Csv => output::csv::render(&rows, key_title),
        ExportFormat::Json => {
            output::json::render_export(&rows, key_title)
                .wrap_err("cannot write the JSON export")?
                + "\n"
        }
    };
    match &args.output {
        // CSV has no escapes: on a terminal, control characters from the
        // data are shown as `?` (piped or written to a file, it is exact).
        None if matches!(args.format, ExportFormat::Csv) && {
            use std::io::IsTerminal;
            std::io::stdout().is_terminal()
        } =>
        {
            print!("{}", ui::text::inert(&text));
        }
        None => print!("{text}"),
        Some(path) => {
            if path.exists() && !args.force {
                return Err(color_eyre::eyre::eyre!(
                    "{} already exists; usagetop does not overwrite files unless you pass --force",
                    path.display()
                ));
            }
            std::fs::write(path, text)
                .wrap_err_with(|| format!("cannot write {}", path.display()))?;
            eprintln!("wrote {} rows to {}", rows.len(), path.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The query the command line asks for: its filter and custom range.
fn query_for(settings: &Settings, context: &ReportContext) -> worker::Query {
    let today = context.calendar.local_date(context.clock.now());
    worker::Query {
        filter: settings.filter.clone(),
        range: settings.range.map(|(from, to)| (from, to.unwrap_or(today))),
        ..worker::Query::default()
    }
}
