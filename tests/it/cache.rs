//! The rollup cache against direct aggregation: for every instant-based
//! layout (SQLite: a foreign table, usagetop's own database with its
//! trigger-kept slots, ISO text and millisecond timestamps; PostgreSQL:
//! timestamptz, unix milliseconds in quoted names with a `where`, and the
//! LiteLLM SpendLogs table with `timestamp without time zone` and stored
//! cost), rows arrive in three batches, the last one holding late rows
//! older than the newest row already cached, over a range with DST changes
//! in Berlin and New York; after every batch the whole JSON report from the
//! cache must equal the report from the source, in four zones (two with
//! half- and quarter-hour offsets). Then the source changes under the cache
//! (oldest rows deleted, newest rows deleted, rows deleted in the middle,
//! table emptied) and the numbers must still agree.
//! PostgreSQL runs when `USAGETOP_TEST_PG_URL` is set; under `CI=true` it must be.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AssertSqlSafe, Connection, SqliteConnection};
use usagetop::cache::{CacheOptions, CachedStore};
use usagetop::clock::FixedClock;
use usagetop::filter::Filter;
use usagetop::output;
use usagetop::period::{Calendar, WeekStart};
use usagetop::pipeline::{compute_report, ReportContext};
use usagetop::pricing::{PriceFile, PriceTable};
use usagetop::store::demo::{self, DemoEvent};
use usagetop::store::mapping::{Mapping, Preset, SourceConfig};
use usagetop::store::postgres::PgStore;
use usagetop::store::sqlite::SqliteStore;
use usagetop::store::{BuildProgress, RollupSource, Timeouts, UsageStore};

use crate::support::pg;
use pg::{server_url, TestDb};

pub(crate) const NOW: &str = "2026-11-18T15:07:00Z";

pub(crate) const ZONES: [chrono_tz::Tz; 4] = [
    chrono_tz::Europe::Berlin,
    chrono_tz::America::New_York,
    chrono_tz::Asia::Kolkata,
    chrono_tz::Asia::Kathmandu,
];

pub(crate) fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(NOW)
        .unwrap()
        .with_timezone(&Utc)
}

pub(crate) fn context(zone: chrono_tz::Tz) -> ReportContext {
    ReportContext {
        calendar: Calendar::new(zone, WeekStart::Monday),
        clock: Arc::new(FixedClock(now())),
        prices: Arc::new(PriceTable::with_overrides(&PriceFile::default(), "pricing").unwrap()),
        budgets: Arc::new(usagetop::budget::Budgets::default()),
        wall_clock: Arc::new(usagetop::clock::SystemClock),
    }
}

pub(crate) async fn json_of(
    store: &dyn UsageStore,
    zone: chrono_tz::Tz,
    filter: &Filter,
) -> String {
    let report = compute_report(store, &context(zone), filter).await.unwrap();
    output::json::render(&report).unwrap()
}

/// 45 days of demo events ending at `NOW` (Berlin's and New York's autumn changes inside).
pub(crate) fn events() -> Vec<DemoEvent> {
    demo::generate(
        7,
        45,
        now(),
        &Calendar::new(chrono_tz::Europe::Berlin, WeekStart::Monday),
    )
}

/// Three batches: everything up to an hour before now; half of the last
/// hour; the other half (late rows, older than the newest row of batch 2).
pub(crate) fn batches(events: &[DemoEvent]) -> [Vec<&DemoEvent>; 3] {
    let hour_ago = now().timestamp() - 3_600;
    let (mut first, mut second, mut third) = (Vec::new(), Vec::new(), Vec::new());
    let mut recent = 0;
    for event in events {
        if event.ts < hour_ago - 86_400 * 5 {
            first.push(event);
        } else if event.ts < hour_ago {
            second.push(event);
        } else {
            recent += 1;
            if recent % 2 == 0 {
                second.push(event);
            } else {
                third.push(event);
            }
        }
    }
    assert!(!third.is_empty(), "the fixture has events in the last hour");
    [first, second, third]
}

pub(crate) fn cache_options(dir: &Path) -> CacheOptions {
    CacheOptions {
        enabled: true,
        dir: dir.to_path_buf(),
        late_seconds: 7_200,
        verify: false,
    }
}

/// Refreshes the cache and compares every zone's report, and a model filter's.
pub(crate) async fn assert_cache_equals_source(
    cached: &CachedStore,
    direct: &dyn UsageStore,
    what: &str,
) {
    cached
        .refresh_cache(now().timestamp(), &|_| {})
        .await
        .unwrap();
    // As the dashboard and the one-shot commands do once a report is out:
    // a slice of history (all of it, at this size) is compared.
    cached.check_history(now().timestamp()).await.unwrap();
    assert!(cached.has_cached_data(), "{what}: the cache was built");
    for zone in ZONES {
        let (from_cache, from_source) = (
            json_of(cached, zone, &Filter::default()).await,
            json_of(direct, zone, &Filter::default()).await,
        );
        assert_same(&from_cache, &from_source, &format!("{what}, {zone}"));
    }
    let filter = Filter {
        models: vec!["claude-*".to_owned(), "gpt-4o-mini".to_owned()],
        ..Filter::default()
    };
    assert_same(
        &json_of(cached, chrono_tz::Europe::Berlin, &filter).await,
        &json_of(direct, chrono_tz::Europe::Berlin, &filter).await,
        &format!("{what}, model filter"),
    );
}

