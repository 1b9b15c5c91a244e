//! `CachedStore`: a `UsageStore` that answers from the rollup cache and
//! keeps it up to date from its source. A cold build scans the source once
//! in chunks (with progress); later refreshes re-read only the rows after
//! the watermark minus the late-arrival window and replace those slots. A
//! source that shrank or changed is rebuilt. Anything the cache cannot
//! answer exactly (dimension filters, zones off the quarter hour, ranges off
//! a slot boundary, daily sources) is passed to the source, and a cache
//! that cannot be used never fails the dashboard: the source answers.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use super::db::{CacheDb, CacheError, ModelGlobs};
use super::refresh::{RefreshError, Update};
use super::CacheOptions;
use crate::analytics::{DayModelRow, ModelRow};
use crate::filter::{Dimension, Filter};
use crate::period::{day_number, Calendar, SLOT_SECONDS};
use crate::store::rows::{DayRow, ModelSum};
use crate::store::{
    BuildProgress, Quality, RollupSource, SecondsRange, SourceInfo, StoreError, UsageStore,
    EARLIEST_SECONDS,
};

/// The start of the slot holding `seconds`.
#[must_use]
pub fn slot_floor(seconds: i64) -> i64 {
    seconds.div_euclid(SLOT_SECONDS) * SLOT_SECONDS
}

/// A store answering from the rollup cache of `source`.
pub struct CachedStore {
    pub(super) source: Box<dyn RollupSource>,
    pub(super) db: Option<CacheDb>,
    pub(super) late_seconds: i64,
    /// Why the cache is not used this session, if it is not.
    pub(super) off: Mutex<Option<String>>,
    /// The cache holds a finished build of this source.
    pub(super) ready: AtomicBool,
    /// The source is daily: the cache has nothing to add.
    pub(super) passthrough: AtomicBool,
    pub(super) quality: Mutex<Option<Quality>>,
    /// The rows left out (in slots, and unreadable) when the source last
    /// counted them: when the cache's counts change, it counts again.
    pub(super) source_counted: Mutex<Option<(i64, i64)>>,
    /// Compare all of history with the source at the next refresh (`--verify`).
    pub(super) verify_all: AtomicBool,
}

/// What to try when the disk or the folder refused a write of the cache.
fn storage_hint(error: &CacheError) -> &'static str {
    if error.storage {
        " (is the disk full or the folder read-only? set cache_dir to another folder, or use --no-cache)"
    } else {
        ""
    }
}

fn cache_off(error: &CacheError) -> String {
    format!(
        "the cache is not used ({error}){}; numbers come straight from the source, which is slower",
        storage_hint(error)
    )
}

impl CachedStore {
    /// Wraps `source`, opening (or creating) its cache file. A cache that
    /// cannot be opened leaves the store reading the source directly, with a note.
    pub async fn open(source: Box<dyn RollupSource>, options: &CacheOptions) -> Self {
        let path = super::file_for(&options.dir, &source.identity());
        let (db, off) = match CacheDb::open(&path).await {
            Ok(db) => (Some(db), None),
            Err(error) => (None, Some(cache_off(&error))),
        };
        let store = Self {
            source,
            db,
            late_seconds: options.late_seconds.max(0),
            off: Mutex::new(off),
            ready: AtomicBool::new(false),
            passthrough: AtomicBool::new(false),
            quality: Mutex::new(None),
            source_counted: Mutex::new(None),
            verify_all: AtomicBool::new(options.verify),
        };
        if let Some(db) = &store.db {
            let built = db.meta("built_at").await.ok().flatten().is_some()
                && db.meta("source").await.ok().flatten().as_deref()
                    == Some(store.source.identity().as_str());
            store.ready.store(built, Ordering::SeqCst);
        }
        store
    }

    /// The cache file, if one is open.
    #[must_use]
    pub fn cache(&self) -> Option<&CacheDb> {
        self.db.as_ref()
    }

    /// The source behind the cache.
    #[must_use]
    pub fn source(&self) -> &dyn RollupSource {
        self.source.as_ref()
    }

    pub(super) fn turn_off(&self, error: &CacheError) {
        if let Ok(mut off) = self.off.lock() {
            *off = Some(cache_off(error));
        }
        self.ready.store(false, Ordering::SeqCst);
    }

