//! Data access: the [`UsageStore`] trait every backend implements, opening a
//! store from a URL, and fetching everything one report needs. Stores return
//! rows already grouped by the database (`GROUP BY`), never raw events.

pub mod demo;
pub mod migrate;
pub mod sqlite;
pub mod url;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::analytics::plan::UtcRange;
use crate::analytics::{Aggregates, DayModelRow, ModelRow, QueryPlan};
use crate::period::Calendar;

pub use url::DatabaseUrl;

/// A failure of the data layer, with what the user can do about it.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be opened.
    #[error("cannot open the database {url}: {detail}")]
    Open {
        /// Redacted URL or path.
        url: String,
        /// What went wrong and how to fix it.
        detail: String,
    },
    /// A query failed.
    #[error("reading {what} from {url} failed: {source}")]
    Query {
        /// What was being read.
        what: &'static str,
        /// Redacted URL or path.
        url: String,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },
    /// A write (migrations, demo data) failed.
    #[error("writing to {url} failed while {what}: {source}")]
    Write {
        /// What was being written.
        what: &'static str,
        /// Redacted URL or path.
        url: String,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },
    /// The URL is not one usagetop understands.
    #[error("{0}")]
    BadUrl(String),
    /// The database is not usagetop's own and must not be written.
    #[error("{0}")]
    Refused(String),
}

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

/// A source of grouped usage.
#[async_trait]
pub trait UsageStore: Send + Sync {
    /// The database for people: URL or path with any password removed.
    fn describe(&self) -> String;

    /// The earliest event before `end` (unix seconds), if any.
    async fn first_event(&self, end: i64) -> Result<Option<DateTime<Utc>>, StoreError>;

    /// Usage per (local day, model) in `range`, days in `calendar`'s zone.
    async fn day_model_rows(
        &self,
        range: SecondsRange,
        calendar: &Calendar,
    ) -> Result<Vec<DayModelRow>, StoreError>;

    /// Usage per model in `range`.
    async fn model_rows(&self, range: SecondsRange) -> Result<Vec<ModelRow>, StoreError>;
}

/// Runs every query of `plan`.
///
/// # Errors
/// The first query that fails.
pub async fn fetch_aggregates(
    store: &dyn UsageStore,
    plan: &QueryPlan,
    calendar: &Calendar,
) -> Result<Aggregates, StoreError> {
    let end = plan.window.end.timestamp();
    let first_event = store.first_event(end).await?;
    if first_event.is_none() {
        return Ok(Aggregates::default());
    }
    Ok(Aggregates {
        days: store.day_model_rows(plan.window.into(), calendar).await?,
        all_time: store
            .model_rows(SecondsRange {
                start: i64::MIN,
                end,
            })
            .await?,
        previous_day: store.model_rows(plan.previous_day.into()).await?,
        previous_week: store.model_rows(plan.previous_week.into()).await?,
        previous_month: store.model_rows(plan.previous_month.into()).await?,
        first_event,
    })
}

/// Opens the store a URL names, for reading. `create` allows creating and
/// migrating a missing SQLite file (the default database).
///
/// # Errors
/// An unknown scheme, a missing or foreign file, a database that cannot be read.
pub async fn open(url: &DatabaseUrl, create: bool) -> Result<Box<dyn UsageStore>, StoreError> {
    match url {
        DatabaseUrl::Sqlite(path) => Ok(Box::new(sqlite::SqliteStore::open(path, create).await?)),
        DatabaseUrl::Postgres(_) => Err(StoreError::BadUrl(format!(
            "{} is a PostgreSQL URL, and this build of usagetop reads SQLite files only; \
             point --database-url at a SQLite file (sqlite://PATH)",
            url.redacted()
        ))),
    }
}