#[track_caller]
fn assert_same(cached: &str, direct: &str, what: &str) {
    if cached != direct {
        let first = cached
            .lines()
            .zip(direct.lines())
            .enumerate()
            .find(|(_, (a, b))| a != b);
        panic!("{what}: cached and direct reports differ; first difference (line, cached, direct): {first:?}");
    }
    assert!(direct.contains("\"requests\""), "{what}: a real report");
}

// ---------------------------------------------------------------------------
// SQLite
// ---------------------------------------------------------------------------

pub(crate) async fn sqlite_execute(path: &Path, sql: &str) {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true);
    let mut conn = SqliteConnection::connect_with(&options).await.unwrap();
    sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
}

fn native_rows(batch: &[&DemoEvent], ts: impl Fn(i64) -> String) -> Vec<String> {
    batch
        .chunks(400)
        .map(|chunk| {
            let values: Vec<String> = chunk
                .iter()
                .map(|e| {
                    format!(
                        "({}, '{}', '{}', '{}', {}, {}, {}, {})",
                        ts(e.ts),
                        e.user_id,
                        e.model,
                        e.endpoint,
                        // A few rows with a negative count: the chunks
                        // holding them take the exact (two-pass) rollup.
                        if e.ts % 211 == 0 {
                            -e.input_tokens
                        } else {
                            e.input_tokens
                        },
                        e.output_tokens,
                        e.cache_read_tokens,
                        e.cache_write_tokens
                    )
                })
                .collect();
            format!(
                "INSERT INTO usage_events (ts, user_id, model, endpoint, input_tokens, output_tokens, \
                 cache_read_tokens, cache_write_tokens) VALUES {}",
                values.join(", ")
            )
        })
        .collect()
}

/// A SQLite layout: how to create the table, insert a batch, and map it.
async fn run_sqlite_layout(
    what: &str,
    path: &Path,
    create: &str,
    ts: impl Fn(i64) -> String,
    mapping: Mapping,
) {
    let cache_dir = tempfile::tempdir().unwrap();
    sqlite_execute(path, create).await;
    let events = events();
    let open = || SqliteStore::open(path, false, mapping.clone());
    for (index, batch) in batches(&events).iter().enumerate() {
        for insert in native_rows(batch, &ts) {
            sqlite_execute(path, &insert).await;
        }
        // A new session after every batch, as a refresh or a restart would be.
        let cached = CachedStore::open(
            Box::new(open().await.unwrap()),
            &cache_options(cache_dir.path()),
        )
        .await;
        assert_eq!(
            cached.has_cached_data(),
            index > 0,
            "{what}: ready from the second session on"
        );
        let direct = open().await.unwrap();
        assert_cache_equals_source(&cached, &direct, &format!("{what}, batch {}", index + 1)).await;
    }
    // The source changes under the cache: each change must be noticed (and
    // compared with a new session, whose notes are counted afresh).
    let cached = CachedStore::open(
        Box::new(open().await.unwrap()),
        &cache_options(cache_dir.path()),
    )
    .await;
    let oldest = events.iter().map(|e| e.ts).min().unwrap();
    let newest = events.iter().map(|e| e.ts).max().unwrap();
    for (change, sql) in [
        (
            "oldest rows deleted",
            format!(
                "DELETE FROM usage_events WHERE {} < {}",
                ts_column_seconds(&ts),
                oldest + 86_400
            ),
        ),
        (
            "newest rows deleted",
            format!(
                "DELETE FROM usage_events WHERE {} > {}",
                ts_column_seconds(&ts),
                newest - 600
            ),
        ),
        (
            "rows deleted in the middle",
            format!(
                "DELETE FROM usage_events WHERE {} BETWEEN {} AND {}",
                ts_column_seconds(&ts),
                oldest + 10 * 86_400,
                oldest + 12 * 86_400
            ),
        ),
        ("table emptied", "DELETE FROM usage_events".to_owned()),
    ] {
        sqlite_execute(path, &sql).await;
        if change == "rows deleted in the middle" {
            // Noticed by the hourly check: a new hour comes.
            let later = now().timestamp() + 3_601;
            cached.refresh_cache(later, &|_| {}).await.unwrap();
        }
        let direct = open().await.unwrap();
        assert_cache_equals_source(&cached, &direct, &format!("{what}, {change}")).await;
    }
}

/// An SQL expression of unix seconds for the timestamp column as `ts` writes it.
fn ts_column_seconds(ts: &impl Fn(i64) -> String) -> &'static str {
    let sample = ts(1_000);
    if sample.starts_with('\'') {
        "CAST(strftime('%s', ts) AS INTEGER)"
    } else if sample == "1000000" {
        "(ts / 1000)"
    } else {
        "ts"
    }
}

pub(crate) const NATIVE_SQLITE: &str = "CREATE TABLE usage_events (id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, \
    user_id TEXT, model TEXT NOT NULL, endpoint TEXT, input_tokens INTEGER NOT NULL DEFAULT 0, \
    output_tokens INTEGER NOT NULL DEFAULT 0, cache_read_tokens INTEGER NOT NULL DEFAULT 0, \
    cache_write_tokens INTEGER NOT NULL DEFAULT 0); CREATE INDEX usage_events_ts ON usage_events (ts);";

