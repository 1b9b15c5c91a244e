//! The MySQL and MariaDB backend: `mysql://` and `mariadb://` URLs through
//! sqlx's MySQL driver, a lazy pool of read-only sessions (`SET SESSION
//! TRANSACTION READ ONLY`) in UTC with ANSI quoting, a statement timeout
//! (MySQL's `max_execution_time`, MariaDB's `max_statement_time`), the
//! catalog from `information_schema`, the primary key whose value ranges
//! a cold build reads in chunks, and errors for people. Its SQL is
//! `mysql::dialect`; everything else is the shared runner's.

pub mod dialect;

use async_trait::async_trait;
use sqlx::mysql::{MySql, MySqlConnectOptions, MySqlPool, MySqlPoolOptions};
use sqlx::Executor;

use super::lossy::LossyText;
use super::mapping::{ColumnKind, Mapping, TableName};
use super::runner::{SqlBackend, SqlStore};
use super::sql::Dialect;
use super::url::redact_password;
use super::{StoreError, Timeouts};

/// A MySQL or MariaDB usage database.
pub type MysqlStore = SqlStore<MysqlBackend>;

/// How to reach a MySQL or MariaDB server. Its `Debug` hides the password.
pub struct MysqlBackend {
    pool: MySqlPool,
    url: String,
    options: MySqlConnectOptions,
}

impl std::fmt::Debug for MysqlBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MysqlBackend")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// Connect options from a `mysql://` or `mariadb://` URL.
///
/// # Errors
/// A malformed URL.
pub fn connect_options(url: &str) -> Result<MySqlConnectOptions, StoreError> {
    let normalized = url
        .strip_prefix("mariadb://")
        .map_or_else(|| url.to_owned(), |rest| format!("mysql://{rest}"));
    normalized.parse::<MySqlConnectOptions>().map_err(|error| {
        StoreError::BadUrl(format!(
            "{} is not a usable MySQL or MariaDB URL ({}); write mysql://USER:PASSWORD@HOST:PORT/DATABASE",
            redact_password(url),
            redact_password(&error.to_string())
        ))
    })
}

/// Classifies an `information_schema.COLUMNS.DATA_TYPE`.
#[must_use]
pub fn column_kind(data_type: &str) -> ColumnKind {
    match data_type.to_ascii_lowercase().as_str() {
        "tinyint" | "smallint" | "mediumint" | "int" | "integer" | "bigint" => ColumnKind::Integer,
        "decimal" | "numeric" | "float" | "double" | "real" => ColumnKind::Fractional,
        "char" | "varchar" | "tinytext" | "text" | "mediumtext" | "longtext" | "enum" | "set" => {
            ColumnKind::Text
        }
        "date" => ColumnKind::Date,
        "datetime" | "timestamp" => ColumnKind::Timestamp,
        "json" => ColumnKind::Json,
        other => ColumnKind::Other(other.to_owned()),
    }
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
            "connection refused: is MySQL or MariaDB running and listening on that host and port?".to_owned()
        }
        sqlx::Error::Io(_) => format!("{text}: check the host and the network"),
        sqlx::Error::Tls(_) => format!("{text}: check ssl-mode in the URL"),
        sqlx::Error::Database(db) => {
            // The server's error numbers: ER_ACCESS_DENIED_ERROR,
            // ER_BAD_DB_ERROR, MariaDB's ER_STATEMENT_TIMEOUT, MySQL's
            // ER_QUERY_TIMEOUT, ER_QUERY_INTERRUPTED.
            let number = db
                .try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>()
                .map(sqlx::mysql::MySqlDatabaseError::number);
            match number {
                Some(1045) => format!("{text}: check the user and password"),
                Some(1049) => format!("{text}: check the database name"),
                Some(1969 | 3024 | 1317) => format!(
                    "{text}: the query ran longer than the statement timeout (statement_timeout_seconds)"
                ),
                _ => text,
            }
        }
        _ => text,
    }
}

