//! The cache file: a SQLite database of usagetop's own in the user's cache
//! directory holding one source's rollups: usage per (15-minute UTC slot,
//! model), the local days derived from them per zone, and a few facts about
//! the build (`meta`). Only this module runs SQL against it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::store::sqlite::codes::Code;
use sqlx::sqlite::{
    Sqlite, SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool,
    SqlitePoolOptions,
};
use sqlx::{AssertSqlSafe, Row};

use super::schema::{DROP_OLD, SCHEMA};
use crate::period::{Calendar, SLOT_SECONDS};
use crate::store::migrate;
use crate::store::rows::{from_json_rows, DayRow, ModelSum};
use crate::store::RollupRow;
use crate::store::SecondsRange;

/// A failure of the cache file.
#[derive(Debug, thiserror::Error)]
#[error("the cache {path}: {detail}")]
pub struct CacheError {
    /// The cache file.
    pub path: String,
    /// What went wrong.
    pub detail: String,
    /// The disk or the folder refused: full, read-only, no permission, an
    /// I/O error (known from SQLite's result code or the system's error).
    pub storage: bool,
}

impl CacheError {
    /// A failure described in words.
    #[must_use]
    pub fn new(path: &Path, detail: String) -> Self {
        Self {
            path: path.display().to_string(),
            detail,
            storage: false,
        }
    }

    /// A failure of the file system, described in words.
    #[must_use]
    pub fn of_io(path: &Path, detail: String, error: &std::io::Error) -> Self {
        use std::io::ErrorKind;
        Self {
            storage: matches!(
                error.kind(),
                ErrorKind::PermissionDenied
                    | ErrorKind::ReadOnlyFilesystem
                    | ErrorKind::StorageFull
                    | ErrorKind::QuotaExceeded
            ),
            ..Self::new(path, detail)
        }
    }

    /// A failure reported by SQLite.
    #[must_use]
    pub fn of_sqlx(path: &Path, error: &sqlx::Error) -> Self {
        let storage = match error {
            sqlx::Error::Io(io) => return Self::of_io(path, error.to_string(), io),
            _ => Code::of(error).is_some_and(Code::is_storage),
        };
        Self {
            storage,
            ..Self::new(path, error.to_string())
        }
    }
}

/// What `usagetop cache status` shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CacheSummary {
    /// Rows of the source summarised.
    pub rows: i64,
    /// Slot rows kept.
    pub slot_rows: i64,
    /// First and last slot.
    pub slots: (Option<i64>, Option<i64>),
    /// Zones with local days kept.
    pub zones: Vec<String>,
    /// Every `meta` entry.
    pub meta: BTreeMap<String, String>,
    /// UTC days of history compared with the source, and when the least
    /// and most recently compared one was.
    pub checked: (i64, Option<i64>, Option<i64>),
}

/// What the slots say about a source's rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SlotQuality {
    /// Rows left out (a value that cannot be read, a negative token count).
    pub rejected: i64,
    /// Rows whose input was taken as stored.
    pub adjusted: i64,
    /// Rows priced as an estimate.
    pub estimated: i64,
    /// Rows in slots after the instant asked about.
    pub future: i64,
    /// The last timestamp.
    pub latest: Option<i64>,
}

/// The open cache file.
#[derive(Debug, Clone)]
pub struct CacheDb {
    pool: SqlitePool,
    path: PathBuf,
}

/// Narrows the permissions of a file or folder usagetop created.
fn restrict(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode));
}

