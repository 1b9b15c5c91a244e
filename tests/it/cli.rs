//! The `usagetop` binary end to end (no terminal): the JSON and text reports
//! of a hand-made fixture database checked field by field against numbers
//! computed here, the error messages of bad settings and bad databases, the
//! demo writer's refusal rules and determinism, read-only use of foreign
//! SQLite files, and `--help`.
//!
//! Every run gets a fresh HOME / XDG directories and no `USAGETOP_*`
//! variables, so nothing touches the real user's files or settings.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::str::FromStr;
use std::time::{Duration, SystemTime};

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc, Weekday};
use rust_decimal::Decimal;
use serde_json::Value;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
use sqlx::{Connection, SqliteConnection};

use crate::support::sandbox::{assert_clean_failure, url_of, Sandbox};

// ---------------------------------------------------------------------------
// The fixture and its expected numbers, computed here by hand.
// ---------------------------------------------------------------------------

/// The pinned clock: Wednesday 18 Nov 2026, 16:00 in Berlin (UTC+1).
const NOW: &str = "2026-11-18T15:00:00Z";

const SONNET: &str = "claude-3-5-sonnet-20241022";
const MINI: &str = "gpt-4o-mini";
const GPT4O: &str = "gpt-4o";
const UNKNOWN: &str = "mystery-model-x";

/// One usage event of the fixture, with the Berlin date it belongs to (written by hand).
struct Event {
    ts: &'static str,
    local: &'static str,
    model: &'static str,
    input: i64,
    output: i64,
    read: i64,
    write: i64,
}

const fn ev(ts: &'static str, local: &'static str, model: &'static str, tokens: [i64; 4]) -> Event {
    Event {
        ts,
        local,
        model,
        input: tokens[0],
        output: tokens[1],
        read: tokens[2],
        write: tokens[3],
    }
}

/// Tokens are [input, output, cache read, cache write].
#[rustfmt::skip]
const EVENTS: &[Event] = &[
    // After the pinned clock's quarter hour (reports count "now" to the end
    // of its 15-minute slot, 15:15:00 excluded): ignored everywhere.
    ev("2026-11-18T15:15:00Z", "2026-11-18", MINI, [9_000_000, 9_000_000, 0, 0]),
    ev("2026-11-19T09:00:00Z", "2026-11-19", SONNET, [1_000_000, 1_000_000, 0, 0]),
    // Today (Wednesday): exactly at the pinned instant, earlier today, and just after local midnight.
    ev("2026-11-18T15:00:00Z", "2026-11-18", MINI, [1_000, 1_000, 0, 0]),
    ev("2026-11-18T10:00:00Z", "2026-11-18", SONNET, [1_000, 2_000, 10_000, 4_000]),
    ev("2026-11-18T14:59:59Z", "2026-11-18", UNKNOWN, [500, 500, 0, 0]),
    ev("2026-11-17T23:15:00Z", "2026-11-18", SONNET, [200, 300, 0, 0]),
    // Yesterday.
    ev("2026-11-17T08:00:00Z", "2026-11-17", MINI, [100_000, 20_000, 50_000, 0]),
    // Earlier this week: Monday, and Monday 00:30 local (still Sunday in UTC).
    ev("2026-11-16T12:00:00Z", "2026-11-16", UNKNOWN, [2_000, 1_000, 300, 200]),
    ev("2026-11-15T23:30:00Z", "2026-11-16", GPT4O, [4_000, 800, 1_000, 0]),
    // Last week: Sunday 23:30 local, Thursday, and Wednesday (a sample for
    // the rest of today in the month-end estimate).
    ev("2026-11-15T22:30:00Z", "2026-11-15", GPT4O, [6_000, 1_200, 0, 500]),
    ev("2026-11-12T09:00:00Z", "2026-11-12", SONNET, [3_000, 1_500, 0, 0]),
    ev("2026-11-11T10:00:00Z", "2026-11-11", SONNET, [2_000, 1_000, 0, 0]),
    // 1 Nov 00:30 local is this month; 31 Oct 23:30 local is last month.
    ev("2026-10-31T23:30:00Z", "2026-11-01", MINI, [30_000, 5_000, 0, 0]),
    ev("2026-10-31T22:30:00Z", "2026-10-31", MINI, [20_000, 4_000, 8_000, 0]),
    // Still summer time (UTC+2) until 25 Oct 01:00 UTC: 00:30 local on the 25th.
    ev("2026-10-24T22:30:00Z", "2026-10-25", UNKNOWN, [700, 300, 0, 0]),
    // The first day of the daily series, and the day before it.
    ev("2026-10-20T12:00:00Z", "2026-10-20", MINI, [40_000, 10_000, 0, 0]),
    ev("2026-10-19T12:00:00Z", "2026-10-19", SONNET, [5_000, 500, 0, 1_000]),
    // Three months ago (before the weekly series), and 1 Aug 00:30 local (summer time).
    ev("2026-08-18T12:00:00Z", "2026-08-18", GPT4O, [10_000, 5_000, 2_000, 1_000]),
    ev("2026-07-31T22:30:00Z", "2026-08-01", SONNET, [800, 400, 0, 0]),
    // 1 Dec 2025 00:30 local: the first monthly bucket.
    ev("2025-11-30T23:30:00Z", "2025-12-01", MINI, [1_000, 1_000, 0, 0]),
    // Before every series: all time only.
    ev("2025-06-15T12:00:00Z", "2025-06-15", UNKNOWN, [1_000, 1_000, 0, 0]),
];

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