#[tokio::test]
async fn sqlite_foreign_table_in_batches_equals_direct() {
    let dir = tempfile::tempdir().unwrap();
    run_sqlite_layout(
        "sqlite unix seconds",
        &dir.path().join("gateway.db"),
        NATIVE_SQLITE,
        |ts| ts.to_string(),
        Mapping::default(),
    )
    .await;
}

#[tokio::test]
async fn sqlite_iso_text_timestamps_in_batches_equal_direct() {
    let dir = tempfile::tempdir().unwrap();
    run_sqlite_layout(
        "sqlite ISO text",
        &dir.path().join("iso.db"),
        &NATIVE_SQLITE.replace("ts INTEGER NOT NULL", "ts TEXT NOT NULL"),
        |ts| {
            format!(
                "'{}'",
                DateTime::from_timestamp(ts, 0)
                    .unwrap()
                    .format("%Y-%m-%dT%H:%M:%SZ")
            )
        },
        Mapping::default(),
    )
    .await;
}

#[tokio::test]
async fn sqlite_milliseconds_in_batches_equal_direct() {
    let dir = tempfile::tempdir().unwrap();
    run_sqlite_layout(
        "sqlite unix milliseconds",
        &dir.path().join("ms.db"),
        NATIVE_SQLITE,
        |ts| (ts * 1000).to_string(),
        Mapping::default(),
    )
    .await;
}

#[tokio::test]
async fn own_database_keeps_its_slots_by_triggers_and_equals_direct() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("usage.db");
    let cache_dir = tempfile::tempdir().unwrap();
    // usagetop's own database: created and migrated by usagetop.
    let pool = SqliteStore::open_writable(&path).await.unwrap();
    let events = events();
    let open = || SqliteStore::open(&path, false, Mapping::default());
    for (index, batch) in batches(&events).iter().enumerate() {
        for insert in native_rows(batch, |ts| ts.to_string()) {
            sqlx::raw_sql(AssertSqlSafe(insert))
                .execute(&pool)
                .await
                .unwrap();
        }
        let cached = CachedStore::open(
            Box::new(open().await.unwrap()),
            &cache_options(cache_dir.path()),
        )
        .await;
        let direct = open().await.unwrap();
        assert_cache_equals_source(
            &cached,
            &direct,
            &format!("own database, batch {}", index + 1),
        )
        .await;
    }
    // Updates and deletes go through the triggers too.
    sqlx::raw_sql(
        "UPDATE usage_events SET ts = ts - 86400, input_tokens = input_tokens + 7 WHERE id % 5 = 0; \
         DELETE FROM usage_events WHERE id % 7 = 0; \
         UPDATE usage_events SET output_tokens = -1 WHERE id % 11 = 0;",
    )
    .execute(&pool)
    .await
    .unwrap();
    let (slots, events_left): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT SUM(kept + rejected) FROM usage_slots), (SELECT COUNT(*) FROM usage_events)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(slots, events_left, "the triggers keep one count per event");
    let fresh_cache = tempfile::tempdir().unwrap();
    let cached = CachedStore::open(
        Box::new(open().await.unwrap()),
        &cache_options(fresh_cache.path()),
    )
    .await;
    let direct = open().await.unwrap();
    assert_cache_equals_source(&cached, &direct, "own database after updates and deletes").await;
    let report: serde_json::Value =
        serde_json::from_str(&json_of(&cached, chrono_tz::UTC, &Filter::default()).await).unwrap();
    assert!(
        report["notes"]
            .to_string()
            .contains("negative token counts"),
        "rows made negative are reported: {}",
        report["notes"]
    );
}

/// Old history changed under the cache (a straggler beyond the late
/// window, an UPDATE of old rows' tokens and model, a DELETE in the middle):
/// the next refresh gives the direct numbers, on a foreign SQLite file (its
/// history is compared a slice at a time; this table fits one slice) and on
/// usagetop's own database (its triggers keep its rollup).
#[tokio::test]
async fn changed_history_is_followed_at_the_next_refresh() {
    for own in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.db");
        let cache_dir = tempfile::tempdir().unwrap();
        let events = events();
        if own {
            demo::write(&path, &events, false).await.unwrap();
        } else {
            sqlite_execute(&path, NATIVE_SQLITE).await;
            for insert in native_rows(&events.iter().collect::<Vec<_>>(), |ts| ts.to_string()) {
                sqlite_execute(&path, &insert).await;
            }
        }
        let what = if own { "own database" } else { "foreign file" };
        let open = || SqliteStore::open(&path, false, Mapping::default());
        let cached = CachedStore::open(
            Box::new(open().await.unwrap()),
            &cache_options(cache_dir.path()),
        )
        .await;
        let direct = open().await.unwrap();
        assert_cache_equals_source(&cached, &direct, &format!("{what}: before")).await;
        let straggler = now().timestamp() - 5 * 3_600;
        let old = now().timestamp() - 20 * 86_400;
        let writer = || async {
            if own {
                SqliteStore::open_writable(&path).await.unwrap()
            } else {
                sqlx::SqlitePool::connect_with(SqliteConnectOptions::new().filename(&path))
                    .await
                    .unwrap()
            }
        };
        let pool = writer().await;
        for change in [
            format!(
                "INSERT INTO usage_events (ts, model, input_tokens, output_tokens) \
                 VALUES ({straggler}, 'gpt-4o-mini', 1000000, 1)"
            ),
            format!(
                "UPDATE usage_events SET input_tokens = input_tokens + 2500000, model = 'renamed' \
                 WHERE ts BETWEEN {old} AND {}",
                old + 3 * 3_600
            ),
            format!(
                "DELETE FROM usage_events WHERE ts BETWEEN {} AND {}",
                old - 5 * 86_400,
                old - 4 * 86_400
            ),
        ] {
            sqlx::raw_sql(AssertSqlSafe(change.clone()))
                .execute(&pool)
                .await
                .unwrap();
            assert_cache_equals_source(&cached, &direct, &format!("{what}: {change}")).await;
        }
        pool.close().await;
    }
}