    /// The cache, when it can answer for `filter` (its model globs), else `None`.
    fn usable(&self, filter: &Filter) -> Option<(&CacheDb, ModelGlobs)> {
        if !self.ready.load(Ordering::SeqCst) || self.passthrough.load(Ordering::SeqCst) {
            return None;
        }
        if self.off.lock().map_or(true, |off| off.is_some()) {
            return None;
        }
        // The cache keeps models only: a filter on any other dimension
        // (endpoint, user, project, session, source) is read from the source.
        if filter
            .active()
            .any(|(dimension, _)| dimension != Dimension::Model)
        {
            return None;
        }
        let models = ModelGlobs::new(filter.patterns(Dimension::Model));
        self.db.as_ref().map(|db| (db, models))
    }

    /// Rebuilds the cache from the whole source now.
    ///
    /// # Errors
    /// The source cannot be read, or the cache cannot be written.
    pub async fn rebuild(
        &self,
        now: i64,
        progress: &(dyn Fn(BuildProgress) + Send + Sync),
    ) -> Result<(), StoreError> {
        let Some(db) = &self.db else {
            let reason = self.off.lock().ok().and_then(|off| off.clone());
            return Err(StoreError::Refused(reason.unwrap_or_else(|| {
                "the cache is turned off (--no-cache or cache = false)".to_owned()
            })));
        };
        match self
            .build(db, now, progress, "asked for (usagetop cache rebuild)")
            .await
        {
            Ok(()) => Ok(()),
            Err(RefreshError::Source(error)) => Err(error),
            Err(RefreshError::Cache(error)) => Err(StoreError::Write {
                what: "building the cache",
                url: error.path.clone(),
                detail: format!("{}{}", error.detail, storage_hint(&error)),
            }),
        }
    }

    /// What the cache answers of `range`: local days, the whole quarter
    /// hours of a last partial day, and where its answer ends (the source
    /// answers the rest, up to the second); `None` when it cannot answer
    /// exactly.
    async fn pieces(
        &self,
        range: SecondsRange,
        calendar: &Calendar,
        filter: &Filter,
    ) -> Option<Pieces> {
        let (db, models) = self.usable(filter)?;
        let cached_end = slot_floor(range.end).max(range.start);
        if range.end <= range.start {
            return None;
        }
        let first_day = if range.start <= EARLIEST_SECONDS {
            i64::MIN
        } else {
            let start = DateTime::from_timestamp(range.start, 0)?;
            let date = calendar.local_date(start);
            if calendar.start_of_day(date) != start {
                return None;
            }
            day_number(date)
        };
        if cached_end == range.start {
            return Some(Pieces {
                days: Vec::new(),
                partial: None,
                cached_end,
            });
        }
        match db.add_zone(calendar).await {
            Ok(true) => {}
            Ok(false) => return None,
            Err(error) => {
                self.turn_off(&error);
                return None;
            }
        }
        let end = DateTime::from_timestamp(cached_end, 0)?;
        let end_date = calendar.local_date(end);
        let end_day_start = calendar.start_of_day(end_date).timestamp();
        let zone = calendar.tz().name();
        let days = match db
            .days(zone, first_day, day_number(end_date), &models)
            .await
        {
            Ok(days) => days,
            Err(error) => {
                self.turn_off(&error);
                return None;
            }
        };
        let partial = if end_day_start < cached_end {
            match db
                .slot_models(end_day_start.max(range.start), cached_end, &models)
                .await
            {
                Ok(rows) => Some((end_date, rows)),
                Err(error) => {
                    self.turn_off(&error);
                    return None;
                }
            }
        } else {
            None
        };
        Some(Pieces {
            days,
            partial,
            cached_end,
        })
    }