/// Makes sure the cache file can be written safely: its folder exists (made
/// 0700 when usagetop creates it) and no other user can write it (unless it
/// is sticky and ours, like a private `/tmp`-style folder), and every file of
/// the cache that exists is a regular file of ours, never a link: a file
/// planted under the cache's predictable name is not written into. A missing
/// cache file is created here, exclusively, readable by its owner alone.
fn check_location(path: &Path) -> Result<(), CacheError> {
    let error = |detail: String| CacheError::new(path, detail);
    let parent = path.parent().unwrap_or_else(|| Path::new("."));
    if !parent.exists() {
        std::fs::create_dir_all(parent).map_err(|e| {
            CacheError::of_io(
                path,
                format!("cannot create the folder {}: {e}", parent.display()),
                &e,
            )
        })?;
        restrict(parent, 0o700);
    }
    {
        use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
        let me = rustix::process::getuid().as_raw();
        let folder = std::fs::metadata(parent).map_err(|e| {
            CacheError::of_io(
                path,
                format!("cannot read the folder {}: {e}", parent.display()),
                &e,
            )
        })?;
        if !folder.is_dir() {
            return Err(error(format!("{} is not a folder", parent.display())));
        }
        let others_write = folder.mode() & 0o022 != 0;
        let sticky_and_ours = folder.mode() & 0o1000 != 0 && folder.uid() == me;
        if others_write && !sticky_and_ours {
            return Err(error(format!(
                "the cache folder {} can be written by other users, so usagetop keeps no cache in it; \
                 set cache_dir to a folder of your own (or remove its group and other write permission)",
                parent.display()
            )));
        }
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut name = path.as_os_str().to_owned();
            name.push(suffix);
            let file = PathBuf::from(name);
            if let Ok(found) = std::fs::symlink_metadata(&file) {
                if found.file_type().is_symlink() || !found.is_file() || found.uid() != me {
                    return Err(error(format!(
                        "{} is not a cache file of yours (a link, or another user's file); \
                         usagetop does not write into it: remove it, or set cache_dir to another folder",
                        file.display()
                    )));
                }
            }
        }
        if !path.exists() {
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(path)
                .map_err(|e| {
                    CacheError::of_io(path, format!("cannot create the cache file: {e}"), &e)
                })?;
        }
    }
    Ok(())
}

/// The aligned offset spans of `calendar` over `[start, end)`, or `None`
/// when an offset or a transition does not fall on a slot boundary (zones'
/// local mean times before standard time), where slots cannot be re-bucketed.
#[must_use]
pub fn slot_aligned(calendar: &Calendar, start: i64, end: i64) -> bool {
    let spans = calendar.offset_spans(start, end.max(start));
    spans
        .iter()
        .all(|span| i64::from(span.offset_seconds) % SLOT_SECONDS == 0)
        && spans
            .iter()
            .skip(1)
            .all(|span| span.start % SLOT_SECONDS == 0)
}

impl CacheDb {
    /// Opens (creating when missing) the cache file at `path`. A file that
    /// is not a database, is damaged or has an older layout is replaced.
    ///
    /// # Errors
    /// The folder or the file cannot be created or written.
    pub async fn open(path: &Path) -> Result<Self, CacheError> {
        check_location(path)?;
        match Self::open_once(path).await {
            Ok(db) => Ok(db),
            Err(first) => {
                // A damaged cache holds nothing that cannot be rebuilt.
                for suffix in ["", "-wal", "-shm"] {
                    let mut name = path.as_os_str().to_owned();
                    name.push(suffix);
                    let _ = std::fs::remove_file(PathBuf::from(name));
                }
                check_location(path)?;
                Self::open_once(path).await.map_err(|_| first)
            }
        }
    }

