//! The SQLite backend: usagetop's embedded default database and any SQLite
//! file with the `usage_events` layout. Databases usagetop created are
//! migrated; every other file is opened read-only and never written.

use std::path::{Path, PathBuf};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use sqlx::{AssertSqlSafe, Connection, SqliteConnection};

use super::migrate;
use super::{SecondsRange, StoreError, UsageStore};
use crate::analytics::{DayModelRow, ModelRow};
use crate::period::{date_from_day_number, Calendar, SECONDS_PER_DAY};
use crate::usage::Usage;

/// How long a query waits for a writer's lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Columns the native layout must have.
const REQUIRED_COLUMNS: [&str; 6] = [
    "ts",
    "model",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
];

/// A day x model row: day number, model, requests, then the four token sums.
type DayTuple = (i64, String, i64, i64, i64, i64, i64);
/// A model row: model, requests, then the four token sums.
type ModelTuple = (String, i64, i64, i64, i64, i64);

/// A SQLite usage database.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    path: PathBuf,
}

fn options(path: &Path) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(path)
        .busy_timeout(BUSY_TIMEOUT)
}

fn open_error(path: &Path, detail: impl Into<String>) -> StoreError {
    StoreError::Open {
        url: format!("sqlite://{}", path.display()),
        detail: detail.into(),
    }
}

fn explain(path: &Path, error: &sqlx::Error) -> StoreError {
    let text = error.to_string();
    let detail = if text.contains("file is not a database") || text.contains("malformed") {
        "the file is not a SQLite database, or it is damaged; check the path".to_owned()
    } else if text.contains("unable to open") {
        "the file cannot be opened; check that it exists and that you may read it".to_owned()
    } else {
        text
    };
    open_error(path, detail)
}

/// Creates (when missing) and migrates usagetop's own database at `path`.
/// Refuses a file usagetop did not create.
async fn create_or_migrate(path: &Path) -> Result<(), StoreError> {
    if let Some(parent) = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent).map_err(|error| {
            open_error(
                path,
                format!("cannot create the folder {}: {error}", parent.display()),
            )
        })?;
    }
    let existed = path.exists();
    let mut conn = SqliteConnection::connect_with(&options(path).create_if_missing(true))
        .await
        .map_err(|error| explain(path, &error))?;
    if existed
        && !migrate::is_ours(&mut conn)
            .await
            .map_err(|error| explain(path, &error))?
    {
        let _ = conn.close().await;
        return Err(StoreError::Refused(format!(
            "{} was not created by usagetop, and usagetop never writes to a database it did not create; \
             give a new file instead (e.g. --database-url sqlite://demo.db)",
            path.display()
        )));
    }
    let url = format!("sqlite://{}", path.display());
    migrate::run(&mut conn)
        .await
        .map_err(|source| StoreError::Write {
            what: "applying migrations",
            url,
            source,
        })?;
    let _ = conn.close().await;
    Ok(())
}

impl SqliteStore {
    /// Opens `path` for reading. A database usagetop created is migrated
    /// first; with `create`, a missing file is created as one. Any other
    /// file is read-only and must hold a `usage_events` table.
    ///
    /// # Errors
    /// A missing file (without `create`), a file that is not SQLite, a table
    /// or column that is missing.
    pub async fn open(path: &Path, create: bool) -> Result<Self, StoreError> {
        if !path.exists() {
            if !create {
                return Err(open_error(
                    path,
                    format!(
                        "the file does not exist; check the path, or create it with demo data: \
                         usagetop demo --database-url sqlite://{}",
                        path.display()
                    ),
                ));
            }
            create_or_migrate(path).await?;
        } else if Self::probe_is_ours(path).await? {
            create_or_migrate(path).await?;
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(2)
            .connect_with(options(path).read_only(true))
            .await
            .map_err(|error| explain(path, &error))?;
        let store = Self {
            pool,
            path: path.to_path_buf(),
        };
        store.check_layout().await?;
        Ok(store)
    }

    /// Opens (creating when missing) usagetop's own database for writing.
    ///
    /// # Errors
    /// A file usagetop did not create, or one that cannot be written.
    pub async fn open_writable(path: &Path) -> Result<SqlitePool, StoreError> {
        create_or_migrate(path).await?;
        SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options(path))
            .await
            .map_err(|error| explain(path, &error))
    }

    async fn probe_is_ours(path: &Path) -> Result<bool, StoreError> {
        let mut conn = SqliteConnection::connect_with(&options(path).read_only(true))
            .await
            .map_err(|error| explain(path, &error))?;
        let ours = migrate::is_ours(&mut conn)
            .await
            .map_err(|error| explain(path, &error))?;
        let _ = conn.close().await;
        Ok(ours)
    }

