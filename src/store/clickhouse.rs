//! The ClickHouse store: `clickhouse://` and `clickhouses://` URLs over the
//! server's HTTP interface (`clickhouse::http`; no bound parameters there,
//! so `clickhouse::literal` writes every value into the SQL). The SQL is the
//! shared builder's in `clickhouse::dialect`: the server groups by local day
//! and model, shard by shard on a `Distributed` table, and usagetop reads
//! about `days × models` rows. Columns come from `system.columns`
//! (`Nullable` and `LowCardinality` unwrapped). There are no counters of
//! changed rows: the rollup cache verifies history by slices, as for a
//! SQLite file of another program's.

pub mod dialect;
pub mod http;
pub mod literal;
pub mod stream;

use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use tokio::sync::OnceCell;

use super::mapping::{self, ColumnKind, Mapping, TableName, TimeKind};
use super::rows::{DayRow, KeyedDayRow, ModelSum, RollupRow};
use super::runner::{IntoQuality, QualityRow};
use super::sql::{Bind, Dialect, Scan, SqlBuilder, Statement};
use super::{
    check_filter, first_instant, Quality, RollupBatches, RollupSource, SecondsRange, SourceInfo,
    StoreError, Timeouts, UsageStore,
};
use crate::analytics::{DayModelRow, ModelRow};
use crate::filter::{Dimension, Filter};
use crate::period::Calendar;
use http::Endpoint;

/// Classifies a `system.columns.type`, `Nullable(...)` and
/// `LowCardinality(...)` unwrapped.
#[must_use]
pub fn column_kind(data_type: &str) -> ColumnKind {
    let mut inner = data_type.trim();
    loop {
        let unwrapped = ["Nullable(", "LowCardinality("]
            .iter()
            .find_map(|wrapper| inner.strip_prefix(wrapper))
            .and_then(|rest| rest.strip_suffix(')'));
        match unwrapped {
            Some(rest) => inner = rest.trim(),
            None => break,
        }
    }
    let base = inner.split('(').next().unwrap_or(inner);
    match base {
        "Int8" | "Int16" | "Int32" | "Int64" | "Int128" | "Int256" | "UInt8" | "UInt16"
        | "UInt32" | "UInt64" | "UInt128" | "UInt256" => ColumnKind::Integer,
        "Float32" | "Float64" | "Decimal" | "Decimal32" | "Decimal64" | "Decimal128"
        | "Decimal256" => ColumnKind::Fractional,
        "String" | "FixedString" | "Enum8" | "Enum16" | "UUID" => ColumnKind::Text,
        "Date" | "Date32" => ColumnKind::Date,
        "DateTime" | "DateTime64" => ColumnKind::TimestampTz,
        _ => ColumnKind::Other(inner.to_owned()),
    }
}

/// True when a server of `version` (`21.8.3.44`) has the `Map` type.
#[must_use]
pub fn has_maps(version: &str) -> bool {
    let mut parts = version
        .trim()
        .split('.')
        .map(|part| part.parse::<u32>().unwrap_or(0));
    let major = parts.next().unwrap_or(0);
    let minor = parts.next().unwrap_or(0);
    (major, minor) >= (21, 8)
}

/// What a rollup reads.
const ROLLUP: &str = "usage per quarter hour";

/// Rows per batch of a streamed rollup (about 2 MB of rows).
const BATCH_ROWS: usize = 10_000;

/// Where a streamed rollup is.
enum Feed {
    /// Not asked yet.
    Start(Scan),
    /// Reading an answer; the statements still to read after it.
    Reading(stream::RowStream, Vec<Statement>),
    /// The statements still to read, the next one last.
    Next(Vec<Statement>),
}

/// The checked mapping and what it says about the source.
#[derive(Debug)]
struct Prepared {
    builder: SqlBuilder,
    info: SourceInfo,
}

/// A ClickHouse usage table (MergeTree, Distributed, or any table engine).
pub struct ClickhouseStore {
    endpoint: Endpoint,
    mapping: Mapping,
    prepared: OnceCell<Prepared>,
    /// The session's count of unusable rows.
    quality: RwLock<Arc<OnceCell<Quality>>>,
}

impl std::fmt::Debug for ClickhouseStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClickhouseStore")
            .field("source", &self.endpoint.shown)
            .field("mapping", &self.mapping)
            .finish_non_exhaustive()
    }
}

