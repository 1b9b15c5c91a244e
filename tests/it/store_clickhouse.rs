//! ClickHouse (`clickhouse://`): the same events in SQLite and in ClickHouse
//! give byte-identical JSON reports for every timestamp kind (DateTime,
//! UInt32 and Int64 seconds, Nullable(Int64) milliseconds, String text) with
//! Nullable and LowCardinality columns, in zones with a DST change
//! (America/New_York, 2026-11-01) and a 45-minute offset (Asia/Kathmandu),
//! read directly and through the rollup cache; a Distributed table over two
//! shards answers the same (each shard holding part of the rows), says so
//! clearly when a shard is down and answers again when it is back; errors
//! name no password; hostile filter text stays one literal.

use std::path::Path;

use chrono::DateTime;
use usagetop::cache::{CacheOptions, CachedStore};
use usagetop::filter::{Dimension, Filter};
use usagetop::output;
use usagetop::period::{Calendar, WeekStart};
use usagetop::pipeline::compute_report;
use usagetop::store::clickhouse::ClickhouseStore;
use usagetop::store::demo::{self, DemoEvent};
use usagetop::store::mapping::{Mapping, SourceConfig};
use usagetop::store::sqlite::SqliteStore;
use usagetop::store::{Timeouts, UsageStore};

use crate::support::clickhouse::{server_urls, Server, TestDb};
use crate::support::reports::{
    assert_same_as_sqlite, context, event_values, json_in, json_of, now, sqlite_execute,
    EVENT_COLUMNS as COLUMNS, ZONES,
};

async fn json_with(store: &dyn UsageStore, zone: chrono_tz::Tz, filter: &Filter) -> String {
    json_in(store, &context(zone), filter).await
}

#[track_caller]
fn assert_same(clickhouse: &str, sqlite: &str, what: &str) {
    assert_same_as_sqlite("ClickHouse", clickhouse, sqlite, what);
}

fn events() -> Vec<DemoEvent> {
    demo::generate(
        13,
        45,
        now(),
        &Calendar::new(chrono_tz::America::New_York, WeekStart::Monday),
    )
}

/// The VALUES of `events` with the timestamp written by `ts` (see
/// [`event_values`]); every 89th row has a model with a quote and a
/// backslash (`o'k\model`, written as each engine reads it).
fn values(events: &[DemoEvent], ts: &dyn Fn(i64) -> String, clickhouse: bool) -> Vec<String> {
    let odd = if clickhouse {
        r"'o\'k\\model'"
    } else {
        r"'o''k\model'"
    };
    event_values(events, ts, Some(odd))
}

/// The ClickHouse columns after `ts`: Nullable and LowCardinality among them.
const CH_COLUMNS: &str = "user_id String, model LowCardinality(Nullable(String)), \
    endpoint LowCardinality(String), input_tokens Int64, output_tokens Nullable(Int64), \
    cache_read_tokens Int64, cache_write_tokens Nullable(Int32)";

const LITE_COLUMNS: &str = "user_id TEXT, model TEXT, endpoint TEXT, input_tokens INTEGER, \
    output_tokens INTEGER, cache_read_tokens INTEGER, cache_write_tokens INTEGER";

/// Inserts of `rows` into `table` on `server`, in chunks.
async fn insert(server: &Server, table: &str, rows: &[String]) {
    for chunk in rows.chunks(2_000) {
        server
            .execute(&format!(
                "INSERT INTO {table} {COLUMNS} VALUES {}",
                chunk.join(", ")
            ))
            .await;
    }
}

/// A SQLite file of `events`, timestamps in unix seconds.
async fn sqlite_of(path: &Path, events: &[DemoEvent]) {
    let mut sql = vec![format!(
        "CREATE TABLE usage_events (id INTEGER PRIMARY KEY, ts INTEGER, {LITE_COLUMNS})"
    )];
    for chunk in values(events, &|ts| ts.to_string(), false).chunks(500) {
        sql.push(format!(
            "INSERT INTO usage_events {COLUMNS} VALUES {}",
            chunk.join(", ")
        ));
    }
    sqlite_execute(path, &sql.join("; ")).await;
}

