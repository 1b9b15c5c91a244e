//! CSV output (RFC 4180): a header, comma separators, CRLF line ends, fields
//! quoted when they hold a comma, quote or line break; ISO dates; decimal
//! costs, unrounded. Also the dashboard's `e`: a view written to a new file.

use std::fmt::Write as _;

use crate::analytics::trend::View;
use crate::analytics::Report;
use crate::export::ExportRow;

/// One field, quoted when needed.
#[must_use]
pub fn field(text: &str) -> String {
    if text.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// Rows as CSV; `key_title` names the dimension column when there is one.
#[must_use]
pub fn render(rows: &[ExportRow], key_title: Option<&str>) -> String {
    let mut out = String::from("start,end");
    if let Some(title) = key_title {
        out.push(',');
        out.push_str(&field(title));
    }
    out.push_str(",requests,input_tokens,output_tokens,cache_read_tokens,cache_write_tokens,cache_write_1h_tokens,total_tokens,cost,estimated_cost\r\n");
    for row in rows {
        let usage = &row.totals.usage;
        let _ = write!(
            out,
            "{},{}",
            row.start.format("%Y-%m-%d"),
            row.end.format("%Y-%m-%d")
        );
        if key_title.is_some() {
            out.push(',');
            out.push_str(&field(row.key.as_deref().unwrap_or("")));
        }
        let _ = write!(
            out,
            ",{},{},{},{},{},{},{},{},{}\r\n",
            usage.requests,
            usage.input_tokens,
            usage.output_tokens,
            usage.cache_read_tokens,
            usage.cache_write_tokens,
            usage.cache_write_1h_tokens,
            usage.total_tokens(),
            row.totals.cost.normalize(),
            row.totals.estimated_cost.normalize()
        );
    }
    out
}

/// The local time of a report, for file names: `20261128-143000`.
fn stamp(report: &Report) -> String {
    let tz: chrono_tz::Tz = report.timezone.parse().unwrap_or(chrono_tz::Tz::UTC);
    report
        .generated_at
        .with_timezone(&tz)
        .format("%Y%m%d-%H%M%S")
        .to_string()
}

/// Writes `text` into `folder` under a new name `{base}.csv` (or
/// `{base}-N.csv`), never replacing a file; returns the path.
fn write_new(
    folder: &std::path::Path,
    base: &str,
    text: &str,
) -> std::io::Result<std::path::PathBuf> {
    let mut paths = crate::files::write_new(folder, base, &[("csv", text.as_bytes())])?;
    paths
        .pop()
        .ok_or_else(|| std::io::Error::other("no file was written"))
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
    let rows = crate::export::series_rows(report, view);
    let base = format!("usagetop-{}-{}", view.title().to_lowercase(), stamp(report));
    Ok((write_new(folder, &base, &render(&rows, None))?, rows.len()))
}

/// The breakdown table as shown (its rows in the panel's order) as CSV: one
/// row per value with every token kind, the cost and the previous span's cost.
#[must_use]
pub fn render_breakdown(
    dimension: crate::filter::Dimension,
    (start, end): (chrono::NaiveDate, chrono::NaiveDate),
    rows: &[&crate::analytics::breakdown::BreakdownRow],
) -> String {
    let mut out = format!(
        "start,end,{},requests,input_tokens,output_tokens,cache_read_tokens,cache_write_tokens,cache_write_1h_tokens,total_tokens,cost,estimated_cost,previous_cost\r\n",
        field(dimension.name())
    );
    for row in rows {
        let usage = &row.totals.usage;
        let _ = write!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{},{},{}\r\n",
            start.format("%Y-%m-%d"),
            end.format("%Y-%m-%d"),
            field(&row.key),
            usage.requests,
            usage.input_tokens,
            usage.output_tokens,
            usage.cache_read_tokens,
            usage.cache_write_tokens,
            usage.cache_write_1h_tokens,
            usage.total_tokens(),
            row.totals.cost.normalize(),
            row.totals.estimated_cost.normalize(),
            row.previous.cost.normalize()
        );
    }
    out
}

/// Writes the breakdown table on screen (today, this week or this month of
/// `view`, in the order shown) as CSV into `folder`, under a new file name
/// (`usagetop-by-model-monthly-20261128-143000.csv`).
///
/// # Errors
/// The folder cannot be written.
pub fn write_breakdown_csv(
    report: &Report,
    dimension: crate::filter::Dimension,
    view: View,
    rows: &[&crate::analytics::breakdown::BreakdownRow],
    folder: &std::path::Path,
) -> std::io::Result<(std::path::PathBuf, usize)> {
    let summary = match view {
        View::Daily => &report.summary.today,
        View::Weekly => &report.summary.this_week,
        View::Monthly => &report.summary.this_month,
    };
    let end = report.summary.today.start.unwrap_or_default();
    let start = summary.start.unwrap_or(end);
    let text = render_breakdown(dimension, (start, end), rows);
    let base = format!(
        "usagetop-by-{}-{}-{}",
        dimension.name(),
        view.title().to_lowercase(),
        stamp(report)
    );
    Ok((write_new(folder, &base, &text)?, rows.len()))
}

/// The hours of a day as CSV: one row per hour (its start, RFC 3339 in the
/// report's zone) with every token kind and the cost.
#[must_use]
pub fn render_hours(report: &Report, hourly: &crate::analytics::hourly::Hourly) -> String {
    let tz: chrono_tz::Tz = report.timezone.parse().unwrap_or(chrono_tz::Tz::UTC);
    let mut out = String::from("hour,requests,input_tokens,output_tokens,cache_read_tokens,cache_write_tokens,cache_write_1h_tokens,total_tokens,cost,estimated_cost\r\n");
    for hour in &hourly.hours {
        let usage = &hour.totals.usage;
        let _ = write!(
            out,
            "{},{},{},{},{},{},{},{},{},{}\r\n",
            hour.start.with_timezone(&tz).to_rfc3339(),
            usage.requests,
            usage.input_tokens,
            usage.output_tokens,
            usage.cache_read_tokens,
            usage.cache_write_tokens,
            usage.cache_write_1h_tokens,
            usage.total_tokens(),
            hour.totals.cost.normalize(),
            hour.totals.estimated_cost.normalize()
        );
    }
    out
}

/// Writes the hours of the day shown as CSV into `folder`, under a new file
/// name (`usagetop-hours-20261128-20261128-143000.csv`).
///
/// # Errors
/// The folder cannot be written.
pub fn write_hours_csv(
    report: &Report,
    hourly: &crate::analytics::hourly::Hourly,
    folder: &std::path::Path,
) -> std::io::Result<(std::path::PathBuf, usize)> {
    let base = format!(
        "usagetop-hours-{}-{}",
        hourly.day.format("%Y%m%d"),
        stamp(report)
    );
    let text = render_hours(report, hourly);
    Ok((write_new(folder, &base, &text)?, hourly.hours.len()))
}
