//! The one generic runner of the SQL engines: [`SqlStore`] implements
//! [`UsageStore`] and [`RollupSource`] once, over any [`SqlBackend`] (SQLite,
//! PostgreSQL, ...). A backend says how to reach its engine (pool, catalog,
//! error diagnosis, what it can scan by position); the statements come from
//! [`SqlBuilder`] in the backend's dialect, and the rows decode into the
//! structs of `store::rows`. A token sum that overflows 64 bits is asked
//! again with wide sums (see `store::wide`).

use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, FromRow, IntoArguments, Pool, Type};
use tokio::sync::OnceCell;

use super::mapping::{self, ColumnKind, Mapping, TableName, TimeKind};
use super::rows::{DayRow, KeyedDayRow, ModelSum, RollupRow};
use super::sql::{Bind, Dialect, RollupStatements, Scan, SqlBuilder, Statement};
use super::wide::WideSum;
use super::{
    check_filter, first_instant, Extent, PositionKind, Quality, RollupSource, SecondsRange,
    SourceInfo, StoreError, UsageStore,
};
use crate::analytics::{DayModelRow, ModelRow};
use crate::filter::{Dimension, Filter};
use crate::period::Calendar;

/// How to reach one SQL engine; everything else is shared.
#[async_trait]
pub trait SqlBackend: Send + Sync + 'static {
    /// The sqlx driver.
    type Db: Database;

    /// The SQL flavour of the statements.
    fn dialect(&self) -> Dialect;

    /// The database for people: URL or path with any password removed.
    fn describe(&self) -> String;

    /// What names the source for its cache file: the same data gives the
    /// same identity, different data a different one.
    fn identity(&self) -> String;

    /// The connection pool (of the file as it is now, for SQLite).
    fn pool(&self) -> Pool<Self::Db>;

    /// A query error for people, passwords removed.
    fn query_error(&self, what: &'static str, error: &sqlx::Error) -> StoreError;

    /// Called before every query: notices a source replaced under the
    /// session. True when it was (what was counted of it is counted again).
    async fn follow_source(&self) -> Result<bool, StoreError> {
        Ok(false)
    }

    /// The columns of `table` and their kinds (none when it does not exist).
    async fn columns(&self, table: &TableName) -> Result<Vec<(String, ColumnKind)>, StoreError>;

    /// Every readable table, to name the likely ones when the mapped one is missing.
    async fn tables(&self) -> Vec<TableName>;

    /// Statements of a rollup of `scan` that replace the builder's (for a
    /// source that keeps its own rollup), if any.
    fn own_rollup(&self, _scan: Scan) -> Option<RollupStatements> {
        None
    }

    /// Usage per (UTC day, model) of `range` from a rollup the source keeps
    /// itself, when it keeps one (see [`RollupSource::fingerprints`]).
    fn own_fingerprints(&self, _range: SecondsRange) -> Option<Statement> {
        None
    }

    /// The engine's counts of rows updated and deleted in `table` so far,
    /// when it keeps them (PostgreSQL's `pg_stat_user_tables`).
    async fn history_marker(&self, _table: &TableName) -> Option<(i64, i64)> {
        None
    }

    /// What the table can be read in chunks of, if anything.
    fn positions(&self) -> Option<PositionKind>;

    /// The leading integer column of `table`'s primary key, for engines
    /// that read in chunks of its values ([`PositionKind::Keys`]).
    async fn position_key(&self, _table: &TableName) -> Option<String> {
        None
    }

    /// `statement` (a rollup's fifteen columns) as one row holding a JSON
    /// array of the rows, when the engine hands over one text faster than a
    /// row per group; `None` to read the rows.
    fn json_rows(&self, _statement: &Statement) -> Option<Statement> {
        None
    }

    /// True for a database server (statements run remotely, in parallel).
    fn is_server(&self) -> bool;

    /// What people should know about the data itself, beyond the mapping
    /// (usagetop's own database: one provider's usage imported from two
    /// kinds of source for the same days).
    async fn data_notes(&self) -> Vec<String> {
        Vec::new()
    }
}

