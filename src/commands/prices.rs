//! `usagetop prices`: each model seen with the price entry it resolved to.

use std::process::ExitCode;

use color_eyre::eyre::{Result, WrapErr};

use crate::cli::{PricesArgs, ReportFormat};
use crate::config::Settings;
use crate::output;
use crate::pipeline::{self, ReportContext};

/// Prints the models seen and their prices.
///
/// # Errors
/// The store cannot be read, or the output cannot be written.
pub async fn run(
    settings: &Settings,
    args: &PricesArgs,
    context: &ReportContext,
) -> Result<ExitCode> {
    if matches!(args.format, ReportFormat::Pdf | ReportFormat::Html) {
        return Err(color_eyre::eyre::eyre!(
            "usagetop prices prints text or JSON; use --format text or --format json"
        ));
    }
    let store = super::open_store(settings).await?;
    super::refresh_cache(store.as_ref(), context.wall_clock.as_ref()).await?;
    let request = super::request_for(settings, context);
    let snapshot = pipeline::compute(store.as_ref(), context, &request, 0).await?;
    let text = match args.format {
        ReportFormat::Json => output::prices::render_json(&snapshot.prices)
            .wrap_err("cannot write the prices as JSON")?,
        ReportFormat::Text | ReportFormat::Line | ReportFormat::Pdf | ReportFormat::Html => {
            output::prices::render(&snapshot.prices, super::output_width())
        }
    };
    super::emit_line(text.trim_end())?;
    Ok(ExitCode::SUCCESS)
}