/// Text in one of the accepted forms, offsets included.
fn iso_text(ts: i64) -> String {
    let instant = DateTime::from_timestamp(ts, 0).unwrap();
    match ts % 4 {
        0 => format!("'{}'", instant.format("%Y-%m-%dT%H:%M:%SZ")),
        1 => format!(
            "'{}'",
            (instant + chrono::Duration::minutes(345)).format("%Y-%m-%d %H:%M:%S+05:45")
        ),
        2 => format!(
            "'{}'",
            (instant - chrono::Duration::hours(5)).format("%Y-%m-%d %H:%M:%S.250-0500")
        ),
        _ => format!("'{}'", instant.format("%Y-%m-%d %H:%M:%S+00")),
    }
}

fn cache_options(dir: &Path) -> CacheOptions {
    CacheOptions {
        enabled: true,
        dir: dir.to_path_buf(),
        late_seconds: 7_200,
        verify: false,
    }
}

/// A timestamp kind: its name, the ClickHouse column type, how it writes an instant.
type KindLayout = (&'static str, &'static str, Box<dyn Fn(i64) -> String>);

#[tokio::test]
async fn every_timestamp_kind_equals_sqlite_directly_and_cached() {
    let Some(urls) = server_urls() else { return };
    let db = TestDb::create(&urls, "kinds", false).await;
    let server = &db.servers[0];
    let events = events();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lite.db");
    sqlite_of(&path, &events).await;
    let mapping = Mapping::resolve(&SourceConfig::default()).unwrap();
    let lite = SqliteStore::open(&path, false, mapping.clone())
        .await
        .unwrap();
    let layouts: [KindLayout; 5] = [
        ("DateTime", "DateTime", Box::new(|ts| ts.to_string())),
        ("UInt32 seconds", "UInt32", Box::new(|ts| ts.to_string())),
        ("Int64 seconds", "Int64", Box::new(|ts| ts.to_string())),
        (
            "Nullable(Int64) milliseconds",
            "Nullable(Int64)",
            Box::new(|ts| (ts * 1000 + 123).to_string()),
        ),
        ("String text", "String", Box::new(iso_text)),
    ];
    for (index, (what, ts_type, ts)) in layouts.iter().enumerate() {
        let table = format!("{}.usage_events", db.name);
        server
            .execute(&format!("DROP TABLE IF EXISTS {table}"))
            .await;
        server
            .execute(&format!(
                "CREATE TABLE {table} (ts {ts_type}, {CH_COLUMNS}) ENGINE = MergeTree() \
                 ORDER BY tuple()"
            ))
            .await;
        insert(server, &table, &values(&events, ts.as_ref(), true)).await;
        let clickhouse =
            || ClickhouseStore::new(&db.url(), mapping.clone(), Timeouts::default()).unwrap();
        let cached = CachedStore::open(
            Box::new(clickhouse()),
            &cache_options(&dir.path().join(format!("cache-{index}"))),
        )
        .await;
        // The cold build, then a warm refresh (bounds, the late window).
        for _ in 0..2 {
            cached
                .refresh_cache(now().timestamp(), &|_| {})
                .await
                .unwrap();
        }
        assert!(cached.has_cached_data(), "{what}: the cache was built");
        for zone in ZONES {
            let sqlite = json_of(&lite, zone).await;
            assert_same(
                &json_of(&clickhouse(), zone).await,
                &sqlite,
                &format!("{what}, {zone}"),
            );
            assert_same(
                &json_of(&cached, zone).await,
                &sqlite,
                &format!("{what}, {zone}, cached"),
            );
        }
    }
    // A filter with a quote, a backslash and a glob: one literal, the same rows.
    let mut filter = Filter::default();
    *filter.patterns_mut(Dimension::Model) = vec!["o'k\\*".to_owned(), "claude*".to_owned()];
    let clickhouse = ClickhouseStore::new(&db.url(), mapping.clone(), Timeouts::default()).unwrap();
    assert_same(
        &json_with(&clickhouse, chrono_tz::UTC, &filter).await,
        &json_with(&lite, chrono_tz::UTC, &filter).await,
        "hostile filter",
    );
    db.drop_it().await;
}

/// Rows on each shard of `table` (the local tables).
async fn shard_counts(db: &TestDb, table: &str) -> [u64; 2] {
    let mut counts = [0; 2];
    for (count, server) in counts.iter_mut().zip(&db.servers) {
        *count = server
            .execute(&format!("SELECT count() FROM {}.{table}", db.name))
            .await
            .trim()
            .parse()
            .unwrap();
    }
    counts
}

