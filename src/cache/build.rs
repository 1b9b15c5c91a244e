//! The cold build of the rollup cache: the whole source scanned once in
//! chunks of positions (SQLite rowid ranges, PostgreSQL page ranges, MySQL
//! primary-key ranges), two in flight while the one before is written, or
//! where there are no positions in one pass whose answer is written a batch
//! at a time as the source streams it (ClickHouse), all in one transaction
//! (a crash or `q` leaves the previous cache intact), with progress.

use std::sync::atomic::Ordering;
use std::time::Instant;

use futures_util::StreamExt;

use super::cached::CachedStore;
use super::db::CacheDb;
use super::refresh::RefreshError;
use crate::store::sql::Scan;
use crate::store::{BuildProgress, Extent, PositionKind, RollupBatches};

/// SQLite rowids per chunk.
const ROWIDS_PER_CHUNK: i64 = 50_000;
/// PostgreSQL pages per chunk: small enough for a chunk's groups to hash in
/// the processor's cache (about 70,000 rows), large enough to make the round
/// trip negligible.
const PAGES_PER_CHUNK: i64 = 1_024;
/// MySQL primary-key values per chunk: a dense key gives 50,000 rows, whose
/// groups fit MariaDB's in-memory temporary table (a whole table's spill to
/// disk: three times slower), and each statement stays far below the
/// statement time limit.
const KEYS_PER_CHUNK: i64 = 50_000;
/// The most chunks of primary-key values: a sparse key (ids with gaps,
/// snowflake ids) gets wider chunks instead of millions of empty ones.
const MOST_KEY_CHUNKS: i64 = 4_000;
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
                Some(extent) => {
                    let scans = chunks(extent);
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

/// Chunks covering `extent` (rowids, pages or key values), the first one
/// open below and the last one open above.
fn chunks(extent: Extent) -> Vec<Scan> {
    // SQLite sorts each chunk's groups; a chunk whose sort fits in the page
    // cache never spills to a temporary file.
    let span = extent.end.saturating_sub(extent.start).max(0);
    let size = match extent.kind {
        PositionKind::Rowids => ROWIDS_PER_CHUNK,
        PositionKind::Pages => PAGES_PER_CHUNK,
        PositionKind::Keys => KEYS_PER_CHUNK.max(span / MOST_KEY_CHUNKS + 1),
    };
    let count = span / size + i64::from(span % size != 0);
    let bound = |index: i64| extent.start.saturating_add(index.saturating_mul(size));
    (0..count.max(1))
        .map(|index| Scan::Physical {
            start: if index == 0 { i64::MIN } else { bound(index) },
            end: if index + 1 >= count {
                i64::MAX
            } else {
                bound(index + 1)
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bounds(extent: Extent) -> Vec<(i64, i64)> {
        chunks(extent)
            .into_iter()
            .map(|scan| match scan {
                Scan::Physical { start, end } => (start, end),
                other => panic!("not a physical scan: {other:?}"),
            })
            .collect()
    }

    #[test]
    fn chunks_are_contiguous_and_open_at_both_ends() {
        for extent in [
            Extent {
                start: 0,
                end: 0,
                kind: PositionKind::Rowids,
            },
            Extent {
                start: 0,
                end: 120_001,
                kind: PositionKind::Rowids,
            },
            Extent {
                start: 0,
                end: 3_000,
                kind: PositionKind::Pages,
            },
            Extent {
                start: -70_000,
                end: 130_000,
                kind: PositionKind::Keys,
            },
            Extent {
                start: 1,
                end: 10_000_001,
                kind: PositionKind::Keys,
            },
            Extent {
                start: i64::MIN + 5,
                end: i64::MAX - 5,
                kind: PositionKind::Keys,
            },
            Extent {
                start: 10,
                end: 5,
                kind: PositionKind::Keys,
            },
        ] {
            let bounds = bounds(extent);
            assert_eq!(bounds.first().map(|b| b.0), Some(i64::MIN), "{extent:?}");
            assert_eq!(bounds.last().map(|b| b.1), Some(i64::MAX), "{extent:?}");
            for pair in bounds.windows(2) {
                assert_eq!(pair[0].1, pair[1].0, "{extent:?}");
                assert!(pair[0].0 < pair[0].1, "{extent:?}");
            }
        }
    }

    #[test]
    fn key_chunks_hold_fifty_thousand_keys_and_are_at_most_four_thousand() {
        let dense = bounds(Extent {
            start: 1,
            end: 1_000_001,
            kind: PositionKind::Keys,
        });
        assert_eq!(dense.len(), 20);
        assert_eq!(dense[1], (50_001, 100_001));
        let sparse = bounds(Extent {
            start: 0,
            end: 1 << 60,
            kind: PositionKind::Keys,
        });
        assert!(
            sparse.len() <= 4_000 && sparse.len() > 3_000,
            "{}",
            sparse.len()
        );
        let wide = bounds(Extent {
            start: i64::MIN + 5,
            end: i64::MAX - 5,
            kind: PositionKind::Keys,
        });
        assert!(wide.len() <= 4_000 && wide.len() > 1, "{}", wide.len());
    }
}
