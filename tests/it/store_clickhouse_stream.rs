//! The ClickHouse cold build reads its one `GROUP BY` a batch at a time as
//! the server streams it: a table of more quarter hours than a batch holds
//! comes back in several batches, none larger than a batch, whose rows add
//! up to the whole answer read at once, on the one-pass path and on the
//! exact path (a row left out); and the cache built from the stream answers
//! as ClickHouse does directly.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::DateTime;
use futures_util::StreamExt;
use usagetop::cache::{CacheOptions, CachedStore};
use usagetop::clock::FixedClock;
use usagetop::filter::Filter;
use usagetop::period::{Calendar, WeekStart};
use usagetop::pipeline::{compute_report, ReportContext};
use usagetop::pricing::{PriceFile, PriceTable};
use usagetop::store::clickhouse::ClickhouseStore;
use usagetop::store::mapping::{Mapping, SourceConfig};
use usagetop::store::sql::Scan;
use usagetop::store::{RollupRow, RollupSource, Timeouts, UsageStore};

use crate::support::clickhouse::{server_urls, TestDb};

/// Rows in the table: one per quarter hour, so as many groups.
const ROWS: u64 = 25_000;
/// The first row's time (2026-01-01T00:00:00Z).
const START: i64 = 1_767_225_600;
/// The rows a batch holds at most (`clickhouse::BATCH_ROWS`).
const BATCH: usize = 10_000;

type Key = (Option<i64>, String, bool);
/// Requests, four token sums, cost, kept, rejected, adjusted, first, last.
type Sums = ([i128; 9], Option<i64>, Option<i64>);

/// Rows added up per (slot, model, estimated), as the cache merges them.
fn summed(rows: impl IntoIterator<Item = RollupRow>) -> BTreeMap<Key, Sums> {
    let mut out: BTreeMap<Key, Sums> = BTreeMap::new();
    for row in rows {
        let entry = out
            .entry((row.slot, row.model.clone(), row.estimated))
            .or_insert(([0; 9], None, None));
        let m = &row.measures;
        let values = [
            i128::from(m.requests),
            m.input.0,
            m.output.0,
            m.cache_read.0,
            m.cache_write.0,
            i128::from(m.cost_nanos.unwrap_or(0)),
            i128::from(row.kept),
            i128::from(row.rejected),
            i128::from(row.adjusted),
        ];
        for (sum, value) in entry.0.iter_mut().zip(values) {
            *sum += value;
        }
        entry.1 = match (entry.1, row.first) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        entry.2 = entry.2.max(row.last);
    }
    out
}

fn context(zone: chrono_tz::Tz, now: i64) -> ReportContext {
    ReportContext {
        calendar: Calendar::new(zone, WeekStart::Monday),
        clock: Arc::new(FixedClock(DateTime::from_timestamp(now, 0).unwrap())),
        prices: Arc::new(PriceTable::with_overrides(&PriceFile::default(), "pricing").unwrap()),
        budgets: Arc::new(usagetop::budget::Budgets::default()),
        wall_clock: Arc::new(usagetop::clock::SystemClock),
    }
}

async fn json(store: &dyn UsageStore, zone: chrono_tz::Tz, now: i64) -> String {
    let snapshot = compute_report(store, &context(zone, now), &Filter::default())
        .await
        .unwrap();
    usagetop::output::json::render(&snapshot).unwrap()
}

#[tokio::test]
async fn the_cold_build_streams_its_answer_in_batches() {
    let Some(urls) = server_urls() else { return };
    let db = TestDb::create(&urls, "stream", false).await;
    let server = &db.servers[0];
    let table = format!("{}.usage_events", db.name);
    server
        .execute(&format!(
            "CREATE TABLE {table} (ts DateTime, model String, input_tokens Int64, \
             output_tokens Int64, cache_read_tokens Int64, cache_write_tokens Int64) \
             ENGINE = MergeTree() ORDER BY ts"
        ))
        .await;
    server
        .execute(&format!(
            "INSERT INTO {table} SELECT toDateTime(toUInt32({START} + number * 900 + number % 600)), \
             ['gpt-4o', 'claude-haiku-4-5', 'gemini-2.5-flash'][number % 3 + 1], \
             100 + number % 977, 10 + number % 97, number % 31, number % 7 FROM numbers({ROWS})"
        ))
        .await;
    let mapping = Mapping::resolve(&SourceConfig::default()).unwrap();
    let store = || ClickhouseStore::new(&db.url(), mapping.clone(), Timeouts::default()).unwrap();
    let now = START + i64::try_from(ROWS).unwrap() * 900 + 3_600;
    for exact in [false, true] {
        if exact {
            // A negative count: a row left out, the exact statements answer.
            server
                .execute(&format!(
                    "INSERT INTO {table} VALUES (toDateTime({START} + 450), 'gpt-4o', -5, 1, 0, 0)"
                ))
                .await;
        }
        let source = store();
        let batches: Vec<Vec<RollupRow>> = source
            .rollup_batches(Scan::All)
            .map(Result::unwrap)
            .collect()
            .await;
        assert!(
            batches.len() >= 3,
            "exact {exact}: {} batches for {ROWS} groups",
            batches.len()
        );
        assert!(batches.iter().all(|batch| batch.len() <= BATCH));
        let whole = source.rollup(Scan::All).await.unwrap();
        assert_eq!(
            summed(batches.into_iter().flatten()),
            summed(whole),
            "exact {exact}: the batches add up to the whole answer"
        );
        let dir = tempfile::tempdir().unwrap();
        let options = CacheOptions {
            enabled: true,
            dir: dir.path().to_path_buf(),
            late_seconds: 7_200,
            verify: false,
        };
        let cached = CachedStore::open(Box::new(store()), &options).await;
        cached.rebuild(now, &|_| {}).await.unwrap();
        for zone in [chrono_tz::UTC, chrono_tz::Asia::Kathmandu] {
            assert_eq!(
                json(&cached, zone, now).await,
                json(&store(), zone, now).await,
                "exact {exact}, {zone}: cached and direct reports"
            );
        }
    }
    db.drop_it().await;
}
