//! Data for the screen snapshots: seeded demo databases (made once per test
//! run), snapshots computed from them through the real pipeline, and apps in
//! the states the snapshots show.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use chrono::{DateTime, Duration, Utc};
use usagetop::analytics::hourly::Hourly;
use usagetop::analytics::ModelRow;
use usagetop::budget::{BudgetConfig, Budgets, Limits};
use usagetop::clock::FixedClock;
use usagetop::filter::Dimension;
use usagetop::period::{Calendar, WeekStart};
use usagetop::pipeline::{ReportContext, ReportRequest, Snapshot};
use usagetop::pricing::{PriceFile, PriceTable};
use usagetop::store::demo::{self, DemoEvent};
use usagetop::store::mapping::Mapping;
use usagetop::store::sqlite::SqliteStore;
use usagetop::usage::Usage;

/// The instant every screen is drawn at: a Wednesday afternoon in Berlin.
pub fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-18T15:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

pub fn calendar() -> Calendar {
    Calendar::new(chrono_tz::Europe::Berlin, WeekStart::Monday)
}

pub fn prices() -> PriceTable {
    PriceTable::with_overrides(&PriceFile::default(), "pricing").unwrap()
}

/// A demo database and the events in it.
pub struct Demo {
    _dir: tempfile::TempDir,
    path: PathBuf,
    events: Vec<DemoEvent>,
}

/// Which demo database.
#[derive(Debug, Clone, Copy)]
pub enum Data {
    /// 90 days up to now.
    Fresh,
    /// 30 days ending three days ago.
    Stale,
    /// 30 days ending 45 days ago: nothing in the last 30 days.
    Old,
    /// 400 days up to now: a year of history to compare with.
    Year,
    /// The fresh data as if imported: each event with a project (or none),
    /// a session and a source.
    Projects,
}

fn build(days: u32, end: DateTime<Utc>) -> Demo {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("demo.db");
    let events = demo::generate(42, days, end, &calendar());
    runtime
        .block_on(demo::write(&path, &events, false))
        .unwrap();
    Demo {
        _dir: dir,
        path,
        events,
    }
}

fn demo(data: Data) -> &'static Demo {
    static FRESH: OnceLock<Demo> = OnceLock::new();
    static STALE: OnceLock<Demo> = OnceLock::new();
    static OLD: OnceLock<Demo> = OnceLock::new();
    static YEAR: OnceLock<Demo> = OnceLock::new();
    static PROJECTS: OnceLock<Demo> = OnceLock::new();
    match data {
        Data::Fresh => FRESH.get_or_init(|| build(90, now())),
        Data::Stale => STALE.get_or_init(|| build(30, now() - Duration::days(3))),
        Data::Old => OLD.get_or_init(|| build(30, now() - Duration::days(45))),
        Data::Year => YEAR.get_or_init(|| build(400, now())),
        Data::Projects => PROJECTS.get_or_init(|| {
            let demo = build(90, now());
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                use sqlx::Connection;
                let options = sqlx::sqlite::SqliteConnectOptions::new().filename(&demo.path);
                let mut conn = sqlx::SqliteConnection::connect_with(&options).await.unwrap();
                sqlx::raw_sql(
                    "UPDATE usage_events SET \
                     project = CASE id % 5 WHEN 0 THEN '-Users-dev-code-acme-api' \
                         WHEN 1 THEN '-Users-dev-code-acme-web' WHEN 2 THEN '-Users-dev-code-billing' \
                         WHEN 3 THEN '-Users-dev-code-acme-api' END, \
                     session = printf('%08x', id % 37 * 2654435761 % 4294967296), \
                     source = CASE WHEN model LIKE 'claude%' THEN 'claude-code' \
                         WHEN model LIKE 'gpt%' THEN 'codex' ELSE 'gemini' END",
                )
                .execute(&mut conn)
                .await
                .unwrap();
                conn.close().await.unwrap();
            });
            demo
        }),
    }
}

