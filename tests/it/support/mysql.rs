//! The MySQL or MariaDB test server (`USAGETOP_TEST_MYSQL_URL`, set by
//! `.ci/run`) and a database of a test's own, dropped at the end. Without
//! the variable the tests say they were skipped, except under `CI=true`,
//! where it is a failure.

use sqlx::{AssertSqlSafe, Connection, MySqlConnection};

/// The server's URL, or `None` (after saying so) when tests may skip.
pub fn server_url() -> Option<String> {
    match std::env::var("USAGETOP_TEST_MYSQL_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "USAGETOP_TEST_MYSQL_URL is not set, and MySQL tests must run in CI"
            );
            eprintln!(
                "skipped: USAGETOP_TEST_MYSQL_URL is not set (no MySQL or MariaDB to test against)"
            );
            None
        }
    }
}

/// A database of the test's own, dropped at the end.
pub struct TestDb {
    /// The server URL it was created from.
    pub admin: String,
    /// The database name.
    pub name: String,
    /// Its URL.
    pub url: String,
}

impl TestDb {
    /// Creates `usagetop_test_{tag}_{pid}` (dropping a leftover of that name first).
    pub async fn create(admin: &str, tag: &str) -> Self {
        let name = format!("usagetop_test_{tag}_{}", std::process::id());
        let mut conn = MySqlConnection::connect(admin).await.unwrap();
        sqlx::raw_sql(AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name}; CREATE DATABASE {name} CHARACTER SET utf8mb4"
        )))
        .execute(&mut conn)
        .await
        .unwrap();
        conn.close().await.unwrap();
        let base = admin.trim_end_matches('/');
        let base = base.rsplit_once('/').map_or(base, |(server, last)| {
            if last.contains('@') || last.contains(':') {
                base
            } else {
                server
            }
        });
        Self {
            admin: admin.to_owned(),
            url: format!("{base}/{name}"),
            name,
        }
    }

    /// Runs `sql` (one or more statements, quoted the ANSI way) in a fresh connection.
    pub async fn execute(&self, sql: &str) {
        let mut conn = MySqlConnection::connect(&self.url).await.unwrap();
        sqlx::raw_sql(AssertSqlSafe(format!(
            "SET SESSION sql_mode = 'ANSI,NO_BACKSLASH_ESCAPES', time_zone = '+00:00'; {sql}"
        )))
        .execute(&mut conn)
        .await
        .unwrap();
        conn.close().await.unwrap();
    }

    /// Drops the database.
    pub async fn drop_it(self) {
        let mut conn = MySqlConnection::connect(&self.admin).await.unwrap();
        sqlx::raw_sql(AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {}",
            self.name
        )))
        .execute(&mut conn)
        .await
        .unwrap();
        conn.close().await.unwrap();
    }
}
