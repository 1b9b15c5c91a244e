//! The same numbers everywhere: one set of events (rows left out and rows
//! without a model among them) loaded into SQLite, PostgreSQL, MariaDB and
//! ClickHouse (one server, and a `Distributed` table over two shards), each
//! in its native timestamp type, gives byte-identical JSON reports in UTC,
//! across a DST change (America/New_York, 2026-11-01) and at a 45-minute
//! offset (Asia/Kathmandu), read directly and through the rollup cache.
//! Every row writes cache tokens with a 1-hour part (none, some or all of
//! them), priced at its own rate by every engine's sums.
//! And ClickHouse's reader of text timestamps agrees with SQLite's on the
//! differential fuzz's texts (MariaDB's and PostgreSQL's are fuzzed in
//! their own modules).

use std::path::Path;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AssertSqlSafe, Connection, SqliteConnection};
use usagetop::cache::{CacheOptions, CachedStore};
use usagetop::period::{Calendar, WeekStart};
use usagetop::store::clickhouse::ClickhouseStore;
use usagetop::store::demo::{self, DemoEvent};
use usagetop::store::mapping::{Mapping, SourceConfig};
use usagetop::store::mysql::MysqlStore;
use usagetop::store::postgres::PgStore;
use usagetop::store::sqlite::SqliteStore;
use usagetop::store::{RollupSource, Timeouts, UsageStore};

use crate::support::reports::{event_values, json_of, now, sqlite_execute, ZONES};
use crate::support::{clickhouse, mysql, pg};

/// The columns [`values`] fills: usagetop's own, with the 1-hour part of
/// the cache writes.
const COLUMNS: &str =
    "(ts, user_id, model, endpoint, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, \
     cache_write_1h_tokens)";

/// 45 days of demo events around the DST change.
fn events() -> Vec<DemoEvent> {
    demo::generate(
        17,
        45,
        now(),
        &Calendar::new(chrono_tz::America::New_York, WeekStart::Monday),
    )
}

/// The rows of `events` (see [`event_values`]), the timestamp written by
/// `ts`, each with the 1-hour part of its cache writes: none, a half or all.
fn values(events: &[DemoEvent], ts: &dyn Fn(i64) -> String) -> Vec<String> {
    event_values(events, ts, None)
        .into_iter()
        .zip(events)
        .map(|(row, e)| {
            let row = row.strip_suffix(')').unwrap_or(&row).to_owned();
            format!("{row}, {})", e.cache_write_tokens * (e.ts % 3) / 2)
        })
        .collect()
}

/// `INSERT` statements of `rows` into `table` ([`COLUMNS`]), 500 rows each.
fn inserts(table: &str, rows: &[String]) -> Vec<String> {
    rows.chunks(500)
        .map(|chunk| format!("INSERT INTO {table} {COLUMNS} VALUES {}", chunk.join(", ")))
        .collect()
}

/// Asserts that `store`, directly and through a cache built in `dir`,
/// reports as `expected` does in every zone.
async fn assert_reports(
    what: &str,
    direct: &dyn UsageStore,
    source: Box<dyn RollupSource>,
    dir: &Path,
    expected: &[String],
) {
    let options = CacheOptions {
        enabled: true,
        dir: dir.join(what),
        late_seconds: 7_200,
        verify: false,
    };
    let cached = CachedStore::open(source, &options).await;
    // The cold build, then a warm refresh (bounds, the late window).
    for _ in 0..2 {
        cached
            .refresh_cache(now().timestamp(), &|_| {})
            .await
            .unwrap();
    }
    assert!(cached.has_cached_data(), "{what}: the cache was built");
    for (zone, expected) in ZONES.iter().zip(expected) {
        for (how, store) in [("directly", direct), ("cached", &cached as &dyn UsageStore)] {
            let json = json_of(store, *zone).await;
            if &json != expected {
                let first = json
                    .lines()
                    .zip(expected.lines())
                    .enumerate()
                    .find(|(_, (a, b))| a != b);
                panic!("{what} {how}, {zone}: differs from SQLite; first difference (line, {what}, sqlite): {first:?}");
            }
        }
    }
}

