//! "As of now" means to the second: a report pinned at any second counts
//! every event up to and including that second and none after it, in every
//! block and in every comparison with the same span of the previous period.
//! Each pinned report is compared with aggregations computed here, directly
//! in SQL, on SQLite (a foreign file and usagetop's own database) and
//! PostgreSQL, read directly and through the rollup cache (which serves the
//! whole quarter hours while the source serves the part up to the second).

use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Datelike, Days, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AssertSqlSafe, Connection, PgConnection, SqliteConnection};
use usagetop::cache::{CacheOptions, CachedStore};
use usagetop::clock::FixedClock;
use usagetop::filter::Filter;
use usagetop::period::{Calendar, WeekStart};
use usagetop::pipeline::{compute_report, ReportContext};
use usagetop::pricing::{PriceFile, PriceTable};
use usagetop::store::demo::{self, DemoEvent};
use usagetop::store::mapping::{Mapping, SourceConfig};
use usagetop::store::postgres::PgStore;
use usagetop::store::sqlite::SqliteStore;
use usagetop::store::{RollupSource, Timeouts, UsageStore};

use crate::support::pg::{server_url, TestDb};

/// The end of the generated data: events exist after every pinned second.
const END: &str = "2026-11-18T15:07:00Z";

fn end() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(END)
        .unwrap()
        .with_timezone(&Utc)
}

/// Pinned seconds: mid-slot, the last second of a slot, exactly on a slot
/// boundary, the first second of a local day, and the last one of the day
/// before, a week earlier.
fn pins(zone: Tz) -> Vec<DateTime<Utc>> {
    let at = |text: &str| {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    };
    let midnight = zone
        .from_local_datetime(
            &NaiveDate::from_ymd_opt(2026, 11, 17)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap(),
        )
        .earliest()
        .unwrap()
        .with_timezone(&Utc);
    vec![
        at("2026-11-18T14:52:37Z"),
        at("2026-11-18T14:59:59Z"),
        at("2026-11-18T14:45:00Z"),
        midnight,
        midnight - chrono::Duration::seconds(1) - chrono::Duration::days(7),
    ]
}

/// 40 days of demo events, and a burst of events around each pinned
/// second (one before, at, just after and a little after it).
fn events(zone: Tz) -> Vec<DemoEvent> {
    let mut events = demo::generate(11, 40, end(), &Calendar::new(zone, WeekStart::Monday));
    let template = events[0].clone();
    for pin in pins(zone) {
        for (offset, tokens) in [(-1, 1_000), (0, 2_000), (1, 40_000), (7, 80_000)] {
            events.push(DemoEvent {
                ts: pin.timestamp() + offset,
                input_tokens: tokens,
                ..template.clone()
            });
        }
    }
    events
}

fn context(zone: Tz, now: DateTime<Utc>) -> ReportContext {
    ReportContext {
        calendar: Calendar::new(zone, WeekStart::Monday),
        clock: Arc::new(FixedClock(now)),
        prices: Arc::new(PriceTable::with_overrides(&PriceFile::default(), "pricing").unwrap()),
        budgets: Arc::new(usagetop::budget::Budgets::default()),
        wall_clock: Arc::new(usagetop::clock::SystemClock),
    }
}

/// Requests and input tokens with a timestamp in `[from, through]`.
type Counted = (i64, i64);

