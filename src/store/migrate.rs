//! usagetop's own SQLite schema: the embedded migrations and the runner that
//! applies them, only ever to a database usagetop created (recognised by its
//! `usagetop_migrations` table).

use sqlx::SqliteConnection;

/// One schema step.
struct Migration {
    version: i64,
    description: &'static str,
    sql: &'static str,
}

const MIGRATIONS: &[Migration] = &[
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
];

/// The table that marks a database as usagetop's own.
pub const MARKER_TABLE: &str = "usagetop_migrations";

/// True when the database holds usagetop's marker table.
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

/// Creates the marker table and applies every migration not yet applied,
/// each in its own transaction.
///
/// # Errors
/// A migration fails; it is rolled back.
pub async fn run(conn: &mut SqliteConnection) -> Result<(), sqlx::Error> {
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS usagetop_migrations (
             version     INTEGER PRIMARY KEY,
             description TEXT    NOT NULL,
             applied_at  INTEGER NOT NULL
         )",
    )
    .execute(&mut *conn)
    .await?;
    let applied: Vec<(i64,)> = sqlx::query_as("SELECT version FROM usagetop_migrations")
        .fetch_all(&mut *conn)
        .await?;
    for migration in MIGRATIONS {
        if applied
            .iter()
            .any(|(version,)| *version == migration.version)
        {
            continue;
        }
        sqlx::raw_sql("BEGIN IMMEDIATE").execute(&mut *conn).await?;
        let step = async {
            sqlx::raw_sql(migration.sql).execute(&mut *conn).await?;
            sqlx::query("INSERT INTO usagetop_migrations (version, description, applied_at) VALUES (?, ?, CAST(strftime('%s', 'now') AS INTEGER))")
                .bind(migration.version)
                .bind(migration.description)
                .execute(&mut *conn)
                .await?;
            Ok::<(), sqlx::Error>(())
        }
        .await;
        match step {
            Ok(()) => {
                sqlx::raw_sql("COMMIT").execute(&mut *conn).await?;
            }
            Err(error) => {
                let _ = sqlx::raw_sql("ROLLBACK").execute(&mut *conn).await;
                return Err(error);
            }
        }
    }
    Ok(())
}
