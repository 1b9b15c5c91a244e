//! The dashboard's `E`: the report of a snapshot as a PDF and an HTML page
//! written side by side into a folder under one new name
//! (`usagetop-report-20261128-143000.pdf` and `.html`), never over a file.
//! The document is `output::document`'s, the drawing `pdf`'s and `html`'s,
//! the writing `files`'.

use std::path::{Path, PathBuf};

use crate::analytics::trend::View;
use crate::output::document::Paper;
use crate::pipeline::Snapshot;

/// Writes the report of `snapshot` as `usagetop-report-<stamp>.pdf` and
/// `.html` in `folder`, atomically and never over an existing file.
/// Returns both paths.
///
/// # Errors
/// The PDF cannot be made, or the folder cannot be written.
pub fn write_report_files(
    snapshot: &Snapshot,
    view: View,
    folder: &Path,
    database: &str,
    paper: Paper,
) -> std::io::Result<(PathBuf, PathBuf)> {
    let document = super::document::build(snapshot, view, database);
    let pdf = super::pdf::render(&document, paper).map_err(std::io::Error::other)?;
    let html = super::html::render(&document, paper);
    let tz: chrono_tz::Tz = snapshot.timezone.parse().unwrap_or(chrono_tz::Tz::UTC);
    let stamp = snapshot
        .generated_at
        .with_timezone(&tz)
        .format("%Y%m%d-%H%M%S");
    let mut paths = crate::files::write_new(
        folder,
        &format!("usagetop-report-{stamp}"),
        &[("pdf", &pdf), ("html", &html)],
    )?
    .into_iter();
    match (paths.next(), paths.next()) {
        (Some(pdf), Some(html)) => Ok((pdf, html)),
        _ => Err(std::io::Error::other("the report files were not written")),
    }
}