#[tokio::test]
async fn a_cold_build_reports_its_progress() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.db");
    let cache_dir = tempfile::tempdir().unwrap();
    let rows = 240_000;
    sqlite_execute(
        &path,
        &format!(
            "{NATIVE_SQLITE} WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n LIMIT {rows}) \
             INSERT INTO usage_events (ts, model, input_tokens, output_tokens) \
             SELECT {start} + i * 10, 'm' || (i % 5), 100, 10 FROM n;",
            start = now().timestamp() - rows * 10
        ),
    )
    .await;
    let seen: Arc<Mutex<Vec<BuildProgress>>> = Arc::default();
    let record = Arc::clone(&seen);
    let cached = CachedStore::open(
        Box::new(
            SqliteStore::open(&path, false, Mapping::default())
                .await
                .unwrap(),
        ),
        &cache_options(cache_dir.path()),
    )
    .await;
    assert!(!cached.has_cached_data());
    cached
        .refresh_cache(now().timestamp(), &move |progress| {
            record.lock().unwrap().push(progress);
        })
        .await
        .unwrap();
    let seen = seen.lock().unwrap().clone();
    assert!(seen.len() >= 4, "several progress reports: {seen:?}");
    for pair in seen.windows(2) {
        assert!(
            pair[1].fraction > pair[0].fraction && pair[1].rows > pair[0].rows,
            "{seen:?}"
        );
    }
    let last = seen.last().unwrap();
    assert!((last.fraction - 1.0).abs() < f64::EPSILON);
    assert_eq!(last.rows, rows);
    assert!(seen[0].remaining.is_some(), "time left is estimated");
}

#[tokio::test]
async fn a_damaged_cache_file_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gateway.db");
    let cache_dir = tempfile::tempdir().unwrap();
    sqlite_execute(&path, NATIVE_SQLITE).await;
    let events = events();
    for insert in native_rows(&events.iter().collect::<Vec<_>>(), |ts| ts.to_string()) {
        sqlite_execute(&path, &insert).await;
    }
    let source = SqliteStore::open(&path, false, Mapping::default())
        .await
        .unwrap();
    let file = usagetop::cache::file_for(cache_dir.path(), &source.identity());
    std::fs::write(
        &file,
        b"this is not a SQLite database, it is garbage of some length",
    )
    .unwrap();
    let cached = CachedStore::open(Box::new(source), &cache_options(cache_dir.path())).await;
    let direct = SqliteStore::open(&path, false, Mapping::default())
        .await
        .unwrap();
    assert_cache_equals_source(&cached, &direct, "damaged cache").await;
    let report: serde_json::Value =
        serde_json::from_str(&json_of(&cached, chrono_tz::UTC, &Filter::default()).await).unwrap();
    assert!(!report["notes"].to_string().contains("cache is not used"));
}

