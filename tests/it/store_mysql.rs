//! MySQL and MariaDB (`mysql://`, `mariadb://`): the same events in SQLite
//! and in MariaDB give byte-identical JSON reports for every timestamp kind
//! (DATETIME, TIMESTAMP, integer seconds and milliseconds, text), in zones
//! with a DST change and a 45-minute offset, read directly and through the
//! rollup cache; JSON token values, 128-bit sums, the text-timestamp reader
//! against SQLite's, errors without the password, and recovery after the
//! server drops the session.

use chrono::DateTime;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AssertSqlSafe, Connection, MySqlConnection, SqliteConnection};
use usagetop::cache::{CacheOptions, CachedStore};
use usagetop::filter::Filter;
use usagetop::output;
use usagetop::period::{Calendar, WeekStart};
use usagetop::pipeline::compute_report;
use usagetop::store::demo::{self, DemoEvent};
use usagetop::store::mapping::{Mapping, SourceConfig};
use usagetop::store::mysql::MysqlStore;
use usagetop::store::sqlite::SqliteStore;
use usagetop::store::{Timeouts, UsageStore};

use crate::support::mysql::{server_url, TestDb};
use crate::support::reports::{
    assert_same_as_sqlite, context, event_inserts, event_values, json_of, now, sqlite_execute,
};

#[track_caller]
fn assert_same(mysql: &str, sqlite: &str, what: &str) {
    assert_same_as_sqlite("MySQL", mysql, sqlite, what);
}

fn events() -> Vec<DemoEvent> {
    demo::generate(
        13,
        45,
        now(),
        &Calendar::new(chrono_tz::Europe::Berlin, WeekStart::Monday),
    )
}

/// Inserts of `events` with the timestamp written by `ts` (see [`event_values`]).
fn inserts(events: &[DemoEvent], ts: impl Fn(i64) -> String) -> Vec<String> {
    event_inserts("usage_events", &event_values(events, &ts, None))
}

const COLUMNS: &str = "user_id VARCHAR(64), model VARCHAR(128), endpoint VARCHAR(64), \
    input_tokens BIGINT, output_tokens BIGINT, cache_read_tokens BIGINT, cache_write_tokens BIGINT";

/// Text in one of the accepted forms, offsets included.
fn iso_text(ts: i64) -> String {
    let instant = DateTime::from_timestamp(ts, 0).unwrap();
    match ts % 4 {
        0 => format!("'{}'", instant.format("%Y-%m-%dT%H:%M:%SZ")),
        1 => format!(
            "'{}'",
            (instant + chrono::Duration::minutes(330)).format("%Y-%m-%d %H:%M:%S+05:30")
        ),
        2 => format!(
            "'{}'",
            (instant - chrono::Duration::hours(5)).format("%Y-%m-%d %H:%M:%S.250-0500")
        ),
        _ => format!("'{}'", instant.format("%Y-%m-%d %H:%M:%S+00")),
    }
}

/// A timestamp kind: its name, the MySQL and SQLite column types, and how
/// each engine writes an instant.
type KindLayout = (
    &'static str,
    &'static str,
    &'static str,
    Box<dyn Fn(i64) -> String>,
    Box<dyn Fn(i64) -> String>,
);