    async fn open_once(path: &Path) -> Result<Self, CacheError> {
        let existed = path.exists();
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .map_err(|e| CacheError::of_sqlx(path, &e))?;
        if !existed {
            restrict(path, 0o600);
        }
        let db = Self {
            pool,
            path: path.to_path_buf(),
        };
        sqlx::raw_sql(
            "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        )
        .execute(&db.pool)
        .await
        .map_err(|e| db.error(&e))?;
        let layout = SCHEMA.version().to_string();
        if db.meta("schema").await?.as_deref() != Some(layout.as_str()) {
            sqlx::raw_sql(DROP_OLD)
                .execute(&db.pool)
                .await
                .map_err(|e| db.error(&e))?;
        }
        migrate::run(&mut *db.connection().await?, &SCHEMA)
            .await
            .map_err(|e| db.error(&e.source))?;
        if db.meta("schema").await?.as_deref() != Some(layout.as_str()) {
            db.set_meta(&[("schema", layout)]).await?;
        }
        Ok(db)
    }

    /// The file.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn error(&self, error: &sqlx::Error) -> CacheError {
        CacheError::of_sqlx(&self.path, error)
    }

    async fn connection(&self) -> Result<sqlx::pool::PoolConnection<Sqlite>, CacheError> {
        self.pool.acquire().await.map_err(|e| self.error(&e))
    }

    /// Starts the one write transaction (`BEGIN IMMEDIATE`: other processes
    /// sharing the file wait, readers keep seeing the last committed state).
    ///
    /// # Errors
    /// The file is locked longer than the busy timeout, or cannot be written.
    pub async fn writer(&self) -> Result<Writer, CacheError> {
        let tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(|e| self.error(&e))?;
        Ok(Writer {
            tx,
            path: self.path.clone(),
        })
    }

    /// One `meta` value.
    ///
    /// # Errors
    /// The file cannot be read.
    pub async fn meta(&self, key: &str) -> Result<Option<String>, CacheError> {
        let mut conn = self.connection().await?;
        meta(&mut conn, key).await.map_err(|e| self.error(&e))
    }

    /// One `meta` value as an integer.
    ///
    /// # Errors
    /// The file cannot be read.
    pub async fn meta_i64(&self, key: &str) -> Result<Option<i64>, CacheError> {
        Ok(self.meta(key).await?.and_then(|text| text.parse().ok()))
    }

    async fn set_meta(&self, entries: &[(&str, String)]) -> Result<(), CacheError> {
        let mut writer = self.writer().await?;
        writer.set_meta(entries).await?;
        writer.commit().await
    }

    /// The zones whose local days are kept.
    ///
    /// # Errors
    /// The file cannot be read.
    pub async fn zones(&self) -> Result<Vec<String>, CacheError> {
        let mut conn = self.connection().await?;
        zones(&mut conn).await.map_err(|e| self.error(&e))
    }

    /// Starts keeping the local days of `calendar`'s zone (built now).
    /// Returns false when its offsets do not fall on slot boundaries over
    /// the cached range.
    ///
    /// # Errors
    /// The file cannot be written.
    pub async fn add_zone(&self, calendar: &Calendar) -> Result<bool, CacheError> {
        let name = calendar.tz().name();
        if self.zones().await?.iter().any(|zone| zone == name) {
            return Ok(true);
        }
        let mut writer = self.writer().await?;
        if !writer.rebuild_days(calendar, None).await? {
            return Ok(false);
        }
        sqlx::query("INSERT OR IGNORE INTO zones (zone) VALUES (?)")
            .bind(name)
            .execute(&mut *writer.tx)
            .await
            .map_err(|e| self.error(&e))?;
        writer.commit().await?;
        Ok(true)
    }

    /// Kept days of `zone` in `[first_day, end_day)`, models matching `models` (globs).
    ///
    /// # Errors
    /// The file cannot be read.
    pub async fn days(
        &self,
        zone: &str,
        first_day: i64,
        end_day: i64,
        models: &ModelGlobs,
    ) -> Result<Vec<DayRow>, CacheError> {
        // One JSON text instead of a row per day and model: decoding rows
        // one by one costs microseconds each; parsing one text does not.
        let sql = format!(
            "SELECT COALESCE(json_group_array(json_array(day, model, estimated, requests, input, \
             output, cache_read, cache_write, cache_write_1h, cost)), '[]') \
             FROM days WHERE zone = ? AND day >= ? AND day < ?{}",
            model_condition(models)
        );
        let mut query = sqlx::query_scalar(AssertSqlSafe(sql))
            .bind(zone)
            .bind(first_day)
            .bind(end_day);
        for pattern in models.binds() {
            query = query.bind(pattern);
        }
        let text: String = query
            .fetch_one(&self.pool)
            .await
            .map_err(|e| self.error(&e))?;
        from_json_rows(&text)
            .map_err(|e| CacheError::new(&self.path, format!("unreadable days: {e}")))
    }

