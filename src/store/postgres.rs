//! The PostgreSQL backend: read-only sessions (`default_transaction_read_only`),
//! a pool of two connections with connect and statement timeouts, grouping
//! in the server in the configured zone, through a `[source]` mapping. The
//! one write it ever makes is `usagetop demo` into a table it creates.

pub mod dialect;

use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, Postgres};

use super::mapping::{ColumnKind, Mapping, TableName};
use super::runner::{SqlBackend, SqlStore};
use super::sql::Dialect;
use super::url::redact_password;
use super::{StoreError, Timeouts};

/// A PostgreSQL usage database.
pub type PgStore = SqlStore<PgBackend>;

/// How to reach a PostgreSQL server: a lazy pool of read-only sessions.
/// Its `Debug` shows the URL without the password.
pub struct PgBackend {
    pool: PgPool,
    url: String,
    options: PgConnectOptions,
    connect_timeout: std::time::Duration,
}

impl std::fmt::Debug for PgBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgBackend")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// Parses a URL into connect options (TLS modes from `sslmode`), or says why not.
///
/// # Errors
/// A malformed URL.
pub fn connect_options(url: &str) -> Result<PgConnectOptions, StoreError> {
    url.parse::<PgConnectOptions>().map(|options| options.application_name("usagetop")).map_err(|error| {
        StoreError::BadUrl(format!(
            "{} is not a usable PostgreSQL URL ({}); write postgres://USER:PASSWORD@HOST:PORT/DATABASE",
            redact_password(url),
            redact_password(&error.to_string())
        ))
    })
}

/// What to tell people about a failure to reach or use the server.
#[must_use]
pub fn explain(error: &sqlx::Error) -> String {
    let text = super::url::without_line_numbers(&redact_password(&error.to_string()));
    match error {
        sqlx::Error::PoolTimedOut => {
            "no connection within the connect timeout: check that the server is running and reachable (host, port, firewall)".to_owned()
        }
        sqlx::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            "connection refused: is PostgreSQL running and listening on that host and port?".to_owned()
        }
        sqlx::Error::Io(_) => format!("{text}: check the host and the network"),
        sqlx::Error::Tls(_) => format!("{text}: check sslmode in the URL"),
        sqlx::Error::Database(db) if db.code().as_deref() == Some("28P01") || db.code().as_deref() == Some("28000") => {
            format!("{text}: check the user and password")
        }
        sqlx::Error::Database(db) if db.code().as_deref() == Some("3D000") => format!("{text}: check the database name"),
        sqlx::Error::Database(db) if db.code().as_deref() == Some("57014") => {
            format!("{text}: the query ran longer than the statement timeout (statement_timeout_seconds)")
        }
        _ => text,
    }
}

impl PgStore {
    /// A store whose pool connects on first use, so an unreachable server
    /// is reported by the first refresh (and retried), not here.
    ///
    /// # Errors
    /// A malformed URL.
    pub fn connect_lazy(
        url: &str,
        mapping: Mapping,
        timeouts: Timeouts,
    ) -> Result<Self, StoreError> {
        let statement_ms = timeouts.statement.as_millis().to_string();
        let options = connect_options(url)?.options([
            ("default_transaction_read_only", "on"),
            ("statement_timeout", statement_ms.as_str()),
            ("TimeZone", "UTC"),
            // Compiling each chunk query of a cache build costs more than it saves.
            ("jit", "off"),
            // Enough for a chunk's (quarter hour, model) groups to be hashed
            // in memory rather than sorted on disk; per session, two sessions.
            ("work_mem", "32MB"),
        ]);
        let pool = PgPoolOptions::new()
            .max_connections(2)
            .min_connections(0)
            .acquire_timeout(timeouts.connect)
            .connect_lazy_with(options.clone());
        let backend = PgBackend {
            pool,
            url: redact_password(url),
            options,
            connect_timeout: timeouts.connect,
        };
        Ok(SqlStore::new(backend, mapping))
    }
}