#[tokio::test]
async fn one_set_of_events_reports_the_same_on_every_engine() {
    let (Some(pg_admin), Some(mysql_admin), Some(ch_urls)) = (
        pg::server_url(),
        mysql::server_url(),
        clickhouse::server_urls(),
    ) else {
        return;
    };
    let events = events();
    let mapping = Mapping::resolve(&SourceConfig::default()).unwrap();
    let timeouts = Timeouts::default();
    let dir = tempfile::tempdir().unwrap();

    // SQLite, integer seconds: the reference.
    let path = dir.path().join("lite.db");
    let mut sql = vec![
        "CREATE TABLE usage_events (id INTEGER PRIMARY KEY, ts INTEGER, user_id TEXT, \
         model TEXT, endpoint TEXT, input_tokens INTEGER, output_tokens INTEGER, \
         cache_read_tokens INTEGER, cache_write_tokens INTEGER, cache_write_1h_tokens INTEGER)"
            .to_owned(),
    ];
    sql.extend(inserts(
        "usage_events",
        &values(&events, &|ts| ts.to_string()),
    ));
    sqlite_execute(&path, &sql.join("; ")).await;
    let lite = SqliteStore::open(&path, false, mapping.clone())
        .await
        .unwrap();
    let mut expected = Vec::new();
    for zone in ZONES {
        expected.push(json_of(&lite, zone).await);
    }
    let reference: serde_json::Value = serde_json::from_str(&expected[0]).unwrap();
    let all_time = &reference["summary"]["all_time"];
    assert!(
        all_time["cache_write_1h_tokens"].as_i64().unwrap() > 0
            && all_time["cache_write_1h_tokens"].as_i64() < all_time["cache_write_tokens"].as_i64(),
        "1-hour writes are read: {all_time}"
    );
    let lite_source = SqliteStore::open(&path, false, mapping.clone())
        .await
        .unwrap();
    assert_reports(
        "sqlite",
        &lite,
        Box::new(lite_source),
        dir.path(),
        &expected,
    )
    .await;

    // PostgreSQL, timestamptz.
    let pg_db = pg::TestDb::create(&pg_admin, "everywhere").await;
    let mut sql = vec![
        "CREATE TABLE usage_events (id BIGSERIAL PRIMARY KEY, ts TIMESTAMPTZ, \
         user_id TEXT, model TEXT, endpoint TEXT, input_tokens BIGINT, output_tokens BIGINT, \
         cache_read_tokens BIGINT, cache_write_tokens BIGINT, cache_write_1h_tokens BIGINT)"
            .to_owned(),
    ];
    sql.extend(inserts(
        "usage_events",
        &values(&events, &|ts| format!("to_timestamp({ts})")),
    ));
    pg_db.execute(&sql.join("; ")).await;
    let store = || PgStore::connect_lazy(&pg_db.url, mapping.clone(), timeouts).unwrap();
    assert_reports(
        "postgres",
        &store(),
        Box::new(store()),
        dir.path(),
        &expected,
    )
    .await;
    pg_db.drop_it().await;

    // MariaDB, DATETIME in UTC.
    let my_db = mysql::TestDb::create(&mysql_admin, "everywhere").await;
    let mut sql = vec![
        "CREATE TABLE usage_events (id BIGINT AUTO_INCREMENT PRIMARY KEY, \
         ts DATETIME, user_id VARCHAR(32), model VARCHAR(64), endpoint VARCHAR(64), \
         input_tokens BIGINT, output_tokens BIGINT, cache_read_tokens BIGINT, \
         cache_write_tokens BIGINT, cache_write_1h_tokens BIGINT)"
            .to_owned(),
    ];
    sql.extend(inserts(
        "usage_events",
        &values(&events, &|ts| format!("FROM_UNIXTIME({ts})")),
    ));
    my_db.execute(&sql.join("; ")).await;
    let store = || MysqlStore::connect_lazy(&my_db.url, mapping.clone(), timeouts).unwrap();
    assert_reports(
        "mariadb",
        &store(),
        Box::new(store()),
        dir.path(),
        &expected,
    )
    .await;
    my_db.drop_it().await;

    // ClickHouse, DateTime: one server, then a Distributed table over two
    // shards, the rows split between them by hour.
    let _second = clickhouse::SECOND_SERVER.lock().await;
    let ch_db = clickhouse::TestDb::create(&ch_urls, "everywhere", true).await;
    let name = &ch_db.name;
    let ch_columns = "user_id String, model Nullable(String), endpoint String, \
        input_tokens Int64, output_tokens Int64, cache_read_tokens Int64, cache_write_tokens Int64, \
        cache_write_1h_tokens Int64";
    let as_seconds = |ts: i64| ts.to_string();
    let single = format!("{name}.usage_events");
    ch_db.servers[0]
        .execute(&format!(
            "CREATE TABLE {single} (ts DateTime, {ch_columns}) ENGINE = MergeTree() ORDER BY ts"
        ))
        .await;
    for statement in inserts(&single, &values(&events, &as_seconds)) {
        ch_db.servers[0].execute(&statement).await;
    }
    let store = |url: &str| ClickhouseStore::new(url, mapping.clone(), timeouts).unwrap();
    let url = ch_db.url();
    assert_reports(
        "clickhouse",
        &store(&url),
        Box::new(store(&url)),
        dir.path(),
        &expected,
    )
    .await;

    for server in &ch_db.servers {
        server
            .execute(&format!(
                "CREATE TABLE {name}.shard_local (ts DateTime, {ch_columns}) \
                 ENGINE = MergeTree() PARTITION BY toYYYYMM(ts) ORDER BY ts"
            ))
            .await;
    }
    ch_db.servers[0]
        .execute(&format!(
            "CREATE TABLE {name}.sharded AS {name}.shard_local \
             ENGINE = Distributed(usagetop_two_shards, {name}, shard_local, rand())"
        ))
        .await;
    let (first, second): (Vec<DemoEvent>, Vec<DemoEvent>) = events
        .iter()
        .cloned()
        .partition(|event| event.ts / 3_600 % 2 == 0);
    for (server, part) in ch_db.servers.iter().zip([&first, &second]) {
        for statement in inserts(&format!("{name}.shard_local"), &values(part, &as_seconds)) {
            server.execute(&statement).await;
        }
    }
    let sharded = Mapping::resolve(&SourceConfig {
        table: Some("sharded".to_owned()),
        ..SourceConfig::default()
    })
    .unwrap();
    let store = || ClickhouseStore::new(&url, sharded.clone(), timeouts).unwrap();
    assert_reports(
        "clickhouse-2-shards",
        &store(),
        Box::new(store()),
        dir.path(),
        &expected,
    )
    .await;
    ch_db.drop_it().await;
}