impl ClickhouseStore {
    /// A store of the server `url` names; nothing is asked before the first query.
    ///
    /// # Errors
    /// A malformed URL.
    pub fn new(url: &str, mapping: Mapping, timeouts: Timeouts) -> Result<Self, StoreError> {
        Ok(Self {
            endpoint: Endpoint::parse(url, timeouts)?,
            mapping,
            prepared: OnceCell::new(),
            quality: RwLock::new(Arc::new(OnceCell::new())),
        })
    }

    /// The rows of `statement`, or an error saying what was being read.
    async fn rows<T: DeserializeOwned>(
        &self,
        what: &'static str,
        statement: &Statement,
    ) -> Result<Vec<T>, StoreError> {
        let sql = literal::render(statement).map_err(|detail| StoreError::Query {
            what,
            url: self.describe(),
            detail,
        })?;
        self.endpoint
            .rows(&sql)
            .await
            .map_err(|failure| StoreError::Query {
                what,
                url: self.describe(),
                detail: failure.explain(&self.endpoint),
            })
    }

    /// The rows of `statement` as they arrive.
    async fn open(
        &self,
        what: &'static str,
        statement: &Statement,
    ) -> Result<stream::RowStream, StoreError> {
        let error = |detail| StoreError::Query {
            what,
            url: self.describe(),
            detail,
        };
        let sql = literal::render(statement).map_err(error)?;
        self.endpoint
            .stream(&sql)
            .await
            .map_err(|failure| error(failure.explain(&self.endpoint)))
    }

    /// The next batch of a streamed rollup.
    async fn batch(
        &self,
        rows: &mut stream::RowStream,
    ) -> Result<Option<Vec<RollupRow>>, StoreError> {
        rows.next_batch(BATCH_ROWS)
            .await
            .map_err(|failure| StoreError::Query {
                what: ROLLUP,
                url: self.describe(),
                detail: failure.explain(&self.endpoint),
            })
    }

    /// The next batch of a streamed rollup, and what to read after it.
    async fn next_rollup_batch(
        &self,
        mut feed: Feed,
    ) -> Result<Option<(Vec<RollupRow>, Feed)>, StoreError> {
        loop {
            feed = match feed {
                Feed::Start(scan) => {
                    let builder = &self.prepared().await?.builder;
                    let mut optimistic = builder.rollup_optimistic(scan);
                    // Groups with rows left out first: the first row says
                    // whether this one pass is exact (almost always).
                    optimistic.sql.push_str(" ORDER BY usagetop_rejected DESC");
                    let mut rows = self.open(ROLLUP, &optimistic).await?;
                    match self.batch(&mut rows).await? {
                        Some(batch) if batch.first().is_some_and(|row| row.rejected > 0) => {
                            let mut exact = builder.rollup(scan);
                            exact.reverse();
                            Feed::Next(exact)
                        }
                        Some(batch) => return Ok(Some((batch, Feed::Reading(rows, Vec::new())))),
                        None => return Ok(None),
                    }
                }
                Feed::Next(mut statements) => match statements.pop() {
                    Some(statement) => {
                        Feed::Reading(self.open(ROLLUP, &statement).await?, statements)
                    }
                    None => return Ok(None),
                },
                Feed::Reading(mut rows, statements) => match self.batch(&mut rows).await? {
                    Some(batch) => return Ok(Some((batch, Feed::Reading(rows, statements)))),
                    None => Feed::Next(statements),
                },
            }
        }
    }