impl PgBackend {
    /// An open error. A pool time-out hides the reason, so one direct
    /// connection attempt is made to tell it (refused, bad password, no database).
    async fn diagnose(&self, error: &sqlx::Error) -> StoreError {
        use sqlx::Connection;
        let detail = if matches!(error, sqlx::Error::PoolTimedOut) {
            match tokio::time::timeout(
                self.connect_timeout,
                sqlx::PgConnection::connect_with(&self.options),
            )
            .await
            {
                Ok(Err(direct)) => explain(&direct),
                Ok(Ok(conn)) => {
                    let _ = conn.close().await;
                    explain(error)
                }
                Err(_) => explain(error),
            }
        } else {
            explain(error)
        };
        StoreError::Open {
            url: self.url.clone(),
            detail,
        }
    }
}

#[async_trait]
impl SqlBackend for PgBackend {
    type Db = Postgres;

    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn describe(&self) -> String {
        self.url.clone()
    }

    /// The server, port and database (not the user or the password): the
    /// same data read by two users shares one cache of each user's own.
    fn identity(&self) -> String {
        format!(
            "postgres://{}:{}/{}",
            self.options.get_host(),
            self.options.get_port(),
            self.options.get_database().unwrap_or("")
        )
    }

    fn pool(&self) -> PgPool {
        self.pool.clone()
    }

    fn query_error(&self, what: &'static str, error: &sqlx::Error) -> StoreError {
        StoreError::Query {
            what,
            url: self.url.clone(),
            detail: explain(error),
        }
    }

    async fn columns(&self, table: &TableName) -> Result<Vec<(String, ColumnKind)>, StoreError> {
        let rows: Result<Vec<(String, String)>, sqlx::Error> = sqlx::query_as(
            "SELECT column_name::text, data_type::text FROM information_schema.columns \
             WHERE table_schema = COALESCE($1, current_schema()) AND table_name = $2 ORDER BY ordinal_position",
        )
        .bind(table.schema.as_deref())
        .bind(&table.name)
        .fetch_all(&self.pool)
        .await;
        let rows = match rows {
            Ok(rows) => rows,
            Err(error) => return Err(self.diagnose(&error).await),
        };
        Ok(rows
            .into_iter()
            .map(|(name, data_type)| (name, ColumnKind::from_postgres(&data_type)))
            .collect())
    }

    async fn tables(&self) -> Vec<TableName> {
        let rows: Result<Vec<(String, String)>, sqlx::Error> = sqlx::query_as(
            "SELECT table_schema::text, table_name::text FROM information_schema.tables \
             WHERE table_schema NOT IN ('pg_catalog', 'information_schema') \
             ORDER BY table_schema = current_schema() DESC, table_schema, table_name",
        )
        .fetch_all(&self.pool)
        .await;
        rows.map(|rows| {
            rows.into_iter()
                .map(|(schema, name)| TableName {
                    schema: Some(schema),
                    name,
                })
                .collect()
        })
        .unwrap_or_default()
    }

    /// The server's own counts of rows updated and deleted (flushed to the
    /// statistics within about a second of a change).
    async fn history_marker(&self, table: &TableName) -> Option<(i64, i64)> {
        let name = match &table.schema {
            Some(schema) => format!(
                "{}.{}",
                super::sql::quote_ident(schema),
                super::sql::quote_ident(&table.name)
            ),
            None => super::sql::quote_ident(&table.name),
        };
        sqlx::query_as(
            "SELECT (n_tup_upd)::bigint, (n_tup_del)::bigint FROM pg_stat_user_tables \
             WHERE relid = to_regclass($1)",
        )
        .bind(name)
        .fetch_optional(&self.pool)
        .await
        .ok()
        .flatten()
    }

    /// Page ranges, read by TID range scans.
    fn positions(&self) -> Option<super::PositionKind> {
        Some(super::PositionKind::Pages)
    }

    fn is_server(&self) -> bool {
        true
    }
}