fn instant(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

/// USD per million tokens [input, output, cache read, cache write], and
/// whether a model entry (not the default price) gives it; copied by hand
/// from config/pricing.toml.
fn price_of(model: &str) -> ([Decimal; 4], bool) {
    match model {
        SONNET => ([dec("3"), dec("15"), dec("0.30"), dec("3.75")], true),
        MINI => ([dec("0.15"), dec("0.60"), dec("0.075"), dec("0.15")], true),
        GPT4O => ([dec("2.50"), dec("10"), dec("1.25"), dec("2.50")], true),
        _ => ([dec("3"), dec("3"), dec("3"), dec("3")], false),
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Expected {
    requests: i64,
    input: i64,
    output: i64,
    read: i64,
    write: i64,
    cost: Decimal,
    estimated: Decimal,
}

impl Expected {
    fn add(&mut self, event: &Event) {
        let ([input, output, read, write], priced) = price_of(event.model);
        let cost = (Decimal::from(event.input) * input
            + Decimal::from(event.output) * output
            + Decimal::from(event.read) * read
            + Decimal::from(event.write) * write)
            / Decimal::from(1_000_000);
        self.requests += 1;
        self.input += event.input;
        self.output += event.output;
        self.read += event.read;
        self.write += event.write;
        self.cost += cost;
        if !priced {
            self.estimated += cost;
        }
    }

    fn tokens(&self) -> i64 {
        self.input + self.output + self.read + self.write
    }

    fn of<'a>(events: impl Iterator<Item = &'a Event>) -> Self {
        let mut out = Self::default();
        for event in events {
            out.add(event);
        }
        out
    }
}

/// Fixture events at or before the pinned clock.
fn counted() -> impl Iterator<Item = &'static Event> {
    let now = instant(NOW);
    EVENTS.iter().filter(move |event| instant(event.ts) <= now)
}

fn counted_between(first: NaiveDate, last: NaiveDate) -> Expected {
    Expected::of(counted().filter(|event| {
        let day = date(event.local);
        day >= first && day <= last
    }))
}

fn int(value: &Value, key: &str, what: &str) -> i64 {
    value[key]
        .as_i64()
        .unwrap_or_else(|| panic!("{what}.{key} is not an integer: {value}"))
}

fn money(value: &Value, key: &str, what: &str) -> Decimal {
    let text = value[key]
        .as_str()
        .unwrap_or_else(|| panic!("{what}.{key} is not a string: {value}"));
    Decimal::from_str(text).unwrap_or_else(|_| panic!("{what}.{key} is not a decimal: {text:?}"))
}

/// Checks every field of a TOTALS object.
fn check_totals(value: &Value, expected: &Expected, what: &str) {
    assert_eq!(
        int(value, "requests", what),
        expected.requests,
        "{what}.requests"
    );
    assert_eq!(
        int(value, "input_tokens", what),
        expected.input,
        "{what}.input_tokens"
    );
    assert_eq!(
        int(value, "output_tokens", what),
        expected.output,
        "{what}.output_tokens"
    );
    assert_eq!(
        int(value, "cache_read_tokens", what),
        expected.read,
        "{what}.cache_read_tokens"
    );
    assert_eq!(
        int(value, "cache_write_tokens", what),
        expected.write,
        "{what}.cache_write_tokens"
    );
    assert_eq!(
        int(value, "total_tokens", what),
        expected.tokens(),
        "{what}.total_tokens"
    );
    assert_eq!(money(value, "cost", what), expected.cost, "{what}.cost");
    assert_eq!(
        money(value, "estimated_cost", what),
        expected.estimated,
        "{what}.estimated_cost"
    );
}

/// Usage by model, sorted by cost (largest first) then name.
fn by_model<'a>(events: impl Iterator<Item = &'a Event>) -> Vec<(&'static str, Expected)> {
    let mut merged: BTreeMap<&'static str, Expected> = BTreeMap::new();
    for event in events {
        merged.entry(event.model).or_default().add(event);
    }
    let mut list: Vec<(&'static str, Expected)> = merged.into_iter().collect();
    list.sort_by(|a, b| b.1.cost.cmp(&a.1.cost).then_with(|| a.0.cmp(b.0)));
    list
}

fn check_models(value: &Value, expected: &[(&str, Expected)], what: &str) {
    let list = value
        .as_array()
        .unwrap_or_else(|| panic!("{what} is not an array"));
    let names: Vec<&str> = list
        .iter()
        .map(|model| model["model"].as_str().unwrap())
        .collect();
    let expected_names: Vec<&str> = expected.iter().map(|(name, _)| *name).collect();
    assert_eq!(names, expected_names, "{what}: models and their order");
    for (model, (name, totals)) in list.iter().zip(expected) {
        let label = format!("{what}[{name}]");
        assert_eq!(
            model["priced"].as_bool(),
            Some(price_of(name).1),
            "{label}.priced"
        );
        check_totals(model, totals, &label);
    }
    let costs: Vec<Decimal> = list
        .iter()
        .map(|model| money(model, "cost", what))
        .collect();
    assert!(
        costs.windows(2).all(|pair| pair[0] >= pair[1]),
        "{what} is not sorted by cost: {costs:?}"
    );
}

fn add_month(day: NaiveDate, months: i32) -> NaiveDate {
    let index = day.year() * 12 + i32::try_from(day.month0()).unwrap() + months;
    NaiveDate::from_ymd_opt(
        index.div_euclid(12),
        u32::try_from(index.rem_euclid(12)).unwrap() + 1,
        1,
    )
    .unwrap()
}

/// Writes the fixture into a database made by `usagetop demo` (so it is
/// usagetop's own), replacing the demo rows.
async fn fixture_db(sandbox: &Sandbox) -> PathBuf {
    // The hand-written local dates must be right, or every expectation is off.
    for event in EVENTS {
        let local = instant(event.ts)
            .with_timezone(&chrono_tz::Europe::Berlin)
            .date_naive();
        assert_eq!(local, date(event.local), "fixture date of {}", event.ts);
    }
    let path = sandbox.demo_db("fixture.db", 1, NOW);
    let options = SqliteConnectOptions::new().filename(&path);
    let mut conn = SqliteConnection::connect_with(&options).await.unwrap();
    sqlx::query("DELETE FROM usage_events")
        .execute(&mut conn)
        .await
        .unwrap();
    for (index, event) in EVENTS.iter().enumerate() {
        sqlx::query(
            "INSERT INTO usage_events (ts, user_id, model, endpoint, input_tokens, output_tokens, \
             cache_read_tokens, cache_write_tokens) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(instant(event.ts).timestamp())
        .bind(if index % 2 == 0 { "alice" } else { "bob" })
        .bind(event.model)
        .bind("/v1/messages")
        .bind(event.input)
        .bind(event.output)
        .bind(event.read)
        .bind(event.write)
        .execute(&mut conn)
        .await
        .unwrap();
    }
    conn.close().await.unwrap();
    path
}

fn report_json(sandbox: &Sandbox, path: &Path, tz: &str) -> (String, Value) {
    let url = url_of(path);
    let text = sandbox.ok(&[
        "report",
        "--format",
        "json",
        "--database-url",
        &url,
        "--tz",
        tz,
        "--now",
        NOW,
    ]);
    let value = serde_json::from_str(&text).unwrap_or_else(|error| panic!("{error}: {text}"));
    (text, value)
}

// ---------------------------------------------------------------------------
// a. The JSON report, field by field.
// ---------------------------------------------------------------------------

#[tokio::test]
async fn json_report_of_fixture_matches_hand_computed_numbers() {
    let sandbox = Sandbox::new();
    let path = fixture_db(&sandbox).await;
    let (_, json) = report_json(&sandbox, &path, "Europe/Berlin");

    let today = date("2026-11-18");
    let week_start = date("2026-11-16");
    let month_start = date("2026-11-01");
    assert_eq!(today.weekday(), Weekday::Wed);

    assert_eq!(json["generated_at"], "2026-11-18T15:00:00Z");
    assert_eq!(json["timezone"], "Europe/Berlin");
    assert_eq!(json["currency"], "USD");

    // Summary.
    let summary = &json["summary"];
    let expected_today = counted_between(today, today);
    let expected_week = counted_between(week_start, today);
    let expected_month = counted_between(month_start, today);
    let expected_all = Expected::of(counted());
    // Hand-checked anchors, so the helpers above cannot drift unnoticed.
    assert_eq!(expected_today.requests, 4);
    assert_eq!(expected_week.requests, 7);
    assert_eq!(expected_month.requests, 11);
    assert_eq!(expected_all.requests, 19);
    assert_eq!(expected_today.cost, dec("0.05985"));
    assert_eq!(expected_today.estimated, dec("0.003"));
    check_totals(&summary["today"], &expected_today, "summary.today");
    check_totals(&summary["this_week"], &expected_week, "summary.this_week");
    check_totals(
        &summary["this_month"],
        &expected_month,
        "summary.this_month",
    );
    check_totals(&summary["all_time"], &expected_all, "summary.all_time");

    // Daily: 30 days ending today.
    let daily = json["trends"]["daily"].as_array().unwrap();
    assert_eq!(daily.len(), 30);
    assert_eq!(daily[0]["start"], "2026-10-20");
    assert_eq!(daily[29]["start"], "2026-11-18");
    let mut nonzero_days = 0;
    for (offset, bucket) in daily.iter().enumerate() {
        let day = date("2026-10-20") + Days::new(u64::try_from(offset).unwrap());
        assert_eq!(bucket["start"], day.format("%Y-%m-%d").to_string());
        let expected = counted_between(day, day);
        if expected.requests > 0 {
            nonzero_days += 1;
        }
        check_totals(bucket, &expected, &format!("trends.daily[{day}]"));
    }
    // 10-20, 10-25, 10-31, 11-01, 11-11, 11-12, 11-15, 11-16, 11-17, 11-18.
    assert_eq!(nonzero_days, 10);
    // The midnight cases, spelled out.
    assert_eq!(int(&daily[26], "requests", "daily[11-15]"), 1);
    assert_eq!(int(&daily[27], "requests", "daily[11-16]"), 2);
    assert_eq!(int(&daily[11], "requests", "daily[10-31]"), 1);
    assert_eq!(int(&daily[12], "requests", "daily[11-01]"), 1);
    assert_eq!(int(&daily[5], "requests", "daily[10-25]"), 1);
    assert_eq!(int(&daily[4], "requests", "daily[10-24]"), 0);

    // Weekly: 12 weeks starting on Mondays, ending with this week.
    let weekly = json["trends"]["weekly"].as_array().unwrap();
    assert_eq!(weekly.len(), 12);
    assert_eq!(weekly[11]["start"], "2026-11-16");
    let first_week = week_start - Days::new(7 * 11);
    assert_eq!(first_week, date("2026-08-31"));
    for (index, bucket) in weekly.iter().enumerate() {
        let start = first_week + Days::new(7 * u64::try_from(index).unwrap());
        assert_eq!(start.weekday(), Weekday::Mon);
        assert_eq!(bucket["start"], start.format("%Y-%m-%d").to_string());
        let last = if index == 11 {
            today
        } else {
            start + Days::new(6)
        };
        check_totals(
            bucket,
            &counted_between(start, last),
            &format!("trends.weekly[{start}]"),
        );
    }
    assert_eq!(int(&weekly[11], "requests", "weekly[11-16]"), 7);
    assert_eq!(int(&weekly[10], "requests", "weekly[11-09]"), 3);
    assert_eq!(int(&weekly[8], "requests", "weekly[10-26]"), 2);
    assert_eq!(int(&weekly[7], "requests", "weekly[10-19]"), 3);

    // Monthly: 12 months ending with this month.
    let monthly = json["trends"]["monthly"].as_array().unwrap();
    assert_eq!(monthly.len(), 12);
    assert_eq!(monthly[0]["start"], "2025-12-01");
    assert_eq!(monthly[11]["start"], "2026-11-01");
    for (index, bucket) in monthly.iter().enumerate() {
        let start = add_month(date("2025-12-01"), i32::try_from(index).unwrap());
        assert_eq!(bucket["start"], start.format("%Y-%m-%d").to_string());
        let last = if index == 11 {
            today
        } else {
            add_month(start, 1) - Days::new(1)
        };
        check_totals(
            bucket,
            &counted_between(start, last),
            &format!("trends.monthly[{start}]"),
        );
    }
    assert_eq!(int(&monthly[0], "requests", "monthly[2025-12]"), 1);
    assert_eq!(int(&monthly[7], "requests", "monthly[2026-07]"), 0);
    assert_eq!(int(&monthly[8], "requests", "monthly[2026-08]"), 2);
    assert_eq!(int(&monthly[10], "requests", "monthly[2026-10]"), 4);
    assert_eq!(int(&monthly[11], "requests", "monthly[2026-11]"), 11);

    // By model.
    let this_month_models = by_model(counted().filter(|event| {
        let day = date(event.local);
        day >= month_start && day <= today
    }));
    let all_time_models = by_model(counted());
    assert_eq!(this_month_models.len(), 4);
    assert_eq!(all_time_models.len(), 4);
    check_models(
        &json["by_model"]["this_month"],
        &this_month_models,
        "by_model.this_month",
    );
    check_models(
        &json["by_model"]["all_time"],
        &all_time_models,
        "by_model.all_time",
    );
    let unknown = json["by_model"]["all_time"]
        .as_array()
        .unwrap()
        .iter()
        .find(|model| model["model"] == UNKNOWN)
        .unwrap();
    assert_eq!(unknown["priced"], false);
    assert_eq!(
        money(unknown, "cost", "unknown"),
        money(unknown, "estimated_cost", "unknown")
    );

    // Prediction: shape and invariants.
    let prediction = &json["prediction"];
    let method = prediction["method"].as_str().expect("method is a string");
    let point = money(prediction, "month_end_cost", "prediction");
    let low = money(prediction, "month_end_cost_low", "prediction");
    let high = money(prediction, "month_end_cost_high", "prediction");
    assert!(point >= expected_month.cost, "{point} < month to date");
    assert!(low <= point && point <= high, "{low} <= {point} <= {high}");
    assert!(int(prediction, "month_end_requests", "prediction") >= expected_month.requests);
    assert!(int(prediction, "month_end_tokens", "prediction") >= expected_month.tokens());

    // Prediction: the method that applies to 28 complete days, and the
    // band's probability (its numbers are tested in tests/it/forecast.rs).
    assert_eq!(method, "weekday_trend");
    assert_eq!(prediction["interval"], 0.8);
    assert!(low >= expected_month.cost);

    assert_eq!(json["notes"], serde_json::json!([]));
    assert!(json.get("range").is_none());
}

/// The same fixture read in UTC: the events beside Berlin midnight move to
/// the other day, and the numbers follow.
#[tokio::test]
async fn json_report_days_follow_the_zone() {
    let sandbox = Sandbox::new();
    let path = fixture_db(&sandbox).await;
    let (_, json) = report_json(&sandbox, &path, "UTC");
    assert_eq!(json["timezone"], "UTC");
    let utc_day = |event: &Event| instant(event.ts).date_naive();
    let between = |first: &str, last: &str| {
        Expected::of(counted().filter(|event| {
            let day = utc_day(event);
            day >= date(first) && day <= date(last)
        }))
    };
    // In UTC the 23:15Z event is yesterday, Sunday's 23:30Z is last week, and
    // 31 Oct 23:30Z is October.
    let today = between("2026-11-18", "2026-11-18");
    assert_eq!(today.requests, 3);
    check_totals(&json["summary"]["today"], &today, "summary.today (UTC)");
    let week = between("2026-11-16", "2026-11-18");
    assert_eq!(week.requests, 6);
    check_totals(
        &json["summary"]["this_week"],
        &week,
        "summary.this_week (UTC)",
    );
    let month = between("2026-11-01", "2026-11-18");
    assert_eq!(month.requests, 10);
    check_totals(
        &json["summary"]["this_month"],
        &month,
        "summary.this_month (UTC)",
    );
    check_totals(
        &json["summary"]["all_time"],
        &Expected::of(counted()),
        "summary.all_time (UTC)",
    );
}

// ---------------------------------------------------------------------------
// b. The text report.
// ---------------------------------------------------------------------------

fn grouped(value: i64) -> String {
    let digits = value.to_string();
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[tokio::test]
async fn text_report_of_fixture_shows_the_summary_rows() {
    let sandbox = Sandbox::new();
    let path = fixture_db(&sandbox).await;
    let url = url_of(&path);
    // 120 columns: the summary table with every token kind.
    let run = |args: &[&str]| {
        sandbox
            .command()
            .env("COLUMNS", "120")
            .args(args)
            .output()
            .unwrap()
    };
    let output = run(&[
        "report",
        "--database-url",
        &url,
        "--tz",
        "Europe/Berlin",
        "--now",
        NOW,
    ]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.contains("2026-11-18 16:00 Europe/Berlin"),
        "heading with the local time: {text}"
    );
    let today = date("2026-11-18");
    let rows = [
        ("Today", counted_between(today, today)),
        ("This week", counted_between(date("2026-11-16"), today)),
        ("This month", counted_between(date("2026-11-01"), today)),
        ("All time", Expected::of(counted())),
    ];
    for (label, expected) in rows {
        let line = text
            .lines()
            .find(|line| line.starts_with(label))
            .unwrap_or_else(|| panic!("no {label} row in:\n{text}"));
        let fields: Vec<&str> = line[label.len()..].split_whitespace().collect();
        assert!(fields.len() >= 7, "{label} row: {line}");
        assert_eq!(
            fields[0],
            grouped(expected.requests),
            "{label} requests: {line}"
        );
        assert_eq!(
            fields[1],
            grouped(expected.tokens()),
            "{label} tokens: {line}"
        );
        assert_eq!(fields[2], grouped(expected.input), "{label} input: {line}");
        assert_eq!(
            fields[3],
            grouped(expected.output),
            "{label} output: {line}"
        );
        assert_eq!(
            fields[4],
            grouped(expected.read),
            "{label} cache read: {line}"
        );
        assert_eq!(
            fields[5],
            grouped(expected.write),
            "{label} cache write: {line}"
        );
        let cost = fields[6];
        assert_eq!(
            cost.ends_with('*'),
            !expected.estimated.is_zero(),
            "{label}: `*` marks estimates: {line}"
        );
        let shown = dec(cost.trim_end_matches('*').trim_start_matches('$'));
        assert!(
            (shown - expected.cost).abs() <= dec("0.005"),
            "{label} cost {cost} is not {}: {line}",
            expected.cost
        );
    }
    // This month's models are listed.
    for model in [SONNET, MINI, GPT4O, UNKNOWN] {
        assert!(text.contains(model), "{model} missing from:\n{text}");
    }
}

// ---------------------------------------------------------------------------
// c. Errors: non-zero exit, one paragraph naming the problem, no panic.
// ---------------------------------------------------------------------------

fn write_config(sandbox: &Sandbox, text: &str) -> PathBuf {
    let path = sandbox.path("config.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs `report` on a good database with `extra` arguments.
fn report_with(sandbox: &Sandbox, extra: &[&str]) -> Output {
    let path = sandbox.demo_db("good.db", 1, NOW);
    let url = url_of(&path);
    let mut args = vec![
        "report",
        "--database-url",
        &url,
        "--now",
        NOW,
        "--tz",
        "UTC",
    ];
    args.extend_from_slice(extra);
    sandbox.run(&args)
}

#[test]
fn a_good_database_reports_fine() {
    // The baseline of the error cases below: the same run without the fault succeeds.
    let sandbox = Sandbox::new();
    let output = report_with(&sandbox, &[]);
    assert!(output.status.success(), "{output:?}");
}

#[test]
fn missing_named_config_file() {
    let sandbox = Sandbox::new();
    let missing = sandbox.path("nope.toml");
    let output = report_with(&sandbox, &["--config", missing.to_str().unwrap()]);
    assert_clean_failure(&output, &[missing.to_str().unwrap(), "does not exist"]);
}

#[test]
fn config_with_a_toml_syntax_error_names_file_and_line() {
    let sandbox = Sandbox::new();
    let config = write_config(
        &sandbox,
        "timezone = \"UTC\"\nview = \"daily\"\nrefresh_seconds = [\n",
    );
    let output = report_with(&sandbox, &["--config", config.to_str().unwrap()]);
    assert_clean_failure(&output, &[config.to_str().unwrap(), "line 3"]);
}

#[test]
fn config_with_an_unknown_key() {
    let sandbox = Sandbox::new();
    let config = write_config(&sandbox, "timezone = \"UTC\"\nbogus_key = 1\n");
    let output = report_with(&sandbox, &["--config", config.to_str().unwrap()]);
    assert_clean_failure(&output, &[config.to_str().unwrap(), "bogus_key", "line 2"]);
}

#[test]
fn config_with_a_wrong_type() {
    let sandbox = Sandbox::new();
    let config = write_config(&sandbox, "refresh_seconds = \"x\"\n");
    let output = report_with(&sandbox, &["--config", config.to_str().unwrap()]);
    assert_clean_failure(
        &output,
        &[config.to_str().unwrap(), "refresh_seconds", "line 1"],
    );
}

#[test]
fn config_error_in_an_inline_table_names_its_line() {
    let sandbox = Sandbox::new();
    let config = write_config(
        &sandbox,
        "view = \"daily\"\n\n[pricing.models]\n\"x\" = { input = \"3.00\", output = \"cheap\" }\n",
    );
    let output = report_with(&sandbox, &["--config", config.to_str().unwrap()]);
    assert_clean_failure(
        &output,
        &[
            &format!("{} (line 4)", config.to_str().unwrap()),
            "cheap",
            "pricing.models.\"x\".output",
        ],
    );
}

#[test]
fn config_error_in_a_dotted_key_names_its_line() {
    let sandbox = Sandbox::new();
    let config = write_config(
        &sandbox,
        "view = \"daily\"\nbudget.warn_at = 0.8\nbudget.monthly = \"-5\"\n",
    );
    let output = report_with(&sandbox, &["--config", config.to_str().unwrap()]);
    assert_clean_failure(
        &output,
        &[
            &format!("{} (line 3)", config.to_str().unwrap()),
            "budget.monthly",
            "not a budget",
        ],
    );
    let sandbox = Sandbox::new();
    let config = write_config(
        &sandbox,
        "[source]\ntable = \"usage\"\n\n[alerts]\nspike_factor = -1\n",
    );
    let output = report_with(&sandbox, &["--config", config.to_str().unwrap()]);
    assert_clean_failure(
        &output,
        &[
            &format!("{} (line 5)", config.to_str().unwrap()),
            "alerts.spike_factor",
        ],
    );
}

#[test]
fn unknown_zone_on_the_command_line() {
    let sandbox = Sandbox::new();
    let path = sandbox.demo_db("good.db", 1, NOW);
    let url = url_of(&path);
    let output = sandbox.run(&["report", "--database-url", &url, "--tz", "Mars/Olympus"]);
    assert_clean_failure(&output, &["Mars/Olympus", "--tz"]);
}

#[test]
fn unknown_zone_in_the_config_file() {
    let sandbox = Sandbox::new();
    let path = sandbox.demo_db("good.db", 1, NOW);
    let url = url_of(&path);
    let config = write_config(&sandbox, "timezone = \"Nowhere\"\n");
    let output = sandbox.run(&[
        "report",
        "--database-url",
        &url,
        "--config",
        config.to_str().unwrap(),
    ]);
    assert_clean_failure(&output, &["Nowhere", config.to_str().unwrap(), "timezone"]);
}

#[test]
fn bad_price_string_in_the_config_file() {
    let sandbox = Sandbox::new();
    let config = write_config(
        &sandbox,
        "[pricing.models.\"x\"]\ninput = \"3.00\"\noutput = \"cheap\"\n",
    );
    let output = report_with(&sandbox, &["--config", config.to_str().unwrap()]);
    assert_clean_failure(
        &output,
        &[
            config.to_str().unwrap(),
            "cheap",
            "pricing.models.\"x\".output",
        ],
    );
}

#[test]
fn bad_now() {
    let sandbox = Sandbox::new();
    let path = sandbox.demo_db("good.db", 1, NOW);
    let url = url_of(&path);
    let output = sandbox.run(&["report", "--database-url", &url, "--now", "next tuesday"]);
    assert_clean_failure(&output, &["--now", "next tuesday", "RFC 3339"]);
}

#[test]
fn missing_database_file_suggests_demo_and_is_not_created() {
    let sandbox = Sandbox::new();
    let path = sandbox.path("missing.db");
    let url = url_of(&path);
    let output = sandbox.run(&["report", "--database-url", &url]);
    assert_clean_failure(&output, &[path.to_str().unwrap(), "usagetop demo"]);
    assert!(!path.exists(), "usagetop created {}", path.display());
}

#[test]
fn a_file_that_is_not_a_database() {
    let sandbox = Sandbox::new();
    let path = sandbox.path("notes.db");
    let text = "These are my notes, not a database.\n".repeat(200);
    std::fs::write(&path, &text).unwrap();
    let url = url_of(&path);
    let output = sandbox.run(&["report", "--database-url", &url]);
    assert_clean_failure(&output, &[path.to_str().unwrap(), "not a SQLite database"]);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
}

#[tokio::test]
async fn a_sqlite_file_without_the_usage_table() {
    let sandbox = Sandbox::new();
    let path = sandbox.path("other.db");
    let options = SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true);
    let mut conn = SqliteConnection::connect_with(&options).await.unwrap();
    sqlx::raw_sql("CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount TEXT)")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    let url = url_of(&path);
    let output = sandbox.run(&["report", "--database-url", &url]);
    assert_clean_failure(&output, &["usage_events", "invoices"]);
}

#[test]
fn unknown_url_scheme() {
    let sandbox = Sandbox::new();
    let output = sandbox.run(&[
        "report",
        "--database-url",
        "oracle://user:pw@localhost/usage",
    ]);
    assert_clean_failure(&output, &["oracle", "--database-url"]);
}

#[test]
fn unknown_view_is_a_usage_error() {
    let sandbox = Sandbox::new();
    let path = sandbox.demo_db("good.db", 1, NOW);
    let url = url_of(&path);
    let output = sandbox.run(&["report", "--database-url", &url, "--view", "yearly"]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("yearly") && stderr.contains("--view"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(output.stdout.is_empty());
}

// ---------------------------------------------------------------------------
// d. The demo writer.
// ---------------------------------------------------------------------------

fn written_count(stdout: &str) -> i64 {
    let rest = stdout
        .strip_prefix("wrote ")
        .unwrap_or_else(|| panic!("unexpected demo output: {stdout}"));
    rest.split_whitespace().next().unwrap().parse().unwrap()
}

#[tokio::test]
async fn demo_refuses_a_database_with_events_unless_forced() {
    let sandbox = Sandbox::new();
    let path = fixture_db(&sandbox).await;
    let url = url_of(&path);
    let (before, _) = report_json(&sandbox, &path, "Europe/Berlin");

    let refused = sandbox.run(&["demo", "--database-url", &url, "--days", "2", "--now", NOW]);
    assert_clean_failure(&refused, &["--force"]);
    let (after, _) = report_json(&sandbox, &path, "Europe/Berlin");
    assert_eq!(before, after, "a refused demo changed the data");

    let stdout = sandbox.ok(&[
        "demo",
        "--database-url",
        &url,
        "--days",
        "2",
        "--now",
        NOW,
        "--force",
    ]);
    let written = written_count(&stdout);
    assert!(written > 0, "{stdout}");
    let (_, json) = report_json(&sandbox, &path, "Europe/Berlin");
    // The fixture is gone: only the demo events remain, none after --now.
    assert_eq!(
        int(&json["summary"]["all_time"], "requests", "all_time"),
        written
    );
    let models: Vec<&str> = json["by_model"]["all_time"]
        .as_array()
        .unwrap()
        .iter()
        .map(|model| model["model"].as_str().unwrap())
        .collect();
    assert!(!models.contains(&UNKNOWN), "{models:?}");
}

#[test]
fn demo_is_deterministic() {
    let sandbox = Sandbox::new();
    let make = |name: &str, seed: &str| {
        let path = sandbox.path(name);
        let url = url_of(&path);
        sandbox.ok(&[
            "demo",
            "--database-url",
            &url,
            "--seed",
            seed,
            "--days",
            "5",
            "--now",
            NOW,
            "--tz",
            "UTC",
        ]);
        report_json(&sandbox, &path, "UTC")
    };
    let (first, json) = make("one.db", "7");
    let (second, _) = make("two.db", "7");
    let (other, _) = make("three.db", "8");
    assert!(int(&json["summary"]["all_time"], "requests", "all_time") > 0);
    assert_eq!(first, second, "the same seed gave different data");
    assert_ne!(first, other, "a different seed gave the same data");
}

#[tokio::test]
async fn demo_refuses_a_sqlite_file_it_did_not_create() {
    let sandbox = Sandbox::new();
    let path = sandbox.path("theirs.db");
    foreign_db(&path, &[]).await;
    let bytes = std::fs::read(&path).unwrap();
    let files = listing(&sandbox);
    let url = url_of(&path);
    let output = sandbox.run(&["demo", "--database-url", &url, "--days", "1", "--now", NOW]);
    assert_clean_failure(
        &output,
        &[path.to_str().unwrap(), "not created by usagetop"],
    );
    assert_eq!(std::fs::read(&path).unwrap(), bytes, "the file changed");
    assert_eq!(listing(&sandbox), files, "files appeared beside it");
    // Not with --force either.
    let output = sandbox.run(&[
        "demo",
        "--database-url",
        &url,
        "--days",
        "1",
        "--now",
        NOW,
        "--force",
    ]);
    assert_clean_failure(&output, &["not created by usagetop"]);
    assert_eq!(std::fs::read(&path).unwrap(), bytes, "the file changed");
}

// ---------------------------------------------------------------------------
// e. Foreign SQLite files are read, never written.
// ---------------------------------------------------------------------------

/// Creates a SQLite file with a native `usage_events` table, as another
/// program would (rollback journal, no usagetop marker table).
async fn foreign_db(path: &Path, events: &[Event]) {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Delete);
    let mut conn = SqliteConnection::connect_with(&options).await.unwrap();
    sqlx::raw_sql(
        "CREATE TABLE usage_events (id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, user_id TEXT, \
         model TEXT NOT NULL, endpoint TEXT, input_tokens INTEGER NOT NULL DEFAULT 0, \
         output_tokens INTEGER NOT NULL DEFAULT 0, cache_read_tokens INTEGER NOT NULL DEFAULT 0, \
         cache_write_tokens INTEGER NOT NULL DEFAULT 0)",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    for event in events {
        sqlx::query(
            "INSERT INTO usage_events (ts, user_id, model, endpoint, input_tokens, output_tokens, \
             cache_read_tokens, cache_write_tokens) VALUES (?, 'carol', ?, '/v1/chat', ?, ?, ?, ?)",
        )
        .bind(instant(event.ts).timestamp())
        .bind(event.model)
        .bind(event.input)
        .bind(event.output)
        .bind(event.read)
        .bind(event.write)
        .execute(&mut conn)
        .await
        .unwrap();
    }
    conn.close().await.unwrap();
}

fn listing(sandbox: &Sandbox) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(sandbox.path(""))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn foreign_sqlite_file_is_read_and_left_untouched() {
    let sandbox = Sandbox::new();
    let path = sandbox.path("gateway.db");
    #[rustfmt::skip]
    let events = [
        ev("2026-11-18T09:00:00Z", "2026-11-18", GPT4O, [1_000, 500, 200, 0]),
        ev("2026-11-02T12:00:00Z", "2026-11-02", SONNET, [100, 50, 1_000, 400]),
        ev("2026-09-30T23:59:59Z", "2026-09-30", UNKNOWN, [10, 20, 0, 0]),
        // After the pinned clock: ignored.
        ev("2026-11-18T16:00:00Z", "2026-11-18", MINI, [5_000, 5_000, 0, 0]),
    ];
    foreign_db(&path, &events).await;
    // An old mtime, so any write would show.
    let old = SystemTime::UNIX_EPOCH + Duration::from_secs(1_600_000_000);
    std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(old)
        .unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let files = listing(&sandbox);

    let (_, json) = report_json(&sandbox, &path, "UTC");
    let now = instant(NOW);
    let seen = || events.iter().filter(move |event| instant(event.ts) <= now);
    let all_time = Expected::of(seen());
    assert_eq!(all_time.requests, 3);
    check_totals(&json["summary"]["all_time"], &all_time, "summary.all_time");
    let today = Expected::of(seen().filter(|event| event.local == "2026-11-18"));
    check_totals(&json["summary"]["today"], &today, "summary.today");
    let month = Expected::of(seen().filter(|event| event.local >= "2026-11-01"));
    check_totals(&json["summary"]["this_month"], &month, "summary.this_month");
    let expected_models = by_model(seen());
    check_models(
        &json["by_model"]["all_time"],
        &expected_models,
        "by_model.all_time",
    );
    let monthly = json["trends"]["monthly"].as_array().unwrap();
    assert_eq!(monthly[9]["start"], "2026-09-01");
    assert_eq!(int(&monthly[9], "requests", "monthly[2026-09]"), 1);

    // Text and line reports too.
    let url = url_of(&path);
    sandbox.ok(&[
        "report",
        "--database-url",
        &url,
        "--now",
        NOW,
        "--tz",
        "UTC",
    ]);
    sandbox.ok(&[
        "report",
        "--database-url",
        &url,
        "--now",
        NOW,
        "--tz",
        "UTC",
        "--format",
        "line",
    ]);

    assert_eq!(
        std::fs::read(&path).unwrap(),
        bytes,
        "the foreign file changed"
    );
    assert_eq!(
        std::fs::metadata(&path).unwrap().modified().unwrap(),
        old,
        "the foreign file's mtime changed"
    );
    assert_eq!(
        listing(&sandbox),
        files,
        "files appeared beside the foreign file"
    );
}

// ---------------------------------------------------------------------------
// f. Help.
// ---------------------------------------------------------------------------

#[test]
fn help_lists_commands_and_flags() {
    let sandbox = Sandbox::new();
    let help = sandbox.ok(&["--help"]);
    for word in [
        "report",
        "demo",
        "--database-url",
        "--tz",
        "--now",
        "--view",
        "--demo",
    ] {
        assert!(
            help.contains(word),
            "--help does not mention {word}:\n{help}"
        );
    }
}

/// 100,000 distinct model names (one event each, some today): the text
/// report lists the largest and folds the rest into one line, the JSON
/// report keeps them all, and the totals are exact.
#[tokio::test]
async fn a_hundred_thousand_models_fold_into_other() {
    let sandbox = Sandbox::new();
    let path = sandbox.path("models.db");
    let options = SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true);
    let mut conn = SqliteConnection::connect_with(&options).await.unwrap();
    let now = instant(NOW).timestamp();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "CREATE TABLE usage_events (id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, user_id TEXT, \
           model TEXT NOT NULL, endpoint TEXT, input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL, \
           cache_read_tokens INTEGER NOT NULL DEFAULT 0, cache_write_tokens INTEGER NOT NULL DEFAULT 0);
         WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n LIMIT 100000)
         INSERT INTO usage_events (ts, model, input_tokens, output_tokens)
         SELECT {now} - 60 - (i % 2000) * 3600, printf('model-%06d', i), 100 + i % 1000, 10 FROM n;"
    )))
    .execute(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();
    let url = url_of(&path);
    let base = [
        "report",
        "--database-url",
        &url,
        "--now",
        NOW,
        "--tz",
        "UTC",
    ];
    let text = sandbox.ok(&base);
    let listed = text.lines().filter(|line| line.contains("model-")).count();
    assert!(
        (1..=40).contains(&listed),
        "a screenful of models, not {listed}:\n{text}"
    );
    assert!(text.contains("other models)"), "{text}");
    let mut args = base.to_vec();
    args.extend(["--format", "json"]);
    let json: Value = serde_json::from_str(&sandbox.ok(&args)).unwrap();
    assert_eq!(
        int(&json["summary"]["all_time"], "requests", "all time"),
        100_000
    );
    let expected_input: i64 = (0..100_000_i64).map(|i| 100 + i % 1000).sum();
    assert_eq!(
        int(&json["summary"]["all_time"], "input_tokens", "all time"),
        expected_input
    );
}

/// A gateway's file in WAL mode, made read-only (mode 0444): reports read
/// it, with and without the cache, and leave it as it was: same bytes, same
/// mode. Like every SQLite reader of a WAL database, they need its `-wal`
/// and `-shm` files and create them when missing (the log empty): nothing
/// else appears beside it.
#[tokio::test]
async fn a_read_only_wal_file_is_read_and_left_untouched() {
    use std::os::unix::fs::PermissionsExt;
    let sandbox = Sandbox::new();
    let path = sandbox.path("gateway.db");
    #[rustfmt::skip]
    let events = [
        ev("2026-11-18T09:00:00Z", "2026-11-18", GPT4O, [1_000, 500, 200, 0]),
        ev("2026-11-02T12:00:00Z", "2026-11-02", SONNET, [100, 50, 1_000, 400]),
    ];
    foreign_db(&path, &events).await;
    let mut conn = SqliteConnection::connect_with(
        &SqliteConnectOptions::new()
            .filename(&path)
            .journal_mode(SqliteJournalMode::Wal),
    )
    .await
    .unwrap();
    sqlx::raw_sql("SELECT 1").execute(&mut conn).await.unwrap();
    conn.close().await.unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let files = listing(&sandbox);
    let url = url_of(&path);
    for extra in [&[][..], &["--no-cache"][..]] {
        let mut args = vec![
            "report",
            "--database-url",
            &url,
            "--now",
            NOW,
            "--tz",
            "UTC",
        ];
        args.extend_from_slice(extra);
        let text = sandbox.ok(&args);
        assert!(text.contains("gpt-4o"), "{text}");
    }
    assert_eq!(std::fs::read(&path).unwrap(), bytes, "the file changed");
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o444,
        "the file's mode changed"
    );
    let mut expected = files.clone();
    expected.extend(["gateway.db-shm".to_owned(), "gateway.db-wal".to_owned()]);
    expected.sort();
    assert_eq!(
        listing(&sandbox),
        expected,
        "other files appeared beside the file"
    );
    assert_eq!(
        std::fs::metadata(sandbox.path("gateway.db-wal"))
            .unwrap()
            .len(),
        0,
        "nothing was logged to the file"
    );
}
