//! The SQLite store on real files: grouping by local day across DST, model
//! rows, first event, read-only opening of foreign files, migrations only on
//! usagetop's own databases, and demo data refusal rules.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, SqliteConnection};
use usagetop::filter::Filter;
use usagetop::period::{Calendar, WeekStart};
use usagetop::store::mapping::Mapping;
use usagetop::store::sqlite::SqliteStore;
use usagetop::store::{demo, SecondsRange, StoreError, UsageStore};
use usagetop::usage::Usage;

/// A report context in UTC with the clock pinned at `now`.
fn utc_context(now: DateTime<Utc>) -> usagetop::pipeline::ReportContext {
    usagetop::pipeline::ReportContext {
        calendar: utc(),
        clock: std::sync::Arc::new(usagetop::clock::FixedClock(now)),
        prices: std::sync::Arc::new(
            usagetop::pricing::PriceTable::with_overrides(
                &usagetop::pricing::PriceFile::default(),
                "pricing",
            )
            .unwrap(),
        ),
        budgets: std::sync::Arc::new(usagetop::budget::Budgets::default()),
        wall_clock: std::sync::Arc::new(usagetop::clock::SystemClock),
    }
}

fn utc() -> Calendar {
    Calendar::new(chrono_tz::UTC, WeekStart::Monday)
}

fn at(text: &str) -> i64 {
    DateTime::parse_from_rfc3339(text).unwrap().timestamp()
}

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

async fn foreign_db(path: &Path, rows: &[(i64, &str, i64, i64, i64, i64)]) {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true);
    let mut conn = SqliteConnection::connect_with(&options).await.unwrap();
    sqlx::raw_sql(
        "CREATE TABLE usage_events (id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, user_id TEXT, model TEXT, \
         endpoint TEXT, input_tokens INTEGER NOT NULL DEFAULT 0, output_tokens INTEGER NOT NULL DEFAULT 0, \
         cache_read_tokens INTEGER NOT NULL DEFAULT 0, cache_write_tokens INTEGER NOT NULL DEFAULT 0)",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    for (ts, model, input, output, cache_read, cache_write) in rows {
        sqlx::query(
            "INSERT INTO usage_events (ts, model, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens) \
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(ts)
        .bind(model)
        .bind(input)
        .bind(output)
        .bind(cache_read)
        .bind(cache_write)
        .execute(&mut conn)
        .await
        .unwrap();
    }
    conn.close().await.unwrap();
}

#[tokio::test]
async fn groups_by_local_day_across_both_dst_changes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("foreign.db");
    // Europe/Berlin: UTC+1 in winter, UTC+2 in summer (from 2026-03-29T01:00Z to 2026-10-25T01:00Z).
    foreign_db(
        &path,
        &[
            (at("2026-03-28T22:59:59Z"), "m", 1, 0, 0, 0), // 23:59:59 local, Mar 28
            (at("2026-03-28T23:00:00Z"), "m", 2, 0, 0, 0), // 00:00 local, Mar 29
            (at("2026-03-29T21:59:59Z"), "m", 4, 0, 0, 0), // 23:59:59 CEST, Mar 29
            (at("2026-03-29T22:00:00Z"), "m", 8, 0, 0, 0), // 00:00 CEST, Mar 30
            (at("2026-10-24T21:59:59Z"), "m", 16, 0, 0, 0), // 23:59:59 CEST, Oct 24
            (at("2026-10-24T22:00:00Z"), "m", 32, 0, 0, 0), // 00:00 CEST, Oct 25
            (at("2026-10-25T22:59:59Z"), "m", 64, 0, 0, 0), // 23:59:59 CET, Oct 25 (25-hour day)
            (at("2026-10-25T23:00:00Z"), "m", 128, 0, 0, 0), // 00:00 CET, Oct 26
            (at("2026-10-25T23:00:00Z"), "other", 256, 1, 2, 3),
        ],
    )
    .await;
    let store = SqliteStore::open(&path, false, Mapping::default())
        .await
        .unwrap();
    let calendar = Calendar::new(chrono_tz::Europe::Berlin, WeekStart::Monday);
    let range = SecondsRange {
        start: at("2026-01-01T00:00:00Z"),
        end: at("2027-01-01T00:00:00Z"),
    };
    let mut rows = store
        .day_model_rows(range, &calendar, &Filter::default())
        .await
        .unwrap();
    rows.sort_by(|a, b| (a.day, &a.model).cmp(&(b.day, &b.model)));
    let got: Vec<(NaiveDate, &str, i64, i128)> = rows
        .iter()
        .map(|row| {
            (
                row.day,
                row.model.as_str(),
                row.usage.requests,
                row.usage.input_tokens,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (date("2026-03-28"), "m", 1, 1),
            (date("2026-03-29"), "m", 2, 6),
            (date("2026-03-30"), "m", 1, 8),
            (date("2026-10-24"), "m", 1, 16),
            (date("2026-10-25"), "m", 2, 96),
            (date("2026-10-26"), "m", 1, 128),
            (date("2026-10-26"), "other", 1, 256),
        ]
    );
    let other = rows.iter().find(|row| row.model == "other").unwrap();
    assert_eq!(
        other.usage,
        Usage {
            requests: 1,
            input_tokens: 256,
            output_tokens: 1,
            cache_read_tokens: 2,
            cache_write_tokens: 3,
            cache_write_1h_tokens: 0
        }
    );
}

#[tokio::test]
async fn half_hour_zone_days() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kolkata.db");
    foreign_db(
        &path,
        &[
            (at("2026-06-01T18:29:59Z"), "m", 1, 0, 0, 0),
            (at("2026-06-01T18:30:00Z"), "m", 2, 0, 0, 0),
        ],
    )
    .await;
    let store = SqliteStore::open(&path, false, Mapping::default())
        .await
        .unwrap();
    let calendar = Calendar::new(chrono_tz::Asia::Kolkata, WeekStart::Monday);
    let range = SecondsRange {
        start: at("2026-05-01T00:00:00Z"),
        end: at("2026-07-01T00:00:00Z"),
    };
    let mut rows = store
        .day_model_rows(range, &calendar, &Filter::default())
        .await
        .unwrap();
    rows.sort_by_key(|row| row.day);
    assert_eq!(
        rows.iter()
            .map(|row| (row.day, row.usage.input_tokens))
            .collect::<Vec<_>>(),
        vec![(date("2026-06-01"), 1), (date("2026-06-02"), 2)]
    );
}

