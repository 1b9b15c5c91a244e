//! The two ClickHouse test servers (`.ci/clickhouse.sh` starts them; `.ci/run`
//! sets `USAGETOP_TEST_CLICKHOUSE_URL` to the first and
//! `USAGETOP_TEST_CLICKHOUSE_SHARD_URL` to the second, the two shards of the
//! cluster `usagetop_two_shards`), and a database of a test's own on both,
//! dropped at the end. Without the variables the tests say they were
//! skipped, except under `CI=true`, where it is a failure.

/// The first server's URL and the second's, or `None` (after saying so)
/// when tests may skip.
pub fn server_urls() -> Option<(String, String)> {
    let url = |name: &str| std::env::var(name).ok().filter(|url| !url.is_empty());
    match (
        url("USAGETOP_TEST_CLICKHOUSE_URL"),
        url("USAGETOP_TEST_CLICKHOUSE_SHARD_URL"),
    ) {
        (Some(first), Some(second)) => Some((first, second)),
        _ => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "USAGETOP_TEST_CLICKHOUSE_URL and USAGETOP_TEST_CLICKHOUSE_SHARD_URL are not set, \
                 and ClickHouse tests must run in CI (.ci/clickhouse.sh starts the servers)"
            );
            eprintln!(
                "skipped: USAGETOP_TEST_CLICKHOUSE_URL is not set (no ClickHouse to test against; \
                 run .ci/clickhouse.sh)"
            );
            None
        }
    }
}

/// The Python with chDB (`USAGETOP_TEST_CHDB_PYTHON`; `.ci/run` installs
/// `chdb` and sets it), or `None` (after saying so) when tests may skip:
/// under `CI=true` its absence is a failure.
pub fn chdb_python() -> Option<String> {
    let python = std::env::var("USAGETOP_TEST_CHDB_PYTHON")
        .ok()
        .filter(|python| !python.is_empty());
    if python.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "USAGETOP_TEST_CHDB_PYTHON is not set, and the current-ClickHouse tests must run in CI \
             (.ci/run installs chdb)"
        );
        eprintln!(
            "skipped: USAGETOP_TEST_CHDB_PYTHON is not set (a Python with `pip install chdb`)"
        );
    }
    python
}

/// Held by a test while it uses the second server: the test that stops
/// it takes it too, so no other test finds it down.
pub static SECOND_SERVER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// One server as its HTTP address, user and password.
#[derive(Debug, Clone)]
pub struct Server {
    /// `http://HOST:PORT/`.
    pub http: String,
    user: String,
    password: String,
    /// `clickhouse://USER:PASSWORD@HOST:PORT`, without a database.
    pub base: String,
}

impl Server {
    /// The server of a `clickhouse://` URL.
    pub fn of(url: &str) -> Self {
        let parsed = reqwest::Url::parse(url).unwrap();
        let address = format!(
            "{}:{}",
            parsed.host_str().unwrap(),
            parsed.port().unwrap_or(8123)
        );
        Self {
            http: format!("http://{address}/"),
            user: parsed.username().to_owned(),
            password: parsed.password().unwrap_or_default().to_owned(),
            base: format!(
                "clickhouse://{}:{}@{address}",
                parsed.username(),
                parsed.password().unwrap_or_default()
            ),
        }
    }

    /// Runs one statement as the test user (not read-only); its answer's text.
    pub async fn execute(&self, sql: &str) -> String {
        self.try_execute(sql).await.unwrap()
    }

    /// Runs one statement; the server's error text when it fails.
    pub async fn try_execute(&self, sql: &str) -> Result<String, String> {
        let response = reqwest::Client::new()
            .post(format!(
                "{}?allow_experimental_low_cardinality_type=1",
                self.http
            ))
            .basic_auth(&self.user, Some(&self.password))
            .body(sql.to_owned())
            .send()
            .await
            .map_err(|error| error.to_string())?;
        let ok = response.status().is_success();
        let text = response.text().await.map_err(|error| error.to_string())?;
        if ok {
            Ok(text)
        } else {
            Err(format!("{sql:.200}: {text}"))
        }
    }
}

/// A database of the test's own, dropped at the end: on the first server,
/// or on both for a Distributed table (the test that stops the second
/// server is the only one that uses it, so no other test fails meanwhile).
pub struct TestDb {
    /// The two servers.
    pub servers: [Server; 2],
    /// The database name.
    pub name: String,
}

impl TestDb {
    /// Creates `usagetop_test_{tag}_{pid}` on the first server, or on both
    /// when `both` (dropping a leftover first).
    pub async fn create(urls: &(String, String), tag: &str, both: bool) -> Self {
        let name = format!("usagetop_test_{tag}_{}", std::process::id());
        let servers = [Server::of(&urls.0), Server::of(&urls.1)];
        for server in &servers[..if both { 2 } else { 1 }] {
            server
                .execute(&format!("DROP DATABASE IF EXISTS {name}"))
                .await;
            server.execute(&format!("CREATE DATABASE {name}")).await;
        }
        Self { servers, name }
    }

    /// The first server's URL of this database.
    pub fn url(&self) -> String {
        format!("{}/{}", self.servers[0].base, self.name)
    }

    /// Drops the database on both servers.
    pub async fn drop_it(self) {
        for server in &self.servers {
            let _ = server
                .try_execute(&format!("DROP DATABASE IF EXISTS {}", self.name))
                .await;
        }
    }
}
