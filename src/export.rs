//! Export of a view's series: one row per bucket, or per bucket and value of
//! a dimension, with every token kind and the cost. Pure shaping here; the
//! formats live in `output::csv` and `output::json`.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};
use serde::Serialize;

use crate::analytics::trend::{bucket_index, View};
use crate::analytics::{DayModelRow, Report, Totals};
use crate::filter::Dimension;
use crate::period::shift_month;
use crate::pricing::PriceTable;

/// One exported row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportRow {
    /// First local day of the bucket.
    pub start: NaiveDate,
    /// Last local day of the bucket.
    pub end: NaiveDate,
    /// The dimension value, when exporting by a dimension.
    pub key: Option<String>,
    /// Usage and cost.
    pub totals: Totals,
}

/// The last day of the bucket starting at `start`.
fn bucket_end(view: View, start: NaiveDate) -> NaiveDate {
    match view {
        View::Daily => start,
        View::Weekly => start + Days::new(6),
        View::Monthly => shift_month(start, 1) - Days::new(1),
    }
}

/// The series of a view as rows, straight from the report.
#[must_use]
pub fn series_rows(report: &Report, view: View) -> Vec<ExportRow> {
    report
        .series(view)
        .iter()
        .map(|bucket| ExportRow {
            start: bucket.start,
            end: bucket_end(view, bucket.start),
            key: None,
            totals: bucket.totals,
        })
        .collect()
}

/// The series of a view per value of a dimension, from (value, day x model)
/// rows: `starts` are the buckets' first days, and only days from
/// `first_day` to `last_day` count.
#[must_use]
pub fn dimension_rows(
    starts: &[NaiveDate],
    (first_day, last_day): (NaiveDate, NaiveDate),
    view: View,
    rows: &[(String, DayModelRow)],
    prices: &PriceTable,
) -> Vec<ExportRow> {
    let mut sums: BTreeMap<(usize, &str), Totals> = BTreeMap::new();
    for (key, row) in rows.iter().filter(|(_, row)| row.day >= first_day) {
        if let Some(index) = bucket_index(starts, last_day, row.day) {
            let totals = Totals::of_model(
                row.usage,
                &row.model,
                row.stored_cost,
                row.estimated,
                prices,
            );
            sums.entry((index, key.as_str())).or_default().add(&totals);
        }
    }
    sums.into_iter()
        .map(|((index, key), totals)| ExportRow {
            start: starts[index],
            end: bucket_end(view, starts[index]),
            key: Some(key.to_owned()),
            totals,
        })
        .collect()
}

/// The column title of a dimension's values.
#[must_use]
pub fn key_title(dimension: Option<Dimension>) -> Option<&'static str> {
    dimension.map(Dimension::name)
}

/// Writes the series of `view` as CSV into `folder`, under a new file name
/// (`usagetop-daily-20261128-143000.csv`, never replacing a file). Returns
/// the path and the number of rows.
///
/// # Errors
/// The folder cannot be written.
pub fn write_view_csv(
    report: &Report,
    view: View,
    folder: &std::path::Path,
) -> std::io::Result<(std::path::PathBuf, usize)> {
    use std::io::Write as _;
    let rows = series_rows(report, view);
    let text = crate::output::csv::render(&rows, None);
    let tz: chrono_tz::Tz = report.timezone.parse().unwrap_or(chrono_tz::Tz::UTC);
    let stamp = report
        .generated_at
        .with_timezone(&tz)
        .format("%Y%m%d-%H%M%S");
    let base = format!("usagetop-{}-{stamp}", view.title().to_lowercase());
    for attempt in 0..100 {
        let name = if attempt == 0 {
            format!("{base}.csv")
        } else {
            format!("{base}-{attempt}.csv")
        };
        let path = folder.join(name);
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut file) => {
                file.write_all(text.as_bytes())?;
                let shown = std::fs::canonicalize(&path).unwrap_or(path);
                return Ok((shown, rows.len()));
            }
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(error) => return Err(error),
        }
    }
    Err(std::io::Error::other(format!(
        "too many exports named {base} in {}",
        folder.display()
    )))
}

/// Writes the report of `snapshot` as `usagetop-report-<stamp>.pdf` and
/// `.html` in `folder` (the dashboard's `E`), atomically and never over an
/// existing file. Returns both paths.
///
/// # Errors
/// The PDF cannot be made, or the folder cannot be written.
pub fn write_report_files(
    snapshot: &crate::pipeline::Snapshot,
    view: View,
    folder: &std::path::Path,
    database: &str,
    paper: crate::output::document::Paper,
) -> std::io::Result<(std::path::PathBuf, std::path::PathBuf)> {
    let document = crate::output::document::build(snapshot, view, database);
    let pdf = crate::output::pdf::render(&document, paper).map_err(std::io::Error::other)?;
    let html = crate::output::html::render(&document, paper);
    let tz: chrono_tz::Tz = snapshot.timezone.parse().unwrap_or(chrono_tz::Tz::UTC);
    let stamp = snapshot
        .generated_at
        .with_timezone(&tz)
        .format("%Y%m%d-%H%M%S");
    for attempt in 0..100 {
        let base = if attempt == 0 {
            format!("usagetop-report-{stamp}")
        } else {
            format!("usagetop-report-{stamp}-{attempt}")
        };
        let (pdf_path, html_path) = (
            folder.join(format!("{base}.pdf")),
            folder.join(format!("{base}.html")),
        );
        if std::fs::symlink_metadata(&pdf_path).is_ok()
            || std::fs::symlink_metadata(&html_path).is_ok()
        {
            continue;
        }
        crate::files::write_atomic(&pdf_path, &pdf, false, false)?;
        crate::files::write_atomic(&html_path, &html, false, false)?;
        let shown = |path: std::path::PathBuf| std::fs::canonicalize(&path).unwrap_or(path);
        return Ok((shown(pdf_path), shown(html_path)));
    }
    Err(std::io::Error::other(
        "too many report files of the same second in that folder",
    ))
}