    /// Usage per model in the slots `[start, end)`, models matching `models`.
    ///
    /// # Errors
    /// The file cannot be read.
    pub async fn slot_models(
        &self,
        start: i64,
        end: i64,
        models: &ModelGlobs,
    ) -> Result<Vec<ModelSum>, CacheError> {
        let sql = format!(
            "SELECT model, estimated, SUM(requests), SUM(input), SUM(output), SUM(cache_read), \
             SUM(cache_write), SUM(cache_write_1h), SUM(cost) \
             FROM slots WHERE slot >= ? AND slot < ? AND kept > 0{} \
             GROUP BY model, estimated",
            model_condition(models)
        );
        let mut query = sqlx::query_as(AssertSqlSafe(sql)).bind(start).bind(end);
        for pattern in models.binds() {
            query = query.bind(pattern);
        }
        query
            .fetch_all(&self.pool)
            .await
            .map_err(|e| self.error(&e))
    }

    /// The first kept timestamp before `end`, models matching `models`.
    ///
    /// # Errors
    /// The file cannot be read.
    pub async fn first(&self, end: i64, models: &ModelGlobs) -> Result<Option<i64>, CacheError> {
        let condition = model_condition(models);
        let sql = format!(
            "SELECT MIN(first_ts) FROM slots WHERE kept > 0{condition} AND slot = \
             (SELECT slot FROM slots WHERE slot < ? AND kept > 0{condition} ORDER BY slot LIMIT 1)"
        );
        let mut query = sqlx::query_scalar(AssertSqlSafe(sql));
        for pattern in models.binds() {
            query = query.bind(pattern);
        }
        query = query.bind(end);
        for pattern in models.binds() {
            query = query.bind(pattern);
        }
        query
            .fetch_one(&self.pool)
            .await
            .map_err(|e| self.error(&e))
    }

    /// What the slots say about the rows left out and counted differently.
    ///
    /// # Errors
    /// The file cannot be read.
    pub async fn quality(&self, after: i64) -> Result<SlotQuality, CacheError> {
        // Future rows and the latest timestamp are ranges of the primary
        // key; the counts are one pass over the slots (not the source).
        let (rejected, adjusted, estimated, future, latest): (i64, i64, i64, i64, Option<i64>) =
            sqlx::query_as(
                "SELECT COALESCE(SUM(rejected), 0), COALESCE(SUM(adjusted), 0), \
                        COALESCE(SUM(CASE WHEN estimated = 1 THEN kept ELSE 0 END), 0), \
                        (SELECT COALESCE(SUM(kept + rejected), 0) FROM slots WHERE slot > ?), \
                        (SELECT MAX(last_ts) FROM slots WHERE slot = (SELECT MAX(slot) FROM slots)) \
                 FROM slots",
            )
            .bind(after)
            .fetch_one(&self.pool)
            .await
            .map_err(|e| self.error(&e))?;
        Ok(SlotQuality {
            rejected,
            adjusted,
            estimated,
            future,
            latest,
        })
    }

