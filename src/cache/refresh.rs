//! Keeping the rollup cache equal to its source after the cold build: each
//! refresh re-reads the rows from the watermark less the late-arrival window
//! and replaces those slots, and re-checks history before it, so that rows
//! updated, deleted or added long after their time are followed too:
//!
//! - usagetop's own database keeps its rollup by triggers on every insert,
//!   update and delete: all of history is compared with it on every refresh
//!   (a few thousand rows, cheap);
//! - PostgreSQL counts the rows updated and deleted in each table: when the
//!   counts move, all of history is compared at the next refresh;
//! - every other source is compared a slice at a time, oldest-checked
//!   first (about [`SLICE_ROWS`] rows of history after each refresh, once
//!   its report is out: [`CachedStore::check_slice`]), so every cached day
//!   is checked again within a bound that README states; `--verify`
//!   compares all of it before a report.
//!
//! A comparison reads usage per (UTC day, model) from the source and from
//! the cache; the days that differ are rolled up again from the source.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;

use super::cached::{slot_floor, CachedStore};
use super::db::{CacheDb, CacheError, Writer};
use crate::period::SECONDS_PER_DAY;
use crate::store::rows::{DayRow, Measures};
use crate::store::sql::Scan;
use crate::store::{SecondsRange, StoreError, LATEST_SECONDS};

/// Rows of history compared with the source after a refresh, at least.
pub const SLICE_ROWS: i64 = 100_000;