/// Every kind of value a SQLite number column can hold (text, a blob, a
/// fraction, a huge real or integer, a negative count, NULL), in columns of
/// INTEGER and REAL affinity, one at a time among fine rows: the cache's
/// one-pass build tests whole groups by their aggregates and, where one may
/// hold a row to leave out, counts rows one by one instead; either way its
/// report equals the source's, and the same rows are left out.
#[tokio::test]
async fn odd_values_in_number_columns_give_the_same_report_through_the_cache() {
    // (input, output, cache read, cache write, requests, cost, left out)
    let odd = [
        ("'n/a'", "10", "0", "0", "1", "0.5", 1),
        ("10", "X'01'", "0", "0", "1", "0.5", 1),
        ("10", "10", "1e300", "0", "1", "0.5", 1),
        ("10", "10", "0", "9210000000000000000", "1", "0.5", 1),
        ("-5", "10", "0", "0", "1", "0.5", 1),
        // A negative count beside NULLs and in the last column: the sign
        // of every column is tested at once.
        ("NULL", "NULL", "0", "-1", "1", "0.5", 1),
        ("10", "NULL", "-9223372036854775808", "0", "1", "0.5", 1),
        ("10", "10", "0", "0", "'many'", "0.5", 1),
        ("10", "10", "0", "0", "-9210000000000000000", "0.5", 1),
        ("10", "10", "0", "0", "1", "'free'", 1),
        ("10", "10", "0", "0", "1", "1e12", 1),
        // Read, not left out: a fraction, NULL counts, a NULL cost.
        ("2.5", "10", "0", "0", "1", "0.5", 0),
        ("10", "NULL", "0", "0", "NULL", "NULL", 0),
    ];
    let start = now().timestamp() - 2 * 86_400;
    for (input, output, read, write, requests, cost, left_out) in odd {
        let what = format!("odd row ({input}, {output}, {read}, {write}, {requests}, {cost})");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("odd.db");
        let cache_dir = tempfile::tempdir().unwrap();
        let mut rows = vec![
            "CREATE TABLE calls (ts INTEGER, model TEXT, input_tokens INTEGER, output_tokens INTEGER, \
             cache_read_tokens INTEGER, cache_write_tokens INTEGER, requests INTEGER, cost REAL)"
                .to_owned(),
        ];
        // Fine rows in every quarter hour of two days, two models.
        for step in 0..192_i64 {
            let model = if step % 3 == 0 {
                "gpt-4o"
            } else {
                "claude-sonnet-4-5"
            };
            rows.push(format!(
                "INSERT INTO calls VALUES ({}, '{model}', {}, {}, {}, {}, {}, {})",
                start + step * 900 + 17,
                100 + step,
                10 + step % 7,
                step * 3,
                step % 5,
                1 + step % 2,
                0.001 * (step % 9) as f64,
            ));
        }
        rows.push(format!(
            "INSERT INTO calls VALUES ({}, 'gpt-4o', {input}, {output}, {read}, {write}, {requests}, {cost})",
            start + 86_400 + 301
        ));
        sqlite_execute(&path, &rows.join(";\n")).await;
        let mapping = Mapping::resolve(&SourceConfig {
            table: Some("calls".to_owned()),
            requests: Some("requests".to_owned()),
            cost: Some("cost".to_owned()),
            user: Some(String::new()),
            endpoint: Some(String::new()),
            ..SourceConfig::default()
        })
        .unwrap();
        let open = || async {
            SqliteStore::open(&path, false, mapping.clone())
                .await
                .unwrap()
        };
        let cached =
            CachedStore::open(Box::new(open().await), &cache_options(cache_dir.path())).await;
        let direct = open().await;
        assert_cache_equals_source(&cached, &direct, &what).await;
        let report = compute_report(&direct, &context(chrono_tz::UTC), &Filter::default())
            .await
            .unwrap();
        assert_eq!(report.left_out, left_out, "{what}: {:?}", report.notes);
    }
}

// ---------------------------------------------------------------------------
// PostgreSQL
// ---------------------------------------------------------------------------

/// A PostgreSQL layout: `insert` turns a batch into statements; `delete`
/// deletes rows whose instant (unix seconds) satisfies a condition on `S`.
pub(crate) async fn run_pg_layout<I>(
    db: &TestDb,
    what: &str,
    mapping: Mapping,
    insert: I,
    seconds: &str,
    table: &str,
) where
    I: Fn(&[&DemoEvent]) -> Vec<String>,
{
    let cache_dir = tempfile::tempdir().unwrap();
    let events = events();
    let open = || PgStore::connect_lazy(&db.url, mapping.clone(), Timeouts::default()).unwrap();
    for (index, batch) in batches(&events).iter().enumerate() {
        for statement in insert(batch) {
            db.execute(&statement).await;
        }
        let cached = CachedStore::open(Box::new(open()), &cache_options(cache_dir.path())).await;
        assert_cache_equals_source(&cached, &open(), &format!("{what}, batch {}", index + 1)).await;
    }
    let cached = CachedStore::open(Box::new(open()), &cache_options(cache_dir.path())).await;
    let oldest = events.iter().map(|e| e.ts).min().unwrap();
    let newest = events.iter().map(|e| e.ts).max().unwrap();
    for (change, condition) in [
        (
            "oldest rows deleted",
            format!("{seconds} < {}", oldest + 86_400),
        ),
        (
            "newest rows deleted",
            format!("{seconds} > {}", newest - 600),
        ),
        (
            "rows deleted in the middle",
            format!(
                "{seconds} BETWEEN {} AND {}",
                oldest + 10 * 86_400,
                oldest + 12 * 86_400
            ),
        ),
        ("table emptied", "true".to_owned()),
    ] {
        db.execute(&format!("DELETE FROM {table} WHERE {condition}"))
            .await;
        if change == "rows deleted in the middle" {
            cached
                .refresh_cache(now().timestamp() + 3_601, &|_| {})
                .await
                .unwrap();
        }
        assert_cache_equals_source(&cached, &open(), &format!("{what}, {change}")).await;
    }
}

#[tokio::test]
async fn postgres_native_timestamptz_in_batches_equals_direct() {
    let Some(admin) = server_url() else { return };
    let db = TestDb::create(&admin, "native").await;
    db.execute(include_str!(
        "../../migrations/postgres/0001_usage_events.sql"
    ))
    .await;
    run_pg_layout(
        &db,
        "postgres timestamptz",
        Mapping::default(),
        |batch| native_rows(batch, |ts| format!("to_timestamp({ts})")),
        "EXTRACT(EPOCH FROM ts)",
        "usage_events",
    )
    .await;
    db.drop_it().await;
}