    /// What the cache holds.
    ///
    /// # Errors
    /// The file cannot be read.
    pub async fn summary(&self) -> Result<CacheSummary, CacheError> {
        let row = sqlx::query(
            "SELECT COALESCE(SUM(kept + rejected), 0), COUNT(*), MIN(slot), MAX(slot) FROM slots",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(|e| self.error(&e))?;
        let meta: Vec<(String, String)> = sqlx::query_as("SELECT key, value FROM meta")
            .fetch_all(&self.pool)
            .await
            .map_err(|e| self.error(&e))?;
        Ok(CacheSummary {
            rows: row.try_get(0).map_err(|e| self.error(&e))?,
            slot_rows: row.try_get(1).map_err(|e| self.error(&e))?,
            slots: (
                row.try_get(2).map_err(|e| self.error(&e))?,
                row.try_get(3).map_err(|e| self.error(&e))?,
            ),
            zones: self.zones().await?,
            meta: meta.into_iter().collect(),
            checked: sqlx::query_as(
                "SELECT COUNT(*), MIN(verified_at), MAX(verified_at) FROM checks",
            )
            .fetch_one(&self.pool)
            .await
            .map_err(|e| self.error(&e))?,
        })
    }
}

/// The open write transaction on the cache.
pub struct Writer {
    tx: sqlx::Transaction<'static, Sqlite>,
    path: PathBuf,
}

impl Writer {
    fn error(&self, error: &sqlx::Error) -> CacheError {
        CacheError::of_sqlx(&self.path, error)
    }

    /// Makes everything written visible at once.
    ///
    /// # Errors
    /// The file cannot be written.
    pub async fn commit(self) -> Result<(), CacheError> {
        let path = self.path.clone();
        self.tx
            .commit()
            .await
            .map_err(|e| CacheError::of_sqlx(&path, &e))
    }

    /// One `meta` value.
    ///
    /// # Errors
    /// The file cannot be read.
    pub async fn meta_i64(&mut self, key: &str) -> Result<Option<i64>, CacheError> {
        let value = meta(&mut self.tx, key).await.map_err(|e| self.error(&e))?;
        Ok(value.and_then(|text| text.parse().ok()))
    }