/// The checked mapping, its builder and what it told.
#[derive(Debug)]
struct Prepared {
    builder: SqlBuilder,
    info: SourceInfo,
}

/// A usage store over any SQL engine.
pub struct SqlStore<B: SqlBackend> {
    backend: B,
    mapping: Mapping,
    prepared: OnceCell<Prepared>,
    /// The session's count of unusable rows, counted again for a replaced source.
    quality: RwLock<Arc<OnceCell<Quality>>>,
}

impl<B: SqlBackend> std::fmt::Debug for SqlStore<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlStore")
            .field("source", &self.backend.describe())
            .field("mapping", &self.mapping)
            .finish_non_exhaustive()
    }
}

/// The one row of the quality probe, in its column order.
pub(super) type QualityRow = (
    i64,
    i64,
    Option<String>,
    i64,
    Option<String>,
    i64,
    Option<i64>,
    i64,
    i64,
);

/// Reads the quality probe's row.
pub(super) trait IntoQuality {
    /// The quality the row counts.
    fn into_quality(self, time: TimeKind) -> Quality;
}

impl IntoQuality for QualityRow {
    fn into_quality(self, time: TimeKind) -> Quality {
        let (
            negative_rows,
            unreadable_value_rows,
            unreadable_value_example,
            unreadable_rows,
            unreadable_example,
            future_rows,
            latest,
            adjusted_rows,
            estimated_rows,
        ) = self;
        Quality {
            negative_rows,
            unreadable_value_rows,
            unreadable_value_example,
            unreadable_rows,
            unit_hint: unreadable_example
                .as_deref()
                .and_then(|example| unit_hint(time, example)),
            unreadable_example,
            future_rows,
            latest,
            adjusted_rows,
            estimated_rows,
            cache_note: None,
        }
    }
}

/// What an unreadable integer timestamp suggests about its unit.
fn unit_hint(time: TimeKind, example: &str) -> Option<String> {
    let value: f64 = example.trim().parse().ok()?;
    let magnitude = value.abs();
    match time {
        TimeKind::UnixMillis if magnitude < 1e11 => Some(
            "these look like seconds: if most rows are, set [source] timestamp_format = \"unix_s\" (or \"auto\")"
                .to_owned(),
        ),
        TimeKind::UnixSeconds | TimeKind::UnixMillis if magnitude >= 1e14 => Some(
            "these look like microseconds or nanoseconds, which usagetop does not read".to_owned(),
        ),
        TimeKind::UnixSeconds if magnitude >= 1e11 => Some(
            "these look like milliseconds: if most rows are, set [source] timestamp_format = \"unix_ms\" (or \"auto\")"
                .to_owned(),
        ),
        _ => None,
    }
}

/// Why one attempt at a rollup failed.
#[derive(Debug)]
enum RollupFailure {
    /// The query failed (an overflow is asked again with wide sums).
    Driver(sqlx::Error),
    /// Its JSON could not be read.
    Decode(String),
}

impl<B: SqlBackend> SqlStore<B> {
    /// A store reading `mapping` through `backend`; nothing is checked yet.
    pub fn new(backend: B, mapping: Mapping) -> Self {
        Self {
            backend,
            mapping,
            prepared: OnceCell::new(),
            quality: RwLock::new(Arc::new(OnceCell::new())),
        }
    }

    /// The backend.
    pub fn backend(&self) -> &B {
        &self.backend
    }