    async fn check_layout(&self) -> Result<(), StoreError> {
        let columns: Vec<(String,)> =
            sqlx::query_as("SELECT name FROM pragma_table_info('usage_events')")
                .fetch_all(&self.pool)
                .await
                .map_err(|error| explain(&self.path, &error))?;
        if columns.is_empty() {
            let tables: Vec<(String,)> = sqlx::query_as(
                "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY name",
            )
            .fetch_all(&self.pool)
            .await
            .map_err(|error| explain(&self.path, &error))?;
            let names: Vec<String> = tables.into_iter().map(|(name,)| name).collect();
            return Err(open_error(
                &self.path,
                format!(
                    "it has no table usage_events (tables found: {}); usagetop reads a table usage_events \
                     with columns {}",
                    if names.is_empty() { "none".to_owned() } else { names.join(", ") },
                    REQUIRED_COLUMNS.join(", ")
                ),
            ));
        }
        let found: Vec<String> = columns.into_iter().map(|(name,)| name).collect();
        let missing: Vec<&str> = REQUIRED_COLUMNS
            .iter()
            .copied()
            .filter(|column| !found.iter().any(|name| name == column))
            .collect();
        if !missing.is_empty() {
            return Err(open_error(
                &self.path,
                format!(
                    "table usage_events lacks the column(s) {} (it has {})",
                    missing.join(", "),
                    found.join(", ")
                ),
            ));
        }
        Ok(())
    }

    fn query_error(&self, what: &'static str, source: sqlx::Error) -> StoreError {
        StoreError::Query {
            what,
            url: self.describe(),
            source,
        }
    }
}

fn usage_of(requests: i64, input: i64, output: i64, cache_read: i64, cache_write: i64) -> Usage {
    Usage {
        requests,
        input_tokens: input,
        output_tokens: output,
        cache_read_tokens: cache_read,
        cache_write_tokens: cache_write,
    }
}

/// The SQL expression of an event's local day number, from the zone's offset
/// spans. Built only from integers computed here, never from user text.
fn local_day_expression(calendar: &Calendar, range: SecondsRange) -> String {
    let spans = calendar.offset_spans(range.start, range.end);
    let offset = match spans.as_slice() {
        [only] => only.offset_seconds.to_string(),
        [first, rest @ ..] => {
            let mut case = String::from("CASE");
            let mut previous = first.offset_seconds;
            for span in rest {
                case.push_str(&format!(" WHEN ts < {} THEN {}", span.start, previous));
                previous = span.offset_seconds;
            }
            case.push_str(&format!(" ELSE {previous} END"));
            case
        }
        [] => "0".to_owned(),
    };
    format!("((ts + {offset}) / {SECONDS_PER_DAY})")
}

#[async_trait]
impl UsageStore for SqliteStore {
    fn describe(&self) -> String {
        format!("sqlite://{}", self.path.display())
    }

    async fn first_event(&self, end: i64) -> Result<Option<DateTime<Utc>>, StoreError> {
        let (first,): (Option<i64>,) =
            sqlx::query_as("SELECT MIN(ts) FROM usage_events WHERE ts < ?")
                .bind(end)
                .fetch_one(&self.pool)
                .await
                .map_err(|error| self.query_error("the first event", error))?;
        Ok(first.and_then(|seconds| DateTime::from_timestamp(seconds, 0)))
    }

    async fn day_model_rows(
        &self,
        range: SecondsRange,
        calendar: &Calendar,
    ) -> Result<Vec<DayModelRow>, StoreError> {
        let sql = format!(
            "SELECT {day} AS day, COALESCE(model, '(unknown)') AS model, COUNT(*), \
                    CAST(COALESCE(SUM(input_tokens), 0) AS INTEGER), \
                    CAST(COALESCE(SUM(output_tokens), 0) AS INTEGER), \
                    CAST(COALESCE(SUM(cache_read_tokens), 0) AS INTEGER), \
                    CAST(COALESCE(SUM(cache_write_tokens), 0) AS INTEGER) \
             FROM usage_events WHERE ts >= ? AND ts < ? GROUP BY day, 2",
            day = local_day_expression(calendar, range)
        );
        let rows: Vec<DayTuple> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(range.start)
            .bind(range.end)
            .fetch_all(&self.pool)
            .await
            .map_err(|error| self.query_error("usage per day and model", error))?;
        Ok(rows
            .into_iter()
            .map(
                |(day, model, requests, input, output, cache_read, cache_write)| DayModelRow {
                    day: date_from_day_number(day),
                    model,
                    usage: usage_of(requests, input, output, cache_read, cache_write),
                },
            )
            .collect())
    }

    async fn model_rows(&self, range: SecondsRange) -> Result<Vec<ModelRow>, StoreError> {
        let rows: Vec<ModelTuple> = sqlx::query_as(
            "SELECT COALESCE(model, '(unknown)'), COUNT(*), \
                    CAST(COALESCE(SUM(input_tokens), 0) AS INTEGER), \
                    CAST(COALESCE(SUM(output_tokens), 0) AS INTEGER), \
                    CAST(COALESCE(SUM(cache_read_tokens), 0) AS INTEGER), \
                    CAST(COALESCE(SUM(cache_write_tokens), 0) AS INTEGER) \
             FROM usage_events WHERE ts >= ? AND ts < ? GROUP BY 1",
        )
        .bind(range.start)
        .bind(range.end)
        .fetch_all(&self.pool)
        .await
        .map_err(|error| self.query_error("usage per model", error))?;
        Ok(rows
            .into_iter()
            .map(
                |(model, requests, input, output, cache_read, cache_write)| ModelRow {
                    model,
                    usage: usage_of(requests, input, output, cache_read, cache_write),
                },
            )
            .collect())
    }
}
