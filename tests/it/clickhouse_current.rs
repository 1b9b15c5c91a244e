//! Current ClickHouse versions read usagetop's SQL too: every kind of
//! statement the ClickHouse store sends (the checks of a source, bounds,
//! rollups streamed and exact, days and models in zones with a DST change
//! and a 45-minute offset, dimensions, the first event, the count of
//! unusable rows), for each timestamp kind, `DateTime64(3)` (Helicone's and
//! Langfuse's type) included, is run by chDB, the current ClickHouse
//! embedded in PyPI's `chdb`, on a table of those columns with a few rows
//! (`.ci/chdb_check.py`). `USAGETOP_TEST_CHDB_PYTHON` names a Python with
//! `chdb` installed (`pip install chdb`; `.ci/run` installs it and sets the
//! variable); without it the test says it was skipped, except in CI, where
//! it fails (the servers CI runs are Debian's 18.16). Every statement is
//! rendered with its values in any case.

use usagetop::filter::{Dimension, Filter};
use usagetop::period::{Calendar, WeekStart};
use usagetop::store::clickhouse::{column_kind, literal};
use usagetop::store::mapping::{self, Mapping, SourceConfig, TimeKind};
use usagetop::store::sql::{Dialect, Scan, SqlBuilder, Statement};
use usagetop::store::SecondsRange;

/// A timestamp column type, how the builder reads it, and how a row writes it.
const LAYOUTS: [(&str, TimeKind, &str); 7] = [
    ("DateTime", TimeKind::TimestampTz, "toDateTime(1793000000)"),
    (
        "DateTime64(3)",
        TimeKind::TimestampTz,
        "toDateTime64(1793000000.25, 3)",
    ),
    (
        "Nullable(DateTime64(3, 'UTC'))",
        TimeKind::TimestampTz,
        "NULL",
    ),
    ("UInt32", TimeKind::UnixSeconds, "1793000000"),
    ("Nullable(Int64)", TimeKind::UnixMillis, "1793000000250"),
    ("String", TimeKind::IsoText, "'2026-10-26T09:33:20+05:45'"),
    ("Date", TimeKind::Date, "toDate('2026-10-26')"),
];

const RANGE: SecondsRange = SecondsRange {
    start: 1_790_000_000,
    end: 1_795_000_000,
};

fn render(statement: &Statement) -> String {
    literal::render(statement).unwrap_or_else(|error| panic!("{error}: {statement:?}"))
}

/// Every kind of statement the store sends, for `ts_type`.
fn statements(ts_type: &str, time: TimeKind) -> Vec<String> {
    let mapping = Mapping::resolve(&SourceConfig::default()).unwrap();
    let columns: Vec<(String, _)> = [
        ("ts", ts_type),
        ("user_id", "String"),
        ("model", "LowCardinality(Nullable(String))"),
        ("endpoint", "LowCardinality(String)"),
        ("input_tokens", "Int64"),
        ("output_tokens", "Nullable(Int64)"),
        ("cache_read_tokens", "UInt64"),
        ("cache_write_tokens", "Nullable(Int32)"),
    ]
    .iter()
    .map(|(name, data_type)| ((*name).to_owned(), column_kind(data_type)))
    .collect();
    let mut checked = mapping::check(&mapping, &columns).unwrap();
    let probes = SqlBuilder::new(Dialect::Clickhouse, checked.clone());
    checked.time = time;
    let builder = SqlBuilder::new(Dialect::Clickhouse, checked);
    let mut filter = Filter::default();
    *filter.patterns_mut(Dimension::Model) = vec!["claude*".to_owned(), "o'k\\*".to_owned()];
    // The probes that settle the kind, sent for the kinds they settle.
    let mut out = match time {
        TimeKind::UnixSeconds | TimeKind::UnixMillis => vec![render(&probes.unit_count())],
        TimeKind::IsoText => vec![render(&probes.sample_timestamp_text())],
        _ => Vec::new(),
    };
    out.push(render(&builder.quality(RANGE.end)));
    // The rollup cache's statements (a daily source has no cache).
    if !time.is_daily() {
        out.push(render(&builder.bounds()));
        let mut streamed = render(&builder.rollup_optimistic(Scan::All));
        streamed.push_str(" ORDER BY usagetop_rejected DESC");
        out.push(streamed);
        out.extend(builder.rollup(Scan::Since(RANGE.start)).iter().map(render));
        out.extend(
            builder
                .rollup(Scan::Between(RANGE.start, RANGE.end))
                .iter()
                .map(render),
        );
    }
    for zone in [
        chrono_tz::UTC,
        chrono_tz::America::New_York,
        chrono_tz::Asia::Kathmandu,
    ] {
        let calendar = Calendar::new(zone, WeekStart::Monday);
        out.push(render(&builder.day_model(RANGE, &calendar, &filter)));
        out.push(render(&builder.model_totals(RANGE, &calendar, &filter)));
        out.push(render(&builder.first(RANGE.end, &calendar, &filter)));
        out.push(render(
            &builder
                .day_dimension(RANGE, &calendar, &filter, Dimension::User)
                .unwrap(),
        ));
    }
    out
}

/// Every statement renders: as many values as placeholders, whatever
/// expression repeats the timestamp (runs without chDB).
#[test]
fn every_statement_has_its_values() {
    for (ts_type, time, _) in LAYOUTS {
        assert!(statements(ts_type, time).len() >= 13, "{ts_type}");
    }
}

#[test]
fn current_clickhouse_runs_every_statement() {
    let Some(python) = crate::support::clickhouse::chdb_python() else {
        return;
    };
    let layouts: Vec<serde_json::Value> = LAYOUTS
        .iter()
        .map(|(ts_type, time, value)| {
            serde_json::json!({
                "name": ts_type,
                "create": format!(
                    "CREATE TABLE usage_events (ts {ts_type}, user_id String, \
                     model LowCardinality(Nullable(String)), endpoint LowCardinality(String), \
                     input_tokens Int64, output_tokens Nullable(Int64), cache_read_tokens UInt64, \
                     cache_write_tokens Nullable(Int32)) ENGINE = MergeTree ORDER BY tuple()"
                ),
                "insert": format!(
                    "INSERT INTO usage_events VALUES ({value}, 'u1', 'claude-haiku-4-5', '/v1', 10, 5, 1, 0), \
                     ({value}, 'u2', NULL, '/v1', -3, NULL, 0, NULL)"
                ),
                "statements": statements(ts_type, *time),
            })
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("statements.json");
    std::fs::write(&path, serde_json::to_string(&layouts).unwrap()).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/chdb_check.py");
    let output = std::process::Command::new(python)
        .arg(script)
        .arg(&path)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    println!("{text}");
    assert!(
        output.status.success(),
        "current ClickHouse refused statements:\n{text}"
    );
    assert!(text.contains("ok   DateTime64(3)"), "{text}");
}