/// On PostgreSQL an UPDATE of old rows moves the table's own counters of
/// updated rows; the next refresh after they show it compares history and
/// gives the direct numbers.
#[tokio::test]
async fn postgres_changed_history_is_followed_at_the_next_refresh() {
    let Some(admin) = server_url() else { return };
    let db = TestDb::create(&admin, "history").await;
    db.execute(include_str!(
        "../../migrations/postgres/0001_usage_events.sql"
    ))
    .await;
    let events = events();
    for insert in native_rows(&events.iter().collect::<Vec<_>>(), |ts| {
        format!("to_timestamp({ts})")
    }) {
        db.execute(&insert).await;
    }
    let cache_dir = tempfile::tempdir().unwrap();
    let open = || PgStore::connect_lazy(&db.url, Mapping::default(), Timeouts::default()).unwrap();
    let cached = CachedStore::open(Box::new(open()), &cache_options(cache_dir.path())).await;
    assert_cache_equals_source(&cached, &open(), "before").await;
    let old = now().timestamp() - 20 * 86_400;
    db.execute(&format!(
        "UPDATE usage_events SET input_tokens = input_tokens + 2500000, model = 'renamed' \
         WHERE ts BETWEEN to_timestamp({old}) AND to_timestamp({})",
        old + 3 * 3_600
    ))
    .await;
    db.execute(&format!(
        "DELETE FROM usage_events WHERE ts BETWEEN to_timestamp({}) AND to_timestamp({})",
        old - 5 * 86_400,
        old - 4 * 86_400
    ))
    .await;
    // The server publishes its counters within about a second.
    let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
    for _ in 0..100 {
        let (updated,): (i64,) = sqlx::query_as(
            "SELECT n_tup_upd FROM pg_stat_user_tables WHERE relname = 'usage_events'",
        )
        .fetch_one(&mut conn)
        .await
        .unwrap();
        if updated > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    conn.close().await.unwrap();
    assert_cache_equals_source(&cached, &open(), "after an UPDATE and a DELETE of old rows").await;
    db.drop_it().await;
}

#[tokio::test]
async fn postgres_milliseconds_with_quoted_names_and_where_in_batches_equal_direct() {
    let Some(admin) = server_url() else { return };
    let db = TestDb::create(&admin, "millis").await;
    db.execute(
        r#"CREATE SCHEMA "Analytics"; CREATE TABLE "Analytics"."ApiCalls" ("Id" bigserial, "CreatedAtMs" bigint NOT NULL,
           "ModelName" text, "PromptTok" integer, "CompletionTok" integer, "Status" text);
           CREATE INDEX ON "Analytics"."ApiCalls" ("CreatedAtMs")"#,
    )
    .await;
    let mapping = Mapping::resolve(&SourceConfig {
        table: Some("Analytics.ApiCalls".to_owned()),
        timestamp: Some("CreatedAtMs".to_owned()),
        model: Some("ModelName".to_owned()),
        input_tokens: Some("PromptTok".to_owned()),
        output_tokens: Some("CompletionTok".to_owned()),
        cache_read_tokens: Some(String::new()),
        cache_write_tokens: Some(String::new()),
        user: Some(String::new()),
        endpoint: Some(String::new()),
        filter: Some(r#""Status" = 'ok'"#.to_owned()),
        ..SourceConfig::default()
    })
    .unwrap();
    run_pg_layout(
        &db,
        "postgres unix milliseconds",
        mapping,
        |batch| {
            batch
                .chunks(400)
                .map(|chunk| {
                    let values: Vec<String> = chunk
                        .iter()
                        .map(|e| {
                            let status = if e.input_tokens % 7 == 3 { "error" } else { "ok" };
                            let model = if e.output_tokens % 50 == 1 { "NULL".to_owned() } else { format!("'{}'", e.model) };
                            format!("({}, {model}, {}, {}, '{status}')", e.ts * 1000 + e.input_tokens % 1000, e.input_tokens, e.output_tokens)
                        })
                        .collect();
                    format!(
                        r#"INSERT INTO "Analytics"."ApiCalls" ("CreatedAtMs", "ModelName", "PromptTok", "CompletionTok", "Status") VALUES {}"#,
                        values.join(", ")
                    )
                })
                .collect()
        },
        r#"("CreatedAtMs" / 1000)"#,
        r#""Analytics"."ApiCalls""#,
    )
    .await;
    db.drop_it().await;
}

const LITELLM_SPEND_LOGS: &str = r#"CREATE TABLE "LiteLLM_SpendLogs" (
    "request_id" TEXT NOT NULL PRIMARY KEY, "call_type" TEXT NOT NULL, "api_key" TEXT NOT NULL DEFAULT '',
    "spend" DOUBLE PRECISION NOT NULL DEFAULT 0.0, "total_tokens" INTEGER NOT NULL DEFAULT 0,
    "prompt_tokens" INTEGER NOT NULL DEFAULT 0, "completion_tokens" INTEGER NOT NULL DEFAULT 0,
    "startTime" TIMESTAMP(3) NOT NULL, "endTime" TIMESTAMP(3) NOT NULL, "completionStartTime" TIMESTAMP(3),
    "model" TEXT NOT NULL DEFAULT '', "model_id" TEXT DEFAULT '', "model_group" TEXT DEFAULT '',
    "custom_llm_provider" TEXT DEFAULT '', "api_base" TEXT DEFAULT '', "user" TEXT DEFAULT '',
    "metadata" JSONB DEFAULT '{}', "cache_hit" TEXT DEFAULT '', "cache_key" TEXT DEFAULT '',
    "request_tags" JSONB DEFAULT '[]', "team_id" TEXT, "end_user" TEXT, "requester_ip_address" TEXT,
    "status" TEXT); CREATE INDEX ON "LiteLLM_SpendLogs" ("startTime")"#;

