//! Project, session and source as dimensions: on SQLite (usagetop's own
//! file, directly and through the rollup cache), PostgreSQL, MariaDB and
//! ClickHouse, reports filtered by them and broken down by them equal an
//! aggregation written here in plain SQL on the same rows; a layout without
//! their columns does not offer them.

use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AssertSqlSafe, Connection, PgConnection, Row, SqliteConnection};
use usagetop::cache::{CacheOptions, CachedStore};
use usagetop::clock::FixedClock;
use usagetop::filter::{Dimension, Filter};
use usagetop::period::{Calendar, WeekStart};
use usagetop::pipeline::{compute, ReportContext, ReportRequest};
use usagetop::pricing::{PriceFile, PriceTable};
use usagetop::store::mapping::{Mapping, SourceConfig};
use usagetop::store::postgres::PgStore;
use usagetop::store::sqlite::SqliteStore;
use usagetop::store::{Timeouts, UsageStore};

use crate::support::pg::{server_url, TestDb};

const NOW: &str = "2026-11-18T15:00:00Z";
/// 2026-11-01T00:00:00Z: every event lies in this month.
const MONTH_START: i64 = 1_793_491_200;

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(NOW)
        .unwrap()
        .with_timezone(&Utc)
}

fn context() -> ReportContext {
    ReportContext {
        calendar: Calendar::new(chrono_tz::UTC, WeekStart::Monday),
        clock: Arc::new(FixedClock(now())),
        prices: Arc::new(PriceTable::with_overrides(&PriceFile::default(), "pricing").unwrap()),
        budgets: Arc::new(usagetop::budget::Budgets::default()),
        wall_clock: Arc::new(usagetop::clock::SystemClock),
    }
}

/// One event: ts, model, project, session, source, input, output.
type Event = (
    i64,
    &'static str,
    Option<&'static str>,
    String,
    &'static str,
    i64,
    i64,
);

/// Deterministic events of this month, with NULL projects among them.
fn events() -> Vec<Event> {
    let mut state = 0x2545_f491_u64;
    let mut next = move |bound: u64| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        (state >> 33) % bound
    };
    let span = now().timestamp() - MONTH_START - 3_600;
    (0..400)
        .map(|_| {
            let ts = MONTH_START + i64::try_from(next(u64::try_from(span).unwrap())).unwrap();
            let model = ["claude-sonnet-4-5", "gpt-5", "claude-haiku-4-5"][next(3) as usize];
            let project =
                [Some("acme-api"), Some("acme-web"), Some("billing"), None][next(4) as usize];
            let session = format!("s-{}", next(12));
            let source = ["claude-code", "codex", "openai-usage"][next(3) as usize];
            let input = i64::try_from(next(5_000)).unwrap();
            let output = i64::try_from(next(900)).unwrap();
            (ts, model, project, session, source, input, output)
        })
        .collect()
}

fn quoted(value: Option<&str>) -> String {
    value.map_or_else(|| "NULL".to_owned(), |text| format!("'{text}'"))
}

/// `INSERT` rows, `ts` written by `time` (an integer, or a timestamptz).
fn insert(events: &[Event], time: &dyn Fn(i64) -> String) -> String {
    let rows: Vec<String> = events
        .iter()
        .map(|(ts, model, project, session, source, input, output)| {
            format!(
                "({}, '{model}', {}, '{session}', '{source}', {input}, {output})",
                time(*ts),
                quoted(*project)
            )
        })
        .collect();
    format!(
        "INSERT INTO usage_events (ts, model, project, session, source, input_tokens, output_tokens) VALUES {};",
        rows.join(", ")
    )
}

/// The filters compared, each with its condition in plain SQL (the
/// engines' own case-insensitive matching; a `!` pattern lets NULLs pass).
fn filters() -> Vec<(Filter, &'static str, &'static str)> {
    vec![
        (
            Filter {
                projects: vec!["acme-*".to_owned()],
                ..Filter::default()
            },
            "project GLOB 'acme-*'",
            "project ILIKE 'acme-%'",
        ),
        (
            Filter {
                sessions: vec!["s-1?".to_owned(), "s-3".to_owned()],
                ..Filter::default()
            },
            "(session GLOB 's-1?' OR session GLOB 's-3')",
            "(session ILIKE 's-1_' OR session ILIKE 's-3')",
        ),
        (
            Filter {
                sources: vec!["!codex".to_owned()],
                ..Filter::default()
            },
            "source <> 'codex'",
            "source <> 'codex'",
        ),
        (
            Filter {
                projects: vec!["!billing".to_owned()],
                sources: vec!["claude-code".to_owned(), "codex".to_owned()],
                models: vec!["claude-*".to_owned()],
                ..Filter::default()
            },
            "(project IS NULL OR project <> 'billing') AND source IN ('claude-code', 'codex') \
             AND model GLOB 'claude-*'",
            "(project IS NULL OR project <> 'billing') AND source IN ('claude-code', 'codex') \
             AND model LIKE 'claude-%'",
        ),
    ]
}