    /// Sets `meta` values.
    ///
    /// # Errors
    /// The file cannot be written.
    pub async fn set_meta(&mut self, entries: &[(&str, String)]) -> Result<(), CacheError> {
        for (key, value) in entries {
            sqlx::query("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
                .bind(key)
                .bind(value)
                .execute(&mut *self.tx)
                .await
                .map_err(|e| self.error(&e))?;
        }
        Ok(())
    }

    /// One `meta` value.
    ///
    /// # Errors
    /// The file cannot be read.
    pub async fn meta(&mut self, key: &str) -> Result<Option<String>, CacheError> {
        meta(&mut self.tx, key).await.map_err(|e| self.error(&e))
    }

    /// Source rows kept per UTC day in `[start, end)`, days as their first second.
    ///
    /// # Errors
    /// The file cannot be read.
    pub async fn rows_per_day(
        &mut self,
        start: i64,
        end: i64,
    ) -> Result<Vec<(i64, i64)>, CacheError> {
        sqlx::query_as(
            "SELECT ((slot + 86400000000) / 86400 - 1000000) * 86400, SUM(kept + rejected) \
             FROM slots WHERE slot >= ? AND slot < ? GROUP BY 1 ORDER BY 1",
        )
        .bind(start)
        .bind(end)
        .fetch_all(&mut *self.tx)
        .await
        .map_err(|e| self.error(&e))
    }

    /// Usage per (UTC day, model, estimated) in the slots of `range`: what
    /// is compared with the source's own.
    ///
    /// # Errors
    /// The file cannot be read.
    pub async fn fingerprints(&mut self, range: SecondsRange) -> Result<Vec<DayRow>, CacheError> {
        let text: String = sqlx::query_scalar(
            "SELECT COALESCE(json_group_array(json_array(day, model, estimated, requests, input, \
             output, cache_read, cache_write, cache_write_1h, cost)), '[]') FROM (SELECT \
             (slot + 86400000000) / 86400 - 1000000 AS day, model, estimated, SUM(requests) AS requests, \
             SUM(input) AS input, SUM(output) AS output, SUM(cache_read) AS cache_read, \
             SUM(cache_write) AS cache_write, SUM(cache_write_1h) AS cache_write_1h, \
             SUM(cost) AS cost \
             FROM slots WHERE slot >= ? AND slot < ? AND kept > 0 GROUP BY 1, 2, 3)",
        )
        .bind(range.start)
        .bind(range.end)
        .fetch_one(&mut *self.tx)
        .await
        .map_err(|e| self.error(&e))?;
        from_json_rows(&text)
            .map_err(|e| CacheError::new(&self.path, format!("unreadable fingerprints: {e}")))
    }

    /// Records that the UTC days of `range` were compared with the source at `now`.
    ///
    /// # Errors
    /// The file cannot be written.
    pub async fn mark_checked(&mut self, range: SecondsRange, now: i64) -> Result<(), CacheError> {
        let first = range.start.div_euclid(86_400);
        let last = (range.end - 1).div_euclid(86_400);
        sqlx::query(
            "WITH RECURSIVE d(day) AS (SELECT ? UNION ALL SELECT day + 1 FROM d WHERE day < ?) \
             INSERT INTO checks (day, verified_at) SELECT day, ? FROM d WHERE 1 \
             ON CONFLICT (day) DO UPDATE SET verified_at = excluded.verified_at",
        )
        .bind(first)
        .bind(last)
        .bind(now)
        .execute(&mut *self.tx)
        .await
        .map_err(|e| self.error(&e))?;
        Ok(())
    }

    /// Empties the slots, the days and the build facts (the zone list stays).
    ///
    /// # Errors
    /// The file cannot be written.
    pub async fn clear(&mut self) -> Result<(), CacheError> {
        sqlx::raw_sql(
            "DELETE FROM slots; DELETE FROM days; DELETE FROM checks; DELETE FROM meta WHERE key <> 'schema';",
        )
        .execute(&mut *self.tx)
        .await
        .map_err(|e| self.error(&e))?;
        Ok(())
    }

    /// Adds `rows` to the slots (a slot and model already present is summed).
    ///
    /// # Errors
    /// The file cannot be written.
    pub async fn merge(&mut self, rows: &[RollupRow]) -> Result<(), CacheError> {
        let rows: Vec<&RollupRow> = rows.iter().filter(|row| row.slot.is_some()).collect();
        // The cache keeps 64-bit sums: wider ones are left to the source.
        let narrow = |value: i128| {
            i64::try_from(value).map_err(|_| {
                CacheError::new(
                    &self.path,
                    "a token sum of a quarter hour passes 2^63, more than the cache holds"
                        .to_owned(),
                )
            })
        };
        for batch in super::batches::fixed_batches(&rows) {
            let sql = merge_sql(batch.len());
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for row in batch {
                query = query
                    .bind(row.slot)
                    .bind(&row.model)
                    .bind(i64::from(row.estimated))
                    .bind(row.measures.requests)
                    .bind(narrow(row.measures.input.0)?)
                    .bind(narrow(row.measures.output.0)?)
                    .bind(narrow(row.measures.cache_read.0)?)
                    .bind(narrow(row.measures.cache_write.0)?)
                    .bind(narrow(row.measures.cache_write_1h.0)?)
                    .bind(row.measures.cost_nanos)
                    .bind(row.kept)
                    .bind(row.rejected)
                    .bind(row.adjusted)
                    .bind(row.first)
                    .bind(row.last);
            }
            query
                .execute(&mut *self.tx)
                .await
                .map_err(|e| self.error(&e))?;
        }
        Ok(())
    }

    /// The first slot kept.
    ///
    /// # Errors
    /// The file cannot be read.
    pub async fn first_slot(&mut self) -> Result<Option<i64>, CacheError> {
        sqlx::query_scalar("SELECT MIN(slot) FROM slots")
            .fetch_one(&mut *self.tx)
            .await
            .map_err(|e| self.error(&e))
    }

    /// Removes the slots in `[from, until)`.
    ///
    /// # Errors
    /// The file cannot be written.
    pub async fn delete_slots(&mut self, from: i64, until: i64) -> Result<(), CacheError> {
        sqlx::query("DELETE FROM slots WHERE slot >= ? AND slot < ?")
            .bind(from)
            .bind(until)
            .execute(&mut *self.tx)
            .await
            .map_err(|e| self.error(&e))?;
        Ok(())
    }

    /// Rebuilds the local days of every zone kept from the day holding `from`
    /// (or all of them); a zone that can no longer be re-bucketed is dropped.
    ///
    /// # Errors
    /// The file cannot be written.
    pub async fn refresh_zones(&mut self, from: Option<i64>) -> Result<(), CacheError> {
        let names = zones(&mut self.tx).await.map_err(|e| self.error(&e))?;
        for name in names {
            let keep = match name.parse::<chrono_tz::Tz>() {
                Ok(tz) => {
                    let calendar = Calendar::new(tz, crate::period::WeekStart::Monday);
                    self.rebuild_days(&calendar, from).await?
                }
                Err(_) => false,
            };
            if !keep {
                sqlx::query("DELETE FROM zones WHERE zone = ?; ")
                    .bind(&name)
                    .execute(&mut *self.tx)
                    .await
                    .map_err(|e| self.error(&e))?;
                sqlx::query("DELETE FROM days WHERE zone = ?")
                    .bind(&name)
                    .execute(&mut *self.tx)
                    .await
                    .map_err(|e| self.error(&e))?;
            }
        }
        Ok(())
    }

    /// Rebuilds the local days of `calendar`'s zone from the day holding
    /// `from` (or all of them). False when the zone's offsets do not fall on
    /// slot boundaries.
    async fn rebuild_days(
        &mut self,
        calendar: &Calendar,
        from: Option<i64>,
    ) -> Result<bool, CacheError> {
        let zone = calendar.tz().name();
        let (first, last): (Option<i64>, Option<i64>) =
            sqlx::query_as("SELECT (SELECT MIN(slot) FROM slots), (SELECT MAX(slot) FROM slots)")
                .fetch_one(&mut *self.tx)
                .await
                .map_err(|e| self.error(&e))?;
        let (Some(first), Some(last)) = (first, last) else {
            sqlx::query("DELETE FROM days WHERE zone = ?")
                .bind(zone)
                .execute(&mut *self.tx)
                .await
                .map_err(|e| self.error(&e))?;
            return Ok(true);
        };
        let day_start = |seconds: i64| {
            let date = calendar
                .local_date(chrono::DateTime::from_timestamp(seconds, 0).unwrap_or_default());
            (
                calendar.start_of_day(date).timestamp(),
                crate::period::day_number(date),
            )
        };
        let (start, first_day) = day_start(from.map_or(first, |from| from.max(first)));
        let end = last + SLOT_SECONDS;
        if !slot_aligned(calendar, start, end) {
            return Ok(false);
        }
        let range = crate::store::SecondsRange { start, end };
        let day = crate::store::sql::local_day_by_offsets("slot", calendar, range);
        sqlx::query("DELETE FROM days WHERE zone = ? AND day >= ?")
            .bind(zone)
            .bind(first_day)
            .execute(&mut *self.tx)
            .await
            .map_err(|e| self.error(&e))?;
        // `day` is built from integers usagetop computed (offset spans).
        let insert = format!(
            "INSERT INTO days (zone, day, model, estimated, requests, input, output, cache_read, \
             cache_write, cache_write_1h, cost) \
             SELECT ?, {day}, model, estimated, SUM(requests), SUM(input), \
             SUM(output), SUM(cache_read), SUM(cache_write), SUM(cache_write_1h), SUM(cost) \
             FROM slots WHERE slot >= ? AND kept > 0 GROUP BY 2, 3, 4"
        );
        // Its text changes with the range: not kept among prepared statements.
        sqlx::query(AssertSqlSafe(insert))
            .persistent(false)
            .bind(zone)
            .bind(start)
            .execute(&mut *self.tx)
            .await
            .map_err(|e| self.error(&e))?;
        Ok(true)
    }
}

async fn meta(conn: &mut SqliteConnection, key: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT value FROM meta WHERE key = ?")
        .bind(key)
        .fetch_optional(conn)
        .await
}

async fn zones(conn: &mut SqliteConnection) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT zone FROM zones ORDER BY zone")
        .fetch_all(conn)
        .await
}

/// A `--model` filter as the cache applies it: case-insensitive globs to
/// keep (any of them) and to leave out (`!pattern`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModelGlobs {
    /// SQLite globs (lower case) of which a model must match one, if any.
    include: Vec<String>,
    /// SQLite globs (lower case) of which a model must match none.
    exclude: Vec<String>,
}