    /// The one row of `statement`.
    async fn row<T: DeserializeOwned>(
        &self,
        what: &'static str,
        statement: &Statement,
    ) -> Result<T, StoreError> {
        self.rows(what, statement)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| StoreError::Query {
                what,
                url: self.describe(),
                detail: "the server answered no row".to_owned(),
            })
    }

    /// The columns of `table` from `system.columns`.
    async fn columns(&self, table: &TableName) -> Result<Vec<(String, ColumnKind)>, StoreError> {
        let database = table
            .schema
            .clone()
            .unwrap_or_else(|| self.endpoint.database.clone());
        let statement = Statement {
            sql: "SELECT name, type FROM system.columns WHERE database = ? AND table = ?"
                .to_owned(),
            binds: vec![Bind::Text(database), Bind::Text(table.name.clone())],
        };
        let rows: Vec<(String, String)> = self.rows("the table's columns", &statement).await?;
        Ok(rows
            .into_iter()
            .map(|(name, data_type)| (name, column_kind(&data_type)))
            .collect())
    }

    /// Every table but the server's own.
    async fn tables(&self) -> Vec<TableName> {
        let statement = Statement {
            sql: "SELECT database, name FROM system.tables WHERE database != 'system'".to_owned(),
            binds: Vec::new(),
        };
        let rows: Vec<(String, String)> = self
            .rows("the tables", &statement)
            .await
            .unwrap_or_default();
        rows.into_iter()
            .map(|(schema, name)| TableName {
                schema: Some(schema),
                name,
            })
            .collect()
    }

    /// The checked mapping, checked on first use.
    async fn prepared(&self) -> Result<&Prepared, StoreError> {
        self.prepared
            .get_or_try_init(|| async {
                let columns = self.columns(&self.mapping.table).await?;
                let url = self.describe();
                self.check_maps().await?;
                let checked = match mapping::check(&self.mapping, &columns) {
                    Ok(checked) => checked,
                    Err(error) if columns.is_empty() => {
                        let tables = self.tables().await;
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
                let builder = self
                    .settle_time_kind(SqlBuilder::new(Dialect::Clickhouse, checked))
                    .await?;
                let info = builder.checked().source_info();
                Ok(Prepared { builder, info })
            })
            .await
    }

    /// A mapping that reads map keys needs a server with the `Map` type.
    async fn check_maps(&self) -> Result<(), StoreError> {
        let keys = self.mapping.map_keys();
        if keys.is_empty() {
            return Ok(());
        }
        let statement = Statement {
            sql: "SELECT version()".to_owned(),
            binds: Vec::new(),
        };
        let (version,): (String,) = self.row("the server version", &statement).await?;
        if has_maps(&version) {
            return Ok(());
        }
        let named: Vec<String> = keys.iter().map(ToString::to_string).collect();
        Err(StoreError::Mapping {
            url: self.describe(),
            source: mapping::MappingError(format!(
                "[source] reads keys of Map columns ({}), and ClickHouse {} has no Map type \
                 (it came in 21.8): read them on a current server{}",
                named.join(", "),
                crate::text::sanitize(&version, 40),
                if self.mapping.preset == mapping::Preset::Langfuse {
                    " (Langfuse's own tables need one too)"
                } else {
                    ""
                }
            )),
        })
    }

    /// Decides seconds or milliseconds (one pass: ClickHouse counts fast),
    /// and dates or timestamps, from the data.
    async fn settle_time_kind(&self, builder: SqlBuilder) -> Result<SqlBuilder, StoreError> {
        let mut checked = builder.checked().clone();
        match checked.time {
            TimeKind::UnixUnknown => {
                let (millis, count): (i64, i64) = self
                    .row("a count of timestamps", &builder.unit_count())
                    .await?;
                checked.time = if millis * 2 > count {
                    TimeKind::UnixMillis
                } else {
                    TimeKind::UnixSeconds
                };
            }
            TimeKind::IsoUnknown => {
                let sample: Vec<(Option<String>,)> = self
                    .rows("a sample timestamp", &builder.sample_timestamp_text())
                    .await?;
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
        Ok(SqlBuilder::new(Dialect::Clickhouse, checked))
    }
}

#[async_trait]
impl UsageStore for ClickhouseStore {
    fn describe(&self) -> String {
        self.endpoint.shown.clone()
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
        let cell = self
            .quality
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        cell.get_or_try_init(|| async {
            let statement = prepared
                .builder
                .quality(now.saturating_add(crate::period::SECONDS_PER_DAY));
            let row: QualityRow = self.row("a count of unusable rows", &statement).await?;
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
        let (first,): (Option<i64>,) = self.row("the first event", &statement).await?;
        Ok(first_instant(first, prepared.info.daily_utc, calendar))
    }

    async fn day_model_rows(
        &self,
        range: SecondsRange,
        calendar: &Calendar,
        filter: &Filter,
    ) -> Result<Vec<DayModelRow>, StoreError> {
        let builder = &self.prepared().await?.builder;
        let statement = builder.day_model(range, calendar, filter);
        let rows: Vec<DayRow> = self.rows("usage per day and model", &statement).await?;
        Ok(rows.into_iter().map(DayRow::into_day_model_row).collect())
    }

    async fn day_dimension_rows(
        &self,
        range: SecondsRange,
        calendar: &Calendar,
        filter: &Filter,
        dimension: Dimension,
    ) -> Result<Vec<(String, DayModelRow)>, StoreError> {
        let builder = &self.prepared().await?.builder;
        check_filter(builder, filter, &self.describe())?;
        let statement = builder
            .day_dimension(range, calendar, filter, dimension)
            .map_err(|source| StoreError::Mapping {
                url: self.describe(),
                source,
            })?;
        let rows: Vec<KeyedDayRow> = self.rows("usage per day and dimension", &statement).await?;
        Ok(rows.into_iter().map(KeyedDayRow::into_keyed).collect())
    }

    async fn model_rows(
        &self,
        range: SecondsRange,
        calendar: &Calendar,
        filter: &Filter,
    ) -> Result<Vec<ModelRow>, StoreError> {
        let builder = &self.prepared().await?.builder;
        let statement = builder.model_totals(range, calendar, filter);
        let rows: Vec<ModelSum> = self.rows("usage per model", &statement).await?;
        Ok(rows.into_iter().map(ModelSum::into_model_row).collect())
    }
}

#[async_trait]
impl RollupSource for ClickhouseStore {
    fn identity(&self) -> String {
        format!("{}\n{:?}", self.endpoint.shown, self.mapping)
    }

    async fn rollup(&self, scan: Scan) -> Result<Vec<RollupRow>, StoreError> {
        let builder = &self.prepared().await?.builder;
        const WHAT: &str = ROLLUP;
        let rows: Vec<RollupRow> = self.rows(WHAT, &builder.rollup_optimistic(scan)).await?;
        // Exact unless a row was left out (a negative token count).
        if rows.iter().all(|row| row.rejected == 0) {
            return Ok(rows);
        }
        let mut exact = Vec::new();
        for statement in builder.rollup(scan) {
            exact.extend(self.rows::<RollupRow>(WHAT, &statement).await?);
        }
        Ok(exact)
    }

    fn rollup_batches(&self, scan: Scan) -> RollupBatches<'_> {
        Box::pin(futures_util::stream::unfold(
            Some(Feed::Start(scan)),
            move |feed| async move {
                match self.next_rollup_batch(feed?).await {
                    Ok(Some((batch, feed))) => Some((Ok(batch), Some(feed))),
                    Ok(None) => None,
                    Err(error) => Some((Err(error), None)),
                }
            },
        ))
    }

    async fn bounds(&self) -> Result<(Option<i64>, Option<i64>), StoreError> {
        let statement = self.prepared().await?.builder.bounds();
        self.row("the first and last timestamps", &statement).await
    }

    async fn fingerprints(&self, range: SecondsRange) -> Result<Vec<DayRow>, StoreError> {
        let builder = &self.prepared().await?.builder;
        let utc = Calendar::new(chrono_tz::UTC, crate::period::WeekStart::Monday);
        let statement = builder.day_model(range, &utc, &Filter::default());
        self.rows("usage per UTC day to verify the cache", &statement)
            .await
    }

    async fn history_marker(&self) -> Option<(i64, i64)> {
        // ClickHouse keeps no counts of rows changed: history is compared by slices.
        None
    }

    async fn extent(&self) -> Option<super::Extent> {
        // Read by time ranges: a table has no physical positions to scan.
        None
    }

    fn is_server(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_come_with_21_8() {
        assert!(!has_maps("18.16.1"));
        assert!(!has_maps("21.3.20.1"));
        assert!(has_maps("21.8.15.7"));
        assert!(has_maps("25.8.2.1"));
        assert!(!has_maps("not a version"));
    }

    #[test]
    fn column_types_are_classified_through_their_wrappers() {
        assert_eq!(column_kind("UInt32"), ColumnKind::Integer);
        assert_eq!(column_kind("Nullable(Int64)"), ColumnKind::Integer);
        assert_eq!(column_kind("LowCardinality(String)"), ColumnKind::Text);
        assert_eq!(
            column_kind("LowCardinality(Nullable(String))"),
            ColumnKind::Text
        );
        assert_eq!(column_kind("DateTime"), ColumnKind::TimestampTz);
        assert_eq!(column_kind("DateTime('UTC')"), ColumnKind::TimestampTz);
        assert_eq!(
            column_kind("Nullable(DateTime64(3, 'UTC'))"),
            ColumnKind::TimestampTz
        );
        assert_eq!(column_kind("Date"), ColumnKind::Date);
        assert_eq!(column_kind("Decimal(18, 10)"), ColumnKind::Fractional);
        assert_eq!(column_kind("Float64"), ColumnKind::Fractional);
        assert_eq!(
            column_kind("Map(String, UInt64)"),
            ColumnKind::Other("Map(String, UInt64)".to_owned())
        );
    }
}