/// (requests, input, output) of every event, or per key.
type Sums = (i64, i64, i64);

async fn snapshot(
    store: &dyn UsageStore,
    filter: &Filter,
    by: Option<Dimension>,
) -> usagetop::pipeline::Snapshot {
    let request = ReportRequest {
        filter: filter.clone(),
        breakdown: by.map(|dimension| (dimension, false)),
        ..ReportRequest::default()
    };
    compute(store, &context(), &request, 0).await.unwrap()
}

fn all_time(snapshot: &usagetop::pipeline::Snapshot) -> Sums {
    let usage = snapshot.report.summary.all_time.totals.usage;
    (
        usage.requests,
        i64::try_from(usage.input_tokens).unwrap(),
        i64::try_from(usage.output_tokens).unwrap(),
    )
}

fn monthly(snapshot: &usagetop::pipeline::Snapshot) -> Vec<(String, Sums)> {
    let mut rows: Vec<(String, Sums)> = snapshot
        .breakdown
        .as_ref()
        .unwrap()
        .monthly
        .rows
        .iter()
        .map(|row| {
            let usage = row.totals.usage;
            (
                row.key.clone(),
                (
                    usage.requests,
                    i64::try_from(usage.input_tokens).unwrap(),
                    i64::try_from(usage.output_tokens).unwrap(),
                ),
            )
        })
        .collect();
    rows.sort();
    rows
}

/// Checks `store` against the plain SQL `direct` answers: every filter's
/// totals, and a breakdown by each new dimension (alone and filtered).
async fn check_store(
    store: &dyn UsageStore,
    sql_condition: &dyn Fn(usize) -> &'static str,
    direct: &mut dyn FnMut(String) -> futures_util::future::BoxFuture<'static, Vec<(String, Sums)>>,
    what: &str,
) {
    let info = store.prepare().await.unwrap();
    for dimension in [Dimension::Project, Dimension::Session, Dimension::Source] {
        assert!(
            info.dimensions.contains(&dimension),
            "{what}: {dimension:?} offered"
        );
    }
    let everything = all_time(&snapshot(store, &Filter::default(), None).await);
    assert_eq!(everything.0, 400, "{what}: every event counted");
    for (index, (filter, _, _)) in filters().iter().enumerate() {
        let condition = sql_condition(index);
        let expected = direct(format!(
            "SELECT '' AS k, COUNT(*), CAST(COALESCE(SUM(input_tokens), 0) AS BIGINT), \
             CAST(COALESCE(SUM(output_tokens), 0) AS BIGINT) FROM usage_events WHERE {condition}"
        ))
        .await;
        let got = all_time(&snapshot(store, filter, None).await);
        assert_eq!(got, expected[0].1, "{what}: filter {filter}");
        assert!(
            got.0 > 0 && got.0 < 400,
            "{what}: {filter} filters: {got:?}"
        );
        for (dimension, column) in [
            (Dimension::Project, "project"),
            (Dimension::Session, "session"),
            (Dimension::Source, "source"),
        ] {
            let mut expected = direct(format!(
                "SELECT COALESCE({column}, '(none)') AS k, COUNT(*), CAST(SUM(input_tokens) AS BIGINT), \
                 CAST(SUM(output_tokens) AS BIGINT) FROM usage_events WHERE {condition} GROUP BY 1"
            ))
            .await;
            expected.sort();
            let got = monthly(&snapshot(store, filter, Some(dimension)).await);
            assert_eq!(got, expected, "{what}: by {column}, filter {filter}");
        }
    }
}