    fn quality_cell(&self) -> Arc<OnceCell<Quality>> {
        Arc::clone(
            &self
                .quality
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }
}

/// Binds a built statement's parameters. The SQL comes from [`SqlBuilder`]
/// (quoted identifiers, placeholders, integers computed by usagetop, and the
/// `where` the mapping checked): this is the one place it is marked safe.
fn bound<'q, DB, O>(
    statement: &Statement,
) -> sqlx::query::QueryAs<'q, DB, O, <DB as Database>::Arguments>
where
    DB: Database,
    O: for<'r> FromRow<'r, DB::Row>,
    i64: Encode<'q, DB> + Type<DB>,
    String: Encode<'q, DB> + Type<DB>,
{
    statement.binds.iter().fold(
        sqlx::query_as(sqlx::AssertSqlSafe(statement.sql.clone())),
        |query, bind| match bind {
            Bind::Int(value) => query.bind(*value),
            Bind::Text(value) => query.bind(value.clone()),
        },
    )
}

impl<B> SqlStore<B>
where
    B: SqlBackend,
    for<'c> &'c Pool<B::Db>: Executor<'c, Database = B::Db>,
    <B::Db as Database>::Arguments: IntoArguments<B::Db>,
    for<'q> i64: Encode<'q, B::Db> + Type<B::Db> + Decode<'q, B::Db>,
    for<'q> String: Encode<'q, B::Db> + Type<B::Db> + Decode<'q, B::Db>,
    for<'q> WideSum: Decode<'q, B::Db> + Type<B::Db>,
    for<'q> super::lossy::LossyText: Decode<'q, B::Db> + Type<B::Db>,
    usize: ColumnIndex<<B::Db as Database>::Row>,
{
    async fn fetch_all<O>(&self, statement: &Statement) -> Result<Vec<O>, sqlx::Error>
    where
        O: for<'r> FromRow<'r, <B::Db as Database>::Row> + Send + Unpin,
    {
        bound::<B::Db, O>(statement)
            .fetch_all(&self.backend.pool())
            .await
    }

    async fn fetch_one<O>(&self, statement: &Statement) -> Result<O, sqlx::Error>
    where
        O: for<'r> FromRow<'r, <B::Db as Database>::Row> + Send + Unpin,
    {
        bound::<B::Db, O>(statement)
            .fetch_one(&self.backend.pool())
            .await
    }

    /// Runs the statement `build` makes; when a token sum overflowed 64
    /// bits, widens the builder and runs `build` again (the wide statement).
    async fn fetch_all_widening<O>(
        &self,
        builder: &SqlBuilder,
        build: impl Fn() -> Statement + Send,
    ) -> Result<Vec<O>, sqlx::Error>
    where
        O: for<'r> FromRow<'r, <B::Db as Database>::Row> + Send + Unpin,
    {
        match self.fetch_all(&build()).await {
            Err(error) if builder.widen_after(&error) => self.fetch_all(&build()).await,
            other => other,
        }
    }

    /// The checked mapping, checked on first use (and the source followed on every use).
    async fn prepared(&self) -> Result<&Prepared, StoreError> {
        if self.backend.follow_source().await? {
            *self
                .quality
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(OnceCell::new());
        }
        self.prepared
            .get_or_try_init(|| async {
                let columns = self.backend.columns(&self.mapping.table).await?;
                let url = self.backend.describe();
                if self.mapping.read_final {
                    return Err(StoreError::Mapping {
                        url,
                        source: mapping::MappingError(
                            "[source] final = true reads a ClickHouse table with FINAL; \
                             this database is not ClickHouse: remove it"
                                .to_owned(),
                        ),
                    });
                }
                let checked = match mapping::check(&self.mapping, &columns) {
                    Ok(checked) => checked,
                    Err(error) if columns.is_empty() => {
                        let tables = self.backend.tables().await;
                        return Err(StoreError::Mapping {
                            url,
                            source: mapping::MappingError(format!(
                                "{error}{}",
                                mapping::likely_tables(&self.mapping.table, &tables)
                            )),
                        });
                    }
                    Err(source) => return Err(StoreError::Mapping { url, source }),
                };
                let builder = SqlBuilder::new(self.backend.dialect(), checked);
                let mut builder = self.settle_time_kind(builder).await?;
                if self.backend.positions() == Some(PositionKind::Keys) {
                    builder.set_position_key(self.backend.position_key(&self.mapping.table).await);
                }
                let mut info = builder.checked().source_info();
                info.notes.extend(self.backend.data_notes().await);
                Ok(Prepared { builder, info })
            })
            .await
    }

    /// Decides seconds or milliseconds, and dates or timestamps, from the data.
    async fn settle_time_kind(&self, builder: SqlBuilder) -> Result<SqlBuilder, StoreError> {
        let mut checked = builder.checked().clone();
        match checked.time {
            TimeKind::UnixUnknown => {
                // The bulk of the rows decides: a few rows in another unit
                // are left out (and counted), never the other way round.
                let (low_millis, low, high_millis, high): (i64, i64, i64, i64) = self
                    .fetch_one(&builder.unit_sample())
                    .await
                    .map_err(|error| self.backend.query_error("a sample of timestamps", &error))?;
                let mixed = low_millis + high_millis > 0 && low_millis + high_millis < low + high;
                let (millis, count) = if mixed && low + high >= 2 * super::sql::UNIT_SAMPLE {
                    self.fetch_one::<(i64, i64)>(&builder.unit_count())
                        .await
                        .map_err(|error| {
                            self.backend.query_error("a count of timestamps", &error)
                        })?
                } else {
                    (low_millis + high_millis, low + high)
                };
                checked.time = if millis * 2 > count {
                    TimeKind::UnixMillis
                } else {
                    TimeKind::UnixSeconds
                };
            }
            TimeKind::IsoUnknown => {
                let sample: Vec<(Option<String>,)> = self
                    .fetch_all(&builder.sample_timestamp_text())
                    .await
                    .map_err(|error| self.backend.query_error("a sample timestamp", &error))?;
                let text = sample
                    .into_iter()
                    .next()
                    .and_then(|(text,)| text)
                    .unwrap_or_default();
                checked.time = if text.trim().len() == 10 {
                    TimeKind::DateText
                } else {
                    TimeKind::IsoText
                };
            }
            _ => return Ok(builder),
        }
        Ok(SqlBuilder::new(self.backend.dialect(), checked))
    }

    /// The rows of one statement of a rollup (one JSON text, or rows).
    async fn rollup_rows(
        &self,
        statement: &Statement,
        json: bool,
    ) -> Result<Vec<RollupRow>, RollupFailure> {
        if json {
            let (text,): (super::lossy::LossyText,) = self
                .fetch_one(statement)
                .await
                .map_err(RollupFailure::Driver)?;
            super::rows::from_json_rows(&text.0).map_err(RollupFailure::Decode)
        } else {
            self.fetch_all(statement)
                .await
                .map_err(RollupFailure::Driver)
        }
    }

    /// One attempt at a rollup of `scan`.
    async fn rollup_attempt(
        &self,
        plan: &RollupStatements,
    ) -> Result<Vec<RollupRow>, RollupFailure> {
        if let Some(statement) = &plan.optimistic {
            let rows = self.rollup_rows(statement, plan.json).await?;
            // Exact unless a row was left out (a negative token count).
            if rows.iter().all(|row| row.rejected == 0) {
                return Ok(rows);
            }
        }
        let mut rows = Vec::new();
        for statement in &plan.exact {
            rows.extend(self.rollup_rows(statement, plan.json).await?);
        }
        Ok(rows)
    }

    /// The statements of a rollup of `scan`.
    fn rollup_statements(&self, builder: &SqlBuilder, scan: Scan) -> RollupStatements {
        if let Some(own) = self.backend.own_rollup(scan) {
            return own;
        }
        let optimistic = builder.rollup_optimistic(scan);
        let exact = builder.rollup(scan);
        match self.backend.json_rows(&optimistic) {
            Some(optimistic) => RollupStatements {
                optimistic: Some(optimistic),
                exact: exact
                    .iter()
                    .filter_map(|statement| self.backend.json_rows(statement))
                    .collect(),
                json: true,
            },
            None => RollupStatements {
                optimistic: Some(optimistic),
                exact,
                json: false,
            },
        }
    }
}

