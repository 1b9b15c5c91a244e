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
    out.push_str(",requests,input_tokens,output_tokens,cache_read_tokens,cache_write_tokens,total_tokens,cost,estimated_cost\r\n");
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
            ",{},{},{},{},{},{},{},{}\r\n",
            usage.requests,
            usage.input_tokens,
            usage.output_tokens,
            usage.cache_read_tokens,
            usage.cache_write_tokens,
            usage.total_tokens(),
            row.totals.cost.normalize(),
            row.totals.estimated_cost.normalize()
        );
    }
    out
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
    let rows = crate::export::series_rows(report, view);
    let text = render(&rows, None);
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
