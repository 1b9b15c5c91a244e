//! Properties of the whole path from events to buckets: random events in a
//! real SQLite table, random zones (DST, half- and quarter-hour offsets) and
//! a random "now"; the report's daily, weekly and monthly buckets must hold
//! exactly the events whose local date (by chrono-tz) falls in them, the
//! daily buckets must add up to the weekly and monthly ones over the same
//! days, and the totals must equal the sum of the events. Fixed seed, fixed
//! budget.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use chrono::{DateTime, Datelike, Days, NaiveDate};
use chrono_tz::Tz;
use proptest::prelude::*;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AssertSqlSafe, Connection, SqliteConnection};
use usagetop::analytics::trend::Bucket;
use usagetop::clock::FixedClock;
use usagetop::filter::Filter;
use usagetop::period::{Calendar, WeekStart};
use usagetop::pipeline::{compute_report, ReportContext};
use usagetop::pricing::{PriceFile, PriceTable};
use usagetop::store::mapping::Mapping;
use usagetop::store::sqlite::SqliteStore;

const ZONES: [Tz; 8] = [
    chrono_tz::UTC,
    chrono_tz::Europe::Berlin,
    chrono_tz::America::New_York,
    chrono_tz::America::Santiago,
    chrono_tz::Asia::Kathmandu,
    chrono_tz::Australia::Lord_Howe,
    chrono_tz::Pacific::Chatham,
    chrono_tz::America::St_Johns,
];

#[derive(Debug, Clone)]
struct Case {
    zone: Tz,
    week_start: WeekStart,
    now: i64,
    /// (seconds before the quarter hour holding "now", input tokens)
    events: Vec<(i64, i64)>,
}

fn arb_case() -> impl Strategy<Value = Case> {
    (
        proptest::sample::select(ZONES.to_vec()),
        prop_oneof![Just(WeekStart::Monday), Just(WeekStart::Sunday)],
        1_704_067_200_i64..1_798_761_600, // 2024-01-01 .. 2027-01-01
        proptest::collection::vec(
            (
                prop_oneof![1_i64..86_400 * 3, 1_i64..86_400 * 400],
                0_i64..1_000_000,
            ),
            0..120,
        ),
    )
        .prop_map(|(zone, week_start, now, events)| Case {
            zone,
            week_start,
            now,
            events,
        })
}

/// Usage (requests, input tokens) of the events whose local day is in `[first, last]`.
fn expected(
    case: &Case,
    instants: &[(i64, i64)],
    first: NaiveDate,
    last: NaiveDate,
) -> (i64, i128) {
    instants
        .iter()
        .filter(|(ts, _)| {
            let day = DateTime::from_timestamp(*ts, 0)
                .unwrap()
                .with_timezone(&case.zone)
                .date_naive();
            day >= first && day <= last
        })
        .fold((0, 0), |(requests, input), (_, tokens)| {
            (requests + 1, input + i128::from(*tokens))
        })
}

fn usage_of(bucket: &Bucket) -> (i64, i128) {
    (
        bucket.totals.usage.requests,
        bucket.totals.usage.input_tokens,
    )
}

async fn check(case: Case) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.db");
    let mut conn = SqliteConnection::connect_with(
        &SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true),
    )
    .await
    .unwrap();
    sqlx::raw_sql(
        "CREATE TABLE usage_events (id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, user_id TEXT, \
         model TEXT NOT NULL, endpoint TEXT, input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL, \
         cache_read_tokens INTEGER NOT NULL DEFAULT 0, cache_write_tokens INTEGER NOT NULL DEFAULT 0)",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    // Events end before the quarter hour holding "now" (the report counts
    // "now" to the end of its quarter hour).
    let floor = case.now.div_euclid(900) * 900;
    let instants: Vec<(i64, i64)> = case
        .events
        .iter()
        .map(|(before, tokens)| (floor - before, *tokens))
        .collect();
    if !instants.is_empty() {
        let values: Vec<String> = instants
            .iter()
            .map(|(ts, tokens)| format!("({ts}, 'gpt-4o', {tokens}, 0)"))
            .collect();
        sqlx::raw_sql(AssertSqlSafe(format!(
            "INSERT INTO usage_events (ts, model, input_tokens, output_tokens) VALUES {}",
            values.join(", ")
        )))
        .execute(&mut conn)
        .await
        .unwrap();
    }
    conn.close().await.unwrap();
    let store = SqliteStore::open(&path, false, Mapping::default())
        .await
        .unwrap();
    let now = DateTime::from_timestamp(case.now, 0).unwrap();
    let context = ReportContext {
        calendar: Calendar::new(case.zone, case.week_start),
        clock: Arc::new(FixedClock(now)),
        prices: Arc::new(PriceTable::with_overrides(&PriceFile::default(), "pricing").unwrap()),
        budgets: Arc::new(usagetop::budget::Budgets::default()),
        wall_clock: Arc::new(usagetop::clock::SystemClock),
    };
    let report = compute_report(&store, &context, &Filter::default())
        .await
        .unwrap();
    let today = now.with_timezone(&case.zone).date_naive();

    let daily = &report.trends.daily;
    prop_assert_eq!(daily.len(), 30);
    for bucket in daily {
        prop_assert_eq!(
            usage_of(bucket),
            expected(&case, &instants, bucket.start, bucket.start),
            "day {} in {}",
            bucket.start,
            case.zone
        );
    }
    let days_in = |first: NaiveDate, last: NaiveDate| {
        daily
            .iter()
            .filter(|bucket| bucket.start >= first && bucket.start <= last)
            .fold((0, 0), |(r, i), bucket| {
                let (br, bi) = usage_of(bucket);
                (r + br, i + bi)
            })
    };
    let oldest_day = daily[0].start;
    for bucket in &report.trends.weekly {
        let last = (bucket.start + Days::new(6)).min(today);
        prop_assert_eq!(
            usage_of(bucket),
            expected(&case, &instants, bucket.start, last),
            "week of {} in {}",
            bucket.start,
            case.zone
        );
        if bucket.start >= oldest_day {
            prop_assert_eq!(usage_of(bucket), days_in(bucket.start, last));
        }
    }
    for bucket in &report.trends.monthly {
        let next = bucket
            .start
            .checked_add_months(chrono::Months::new(1))
            .unwrap();
        let last = (next - Days::new(1)).min(today);
        prop_assert_eq!(bucket.start.day(), 1);
        prop_assert_eq!(
            usage_of(bucket),
            expected(&case, &instants, bucket.start, last),
            "month of {} in {}",
            bucket.start,
            case.zone
        );
        if bucket.start >= oldest_day {
            prop_assert_eq!(usage_of(bucket), days_in(bucket.start, last));
        }
    }
    let all = report.summary.all_time.totals.usage;
    prop_assert_eq!(
        (all.requests, all.input_tokens),
        instants.iter().fold((0, 0), |(r, i), (_, tokens)| (
            r + 1,
            i + i128::from(*tokens)
        ))
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 96,
        failure_persistence: None,
        rng_seed: proptest::test_runner::RngSeed::Fixed(20_261_129),
        .. ProptestConfig::default()
    })]

    #[test]
    fn buckets_hold_exactly_their_local_days(case in arb_case()) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(check(case))?;
    }
}
