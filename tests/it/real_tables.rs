//! Tables shaped like the ones people really have, each on SQLite and
//! PostgreSQL, read directly and through the rollup cache: the four reports
//! must be identical, and each odd row or column must be handled as the
//! README says (read, or left out and counted with an example) without
//! changing the other rows' numbers.

use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AssertSqlSafe, Connection, SqliteConnection};
use usagetop::cache::{CacheOptions, CachedStore};
use usagetop::clock::FixedClock;
use usagetop::filter::Filter;
use usagetop::output;
use usagetop::period::{Calendar, WeekStart};
use usagetop::pipeline::{compute_report, ReportContext};
use usagetop::pricing::{PriceFile, PriceTable};
use usagetop::store::mapping::{Mapping, SourceConfig};
use usagetop::store::postgres::PgStore;
use usagetop::store::sqlite::SqliteStore;
use usagetop::store::{StoreError, Timeouts, UsageStore};

use crate::support::pg::{server_url, TestDb};

/// The pinned clock; every row below lies on 2026-11-17 or 2026-11-18.
const NOW: &str = "2026-11-18T15:00:00Z";

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

/// One layout on both engines.
struct Layout<'a> {
    what: &'a str,
    /// The table on PostgreSQL, then on SQLite.
    create: [&'a str; 2],
    /// Rows, as `INSERT` statements valid on both engines.
    inserts: Vec<String>,
    source: SourceConfig,
    filter: Filter,
}

