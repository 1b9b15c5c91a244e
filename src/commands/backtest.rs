//! `usagetop backtest`: replays the month-end forecast on the user's own
//! history (days 5, 10, 15, 20 and 25 of the last complete months, at the
//! time of day of now) and prints how far off it was, beside the run-rate
//! and the same-weekday mean. Reads through the store, so the rollup cache
//! answers; the replay itself is pure.

use std::process::ExitCode;

use color_eyre::eyre::{Result, WrapErr};

use crate::cli::{BacktestArgs, BacktestFormat};
use crate::config::Settings;
use crate::pipeline::ReportContext;

/// Runs `usagetop backtest`.
///
/// # Errors
/// A store query that fails, or JSON that cannot be written.
pub async fn run(
    settings: &Settings,
    args: &BacktestArgs,
    context: &ReportContext,
) -> Result<ExitCode> {
    let store = super::open_store(settings).await?;
    let store = store.as_ref();
    super::refresh_cache(store, context.wall_clock.as_ref()).await?;
    store.prepare().await?;
    let filter = &settings.filter;
    let measured = crate::accuracy::measure(
        store,
        &context.calendar,
        &context.prices,
        filter,
        context.clock.now(),
        args.months,
    )
    .await?;
    let timezone = context.calendar.tz().name();
    let text = match args.format {
        BacktestFormat::Json => crate::output::backtest::json(&measured, timezone)
            .wrap_err("cannot write the JSON backtest")?,
        BacktestFormat::Text => crate::output::backtest::text(&measured, timezone),
    };
    super::emit_line(text.trim_end())?;
    Ok(ExitCode::SUCCESS)
}
