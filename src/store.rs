//! Data access: the [`UsageStore`] trait every backend implements, opening a
//! store from a URL, and fetching everything one report needs. Stores return
//! rows already grouped by the database (`GROUP BY`), never raw events.

pub mod catalog;
pub mod clickhouse;
pub mod condition;
pub mod demo;
pub mod lossy;
pub mod mapping;
pub mod migrate;
pub mod mysql;
pub mod postgres;
pub mod quality;
pub mod rows;
pub mod runner;
pub mod sql;
pub mod sqlite;
pub mod url;
pub mod wide;

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::analytics::plan::UtcRange;
use crate::analytics::{DayModelRow, ModelRow};
use crate::filter::Filter;
use crate::period::{date_from_day_number, Calendar};
use mapping::Mapping;

pub use quality::Quality;
pub use rows::RollupRow;
pub use url::DatabaseUrl;

/// A failure of the data layer, with what the user can do about it.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be opened or reached.
    #[error("cannot open the database {url}: {detail}")]
    Open {
        /// Redacted URL or path.
        url: String,
        /// What went wrong and how to fix it.
        detail: String,
    },
    /// A query failed.
    #[error("reading {what} from {url} failed: {detail}")]
    Query {
        /// What was being read.
        what: &'static str,
        /// Redacted URL or path.
        url: String,
        /// The driver's message, passwords removed.
        detail: String,
    },
    /// A write (migrations, demo data) failed.
    #[error("writing to {url} failed while {what}: {detail}")]
    Write {
        /// What was being written.
        what: &'static str,
        /// Redacted URL or path.
        url: String,
        /// The driver's message, passwords removed.
        detail: String,
    },
    /// The `[source]` mapping does not fit the database.
    #[error("{url}: {source}")]
    Mapping {
        /// Redacted URL or path.
        url: String,
        /// What does not fit.
        source: mapping::MappingError,
    },
    /// The URL is not one usagetop understands.
    #[error("{0}")]
    BadUrl(String),
    /// The database is not usagetop's own and must not be written.
    #[error("{0}")]
    Refused(String),
}

impl StoreError {
    /// A query error with the driver's message, passwords removed.
    #[must_use]
    pub fn query(what: &'static str, url: &str, error: &sqlx::Error) -> Self {
        let text = url::without_line_numbers(&url::redact_password(&error.to_string()));
        let busy = sqlite::codes::Code::of(error).is_some_and(sqlite::codes::Code::is_busy);
        let detail = if busy {
            // SQLite: a writer holds the lock longer than the busy timeout.
            format!("the database is busy: another program holds a write lock ({text}); usagetop will try again")
        } else {
            text
        };
        Self::Query {
            what,
            url: url.to_owned(),
            detail,
        }
    }

    /// A write error with the driver's message, passwords removed.
    #[must_use]
    pub fn write(what: &'static str, url: &str, error: &sqlx::Error) -> Self {
        Self::Write {
            what,
            url: url.to_owned(),
            detail: url::without_line_numbers(&url::redact_password(&error.to_string())),
        }
    }
}

/// 1900-01-01T00:00:00Z, the first instant counted: an event before it (or
/// at or after [`LATEST_SECONDS`]) is left out as unreadable, and counted.
pub const EARLIEST_SECONDS: i64 = -2_208_988_800;

/// 2200-01-01T00:00:00Z, the first instant no longer counted.
pub const LATEST_SECONDS: i64 = 7_258_118_400;

/// A range of unix seconds `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecondsRange {
    /// First second included.
    pub start: i64,
    /// First second excluded.
    pub end: i64,
}

impl From<UtcRange> for SecondsRange {
    fn from(range: UtcRange) -> Self {
        Self {
            start: range.start.timestamp(),
            end: range.end.timestamp(),
        }
    }
}

/// Connection limits for database servers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// How long to wait for a connection.
    pub connect: Duration,
    /// How long one statement may run.
    pub statement: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(5),
            statement: Duration::from_secs(30),
        }
    }
}

/// How far a cold build of the rollup cache has come.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BuildProgress {
    /// Source rows read so far.
    pub rows: i64,
    /// Share of the table read, 0 to 1.
    pub fraction: f64,
    /// Estimated time left.
    pub remaining: Option<Duration>,
}