#[tokio::test]
async fn every_timestamp_kind_equals_sqlite_directly_and_cached() {
    let Some(admin) = server_url() else { return };
    let db = TestDb::create(&admin, "kinds").await;
    let events = events();
    let dir = tempfile::tempdir().unwrap();
    let layouts: [KindLayout; 5] = [
        (
            "DATETIME",
            "DATETIME",
            "INTEGER",
            Box::new(|ts| {
                format!(
                    "'{}'",
                    DateTime::from_timestamp(ts, 0)
                        .unwrap()
                        .format("%Y-%m-%d %H:%M:%S")
                )
            }),
            Box::new(|ts| ts.to_string()),
        ),
        (
            "TIMESTAMP",
            "TIMESTAMP NULL",
            "INTEGER",
            Box::new(|ts| {
                format!(
                    "'{}'",
                    DateTime::from_timestamp(ts, 0)
                        .unwrap()
                        .format("%Y-%m-%d %H:%M:%S")
                )
            }),
            Box::new(|ts| ts.to_string()),
        ),
        (
            "seconds",
            "BIGINT",
            "INTEGER",
            Box::new(|ts| ts.to_string()),
            Box::new(|ts| ts.to_string()),
        ),
        (
            "milliseconds",
            "BIGINT",
            "INTEGER",
            Box::new(|ts| (ts * 1000 + 123).to_string()),
            Box::new(|ts| (ts * 1000 + 123).to_string()),
        ),
        (
            "text",
            "VARCHAR(40)",
            "TEXT",
            Box::new(iso_text),
            Box::new(iso_text),
        ),
    ];
    for (index, (what, mysql_type, sqlite_type, mysql_ts, sqlite_ts)) in layouts.iter().enumerate()
    {
        db.execute(&format!(
            "DROP TABLE IF EXISTS usage_events; CREATE TABLE usage_events \
             (id BIGINT AUTO_INCREMENT PRIMARY KEY, ts {mysql_type}, {COLUMNS}, KEY (ts))"
        ))
        .await;
        for insert in inserts(&events, mysql_ts) {
            db.execute(&insert).await;
        }
        let path = dir.path().join(format!("{index}.db"));
        let mut sql = vec![format!(
            "CREATE TABLE usage_events (id INTEGER PRIMARY KEY, ts {sqlite_type}, {COLUMNS})"
        )];
        sql.extend(inserts(&events, sqlite_ts));
        sqlite_execute(&path, &sql.join("; ")).await;
        let mapping = Mapping::resolve(&SourceConfig::default()).unwrap();
        let mysql =
            || MysqlStore::connect_lazy(&db.url, mapping.clone(), Timeouts::default()).unwrap();
        let lite = SqliteStore::open(&path, false, mapping.clone())
            .await
            .unwrap();
        let cached = CachedStore::open(
            Box::new(mysql()),
            &CacheOptions {
                enabled: true,
                dir: dir.path().join(format!("cache-{index}")),
                late_seconds: 7_200,
                verify: false,
            },
        )
        .await;
        cached
            .refresh_cache(now().timestamp(), &|_| {})
            .await
            .unwrap();
        assert!(cached.has_cached_data(), "{what}: the cache was built");
        for zone in [
            chrono_tz::UTC,
            chrono_tz::Europe::Berlin,
            chrono_tz::Asia::Kathmandu,
        ] {
            let sqlite = json_of(&lite, zone).await;
            assert_same(
                &json_of(&mysql(), zone).await,
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
    db.drop_it().await;
}

/// A cold build in many chunks of primary-key values: keys spread over
/// negative and positive values with gaps, in no order of time (a quarter
/// hour and model recur across chunks and add up), and rows without a
/// timestamp: the cached report equals SQLite's, with progress per chunk.
/// The same rows keyed by text are read in one pass, to the same report.
#[tokio::test]
async fn a_cold_build_in_key_chunks_equals_sqlite() {
    let Some(admin) = server_url() else { return };
    let db = TestDb::create(&admin, "chunks").await;
    let events = events();
    let datetime = |ts: i64| {
        format!(
            "'{}'",
            DateTime::from_timestamp(ts, 0)
                .unwrap()
                .format("%Y-%m-%d %H:%M:%S")
        )
    };
    let no_time = "(NULL, 'u1', 'gpt-4o', '/v1/chat', 5, 6, 0, 0), \
                   (NULL, 'u2', 'claude-sonnet-4-5', '/v1/messages', 7, 8, 1, 1)";
    let mut sql = vec![format!(
        "CREATE TABLE usage_events (id BIGINT AUTO_INCREMENT PRIMARY KEY, ts DATETIME, {COLUMNS})"
    )];
    sql.extend(inserts(&events, datetime));
    sql.push(format!(
        "INSERT INTO usage_events (ts, user_id, model, endpoint, input_tokens, output_tokens, \
         cache_read_tokens, cache_write_tokens) VALUES {no_time}"
    ));
    // A key of 100 per row, shuffled (7919 is prime to 100003), half below zero.
    sql.push(format!(
        "RENAME TABLE usage_events TO staging; \
         CREATE TABLE usage_events (id BIGINT NOT NULL PRIMARY KEY, ts DATETIME, {COLUMNS}, KEY (ts)); \
         INSERT INTO usage_events SELECT (id * 7919 % 100003) * 100 - 5000000, ts, user_id, model, \
         endpoint, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens FROM staging"
    ));
    db.execute(&sql.join("; ")).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chunks.db");
    let mut sql = vec![format!(
        "CREATE TABLE usage_events (id INTEGER PRIMARY KEY, ts INTEGER, {COLUMNS})"
    )];
    sql.extend(inserts(&events, |ts| ts.to_string()));
    sql.push(format!(
        "INSERT INTO usage_events (ts, user_id, model, endpoint, input_tokens, output_tokens, \
         cache_read_tokens, cache_write_tokens) VALUES {no_time}"
    ));
    sqlite_execute(&path, &sql.join("; ")).await;
    let mapping = Mapping::resolve(&SourceConfig::default()).unwrap();
    let lite = SqliteStore::open(&path, false, mapping.clone())
        .await
        .unwrap();
    let cached = CachedStore::open(
        Box::new(MysqlStore::connect_lazy(&db.url, mapping, Timeouts::default()).unwrap()),
        &CacheOptions {
            enabled: true,
            dir: dir.path().join("cache"),
            late_seconds: 7_200,
            verify: false,
        },
    )
    .await;
    let fractions = std::sync::Mutex::new(Vec::new());
    cached
        .refresh_cache(now().timestamp(), &|progress| {
            fractions.lock().unwrap().push(progress.fraction);
        })
        .await
        .unwrap();
    let fractions = fractions.into_inner().unwrap();
    // Keys from -5,000,000 to 5,000,000, 50,000 per chunk: 200 chunks.
    assert!(fractions.len() > 100, "{} chunks", fractions.len());
    assert!(fractions.windows(2).all(|pair| pair[0] < pair[1]));
    assert_eq!(fractions.last().copied(), Some(1.0));
    for zone in [chrono_tz::UTC, chrono_tz::Asia::Kathmandu] {
        assert_same(
            &json_of(&cached, zone).await,
            &json_of(&lite, zone).await,
            &format!("key chunks, {zone}"),
        );
    }
    // Keyed by text: no integer key to range over, so one pass (its end
    // unknown until it is read), and the same report.
    db.execute(
        "RENAME TABLE usage_events TO keyed; \
         CREATE TABLE usage_events (id VARCHAR(24) NOT NULL PRIMARY KEY) \
         SELECT CONCAT('k', id) AS id, ts, user_id, model, endpoint, input_tokens, output_tokens, \
         cache_read_tokens, cache_write_tokens FROM keyed",
    )
    .await;
    let mapping = Mapping::resolve(&SourceConfig::default()).unwrap();
    let one_pass = CachedStore::open(
        Box::new(MysqlStore::connect_lazy(&db.url, mapping, Timeouts::default()).unwrap()),
        &CacheOptions {
            enabled: true,
            dir: dir.path().join("one-pass"),
            late_seconds: 7_200,
            verify: false,
        },
    )
    .await;
    let fractions = std::sync::Mutex::new(Vec::new());
    one_pass
        .refresh_cache(now().timestamp(), &|progress| {
            fractions.lock().unwrap().push(progress.fraction);
        })
        .await
        .unwrap();
    assert_eq!(fractions.into_inner().unwrap(), vec![0.0]);
    assert_same(
        &json_of(&one_pass, chrono_tz::UTC).await,
        &json_of(&lite, chrono_tz::UTC).await,
        "one pass",
    );
    db.drop_it().await;
}

/// Token counts inside JSON (LiteLLM style), `"n/a"` and `true` among them,
/// and sums past 2^63: exact, and the same as SQLite's.
#[tokio::test]
async fn json_values_and_wide_sums_equal_sqlite() {
    let Some(admin) = server_url() else { return };
    let db = TestDb::create(&admin, "json").await;
    let rows = [
        (
            1_795_000_000_i64,
            "gpt-4o",
            9_000_000_000_000_000_000_i64,
            r#"{"u": {"read": 5}}"#,
        ),
        (
            1_795_000_060,
            "gpt-4o",
            9_000_000_000_000_000_000,
            r#"{"u": {"read": "n/a"}}"#,
        ),
        (
            1_795_000_120,
            "gpt-4o",
            9_000_000_000_000_000_000,
            r#"{"u": {"read": true}}"#,
        ),
        (
            1_795_000_180,
            "gpt-4o",
            9_000_000_000_000_000_000,
            r#"{"u": {"read": 7.0}}"#,
        ),
        (1_795_000_240, "gpt-4o", 100, r#"{"u": {}}"#),
    ];
    let values: Vec<String> = rows
        .iter()
        .map(|(ts, model, input, meta)| format!("({ts}, '{model}', {input}, 1, '{meta}')"))
        .collect();
    let insert = format!("INSERT INTO calls VALUES {}", values.join(", "));
    db.execute(&format!(
        "CREATE TABLE calls (at BIGINT, model VARCHAR(64), tokens_in BIGINT, tokens_out BIGINT, meta JSON); {insert}"
    ))
    .await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("json.db");
    sqlite_execute(
        &path,
        &format!("CREATE TABLE calls (at INTEGER, model TEXT, tokens_in INTEGER, tokens_out INTEGER, meta TEXT); {insert}"),
    )
    .await;
    let mapping = Mapping::resolve(&SourceConfig {
        table: Some("calls".to_owned()),
        timestamp: Some("at".to_owned()),
        input_tokens: Some("tokens_in".to_owned()),
        output_tokens: Some("tokens_out".to_owned()),
        cache_read_tokens: Some("meta->u->read".to_owned()),
        cache_write_tokens: Some(String::new()),
        user: Some(String::new()),
        endpoint: Some(String::new()),
        ..SourceConfig::default()
    })
    .unwrap();
    let mysql = MysqlStore::connect_lazy(&db.url, mapping.clone(), Timeouts::default()).unwrap();
    let lite = SqliteStore::open(&path, false, mapping).await.unwrap();
    let json = json_of(&mysql, chrono_tz::UTC).await;
    assert_same(&json, &json_of(&lite, chrono_tz::UTC).await, "JSON values");
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(report["summary"]["all_time"]["requests"], 3);
    assert_eq!(
        report["summary"]["all_time"]["input_tokens"],
        serde_json::json!(18_000_000_000_000_000_100_i128)
    );
    assert!(report["notes"]
        .to_string()
        .contains("2 rows with a token count or cost that cannot be read"));
    db.drop_it().await;
}

/// The text-timestamp reader of MySQL and MariaDB against SQLite's, on the
/// differential fuzz's 3,000 texts.
#[tokio::test]
async fn text_timestamps_fuzzed_read_like_sqlite() {
    use proptest::strategy::{Strategy, ValueTree};
    use usagetop::store::sql::SqlDialect;
    let Some(admin) = server_url() else { return };
    let db = TestDb::create(&admin, "text_fuzz").await;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = crate::store_postgres::timestamp_text();
    let texts: Vec<String> = (0..3_000)
        .map(|_| strategy.new_tree(&mut runner).unwrap().current())
        .collect();
    let values: Vec<String> = texts
        .iter()
        .enumerate()
        .map(|(id, text)| format!("({id}, '{}')", text.replace('\'', "''")))
        .collect();
    let inserts: Vec<String> = values
        .chunks(500)
        .map(|chunk| format!("INSERT INTO texts VALUES {}", chunk.join(", ")))
        .collect();
    db.execute(&format!(
        "CREATE TABLE texts (id BIGINT, at VARCHAR(64)); {}",
        inserts.join("; ")
    ))
    .await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("texts.db");
    sqlite_execute(
        &path,
        &format!(
            "CREATE TABLE texts (id INTEGER, at TEXT); {}",
            inserts.join("; ")
        ),
    )
    .await;
    let mut mysql = MySqlConnection::connect(&db.url).await.unwrap();
    sqlx::raw_sql("SET SESSION sql_mode = 'ANSI'")
        .execute(&mut mysql)
        .await
        .unwrap();
    let mysql_rows: Vec<(i64, Option<i64>)> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT id, {} FROM texts ORDER BY id",
        usagetop::store::mysql::dialect::MYSQL.text_seconds("at")
    )))
    .fetch_all(&mut mysql)
    .await
    .unwrap();
    mysql.close().await.unwrap();
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
    let differ: Vec<String> = mysql_rows
        .iter()
        .zip(&lite_rows)
        .filter(|(a, b)| a != b)
        .take(10)
        .map(|((id, mysql), (_, lite))| {
            format!(
                "{:?}: mysql {mysql:?}, sqlite {lite:?}",
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

/// Bad settings and an unreachable server are explained without the
/// password; a dropped session is replaced and the same numbers come back.
#[tokio::test]
async fn errors_are_explained_and_a_dropped_session_recovers() {
    let Some(admin) = server_url() else { return };
    let unreachable = MysqlStore::connect_lazy(
        "mysql://me:s3cret@127.0.0.1:1/nothing",
        Mapping::default(),
        Timeouts {
            connect: std::time::Duration::from_secs(2),
            ..Timeouts::default()
        },
    )
    .unwrap();
    let error = unreachable.prepare().await.unwrap_err().to_string();
    assert!(!error.contains("s3cret"), "{error}");
    assert!(
        error.contains("refused") || error.contains("reach"),
        "{error}"
    );
    let db = TestDb::create(&admin, "errors").await;
    db.execute(&format!(
        "CREATE TABLE usage_events (id BIGINT AUTO_INCREMENT PRIMARY KEY, ts BIGINT, {COLUMNS})"
    ))
    .await;
    for insert in inserts(&events(), |ts| ts.to_string()) {
        db.execute(&insert).await;
    }
    let missing = MysqlStore::connect_lazy(
        &db.url,
        Mapping::resolve(&SourceConfig {
            table: Some("USAGE_EVENTS".to_owned()),
            ..SourceConfig::default()
        })
        .unwrap(),
        Timeouts::default(),
    )
    .unwrap();
    let error = missing.prepare().await.unwrap_err().to_string();
    assert!(
        error.contains("usage_events"),
        "names the table that would match: {error}"
    );
    let store = MysqlStore::connect_lazy(&db.url, Mapping::default(), Timeouts::default()).unwrap();
    let before = json_of(&store, chrono_tz::UTC).await;
    let mut admin_conn = MySqlConnection::connect(&admin).await.unwrap();
    let ids: Vec<(i64,)> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT CAST(ID AS SIGNED) FROM information_schema.PROCESSLIST WHERE DB = '{}' AND ID <> CONNECTION_ID()",
        db.name
    )))
    .fetch_all(&mut admin_conn)
    .await
    .unwrap();
    assert!(!ids.is_empty(), "the store holds a session");
    for (id,) in ids {
        let _ = sqlx::raw_sql(AssertSqlSafe(format!("KILL {id}")))
            .execute(&mut admin_conn)
            .await;
    }
    admin_conn.close().await.unwrap();
    let mut after = None;
    for _ in 0..5 {
        match compute_report(&store, &context(chrono_tz::UTC), &Filter::default()).await {
            Ok(snapshot) => {
                after = Some(output::json::render(&snapshot).unwrap());
                break;
            }
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(200)).await,
        }
    }
    assert_eq!(
        after.as_deref(),
        Some(before.as_str()),
        "the same numbers after the session was dropped"
    );
    db.drop_it().await;
}
