//! usagetop's own schemas and the one runner that applies them: the usage
//! database's in SQLite and PostgreSQL (only ever applied to a database
//! usagetop created, recognised by its `usagetop_migrations` table) and the
//! rollup cache's (`cache::db`, ledger `cache_migrations`). Each step runs
//! once, in its own transaction, and is recorded in its schema's ledger table.

use sqlx::{AssertSqlSafe, PgConnection, Row, SqliteConnection};

/// One schema step.
#[derive(Debug)]
pub struct Migration {
    /// Its number: steps run in this order, each once.
    pub version: i64,
    /// What it makes (recorded in the ledger; no quote characters).
    pub description: &'static str,
    /// The statements.
    pub sql: &'static str,
}

/// A schema: its steps and the table that records which have run.
#[derive(Debug)]
pub struct Schema {
    /// The ledger table (an identifier usagetop chose).
    pub ledger: &'static str,
    /// The steps, in order.
    pub steps: &'static [Migration],
}

impl Schema {
    /// The version of a database with every step applied.
    #[must_use]
    pub fn version(&self) -> i64 {
        self.steps.last().map_or(0, |step| step.version)
    }
}

/// The table that marks a usage database as usagetop's own.
pub const MARKER_TABLE: &str = "usagetop_migrations";

/// usagetop's own usage database in SQLite.
pub const SQLITE: Schema = Schema {
    ledger: MARKER_TABLE,
    steps: &[
        Migration {
            version: 1,
            description: "usage_events",
            sql: include_str!("../../migrations/sqlite/0001_usage_events.sql"),
        },
        Migration {
            version: 2,
            description: "usage_slots: write-time rollup kept by triggers",
            sql: include_str!("../../migrations/sqlite/0002_usage_slots.sql"),
        },
        Migration {
            version: 3,
            description:
                "imports: source, source_key, project, session, 1-hour cache writes, import_files",
            sql: include_str!("../../migrations/sqlite/0003_imports.sql"),
        },
        Migration {
            version: 4,
            description: "requests per event, added up by the rollup triggers",
            sql: include_str!("../../migrations/sqlite/0004_requests.sql"),
        },
        Migration {
            version: 5,
            description: "1-hour cache writes in usage_slots, added up by the rollup triggers",
            sql: include_str!("../../migrations/sqlite/0005_cache_write_1h.sql"),
        },
    ],
};

/// usagetop's own usage database in PostgreSQL.
pub const POSTGRES: Schema = Schema {
    ledger: MARKER_TABLE,
    steps: &[Migration {
        version: 1,
        description: "usage_events",
        sql: include_str!("../../migrations/postgres/0001_usage_events.sql"),
    }],
};

/// A step of the runner that failed, and why.
#[derive(Debug, thiserror::Error)]
#[error("{what}: {source}")]
pub struct MigrationError {
    /// What the runner was doing ("applying a migration").
    pub what: &'static str,
    /// The engine's error.
    #[source]
    pub source: sqlx::Error,
}

fn at(what: &'static str) -> impl FnOnce(sqlx::Error) -> MigrationError {
    move |source| MigrationError { what, source }
}

/// What the runner needs of an engine's connection: its ledger's SQL and
/// how to run a statement and read the versions applied.
#[allow(async_fn_in_trait)] // used in this crate only, on one task
pub trait Ledger {
    /// The ledger's columns.
    const COLUMNS: &'static str;
    /// Starts a step's transaction.
    const BEGIN: &'static str;
    /// The moment a step is applied, as SQL (`NULL` lets a column default decide).
    const NOW: &'static str;

    /// Runs statements.
    async fn run_sql(&mut self, sql: String) -> Result<(), sqlx::Error>;

    /// The first column of a query's rows, as integers.
    async fn integers(&mut self, sql: String) -> Result<Vec<i64>, sqlx::Error>;
}

impl Ledger for SqliteConnection {
    const COLUMNS: &'static str =
        "version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at INTEGER NOT NULL";
    const BEGIN: &'static str = "BEGIN IMMEDIATE";
    const NOW: &'static str = "CAST(strftime('%s', 'now') AS INTEGER)";

    async fn run_sql(&mut self, sql: String) -> Result<(), sqlx::Error> {
        sqlx::raw_sql(AssertSqlSafe(sql))
            .execute(self)
            .await
            .map(drop)
    }

    async fn integers(&mut self, sql: String) -> Result<Vec<i64>, sqlx::Error> {
        let rows = sqlx::raw_sql(AssertSqlSafe(sql)).fetch_all(self).await?;
        rows.iter().map(|row| row.try_get(0)).collect()
    }
}

impl Ledger for PgConnection {
    const COLUMNS: &'static str =
        "version BIGINT PRIMARY KEY, description TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now()";
    const BEGIN: &'static str = "BEGIN";
    const NOW: &'static str = "now()";

    async fn run_sql(&mut self, sql: String) -> Result<(), sqlx::Error> {
        sqlx::raw_sql(AssertSqlSafe(sql))
            .execute(self)
            .await
            .map(drop)
    }

    async fn integers(&mut self, sql: String) -> Result<Vec<i64>, sqlx::Error> {
        let rows = sqlx::raw_sql(AssertSqlSafe(sql)).fetch_all(self).await?;
        rows.iter().map(|row| row.try_get(0)).collect()
    }
}

/// True when a SQLite database holds usagetop's marker table.
///
/// # Errors
/// The catalog cannot be read.
pub async fn is_ours(conn: &mut SqliteConnection) -> Result<bool, sqlx::Error> {
    let found: Option<(String,)> = sqlx::query_as(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'usagetop_migrations'",
    )
    .fetch_optional(conn)
    .await?;
    Ok(found.is_some())
}

/// Creates the schema's ledger and applies every step not yet applied, each
/// in its own transaction. The SQL is usagetop's own: the ledger's name, the
/// steps and their numbers and descriptions are constants of this crate.
///
/// # Errors
/// A step fails; it is rolled back.
pub async fn run<C: Ledger>(conn: &mut C, schema: &Schema) -> Result<(), MigrationError> {
    let ledger = schema.ledger;
    conn.run_sql(format!(
        "CREATE TABLE IF NOT EXISTS {ledger} ({})",
        C::COLUMNS
    ))
    .await
    .map_err(at("creating the migrations table"))?;
    let applied = conn
        .integers(format!("SELECT version FROM {ledger}"))
        .await
        .map_err(at("reading the migrations table"))?;
    for step in schema.steps {
        if applied.contains(&step.version) {
            continue;
        }
        conn.run_sql(C::BEGIN.to_owned())
            .await
            .map_err(at("starting a migration"))?;
        let outcome = async {
            conn.run_sql(step.sql.to_owned())
                .await
                .map_err(at("applying a migration"))?;
            conn.run_sql(format!(
                "INSERT INTO {ledger} (version, description, applied_at) VALUES ({}, '{}', {})",
                step.version,
                step.description.replace('\'', "''"),
                C::NOW
            ))
            .await
            .map_err(at("recording a migration"))
        }
        .await;
        match outcome {
            Ok(()) => conn
                .run_sql("COMMIT".to_owned())
                .await
                .map_err(at("committing a migration"))?,
            Err(error) => {
                let _ = conn.run_sql("ROLLBACK".to_owned()).await;
                return Err(error);
            }
        }
    }
    Ok(())
}
