//! The PostgreSQL backend against the real server named by
//! `USAGETOP_TEST_PG_URL` (set by `.ci/run`). Every layout is loaded into
//! PostgreSQL and into SQLite, and the JSON reports must be identical.
//! Without the variable the tests say they were skipped, except under
//! `CI=true`, where a missing server is a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::postgres::PgConnectOptions;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AssertSqlSafe, Connection, PgConnection, SqliteConnection};
use usagetop::filter::Filter;
use usagetop::output;
use usagetop::period::{Calendar, WeekStart};
use usagetop::pipeline::{compute_report, ReportContext};
use usagetop::store::demo::{self, DemoEvent};
use usagetop::store::mapping::{Mapping, Preset, SourceConfig, TimestampFormat};
use usagetop::store::postgres::{write_demo, PgStore};
use usagetop::store::sqlite::SqliteStore;
use usagetop::store::{Timeouts, UsageStore};

use crate::support::pg;
use crate::support::reports::{
    assert_same_as_sqlite, context_at, instant, json_in, sqlite_execute,
};
use pg::{server_url, TestDb};

const NOW: &str = "2026-11-18T15:00:00Z";

fn now() -> DateTime<Utc> {
    instant(NOW)
}

fn context(zone: chrono_tz::Tz) -> ReportContext {
    context_at(now(), zone)
}

/// The mapping of the small `calls(at, model, tokens_in, tokens_out)` fixtures.
fn calls_source() -> SourceConfig {
    SourceConfig {
        table: Some("calls".to_owned()),
        timestamp: Some("at".to_owned()),
        input_tokens: Some("tokens_in".to_owned()),
        output_tokens: Some("tokens_out".to_owned()),
        cache_read_tokens: Some(String::new()),
        cache_write_tokens: Some(String::new()),
        user: Some(String::new()),
        endpoint: Some(String::new()),
        ..SourceConfig::default()
    }
}

fn mapping(config: SourceConfig) -> Mapping {
    Mapping::resolve(&config).unwrap()
}

/// Asserts two JSON reports are identical, showing the first lines that differ.
#[track_caller]
fn assert_same(pg: &str, sqlite: &str, what: &str) {
    assert_same_as_sqlite("PostgreSQL", pg, sqlite, what);
}

async fn json_of(store: &dyn UsageStore, zone: chrono_tz::Tz) -> String {
    json_in(store, &context(zone), &Filter::default()).await
}

fn events(days: u32) -> Vec<DemoEvent> {
    demo::generate(
        11,
        days,
        now(),
        &Calendar::new(chrono_tz::Europe::Berlin, WeekStart::Monday),
    )
}

/// Values rows for a multi-row INSERT, in chunks (the fixtures are small).
fn values<F: Fn(usize, &DemoEvent) -> String>(events: &[DemoEvent], row: F) -> Vec<String> {
    let rows: Vec<String> = events
        .iter()
        .enumerate()
        .map(|(index, event)| row(index, event))
        .collect();
    rows.chunks(500).map(|chunk| chunk.join(", ")).collect()
}

fn iso(ts: i64, millis: i64) -> String {
    DateTime::from_timestamp(ts, 0)
        .unwrap()
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
        + &format!(".{millis:03}")
}

#[tokio::test]
async fn native_layout_matches_sqlite_and_demo_refuses_foreign_tables() {
    let Some(admin) = server_url() else { return };
    let db = TestDb::create(&admin, "native").await;
    let events = events(60);
    assert_eq!(
        write_demo(&db.url, &events, false).await.unwrap(),
        events.len() as u64
    );
    let again = write_demo(&db.url, &events, false)
        .await
        .unwrap_err()
        .to_string();
    assert!(again.contains("--force"), "{again}");
    assert_eq!(
        write_demo(&db.url, &events, true).await.unwrap(),
        events.len() as u64
    );

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("native.db");
    demo::write(&path, &events, false).await.unwrap();

    for zone in [
        chrono_tz::Europe::Berlin,
        chrono_tz::America::New_York,
        chrono_tz::Asia::Kolkata,
    ] {
        let pg = PgStore::connect_lazy(&db.url, Mapping::default(), Timeouts::default()).unwrap();
        let lite = SqliteStore::open(&path, false, Mapping::default())
            .await
            .unwrap();
        let (pg_json, lite_json) = (json_of(&pg, zone).await, json_of(&lite, zone).await);
        assert!(pg_json.contains("\"requests\": "));
        assert_same(&pg_json, &lite_json, &format!("zone {zone}"));
    }

    // The same filter gives the same numbers on both engines.
    let filter = Filter {
        models: vec!["claude-*".to_owned(), "gpt-4o-mini".to_owned()],
        users: vec!["svc-*".to_owned()],
        ..Filter::default()
    };
    let pg = PgStore::connect_lazy(&db.url, Mapping::default(), Timeouts::default()).unwrap();
    let lite = SqliteStore::open(&path, false, Mapping::default())
        .await
        .unwrap();
    let context = context(chrono_tz::Europe::Berlin);
    let pg_json =
        output::json::render(&compute_report(&pg, &context, &filter).await.unwrap()).unwrap();
    let lite_json =
        output::json::render(&compute_report(&lite, &context, &filter).await.unwrap()).unwrap();
    assert_same(&pg_json, &lite_json, "filtered");
    let report: serde_json::Value = serde_json::from_str(&pg_json).unwrap();
    let expected = events
        .iter()
        .filter(|event| {
            (event.model.starts_with("claude-") || event.model == "gpt-4o-mini")
                && event.user_id.starts_with("svc-")
        })
        .count() as i64;
    assert_eq!(
        report["summary"]["all_time"]["requests"].as_i64().unwrap(),
        expected
    );
    assert!(expected > 0);

    // A usage_events table usagetop did not create is never written.
    let foreign = TestDb::create(&admin, "foreign").await;
    foreign
        .execute("CREATE TABLE usage_events (ts timestamptz, model text)")
        .await;
    let refused = write_demo(&foreign.url, &events, true)
        .await
        .unwrap_err()
        .to_string();
    assert!(refused.contains("did not create"), "{refused}");
    foreign.drop_it().await;
    db.drop_it().await;
}