#[tokio::test]
async fn postgres_litellm_spend_logs_with_stored_cost_in_batches_equal_direct() {
    let Some(admin) = server_url() else { return };
    let db = TestDb::create(&admin, "litellm").await;
    db.execute(LITELLM_SPEND_LOGS).await;
    let mapping = Mapping::resolve(&SourceConfig {
        preset: Some(Preset::Litellm),
        ..SourceConfig::default()
    })
    .unwrap();
    run_pg_layout(
        &db,
        "postgres LiteLLM",
        mapping,
        |batch| {
            batch
                .chunks(400)
                .map(|chunk| {
                    let values: Vec<String> = chunk
                        .iter()
                        .map(|e| {
                            let prompt = e.input_tokens + e.cache_read_tokens + e.cache_write_tokens;
                            let metadata = format!(
                                r#"{{"usage_object": {{"cache_read_input_tokens": {}, "cache_creation_input_tokens": {}}}}}"#,
                                e.cache_read_tokens, e.cache_write_tokens
                            );
                            // Spends with a half nano-dollar now and then: rounding ties.
                            let spend = (prompt * 3 + e.output_tokens * 15) as f64 / 1e6
                                + if e.output_tokens % 10 == 0 { 5e-10 } else { 0.0 };
                            let at = DateTime::from_timestamp(e.ts, 0).unwrap().format("%Y-%m-%d %H:%M:%S%.3f");
                            format!(
                                "(gen_random_uuid()::text, 'acompletion', 'h', {spend:e}, {}, {prompt}, {}, '{at}', '{at}', 'anthropic/{}', '{}', '{metadata}')",
                                prompt + e.output_tokens,
                                e.output_tokens,
                                e.model,
                                e.user_id
                            )
                        })
                        .collect();
                    format!(
                        r#"INSERT INTO "LiteLLM_SpendLogs" ("request_id", "call_type", "api_key", "spend", "total_tokens", "prompt_tokens", "completion_tokens", "startTime", "endTime", "model", "user", "metadata") VALUES {}"#,
                        values.join(", ")
                    )
                })
                .collect()
        },
        r#"EXTRACT(EPOCH FROM ("startTime" AT TIME ZONE 'UTC'))"#,
        r#""LiteLLM_SpendLogs""#,
    )
    .await;
    db.drop_it().await;
}

#[tokio::test]
async fn postgres_daily_source_passes_through() {
    let Some(admin) = server_url() else { return };
    let db = TestDb::create(&admin, "daily").await;
    db.execute(
        "CREATE TABLE daily_usage (day date NOT NULL, model text NOT NULL, calls bigint NOT NULL, \
         tokens_in bigint NOT NULL, tokens_out bigint NOT NULL, cost numeric(14, 6) NOT NULL); \
         INSERT INTO daily_usage SELECT DATE '2026-11-18' - g, 'gpt-4o', 10 + g, 1000 * g, 100 * g, g * 0.125 \
         FROM generate_series(0, 60) AS g",
    )
    .await;
    let mapping = Mapping::resolve(&SourceConfig {
        table: Some("daily_usage".to_owned()),
        timestamp: Some("day".to_owned()),
        requests: Some("calls".to_owned()),
        input_tokens: Some("tokens_in".to_owned()),
        output_tokens: Some("tokens_out".to_owned()),
        cache_read_tokens: Some(String::new()),
        cache_write_tokens: Some(String::new()),
        cost: Some("cost".to_owned()),
        user: Some(String::new()),
        endpoint: Some(String::new()),
        ..SourceConfig::default()
    })
    .unwrap();
    let cache_dir = tempfile::tempdir().unwrap();
    let open = || PgStore::connect_lazy(&db.url, mapping.clone(), Timeouts::default()).unwrap();
    let cached = CachedStore::open(Box::new(open()), &cache_options(cache_dir.path())).await;
    cached
        .refresh_cache(now().timestamp(), &|_| {})
        .await
        .unwrap();
    assert!(!cached.has_cached_data(), "daily sources are read directly");
    for zone in [chrono_tz::UTC, chrono_tz::Europe::Berlin] {
        assert_same(
            &json_of(&cached, zone, &Filter::default()).await,
            &json_of(&open(), zone, &Filter::default()).await,
            "daily",
        );
    }
    db.drop_it().await;
}