#[async_trait]
impl<B> UsageStore for SqlStore<B>
where
    B: SqlBackend,
    for<'c> &'c Pool<B::Db>: Executor<'c, Database = B::Db>,
    <B::Db as Database>::Arguments: IntoArguments<B::Db>,
    for<'q> i64: Encode<'q, B::Db> + Type<B::Db> + Decode<'q, B::Db>,
    for<'q> String: Encode<'q, B::Db> + Type<B::Db> + Decode<'q, B::Db>,
    for<'q> WideSum: Decode<'q, B::Db> + Type<B::Db>,
    for<'q> super::lossy::LossyText: Decode<'q, B::Db> + Type<B::Db>,
    usize: ColumnIndex<<B::Db as Database>::Row>,
{
    fn describe(&self) -> String {
        self.backend.describe()
    }

    async fn prepare(&self) -> Result<SourceInfo, StoreError> {
        Ok(self.prepared().await?.info.clone())
    }

    fn forget_quality(&self) {
        *self
            .quality
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(OnceCell::new());
    }

    async fn quality(&self, now: i64) -> Result<Quality, StoreError> {
        let prepared = self.prepared().await?;
        let cell = self.quality_cell();
        cell.get_or_try_init(|| async {
            let statement = prepared
                .builder
                .quality(now.saturating_add(crate::period::SECONDS_PER_DAY));
            let row: QualityRow = self
                .fetch_one(&statement)
                .await
                .map_err(|error| self.backend.query_error("a count of unusable rows", &error))?;
            Ok(row.into_quality(prepared.builder.checked().time))
        })
        .await
        .cloned()
    }

    async fn first_event(
        &self,
        end: i64,
        calendar: &Calendar,
        filter: &Filter,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        let prepared = self.prepared().await?;
        check_filter(&prepared.builder, filter, &self.describe())?;
        let statement = prepared.builder.first(end, calendar, filter);
        let (first,): (Option<i64>,) = self
            .fetch_one(&statement)
            .await
            .map_err(|error| self.backend.query_error("the first event", &error))?;
        Ok(first_instant(first, prepared.info.daily_utc, calendar))
    }

    async fn day_model_rows(
        &self,
        range: SecondsRange,
        calendar: &Calendar,
        filter: &Filter,
    ) -> Result<Vec<DayModelRow>, StoreError> {
        let builder = &self.prepared().await?.builder;
        let rows: Vec<DayRow> = self
            .fetch_all_widening(builder, || builder.day_model(range, calendar, filter))
            .await
            .map_err(|error| self.backend.query_error("usage per day and model", &error))?;
        Ok(rows.into_iter().map(DayRow::into_day_model_row).collect())
    }

    async fn day_dimension_rows(
        &self,
        range: SecondsRange,
        calendar: &Calendar,
        filter: &Filter,
        dimension: Dimension,
    ) -> Result<Vec<(String, DayModelRow)>, StoreError> {
        let prepared = self.prepared().await?;
        let builder = &prepared.builder;
        check_filter(builder, filter, &self.describe())?;
        // Checked once: the statement is built again only to widen its sums.
        builder
            .day_dimension(range, calendar, filter, dimension)
            .map_err(|source| StoreError::Mapping {
                url: self.describe(),
                source,
            })?;
        let rows: Vec<KeyedDayRow> = self
            .fetch_all_widening(builder, || {
                builder
                    .day_dimension(range, calendar, filter, dimension)
                    .unwrap_or_else(|_| Statement::default())
            })
            .await
            .map_err(|error| {
                self.backend
                    .query_error("usage per day and dimension", &error)
            })?;
        Ok(rows.into_iter().map(KeyedDayRow::into_keyed).collect())
    }

    async fn model_rows(
        &self,
        range: SecondsRange,
        calendar: &Calendar,
        filter: &Filter,
    ) -> Result<Vec<ModelRow>, StoreError> {
        let builder = &self.prepared().await?.builder;
        let rows: Vec<ModelSum> = self
            .fetch_all_widening(builder, || builder.model_totals(range, calendar, filter))
            .await
            .map_err(|error| self.backend.query_error("usage per model", &error))?;
        Ok(rows.into_iter().map(ModelSum::into_model_row).collect())
    }
}