#[tokio::test]
async fn custom_layout_with_quoted_names_and_milliseconds() {
    let Some(admin) = server_url() else { return };
    let db = TestDb::create(&admin, "custom").await;
    let events = events(45);
    let create = r#"CREATE TABLE "ApiCalls" ("Id" bigserial, "CreatedAtMs" bigint NOT NULL, "ModelName" text,
        "PromptTok" integer, "CompletionTok" integer, "CachedTok" integer, "Status" text)"#;
    db.execute(&format!(
        r#"CREATE SCHEMA "Analytics"; SET search_path TO "Analytics"; {create}"#
    ))
    .await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("custom.db");
    sqlite_execute(
        &path,
        create.replace("bigserial", "INTEGER PRIMARY KEY").as_str(),
    )
    .await;
    // OpenAI-style counts: prompt tokens include the cached ones; every 7th call failed.
    let rows = values(&events, |index, event| {
        let status = if index % 7 == 3 { "error" } else { "ok" };
        let model = if index % 50 == 0 {
            "NULL".to_owned()
        } else {
            format!("'{}'", event.model)
        };
        format!(
            "({}, {model}, {}, {}, {}, '{status}')",
            event.ts * 1000 + (index as i64 % 1000),
            event.input_tokens + event.cache_read_tokens + event.cache_write_tokens,
            event.output_tokens,
            event.cache_read_tokens + event.cache_write_tokens
        )
    });
    for chunk in &rows {
        let insert = format!(
            r#"INSERT INTO "ApiCalls" ("CreatedAtMs", "ModelName", "PromptTok", "CompletionTok", "CachedTok", "Status") VALUES {chunk}"#
        );
        db.execute(&format!(r#"SET search_path TO "Analytics"; {insert}"#))
            .await;
        sqlite_execute(&path, &insert).await;
    }
    let source = |table: &str| SourceConfig {
        table: Some(table.to_owned()),
        timestamp: Some("CreatedAtMs".to_owned()),
        model: Some("ModelName".to_owned()),
        input_tokens: Some("PromptTok".to_owned()),
        output_tokens: Some("CompletionTok".to_owned()),
        cache_read_tokens: Some("CachedTok".to_owned()),
        cache_write_tokens: Some(String::new()),
        input_includes_cache: Some(true),
        user: Some(String::new()),
        endpoint: Some(String::new()),
        filter: Some(r#""Status" = 'ok'"#.to_owned()),
        ..SourceConfig::default()
    };
    let pg = PgStore::connect_lazy(
        &db.url,
        mapping(source("Analytics.ApiCalls")),
        Timeouts::default(),
    )
    .unwrap();
    let lite = SqliteStore::open(&path, false, mapping(source("main.ApiCalls")))
        .await
        .unwrap();
    let pg_json = json_of(&pg, chrono_tz::Europe::Berlin).await;
    assert_same(
        &pg_json,
        &json_of(&lite, chrono_tz::Europe::Berlin).await,
        "Europe/Berlin",
    );
    assert!(
        pg_json.contains("(unknown)"),
        "NULL models are counted as (unknown)"
    );
    let report: serde_json::Value = serde_json::from_str(&pg_json).unwrap();
    let ok_calls = (0..events.len()).filter(|index| index % 7 != 3).count() as i64;
    assert_eq!(
        report["summary"]["all_time"]["requests"].as_i64().unwrap(),
        ok_calls,
        "the where filter applies"
    );
    let cached: i64 = events
        .iter()
        .enumerate()
        .filter(|(index, _)| index % 7 != 3)
        .map(|(_, event)| event.cache_read_tokens + event.cache_write_tokens)
        .sum();
    assert_eq!(
        report["summary"]["all_time"]["cache_read_tokens"]
            .as_i64()
            .unwrap(),
        cached
    );
    let uncached: i64 = events
        .iter()
        .enumerate()
        .filter(|(index, _)| index % 7 != 3)
        .map(|(_, event)| event.input_tokens)
        .sum();
    assert_eq!(
        report["summary"]["all_time"]["input_tokens"]
            .as_i64()
            .unwrap(),
        uncached,
        "cache is subtracted from input"
    );
    db.drop_it().await;
}

#[tokio::test]
async fn daily_rollup_with_requests_and_stored_cost() {
    let Some(admin) = server_url() else { return };
    let db = TestDb::create(&admin, "daily").await;
    db.execute(
        "CREATE TABLE daily_usage (day date NOT NULL, model text NOT NULL, calls bigint NOT NULL, \
         tokens_in bigint NOT NULL, tokens_out bigint NOT NULL, cost numeric(14, 6) NOT NULL)",
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("daily.db");
    sqlite_execute(
        &path,
        "CREATE TABLE daily_usage (day TEXT NOT NULL, model TEXT NOT NULL, calls INTEGER NOT NULL, \
         tokens_in INTEGER NOT NULL, tokens_out INTEGER NOT NULL, cost REAL NOT NULL)",
    )
    .await;
    let mut rows = Vec::new();
    for day in 0..70_i64 {
        let date = (now() - chrono::Duration::days(day)).format("%Y-%m-%d");
        for (index, model) in ["gpt-4o", "claude-sonnet-4-5"].iter().enumerate() {
            let calls = 100 + day * 3 + index as i64 * 17;
            rows.push(format!(
                "('{date}', '{model}', {calls}, {}, {}, {}.{:06})",
                calls * 900,
                calls * 210,
                calls / 10,
                (day * 7919 + index as i64 * 104_729) % 1_000_000
            ));
        }
    }
    let insert = format!("INSERT INTO daily_usage VALUES {}", rows.join(", "));
    db.execute(&insert).await;
    sqlite_execute(&path, &insert).await;
    let source = SourceConfig {
        table: Some("daily_usage".to_owned()),
        timestamp: Some("day".to_owned()),
        model: Some("model".to_owned()),
        input_tokens: Some("tokens_in".to_owned()),
        output_tokens: Some("tokens_out".to_owned()),
        cache_read_tokens: Some(String::new()),
        cache_write_tokens: Some(String::new()),
        requests: Some("calls".to_owned()),
        cost: Some("cost".to_owned()),
        user: Some(String::new()),
        endpoint: Some(String::new()),
        ..SourceConfig::default()
    };
    for zone in [chrono_tz::UTC, chrono_tz::America::Los_Angeles] {
        let pg =
            PgStore::connect_lazy(&db.url, mapping(source.clone()), Timeouts::default()).unwrap();
        let lite = SqliteStore::open(&path, false, mapping(source.clone()))
            .await
            .unwrap();
        let pg_json = json_of(&pg, zone).await;
        assert_same(
            &pg_json,
            &json_of(&lite, zone).await,
            &format!("zone {zone}"),
        );
        let report: serde_json::Value = serde_json::from_str(&pg_json).unwrap();
        let today = &report["trends"]["daily"][29];
        assert_eq!(
            today["start"], "2026-11-18",
            "daily sources are never shifted across days"
        );
        assert_eq!(today["requests"].as_i64().unwrap(), 100 + 117);
        // Stored cost, exactly: day 0 costs 10.000000 + 11.104729.
        assert_eq!(today["cost"], "21.104729");
        let notes = report["notes"].as_array().unwrap();
        assert_eq!(notes.is_empty(), zone == chrono_tz::UTC, "{notes:?}");
    }
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
    "status" TEXT)"#;

#[tokio::test]
async fn litellm_spend_logs_preset() {
    let Some(admin) = server_url() else { return };
    let db = TestDb::create(&admin, "litellm").await;
    db.execute(LITELLM_SPEND_LOGS).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("litellm.db");
    sqlite_execute(
        &path,
        &LITELLM_SPEND_LOGS
            .replace("JSONB", "TEXT")
            .replace("TIMESTAMP(3)", "TEXT")
            .replace("DOUBLE PRECISION", "REAL"),
    )
    .await;
    let events = events(40);
    let rows = values(&events, |index, event| {
        let prompt = event.input_tokens + event.cache_read_tokens + event.cache_write_tokens;
        let metadata = if index % 3 == 0 {
            "{}".to_owned()
        } else {
            format!(
                r#"{{"usage_object": {{"cache_read_input_tokens": {}, "cache_creation_input_tokens": {}}}}}"#,
                event.cache_read_tokens, event.cache_write_tokens
            )
        };
        // Every tenth spend ends in exactly half a nano-dollar (a rounding tie).
        let spend = (prompt * 3 + event.output_tokens * 15) as f64 / 1e6
            + if index % 10 == 0 {
                5e-10
            } else {
                1e-12 * index as f64
            };
        format!(
            "('req-{index}', 'acompletion', 'hash', {spend:e}, {}, {prompt}, {}, '{}', '{}', 'anthropic/{}', 'u{}', '{metadata}')",
            prompt + event.output_tokens,
            event.output_tokens,
            iso(event.ts, index as i64 % 1000),
            iso(event.ts + 2, 0),
            event.model,
            index % 4
        )
    });
    for chunk in &rows {
        let insert = format!(
            r#"INSERT INTO "LiteLLM_SpendLogs" ("request_id", "call_type", "api_key", "spend", "total_tokens", "prompt_tokens", "completion_tokens", "startTime", "endTime", "model", "user", "metadata") VALUES {chunk}"#
        );
        db.execute(&insert).await;
        sqlite_execute(&path, &insert).await;
    }
    let source = SourceConfig {
        preset: Some(Preset::Litellm),
        ..SourceConfig::default()
    };
    let pg = PgStore::connect_lazy(&db.url, mapping(source.clone()), Timeouts::default()).unwrap();
    let lite = SqliteStore::open(&path, false, mapping(source))
        .await
        .unwrap();
    let pg_json = json_of(&pg, chrono_tz::Europe::Berlin).await;
    assert_same(
        &pg_json,
        &json_of(&lite, chrono_tz::Europe::Berlin).await,
        "Europe/Berlin",
    );
    let report: serde_json::Value = serde_json::from_str(&pg_json).unwrap();
    assert_eq!(
        report["summary"]["all_time"]["requests"].as_i64().unwrap(),
        events.len() as i64
    );
    // Cache tokens come from metadata where present (two rows in three).
    let cache_read: i64 = events
        .iter()
        .enumerate()
        .filter(|(index, _)| index % 3 != 0)
        .map(|(_, event)| event.cache_read_tokens)
        .sum();
    assert_eq!(
        report["summary"]["all_time"]["cache_read_tokens"]
            .as_i64()
            .unwrap(),
        cache_read
    );
    assert_eq!(
        report["notes"].as_array().unwrap().len(),
        0,
        "per-request logs have real instants"
    );
    assert!(report["by_model"]["all_time"]
        .as_array()
        .unwrap()
        .iter()
        .all(|model| model["priced"] == true));
    db.drop_it().await;
}

const LITELLM_DAILY: &str = r#"CREATE TABLE "LiteLLM_DailyUserSpend" (
    "id" TEXT NOT NULL PRIMARY KEY, "user_id" TEXT, "date" TEXT NOT NULL, "api_key" TEXT NOT NULL,
    "model" TEXT, "model_group" TEXT, "custom_llm_provider" TEXT, "mcp_namespaced_tool_name" TEXT, "endpoint" TEXT,
    "prompt_tokens" BIGINT NOT NULL DEFAULT 0, "completion_tokens" BIGINT NOT NULL DEFAULT 0,
    "cache_read_input_tokens" BIGINT NOT NULL DEFAULT 0, "cache_creation_input_tokens" BIGINT NOT NULL DEFAULT 0,
    "spend" DOUBLE PRECISION NOT NULL DEFAULT 0.0, "api_requests" BIGINT NOT NULL DEFAULT 0,
    "successful_requests" BIGINT NOT NULL DEFAULT 0, "failed_requests" BIGINT NOT NULL DEFAULT 0,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP, "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP)"#;

#[tokio::test]
async fn litellm_daily_preset() {
    let Some(admin) = server_url() else { return };
    let db = TestDb::create(&admin, "litellm_daily").await;
    db.execute(LITELLM_DAILY).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("daily.db");
    sqlite_execute(
        &path,
        &LITELLM_DAILY
            .replace("TIMESTAMP(3)", "TEXT")
            .replace("DOUBLE PRECISION", "REAL")
            .replace("BIGINT", "INTEGER"),
    )
    .await;
    let mut rows = Vec::new();
    for day in 0..50_i64 {
        let date = (now() - chrono::Duration::days(day)).format("%Y-%m-%d");
        for (index, model) in ["gpt-4o", "claude-3-5-sonnet", "mystery-model"]
            .iter()
            .enumerate()
        {
            let requests = 20 + (day * 13 + index as i64 * 5) % 40;
            rows.push(format!(
                "('{day}-{index}', 'alice', '{date}', 'key', '{model}', '/chat/completions', {}, {}, {}, {}, {}, {requests})",
                requests * 1200,
                requests * 300,
                requests * 400,
                requests * 50,
                0.0123 * requests as f64 + 0.000_001 * day as f64
            ));
        }
    }
    let insert = format!(
        r#"INSERT INTO "LiteLLM_DailyUserSpend" ("id", "user_id", "date", "api_key", "model", "endpoint", "prompt_tokens", "completion_tokens", "cache_read_input_tokens", "cache_creation_input_tokens", "spend", "api_requests") VALUES {}"#,
        rows.join(", ")
    );
    db.execute(&insert).await;
    sqlite_execute(&path, &insert).await;
    let source = SourceConfig {
        preset: Some(Preset::LitellmDaily),
        ..SourceConfig::default()
    };
    for zone in [chrono_tz::UTC, chrono_tz::Asia::Tokyo] {
        let pg =
            PgStore::connect_lazy(&db.url, mapping(source.clone()), Timeouts::default()).unwrap();
        let lite = SqliteStore::open(&path, false, mapping(source.clone()))
            .await
            .unwrap();
        let pg_json = json_of(&pg, zone).await;
        assert_same(
            &pg_json,
            &json_of(&lite, zone).await,
            &format!("zone {zone}"),
        );
        let report: serde_json::Value = serde_json::from_str(&pg_json).unwrap();
        // The UTC day 2026-11-18 stays that day in every zone (in Tokyo it is yesterday).
        let today = report["trends"]["daily"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["start"] == "2026-11-18")
            .unwrap();
        assert_eq!(today["requests"].as_i64().unwrap(), 20 + 25 + 30);
        // prompt_tokens include cache reads and writes: 1200 - 400 - 50 per request.
        assert_eq!(
            today["input_tokens"].as_i64().unwrap(),
            750 * (20 + 25 + 30)
        );
        assert_eq!(
            report["notes"].as_array().unwrap().is_empty(),
            zone == chrono_tz::UTC
        );
    }
    db.drop_it().await;
}

#[tokio::test]
async fn bad_mappings_are_explained() {
    let Some(admin) = server_url() else { return };
    let db = TestDb::create(&admin, "bad").await;
    db.execute("CREATE TABLE calls (at timestamptz, model text, tokens_in bigint, tokens_out bigint, meta jsonb, n text)").await;
    let base = SourceConfig {
        table: Some("calls".to_owned()),
        timestamp: Some("at".to_owned()),
        input_tokens: Some("tokens_in".to_owned()),
        output_tokens: Some("tokens_out".to_owned()),
        cache_read_tokens: Some(String::new()),
        cache_write_tokens: Some(String::new()),
        user: Some(String::new()),
        endpoint: Some(String::new()),
        ..SourceConfig::default()
    };
    let cases: Vec<(SourceConfig, Vec<&str>)> = vec![
        (
            SourceConfig {
                table: Some("nope".to_owned()),
                ..base.clone()
            },
            vec!["no table nope"],
        ),
        (
            SourceConfig {
                output_tokens: Some("tokens_output".to_owned()),
                ..base.clone()
            },
            vec![
                "no column \"tokens_output\"",
                "output_tokens",
                "tokens_in (integer)",
                "meta (json)",
            ],
        ),
        (
            SourceConfig {
                model: Some("meta".to_owned()),
                ..base.clone()
            },
            vec!["\"meta\"", "json", "model", "text column"],
        ),
        (
            SourceConfig {
                input_tokens: Some("n".to_owned()),
                ..base.clone()
            },
            vec!["\"n\"", "text", "input_tokens", "numeric"],
        ),
        (
            SourceConfig {
                timestamp: Some("meta".to_owned()),
                ..base.clone()
            },
            vec!["\"meta\"", "timestamp", "ISO-8601"],
        ),
        (
            SourceConfig {
                timestamp_format: Some(TimestampFormat::UnixMs),
                ..base.clone()
            },
            vec!["\"at\"", "timestamptz", "UnixMs"],
        ),
    ];
    for (config, expected) in cases {
        let store = PgStore::connect_lazy(&db.url, mapping(config), Timeouts::default()).unwrap();
        let error = store.prepare().await.unwrap_err().to_string();
        for fragment in expected {
            assert!(
                error.contains(fragment),
                "{error:?} should contain {fragment:?}"
            );
        }
        assert!(!error.contains("password"), "{error}");
    }
    let bad_where = Mapping::resolve(&SourceConfig {
        filter: Some("1 = 1; DROP TABLE calls".to_owned()),
        ..base.clone()
    });
    assert!(bad_where.unwrap_err().to_string().contains("';'"));
    let comment = Mapping::resolve(&SourceConfig {
        filter: Some("1 = 1 -- x".to_owned()),
        ..base.clone()
    });
    assert!(comment.unwrap_err().to_string().contains("comment"));
    let json_key = Mapping::resolve(&SourceConfig {
        cache_read_tokens: Some("meta->a'b".to_owned()),
        ..base
    });
    assert!(json_key.unwrap_err().to_string().contains("JSON key"));
    db.drop_it().await;
}

#[tokio::test]
async fn sessions_are_read_only_and_time_limited() {
    let Some(admin) = server_url() else { return };
    let db = TestDb::create(&admin, "readonly").await;
    let events = events(3);
    write_demo(&db.url, &events, false).await.unwrap();
    db.execute("CREATE SEQUENCE s").await;
    // A predicate that writes (nextval) must fail inside the read-only session.
    let writing = SourceConfig {
        filter: Some("nextval('s') > 0".to_owned()),
        ..SourceConfig::default()
    };
    let store = PgStore::connect_lazy(&db.url, mapping(writing), Timeouts::default()).unwrap();
    let error = compute_report(&store, &context(chrono_tz::UTC), &Filter::default())
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("read-only transaction"), "{error}");

    let slow = SourceConfig {
        filter: Some("pg_sleep(0.5) IS NOT NULL".to_owned()),
        ..SourceConfig::default()
    };
    let timeouts = Timeouts {
        connect: Duration::from_secs(5),
        statement: Duration::from_millis(300),
    };
    let store = PgStore::connect_lazy(&db.url, mapping(slow), timeouts).unwrap();
    let error = compute_report(&store, &context(chrono_tz::UTC), &Filter::default())
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("statement timeout"), "{error}");
    db.drop_it().await;
}

#[tokio::test]
async fn recovers_after_its_connections_are_killed() {
    let Some(admin) = server_url() else { return };
    let db = TestDb::create(&admin, "recover").await;
    write_demo(&db.url, &events(5), false).await.unwrap();
    let store = PgStore::connect_lazy(&db.url, Mapping::default(), Timeouts::default()).unwrap();
    let first = json_of(&store, chrono_tz::UTC).await;
    let mut admin_conn = PgConnection::connect(&db.admin).await.unwrap();
    let (killed,): (i64,) = sqlx::query_as(
        "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = $1 AND application_name = 'usagetop'",
    )
    .bind(&db.name)
    .fetch_one(&mut admin_conn)
    .await
    .unwrap();
    admin_conn.close().await.unwrap();
    assert!(killed >= 1, "the store's connections were found and killed");
    let mut recovered = None;
    for _ in 0..5 {
        match compute_report(&store, &context(chrono_tz::UTC), &Filter::default()).await {
            Ok(report) => {
                recovered = Some(output::json::render(&report).unwrap());
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
    assert_eq!(
        recovered.as_deref(),
        Some(first.as_str()),
        "the same numbers after reconnecting"
    );
    db.drop_it().await;
}

#[tokio::test]
async fn unreachable_server_is_explained_without_the_password() {
    let store = PgStore::connect_lazy(
        "postgres://someone:s3cret-pw@127.0.0.1:9/nowhere",
        Mapping::default(),
        Timeouts {
            connect: Duration::from_secs(2),
            statement: Duration::from_secs(2),
        },
    )
    .unwrap();
    let error = compute_report(&store, &context(chrono_tz::UTC), &Filter::default())
        .await
        .unwrap_err()
        .to_string();
    assert!(!error.contains("s3cret-pw"), "{error}");
    assert!(
        error.contains("***") || error.contains("someone@"),
        "{error}"
    );
    assert!(
        error.contains("refused") || error.contains("reachable"),
        "{error}"
    );
    assert_eq!(
        store.describe(),
        "postgres://someone:***@127.0.0.1:9/nowhere"
    );
}

#[tokio::test]
async fn fractional_seconds_before_midnight_stay_on_their_day() {
    let Some(admin) = server_url() else { return };
    let db = TestDb::create(&admin, "fraction").await;
    let create = "CREATE TABLE calls (at TEXT NOT NULL, model TEXT NOT NULL, tokens_in BIGINT NOT NULL, tokens_out BIGINT NOT NULL)";
    // 22:59:59.700Z is 23:59:59.7 on the 17th in Berlin; 23:00:00Z is midnight of the 18th.
    let insert = "INSERT INTO calls VALUES ('2026-11-17 22:59:59.700', 'gpt-4o', 1, 0), ('2026-11-17 23:00:00.000', 'gpt-4o', 10, 0)";
    db.execute(&format!("{create}; {insert}")).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fraction.db");
    sqlite_execute(&path, &format!("{create}; {insert}")).await;
    let source = calls_source();
    let pg = PgStore::connect_lazy(&db.url, mapping(source.clone()), Timeouts::default()).unwrap();
    let lite = SqliteStore::open(&path, false, mapping(source))
        .await
        .unwrap();
    let pg_json = json_of(&pg, chrono_tz::Europe::Berlin).await;
    assert_same(
        &pg_json,
        &json_of(&lite, chrono_tz::Europe::Berlin).await,
        "fractional seconds",
    );
    let report: serde_json::Value = serde_json::from_str(&pg_json).unwrap();
    let day = |date: &str| {
        report["trends"]["daily"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["start"] == date)
            .unwrap()["input_tokens"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(day("2026-11-17"), 1);
    assert_eq!(day("2026-11-18"), 10);
    db.drop_it().await;
}

#[tokio::test]
async fn a_select_only_role_is_enough() {
    let Some(admin) = server_url() else { return };
    let db = TestDb::create(&admin, "selectonly").await;
    let events = events(10);
    write_demo(&db.url, &events, false).await.unwrap();
    let role = format!("usagetop_reader_{}", std::process::id());
    let mut conn = PgConnection::connect(&admin).await.unwrap();
    sqlx::raw_sql(AssertSqlSafe(format!(
        "DROP ROLE IF EXISTS {role}; CREATE ROLE {role} LOGIN"
    )))
    .execute(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();
    db.execute(&format!(
        "REVOKE ALL ON SCHEMA public FROM PUBLIC; GRANT USAGE ON SCHEMA public TO {role}; \
         GRANT SELECT ON usage_events TO {role}"
    ))
    .await;
    let options: PgConnectOptions = db.url.parse().unwrap();
    let reader_url = format!(
        "postgres://{role}@{}:{}/{}",
        options.get_host(),
        options.get_port(),
        db.name
    );
    let store =
        PgStore::connect_lazy(&reader_url, Mapping::default(), Timeouts::default()).unwrap();
    let report = compute_report(&store, &context(chrono_tz::UTC), &Filter::default())
        .await
        .unwrap();
    assert_eq!(
        report.summary.all_time.totals.usage.requests,
        events.len() as i64
    );
    // Writing needs rights the reader does not have, and fails cleanly.
    let refused = write_demo(&reader_url, &events, true)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        refused.contains("permission denied") || refused.contains("must be owner"),
        "{refused}"
    );
    drop(store);
    db.drop_it().await;
    let mut conn = PgConnection::connect(&admin).await.unwrap();
    sqlx::raw_sql(AssertSqlSafe(format!("DROP ROLE IF EXISTS {role}")))
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
}

#[tokio::test]
async fn unusable_rows_match_sqlite() {
    let Some(admin) = server_url() else { return };
    let db = TestDb::create(&admin, "unusable").await;
    let create =
        "CREATE TABLE calls (at BIGINT NOT NULL, model TEXT, tokens_in BIGINT, tokens_out BIGINT)";
    let insert =
        "INSERT INTO calls VALUES (1795000000, 'gpt-4o', 100, 10), (1795003600, NULL, NULL, 20), \
                  (1795007200, 'gpt-4o', -50, 10), (1924992000, 'gpt-4o', 1000, 1000)";
    db.execute(&format!("{create}; {insert}")).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("unusable.db");
    sqlite_execute(&path, &format!("{create}; {insert}")).await;
    let source = calls_source();
    let pg = PgStore::connect_lazy(&db.url, mapping(source.clone()), Timeouts::default()).unwrap();
    let lite = SqliteStore::open(&path, false, mapping(source))
        .await
        .unwrap();
    let pg_json = json_of(&pg, chrono_tz::UTC).await;
    assert_same(
        &pg_json,
        &json_of(&lite, chrono_tz::UTC).await,
        "unusable rows",
    );
    let report: serde_json::Value = serde_json::from_str(&pg_json).unwrap();
    assert_eq!(
        report["summary"]["all_time"]["requests"].as_i64().unwrap(),
        2
    );
    assert_eq!(
        report["summary"]["all_time"]["input_tokens"]
            .as_i64()
            .unwrap(),
        100
    );
    let notes = report["notes"].to_string();
    assert!(
        notes.contains("1 row with negative token counts left out"),
        "{notes}"
    );
    assert!(
        notes.contains("1 row dated more than a day after the clock")
            && notes.contains("2031-01-01"),
        "{notes}"
    );
    db.drop_it().await;
}

/// Text timestamps: PostgreSQL reads the forms SQLite reads, and counts the
/// rest as unreadable instead of failing the query on the first of them.
#[tokio::test]
async fn text_timestamps_are_read_like_sqlite_and_bad_ones_left_out() {
    let Some(admin) = server_url() else { return };
    let db = TestDb::create(&admin, "text_ts").await;
    let create = "CREATE TABLE calls (at TEXT, model TEXT, tokens_in BIGINT, tokens_out BIGINT)";
    let readable = [
        "2026-11-18T10:00:00Z",
        "2026-11-18T10:00:00z",
        "2026-11-18 10:00:00.999+05:30",
        "2026-11-18 09:15-08:00",
        "2026-11-18 10:00:00 ",
        "2026-11-17",
        "2026-11-17 24:00:00",
        "2026-02-30 12:00:00",
        "1969-12-31 23:59:59",
        "2026-11-18 14:59:59.5",
    ];
    let unreadable = [
        "2026-13-01",
        "2026-11-18 25:00",
        "2026-11-18 10:00:00 Europe/Berlin",
        "Nov 18 2026",
        "yesterday-ish",
    ];
    let values: Vec<String> = readable
        .iter()
        .chain(unreadable.iter())
        .enumerate()
        .map(|(index, at)| format!("('{at}', 'gpt-4o', {}, 10)", 100 + index))
        .collect();
    let insert = format!("INSERT INTO calls VALUES {}", values.join(", "));
    db.execute(&format!("{create}; {insert}")).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("text_ts.db");
    sqlite_execute(&path, &format!("{create}; {insert}")).await;
    let source = SourceConfig {
        timestamp_format: Some(TimestampFormat::Iso8601),
        ..calls_source()
    };
    let pg = PgStore::connect_lazy(&db.url, mapping(source.clone()), Timeouts::default()).unwrap();
    let lite = SqliteStore::open(&path, false, mapping(source))
        .await
        .unwrap();
    for zone in [chrono_tz::UTC, chrono_tz::Asia::Kolkata] {
        let pg_json = json_of(&pg, zone).await;
        assert_same(&pg_json, &json_of(&lite, zone).await, "text timestamps");
        let report: serde_json::Value = serde_json::from_str(&pg_json).unwrap();
        assert_eq!(
            report["summary"]["all_time"]["requests"].as_i64().unwrap(),
            // All but 09:15-08:00, which is 17:15 UTC: after "now".
            i64::try_from(readable.len() - 1).unwrap(),
            "every readable row up to now counts: {pg_json}"
        );
        let notes = report["notes"].to_string();
        assert!(
            notes.contains("5 rows with a timestamp that cannot be read")
                && notes.contains("2026-11-18 10:00:00 Europe/Berlin"),
            "{notes}"
        );
    }
    db.drop_it().await;
}

/// Text timestamps made from the accepted grammar and from near misses of
/// it (and some plain noise).
pub(crate) fn timestamp_text() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    let two = |low: u32, high: u32| (low..=high).prop_map(|n| format!("{n:02}"));
    let date = (
        prop_oneof![Just(1969_u32), Just(1970), 0..=9999_u32, 1900..=2100_u32],
        two(0, 13),
        two(0, 32),
    )
        .prop_map(|(y, m, d)| format!("{y:04}-{m}-{d}"));
    let separator = prop_oneof![
        Just(""),
        Just(" "),
        Just("T"),
        Just("  "),
        Just("t"),
        Just("_")
    ];
    let time = (
        two(0, 25),
        two(0, 60),
        proptest::option::of(two(0, 60)),
        prop_oneof![Just(""), Just(".5"), Just(".123456"), Just(".")],
    )
        .prop_map(|(h, m, s, f)| match s {
            Some(s) => format!("{h}:{m}:{s}{f}"),
            None => format!("{h}:{m}"),
        });
    let zone = prop_oneof![
        Just(String::new()),
        Just("Z".to_owned()),
        Just("z".to_owned()),
        Just(" Z".to_owned()),
        Just("UTC".to_owned()),
        (
            prop_oneof![Just('+'), Just('-')],
            two(0, 15),
            two(0, 60),
            prop_oneof![Just(":"), Just("")]
        )
            .prop_map(|(sign, h, m, colon)| format!("{sign}{h}{colon}{m}")),
    ];
    let tail = prop_oneof![Just(""), Just(" "), Just("x")];
    prop_oneof![
        6 => (date.clone(), separator, proptest::option::of(time), zone, tail)
            .prop_map(|(d, sep, t, z, tail)| format!("{d}{sep}{}{z}{tail}", t.unwrap_or_default())),
        1 => date,
        1 => "[ -~]{0,24}",
        1 => prop_oneof![Just("now".to_owned()), Just("2460000.5".to_owned()), Just("12:30".to_owned()), Just(String::new())],
    ]
}

/// Differential fuzzing of the text timestamp reader: 3,000 generated texts,
/// read by PostgreSQL's expression and by SQLite's, must give the same
/// second or both none.
#[tokio::test]
async fn text_timestamps_fuzzed_read_alike_on_both_engines() {
    use proptest::strategy::{Strategy, ValueTree};
    use usagetop::store::sql::text_time;
    let Some(admin) = server_url() else { return };
    let db = TestDb::create(&admin, "text_ts_fuzz").await;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = timestamp_text();
    let texts: Vec<String> = (0..3_000)
        .map(|_| strategy.new_tree(&mut runner).unwrap().current())
        .collect();
    let values: Vec<String> = texts
        .iter()
        .enumerate()
        .map(|(id, text)| format!("({id}, '{}')", text.replace('\'', "''")))
        .collect();
    let create = "CREATE TABLE texts (id BIGINT, at TEXT)";
    let inserts: Vec<String> = values
        .chunks(500)
        .map(|chunk| format!("INSERT INTO texts VALUES {}", chunk.join(", ")))
        .collect();
    db.execute(&format!("{create}; {}", inserts.join("; ")))
        .await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("texts.db");
    sqlite_execute(&path, &format!("{create}; {}", inserts.join("; "))).await;

    let mut pg = PgConnection::connect(&db.url).await.unwrap();
    let pg_rows: Vec<(i64, Option<i64>)> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT id, {} FROM texts ORDER BY id",
        text_time::iso_seconds("at")
    )))
    .fetch_all(&mut pg)
    .await
    .unwrap();
    pg.close().await.unwrap();
    let mut lite = SqliteConnection::connect_with(&SqliteConnectOptions::new().filename(&path))
        .await
        .unwrap();
    let lite_rows: Vec<(i64, Option<i64>)> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT id, {} FROM texts ORDER BY id",
        text_time::sqlite_seconds("at")
    )))
    .fetch_all(&mut lite)
    .await
    .unwrap();
    lite.close().await.unwrap();

    assert_eq!(pg_rows.len(), texts.len());
    let differ: Vec<String> = pg_rows
        .iter()
        .zip(&lite_rows)
        .filter(|(a, b)| a != b)
        .take(10)
        .map(|((id, pg), (_, lite))| {
            format!(
                "{:?}: postgres {pg:?}, sqlite {lite:?}",
                texts[usize::try_from(*id).unwrap()]
            )
        })
        .collect();
    assert!(
        differ.is_empty(),
        "the engines disagree:\n{}",
        differ.join("\n")
    );
    let readable = pg_rows.iter().filter(|(_, s)| s.is_some()).count();
    assert!(
        readable > 500 && readable < 2_800,
        "the grammar should give both readable and unreadable texts: {readable} readable"
    );
    db.drop_it().await;
}