#[tokio::test]
async fn a_busy_cache_lets_the_source_answer_then_comes_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gateway.db");
    let cache_dir = tempfile::tempdir().unwrap();
    sqlite_execute(&path, NATIVE_SQLITE).await;
    let events = events();
    let [first, second, third] = batches(&events);
    for insert in native_rows(&first, |ts| ts.to_string()) {
        sqlite_execute(&path, &insert).await;
    }
    let source = SqliteStore::open(&path, false, Mapping::default())
        .await
        .unwrap();
    let file = usagetop::cache::file_for(cache_dir.path(), &source.identity());
    let cached = CachedStore::open(Box::new(source), &cache_options(cache_dir.path())).await;
    let direct = SqliteStore::open(&path, false, Mapping::default())
        .await
        .unwrap();
    assert_cache_equals_source(&cached, &direct, "before the lock").await;
    // Another process holds the cache's write lock past the busy timeout.
    let mut holder = SqliteConnection::connect_with(&SqliteConnectOptions::new().filename(&file))
        .await
        .unwrap();
    sqlx::raw_sql("BEGIN IMMEDIATE")
        .execute(&mut holder)
        .await
        .unwrap();
    for insert in native_rows(&second, |ts| ts.to_string()) {
        sqlite_execute(&path, &insert).await;
    }
    cached
        .refresh_cache(now().timestamp(), &|_| {})
        .await
        .unwrap();
    let zone = chrono_tz::Europe::Berlin;
    let busy = json_of(&cached, zone, &Filter::default()).await;
    let report: serde_json::Value = serde_json::from_str(&busy).unwrap();
    assert!(
        report["notes"]
            .to_string()
            .contains("the cache is not used"),
        "{}",
        report["notes"]
    );
    let mut busy_report = report.clone();
    let mut direct_report: serde_json::Value =
        serde_json::from_str(&json_of(&direct, zone, &Filter::default()).await).unwrap();
    busy_report["notes"] = serde_json::Value::Null;
    direct_report["notes"] = serde_json::Value::Null;
    assert_eq!(
        busy_report, direct_report,
        "the source answers, with the new rows"
    );
    // The lock goes away: the next refresh uses the cache again.
    sqlx::raw_sql("ROLLBACK")
        .execute(&mut holder)
        .await
        .unwrap();
    holder.close().await.unwrap();
    for insert in native_rows(&third, |ts| ts.to_string()) {
        sqlite_execute(&path, &insert).await;
    }
    // A new direct session: a session counts the rows left out once.
    let direct = SqliteStore::open(&path, false, Mapping::default())
        .await
        .unwrap();
    assert_cache_equals_source(&cached, &direct, "after the lock").await;
    let report: serde_json::Value =
        serde_json::from_str(&json_of(&cached, zone, &Filter::default()).await).unwrap();
    assert!(!report["notes"]
        .to_string()
        .contains("the cache is not used"));
}

/// Runs statements on a cache file as another program would.
async fn on_file(path: &Path, sql: &str) {
    let mut conn = SqliteConnection::connect_with(&SqliteConnectOptions::new().filename(path))
        .await
        .unwrap();
    sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
}

async fn count(path: &Path, sql: &str) -> i64 {
    let mut conn = SqliteConnection::connect_with(&SqliteConnectOptions::new().filename(path))
        .await
        .unwrap();
    let (n,): (i64,) = sqlx::query_as(AssertSqlSafe(sql.to_owned()))
        .fetch_one(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    n
}

#[tokio::test]
async fn cache_files_of_the_current_layout_open_as_they_are_and_others_are_rebuilt() {
    use usagetop::cache::db::CacheDb;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache").join("rollup-test.sqlite");
    drop(CacheDb::open(&path).await.unwrap());
    assert_eq!(
        count(
            &path,
            "SELECT COUNT(*) FROM cache_migrations WHERE version IN (2, 3)"
        )
        .await,
        2
    );
    // A file of the current layout, with rows: opened as it is.
    on_file(
        &path,
        "INSERT INTO slots (slot, model, estimated, requests, input, output, cache_read, \
         cache_write, cache_write_1h, cost, kept, rejected, adjusted, first_ts, last_ts) \
         VALUES (96, 'gpt-4o', 0, 1, 10, 5, 0, 4, 3, NULL, 1, 0, 0, 86400, 86400);
         INSERT INTO meta VALUES ('watermark', '86400');",
    )
    .await;
    let db = CacheDb::open(&path).await.unwrap();
    assert_eq!(
        db.meta("watermark").await.unwrap().as_deref(),
        Some("86400")
    );
    assert_eq!(db.meta("schema").await.unwrap().as_deref(), Some("3"));
    drop(db);
    assert_eq!(count(&path, "SELECT COUNT(*) FROM slots").await, 1);
    // Its ledger lost: the steps run again and leave an empty cache (built
    // from the source), never rows read in another layout.
    on_file(&path, "DROP TABLE cache_migrations").await;
    let db = CacheDb::open(&path).await.unwrap();
    assert_eq!(db.meta("watermark").await.unwrap(), None);
    drop(db);
    assert_eq!(count(&path, "SELECT COUNT(*) FROM slots").await, 0);
    assert_eq!(
        count(&path, "SELECT COUNT(*) FROM cache_migrations").await,
        2
    );
    // Layout 2 (slots without the 1-hour writes) and any other layout are
    // emptied and built anew.
    for old in ["2", "1"] {
        on_file(
            &path,
            "INSERT INTO slots (slot, model, estimated, requests, input, output, cache_read, \
             cache_write, cache_write_1h, cost, kept, rejected, adjusted, first_ts, last_ts) \
             VALUES (96, 'gpt-4o', 0, 1, 10, 5, 0, 4, 3, NULL, 1, 0, 0, 86400, 86400);
             INSERT INTO meta VALUES ('watermark', '86400');",
        )
        .await;
        on_file(
            &path,
            &format!("UPDATE meta SET value = '{old}' WHERE key = 'schema'"),
        )
        .await;
        let db = CacheDb::open(&path).await.unwrap();
        assert_eq!(db.meta("watermark").await.unwrap(), None, "layout {old}");
        assert_eq!(db.meta("schema").await.unwrap().as_deref(), Some("3"));
        drop(db);
        assert_eq!(count(&path, "SELECT COUNT(*) FROM slots").await, 0);
        assert_eq!(
            count(&path, "SELECT COUNT(cache_write_1h) FROM days").await,
            0,
            "the days have the 1-hour column"
        );
    }
}