/// How the test reads the source itself, independently of usagetop.
enum Direct<'a> {
    Sqlite(&'a Path),
    Postgres(&'a str),
}

impl Direct<'_> {
    async fn count(&self, from: i64, through: i64) -> Counted {
        match self {
            Direct::Sqlite(path) => {
                let mut conn =
                    SqliteConnection::connect_with(&SqliteConnectOptions::new().filename(path))
                        .await
                        .unwrap();
                let counted = sqlx::query_as(
                    "SELECT COUNT(*), COALESCE(SUM(input_tokens), 0) FROM usage_events \
                     WHERE ts >= ? AND ts <= ?",
                )
                .bind(from)
                .bind(through)
                .fetch_one(&mut conn)
                .await
                .unwrap();
                conn.close().await.unwrap();
                counted
            }
            Direct::Postgres(url) => {
                let mut conn = PgConnection::connect(url).await.unwrap();
                let counted = sqlx::query_as(
                    "SELECT COUNT(*), COALESCE(SUM(input_tokens), 0)::bigint FROM usage_events \
                     WHERE ts >= to_timestamp($1) AND ts < to_timestamp($2 + 1)",
                )
                .bind(from)
                .bind(through)
                .fetch_one(&mut conn)
                .await
                .unwrap();
                conn.close().await.unwrap();
                counted
            }
        }
    }
}

/// The instant of `date` at the wall time of `now` in `zone`.
fn same_time(zone: Tz, date: NaiveDate, now: DateTime<Utc>) -> i64 {
    zone.from_local_datetime(&date.and_time(now.with_timezone(&zone).time()))
        .earliest()
        .unwrap()
        .timestamp()
}

/// Every block and every comparison of a report pinned at each second
/// equals the direct aggregation up to that second.
async fn assert_to_the_second(store: &dyn UsageStore, direct: &Direct<'_>, zone: Tz, what: &str) {
    let calendar = Calendar::new(zone, WeekStart::Monday);
    for pin in pins(zone) {
        let now = pin.timestamp();
        let snapshot = compute_report(store, &context(zone, pin), &Filter::default())
            .await
            .unwrap();
        let summary = &snapshot.report.summary;
        let today = calendar.local_date(pin);
        let day_start = |date: NaiveDate| calendar.start_of_day(date).timestamp();
        let yesterday = today - Days::new(1);
        let week = calendar.week_of(today);
        let last_week = week - Days::new(7);
        let month = today.with_day(1).unwrap();
        let last_month = usagetop::period::shift_month(month, -1);
        let got = |totals: &usagetop::analytics::Totals| {
            (
                totals.usage.requests,
                i64::try_from(totals.usage.input_tokens).unwrap(),
            )
        };
        let previous = |block: &usagetop::analytics::summary::PeriodSummary| {
            got(block.previous.as_ref().unwrap())
        };
        let label = format!("{what}, {zone}, pinned at {pin}");
        assert_eq!(
            got(&summary.today.totals),
            direct.count(day_start(today), now).await,
            "today: {label}"
        );
        assert_eq!(
            previous(&summary.today),
            direct
                .count(day_start(yesterday), same_time(zone, yesterday, pin))
                .await,
            "yesterday up to the same second: {label}"
        );
        assert_eq!(
            got(&summary.this_week.totals),
            direct.count(day_start(week), now).await,
            "this week: {label}"
        );
        let same_weekday = last_week + Days::new(u64::try_from((today - week).num_days()).unwrap());
        assert_eq!(
            previous(&summary.this_week),
            direct
                .count(day_start(last_week), same_time(zone, same_weekday, pin))
                .await,
            "last week up to the same second: {label}"
        );
        assert_eq!(
            got(&summary.this_month.totals),
            direct.count(day_start(month), now).await,
            "this month: {label}"
        );
        let same_day = last_month.with_day(today.day()).unwrap();
        assert_eq!(
            previous(&summary.this_month),
            direct
                .count(day_start(last_month), same_time(zone, same_day, pin))
                .await,
            "last month up to the same second: {label}"
        );
        assert_eq!(
            got(&summary.all_time.totals),
            direct.count(usagetop::store::EARLIEST_SECONDS, now).await,
            "all time: {label}"
        );
        assert!(
            snapshot
                .report
                .notes
                .iter()
                .all(|note| !note.contains("left out")),
            "events after a pinned second are not anomalies: {:?}",
            snapshot.report.notes
        );
    }
}