/// Token sums past 2^63 (five rows of 2^62 - 1 input tokens): exact on both
/// engines, directly and through the rollup cache, which leaves such sums
/// to the source and says so.
#[tokio::test]
async fn token_sums_past_2_63_are_exact_on_both_engines() {
    use usagetop::cache::{CacheOptions, CachedStore};
    let Some(admin) = server_url() else { return };
    let db = TestDb::create(&admin, "huge_sums").await;
    let create =
        "CREATE TABLE calls (at BIGINT NOT NULL, model TEXT, tokens_in BIGINT, tokens_out BIGINT)";
    let big = i64::MAX / 2;
    // Three in one quarter hour of the day before (a sum no 64-bit slot of
    // the cache holds), two today in different hours.
    let times = [
        1_794_900_600,
        1_794_900_660,
        1_794_900_720,
        1_794_990_000,
        1_794_999_000,
    ];
    let values: Vec<String> = times
        .iter()
        .enumerate()
        .map(|(i, at)| format!("({at}, 'gpt-4o', {big}, {})", i + 1))
        .chain(std::iter::once(
            "(1795010000, 'gpt-4o-mini', 10, 1)".to_owned(),
        ))
        .collect();
    let insert = format!("INSERT INTO calls VALUES {}", values.join(", "));
    db.execute(&format!("{create}; {insert}")).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.db");
    sqlite_execute(&path, &format!("{create}; {insert}")).await;
    let source = calls_source();
    let pg = PgStore::connect_lazy(&db.url, mapping(source.clone()), Timeouts::default()).unwrap();
    let lite = SqliteStore::open(&path, false, mapping(source.clone()))
        .await
        .unwrap();
    let pg_json = json_of(&pg, chrono_tz::UTC).await;
    assert_same(
        &pg_json,
        &json_of(&lite, chrono_tz::UTC).await,
        "sums past 2^63",
    );
    let expected = (i128::from(big) * 5).to_string();
    assert!(
        pg_json.contains(&format!("\"input_tokens\": {expected}")),
        "the exact sum {expected}: {pg_json}"
    );
    assert!(pg_json.contains(&format!("\"input_tokens\": {}", i128::from(big) * 5 + 10)));

    // Through the cache: the same report but for a note that the source answered.
    let cache_dir = tempfile::tempdir().unwrap();
    let options = CacheOptions {
        enabled: true,
        dir: cache_dir.path().to_path_buf(),
        late_seconds: 7_200,
        verify: false,
    };
    let pg_cached = CachedStore::open(
        Box::new(
            PgStore::connect_lazy(&db.url, mapping(source.clone()), Timeouts::default()).unwrap(),
        ),
        &options,
    )
    .await;
    let lite_cached = CachedStore::open(
        Box::new(
            SqliteStore::open(&path, false, mapping(source))
                .await
                .unwrap(),
        ),
        &options,
    )
    .await;
    for cached in [&pg_cached, &lite_cached] {
        let _ = cached.refresh_cache(now().timestamp(), &|_| {}).await;
        let json = json_of(cached, chrono_tz::UTC).await;
        assert!(
            json.contains("the cache is not used") && json.contains("2^63"),
            "{json}"
        );
        let mut from_cache: serde_json::Value = serde_json::from_str(&json).unwrap();
        let mut direct: serde_json::Value = serde_json::from_str(&pg_json).unwrap();
        from_cache["notes"] = serde_json::Value::Null;
        direct["notes"] = serde_json::Value::Null;
        assert_eq!(from_cache, direct);
    }
    db.drop_it().await;
}