async fn sqlite_rows(path: &Path, sql: &str) -> Vec<(String, Sums)> {
    let mut conn = SqliteConnection::connect_with(&SqliteConnectOptions::new().filename(path))
        .await
        .unwrap();
    let rows = sqlx::query(AssertSqlSafe(sql.to_owned()))
        .fetch_all(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    rows.iter()
        .map(|row| {
            (
                row.get::<String, _>(0),
                (row.get(1), row.get(2), row.get(3)),
            )
        })
        .collect()
}

/// usagetop's own SQLite file (every migration: 0003 has the import's
/// columns) at `path`, holding [`events`].
async fn own_sqlite(path: &Path) {
    drop(
        SqliteStore::open(path, true, Mapping::default())
            .await
            .unwrap(),
    );
    let mut conn = SqliteConnection::connect_with(&SqliteConnectOptions::new().filename(path))
        .await
        .unwrap();
    sqlx::raw_sql(AssertSqlSafe(insert(&events(), &|ts| ts.to_string())))
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
}

/// Plain SQL on the SQLite file at `path`.
fn sqlite_direct(
    path: &Path,
) -> impl FnMut(String) -> futures_util::future::BoxFuture<'static, Vec<(String, Sums)>> {
    let path = path.to_path_buf();
    move |sql: String| {
        let path = path.clone();
        let boxed: futures_util::future::BoxFuture<'static, Vec<(String, Sums)>> =
            Box::pin(async move { sqlite_rows(&path, &sql).await });
        boxed
    }
}

#[tokio::test]
async fn sqlite_filters_and_breakdowns_by_project_session_and_source_equal_plain_sql() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("usage.db");
    own_sqlite(&path).await;
    let sql_condition = |index: usize| filters()[index].1;
    let mut direct = sqlite_direct(&path);
    let store = SqliteStore::open(&path, false, Mapping::default())
        .await
        .unwrap();
    check_store(&store, &sql_condition, &mut direct, "SQLite").await;

    // Through the rollup cache (which keeps models only, so it passes
    // these filters and breakdowns to the source): the same numbers.
    let cache_dir = tempfile::tempdir().unwrap();
    let cached = CachedStore::open(
        Box::new(
            SqliteStore::open(&path, false, Mapping::default())
                .await
                .unwrap(),
        ),
        &CacheOptions {
            enabled: true,
            dir: cache_dir.path().to_path_buf(),
            late_seconds: 7_200,
            verify: false,
        },
    )
    .await;
    cached
        .refresh_cache(now().timestamp(), &|_| {})
        .await
        .unwrap();
    assert!(cached.has_cached_data());
    check_store(&cached, &sql_condition, &mut direct, "SQLite, cached").await;

    // A layout without the columns: not offered, and a filter on one says
    // which [source] key to set.
    let foreign = dir.path().join("calls.db");
    let mut conn = SqliteConnection::connect_with(
        &SqliteConnectOptions::new()
            .filename(&foreign)
            .create_if_missing(true),
    )
    .await
    .unwrap();
    sqlx::raw_sql(
        "CREATE TABLE usage_events (ts INTEGER, model TEXT, input_tokens INTEGER, output_tokens INTEGER); \
         INSERT INTO usage_events VALUES (1793500000, 'gpt-5', 10, 20);",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();
    let plain = SqliteStore::open(&foreign, false, Mapping::default())
        .await
        .unwrap();
    let info = plain.prepare().await.unwrap();
    assert_eq!(info.dimensions, vec![Dimension::Model]);
    assert!(
        info.notes.iter().all(|note| !note.contains("project")),
        "{:?}",
        info.notes
    );
    let filter = Filter {
        projects: vec!["acme".to_owned()],
        ..Filter::default()
    };
    let request = ReportRequest {
        filter,
        ..ReportRequest::default()
    };
    let error = compute(&plain, &context(), &request, 0)
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("[source] project"), "{error}");
    let request = ReportRequest {
        breakdown: Some((Dimension::Session, false)),
        ..ReportRequest::default()
    };
    let error = compute(&plain, &context(), &request, 0)
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("[source] session"), "{error}");

    // Named in the config, a missing column is an error, not a silence.
    let named = Mapping::resolve(&SourceConfig {
        project: Some("workspace".to_owned()),
        ..SourceConfig::default()
    })
    .unwrap();
    let error = match SqliteStore::open(&foreign, false, named).await {
        Ok(store) => store.prepare().await.unwrap_err().to_string(),
        Err(error) => error.to_string(),
    };
    assert!(error.contains("workspace"), "{error}");
}

