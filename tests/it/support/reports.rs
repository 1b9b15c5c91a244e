//! What the tests comparing an engine with SQLite share: the pinned clock
//! and the zones they report in (UTC, America/New_York across its DST
//! change, Asia/Kathmandu at a 45-minute offset), the JSON report of a
//! store, the assertion that two reports are identical (showing the first
//! line that differs), SQL run on a SQLite file, and the demo events as
//! `VALUES` rows of `usage_events` (every 211th with a negative count, left
//! out; every 97th without a model).

use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AssertSqlSafe, Connection, SqliteConnection};
use usagetop::clock::FixedClock;
use usagetop::filter::Filter;
use usagetop::period::{Calendar, WeekStart};
use usagetop::pipeline::{compute_report, ReportContext};
use usagetop::pricing::{PriceFile, PriceTable};
use usagetop::store::demo::DemoEvent;
use usagetop::store::UsageStore;

/// The pinned "now" of the engine tests.
pub const NOW: &str = "2026-11-18T15:07:00Z";

/// The zones the engine tests report in.
pub const ZONES: [chrono_tz::Tz; 3] = [
    chrono_tz::UTC,
    chrono_tz::America::New_York,
    chrono_tz::Asia::Kathmandu,
];

/// The columns of `usage_events` that [`event_values`] fills, in order.
pub const EVENT_COLUMNS: &str =
    "(ts, user_id, model, endpoint, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens)";

/// An RFC 3339 instant.
pub fn instant(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

/// [`NOW`].
pub fn now() -> DateTime<Utc> {
    instant(NOW)
}

/// A report's context at `now` in `zone`, weeks from Monday, default prices.
pub fn context_at(now: DateTime<Utc>, zone: chrono_tz::Tz) -> ReportContext {
    ReportContext {
        calendar: Calendar::new(zone, WeekStart::Monday),
        clock: Arc::new(FixedClock(now)),
        prices: Arc::new(PriceTable::with_overrides(&PriceFile::default(), "pricing").unwrap()),
        budgets: Arc::new(usagetop::budget::Budgets::default()),
        wall_clock: Arc::new(usagetop::clock::SystemClock),
    }
}

/// A report's context at [`NOW`] in `zone`.
pub fn context(zone: chrono_tz::Tz) -> ReportContext {
    context_at(now(), zone)
}

/// The JSON report of `store` in `context`, filtered by `filter`.
pub async fn json_in(store: &dyn UsageStore, context: &ReportContext, filter: &Filter) -> String {
    let snapshot = compute_report(store, context, filter).await.unwrap();
    usagetop::output::json::render(&snapshot).unwrap()
}

/// The JSON report of `store` at [`NOW`] in `zone`.
pub async fn json_of(store: &dyn UsageStore, zone: chrono_tz::Tz) -> String {
    json_in(store, &context(zone), &Filter::default()).await
}

/// Asserts that `engine`'s report equals SQLite's, showing the first line that differs.
#[track_caller]
pub fn assert_same_as_sqlite(engine: &str, report: &str, sqlite: &str, what: &str) {
    if report != sqlite {
        let first = report
            .lines()
            .zip(sqlite.lines())
            .enumerate()
            .find(|(_, (a, b))| a != b);
        panic!("{what}: {engine} and SQLite reports differ; first difference (line, {engine}, sqlite): {first:?}");
    }
}

/// Runs `sql` (statements separated by `;`) on the SQLite file at `path`, creating it.
pub async fn sqlite_execute(path: &Path, sql: &str) {
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

/// The `VALUES` rows of `events` in [`EVENT_COLUMNS`] order, the timestamp
/// written by `ts`; every 211th row has a negative input count, every 97th
/// no model, and every 89th, when `odd_model` is given, that literal as its
/// model (a name with a quote and a backslash, as the engine writes it).
pub fn event_values(
    events: &[DemoEvent],
    ts: &dyn Fn(i64) -> String,
    odd_model: Option<&str>,
) -> Vec<String> {
    events
        .iter()
        .map(|e| {
            let model = match odd_model {
                _ if e.ts % 97 == 0 => "NULL".to_owned(),
                Some(odd) if e.ts % 89 == 0 => odd.to_owned(),
                _ => format!("'{}'", e.model),
            };
            let input = if e.ts % 211 == 0 {
                -e.input_tokens
            } else {
                e.input_tokens
            };
            format!(
                "({}, '{}', {model}, '{}', {input}, {}, {}, {})",
                ts(e.ts),
                e.user_id,
                e.endpoint,
                e.output_tokens,
                e.cache_read_tokens,
                e.cache_write_tokens
            )
        })
        .collect()
}

/// `INSERT` statements of `rows` into `table` ([`EVENT_COLUMNS`]), 500 rows each.
pub fn event_inserts(table: &str, rows: &[String]) -> Vec<String> {
    rows.chunks(500)
        .map(|chunk| {
            format!(
                "INSERT INTO {table} {EVENT_COLUMNS} VALUES {}",
                chunk.join(", ")
            )
        })
        .collect()
}
