//! The cold build of the rollup cache: the whole source scanned once in
//! physical chunks (SQLite rowid ranges, PostgreSQL page ranges), two in
//! flight while the one before is written, or where there are no physical
//! positions in one pass whose answer is written a batch at a time as the
//! source streams it (ClickHouse), all in one transaction (a crash
//! or `q` leaves the previous cache intact), with progress.

use std::sync::atomic::Ordering;
use std::time::Instant;

use futures_util::StreamExt;

use super::cached::CachedStore;
use super::db::CacheDb;
use super::refresh::RefreshError;
use crate::store::sql::Scan;
use crate::store::{BuildProgress, RollupBatches};

/// SQLite rowids per chunk.
const ROWIDS_PER_CHUNK: i64 = 50_000;
/// PostgreSQL pages per chunk: small enough for a chunk's groups to hash in
/// the processor's cache (about 70,000 rows), large enough to make the round
/// trip negligible.
const PAGES_PER_CHUNK: i64 = 1_024;
/// Chunk queries in flight at once (the source pools hold two connections).
const CONCURRENT_CHUNKS: usize = 2;

impl CachedStore {
    /// Scans the whole source in chunks into a fresh cache, in one transaction.
    pub(super) async fn build(
        &self,
        db: &CacheDb,
        now: i64,
        progress: &(dyn Fn(BuildProgress) + Send + Sync),
        reason: &str,
    ) -> Result<(), RefreshError> {
        let started = Instant::now();
        let (mut results, total): (RollupBatches<'_>, Option<usize>) =
            match self.source.extent().await {
                Some(positions) => {
                    let scans = chunks(positions, self.source.is_server());
                    let total = scans.len();
                    let batches = futures_util::stream::iter(scans)
                        .map(|scan| self.source.rollup(scan))
                        .buffered(CONCURRENT_CHUNKS);
                    (Box::pin(batches), Some(total))
                }
                // One pass, in the batches the source answers (ClickHouse
                // streams them: a batch at a time in memory).
                None => (self.source.rollup_batches(Scan::All), None),
            };
        let mut writer = db.writer().await?;
        writer.clear().await?;
        let (mut rows_read, mut unreadable, mut rejected, mut latest, mut done) =
            (0_i64, 0_i64, 0_i64, None, 0_usize);
        let mut next = results.next().await;
        while let Some(rows) = next {
            let rows = rows?;
            for row in &rows {
                rows_read += row.kept + row.rejected;
                if row.slot.is_none() {
                    unreadable += row.kept + row.rejected;
                } else {
                    rejected += row.rejected;
                }
                latest = latest.max(row.last);
            }
            // The next chunks are read while this one is written.
            let (merged, following) = tokio::join!(writer.merge(&rows), results.next());
            merged?;
            next = following;
            done += 1;
            // A single pass streamed has no known end before its last batch.
            let fraction = total.map_or(0.0, |total| done as f64 / total as f64);
            let elapsed = started.elapsed();
            progress(BuildProgress {
                rows: rows_read,
                fraction,
                remaining: (fraction > 0.0 && fraction < 1.0)
                    .then(|| elapsed.mul_f64((1.0 - fraction) / fraction)),
            });
        }
        drop(results);
        let watermark = latest.map_or(now, |latest| latest.min(now));
        let mut facts = vec![
            ("source", self.source.identity()),
            ("built_at", now.to_string()),
            ("build_reason", reason.to_owned()),
            ("verified_at", now.to_string()),
            ("watermark", watermark.to_string()),
            ("rows_at_build", rows_read.to_string()),
            ("unreadable_rows", unreadable.to_string()),
            ("rejected_rows", rejected.to_string()),
            (
                "build_milliseconds",
                started.elapsed().as_millis().to_string(),
            ),
        ];
        if let Some(latest) = latest {
            facts.push(("last_seen", latest.to_string()));
        }
        writer.set_meta(&facts).await?;
        writer.refresh_zones(None).await?;
        writer.commit().await?;
        self.ready.store(true, Ordering::SeqCst);
        if let Ok(mut quality) = self.quality.lock() {
            *quality = None;
        }
        Ok(())
    }
}

/// Physical chunks covering `positions` (rowids or pages), the last one open-ended.
fn chunks(positions: i64, pages: bool) -> Vec<Scan> {
    // SQLite sorts each chunk's groups; a chunk whose sort fits in the page
    // cache never spills to a temporary file.
    let size = if pages {
        PAGES_PER_CHUNK
    } else {
        ROWIDS_PER_CHUNK
    };
    let count = (positions + size - 1) / size;
    (0..count.max(1))
        .map(|index| Scan::Physical {
            start: if index == 0 { i64::MIN } else { index * size },
            end: if index + 1 >= count {
                i64::MAX
            } else {
                (index + 1) * size
            },
        })
        .collect()
}