#[tokio::test]
async fn model_rows_range_is_half_open_and_null_models_are_unknown() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("models.db");
    foreign_db(
        &path,
        &[
            (100, "a", 1, 2, 3, 4),
            (199, "a", 10, 20, 30, 40),
            (200, "b", 5, 5, 5, 5),
        ],
    )
    .await;
    let options = SqliteConnectOptions::new().filename(&path);
    let mut conn = SqliteConnection::connect_with(&options).await.unwrap();
    sqlx::query("INSERT INTO usage_events (ts, model, input_tokens) VALUES (150, NULL, 7)")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();

    let store = SqliteStore::open(&path, false, Mapping::default())
        .await
        .unwrap();
    let mut rows = store
        .model_rows(
            SecondsRange {
                start: 100,
                end: 200,
            },
            &utc(),
            &Filter::default(),
        )
        .await
        .unwrap();
    rows.sort_by(|a, b| a.model.cmp(&b.model));
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].model, "(unknown)");
    assert_eq!(rows[0].usage.input_tokens, 7);
    assert_eq!(rows[1].model, "a");
    assert_eq!(
        rows[1].usage,
        Usage {
            requests: 2,
            input_tokens: 11,
            output_tokens: 22,
            cache_read_tokens: 33,
            cache_write_tokens: 44,
            cache_write_1h_tokens: 0
        }
    );
    assert_eq!(
        store
            .first_event(1000, &utc(), &Filter::default())
            .await
            .unwrap()
            .map(|t| t.timestamp()),
        Some(100)
    );
    assert_eq!(
        store
            .first_event(100, &utc(), &Filter::default())
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn foreign_files_are_never_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("theirs.db");
    foreign_db(&path, &[(1_700_000_000, "gpt-4o", 1, 1, 0, 0)]).await;
    let before = std::fs::read(&path).unwrap();
    let store = SqliteStore::open(&path, true, Mapping::default())
        .await
        .unwrap();
    let calendar = Calendar::new(chrono_tz::UTC, WeekStart::Monday);
    store
        .day_model_rows(
            SecondsRange {
                start: 0,
                end: 2_000_000_000,
            },
            &calendar,
            &Filter::default(),
        )
        .await
        .unwrap();
    drop(store);
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "a foreign database must not change"
    );

    let events = demo::generate(
        1,
        2,
        DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
        &calendar,
    );
    let refused = demo::write(&path, &events, true).await;
    assert!(
        matches!(refused, Err(StoreError::Refused(_))),
        "{refused:?}"
    );
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "demo must not touch a foreign database"
    );
}