#[async_trait]
impl<B> RollupSource for SqlStore<B>
where
    B: SqlBackend,
    for<'c> &'c Pool<B::Db>: Executor<'c, Database = B::Db>,
    <B::Db as Database>::Arguments: IntoArguments<B::Db>,
    for<'q> i64: Encode<'q, B::Db> + Type<B::Db> + Decode<'q, B::Db>,
    for<'q> String: Encode<'q, B::Db> + Type<B::Db> + Decode<'q, B::Db>,
    for<'q> WideSum: Decode<'q, B::Db> + Type<B::Db>,
    for<'q> super::lossy::LossyText: Decode<'q, B::Db> + Type<B::Db>,
    usize: ColumnIndex<<B::Db as Database>::Row>,
{
    fn identity(&self) -> String {
        format!("{}\n{:?}", self.backend.identity(), self.mapping)
    }

    async fn rollup(&self, scan: Scan) -> Result<Vec<RollupRow>, StoreError> {
        let builder = &self.prepared().await?.builder;
        let attempt = self
            .rollup_attempt(&self.rollup_statements(builder, scan))
            .await;
        let rows = match attempt {
            Err(RollupFailure::Driver(error)) if builder.widen_after(&error) => {
                self.rollup_attempt(&self.rollup_statements(builder, scan))
                    .await
            }
            other => other,
        };
        rows.map_err(|failure| match failure {
            RollupFailure::Driver(error) => {
                self.backend.query_error("usage per quarter hour", &error)
            }
            RollupFailure::Decode(detail) => StoreError::Query {
                what: "usage per quarter hour",
                url: self.describe(),
                detail: format!("the rollup rows cannot be read: {detail}"),
            },
        })
    }

    async fn fingerprints(&self, range: SecondsRange) -> Result<Vec<DayRow>, StoreError> {
        let builder = &self.prepared().await?.builder;
        let statement = self.backend.own_fingerprints(range).unwrap_or_else(|| {
            let utc = Calendar::new(chrono_tz::UTC, crate::period::WeekStart::Monday);
            builder.day_model(range, &utc, &Filter::default())
        });
        self.fetch_all(&statement).await.map_err(|error| {
            self.backend
                .query_error("usage per UTC day to verify the cache", &error)
        })
    }

    async fn history_marker(&self) -> Option<(i64, i64)> {
        self.backend.history_marker(&self.mapping.table).await
    }

    fn history_is_cheap(&self) -> bool {
        self.backend
            .own_fingerprints(SecondsRange { start: 0, end: 0 })
            .is_some()
    }

    async fn bounds(&self) -> Result<(Option<i64>, Option<i64>), StoreError> {
        let statement = self.prepared().await?.builder.bounds();
        self.fetch_one(&statement).await.map_err(|error| {
            self.backend
                .query_error("the first and last timestamps", &error)
        })
    }

    async fn extent(&self) -> Option<Extent> {
        let kind = self.backend.positions()?;
        let builder = &self.prepared().await.ok()?.builder;
        let (start, end) = if kind == PositionKind::Keys {
            // The smallest and largest key (a step down the primary key each).
            let (first, last): (Option<i64>, Option<i64>) =
                self.fetch_one(&builder.key_extent()?).await.ok()?;
            (first?, last?.saturating_add(1))
        } else {
            let (positions, version): (Option<i64>, i64) =
                self.fetch_one(&builder.extent()).await.ok()?;
            // PostgreSQL reads page ranges efficiently from version 14 (TID range scans).
            if version != 0 && version < 140_000 {
                return None;
            }
            (0, positions.filter(|positions| *positions > 0)?)
        };
        Some(Extent { start, end, kind })
    }

    fn is_server(&self) -> bool {
        self.backend.is_server()
    }
}
