//! `usagetop report`: the dashboard's numbers as text, JSON or one line,
//! and `--check-budget` for cron.

use std::process::ExitCode;

use color_eyre::eyre::{Result, WrapErr};

use crate::cli::{ReportArgs, ReportFormat};
use crate::config::Settings;
use crate::output;
use crate::pipeline::{self, ReportContext, ReportRequest};

/// Prints the report the arguments ask for.
///
/// # Errors
/// The store cannot be read, or the output cannot be written.
pub async fn run(
    settings: &Settings,
    args: &ReportArgs,
    context: &ReportContext,
) -> Result<ExitCode> {
    let store = super::open_store(settings).await?;
    super::refresh_cache(store.as_ref(), context.wall_clock.as_ref()).await?;
    let request = ReportRequest {
        breakdown: args.by.map(|dimension| (dimension, false)),
        ..super::request_for(settings, context)
    };
    let mut snapshot = pipeline::compute(store.as_ref(), context, &request, 0).await?;
    if request.range.is_none() {
        snapshot.report.prediction.accuracy = crate::accuracy::measure(
            store.as_ref(),
            &context.calendar,
            &context.prices,
            &request.filter,
            context.clock.now(),
            crate::accuracy::DASHBOARD_MONTHS,
        )
        .await?
        .accuracy();
    }
    if args.check_budget {
        if snapshot.budgets.is_empty() {
            // A cron job with a wrong config path must not pass silently.
            return Err(color_eyre::eyre::eyre!(
                "--check-budget found no budget to check: the config file{} sets no [budget]; \
                 add one (see README, Budgets) or give the right --config",
                settings.config_file.as_ref().map_or_else(
                    || " (none was read)".to_owned(),
                    |path| format!(" {}", path.display())
                )
            ));
        }
        let text = match args.format {
            ReportFormat::Json => output::budget::render_json(&snapshot.budgets)
                .wrap_err("cannot write the budgets as JSON")?,
            ReportFormat::Line => output::budget::brief(&snapshot.budgets).unwrap_or_default(),
            ReportFormat::Text => snapshot
                .budgets
                .iter()
                .map(output::budget::line)
                .collect::<Vec<_>>()
                .join("\n"),
        };
        super::emit_line(text.trim_end())?;
        return Ok(ExitCode::from(output::budget::exit_status(
            &snapshot.budgets,
        )));
    }
    let text = match args.format {
        ReportFormat::Json => {
            output::json::render(&snapshot).wrap_err("cannot write the JSON report")?
        }
        ReportFormat::Line => output::line::render(&snapshot),
        ReportFormat::Text => output::text::render(
            &snapshot,
            settings.view,
            &store.describe(),
            super::output_width(),
        ),
    };
    super::emit_line(text.trim_end())?;
    Ok(ExitCode::SUCCESS)
}