#[tokio::test]
async fn missing_file_is_created_only_when_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested").join("usage.db");
    let error = SqliteStore::open(&path, false, Mapping::default())
        .await
        .unwrap_err();
    assert!(error.to_string().contains("usagetop demo"), "{error}");
    assert!(!path.exists());

    let store = SqliteStore::open(&path, true, Mapping::default())
        .await
        .unwrap();
    assert!(path.exists());
    assert_eq!(
        store
            .first_event(i64::MAX, &utc(), &Filter::default())
            .await
            .unwrap(),
        None
    );
    drop(store);
    // Opening again finds usagetop's own, migrated database.
    SqliteStore::open(&path, false, Mapping::default())
        .await
        .unwrap();
}

#[tokio::test]
async fn files_that_are_not_usage_databases_are_explained() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.db");
    std::fs::write(
        &text,
        "this is not a database, just some text that is long enough to have a header",
    )
    .unwrap();
    let error = SqliteStore::open(&text, false, Mapping::default())
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("not a SQLite database"), "{error}");

    let other = dir.path().join("other.db");
    let options = SqliteConnectOptions::new()
        .filename(&other)
        .create_if_missing(true);
    let mut conn = SqliteConnection::connect_with(&options).await.unwrap();
    sqlx::raw_sql("CREATE TABLE calls (id INTEGER)")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    let error = SqliteStore::open(&other, false, Mapping::default())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("no table usage_events") && error.contains("calls"),
        "{error}"
    );

    let partial = dir.path().join("partial.db");
    let options = SqliteConnectOptions::new()
        .filename(&partial)
        .create_if_missing(true);
    let mut conn = SqliteConnection::connect_with(&options).await.unwrap();
    sqlx::raw_sql("CREATE TABLE usage_events (ts INTEGER, model TEXT, input_tokens INTEGER)")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    let error = SqliteStore::open(&partial, false, Mapping::default())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("no column \"output_tokens\"") && error.contains("input_tokens (integer)"),
        "{error}"
    );
}

#[tokio::test]
async fn demo_refuses_existing_events_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("demo.db");
    let calendar = Calendar::new(chrono_tz::UTC, WeekStart::Monday);
    let now = DateTime::parse_from_rfc3339("2026-11-18T15:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let events = demo::generate(7, 10, now, &calendar);
    assert!(!events.is_empty());
    assert!(events
        .iter()
        .all(|event| event.ts < now.timestamp() && event.ts >= now.timestamp() - 10 * 86_400));
    assert_eq!(
        demo::write(&path, &events, false).await.unwrap(),
        events.len() as u64
    );
    let again = demo::write(&path, &events, false).await;
    assert!(
        matches!(&again, Err(StoreError::Refused(message)) if message.contains("--force")),
        "{again:?}"
    );
    assert_eq!(
        demo::write(&path, &events, true).await.unwrap(),
        events.len() as u64
    );
    let store = SqliteStore::open(&path, false, Mapping::default())
        .await
        .unwrap();
    let rows = store
        .model_rows(
            SecondsRange {
                start: i64::MIN,
                end: i64::MAX,
            },
            &utc(),
            &Filter::default(),
        )
        .await
        .unwrap();
    let requests: i64 = rows.iter().map(|row| row.usage.requests).sum();
    assert_eq!(
        requests,
        events.len() as i64,
        "--force replaces, never doubles"
    );
    assert_eq!(
        demo::generate(7, 10, now, &calendar),
        events,
        "same seed, same data"
    );
}

#[cfg(unix)]
#[tokio::test]
async fn files_usagetop_creates_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("data").join("usagetop");
    let path = folder.join("usage.db");
    SqliteStore::open(&path, true, Mapping::default())
        .await
        .unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o600, "the database");
    assert_eq!(mode(&folder), 0o700, "the folder it created");
}