/// Reads `source` directly and through a cache, in two zones.
async fn check_both_ways<S, F, O>(open: F, direct: &Direct<'_>, what: &str)
where
    S: RollupSource + 'static,
    F: Fn() -> O,
    O: std::future::Future<Output = S>,
{
    let cache_dir = tempfile::tempdir().unwrap();
    for zone in [chrono_tz::Europe::Berlin, chrono_tz::Asia::Kathmandu] {
        assert_to_the_second(&open().await, direct, zone, &format!("{what}, direct")).await;
        let cached = CachedStore::open(
            Box::new(open().await),
            &CacheOptions {
                enabled: true,
                dir: cache_dir.path().to_path_buf(),
                late_seconds: 7_200,
                verify: false,
            },
        )
        .await;
        cached
            .refresh_cache(end().timestamp(), &|_| {})
            .await
            .unwrap();
        assert!(cached.has_cached_data(), "{what}: the cache was built");
        assert_to_the_second(&cached, direct, zone, &format!("{what}, cached")).await;
    }
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

fn insert_statements(events: &[DemoEvent], ts: impl Fn(i64) -> String) -> Vec<String> {
    events
        .chunks(500)
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
                        e.input_tokens,
                        e.output_tokens,
                        e.cache_read_tokens,
                        e.cache_write_tokens
                    )
                })
                .collect();
            format!(
                "INSERT INTO usage_events (ts, user_id, model, endpoint, input_tokens, \
                 output_tokens, cache_read_tokens, cache_write_tokens) VALUES {}",
                values.join(", ")
            )
        })
        .collect()
}

const NATIVE_COLUMNS: &str = "user_id TEXT, model TEXT, endpoint TEXT, input_tokens BIGINT, \
     output_tokens BIGINT, cache_read_tokens BIGINT, cache_write_tokens BIGINT";

#[tokio::test]
async fn a_foreign_sqlite_file_counts_to_the_second() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.db");
    let mut sql = vec![format!(
        "CREATE TABLE usage_events (id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, {NATIVE_COLUMNS}); \
         CREATE INDEX usage_ts ON usage_events (ts)"
    )];
    sql.extend(insert_statements(&events(chrono_tz::UTC), |ts| {
        ts.to_string()
    }));
    sqlite_execute(&path, &sql.join("; ")).await;
    let mapping = Mapping::resolve(&SourceConfig::default()).unwrap();
    let open = || async {
        SqliteStore::open(&path, false, mapping.clone())
            .await
            .unwrap()
    };
    check_both_ways(open, &Direct::Sqlite(&path), "foreign SQLite").await;
}

#[tokio::test]
async fn usagetops_own_database_counts_to_the_second() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("usage.db");
    demo::write(&path, &events(chrono_tz::UTC), false)
        .await
        .unwrap();
    let open = || async {
        SqliteStore::open(&path, false, Mapping::default())
            .await
            .unwrap()
    };
    check_both_ways(open, &Direct::Sqlite(&path), "own SQLite").await;
}

#[tokio::test]
async fn postgres_counts_to_the_second() {
    let Some(admin) = server_url() else { return };
    let db = TestDb::create(&admin, "as_of").await;
    db.execute(&format!(
        "CREATE TABLE usage_events (id BIGSERIAL PRIMARY KEY, ts TIMESTAMPTZ NOT NULL, {NATIVE_COLUMNS}); \
         CREATE INDEX usage_ts ON usage_events (ts)"
    ))
    .await;
    for statement in insert_statements(&events(chrono_tz::UTC), |ts| format!("to_timestamp({ts})"))
    {
        db.execute(&statement).await;
    }
    let mapping = Mapping::resolve(&SourceConfig::default()).unwrap();
    let open =
        || async { PgStore::connect_lazy(&db.url, mapping.clone(), Timeouts::default()).unwrap() };
    check_both_ways(open, &Direct::Postgres(&db.url), "PostgreSQL").await;
    db.drop_it().await;
}