impl MysqlStore {
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
        let options = connect_options(url)?;
        let milliseconds = timeouts.statement.as_millis();
        let seconds = timeouts.statement.as_secs_f64();
        let pool = MySqlPoolOptions::new()
            .max_connections(2)
            .min_connections(0)
            .acquire_timeout(timeouts.connect)
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    conn.execute("SET SESSION sql_mode = 'ANSI', time_zone = '+00:00'")
                        .await?;
                    let (version,): (LossyText,) = sqlx::query_as("SELECT VERSION()")
                        .fetch_one(&mut *conn)
                        .await?;
                    let timeout = if version.0.contains("MariaDB") {
                        format!("SET SESSION max_statement_time = {seconds}")
                    } else {
                        format!("SET SESSION max_execution_time = {milliseconds}")
                    };
                    conn.execute(sqlx::AssertSqlSafe(timeout)).await?;
                    // Every later transaction of the session, one statement
                    // long or not, is read-only.
                    conn.execute("SET SESSION TRANSACTION READ ONLY").await?;
                    Ok(())
                })
            })
            .connect_lazy_with(options.clone());
        let backend = MysqlBackend {
            pool,
            url: redact_password(url),
            options,
        };
        Ok(SqlStore::new(backend, mapping))
    }
}

#[async_trait]
impl SqlBackend for MysqlBackend {
    type Db = MySql;

    fn dialect(&self) -> Dialect {
        Dialect::Mysql
    }

    fn describe(&self) -> String {
        self.url.clone()
    }

    /// The server, port and database (not the user or the password).
    fn identity(&self) -> String {
        format!(
            "mysql://{}:{}/{}",
            self.options.get_host(),
            self.options.get_port(),
            self.options.get_database().unwrap_or("")
        )
    }

    fn pool(&self) -> MySqlPool {
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
        let rows: Vec<(LossyText, LossyText)> = sqlx::query_as(
            "SELECT COLUMN_NAME, DATA_TYPE FROM information_schema.COLUMNS \
             WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
        )
        .bind(table.schema.as_deref())
        .bind(&table.name)
        .fetch_all(&self.pool)
        .await
        .map_err(|error| StoreError::Open {
            url: self.url.clone(),
            detail: explain(&error),
        })?;
        Ok(rows
            .into_iter()
            .map(|(name, data_type)| (name.0, column_kind(&data_type.0)))
            .collect())
    }

    async fn tables(&self) -> Vec<TableName> {
        let rows: Result<Vec<(LossyText, LossyText)>, sqlx::Error> = sqlx::query_as(
            "SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES \
             WHERE TABLE_SCHEMA NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys') \
             ORDER BY TABLE_SCHEMA = DATABASE() DESC, TABLE_SCHEMA, TABLE_NAME",
        )
        .fetch_all(&self.pool)
        .await;
        rows.map(|rows| {
            rows.into_iter()
                .map(|(schema, name)| TableName {
                    schema: Some(schema.0),
                    name: name.0,
                })
                .collect()
        })
        .unwrap_or_default()
    }

    /// Ranges of the primary key's values: InnoDB keeps a table's rows in
    /// primary-key order, so each range is one short read.
    fn positions(&self) -> Option<super::PositionKind> {
        Some(super::PositionKind::Keys)
    }

    /// The primary key's first column, when it holds integers (a table
    /// without one is read in one pass).
    async fn position_key(&self, table: &TableName) -> Option<String> {
        let key: Option<(LossyText,)> = sqlx::query_as(
            "SELECT s.COLUMN_NAME FROM information_schema.STATISTICS s \
             JOIN information_schema.COLUMNS c ON c.TABLE_SCHEMA = s.TABLE_SCHEMA \
               AND c.TABLE_NAME = s.TABLE_NAME AND c.COLUMN_NAME = s.COLUMN_NAME \
             WHERE s.TABLE_SCHEMA = COALESCE(?, DATABASE()) AND s.TABLE_NAME = ? \
               AND s.INDEX_NAME = 'PRIMARY' AND s.SEQ_IN_INDEX = 1 \
               AND c.DATA_TYPE IN ('tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint')",
        )
        .bind(table.schema.as_deref())
        .bind(&table.name)
        .fetch_optional(&self.pool)
        .await
        .ok()
        .flatten();
        key.map(|(name,)| name.0)
    }

    fn is_server(&self) -> bool {
        true
    }
}