#[tokio::test]
async fn a_writer_holding_the_lock_makes_the_store_busy_not_broken() {
    use usagetop::pipeline::compute_report;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("locked.db");
    foreign_db(&path, &[(1_700_000_000, "gpt-4o", 1, 1, 0, 0)]).await;
    let store = SqliteStore::open(&path, false, Mapping::default())
        .await
        .unwrap();
    let context = utc_context(DateTime::from_timestamp(1_700_000_100, 0).unwrap());
    compute_report(&store, &context, &Filter::default())
        .await
        .unwrap();
    // Another program takes an exclusive lock and keeps it.
    let mut writer = SqliteConnection::connect_with(&SqliteConnectOptions::new().filename(&path))
        .await
        .unwrap();
    sqlx::raw_sql("BEGIN EXCLUSIVE")
        .execute(&mut writer)
        .await
        .unwrap();
    let busy = compute_report(&store, &context, &Filter::default())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        busy.contains("busy") && busy.contains("try again"),
        "{busy}"
    );
    // Once the writer lets go, the same store reads again.
    sqlx::raw_sql("COMMIT").execute(&mut writer).await.unwrap();
    writer.close().await.unwrap();
    let report = compute_report(&store, &context, &Filter::default())
        .await
        .unwrap();
    assert_eq!(report.summary.all_time.totals.usage.requests, 1);
}

#[tokio::test]
async fn unusable_rows_are_left_out_and_reported() {
    use usagetop::pipeline::compute_report;
    use usagetop::store::mapping::SourceConfig;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("messy.db");
    let options = SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true);
    let mut conn = SqliteConnection::connect_with(&options).await.unwrap();
    sqlx::raw_sql(
        "CREATE TABLE calls (at TEXT, model TEXT, tokens_in INTEGER, tokens_out INTEGER);
         INSERT INTO calls VALUES
           ('2026-11-18 10:00:00', 'gpt-4o', 100, 10),      -- fine
           ('2026-11-18 11:00:00', NULL, NULL, 20),         -- NULL model and input: (unknown), 0
           ('2026-11-18 12:00:00', 'gpt-4o', -50, 10),      -- negative: left out
           ('yesterday-ish', 'gpt-4o', 7, 7),               -- unreadable: left out
           ('2031-01-01 00:00:00', 'gpt-4o', 1000, 1000);  -- far in the future: in no view",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();
    let mapping = Mapping::resolve(&SourceConfig {
        table: Some("calls".to_owned()),
        timestamp: Some("at".to_owned()),
        input_tokens: Some("tokens_in".to_owned()),
        output_tokens: Some("tokens_out".to_owned()),
        cache_read_tokens: Some(String::new()),
        cache_write_tokens: Some(String::new()),
        user: Some(String::new()),
        endpoint: Some(String::new()),
        ..SourceConfig::default()
    })
    .unwrap();
    let store = SqliteStore::open(&path, false, mapping).await.unwrap();
    let context = utc_context(
        DateTime::parse_from_rfc3339("2026-11-18T15:00:00Z")
            .unwrap()
            .into(),
    );
    let report = compute_report(&store, &context, &Filter::default())
        .await
        .unwrap();
    let today = report.summary.today.totals.usage;
    assert_eq!(today.requests, 2, "the fine row and the NULL row");
    assert_eq!(today.input_tokens, 100);
    assert_eq!(today.output_tokens, 30);
    assert!(report
        .by_model
        .all_time
        .iter()
        .any(|model| model.model == "(unknown)"));
    assert_eq!(report.left_out, 3);
    let notes = report.notes.join("\n");
    assert!(
        notes.contains("1 row with negative token counts left out"),
        "{notes}"
    );
    assert!(
        notes.contains("1 row with a timestamp that cannot be read")
            && notes.contains("yesterday-ish"),
        "{notes}"
    );
    assert!(
        notes.contains("1 row dated more than a day after the clock")
            && notes.contains("2031-01-01"),
        "{notes}"
    );
}

#[tokio::test]
async fn instants_before_1970_fall_on_their_day() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    // 1969-12-31T23:30:00Z and 1970-01-01T00:30:00Z, in seconds.
    foreign_db(
        &path,
        &[(-1_800, "m", 1, 0, 0, 0), (1_800, "m", 10, 0, 0, 0)],
    )
    .await;
    let store = SqliteStore::open(&path, false, Mapping::default())
        .await
        .unwrap();
    let range = SecondsRange {
        start: -86_400,
        end: 86_400,
    };
    let mut rows = store
        .day_model_rows(range, &utc(), &Filter::default())
        .await
        .unwrap();
    rows.sort_by_key(|row| row.day);
    let days: Vec<(NaiveDate, i128)> = rows
        .iter()
        .map(|row| (row.day, row.usage.input_tokens))
        .collect();
    assert_eq!(
        days,
        vec![(date("1969-12-31"), 1), (date("1970-01-01"), 10)]
    );
    // Berlin (UTC+1 then): 00:30 and 01:30 on 1 January.
    let berlin = Calendar::new(chrono_tz::Europe::Berlin, WeekStart::Monday);
    let rows = store
        .day_model_rows(range, &berlin, &Filter::default())
        .await
        .unwrap();
    assert_eq!(
        rows.iter()
            .map(|row| (row.day, row.usage.input_tokens))
            .collect::<Vec<_>>(),
        vec![(date("1970-01-01"), 11)]
    );
}