impl ModelGlobs {
    /// The globs of `patterns` (`!` marks an exclusion).
    #[must_use]
    pub fn new(patterns: &[String]) -> Self {
        let mut globs = Self::default();
        for pattern in patterns {
            match pattern.strip_prefix('!') {
                Some(rest) => globs
                    .exclude
                    .push(crate::filter::to_sqlite_glob(&rest.to_ascii_lowercase())),
                None => globs
                    .include
                    .push(crate::filter::to_sqlite_glob(&pattern.to_ascii_lowercase())),
            }
        }
        globs
    }

    /// The patterns in the order [`Self::condition`] binds them.
    fn binds(&self) -> impl Iterator<Item = &String> {
        self.include.iter().chain(&self.exclude)
    }
}

/// ` AND (...)` testing `models`, or nothing.
fn model_condition(models: &ModelGlobs) -> String {
    let mut sql = String::new();
    if !models.include.is_empty() {
        let tests = vec!["lower(model) GLOB ?"; models.include.len()].join(" OR ");
        sql.push_str(&format!(" AND ({tests})"));
    }
    if !models.exclude.is_empty() {
        let tests = vec!["lower(model) GLOB ?"; models.exclude.len()].join(" OR ");
        sql.push_str(&format!(" AND NOT ({tests})"));
    }
    sql
}

