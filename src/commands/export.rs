//! `usagetop export`: the series of a view, per bucket (and per value of a
//! dimension), as CSV or JSON, to standard output or a file.

use std::process::ExitCode;

use chrono::Duration;
use color_eyre::eyre::{Result, WrapErr};

use crate::cli::{ExportArgs, ExportFormat};
use crate::config::Settings;
use crate::pipeline::{self, ReportContext};
use crate::store::SecondsRange;
use crate::{export, output};

/// Writes the export the arguments ask for.
///
/// # Errors
/// The store cannot be read, or the output cannot be written.
pub async fn run(
    settings: &Settings,
    args: &ExportArgs,
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
    args: &ExportArgs,
    context: &ReportContext,
) -> Result<ExitCode> {
    let view = settings.view;
    super::refresh_cache(store, context.wall_clock.as_ref()).await?;
    let request = super::request_for(settings, context);
    let report = pipeline::compute(store, context, &request, 0).await?;
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
            // The report's own end: the end of the second of its instant,
            // never past that day (see `QueryPlan`).
            let end = (report.generated_at + Duration::seconds(1))
                .min(context.calendar.start_of_day(today + chrono::Days::new(1)));
            let range = SecondsRange {
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
            super::emit(&crate::text::inert(&text))?;
        }
        None => super::emit(&text)?,
        Some(path) => {
            crate::files::write_atomic(path, text.as_bytes(), args.force, false)
                .wrap_err_with(|| format!("cannot write {}", path.display()))?;
            eprintln!("wrote {} rows to {}", rows.len(), path.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}