/// Why a refresh could not bring the cache up to date: the source could
/// not be read (an error for the report), or the cache could not be
/// written (the cache is turned off; the source answers).
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    /// The source failed.
    #[error(transparent)]
    Source(#[from] StoreError),
    /// The cache file failed.
    #[error(transparent)]
    Cache(#[from] CacheError),
}

/// What an incremental refresh found.
pub(super) enum Update {
    /// The slots after the watermark were replaced and history checked.
    Done,
    /// The source changed under the cache: rebuild.
    Rebuild(&'static str),
}

/// Usage per (UTC day, model, estimated).
type Fingerprints = BTreeMap<i64, BTreeMap<(String, bool), Measures>>;

fn fingerprints(rows: Vec<DayRow>) -> Fingerprints {
    let mut out: Fingerprints = BTreeMap::new();
    for row in rows {
        out.entry(row.day)
            .or_default()
            .insert((row.model, row.estimated), row.measures);
    }
    out
}

/// The start of the UTC day holding `seconds`.
fn day_floor(seconds: i64) -> i64 {
    seconds.div_euclid(SECONDS_PER_DAY) * SECONDS_PER_DAY
}

impl CachedStore {
    /// Re-reads the rows after the watermark less the late window, checks
    /// history, or says the source changed so that the cache must be rebuilt.
    pub(super) async fn update(&self, db: &CacheDb, now: i64) -> Result<Update, RefreshError> {
        let mut writer = db.writer().await?;
        let watermark = writer.meta_i64("watermark").await?.unwrap_or(now);
        let last_seen = writer.meta_i64("last_seen").await?;
        let from = slot_floor(watermark.saturating_sub(self.late_seconds));
        // Every refresh: the first row (one index step where the timestamp
        // is indexed), so that rows deleted at the start (retention) or
        // added before it are noticed at once.
        let (first, _) = self.source.bounds().await?;
        if first.map(slot_floor) != writer.first_slot().await? {
            return Ok(Update::Rebuild(
                "rows were added or deleted before the first row cached",
            ));
        }
        let rows = self.source.rollup(Scan::Since(from)).await?;
        let newest = rows.iter().filter_map(|row| row.last).max();
        if let Some(seen) = last_seen {
            // The newest row cached lies in the window just re-read.
            if newest.is_none_or(|newest| newest < seen) {
                return Ok(Update::Rebuild(
                    "the newest rows cached are gone from the source (watermark ahead of the data)",
                ));
            }
        }
        let last_seen = last_seen.max(newest);
        writer.delete_slots(from, LATEST_SECONDS).await?;
        writer.merge(&rows).await?;
        let mut changed_from = from;
        if let Some(range) = self.history_to_check(&mut writer, from).await? {
            if let Some(day) = self.compare(&mut writer, range, now).await? {
                changed_from = changed_from.min(day);
            }
        }
        writer.refresh_zones(Some(changed_from)).await?;
        let mut facts = vec![
            (
                "watermark",
                last_seen.map_or(now, |seen| seen.min(now)).to_string(),
            ),
            ("updated_at", now.to_string()),
        ];
        if let Some(seen) = last_seen {
            facts.push(("last_seen", seen.to_string()));
        }
        writer.set_meta(&facts).await?;
        writer.commit().await?;
        Ok(Update::Done)
    }

    /// All of history (before `from`), when it must be compared with the
    /// source at this refresh: `--verify` asked for it, the source keeps
    /// its own rollup (a cheap comparison), or the source's counters of
    /// updated and deleted rows moved since the last refresh.
    async fn history_to_check(
        &self,
        writer: &mut Writer,
        from: i64,
    ) -> Result<Option<SecondsRange>, RefreshError> {
        let Some(first) = writer.first_slot().await? else {
            return Ok(None);
        };
        let start = day_floor(first);
        if start >= from {
            return Ok(None);
        }
        let everything = SecondsRange { start, end: from };
        let asked = self.verify_all.swap(false, Ordering::SeqCst);
        if asked || self.source.history_is_cheap() {
            return Ok(Some(everything));
        }
        if let Some((updated, deleted)) = self.source.history_marker().await {
            let marker = format!("{updated}:{deleted}");
            let known = writer.meta("history_marker").await?;
            writer
                .set_meta(&[("history_marker", marker.clone())])
                .await?;
            if known.is_some_and(|known| known != marker) {
                return Ok(Some(everything));
            }
        }
        Ok(None)
    }

    /// The next slice of history to compare, oldest-compared first: from
    /// the cursor on, whole UTC days until about [`SLICE_ROWS`] rows,
    /// wrapping at the end of what lies before the re-read window.
    async fn next_slice(&self, writer: &mut Writer) -> Result<Option<SecondsRange>, RefreshError> {
        let (Some(first), Some(watermark)) = (
            writer.first_slot().await?,
            writer.meta_i64("watermark").await?,
        ) else {
            return Ok(None);
        };
        let start = day_floor(first);
        let from = slot_floor(watermark.saturating_sub(self.late_seconds));
        if start >= from {
            return Ok(None);
        }
        let cursor = writer
            .meta_i64("check_cursor")
            .await?
            .filter(|cursor| *cursor >= start && *cursor < from)
            .unwrap_or(start);
        let mut rows = 0;
        let mut end = from;
        for (day, count) in writer.rows_per_day(cursor, from).await? {
            rows += count;
            if rows >= SLICE_ROWS {
                end = (day + SECONDS_PER_DAY).min(from);
                break;
            }
        }
        let next = if end >= from { start } else { end };
        writer
            .set_meta(&[("check_cursor", next.to_string())])
            .await?;
        Ok(Some(SecondsRange { start: cursor, end }))
    }

    /// Compares the next slice of history with the source and rolls the
    /// days that differ up again, in a transaction of its own. Returns
    /// whether any day changed.
    pub(super) async fn check_slice(&self, db: &CacheDb, now: i64) -> Result<bool, RefreshError> {
        let mut writer = db.writer().await?;
        let Some(range) = self.next_slice(&mut writer).await? else {
            return Ok(false);
        };
        let changed = self.compare(&mut writer, range, now).await?;
        if let Some(day) = changed {
            writer.refresh_zones(Some(day)).await?;
        }
        writer.commit().await?;
        Ok(changed.is_some())
    }

    /// Compares `range` of history with the source, rolls the days that
    /// differ up again, and records the check. Returns the first slot that
    /// changed, if any.
    async fn compare(
        &self,
        writer: &mut Writer,
        range: SecondsRange,
        now: i64,
    ) -> Result<Option<i64>, RefreshError> {
        let source = fingerprints(self.source.fingerprints(range).await?);
        let cached = fingerprints(writer.fingerprints(range).await?);
        let empty = BTreeMap::new();
        let mut changed: Vec<i64> = source
            .keys()
            .chain(cached.keys())
            .copied()
            .filter(|day| source.get(day).unwrap_or(&empty) != cached.get(day).unwrap_or(&empty))
            .collect();
        changed.sort_unstable();
        changed.dedup();
        for day in &changed {
            let start = day * SECONDS_PER_DAY;
            let end = start + SECONDS_PER_DAY;
            let rows = self.source.rollup(Scan::Between(start, end)).await?;
            writer.delete_slots(start, end).await?;
            writer.merge(&rows).await?;
        }
        writer.mark_checked(range, now).await?;
        if !changed.is_empty() {
            writer
                .set_meta(&[
                    ("history_changed_at", now.to_string()),
                    ("history_changed_days", changed.len().to_string()),
                ])
                .await?;
        }
        Ok(changed.first().map(|day| day * SECONDS_PER_DAY))
    }
}