/// Instants before 1970, milliseconds mapped as seconds, and 100,000
/// distinct models: PostgreSQL's reports equal SQLite's.
#[tokio::test]
async fn old_instants_milliseconds_and_many_models_match_sqlite() {
    let Some(admin) = server_url() else { return };
    let db = TestDb::create(&admin, "odd_data").await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("odd.db");
    let create =
        "CREATE TABLE calls (at BIGINT NOT NULL, model TEXT, tokens_in BIGINT, tokens_out BIGINT)";
    // 1969-12-31T23:30Z, 1970-01-01T00:30Z, and one row of this week.
    let insert = "INSERT INTO calls VALUES (-1800, 'gpt-4o', 1, 0), (1800, 'gpt-4o', 10, 0), \
                  (1795000000, 'gpt-4o', 100, 0)";
    db.execute(&format!("{create}; {insert}")).await;
    sqlite_execute(&path, &format!("{create}; {insert}")).await;
    let pg = PgStore::connect_lazy(&db.url, mapping(calls_source()), Timeouts::default()).unwrap();
    let lite = SqliteStore::open(&path, false, mapping(calls_source()))
        .await
        .unwrap();
    for zone in [chrono_tz::UTC, chrono_tz::Europe::Berlin] {
        let pg_json = json_of(&pg, zone).await;
        assert_same(&pg_json, &json_of(&lite, zone).await, "before 1970");
        let report: serde_json::Value = serde_json::from_str(&pg_json).unwrap();
        assert_eq!(
            report["summary"]["all_time"]["input_tokens"]
                .as_i64()
                .unwrap(),
            111
        );
    }

    // Milliseconds where the mapping says seconds: explained, not misplaced.
    let millis = "CREATE TABLE calls_ms (at BIGINT NOT NULL, model TEXT, tokens_in BIGINT, tokens_out BIGINT); \
                  INSERT INTO calls_ms VALUES (1795000000000, 'gpt-4o', 5, 5)";
    db.execute(millis).await;
    sqlite_execute(&path, millis).await;
    let forced = SourceConfig {
        table: Some("calls_ms".to_owned()),
        timestamp_format: Some(TimestampFormat::UnixS),
        ..calls_source()
    };
    let pg = PgStore::connect_lazy(&db.url, mapping(forced.clone()), Timeouts::default()).unwrap();
    let lite = SqliteStore::open(&path, false, mapping(forced))
        .await
        .unwrap();
    let pg_json = json_of(&pg, chrono_tz::UTC).await;
    assert_same(
        &pg_json,
        &json_of(&lite, chrono_tz::UTC).await,
        "milliseconds",
    );
    assert!(pg_json.contains("look like milliseconds"), "{pg_json}");

    // 100,000 distinct models.
    db.execute(
        "CREATE TABLE many (at BIGINT NOT NULL, model TEXT, tokens_in BIGINT, tokens_out BIGINT); \
         INSERT INTO many SELECT 1795000000 - (g % 2000) * 3600, 'model-' || lpad(g::text, 6, '0'), \
         100 + g % 1000, 10 FROM generate_series(0, 99999) AS g",
    )
    .await;
    sqlite_execute(
        &path,
        "CREATE TABLE many (at INTEGER NOT NULL, model TEXT, tokens_in INTEGER, tokens_out INTEGER); \
         WITH RECURSIVE n(g) AS (SELECT 0 UNION ALL SELECT g + 1 FROM n LIMIT 100000) \
         INSERT INTO many SELECT 1795000000 - (g % 2000) * 3600, 'model-' || printf('%06d', g), \
         100 + g % 1000, 10 FROM n",
    )
    .await;
    let many = SourceConfig {
        table: Some("many".to_owned()),
        ..calls_source()
    };
    let pg = PgStore::connect_lazy(&db.url, mapping(many.clone()), Timeouts::default()).unwrap();
    let lite = SqliteStore::open(&path, false, mapping(many))
        .await
        .unwrap();
    let pg_json = json_of(&pg, chrono_tz::UTC).await;
    assert_same(
        &pg_json,
        &json_of(&lite, chrono_tz::UTC).await,
        "100,000 models",
    );
    let report: serde_json::Value = serde_json::from_str(&pg_json).unwrap();
    assert_eq!(
        report["summary"]["all_time"]["requests"].as_i64().unwrap(),
        100_000
    );
    db.drop_it().await;
}

