//! The rollup cache for people: what `usagetop cache status` prints (the
//! progress line of a cold build is `format::progress_line`).

use std::fmt::Write as _;
use std::path::Path;

use chrono::DateTime;

use crate::cache::CacheSummary;
use crate::format::grouped;

fn instant(seconds: Option<i64>) -> String {
    seconds
        .and_then(|seconds| DateTime::from_timestamp(seconds, 0))
        .map_or_else(
            || "-".to_owned(),
            |at| at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        )
}

/// What `usagetop cache status` prints.
#[must_use]
pub fn status(source: &str, file: &Path, summary: &CacheSummary) -> String {
    let meta = |key: &str| {
        summary
            .meta
            .get(key)
            .and_then(|value| value.parse::<i64>().ok())
    };
    let mut text = String::new();
    let _ = writeln!(text, "source        {}", crate::text::clean(source));
    let _ = writeln!(
        text,
        "cache file    {}",
        crate::text::clean(&file.display().to_string())
    );
    // The file and its write-ahead log.
    let size: u64 = ["", "-wal"]
        .iter()
        .map(|suffix| {
            let mut name = file.as_os_str().to_owned();
            name.push(suffix);
            std::fs::metadata(std::path::PathBuf::from(name)).map_or(0, |m| m.len())
        })
        .sum();
    let _ = writeln!(
        text,
        "size          {} kB",
        grouped(i64::try_from(size / 1024).unwrap_or(0))
    );
    if meta("built_at").is_none() {
        let _ = writeln!(
            text,
            "state         empty: the next dashboard or report run builds it (or run usagetop cache rebuild)"
        );
        return text;
    }
    let _ = writeln!(text, "state         ready");
    let _ = writeln!(text, "rows          {}", grouped(summary.rows));
    let _ = writeln!(
        text,
        "slot rows     {} (quarter hour x model)",
        grouped(summary.slot_rows)
    );
    let _ = writeln!(
        text,
        "slots         {} to {}",
        instant(summary.slots.0),
        instant(summary.slots.1)
    );
    let zones = if summary.zones.is_empty() {
        "none yet".to_owned()
    } else {
        summary.zones.join(", ")
    };
    let _ = writeln!(text, "local days    {zones}");
    let _ = writeln!(text, "watermark     {}", instant(meta("watermark")));
    let _ = writeln!(
        text,
        "built         {} ({}, {} ms)",
        instant(meta("built_at")),
        summary.meta.get("build_reason").map_or("-", String::as_str),
        meta("build_milliseconds").unwrap_or(0)
    );
    let _ = writeln!(
        text,
        "updated       {}",
        instant(meta("updated_at").or(meta("built_at")))
    );
    let (days, oldest, newest) = summary.checked;
    if days == 0 {
        let _ = writeln!(
            text,
            "history       exact as built; compared again with the source from the next refresh on"
        );
    } else {
        let _ = writeln!(
            text,
            "history       {} UTC days compared with the source, the oldest check {}, the newest {}",
            grouped(days),
            instant(oldest),
            instant(newest)
        );
    }
    if let Some(changed) = meta("history_changed_at") {
        let _ = writeln!(
            text,
            "changes       last found {} ({} days rolled up again)",
            instant(Some(changed)),
            meta("history_changed_days").unwrap_or(0)
        );
    }
    if let Some(unreadable) = meta("unreadable_rows").filter(|count| *count > 0) {
        let _ = writeln!(
            text,
            "unreadable    {} rows with timestamps that cannot be read",
            grouped(unreadable)
        );
    }
    text
}