/// What a store learned about its source while preparing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceInfo {
    /// The source has one row per UTC day, not per request.
    pub daily_utc: bool,
    /// Costs come from a stored cost column, not from prices.
    pub stored_cost: bool,
    /// The timestamps are read as integer unix seconds.
    pub unix_seconds: bool,
    /// What people should know about the mapping (optional columns missing).
    pub notes: Vec<String>,
    /// The dimensions the checked mapping has columns for, in cycling order.
    pub dimensions: Vec<crate::filter::Dimension>,
}

/// A source of grouped usage.
#[async_trait]
pub trait UsageStore: Send + Sync {
    /// The database for people: URL or path with any password removed.
    fn describe(&self) -> String;

    /// Checks the mapping against the database (once; later calls are free).
    async fn prepare(&self) -> Result<SourceInfo, StoreError>;

    /// The earliest event before `end` (unix seconds), if any. Daily sources
    /// give the start of the first day in `calendar`'s zone.
    async fn first_event(
        &self,
        end: i64,
        calendar: &Calendar,
        filter: &Filter,
    ) -> Result<Option<DateTime<Utc>>, StoreError>;

    /// Usage per (local day, model) in `range`, days in `calendar`'s zone.
    async fn day_model_rows(
        &self,
        range: SecondsRange,
        calendar: &Calendar,
        filter: &Filter,
    ) -> Result<Vec<DayModelRow>, StoreError>;

    /// What the reports leave out (counted on the first call, then remembered).
    async fn quality(&self, now: i64) -> Result<Quality, StoreError>;

    /// Forgets what [`Self::quality`] remembered: the next call counts again.
    fn forget_quality(&self) {}

    /// Usage per (local day, value of `dimension`, model) in `range`.
    async fn day_dimension_rows(
        &self,
        range: SecondsRange,
        calendar: &Calendar,
        filter: &Filter,
        dimension: crate::filter::Dimension,
    ) -> Result<Vec<(String, DayModelRow)>, StoreError>;

    /// Brings a cache of the source up to date (stores without one: nothing to do).
    async fn refresh_cache(
        &self,
        _now: i64,
        _progress: &(dyn Fn(BuildProgress) + Send + Sync),
    ) -> Result<(), StoreError> {
        Ok(())
    }

    /// Compares a slice of the cache's history with the source, after a
    /// refresh whose report is out (stores without a cache, or whose
    /// history was compared in full: nothing to do). True when days
    /// changed, so that the report should be computed again.
    async fn check_history(&self, _now: i64) -> Result<bool, StoreError> {
        Ok(false)
    }

    /// True when the store answers from a cache that already holds data.
    fn has_cached_data(&self) -> bool {
        false
    }

    /// Usage per model in `range`.
    async fn model_rows(
        &self,
        range: SecondsRange,
        calendar: &Calendar,
        filter: &Filter,
    ) -> Result<Vec<ModelRow>, StoreError>;
}

/// Batches of rollup rows, as a source answers them.
pub type RollupBatches<'a> =
    futures_util::stream::BoxStream<'a, Result<Vec<RollupRow>, StoreError>>;

/// A store the rollup cache can read: rows per slot and model, the table's
/// bounds, its physical extent, and a row count to verify the cache.
#[async_trait]
pub trait RollupSource: UsageStore {
    /// The source for the cache key: URL without password, table and mapping.
    fn identity(&self) -> String;

    /// Usage per (slot, model) of the rows `scan` selects.
    async fn rollup(&self, scan: sql::Scan) -> Result<Vec<RollupRow>, StoreError>;