/// An insert of `rows` rows of 15 parameters into the slots, summing into
/// a slot, model and estimate already present.
fn merge_sql(rows: usize) -> String {
    let row = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    format!(
        "INSERT INTO slots (slot, model, estimated, requests, input, output, cache_read, \
         cache_write, cache_write_1h, cost, kept, rejected, adjusted, first_ts, last_ts) VALUES {} \
         ON CONFLICT (slot, model, estimated) DO UPDATE SET \
         requests = requests + excluded.requests, input = input + excluded.input, \
         output = output + excluded.output, cache_read = cache_read + excluded.cache_read, \
         cache_write = cache_write + excluded.cache_write, \
         cache_write_1h = cache_write_1h + excluded.cache_write_1h, \
         cost = CASE WHEN cost IS NULL AND excluded.cost IS NULL THEN NULL \
                     ELSE COALESCE(cost, 0) + COALESCE(excluded.cost, 0) END, \
         kept = kept + excluded.kept, rejected = rejected + excluded.rejected, \
         adjusted = adjusted + excluded.adjusted, \
         first_ts = CASE WHEN first_ts IS NULL THEN excluded.first_ts \
                         WHEN excluded.first_ts IS NULL THEN first_ts \
                         ELSE MIN(first_ts, excluded.first_ts) END, \
         last_ts = CASE WHEN last_ts IS NULL THEN excluded.last_ts \
                        WHEN excluded.last_ts IS NULL THEN last_ts \
                        ELSE MAX(last_ts, excluded.last_ts) END",
        vec![row; rows].join(", ")
    )
}