    /// Day rows of `range`: whole quarter hours from the cache, the rest
    /// from the source; `None` when the source must answer it all.
    async fn cached_days(
        &self,
        range: SecondsRange,
        calendar: &Calendar,
        filter: &Filter,
    ) -> Option<Result<Vec<DayModelRow>, StoreError>> {
        let pieces = self.pieces(range, calendar, filter).await?;
        let mut rows: Vec<DayModelRow> = pieces
            .days
            .into_iter()
            .map(DayRow::into_day_model_row)
            .collect();
        if let Some((date, models)) = pieces.partial {
            rows.extend(models.into_iter().map(|sum| {
                DayRow {
                    day: day_number(date),
                    model: sum.model,
                    estimated: sum.estimated,
                    measures: sum.measures,
                }
                .into_day_model_row()
            }));
        }
        if pieces.cached_end < range.end {
            let rest = SecondsRange {
                start: pieces.cached_end,
                end: range.end,
            };
            match self.source.day_model_rows(rest, calendar, filter).await {
                Ok(more) => rows.extend(more),
                Err(error) => return Some(Err(error)),
            }
        }
        Some(Ok(rows))
    }
}

/// What the cache answers of a range.
struct Pieces {
    /// Local days wholly in the cached part.
    days: Vec<DayRow>,
    /// The whole quarter hours of the last, partial day, per model.
    partial: Option<(NaiveDate, Vec<ModelSum>)>,
    /// Where the cached part ends (a slot boundary); the source answers from here.
    cached_end: i64,
}

#[async_trait]
impl UsageStore for CachedStore {
    fn describe(&self) -> String {
        self.source.describe()
    }

    async fn prepare(&self) -> Result<SourceInfo, StoreError> {
        let info = self.source.prepare().await?;
        if info.daily_utc {
            self.passthrough.store(true, Ordering::SeqCst);
        }
        Ok(info)
    }

    async fn first_event(
        &self,
        end: i64,
        calendar: &Calendar,
        filter: &Filter,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        if let Some((db, models)) = self.usable(filter) {
            // The first in the cache's whole quarter hours comes before
            // anything in the last, partial one.
            match db.first(slot_floor(end), &models).await {
                Ok(Some(first)) => return Ok(DateTime::from_timestamp(first, 0)),
                Ok(None) => {}
                Err(error) => self.turn_off(&error),
            }
        }
        self.source.first_event(end, calendar, filter).await
    }

    async fn day_model_rows(
        &self,
        range: SecondsRange,
        calendar: &Calendar,
        filter: &Filter,
    ) -> Result<Vec<DayModelRow>, StoreError> {
        match self.cached_days(range, calendar, filter).await {
            Some(rows) => rows,
            None => self.source.day_model_rows(range, calendar, filter).await,
        }
    }

    async fn quality(&self, now: i64) -> Result<Quality, StoreError> {
        let off = self.off.lock().ok().and_then(|off| off.clone());
        let direct = |mut quality: Quality| {
            quality.cache_note = off.clone();
            quality
        };
        let Some((db, _)) = self.usable(&Filter::default()) else {
            return Ok(direct(self.source.quality(now).await?));
        };
        if let Some(quality) = self.quality.lock().ok().and_then(|known| known.clone()) {
            return Ok(quality);
        }
        let unreadable = db.meta_i64("unreadable_rows").await.ok().flatten();
        match db.quality(now.saturating_add(86_400)).await {
            Ok(slots) if unreadable.unwrap_or(0) > 0 || slots.rejected > 0 => {
                // Rare: rows were left out; the source's own pass tells why,
                // with an example of each kind, counted again when the
                // cache's counts have changed since.
                let counts = (slots.rejected, unreadable.unwrap_or(0));
                if let Ok(mut counted) = self.source_counted.lock() {
                    if *counted != Some(counts) {
                        self.source.forget_quality();
                        *counted = Some(counts);
                    }
                }
                let quality = direct(self.source.quality(now).await?);
                if let Ok(mut known) = self.quality.lock() {
                    *known = Some(quality.clone());
                }
                Ok(quality)
            }
            Ok(slots) => {
                let quality = Quality {
                    adjusted_rows: slots.adjusted,
                    estimated_rows: slots.estimated,
                    future_rows: slots.future,
                    latest: slots.latest,
                    ..Quality::default()
                };
                if let Ok(mut known) = self.quality.lock() {
                    *known = Some(quality.clone());
                }
                Ok(quality)
            }
            Err(error) => {
                self.turn_off(&error);
                Ok(direct(self.source.quality(now).await?))
            }
        }
    }