/// Model names with terminal control sequences, newlines and 10 kB of text
/// read from PostgreSQL: the same report as from SQLite (JSON escapes every
/// control character), and the text report writes none of them.
#[tokio::test]
async fn hostile_names_from_postgres_are_inert() {
    let Some(admin) = server_url() else { return };
    let db = TestDb::create(&admin, "hostile").await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hostile.db");
    let names = [
        "evil\u{1b}]52;c;aGVsbG8=\u{7}".to_owned(),
        "csi\u{1b}[2J\u{1b}[31mred".to_owned(),
        "c1\u{9b}31mcsi".to_owned(),
        "bs\u{8}\u{8}over".to_owned(),
        "rtl\u{202e}txet".to_owned(),
        "multi\nline\r\nname".to_owned(),
        format!("{}END", "A".repeat(10_000)),
    ];
    let create =
        "CREATE TABLE calls (at BIGINT NOT NULL, model TEXT, tokens_in BIGINT, tokens_out BIGINT)";
    db.execute(create).await;
    sqlite_execute(&path, create).await;
    let mut pg_conn = PgConnection::connect(&db.url).await.unwrap();
    let mut lite_conn =
        SqliteConnection::connect_with(&SqliteConnectOptions::new().filename(&path))
            .await
            .unwrap();
    for (index, name) in names.iter().enumerate() {
        let at = 1_795_000_000 + i64::try_from(index).unwrap() * 60;
        let tokens = 1_000 * (i64::try_from(index).unwrap() + 1);
        sqlx::query("INSERT INTO calls VALUES ($1, $2, $3, 1)")
            .bind(at)
            .bind(name)
            .bind(tokens)
            .execute(&mut pg_conn)
            .await
            .unwrap();
        sqlx::query("INSERT INTO calls VALUES (?, ?, ?, 1)")
            .bind(at)
            .bind(name)
            .bind(tokens)
            .execute(&mut lite_conn)
            .await
            .unwrap();
    }
    pg_conn.close().await.unwrap();
    lite_conn.close().await.unwrap();
    let pg = PgStore::connect_lazy(&db.url, mapping(calls_source()), Timeouts::default()).unwrap();
    let lite = SqliteStore::open(&path, false, mapping(calls_source()))
        .await
        .unwrap();
    let pg_json = json_of(&pg, chrono_tz::UTC).await;
    assert_same(
        &pg_json,
        &json_of(&lite, chrono_tz::UTC).await,
        "hostile names",
    );
    assert!(
        !pg_json.chars().any(|c| c.is_control() && c != '\n'),
        "JSON escapes controls"
    );
    let report = compute_report(&pg, &context(chrono_tz::UTC), &Filter::default())
        .await
        .unwrap();
    let text = output::text::render(
        &report,
        usagetop::analytics::trend::View::Daily,
        "postgres://test",
        120,
    );
    assert!(
        !text
            .chars()
            .any(|c| (c.is_control() && c != '\n') || c == '\u{202e}'),
        "the text report wrote a control character"
    );
    assert!(text.contains("evil?]52;c;"), "{text}");
    assert!(!text.contains(&"A".repeat(200)), "the long name is cut");
    db.drop_it().await;
}