#[tokio::test]
async fn milliseconds_read_as_seconds_are_explained() {
    use usagetop::pipeline::compute_report;
    use usagetop::store::mapping::{SourceConfig, TimestampFormat};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ms.db");
    foreign_db(&path, &[(1_795_000_000_000, "gpt-4o", 5, 5, 0, 0)]).await;
    let forced = Mapping::resolve(&SourceConfig {
        timestamp_format: Some(TimestampFormat::UnixS),
        ..SourceConfig::default()
    })
    .unwrap();
    let context = utc_context(DateTime::from_timestamp(1_795_100_000, 0).unwrap());
    let store = SqliteStore::open(&path, false, forced).await.unwrap();
    let report = compute_report(&store, &context, &Filter::default())
        .await
        .unwrap();
    assert!(
        report
            .notes
            .iter()
            .any(|note| note.contains("look like milliseconds") && note.contains("unix_ms")),
        "{:?}",
        report.notes
    );
    assert_eq!(
        report.summary.all_time.totals.usage.requests, 0,
        "nothing counts at the wrong time"
    );
    // With auto (the default) the magnitude tells, and nothing is left out.
    let store = SqliteStore::open(&path, false, Mapping::default())
        .await
        .unwrap();
    let report = compute_report(&store, &context, &Filter::default())
        .await
        .unwrap();
    assert!(report.notes.is_empty(), "{:?}", report.notes);
    assert_eq!(report.summary.all_time.totals.usage.requests, 1);
}

/// The file is replaced (a new copy moved over the path) and then deleted
/// while a session is open: the replacement is read at the next refresh,
/// through the rollup cache too; the deletion is an error that says what
/// happened, and putting the file back recovers.
#[tokio::test]
async fn a_replaced_file_is_followed_and_a_deleted_one_explained() {
    use usagetop::cache::{CacheOptions, CachedStore};
    use usagetop::pipeline::compute_report;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gateway.db");
    let now = at("2026-11-18T15:00:00Z");
    let rows = |count: i64| -> Vec<(i64, &'static str, i64, i64, i64, i64)> {
        (0..count)
            .map(|i| (now - 3_600 - i * 60, "gpt-4o", 100, 10, 0, 0))
            .collect()
    };
    foreign_db(&path, &rows(3)).await;
    let context = utc_context(DateTime::from_timestamp(now, 0).unwrap());
    let direct = SqliteStore::open(&path, false, Mapping::default())
        .await
        .unwrap();
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
    let requests =
        |report: &usagetop::analytics::Report| report.summary.all_time.totals.usage.requests;
    cached.refresh_cache(now, &|_| {}).await.unwrap();
    for store in [&direct as &dyn UsageStore, &cached] {
        let report = compute_report(store, &context, &Filter::default())
            .await
            .unwrap();
        assert_eq!(requests(&report), 3);
    }

    // A new copy with five rows, moved over the path.
    let copy = dir.path().join("gateway.db.new");
    foreign_db(&copy, &rows(5)).await;
    std::fs::rename(&copy, &path).unwrap();
    cached.refresh_cache(now, &|_| {}).await.unwrap();
    for store in [&direct as &dyn UsageStore, &cached] {
        let report = compute_report(store, &context, &Filter::default())
            .await
            .unwrap();
        assert_eq!(requests(&report), 5, "the replacement is read");
    }

    // Deleted: an error naming the file and what happened.
    let moved = dir.path().join("elsewhere.db");
    std::fs::rename(&path, &moved).unwrap();
    let error = compute_report(&direct, &context, &Filter::default())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("gateway.db") && error.contains("deleted or moved"),
        "{error}"
    );
    let error = cached
        .refresh_cache(now, &|_| {})
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("deleted or moved"), "{error}");

    // Put back: read again.
    std::fs::rename(&moved, &path).unwrap();
    cached.refresh_cache(now, &|_| {}).await.unwrap();
    for store in [&direct as &dyn UsageStore, &cached] {
        let report = compute_report(store, &context, &Filter::default())
            .await
            .unwrap();
        assert_eq!(requests(&report), 5, "read again once it is back");
    }
}
