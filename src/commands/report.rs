//! `usagetop report`: the dashboard's numbers as text, JSON, one line, a
//! PDF or an HTML page, and `--check-budget` for cron.

use std::process::ExitCode;

use color_eyre::eyre::{Result, WrapErr};

use crate::analytics::compare::Compare;
use crate::cli::{CompareChoice, Paper, ReportArgs, ReportFormat};
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
    let outcome = answer(store.as_ref(), settings, args, context).await;
    super::check_history(store.as_ref(), context.wall_clock.as_ref()).await;
    outcome
}

/// Refreshes the cache, computes and writes the output.
async fn answer(
    store: &dyn crate::store::UsageStore,
    settings: &Settings,
    args: &ReportArgs,
    context: &ReportContext,
) -> Result<ExitCode> {
    super::refresh_cache(store, context.wall_clock.as_ref()).await?;
    if matches!(args.format, ReportFormat::Pdf) && args.output.is_none() && !args.check_budget {
        return Err(color_eyre::eyre::eyre!(
            "a PDF is not printed to the terminal; add --output FILE (e.g. --output usage.pdf)"
        ));
    }
    let compare = compare_of(args.compare, settings.baseline_periods);
    let request = ReportRequest {
        breakdown: args.by.map(|dimension| (dimension, false)),
        compare,
        ..super::request_for(settings, context)
    };
    let mut snapshot = pipeline::compute(store, context, &request, 0).await?;
    if request.range.is_none() {
        snapshot.report.prediction.accuracy = crate::accuracy::measure(
            store,
            &context.calendar,
            &context.prices,
            &request.filter,
            context.clock.now(),
            crate::accuracy::DASHBOARD_MONTHS,
        )
        .await?
        .accuracy();
    }
    if compare != Compare::Previous {
        // Against a year before or a baseline, the breakdown ranks by change.
        if let Some(breakdown) = &mut snapshot.breakdown {
            breakdown.rank_by_change();
        }
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
            // Budgets are lines of text whatever the report's format.
            ReportFormat::Text | ReportFormat::Pdf | ReportFormat::Html => snapshot
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
        ReportFormat::Pdf | ReportFormat::Html => {
            let bytes = printable(
                &snapshot,
                args.format,
                settings,
                &store.describe(),
                args.paper.unwrap_or(settings.paper),
            )?;
            return write_printable(&bytes, args);
        }
    };
    match &args.output {
        Some(path) => {
            crate::files::write_atomic(
                path,
                format!("{}\n", text.trim_end()).as_bytes(),
                args.force,
                false,
            )
            .wrap_err_with(|| format!("cannot write {}", path.display()))?;
            eprintln!("wrote the report to {}", path.display());
        }
        None => super::emit_line(text.trim_end())?,
    }
    Ok(ExitCode::SUCCESS)
}

/// The comparison `--compare` asks for.
#[must_use]
pub fn compare_of(choice: CompareChoice, baseline_periods: u32) -> Compare {
    match choice {
        CompareChoice::Previous => Compare::Previous,
        CompareChoice::Year => Compare::Year,
        CompareChoice::Baseline => Compare::Baseline(baseline_periods),
    }
}

/// The PDF or HTML report of `snapshot`.
///
/// # Errors
/// The PDF cannot be made.
pub fn printable(
    snapshot: &pipeline::Snapshot,
    format: ReportFormat,
    settings: &Settings,
    database: &str,
    paper: Paper,
) -> Result<Vec<u8>> {
    let document = output::document::build(snapshot, settings.view, database);
    Ok(match format {
        ReportFormat::Pdf => output::pdf::render(&document, paper)?,
        _ => output::html::render(&document, paper),
    })
}

fn write_printable(bytes: &[u8], args: &ReportArgs) -> Result<ExitCode> {
    match &args.output {
        Some(path) => {
            crate::files::write_atomic(path, bytes, args.force, false)
                .wrap_err_with(|| format!("cannot write {}", path.display()))?;
            eprintln!("wrote the report to {}", path.display());
        }
        None => super::emit(&String::from_utf8_lossy(bytes))?,
    }
    Ok(ExitCode::SUCCESS)
}