async fn sqlite_execute(path: &Path, sql: &str) {
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

async fn json_of(store: &dyn UsageStore, filter: &Filter) -> String {
    let snapshot = compute_report(store, &context(), filter).await.unwrap();
    output::json::render(&snapshot).unwrap()
}

/// The reports of `layout` from PostgreSQL and SQLite, direct and cached,
/// which must all be the same; returns it.
async fn same_everywhere(layout: &Layout<'_>) -> Value {
    let admin = server_url().expect("PostgreSQL tests need USAGETOP_TEST_PG_URL");
    let db = TestDb::create(&admin, &format!("real_{}", layout.what.replace(' ', "_"))).await;
    db.execute(layout.create[0]).await;
    for insert in &layout.inserts {
        db.execute(insert).await;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.db");
    sqlite_execute(&path, layout.create[1]).await;
    for insert in &layout.inserts {
        sqlite_execute(&path, insert).await;
    }
    let mapping = Mapping::resolve(&layout.source).unwrap();
    let options = CacheOptions {
        enabled: true,
        dir: dir.path().join("cache"),
        late_seconds: 7_200,
        verify: false,
    };
    let pg = || PgStore::connect_lazy(&db.url, mapping.clone(), Timeouts::default()).unwrap();
    let lite = || async {
        SqliteStore::open(&path, false, mapping.clone())
            .await
            .unwrap()
    };
    let mut reports = vec![
        ("PostgreSQL", json_of(&pg(), &layout.filter).await),
        ("SQLite", json_of(&lite().await, &layout.filter).await),
    ];
    for (name, cached) in [
        (
            "PostgreSQL, cached",
            CachedStore::open(Box::new(pg()), &options).await,
        ),
        (
            "SQLite, cached",
            CachedStore::open(Box::new(lite().await), &options).await,
        ),
    ] {
        cached
            .refresh_cache(now().timestamp(), &|_| {})
            .await
            .unwrap();
        reports.push((name, json_of(&cached, &layout.filter).await));
    }
    db.drop_it().await;
    let (first_name, first) = &reports[0];
    for (name, json) in &reports[1..] {
        if json != first {
            let difference = first.lines().zip(json.lines()).find(|(a, b)| a != b);
            panic!(
                "{}: {first_name} and {name} differ; first difference: {difference:?}",
                layout.what
            );
        }
    }
    serde_json::from_str(first).unwrap()
}

fn all_time(report: &Value, field: &str) -> i64 {
    report["summary"]["all_time"][field].as_i64().unwrap()
}

fn notes(report: &Value) -> String {
    report["notes"].to_string()
}

/// 2026-11-17T10:00:00Z plus `minutes`.
fn at(minutes: i64) -> i64 {
    1_794_909_600 + minutes * 60
}

#[tokio::test]
async fn names_of_any_type_are_read_as_text() {
    let layout = Layout {
        what: "typed names",
        create: [
            "CREATE TYPE tier AS ENUM ('gpt-4o', 'gpt-4o-mini'); \
             CREATE TABLE calls (at BIGINT, model tier, account UUID, route INTEGER, tokens_in BIGINT, tokens_out BIGINT)",
            "CREATE TABLE calls (at INTEGER, model TEXT, account TEXT, route INTEGER, tokens_in INTEGER, tokens_out INTEGER)",
        ],
        inserts: vec![format!(
            "INSERT INTO calls VALUES ({}, 'gpt-4o', '9b2d1c50-2f0e-4b6a-8c1d-5e4f3a2b1c0d', 7, 100, 10), \
             ({}, 'gpt-4o-mini', '9b2d1c50-2f0e-4b6a-8c1d-5e4f3a2b1c0d', 8, 200, 20)",
            at(0),
            at(5)
        )],
        source: SourceConfig {
            table: Some("calls".to_owned()),
            timestamp: Some("at".to_owned()),
            model: Some("model".to_owned()),
            user: Some("account".to_owned()),
            endpoint: Some("route".to_owned()),
            input_tokens: Some("tokens_in".to_owned()),
            output_tokens: Some("tokens_out".to_owned()),
            cache_read_tokens: Some(String::new()),
            cache_write_tokens: Some(String::new()),
            ..SourceConfig::default()
        },
        filter: Filter {
            users: vec!["9b2d1c50-*".to_owned()],
            endpoints: vec!["7".to_owned()],
            ..Filter::default()
        },
    };
    let report = same_everywhere(&layout).await;
    assert_eq!(
        all_time(&report, "requests"),
        1,
        "uuid user and integer route filtered as text"
    );
    assert_eq!(all_time(&report, "input_tokens"), 100);
}

#[tokio::test]
async fn no_model_column_and_total_tokens_only() {
    let create = "CREATE TABLE calls (at BIGINT, total BIGINT)";
    let inserts = vec![format!(
        "INSERT INTO calls VALUES ({}, 1000000), ({}, 3000000)",
        at(0),
        at(1)
    )];
    let layout = Layout {
        what: "one model total tokens",
        create: [create, create],
        inserts,
        source: SourceConfig {
            table: Some("calls".to_owned()),
            timestamp: Some("at".to_owned()),
            model: Some(String::new()),
            default_model: Some("gpt-4o".to_owned()),
            total_tokens: Some("total".to_owned()),
            cache_read_tokens: Some(String::new()),
            cache_write_tokens: Some(String::new()),
            user: Some(String::new()),
            endpoint: Some(String::new()),
            ..SourceConfig::default()
        },
        filter: Filter::default(),
    };
    let report = same_everywhere(&layout).await;
    assert_eq!(all_time(&report, "requests"), 2);
    assert_eq!(all_time(&report, "input_tokens"), 4_000_000);
    let models = &report["by_model"]["all_time"];
    assert_eq!(models[0]["model"], "gpt-4o", "{models}");
    // 4M input tokens at gpt-4o's $2.50 per million, all of it an estimate.
    assert_eq!(report["summary"]["all_time"]["cost"], "10");
    assert_eq!(report["summary"]["all_time"]["estimated_cost"], "10");
    assert!(
        notes(&report).contains("only a total token count"),
        "{}",
        notes(&report)
    );
}

#[tokio::test]
async fn model_names_differing_in_case_and_blanks() {
    let create = "CREATE TABLE calls (at BIGINT, model TEXT, tokens_in BIGINT, tokens_out BIGINT)";
    let layout = Layout {
        what: "messy model names",
        create: [create, create],
        inserts: vec![format!(
            "INSERT INTO calls VALUES ({}, 'gpt-4o', 1000000, 0), ({}, ' gpt-4o ', 1000000, 0), \
             ({}, 'GPT-4O', 1000000, 0), ({}, NULL, 1000000, 0), ({}, '', 1000000, 0)",
            at(0),
            at(1),
            at(2),
            at(3),
            at(4)
        )],
        source: SourceConfig {
            table: Some("calls".to_owned()),
            timestamp: Some("at".to_owned()),
            input_tokens: Some("tokens_in".to_owned()),
            output_tokens: Some("tokens_out".to_owned()),
            cache_read_tokens: Some(String::new()),
            cache_write_tokens: Some(String::new()),
            user: Some(String::new()),
            endpoint: Some(String::new()),
            ..SourceConfig::default()
        },
        filter: Filter::default(),
    };
    let report = same_everywhere(&layout).await;
    let models: Vec<(String, String, bool)> = report["by_model"]["all_time"]
        .as_array()
        .unwrap()
        .iter()
        .map(|model| {
            (
                model["model"].as_str().unwrap().to_owned(),
                model["input_tokens"].to_string(),
                model["priced"].as_bool().unwrap(),
            )
        })
        .collect();
    assert!(
        models.contains(&("gpt-4o".to_owned(), "2000000".to_owned(), true)),
        "blanks trimmed into one group: {models:?}"
    );
    assert!(
        models.contains(&("GPT-4O".to_owned(), "1000000".to_owned(), true)),
        "another case is priced by the same entry: {models:?}"
    );
    assert!(
        models.contains(&("(unknown)".to_owned(), "2000000".to_owned(), false)),
        "NULL and empty names are (unknown): {models:?}"
    );
    // A model filter finds every spelling.
    let filtered = same_everywhere(&Layout {
        what: "messy model names filtered",
        filter: Filter {
            models: vec!["gpt-4o".to_owned()],
            ..Filter::default()
        },
        ..layout
    })
    .await;
    assert_eq!(all_time(&filtered, "requests"), 3);
}

#[tokio::test]
async fn text_timestamps_as_postgresql_prints_them() {
    let create = "CREATE TABLE calls (at TEXT, model TEXT, tokens_in BIGINT, tokens_out BIGINT)";
    let layout = Layout {
        what: "timestamps as text",
        create: [create, create],
        inserts: vec![
            "INSERT INTO calls VALUES ('2026-11-17 10:00:00.123456+00', 'gpt-4o', 1, 0), \
             ('2026-11-17 15:30:00+0530', 'gpt-4o', 10, 0), ('2026-11-17 15:00:00+05', 'gpt-4o', 100, 0), \
             ('2026-11-17 05:00:00-05', 'gpt-4o', 1000, 0), ('2026-11-17T10:00:00Z', 'gpt-4o', 10000, 0), \
             ('soon', 'gpt-4o', 100000, 0)"
                .to_owned(),
        ],
        source: SourceConfig {
            table: Some("calls".to_owned()),
            timestamp: Some("at".to_owned()),
            input_tokens: Some("tokens_in".to_owned()),
            output_tokens: Some("tokens_out".to_owned()),
            cache_read_tokens: Some(String::new()),
            cache_write_tokens: Some(String::new()),
            user: Some(String::new()),
            endpoint: Some(String::new()),
            ..SourceConfig::default()
        },
        filter: Filter::default(),
    };
    let report = same_everywhere(&layout).await;
    assert_eq!(
        all_time(&report, "input_tokens"),
        11_111,
        "every readable form counts"
    );
    let days = report["series"]["daily"].to_string();
    let _ = days;
    assert!(
        notes(&report).contains("1 row with a timestamp that cannot be read"),
        "{}",
        notes(&report)
    );
    assert!(notes(&report).contains("soon"), "{}", notes(&report));
}

#[tokio::test]
async fn a_text_column_filled_from_now_text_keeps_its_rows() {
    // PostgreSQL's own `now()::text`, read back by both engines.
    let Some(admin) = server_url() else { return };
    let db = TestDb::create(&admin, "now_text").await;
    db.execute(
        "CREATE TABLE calls (at TEXT, model TEXT, tokens_in BIGINT, tokens_out BIGINT); \
         INSERT INTO calls SELECT (now() - make_interval(mins => n))::text, 'gpt-4o', 1, 0 \
         FROM generate_series(1, 50) AS n",
    )
    .await;
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
    let store = PgStore::connect_lazy(&db.url, mapping, Timeouts::default()).unwrap();
    let mut real = context();
    real.clock = Arc::new(usagetop::clock::SystemClock);
    let snapshot = compute_report(&store, &real, &Filter::default())
        .await
        .unwrap();
    assert_eq!(snapshot.report.summary.all_time.totals.usage.requests, 50);
    assert_eq!(snapshot.report.left_out, 0, "{:?}", snapshot.report.notes);
    db.drop_it().await;
}

#[tokio::test]
async fn one_millisecond_row_in_a_table_of_seconds() {
    let create = "CREATE TABLE calls (at BIGINT, model TEXT, tokens_in BIGINT, tokens_out BIGINT)";
    let mut values: Vec<String> = (0..6)
        .map(|index| format!("({}, 'gpt-4o', 100, 10)", at(index)))
        .collect();
    values.push(format!("({}, 'gpt-4o', 999, 999)", at(7) * 1000));
    let layout = Layout {
        what: "seconds with one millisecond row",
        create: [create, create],
        inserts: vec![format!("INSERT INTO calls VALUES {}", values.join(", "))],
        source: SourceConfig {
            table: Some("calls".to_owned()),
            timestamp: Some("at".to_owned()),
            input_tokens: Some("tokens_in".to_owned()),
            output_tokens: Some("tokens_out".to_owned()),
            cache_read_tokens: Some(String::new()),
            cache_write_tokens: Some(String::new()),
            user: Some(String::new()),
            endpoint: Some(String::new()),
            ..SourceConfig::default()
        },
        filter: Filter::default(),
    };
    let report = same_everywhere(&layout).await;
    assert_eq!(
        all_time(&report, "requests"),
        6,
        "the bulk of the rows decides the unit"
    );
    assert_eq!(report["first_event"], "2026-11-17T10:00:00Z");
    let notes = notes(&report);
    assert!(
        notes.contains("1 row with a timestamp") && notes.contains("milliseconds"),
        "{notes}"
    );
    assert!(
        notes.contains(&(at(7) * 1000).to_string()),
        "an example: {notes}"
    );
}

#[tokio::test]
async fn optional_preset_columns_an_older_schema_lacks() {
    // The native layout without cache_write_tokens: read as absent, with a note.
    let create = "CREATE TABLE usage_events (ts BIGINT, model TEXT, input_tokens BIGINT, \
                  output_tokens BIGINT, cache_read_tokens BIGINT, user_id TEXT)";
    let layout = Layout {
        what: "native without cache writes",
        create: [create, create],
        inserts: vec![format!(
            "INSERT INTO usage_events VALUES ({}, 'gpt-4o', 100, 10, 5, 'alice')",
            at(0)
        )],
        source: SourceConfig::default(),
        filter: Filter::default(),
    };
    let report = same_everywhere(&layout).await;
    assert_eq!(all_time(&report, "cache_read_tokens"), 5);
    let notes = notes(&report);
    assert!(
        notes.contains("no column \\\"cache_write_tokens\\\"")
            && notes.contains("read as absent")
            && notes.contains("\\\"endpoint\\\""),
        "{notes}"
    );
    // A column the config names itself must exist.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("named.db");
    sqlite_execute(&path, create).await;
    let named = Mapping::resolve(&SourceConfig {
        cache_write_tokens: Some("cache_write_tokens".to_owned()),
        ..SourceConfig::default()
    })
    .unwrap();
    let error = SqliteStore::open(&path, false, named).await.unwrap_err();
    assert!(
        matches!(&error, StoreError::Mapping { .. })
            && error.to_string().contains("cache_write_tokens"),
        "{error}"
    );
}

#[tokio::test]
async fn a_table_name_in_the_wrong_case_or_without_its_schema() {
    let Some(admin) = server_url() else { return };
    let db = TestDb::create(&admin, "table_case").await;
    db.execute(
        "CREATE SCHEMA \"Analytics\"; CREATE TABLE \"Analytics\".\"ApiCalls\" \
         (ts BIGINT, model TEXT, input_tokens BIGINT, output_tokens BIGINT)",
    )
    .await;
    for table in ["analytics.apicalls", "ApiCalls", "apicalls"] {
        let mapping = Mapping::resolve(&SourceConfig {
            table: Some(table.to_owned()),
            ..SourceConfig::default()
        })
        .unwrap();
        let store = PgStore::connect_lazy(&db.url, mapping, Timeouts::default()).unwrap();
        let error = store.prepare().await.unwrap_err().to_string();
        assert!(error.contains("\"Analytics.ApiCalls\""), "{table}: {error}");
    }
    db.drop_it().await;
}

/// LiteLLM's spend logs as real installations hold them: prompts that
/// exclude their cache writes (LiteLLM issue 9812), OpenAI rows with their
/// cached tokens in `prompt_tokens_details`, NULL spend, unreadable JSON
/// token values and costs, and NULL status from older versions.
#[tokio::test]
async fn litellm_spend_logs_as_they_really_are() {
    let pg_create = "CREATE TABLE \"LiteLLM_SpendLogs\" (request_id TEXT PRIMARY KEY, \
         \"startTime\" TIMESTAMP(3), model TEXT, prompt_tokens INTEGER, completion_tokens INTEGER, \
         spend DOUBLE PRECISION, \"user\" TEXT, call_type TEXT, status TEXT, metadata JSONB)";
    let lite_create = "CREATE TABLE \"LiteLLM_SpendLogs\" (request_id TEXT PRIMARY KEY, \
         \"startTime\" TEXT, model TEXT, prompt_tokens INTEGER, completion_tokens INTEGER, \
         spend REAL, \"user\" TEXT, call_type TEXT, status TEXT, metadata TEXT)";
    let row = |id: &str,
               minute: i64,
               model: &str,
               prompt: i64,
               spend: &str,
               status: &str,
               usage: &str| {
        format!(
            "('{id}', '2026-11-17 10:{minute:02}:00.000', '{model}', {prompt}, 10, {spend}, 'alice', \
             'acompletion', {status}, '{{\"usage_object\": {usage}}}')"
        )
    };
    let rows = [
        // An Anthropic row whose prompt counts its cache: 1000 - 300 - 100.
        row(
            "a",
            0,
            "claude-sonnet-4-5",
            1000,
            "0.01",
            "'success'",
            r#"{"cache_read_input_tokens": 300, "cache_creation_input_tokens": 100}"#,
        ),
        // A prompt that excludes its cache writes: 50 - 300 - 100 < 0, taken as 50.
        row(
            "b",
            1,
            "claude-sonnet-4-5",
            50,
            "0.02",
            "'success'",
            r#"{"cache_read_input_tokens": 300, "cache_creation_input_tokens": 100}"#,
        ),
        // OpenAI: cached tokens only in prompt_tokens_details.
        row(
            "c",
            2,
            "gpt-4o",
            2000,
            "0.03",
            "'success'",
            r#"{"prompt_tokens_details": {"cached_tokens": 1500}}"#,
        ),
        // No spend recorded: priced from tokens, an estimate.
        row("d", 3, "gpt-4o", 1000, "NULL", "NULL", r#"{}"#),
        // Unreadable token values: left out, counted, with an example.
        row(
            "e",
            4,
            "gpt-4o",
            1000,
            "0.05",
            "'success'",
            r#"{"cache_read_input_tokens": "n/a"}"#,
        ),
        row(
            "f",
            5,
            "gpt-4o",
            1000,
            "0.06",
            "'success'",
            r#"{"cache_creation_input_tokens": true}"#,
        ),
        // A cost far too large to be real: left out, counted.
        row("g", 6, "gpt-4o", 1000, "1e300", "'success'", r#"{}"#),
        // A failed request: the README's filter leaves it out, and keeps NULL status.
        row("h", 7, "gpt-4o", 1000, "0.07", "'failure'", r#"{}"#),
    ];
    let layout = Layout {
        what: "litellm spend logs",
        create: [pg_create, lite_create],
        inserts: vec![format!(
            "INSERT INTO \"LiteLLM_SpendLogs\" VALUES {}",
            rows.join(", ")
        )],
        source: SourceConfig {
            preset: Some(usagetop::store::mapping::Preset::Litellm),
            filter: Some("COALESCE(status, 'success') = 'success'".to_owned()),
            ..SourceConfig::default()
        },
        filter: Filter::default(),
    };
    let report = same_everywhere(&layout).await;
    assert_eq!(all_time(&report, "requests"), 4, "a, b, c, d");
    assert_eq!(
        all_time(&report, "input_tokens"),
        600 + 50 + 500 + 1000,
        "input less cache, never negative; OpenAI's cached tokens taken out"
    );
    assert_eq!(all_time(&report, "cache_read_tokens"), 300 + 300 + 1500);
    assert_eq!(all_time(&report, "cache_write_tokens"), 200);
    let notes = notes(&report);
    assert!(
        notes.contains("n/a") || notes.contains("true") || notes.contains("1e"),
        "an example: {notes}"
    );
    assert!(
        notes.contains("1 row whose prompt tokens exclude their cache tokens"),
        "{notes}"
    );
    assert!(notes.contains("1 row without a stored cost"), "{notes}");
    // Stored spend for a, b, c; d priced from its tokens and marked estimated.
    let estimated = report["summary"]["all_time"]["estimated_cost"]
        .as_str()
        .unwrap();
    assert_ne!(estimated, "0", "the NULL spend is an estimate");
    assert!(
        notes.contains("3 rows with a token count or cost that cannot be read"),
        "e, f, g: {notes}"
    );
}

/// A NaN cost (PostgreSQL can store one; SQLite stores NULL) is left out and counted.
#[tokio::test]
async fn not_a_number_costs_are_left_out_on_postgres() {
    let Some(admin) = server_url() else { return };
    let db = TestDb::create(&admin, "nan_cost").await;
    db.execute(
        "CREATE TABLE calls (at BIGINT, model TEXT, tokens_in BIGINT, tokens_out BIGINT, cost DOUBLE PRECISION); \
         INSERT INTO calls VALUES (1794909600, 'gpt-4o', 100, 10, 0.5), (1794909660, 'gpt-4o', 100, 10, 'NaN'), \
         (1794909720, 'gpt-4o', 100, 10, 'Infinity'), (1794909780, 'gpt-4o', 100, 10, '-1e300')",
    )
    .await;
    let mapping = Mapping::resolve(&SourceConfig {
        table: Some("calls".to_owned()),
        timestamp: Some("at".to_owned()),
        input_tokens: Some("tokens_in".to_owned()),
        output_tokens: Some("tokens_out".to_owned()),
        cost: Some("cost".to_owned()),
        cache_read_tokens: Some(String::new()),
        cache_write_tokens: Some(String::new()),
        user: Some(String::new()),
        endpoint: Some(String::new()),
        ..SourceConfig::default()
    })
    .unwrap();
    let store = PgStore::connect_lazy(&db.url, mapping, Timeouts::default()).unwrap();
    let report: Value = serde_json::from_str(&json_of(&store, &Filter::default()).await).unwrap();
    assert_eq!(all_time(&report, "requests"), 1);
    assert_eq!(report["summary"]["all_time"]["cost"], "0.5");
    let notes = notes(&report);
    assert!(
        notes.contains("3 rows with a token count or cost that cannot be read"),
        "{notes}"
    );
    db.drop_it().await;
}
