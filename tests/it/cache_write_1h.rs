//! 1-hour cache writes through every path: the cache file's slots and days,
//! usagetop's own database with its trigger-kept `usage_slots` (and a
//! database of the previous schema migrated to them), a foreign SQLite
//! table and a PostgreSQL one with a `cache_write_1h_tokens` column. Rows
//! carry a 1-hour part of their cache writes (none, some, all, and a few
//! negative, left out like any negative count); after every batch, update
//! and deletion the whole JSON report from the cache must equal the report
//! from the source, and the cost must price the 1-hour part at its own
//! rate, as computed here from the events.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use rust_decimal::Decimal;
use sqlx::AssertSqlSafe;
use usagetop::cache::CachedStore;
use usagetop::filter::Filter;
use usagetop::pricing::{PriceFile, PriceTable};
use usagetop::store::demo::DemoEvent;
use usagetop::store::mapping::Mapping;
use usagetop::store::postgres::PgStore;
use usagetop::store::sqlite::SqliteStore;
use usagetop::store::Timeouts;

use crate::cache::{
    assert_cache_equals_source, batches, cache_options, events, json_of, run_pg_layout,
    sqlite_execute, NATIVE_SQLITE,
};
use crate::support::pg::{server_url, TestDb};

/// The 1-hour part of an event's cache writes: none, a third, two thirds
/// or all of them, and -1 for a few rows (left out of every sum).
fn one_hour(event: &DemoEvent) -> i64 {
    if event.ts % 307 == 0 {
        return -1;
    }
    event.cache_write_tokens * (event.ts % 4).min(3) / 3
}

/// Inserts of `batch` with the 1-hour part, timestamps written by `ts`.
fn rows_with_1h(batch: &[&DemoEvent], ts: impl Fn(i64) -> String) -> Vec<String> {
    batch
        .chunks(400)
        .map(|chunk| {
            let values: Vec<String> = chunk
                .iter()
                .map(|e| {
                    format!(
                        "({}, '{}', '{}', '{}', {}, {}, {}, {}, {})",
                        ts(e.ts),
                        e.user_id,
                        e.model,
                        e.endpoint,
                        e.input_tokens,
                        e.output_tokens,
                        e.cache_read_tokens,
                        e.cache_write_tokens,
                        one_hour(e)
                    )
                })
                .collect();
            format!(
                "INSERT INTO usage_events (ts, user_id, model, endpoint, input_tokens, output_tokens, \
                 cache_read_tokens, cache_write_tokens, cache_write_1h_tokens) VALUES {}",
                values.join(", ")
            )
        })
        .collect()
}

/// The all-time cost of `events` priced here: each kind at its rate, the
/// 1-hour writes at `cache_write_1h`, the rest of the writes at
/// `cache_write`; rows with a negative count left out.
fn expected_cost(events: &[DemoEvent]) -> Decimal {
    let prices = PriceTable::with_overrides(&PriceFile::default(), "pricing").unwrap();
    let mut cost = Decimal::ZERO;
    for e in events {
        let hour = one_hour(e);
        if hour < 0 {
            continue;
        }
        let p = prices.resolve(e.model).price;
        cost += (Decimal::from(e.input_tokens) * p.input
            + Decimal::from(e.output_tokens) * p.output
            + Decimal::from(e.cache_read_tokens) * p.cache_read
            + Decimal::from(e.cache_write_tokens - hour) * p.cache_write
            + Decimal::from(hour) * p.cache_write_1h)
            / Decimal::from(1_000_000);
    }
    cost.normalize()
}

/// The all-time figures of a report: 1-hour writes and cost.
async fn all_time(store: &dyn usagetop::store::UsageStore) -> (i64, Decimal) {
    let json: serde_json::Value =
        serde_json::from_str(&json_of(store, chrono_tz::UTC, &Filter::default()).await).unwrap();
    let all = &json["summary"]["all_time"];
    (
        all["cache_write_1h_tokens"].as_i64().unwrap(),
        all["cost"]
            .as_str()
            .unwrap()
            .parse::<Decimal>()
            .unwrap()
            .normalize(),
    )
}

fn kept_1h(events: &[DemoEvent]) -> i64 {
    events.iter().map(one_hour).filter(|hour| *hour >= 0).sum()
}