/// Stops the second test server (started by `.ci/clickhouse.sh`, which
/// keeps its process id) and waits until it no longer answers.
async fn stop_second_server(server: &Server) {
    let pid = std::fs::read_to_string("/tmp/usagetop-clickhouse/b/pid").unwrap();
    let status = std::process::Command::new("kill")
        .arg(pid.trim())
        .status()
        .unwrap();
    assert!(status.success(), "the second server was stopped");
    for _ in 0..120 {
        if server.try_execute("SELECT 1").await.is_err() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    panic!("the second ClickHouse server did not stop");
}

/// Starts the test servers again (the script reuses the first).
fn start_servers() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/clickhouse.sh");
    let output = std::process::Command::new("bash")
        .arg(script)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn a_distributed_table_over_two_shards_equals_sqlite_and_recovers() {
    let Some(urls) = server_urls() else { return };
    // The second server is stopped below: no other test may use it meanwhile.
    let _second = crate::support::clickhouse::SECOND_SERVER.lock().await;
    let db = TestDb::create(&urls, "shards", true).await;
    let events = events();
    let name = &db.name;
    for server in &db.servers {
        server
            .execute(&format!(
                "CREATE TABLE {name}.usage_local (ts DateTime, {CH_COLUMNS}) \
                 ENGINE = MergeTree() PARTITION BY toYYYYMM(ts) ORDER BY (ts)"
            ))
            .await;
    }
    db.servers[0]
        .execute(&format!(
            "CREATE TABLE {name}.usage_events AS {name}.usage_local \
             ENGINE = Distributed(usagetop_two_shards, {name}, usage_local, rand())"
        ))
        .await;
    // The rows split between the shards by hour, written to each local table.
    let (first, second): (Vec<DemoEvent>, Vec<DemoEvent>) = events
        .iter()
        .cloned()
        .partition(|event| event.ts / 3_600 % 2 == 0);
    let as_seconds = |ts: i64| ts.to_string();
    insert(
        &db.servers[0],
        &format!("{name}.usage_local"),
        &values(&first, &as_seconds, true),
    )
    .await;
    insert(
        &db.servers[1],
        &format!("{name}.usage_local"),
        &values(&second, &as_seconds, true),
    )
    .await;
    let counts = shard_counts(&db, "usage_local").await;
    assert_eq!(
        counts,
        [first.len() as u64, second.len() as u64],
        "each shard holds its part"
    );
    assert!(counts[0] > 1_000 && counts[1] > 1_000, "{counts:?}");
    let total: u64 = db.servers[0]
        .execute(&format!("SELECT count() FROM {name}.usage_events"))
        .await
        .trim()
        .parse()
        .unwrap();
    assert_eq!(
        total,
        counts[0] + counts[1],
        "the Distributed table reads both shards"
    );

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lite.db");
    sqlite_of(&path, &events).await;
    let mapping = Mapping::resolve(&SourceConfig::default()).unwrap();
    let lite = SqliteStore::open(&path, false, mapping.clone())
        .await
        .unwrap();
    let store = ClickhouseStore::new(&db.url(), mapping.clone(), Timeouts::default()).unwrap();
    let cached = CachedStore::open(
        Box::new(ClickhouseStore::new(&db.url(), mapping.clone(), Timeouts::default()).unwrap()),
        &cache_options(&dir.path().join("cache")),
    )
    .await;
    cached
        .refresh_cache(now().timestamp(), &|_| {})
        .await
        .unwrap();
    for zone in ZONES {
        let sqlite = json_of(&lite, zone).await;
        assert_same(
            &json_of(&store, zone).await,
            &sqlite,
            &format!("shards, {zone}"),
        );
        assert_same(
            &json_of(&cached, zone).await,
            &sqlite,
            &format!("shards, {zone}, cached"),
        );
    }
    // Each shard answered its part: the report of one shard's rows alone
    // (its local table) differs from the whole.
    let local = ClickhouseStore::new(
        &format!("{}/{name}", db.servers[1].base),
        Mapping::resolve(&SourceConfig {
            table: Some("usage_local".to_owned()),
            ..SourceConfig::default()
        })
        .unwrap(),
        Timeouts::default(),
    )
    .unwrap();
    let part: serde_json::Value =
        serde_json::from_str(&json_of(&local, chrono_tz::UTC).await).unwrap();
    let whole: serde_json::Value =
        serde_json::from_str(&json_of(&store, chrono_tz::UTC).await).unwrap();
    let requests = |report: &serde_json::Value| report["summary"]["all_time"]["requests"].as_i64();
    assert!(requests(&part) < requests(&whole), "{part} {whole}");

    // A shard down: a clear error, no password; back up: the same report.
    let before = json_of(&store, chrono_tz::America::New_York).await;
    stop_second_server(&db.servers[1]).await;
    let fresh = ClickhouseStore::new(&db.url(), mapping.clone(), Timeouts::default()).unwrap();
    let down = compute_report(&fresh, &context(chrono_tz::UTC), &Filter::default()).await;
    start_servers();
    let Err(error) = down else {
        panic!("a shard down fails the report")
    };
    let error = format!("{error:#}");
    assert!(error.contains("shard"), "{error}");
    assert!(!error.contains("usagetop-test"), "{error}");
    let mut after = None;
    for _ in 0..20 {
        match compute_report(
            &fresh,
            &context(chrono_tz::America::New_York),
            &Filter::default(),
        )
        .await
        {
            Ok(snapshot) => {
                after = Some(output::json::render(&snapshot).unwrap());
                break;
            }
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(500)).await,
        }
    }
    assert_eq!(
        after.as_deref(),
        Some(before.as_str()),
        "the same numbers once the shard is back"
    );
    db.drop_it().await;
}

