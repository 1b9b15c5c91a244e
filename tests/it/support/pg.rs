//! The PostgreSQL test server (`USAGETOP_TEST_PG_URL`, set by `.ci/run`) and
//! a database of a test's own, dropped at the end. Without the variable the
//! tests say they were skipped, except under `CI=true`, where it is a failure.

use sqlx::postgres::PgConnectOptions;
use sqlx::{AssertSqlSafe, Connection, PgConnection};

/// The server's URL, or `None` (after saying so) when tests may skip.
pub fn server_url() -> Option<String> {
    match std::env::var("USAGETOP_TEST_PG_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "USAGETOP_TEST_PG_URL is not set, and PostgreSQL tests must run in CI"
            );
            eprintln!("skipped: USAGETOP_TEST_PG_URL is not set (no PostgreSQL to test against)");
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
        let mut conn = PgConnection::connect(admin)
            .await
            .expect("connect to the test server");
        sqlx::raw_sql(AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        )))
        .execute(&mut conn)
        .await
        .unwrap();
        sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
        let options: PgConnectOptions = admin.parse().unwrap();
        let options = options.database(&name);
        let url = format!(
            "postgres://{}@{}:{}/{name}",
            options.get_username(),
            options.get_host(),
            options.get_port()
        );
        Self {
            admin: admin.to_owned(),
            name,
            url,
        }
    }

    /// Runs `sql` (one or more statements) in a fresh connection.
    pub async fn execute(&self, sql: &str) {
        let mut conn = PgConnection::connect(&self.url).await.unwrap();
        sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
    }

    /// Drops the database.
    pub async fn drop_it(self) {
        let mut conn = PgConnection::connect(&self.admin).await.unwrap();
        sqlx::raw_sql(AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        )))
        .execute(&mut conn)
        .await
        .unwrap();
        conn.close().await.unwrap();
    }
}
