//! usagetop: a terminal dashboard for the usage and cost of LLM / AI APIs.
//!
//! `run` is the whole program behind a thin `main`: it resolves settings and
//! the clock, and hands over to one of `commands`. See ARCHITECTURE.md for the map.
//!
//! usagetop is for Unix systems (Linux, macOS, the BSDs): it relies on Unix
//! signals (suspend with Ctrl-Z, SIGTERM, SIGHUP), file modes and owners
//! (the cache's safety checks), and inodes (a database's identity).

#[cfg(not(unix))]
compile_error!(
    "usagetop builds on Unix systems only (Linux, macOS, the BSDs): it relies on Unix signals, \
     file modes and owners. On Windows, build and run it under WSL."
);

pub mod accuracy;
pub mod action;
pub mod alerts;
pub mod analytics;
pub mod app;
pub mod budget;
pub mod cache;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod config;
pub mod dashboard;
pub mod export;
pub mod files;
pub mod filter;
pub mod format;
pub mod import;
pub mod key_error;
pub mod keymap;
pub mod output;
pub mod period;
pub mod pipeline;
pub mod pricing;
pub mod protocol;
pub mod store;
pub mod text;
pub mod tui;
pub mod ui;
pub mod usage;
pub mod worker;

use std::process::ExitCode;
use std::sync::Arc;

use color_eyre::eyre::{Result, WrapErr};

use crate::cli::{Cli, Command};
use crate::config::{Dirs, Settings};
use crate::pipeline::ReportContext;

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
    let result = runtime.block_on(run_async(cli));
    // The process ends now, whatever a background task is doing: a task
    // busy in a long computation is not waited for.
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    result
}

async fn run_async(cli: Cli) -> Result<ExitCode> {
    let dirs = Dirs::discover()?;
    let settings = Settings::resolve(&cli.global_args(), &dirs)?;
    let clock = settings.clock();
    let context = ReportContext {
        calendar: settings.calendar,
        clock: Arc::clone(&clock),
        prices: Arc::new(settings.prices.clone()),
        budgets: Arc::new(settings.budgets.clone()),
        wall_clock: Arc::new(clock::SystemClock),
    };
    match &cli.command {
        Some(Command::Demo(args)) => commands::demo::run(&settings, args, clock.as_ref()).await,
        Some(Command::Export(args)) => commands::export::run(&settings, args, &context).await,
        Some(Command::Cache(command)) => {
            commands::cache::run(&settings, *command, &clock::SystemClock).await
        }
        Some(Command::Report(args)) => commands::report::run(&settings, args, &context).await,
        Some(Command::Backtest(args)) => commands::backtest::run(&settings, args, &context).await,
        Some(Command::Prices(args)) => commands::prices::run(&settings, args, &context).await,
        Some(Command::Watch(args)) => commands::watch::run(&settings, args, &context).await,
        Some(Command::Alerts(command)) => {
            commands::alerts::run(&settings, *command, &context).await
        }
        Some(Command::Import(args)) => commands::import::run(&settings, args).await,
        None => commands::dashboard::run(&settings, context).await,
    }
}