/// Budgets of every level: a daily one exceeded, a weekly one forecast over,
/// a monthly one fine and one for a model.
pub fn budgets() -> Budgets {
    let limits = |monthly: &str| Limits {
        monthly: Some(monthly.to_owned().into()),
        ..Limits::default()
    };
    Budgets::from_config(&BudgetConfig {
        daily: Some("1".to_owned().into()),
        weekly: Some("12".to_owned().into()),
        monthly: Some("250".to_owned().into()),
        models: [("gpt-4o-2024-08-06".to_owned(), limits("60"))].into(),
        ..BudgetConfig::default()
    })
    .unwrap()
}

/// The snapshot `request` asks for over `data`, with `budgets`.
pub fn snapshot(data: Data, request: &ReportRequest, budgets: Budgets) -> Arc<Snapshot> {
    let demo = demo(data);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let store = SqliteStore::open(&demo.path, false, Mapping::default())
            .await
            .unwrap();
        let context = ReportContext {
            calendar: calendar(),
            clock: Arc::new(FixedClock(now())),
            prices: Arc::new(prices()),
            budgets: Arc::new(budgets),
            wall_clock: Arc::new(FixedClock(now())),
        };
        let snapshot = usagetop::pipeline::compute(&store, &context, request, 0)
            .await
            .unwrap();
        if request.hourly && request.filter.is_empty() {
            // The store's hours equal the events counted by hand.
            assert_eq!(snapshot.hourly, Some(hours(demo, &snapshot)));
        }
        Arc::new(snapshot)
    })
}

/// The day of `snapshot` hour by hour, from the demo events.
fn hours(demo: &Demo, snapshot: &Snapshot) -> Hourly {
    let calendar = calendar();
    let day = calendar.local_date(snapshot.generated_at);
    let rows: Vec<(DateTime<Utc>, ModelRow)> = demo
        .events
        .iter()
        .filter(|event| event.ts <= snapshot.generated_at.timestamp())
        .map(|event| {
            let hour = DateTime::from_timestamp(event.ts - event.ts.rem_euclid(3600), 0).unwrap();
            let usage = Usage {
                requests: 1,
                input_tokens: event.input_tokens.into(),
                output_tokens: event.output_tokens.into(),
                cache_read_tokens: event.cache_read_tokens.into(),
                cache_write_tokens: event.cache_write_tokens.into(),
                cache_write_1h_tokens: 0,
            };
            (
                hour,
                ModelRow {
                    model: event.model.to_owned(),
                    usage,
                    stored_cost: None,
                    estimated: false,
                },
            )
        })
        .collect();
    Hourly::build(day, &calendar, snapshot.generated_at, &rows, &prices())
}

/// The plain snapshot of the fresh data: no budgets, no breakdown.
pub fn fresh() -> Arc<Snapshot> {
    static FRESH: OnceLock<Arc<Snapshot>> = OnceLock::new();
    Arc::clone(
        FRESH.get_or_init(|| snapshot(Data::Fresh, &ReportRequest::default(), Budgets::default())),
    )
}

/// The fresh data with a breakdown by `dimension` (for the picker: `unfiltered`).
pub fn with_breakdown(dimension: Dimension, unfiltered: bool) -> Arc<Snapshot> {
    snapshot(
        Data::Fresh,
        &ReportRequest {
            breakdown: Some((dimension, unfiltered)),
            ..ReportRequest::default()
        },
        Budgets::default(),
    )
}

/// A year of history with a breakdown (when asked) and `compare`.
pub fn compared(
    breakdown: Option<(Dimension, bool)>,
    compare: usagetop::analytics::compare::Compare,
) -> Arc<Snapshot> {
    snapshot(
        Data::Year,
        &ReportRequest {
            breakdown,
            compare,
            ..ReportRequest::default()
        },
        Budgets::default(),
    )
}