/// Binds a builder's statement to a plain query.
fn bound(
    statement: &usagetop::store::sql::Statement,
    prefix: &str,
) -> sqlx::query::Query<'static, sqlx::Postgres, sqlx::postgres::PgArguments> {
    use usagetop::store::sql::Bind;
    let mut query = sqlx::query(AssertSqlSafe(format!("{prefix}{}", statement.sql)));
    for bind in &statement.binds {
        query = match bind {
            Bind::Int(value) => query.bind(*value),
            Bind::Text(value) => query.bind(value.clone()),
        };
    }
    query
}

/// The bounds of the years counted (1900 to 2199) must fold to constants: a
/// text cast to `timestamptz` depends on the session's zone, so PostgreSQL
/// would evaluate it again for every row (it doubled the cold build's time).
#[tokio::test]
async fn timestamp_bounds_are_constants_in_the_plan() {
    use sqlx::Row;
    use usagetop::store::mapping::{self, ColumnKind};
    use usagetop::store::sql::{Dialect, Scan, SqlBuilder};
    let Some(admin) = server_url() else { return };
    let db = TestDb::create(&admin, "bounds").await;
    let mut conn = PgConnection::connect(&db.url).await.unwrap();
    for (kind, column) in [
        ("timestamptz", ColumnKind::TimestampTz),
        ("timestamp", ColumnKind::Timestamp),
        ("date", ColumnKind::Date),
    ] {
        let table = format!("calls_{kind}");
        sqlx::raw_sql(AssertSqlSafe(format!(
            "CREATE TABLE {table} (at {kind}, model text, tokens_in bigint, tokens_out bigint)"
        )))
        .execute(&mut conn)
        .await
        .unwrap();
        let config = SourceConfig {
            table: Some(table.clone()),
            ..calls_source()
        };
        let columns = [
            ("at", column.clone()),
            ("model", ColumnKind::Text),
            ("tokens_in", ColumnKind::Integer),
            ("tokens_out", ColumnKind::Integer),
        ]
        .map(|(name, kind)| (name.to_owned(), kind))
        .to_vec();
        let builder = SqlBuilder::new(
            Dialect::Postgres,
            mapping::check(&mapping(config), &columns).unwrap(),
        );
        let calendar = Calendar::new(chrono_tz::America::New_York, WeekStart::Monday);
        let range = usagetop::store::SecondsRange {
            start: 1_790_000_000,
            end: 1_795_000_000,
        };
        let chunk = Scan::Physical {
            start: 0,
            end: 1024,
        };
        let mut statements = vec![builder.rollup_optimistic(chunk)];
        statements.extend(builder.rollup(chunk));
        // A date column's range is bound as text: a table of days, where a
        // cast per row does not matter.
        if column != ColumnKind::Date {
            statements.push(builder.day_model(range, &calendar, &Filter::default()));
            statements.extend(builder.rollup(Scan::Since(1_790_000_000)));
        }
        for statement in &statements {
            let plan: Vec<String> = bound(statement, "EXPLAIN (VERBOSE) ")
                .fetch_all(&mut conn)
                .await
                .unwrap()
                .iter()
                .map(|row| row.get::<String, _>(0))
                .collect();
            let plan = plan.join("\n");
            assert!(
                !plan.contains("cstring") && !plan.contains("::text)::timestamp"),
                "{kind}: a timestamp bound is evaluated per row:\n{plan}"
            );
        }
    }
    conn.close().await.unwrap();
    db.drop_it().await;
}