#[tokio::test]
async fn errors_are_explained_without_the_password() {
    let Some(urls) = server_urls() else { return };
    let quick = Timeouts {
        connect: std::time::Duration::from_secs(2),
        ..Timeouts::default()
    };
    let unreachable = ClickhouseStore::new(
        "clickhouse://me:s3cret@127.0.0.1:1/nothing",
        Mapping::default(),
        quick,
    )
    .unwrap();
    let error = unreachable.prepare().await.unwrap_err().to_string();
    assert!(!error.contains("s3cret"), "{error}");
    assert!(
        error.contains("cannot reach ClickHouse at 127.0.0.1:1"),
        "{error}"
    );
    let server = Server::of(&urls.0);
    let wrong = server.base.replace(":usagetop-test@", ":not-it@");
    let store =
        ClickhouseStore::new(&format!("{wrong}/default"), Mapping::default(), quick).unwrap();
    let error = store.prepare().await.unwrap_err().to_string();
    assert!(error.contains("check the user and password"), "{error}");
    assert!(!error.contains("not-it"), "{error}");
    let db = TestDb::create(&urls, "errors", false).await;
    db.servers[0]
        .execute(&format!(
            "CREATE TABLE {}.usage_events (ts DateTime, {CH_COLUMNS}) ENGINE = MergeTree() ORDER BY ts",
            db.name
        ))
        .await;
    let missing = ClickhouseStore::new(
        &db.url(),
        Mapping::resolve(&SourceConfig {
            table: Some("USAGE_EVENTS".to_owned()),
            ..SourceConfig::default()
        })
        .unwrap(),
        quick,
    )
    .unwrap();
    let error = missing.prepare().await.unwrap_err().to_string();
    assert!(
        error.contains("usage_events"),
        "names the table that would match: {error}"
    );
    let bad = ClickhouseStore::new("clickhouse://host:notaport/db", Mapping::default(), quick);
    assert!(bad.is_err());
    db.drop_it().await;
}

