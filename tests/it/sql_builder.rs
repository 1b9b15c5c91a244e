//! The SQL builder: identifiers are always quoted (so mixed case works and no
//! name can inject SQL), values are placeholders, and each preset reads the
//! columns it documents.
#![allow(clippy::unwrap_used)]

use usagetop::filter::{glob_match, to_like, to_sqlite_glob, Filter};
use usagetop::period::{Calendar, WeekStart};
use usagetop::store::mapping::{self, ColumnKind, Mapping, Preset, SourceConfig};
use usagetop::store::sql::{quote_ident, Bind, Dialect, SqlBuilder};
use usagetop::store::SecondsRange;

fn columns(names: &[(&str, ColumnKind)]) -> Vec<(String, ColumnKind)> {
    names
        .iter()
        .map(|(name, kind)| ((*name).to_owned(), kind.clone()))
        .collect()
}

fn builder(preset: Preset, dialect: Dialect, cols: &[(&str, ColumnKind)]) -> SqlBuilder {
    let mapping = Mapping::resolve(&SourceConfig {
        preset: Some(preset),
        ..SourceConfig::default()
    })
    .unwrap();
    SqlBuilder::new(dialect, mapping::check(&mapping, &columns(cols)).unwrap())
}

const RANGE: SecondsRange = SecondsRange {
    start: 1_790_000_000,
    end: 1_795_000_000,
};

#[test]
fn identifiers_are_quoted_and_cannot_escape() {
    assert_eq!(quote_ident("startTime"), "\"startTime\"");
    assert_eq!(
        quote_ident("a\"; DROP TABLE x; --"),
        "\"a\"\"; DROP TABLE x; --\""
    );
}

#[test]
fn litellm_preset_on_postgres() {
    use ColumnKind::{Fractional, Integer, Json, Text, Timestamp};
    let built = builder(
        Preset::Litellm,
        Dialect::Postgres,
        &[
            ("startTime", Timestamp),
            ("model", Text),
            ("prompt_tokens", Integer),
            ("completion_tokens", Integer),
            ("spend", Fractional),
            ("user", Text),
            ("call_type", Text),
            ("metadata", Json),
        ],
    );
    let calendar = Calendar::new(chrono_tz::Europe::Berlin, WeekStart::Monday);
    let statement = built.day_model(RANGE, &calendar, &Filter::default());
    println!(
        "-- litellm, PostgreSQL, usage per day and model:\n{}\n",
        statement.sql
    );
    for fragment in [
        "FROM \"LiteLLM_SpendLogs\"",
        "((\"startTime\" AT TIME ZONE 'UTC') AT TIME ZONE 'Europe/Berlin')::date",
        "\"metadata\"::jsonb #> '{usage_object,cache_read_input_tokens}'",
        // OpenAI rows keep their cached tokens in prompt_tokens_details.
        "\"metadata\"::jsonb #> '{usage_object,prompt_tokens_details,cached_tokens}'",
        // Input less cache is never negative: a prompt that excluded its cache is taken as it is.
        "< 0 THEN COALESCE(\"prompt_tokens\", 0) ELSE",
        // A NULL spend is priced from tokens, marked estimated.
        "CASE WHEN \"spend\" IS NULL THEN 1 ELSE 0 END",
        "FLOOR((CASE WHEN abs(\"spend\") < 9.2e9 THEN \"spend\" END * 1000000000) + 0.5)",
        "\"startTime\" >= (to_timestamp($1) AT TIME ZONE 'UTC')",
        "GROUP BY 1, 2, 3",
    ] {
        assert!(
            statement.sql.contains(fragment),
            "{fragment} in {}",
            statement.sql
        );
    }
    assert_eq!(
        statement.binds,
        vec![Bind::Int(RANGE.start), Bind::Int(RANGE.end)]
    );
}

#[test]
fn litellm_daily_preset_keeps_utc_days() {
    use ColumnKind::{Fractional, Integer, Text};
    let cols = [
        ("date", Text),
        ("model", Text),
        ("prompt_tokens", Integer),
        ("completion_tokens", Integer),
        ("cache_read_input_tokens", Integer),
        ("cache_creation_input_tokens", Integer),
        ("spend", Fractional),
        ("api_requests", Integer),
        ("user_id", Text),
        ("endpoint", Text),
    ];
    let mapping = Mapping::resolve(&SourceConfig {
        preset: Some(Preset::LitellmDaily),
        ..SourceConfig::default()
    })
    .unwrap();
    let mut checked = mapping::check(&mapping, &columns(&cols)).unwrap();
    // The store settles ISO text to a date after sampling a value; the day
    // is read from the text by arithmetic (no cast that could fail).
    checked.time = mapping::TimeKind::DateText;
    let built = SqlBuilder::new(Dialect::Postgres, checked);
    let calendar = Calendar::new(chrono_tz::Asia::Tokyo, WeekStart::Monday);
    let statement = built.day_model(RANGE, &calendar, &Filter::default());
    println!(
        "-- litellm-daily, PostgreSQL, usage per day and model:\n{}\n",
        statement.sql
    );
    assert!(
        statement
            .sql
            .contains("regexp_match((\"date\")::text, '^([0-9]{4})-"),
        "{}",
        statement.sql
    );
    assert!(
        !statement.sql.contains("Asia/Tokyo"),
        "UTC days are never re-bucketed: {}",
        statement.sql
    );
    assert!(
        statement.sql.contains("SUM(COALESCE(\"api_requests\", 0))"),
        "{}",
        statement.sql
    );
    assert!(matches!(&statement.binds[..], [Bind::Text(first), Bind::Text(last)] if first < last));
}