/// ClickHouse's text-timestamp reader against SQLite's, on the differential
/// fuzz's 3,000 texts (the same seed as PostgreSQL's and MariaDB's).
#[tokio::test]
async fn text_timestamps_fuzzed_read_like_sqlite_on_clickhouse() {
    use proptest::strategy::{Strategy, ValueTree};
    use usagetop::store::clickhouse::literal::text_literal;
    use usagetop::store::sql::SqlDialect;
    let Some(urls) = clickhouse::server_urls() else {
        return;
    };
    let db = clickhouse::TestDb::create(&urls, "text_fuzz", false).await;
    let server = &db.servers[0];
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = crate::store_postgres::timestamp_text();
    let texts: Vec<String> = (0..3_000)
        .map(|_| strategy.new_tree(&mut runner).unwrap().current())
        .collect();
    let table = format!("{}.texts", db.name);
    server
        .execute(&format!(
            "CREATE TABLE {table} (id Int64, at String) ENGINE = MergeTree() ORDER BY id"
        ))
        .await;
    for chunk in texts.chunks(500).enumerate() {
        let (index, chunk) = chunk;
        let rows: Vec<String> = chunk
            .iter()
            .enumerate()
            .map(|(offset, text)| format!("({}, {})", index * 500 + offset, text_literal(text)))
            .collect();
        server
            .execute(&format!("INSERT INTO {table} VALUES {}", rows.join(", ")))
            .await;
    }
    let answer = server
        .execute(&format!(
            "SELECT id, {} FROM {table} ORDER BY id FORMAT TabSeparated",
            usagetop::store::clickhouse::dialect::CLICKHOUSE.text_seconds("at")
        ))
        .await;
    let ch_rows: Vec<(i64, Option<i64>)> = answer
        .lines()
        .map(|line| {
            let (id, value) = line.split_once('\t').unwrap();
            (id.parse().unwrap(), value.parse().ok())
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("texts.db");
    let values: Vec<String> = texts
        .iter()
        .enumerate()
        .map(|(id, text)| format!("({id}, '{}')", text.replace('\'', "''")))
        .collect();
    sqlite_execute(
        &path,
        &format!(
            "CREATE TABLE texts (id INTEGER, at TEXT); INSERT INTO texts VALUES {}",
            values.join(", ")
        ),
    )
    .await;
    let mut lite = SqliteConnection::connect_with(&SqliteConnectOptions::new().filename(&path))
        .await
        .unwrap();
    let lite_rows: Vec<(i64, Option<i64>)> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT id, {} FROM texts ORDER BY id",
        usagetop::store::sql::text_time::sqlite_seconds("at")
    )))
    .fetch_all(&mut lite)
    .await
    .unwrap();
    lite.close().await.unwrap();
    assert_eq!(ch_rows.len(), texts.len());
    let differ: Vec<String> = ch_rows
        .iter()
        .zip(&lite_rows)
        .filter(|(a, b)| a != b)
        .take(10)
        .map(|((id, clickhouse), (_, lite))| {
            format!(
                "{:?}: clickhouse {clickhouse:?}, sqlite {lite:?}",
                texts[usize::try_from(*id).unwrap()]
            )
        })
        .collect();
    assert!(
        differ.is_empty(),
        "the engines disagree:\n{}",
        differ.join("\n")
    );
    db.drop_it().await;
}
