//! What the two SQL backends share: binding a built statement, and the
//! `UsageStore` query methods, which differ between SQLite and PostgreSQL
//! only in the pool type. Each backend provides `prepared()` (its checked
//! mapping and builder), `query_error()`, `pool()`, `quality_cell()` and a
//! describe text. A token sum that overflows 64 bits is asked again with
//! wide sums (see `store::wide`).

/// Binds a statement's parameters and runs it with `AssertSqlSafe`: the SQL
/// comes from `QueryBuilder` (quoted identifiers, placeholders, integers,
/// and the `where` the mapping checked).
macro_rules! bound {
    ($statement:expr) => {{
        let statement: &$crate::store::sql::Statement = $statement;
        statement.binds.iter().fold(
            sqlx::query_as(sqlx::AssertSqlSafe(statement.sql.clone())),
            |query, bind| match bind {
                $crate::store::sql::Bind::Int(value) => query.bind(*value),
                $crate::store::sql::Bind::Text(value) => query.bind(value.clone()),
            },
        )
    }};
}

/// Runs the statement `$build` makes with `fetch_all`; when a token sum
/// overflowed 64 bits, widens `$builder` and runs `$build` again (it is
/// evaluated anew, so it builds the wide statement).
macro_rules! fetch_all_widening {
    ($store:expr, $builder:expr, $build:expr) => {{
        let statement = $build;
        match $crate::store::backend::bound!(&statement)
            .fetch_all(&$store.pool())
            .await
        {
            Err(error) if $builder.widen_after(&error) => {
                let statement = $build;
                $crate::store::backend::bound!(&statement)
                    .fetch_all(&$store.pool())
                    .await
            }
            other => other,
        }
    }};
}

/// Implements `UsageStore` for a backend type; `$describe` turns the store
/// into the text people see (URL or path, password removed).
macro_rules! sql_usage_store {
    ($store:ty, $describe:expr) => {
        #[async_trait::async_trait]
        impl $crate::store::UsageStore for $store {
            fn describe(&self) -> String {
                ($describe)(self)
            }

            async fn prepare(
                &self,
            ) -> Result<$crate::store::SourceInfo, $crate::store::StoreError> {
                Ok(self.prepared().await?.info.clone())
            }

            async fn quality(
                &self,
                now: i64,
            ) -> Result<$crate::store::Quality, $crate::store::StoreError> {
                let prepared = self.prepared().await?;
                let cell = self.quality_cell();
                cell.get_or_try_init(|| async {
                    let statement = prepared.builder.quality(now);
                    let (
                                        negative_rows,
                                        unreadable_rows,
                                        unreadable_example,
                                        future_rows,
                                        latest,
                                    ): (i64, i64, Option<String>, i64, Option<i64>) =
                                        $crate::store::backend::bound!(&statement)
                                            .fetch_one(&self.pool())
                                            .await
                                            .map_err(|error| {
                                                self.query_error("a count of unusable rows", &error)
                                            })?;
                    Ok($crate::store::Quality {
                        negative_rows,
                        unreadable_rows,
                        unreadable_example,
                        future_rows,
                        latest,
                        cache_note: None,
                    })
                })
                .await
                .cloned()
            }

            async fn first_event(
                &self,
                end: i64,
                calendar: &$crate::period::Calendar,
                filter: &$crate::filter::Filter,
            ) -> Result<Option<chrono::DateTime<chrono::Utc>>, $crate::store::StoreError> {
                let prepared = self.prepared().await?;
                $crate::store::check_filter(&prepared.builder, filter, &self.describe())?;
                let statement = prepared.builder.first(end, calendar, filter);
                let (first,): (Option<i64>,) = $crate::store::backend::bound!(&statement)
                    .fetch_one(&self.pool())
                    .await
                    .map_err(|error| self.query_error("the first event", &error))?;
                Ok($crate::store::first_instant(
                    first,
                    prepared.info.daily_utc,
                    calendar,
                ))
            }

            async fn day_model_rows(
                &self,
                range: $crate::store::SecondsRange,
                calendar: &$crate::period::Calendar,
                filter: &$crate::filter::Filter,
            ) -> Result<Vec<$crate::analytics::DayModelRow>, $crate::store::StoreError> {
                let builder = &self.prepared().await?.builder;
                let rows: Vec<$crate::store::DayTuple> =
                    $crate::store::backend::fetch_all_widening!(
                        self,
                        builder,
                        builder.day_model(range, calendar, filter)
                    )
                    .map_err(|error| self.query_error("usage per day and model", &error))?;
                Ok($crate::store::day_rows(rows))
            }

            async fn day_dimension_rows(
                &self,
                range: $crate::store::SecondsRange,
                calendar: &$crate::period::Calendar,
                filter: &$crate::filter::Filter,
                dimension: $crate::filter::Dimension,
            ) -> Result<Vec<(String, $crate::analytics::DayModelRow)>, $crate::store::StoreError>
            {
                let prepared = self.prepared().await?;
                $crate::store::check_filter(&prepared.builder, filter, &self.describe())?;
                let build = || {
                    prepared
                        .builder
                        .day_dimension(range, calendar, filter, dimension)
                        .map_err(|source| $crate::store::StoreError::Mapping {
                            url: self.describe(),
                            source,
                        })
                };
                let rows: Vec<$crate::store::DimensionTuple> =
                    $crate::store::backend::fetch_all_widening!(self, prepared.builder, build()?)
                        .map_err(|error| self.query_error("usage per day and dimension", &error))?;
                Ok($crate::store::dimension_rows(rows))
            }

            async fn model_rows(
                &self,
                range: $crate::store::SecondsRange,
                calendar: &$crate::period::Calendar,
                filter: &$crate::filter::Filter,
            ) -> Result<Vec<$crate::analytics::ModelRow>, $crate::store::StoreError> {
                let builder = &self.prepared().await?.builder;
                let rows: Vec<$crate::store::ModelTuple> =
                    $crate::store::backend::fetch_all_widening!(
                        self,
                        builder,
                        builder.model_totals(range, calendar, filter)
                    )
                    .map_err(|error| self.query_error("usage per model", &error))?;
                Ok($crate::store::model_rows(rows))
            }
        }
    };
}