#[test]
fn native_layout_on_sqlite_uses_offsets_across_dst() {
    use ColumnKind::{Integer, Text};
    let mut checked = mapping::check(
        &Mapping::default(),
        &columns(&[
            ("ts", Integer),
            ("model", Text),
            ("input_tokens", Integer),
            ("output_tokens", Integer),
            ("cache_read_tokens", Integer),
            ("cache_write_tokens", Integer),
            ("user_id", Text),
            ("endpoint", Text),
        ]),
    )
    .unwrap();
    checked.time = mapping::TimeKind::UnixSeconds;
    let built = SqlBuilder::new(Dialect::Sqlite, checked);
    let calendar = Calendar::new(chrono_tz::Europe::Berlin, WeekStart::Monday);
    let statement = built.day_model(RANGE, &calendar, &Filter::default());
    println!(
        "-- native, SQLite, usage per day and model:\n{}\n",
        statement.sql
    );
    // RANGE spans the end of summer time 2026 (2026-10-25T01:00Z = 1792890000).
    assert!(
        statement
            .sql
            .contains(" < 1792890000 THEN 7200 ELSE 3600 END"),
        "{}",
        statement.sql
    );
    assert!(
        statement.sql.contains("\"ts\" >= ? AND \"ts\" < ?"),
        "{}",
        statement.sql
    );
}

#[test]
fn filters_must_be_one_expression() {
    for good in [
        "status = 'success'",
        "\"Status\" IN ('ok', 'cached')",
        "(a = 1 OR b = ';')",
    ] {
        assert!(mapping::check_filter(good).is_ok(), "{good}");
    }
    for bad in [
        "1=1; DELETE FROM t",
        "a = 1 -- x",
        "a = 1 /* x */",
        "a = 'open",
        "(a = 1",
        "a = 1)",
    ] {
        assert!(mapping::check_filter(bad).is_err(), "{bad}");
    }
}

#[test]
fn globs_match_like_the_databases_do() {
    assert!(glob_match("gpt-4*", "gpt-4o-mini"));
    assert!(glob_match("gpt-4*", "gpt-4"));
    assert!(!glob_match("gpt-4*", "gpt-3.5-turbo"));
    assert!(glob_match("claude-?-opus*", "claude-3-opus-20240229"));
    assert!(!glob_match("claude-?-opus", "claude-35-opus"));
    assert!(glob_match("*sonnet*", "anthropic/claude-sonnet-4-5"));
    assert!(glob_match("a_b%c", "a_b%c"), "only * and ? are special");
    assert_eq!(to_like("a_b%c*?"), "a\\_b\\%c%_");
    assert_eq!(to_sqlite_glob("x[1]*"), "x[[]1]*");
}

#[test]
fn filters_become_bound_conditions() {
    use ColumnKind::{Integer, Text, TimestampTz};
    let mapping = Mapping::default();
    let checked = mapping::check(
        &mapping,
        &columns(&[
            ("ts", TimestampTz),
            ("model", Text),
            ("input_tokens", Integer),
            ("output_tokens", Integer),
            ("cache_read_tokens", Integer),
            ("cache_write_tokens", Integer),
            ("user_id", Text),
            ("endpoint", Text),
        ]),
    )
    .unwrap();
    let filter = Filter {
        models: vec!["gpt-4*".to_owned(), "o1".to_owned()],
        users: vec!["al'ice".to_owned()],
        ..Filter::default()
    };
    let calendar = Calendar::new(chrono_tz::UTC, WeekStart::Monday);
    let pg =
        SqlBuilder::new(Dialect::Postgres, checked.clone()).model_totals(RANGE, &calendar, &filter);
    let model = "COALESCE(NULLIF(TRIM((\"model\")::text), ''), '(unknown)')";
    assert!(
        pg.sql.contains(&format!(
            "AND ({model} ILIKE $3 OR {model} ILIKE $4) AND ((\"user_id\")::text ILIKE $5)"
        )),
        "{}",
        pg.sql
    );
    assert!(
        !pg.sql.contains("al'ice"),
        "values are bound, never inlined"
    );
    assert_eq!(
        pg.binds[2..],
        [
            Bind::Text("gpt-4%".to_owned()),
            Bind::Text("o1".to_owned()),
            Bind::Text("al'ice".to_owned())
        ]
    );
    let lite = SqlBuilder::new(Dialect::Sqlite, checked).model_totals(RANGE, &calendar, &filter);
    let model = "COALESCE(NULLIF(TRIM(CAST(\"model\" AS TEXT)), ''), '(unknown)')";
    assert!(
        lite.sql
            .contains(&format!("(lower({model}) GLOB ? OR lower({model}) GLOB ?)")),
        "{}",
        lite.sql
    );
    assert_eq!(lite.binds.len(), 5);
}