#[tokio::test]
async fn own_database_prices_1h_writes_alike_through_its_slots_and_directly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("usage.db");
    let cache_dir = tempfile::tempdir().unwrap();
    let pool = SqliteStore::open_writable(&path).await.unwrap();
    let events = events();
    let open = || SqliteStore::open(&path, false, Mapping::default());
    for (index, batch) in batches(&events).iter().enumerate() {
        for insert in rows_with_1h(batch, |ts| ts.to_string()) {
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
            &format!("own database with 1-hour writes, batch {}", index + 1),
        )
        .await;
    }
    // Every event in: the cost is the one computed here, with the 1-hour
    // part at its own rate (it would be lower at the 5-minute rate).
    let direct = open().await.unwrap();
    let (hour, cost) = all_time(&direct).await;
    assert_eq!(hour, kept_1h(&events));
    assert!(hour > 0, "the fixture has 1-hour writes");
    assert_eq!(cost, expected_cost(&events));
    // Updates and deletes go through the triggers too, the 1-hour part included.
    sqlx::raw_sql(
        "UPDATE usage_events SET ts = ts - 86400, cache_write_1h_tokens = cache_write_tokens \
         WHERE id % 5 = 0; \
         DELETE FROM usage_events WHERE id % 7 = 0; \
         UPDATE usage_events SET cache_write_1h_tokens = -2 WHERE id % 11 = 0;",
    )
    .execute(&pool)
    .await
    .unwrap();
    let (slots_1h, events_1h): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT SUM(cache_write_1h) FROM usage_slots), \
                (SELECT SUM(cache_write_1h_tokens) FROM usage_events WHERE NOT (input_tokens < 0 \
                 OR output_tokens < 0 OR cache_read_tokens < 0 OR cache_write_tokens < 0 \
                 OR cache_write_1h_tokens < 0))",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(slots_1h, events_1h, "the triggers keep the 1-hour sums");
    let fresh_cache = tempfile::tempdir().unwrap();
    let cached = CachedStore::open(
        Box::new(open().await.unwrap()),
        &cache_options(fresh_cache.path()),
    )
    .await;
    let direct = open().await.unwrap();
    assert_cache_equals_source(&cached, &direct, "own database after 1-hour updates").await;
    // The refreshed old cache follows the changed history as well.
    let old_cache = CachedStore::open(
        Box::new(open().await.unwrap()),
        &cache_options(cache_dir.path()),
    )
    .await;
    assert_cache_equals_source(&old_cache, &direct, "older cache after 1-hour updates").await;
}

#[tokio::test]
async fn sqlite_foreign_table_with_1h_writes_equals_direct() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gateway.db");
    let cache_dir = tempfile::tempdir().unwrap();
    sqlite_execute(
        &path,
        &NATIVE_SQLITE.replace(
            "cache_write_tokens INTEGER NOT NULL DEFAULT 0",
            "cache_write_tokens INTEGER NOT NULL DEFAULT 0, \
             cache_write_1h_tokens INTEGER NOT NULL DEFAULT 0",
        ),
    )
    .await;
    let events = events();
    let open = || SqliteStore::open(&path, false, Mapping::default());
    for (index, batch) in batches(&events).iter().enumerate() {
        for insert in rows_with_1h(batch, |ts| ts.to_string()) {
            sqlite_execute(&path, &insert).await;
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
            &format!("sqlite table with 1-hour writes, batch {}", index + 1),
        )
        .await;
    }
    let direct = open().await.unwrap();
    assert_eq!(
        all_time(&direct).await,
        (kept_1h(&events), expected_cost(&events))
    );
}