/// Why one attempt at a rollup failed.
#[derive(Debug)]
pub(crate) enum RollupFailure {
    /// The query failed (an overflow is asked again with wide sums).
    Driver(sqlx::Error),
    /// Its JSON could not be read.
    Decode(String),
    /// The mapping could not be prepared.
    Store(super::StoreError),
}

/// Implements `RollupSource` for a backend type with a `mapping` field.
macro_rules! sql_rollup_source {
    ($store:ty) => {
        impl $store {
            /// The rollup rows `statement` returns (as one JSON text when `json`).
            async fn rollup_rows(
                &self,
                statement: &$crate::store::sql::Statement,
                json: bool,
            ) -> Result<Vec<$crate::store::RollupTuple>, $crate::store::backend::RollupFailure>
            {
                use $crate::store::backend::RollupFailure;
                if json {
                    let (text,): (String,) = $crate::store::backend::bound!(statement)
                        .fetch_one(&self.pool())
                        .await
                        .map_err(RollupFailure::Driver)?;
                    serde_json::from_str(&text)
                        .map_err(|error| RollupFailure::Decode(error.to_string()))
                } else {
                    $crate::store::backend::bound!(statement)
                        .fetch_all(&self.pool())
                        .await
                        .map_err(RollupFailure::Driver)
                }
            }

            /// One attempt at a rollup of `scan`.
            async fn rollup_attempt(
                &self,
                scan: $crate::store::sql::Scan,
            ) -> Result<Vec<$crate::store::RollupTuple>, $crate::store::backend::RollupFailure>
            {
                let plan = self
                    .rollup_statements(scan)
                    .await
                    .map_err($crate::store::backend::RollupFailure::Store)?;
                if let Some(statement) = &plan.optimistic {
                    let rows = self.rollup_rows(statement, plan.json).await?;
                    // Exact unless a row had a negative token count.
                    if rows.iter().all(|row| row.9 == 0) {
                        return Ok(rows);
                    }
                }
                let mut rows: Vec<$crate::store::RollupTuple> = Vec::new();
                for statement in &plan.exact {
                    rows.extend(self.rollup_rows(statement, plan.json).await?);
                }
                Ok(rows)
            }
        }

        #[async_trait::async_trait]
        impl $crate::store::RollupSource for $store {
            fn identity(&self) -> String {
                use $crate::store::UsageStore as _;
                format!("{}\n{:?}", self.describe(), self.mapping)
            }

            async fn rollup(
                &self,
                scan: $crate::store::sql::Scan,
            ) -> Result<Vec<$crate::store::RollupRow>, $crate::store::StoreError> {
                use $crate::store::backend::RollupFailure;
                let rows = match self.rollup_attempt(scan).await {
                    Err(RollupFailure::Driver(error))
                        if self.prepared().await?.builder.widen_after(&error) =>
                    {
                        self.rollup_attempt(scan).await
                    }
                    other => other,
                }
                .map_err(|failure| match failure {
                    RollupFailure::Driver(error) => {
                        self.query_error("usage per quarter hour", &error)
                    }
                    RollupFailure::Decode(detail) => $crate::store::StoreError::Query {
                        what: "usage per quarter hour",
                        url: $crate::store::UsageStore::describe(self),
                        detail: format!("the rollup rows cannot be read: {detail}"),
                    },
                    RollupFailure::Store(error) => error,
                })?;
                Ok(rows
                    .into_iter()
                    .map($crate::store::RollupRow::from)
                    .collect())
            }

            async fn bounds(
                &self,
            ) -> Result<(Option<i64>, Option<i64>), $crate::store::StoreError> {
                let statement = self.prepared().await?.builder.bounds();
                $crate::store::backend::bound!(&statement)
                    .fetch_one(&self.pool())
                    .await
                    .map_err(|error| self.query_error("the first and last timestamps", &error))
            }

            async fn count_before(&self, end: i64) -> Result<i64, $crate::store::StoreError> {
                let statement = self.prepared().await?.builder.count_before(end);
                let (count,): (i64,) = $crate::store::backend::bound!(&statement)
                    .fetch_one(&self.pool())
                    .await
                    .map_err(|error| self.query_error("a count of rows", &error))?;
                Ok(count)
            }

            async fn extent(&self) -> Option<i64> {
                if !self.chunked() {
                    return None;
                }
                let statement = self.prepared().await.ok()?.builder.extent();
                let (positions, version): (Option<i64>, i64) =
                    $crate::store::backend::bound!(&statement)
                        .fetch_one(&self.pool())
                        .await
                        .ok()?;
                // PostgreSQL reads page ranges efficiently from version 14 (TID range scans).
                if version != 0 && version < 140_000 {
                    return None;
                }
                positions.filter(|positions| *positions > 0)
            }
        }
    };
}

pub(crate) use {bound, fetch_all_widening, sql_rollup_source, sql_usage_store};