#[tokio::test]
async fn postgres_filters_and_breakdowns_by_project_session_and_source_equal_plain_sql() {
    let Some(admin) = server_url() else { return };
    let db = TestDb::create(&admin, "dimensions").await;
    // usagetop's native layout with the import's columns.
    db.execute(
        "CREATE TABLE usage_events (
             id BIGSERIAL PRIMARY KEY, ts TIMESTAMPTZ NOT NULL, user_id TEXT, model TEXT NOT NULL,
             endpoint TEXT, input_tokens BIGINT NOT NULL DEFAULT 0,
             output_tokens BIGINT NOT NULL DEFAULT 0, cache_read_tokens BIGINT NOT NULL DEFAULT 0,
             cache_write_tokens BIGINT NOT NULL DEFAULT 0, project TEXT, session TEXT, source TEXT)",
    )
    .await;
    db.execute(&insert(&events(), &|ts| format!("to_timestamp({ts})")))
        .await;
    let url = db.url.clone();
    let sql_condition = |index: usize| filters()[index].2;
    let mut direct = |sql: String| {
        let url = url.clone();
        let boxed: futures_util::future::BoxFuture<'static, Vec<(String, Sums)>> =
            Box::pin(async move {
                let mut conn = PgConnection::connect(&url).await.unwrap();
                let rows = sqlx::query(AssertSqlSafe(sql))
                    .fetch_all(&mut conn)
                    .await
                    .unwrap();
                conn.close().await.unwrap();
                rows.iter()
                    .map(|row| {
                        (
                            row.get::<String, _>(0),
                            (row.get(1), row.get(2), row.get(3)),
                        )
                    })
                    .collect()
            });
        boxed
    };
    let store = PgStore::connect_lazy(&db.url, Mapping::default(), Timeouts::default()).unwrap();
    check_store(&store, &sql_condition, &mut direct, "PostgreSQL").await;

    // usagetop's own PostgreSQL schema has no such columns: not offered.
    let plain = TestDb::create(&admin, "dimensions_plain").await;
    plain
        .execute(
            "CREATE TABLE usage_events (id BIGSERIAL PRIMARY KEY, ts TIMESTAMPTZ NOT NULL, user_id TEXT,
             model TEXT NOT NULL, endpoint TEXT, input_tokens BIGINT NOT NULL DEFAULT 0,
             output_tokens BIGINT NOT NULL DEFAULT 0)",
        )
        .await;
    let store = PgStore::connect_lazy(&plain.url, Mapping::default(), Timeouts::default()).unwrap();
    assert_eq!(
        store.prepare().await.unwrap().dimensions,
        vec![Dimension::Model, Dimension::Endpoint, Dimension::User]
    );
    plain.drop_it().await;
    db.drop_it().await;
}

/// MariaDB and ClickHouse read the same dimensions through the same
/// builder: their reports equal the plain SQL answers on the same events
/// in SQLite.
#[tokio::test]
async fn mariadb_and_clickhouse_filter_and_break_down_alike() {
    let (Some(mysql_admin), Some(ch_urls)) = (
        crate::support::mysql::server_url(),
        crate::support::clickhouse::server_urls(),
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let reference = dir.path().join("usage.db");
    own_sqlite(&reference).await;
    let sql_condition = |index: usize| filters()[index].1;
    let mut direct = sqlite_direct(&reference);

    let my_db = crate::support::mysql::TestDb::create(&mysql_admin, "dimensions").await;
    my_db
        .execute(
            "CREATE TABLE usage_events (id BIGINT AUTO_INCREMENT PRIMARY KEY, ts DATETIME NOT NULL, \
             model VARCHAR(64) NOT NULL, input_tokens BIGINT NOT NULL DEFAULT 0, \
             output_tokens BIGINT NOT NULL DEFAULT 0, project VARCHAR(64), session VARCHAR(64), \
             source VARCHAR(32))",
        )
        .await;
    my_db
        .execute(&insert(&events(), &|ts| format!("FROM_UNIXTIME({ts})")))
        .await;
    let store = usagetop::store::mysql::MysqlStore::connect_lazy(
        &my_db.url,
        Mapping::default(),
        Timeouts::default(),
    )
    .unwrap();
    check_store(&store, &sql_condition, &mut direct, "MariaDB").await;
    my_db.drop_it().await;

    let ch_db = crate::support::clickhouse::TestDb::create(&ch_urls, "dimensions", false).await;
    let table = format!("{}.usage_events", ch_db.name);
    ch_db.servers[0]
        .execute(&format!(
            "CREATE TABLE {table} (ts DateTime, model String, input_tokens Int64, output_tokens Int64, \
             project Nullable(String), session String, source LowCardinality(String)) \
             ENGINE = MergeTree() ORDER BY ts"
        ))
        .await;
    ch_db.servers[0]
        .execute(
            &insert(&events(), &|ts| ts.to_string())
                .replace("INSERT INTO usage_events", &format!("INSERT INTO {table}"))
                .replace(';', ""),
        )
        .await;
    let store = usagetop::store::clickhouse::ClickhouseStore::new(
        &ch_db.url(),
        Mapping::default(),
        Timeouts::default(),
    )
    .unwrap();
    check_store(&store, &sql_condition, &mut direct, "ClickHouse").await;
    ch_db.drop_it().await;
}