/// usagetop's database as the previous version left it (steps 1 to 4,
/// slots without a 1-hour column) with imported 1-hour writes: opening it
/// applies step 5, which sums the slots again, and a cache of the previous
/// layout is rebuilt with the new column.
#[tokio::test]
async fn a_database_of_the_previous_schema_gets_its_1h_slots_from_migration_5() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("usage.db");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
    let mut sql = String::from(
        "CREATE TABLE usagetop_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, \
         applied_at INTEGER NOT NULL);",
    );
    for (version, file) in [
        (1, "0001_usage_events.sql"),
        (2, "0002_usage_slots.sql"),
        (3, "0003_imports.sql"),
        (4, "0004_requests.sql"),
    ] {
        sql.push_str(&std::fs::read_to_string(root.join(file)).unwrap());
        sql.push_str(&format!(
            "\nINSERT INTO usagetop_migrations VALUES ({version}, 'step {version}', 0);\n"
        ));
    }
    sqlite_execute(&path, &sql).await;
    let events = events();
    for insert in rows_with_1h(&events.iter().collect::<Vec<_>>(), |ts| ts.to_string()) {
        sqlite_execute(&path, &insert).await;
    }
    let open = || SqliteStore::open(&path, false, Mapping::default());
    let direct = open().await.unwrap();
    let cache_dir = tempfile::tempdir().unwrap();
    let cached = CachedStore::open(
        Box::new(open().await.unwrap()),
        &cache_options(cache_dir.path()),
    )
    .await;
    assert_cache_equals_source(&cached, &direct, "database migrated to step 5").await;
    assert_eq!(
        all_time(&cached).await,
        (kept_1h(&events), expected_cost(&events))
    );
}

#[tokio::test]
async fn postgres_table_with_1h_writes_equals_direct() {
    let Some(admin) = server_url() else { return };
    let db = TestDb::create(&admin, "onehour").await;
    db.execute(include_str!(
        "../../migrations/postgres/0001_usage_events.sql"
    ))
    .await;
    db.execute(
        "ALTER TABLE usage_events ADD COLUMN cache_write_1h_tokens BIGINT NOT NULL DEFAULT 0",
    )
    .await;
    run_pg_layout(
        &db,
        "postgres with 1-hour writes",
        Mapping::default(),
        |batch| rows_with_1h(batch, |ts| format!("to_timestamp({ts})")),
        "EXTRACT(EPOCH FROM ts)",
        "usage_events",
    )
    .await;
    // All of them again, then the cost against the one computed here.
    let events = events();
    for insert in rows_with_1h(&events.iter().collect::<Vec<_>>(), |ts| {
        format!("to_timestamp({ts})")
    }) {
        db.execute(&insert).await;
    }
    let direct = PgStore::connect_lazy(&db.url, Mapping::default(), Timeouts::default()).unwrap();
    assert_eq!(
        all_time(&direct).await,
        (kept_1h(&events), expected_cost(&events))
    );
    db.drop_it().await;
}

/// `[source] cache_write_1h_tokens`: absent without a word from a native
/// table that lacks it, an error when named and missing, and refused
/// without the cache writes it is a part of.
#[tokio::test]
async fn the_one_hour_column_is_optional_unless_named() {
    use usagetop::store::mapping::SourceConfig;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gateway.db");
    sqlite_execute(&path, NATIVE_SQLITE).await;
    sqlite_execute(
        &path,
        "INSERT INTO usage_events (ts, model, input_tokens, cache_write_tokens) \
         VALUES (1763470000, 'claude-sonnet-4-5', 10, 1000)",
    )
    .await;
    let store = SqliteStore::open(&path, false, Mapping::default())
        .await
        .unwrap();
    let json: serde_json::Value =
        serde_json::from_str(&json_of(&store, chrono_tz::UTC, &Filter::default()).await).unwrap();
    assert_eq!(json["summary"]["all_time"]["cache_write_1h_tokens"], 0);
    assert!(
        !json["notes"].to_string().contains("cache_write_1h"),
        "no note for an optional column: {}",
        json["notes"]
    );
    // 1,000 writes at the 5-minute price (3.75) and 10 input tokens at 3.
    assert_eq!(json["summary"]["all_time"]["cost"], "0.00378");

    let named = Mapping::resolve(&SourceConfig {
        cache_write_1h_tokens: Some("cache_write_1h_tokens".to_owned()),
        ..SourceConfig::default()
    })
    .unwrap();
    let error = SqliteStore::open(&path, false, named)
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(error.contains("cache_write_1h_tokens"), "{error}");

    let without_writes = |one_hour: Option<&str>| {
        Mapping::resolve(&SourceConfig {
            cache_write_tokens: Some(String::new()),
            cache_write_1h_tokens: one_hour.map(str::to_owned),
            ..SourceConfig::default()
        })
    };
    let error = without_writes(Some("cw_1h")).unwrap_err().to_string();
    assert!(error.contains("needs cache_write_tokens"), "{error}");
    assert_eq!(without_writes(None).unwrap().cache_write_1h_tokens, None);
}