/// Helicone's `request_response_rmt` (its columns of usagetop's interest,
/// `DateTime` for the `DateTime64(3)` that 18.16 lacks) read by the preset,
/// as SQLite reads the same rows.
#[tokio::test]
async fn the_helicone_preset_equals_sqlite() {
    let Some(urls) = server_urls() else { return };
    let db = TestDb::create(&urls, "helicone", false).await;
    let rows: Vec<String> = events()
        .iter()
        .map(|e| {
            let prompt = e.input_tokens + e.cache_read_tokens + e.cache_write_tokens;
            format!(
                "({}, '{}', {}, {}, {}, {}, '{}', '{}', {})",
                e.ts,
                e.model,
                if e.ts % 53 == 0 {
                    "NULL".to_owned()
                } else {
                    prompt.to_string()
                },
                e.output_tokens,
                e.cache_read_tokens,
                e.cache_write_tokens,
                e.user_id,
                e.endpoint,
                e.ts % 1_000_000,
            )
        })
        .collect();
    let columns = "(request_created_at, model, prompt_tokens, completion_tokens, \
                   prompt_cache_read_tokens, prompt_cache_write_tokens, user_id, provider, cost)";
    let server = &db.servers[0];
    server
        .execute(&format!(
            "CREATE TABLE {}.request_response_rmt (request_created_at DateTime, \
             model LowCardinality(String), prompt_tokens Nullable(Int64), \
             completion_tokens Nullable(Int64), prompt_cache_read_tokens Int64, \
             prompt_cache_write_tokens Int64, user_id LowCardinality(String), \
             provider LowCardinality(String), cost UInt64) \
             ENGINE = ReplacingMergeTree() PARTITION BY toYYYYMM(request_created_at) \
             ORDER BY (provider, model, user_id, request_created_at)",
            db.name
        ))
        .await;
    for chunk in rows.chunks(2_000) {
        server
            .execute(&format!(
                "INSERT INTO {}.request_response_rmt {columns} VALUES {}",
                db.name,
                chunk.join(", ")
            ))
            .await;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("helicone.db");
    let mut sql = vec![
        "CREATE TABLE request_response_rmt (request_created_at INTEGER, model TEXT, \
         prompt_tokens INTEGER, completion_tokens INTEGER, prompt_cache_read_tokens INTEGER, \
         prompt_cache_write_tokens INTEGER, user_id TEXT, provider TEXT, cost INTEGER)"
            .to_owned(),
    ];
    for chunk in rows.chunks(500) {
        sql.push(format!(
            "INSERT INTO request_response_rmt {columns} VALUES {}",
            chunk.join(", ")
        ));
    }
    sqlite_execute(&path, &sql.join("; ")).await;
    let mapping = Mapping::resolve(&SourceConfig {
        preset: Some(usagetop::store::mapping::Preset::Helicone),
        ..SourceConfig::default()
    })
    .unwrap();
    let clickhouse = ClickhouseStore::new(&db.url(), mapping.clone(), Timeouts::default()).unwrap();
    let lite = SqliteStore::open(&path, false, mapping).await.unwrap();
    let json = json_of(&clickhouse, chrono_tz::America::New_York).await;
    assert_same(
        &json,
        &json_of(&lite, chrono_tz::America::New_York).await,
        "helicone",
    );
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(report["summary"]["all_time"]["requests"].as_i64() > Some(1_000));
    db.drop_it().await;
}

/// Rows deleted from old history (a mutation: ClickHouse keeps no counts
/// of changed rows) are found by the cache's slices after refreshes, and
/// the cached report then equals SQLite's with the same rows deleted.
#[tokio::test]
async fn changed_history_is_found_by_slices() {
    let Some(urls) = server_urls() else { return };
    let db = TestDb::create(&urls, "history", false).await;
    let server = &db.servers[0];
    let table = format!("{}.usage_events", db.name);
    server
        .execute(&format!(
            "CREATE TABLE {table} (ts Int64, {CH_COLUMNS}) ENGINE = MergeTree() ORDER BY ts"
        ))
        .await;
    let events = events();
    insert(server, &table, &values(&events, &|ts| ts.to_string(), true)).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lite.db");
    sqlite_of(&path, &events).await;
    let mapping = Mapping::resolve(&SourceConfig::default()).unwrap();
    let lite = SqliteStore::open(&path, false, mapping.clone())
        .await
        .unwrap();
    let cached = CachedStore::open(
        Box::new(ClickhouseStore::new(&db.url(), mapping.clone(), Timeouts::default()).unwrap()),
        &cache_options(&dir.path().join("cache")),
    )
    .await;
    cached
        .refresh_cache(now().timestamp(), &|_| {})
        .await
        .unwrap();
    // Ten days in the middle of history lose their even-second rows.
    let (from, to) = (
        now().timestamp() - 30 * 86_400,
        now().timestamp() - 20 * 86_400,
    );
    let gone = format!("ts >= {from} AND ts < {to} AND ts % 2 = 0");
    server
        .execute(&format!("ALTER TABLE {table} DELETE WHERE {gone}"))
        .await;
    for _ in 0..100 {
        let pending = server
            .execute(&format!(
                "SELECT count() FROM system.mutations WHERE database = '{}' AND is_done = 0",
                db.name
            ))
            .await;
        if pending.trim() == "0" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    sqlite_execute(&path, &format!("DELETE FROM usage_events WHERE {gone}")).await;
    let mut changed = false;
    for _ in 0..20 {
        cached
            .refresh_cache(now().timestamp(), &|_| {})
            .await
            .unwrap();
        changed |= cached.check_history(now().timestamp()).await.unwrap();
    }
    assert!(changed, "a slice found the deleted rows");
    for zone in ZONES {
        assert_same(
            &json_of(&cached, zone).await,
            &json_of(&lite, zone).await,
            &format!("history, {zone}, cached"),
        );
    }
    db.drop_it().await;
}