    async fn day_dimension_rows(
        &self,
        range: SecondsRange,
        calendar: &Calendar,
        filter: &Filter,
        dimension: Dimension,
    ) -> Result<Vec<(String, DayModelRow)>, StoreError> {
        if dimension == Dimension::Model {
            if let Some(rows) = self.cached_days(range, calendar, filter).await {
                return Ok(rows?
                    .into_iter()
                    .map(|row| (row.model.clone(), row))
                    .collect());
            }
        }
        self.source
            .day_dimension_rows(range, calendar, filter, dimension)
            .await
    }

    async fn refresh_cache(
        &self,
        now: i64,
        progress: &(dyn Fn(BuildProgress) + Send + Sync),
    ) -> Result<(), StoreError> {
        let info = self.prepare().await?;
        if info.daily_utc {
            return Ok(());
        }
        let Some(db) = &self.db else {
            return Ok(());
        };
        // A cache turned off by a write that failed (busy, disk full) is
        // tried again at the next refresh; until then the source answers.
        let was_off = self
            .off
            .lock()
            .map_or(false, |mut off| off.take().is_some());
        if was_off {
            let built = db.meta("built_at").await.ok().flatten().is_some()
                && db.meta("source").await.ok().flatten().as_deref()
                    == Some(self.source.identity().as_str());
            self.ready.store(built, Ordering::SeqCst);
        }
        let outcome = if self.ready.load(Ordering::SeqCst) {
            self.update(db, now).await
        } else {
            Ok(Update::Rebuild("no cache yet"))
        };
        let result = match outcome {
            Ok(Update::Done) => {
                if let Ok(mut quality) = self.quality.lock() {
                    *quality = None;
                }
                Ok(())
            }
            Ok(Update::Rebuild(reason)) => self.build(db, now, progress, reason).await,
            Err(error) => Err(error),
        };
        match result {
            Ok(()) => Ok(()),
            Err(RefreshError::Source(error)) => Err(error),
            Err(RefreshError::Cache(error)) => {
                self.turn_off(&error);
                Ok(())
            }
        }
    }

    async fn check_history(&self, now: i64) -> Result<bool, StoreError> {
        let Some(db) = &self.db else {
            return Ok(false);
        };
        let off = self.off.lock().map_or(true, |off| off.is_some());
        if off
            || !self.ready.load(Ordering::SeqCst)
            || self.passthrough.load(Ordering::SeqCst)
            || self.source.history_is_cheap()
        {
            return Ok(false);
        }
        match self.check_slice(db, now).await {
            Ok(changed) => {
                if changed {
                    if let Ok(mut quality) = self.quality.lock() {
                        *quality = None;
                    }
                }
                Ok(changed)
            }
            Err(RefreshError::Source(error)) => Err(error),
            Err(RefreshError::Cache(error)) => {
                self.turn_off(&error);
                Ok(false)
            }
        }
    }

    fn has_cached_data(&self) -> bool {
        self.ready.load(Ordering::SeqCst)
    }

    async fn model_rows(
        &self,
        range: SecondsRange,
        calendar: &Calendar,
        filter: &Filter,
    ) -> Result<Vec<ModelRow>, StoreError> {
        let Some(Pieces {
            days,
            partial,
            cached_end,
        }) = self.pieces(range, calendar, filter).await
        else {
            return self.source.model_rows(range, calendar, filter).await;
        };
        let mut per_model: std::collections::BTreeMap<(String, bool), ModelRow> =
            std::collections::BTreeMap::new();
        let mut add = |row: ModelRow| {
            let entry = per_model
                .entry((row.model.clone(), row.estimated))
                .or_insert_with(|| ModelRow {
                    model: row.model.clone(),
                    usage: crate::usage::Usage::default(),
                    stored_cost: None,
                    estimated: row.estimated,
                });
            entry.usage += row.usage;
            if let Some(cost) = row.stored_cost {
                entry.stored_cost =
                    Some(entry.stored_cost.unwrap_or_default().saturating_add(cost));
            }
        };
        for day in days {
            add(ModelSum {
                model: day.model,
                estimated: day.estimated,
                measures: day.measures,
            }
            .into_model_row());
        }
        for sum in partial.map(|(_, rows)| rows).unwrap_or_default() {
            add(sum.into_model_row());
        }
        if cached_end < range.end {
            let rest = SecondsRange {
                start: cached_end,
                end: range.end,
            };
            for row in self.source.model_rows(rest, calendar, filter).await? {
                add(row);
            }
        }
        Ok(per_model.into_values().collect())
    }
}