/// Rows per INSERT of demo data.
const DEMO_BATCH: usize = 5_000;

/// Writes demo events into `usage_events` of the database `url` names,
/// creating the table (and usagetop's marker table) when absent. Refuses a
/// `usage_events` table usagetop did not create, and one that holds events
/// unless `replace` (which deletes them first). Returns the rows written.
///
/// # Errors
/// A foreign or non-empty table, an unreachable server, a failed write.
pub async fn write_demo(
    url: &str,
    events: &[super::demo::DemoEvent],
    replace: bool,
) -> Result<u64, StoreError> {
    use sqlx::{Connection, PgConnection};
    let shown = redact_password(url);
    let open_error = |error: sqlx::Error| StoreError::Open {
        url: shown.clone(),
        detail: explain(&error),
    };
    let write_error = |what: &'static str| {
        let shown = shown.clone();
        move |error: sqlx::Error| StoreError::Write {
            what,
            url: shown.clone(),
            detail: explain(&error),
        }
    };
    let mut conn = PgConnection::connect_with(&connect_options(url)?)
        .await
        .map_err(open_error)?;
    let (marker, table): (Option<String>, Option<String>) = sqlx::query_as(
        "SELECT to_regclass('usagetop_migrations')::text, to_regclass('usage_events')::text",
    )
    .fetch_one(&mut conn)
    .await
    .map_err(write_error("looking for existing tables"))?;
    if marker.is_none() && table.is_some() {
        let _ = conn.close().await;
        return Err(StoreError::Refused(format!(
            "{shown} already has a table usage_events that usagetop did not create, and usagetop never writes \
             to tables it did not create; give another database"
        )));
    }
    super::migrate::run(&mut conn, &super::migrate::POSTGRES)
        .await
        .map_err(|error| write_error(error.what)(error.source))?;
    let (existing,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM usage_events")
        .fetch_one(&mut conn)
        .await
        .map_err(write_error("counting existing events"))?;
    if existing > 0 && !replace {
        let _ = conn.close().await;
        return Err(StoreError::Refused(format!(
            "{shown} already holds {existing} events in usage_events; usagetop demo will not mix demo data into \
             them. Pass --force to delete them and write demo data, or give another --database-url"
        )));
    }
    let mut tx = conn
        .begin()
        .await
        .map_err(write_error("starting a transaction"))?;
    sqlx::query("DELETE FROM usage_events")
        .execute(&mut *tx)
        .await
        .map_err(write_error("clearing old events"))?;
    let mut written = 0;
    for chunk in events.chunks(DEMO_BATCH) {
        let column =
            |pick: fn(&super::demo::DemoEvent) -> i64| chunk.iter().map(pick).collect::<Vec<i64>>();
        let text = |pick: fn(&super::demo::DemoEvent) -> &'static str| {
            chunk
                .iter()
                .map(|event| pick(event).to_owned())
                .collect::<Vec<String>>()
        };
        written += sqlx::query(
            "INSERT INTO usage_events (ts, user_id, model, endpoint, input_tokens, output_tokens, \
             cache_read_tokens, cache_write_tokens) \
             SELECT to_timestamp(t), u, m, e, i, o, r, w \
             FROM UNNEST($1::bigint[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[]) \
             AS batch(t, u, m, e, i, o, r, w)",
        )
        .bind(column(|event| event.ts))
        .bind(text(|event| event.user_id))
        .bind(text(|event| event.model))
        .bind(text(|event| event.endpoint))
        .bind(column(|event| event.input_tokens))
        .bind(column(|event| event.output_tokens))
        .bind(column(|event| event.cache_read_tokens))
        .bind(column(|event| event.cache_write_tokens))
        .execute(&mut *tx)
        .await
        .map_err(write_error("inserting demo events"))?
        .rows_affected();
    }
    tx.commit()
        .await
        .map_err(write_error("committing demo events"))?;
    let _ = conn.close().await;
    Ok(written)
}