    /// The same rows a batch at a time, as the source answers: a source that
    /// streams its answer (ClickHouse) holds one batch in memory, not all of
    /// it. The batches may repeat a (slot, model): they add up.
    fn rollup_batches(&self, scan: sql::Scan) -> RollupBatches<'_> {
        Box::pin(futures_util::stream::once(self.rollup(scan)))
    }

    /// First and last timestamps (unix seconds), if any row has one.
    async fn bounds(&self) -> Result<(Option<i64>, Option<i64>), StoreError>;

    /// Usage per (UTC day, model, estimated) of the rows usable in `range`:
    /// what the cache compares its own slots with to verify history.
    async fn fingerprints(&self, range: SecondsRange) -> Result<Vec<rows::DayRow>, StoreError>;

    /// Counts of rows updated and deleted that only grow, when the engine
    /// keeps them: a change means history changed somewhere.
    async fn history_marker(&self) -> Option<(i64, i64)>;

    /// True when the source keeps its own rollup (usagetop's database): all
    /// of history can be compared on every refresh.
    fn history_is_cheap(&self) -> bool {
        false
    }

    /// The positions to scan in chunks (SQLite rowids, PostgreSQL pages,
    /// MySQL primary-key values), or `None` when the table cannot be read by
    /// position.
    async fn extent(&self) -> Option<Extent>;

    /// True for a database server (chunks are pages, read in parallel).
    fn is_server(&self) -> bool;
}

/// What a source's positions are: the cold build sizes its chunks by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PositionKind {
    /// SQLite rowids.
    Rowids,
    /// PostgreSQL pages (TID ranges).
    Pages,
    /// Values of the leading integer column of the primary key (MySQL,
    /// MariaDB: InnoDB keeps rows in primary-key order).
    Keys,
}

/// The positions a table's rows lie at: `[start, end)`, though rows may lie
/// outside it too (added while it is read): the first chunk is open below
/// and the last open above.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extent {
    /// The first position.
    pub start: i64,
    /// The position after the last.
    pub end: i64,
    /// What the positions are.
    pub kind: PositionKind,
}

/// The first event as an instant: unix seconds, or for daily sources a day
/// number, which starts at local midnight of that day.
#[must_use]
pub fn first_instant(
    value: Option<i64>,
    daily: bool,
    calendar: &Calendar,
) -> Option<DateTime<Utc>> {
    value.and_then(|value| {
        if daily {
            Some(calendar.start_of_day(date_from_day_number(value)))
        } else {
            DateTime::from_timestamp(value, 0)
        }
    })
}

/// Checks that every filtered dimension has a column.
///
/// # Errors
/// A filter on a dimension the mapping has no column for.
pub fn check_filter(
    builder: &sql::SqlBuilder,
    filter: &Filter,
    url: &str,
) -> Result<(), StoreError> {
    for (dimension, _) in filter.active() {
        if builder.dimension_column(dimension).is_none() {
            return Err(StoreError::Mapping {
                url: url.to_owned(),
                source: mapping::MappingError(format!(
                    "filtering by {0} needs a {0} column; set [source] {0} to the column that holds it",
                    dimension.name()
                )),
            });
        }
    }
    Ok(())
}

/// How to open a store.
#[derive(Debug, Clone)]
pub struct OpenOptions {
    /// May create (and migrate) a missing SQLite file: usagetop's default databases.
    pub create: bool,
    /// The `[source]` mapping.
    pub mapping: Mapping,
    /// Server timeouts.
    pub timeouts: Timeouts,
}

/// Opens the store a URL names, for reading. PostgreSQL pools connect
/// lazily: an unreachable server shows up at the first query, not here.
///
/// # Errors
/// An unknown scheme, a missing or foreign file, a database that cannot be read.
pub async fn open(
    url: &DatabaseUrl,
    options: &OpenOptions,
) -> Result<Box<dyn RollupSource>, StoreError> {
    match url {
        DatabaseUrl::Sqlite(path) => Ok(Box::new(
            sqlite::SqliteStore::open(path, options.create, options.mapping.clone()).await?,
        )),
        DatabaseUrl::Mysql(text) => Ok(Box::new(mysql::MysqlStore::connect_lazy(
            text,
            options.mapping.clone(),
            options.timeouts,
        )?)),
        DatabaseUrl::Clickhouse(text) => Ok(Box::new(clickhouse::ClickhouseStore::new(
            text,
            options.mapping.clone(),
            options.timeouts,
        )?)),
        DatabaseUrl::Postgres(text) => Ok(Box::new(postgres::PgStore::connect_lazy(
            text,
            options.mapping.clone(),
            options.timeouts,
        )?)),
    }
}
