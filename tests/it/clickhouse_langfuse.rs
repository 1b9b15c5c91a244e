//! The Langfuse preset: Langfuse v3's ClickHouse `observations` (migration
//! `0002_observations.up.sql`), read through keys of its `Map` columns
//! (`usage_details['input']`), generations only, with `FINAL` so that an
//! observation stored in several versions (a `ReplacingMergeTree` before its
//! merges) counts once in its latest version and a deleted one not at all.
//! On current ClickHouse through chDB (`USAGETOP_TEST_CHDB_PYTHON`, as in
//! `clickhouse_current`): the answers are the expected sums. On the test
//! servers (18.16, no `Map` type): a clear error naming the version.

use usagetop::period::{Calendar, WeekStart};
use usagetop::store::clickhouse::{column_kind, literal, ClickhouseStore};
use usagetop::store::mapping::{self, ColumnRef, Mapping, Preset, SourceConfig};
use usagetop::store::rows::ModelSum;
use usagetop::store::sql::{Dialect, Scan, SqlBuilder, Statement};
use usagetop::store::{SecondsRange, Timeouts, UsageStore};

use crate::support::clickhouse::{server_urls, TestDb};

/// The columns of `observations` the preset reads, in their current types.
const COLUMNS: [(&str, &str); 12] = [
    ("id", "String"),
    ("project_id", "String"),
    ("type", "LowCardinality(String)"),
    ("start_time", "DateTime64(3)"),
    ("name", "String"),
    ("provided_model_name", "Nullable(String)"),
    ("usage_details", "Map(LowCardinality(String), UInt64)"),
    (
        "cost_details",
        "Map(LowCardinality(String), Decimal(18, 12))",
    ),
    ("total_cost", "Nullable(Decimal(18, 12))"),
    ("event_ts", "DateTime64(3)"),
    ("is_deleted", "UInt8"),
    ("trace_id", "String"),
];

const RANGE: SecondsRange = SecondsRange {
    start: 1_790_000_000,
    end: 1_795_000_000,
};

fn langfuse() -> Mapping {
    Mapping::resolve(&SourceConfig {
        preset: Some(Preset::Langfuse),
        ..SourceConfig::default()
    })
    .unwrap()
}

fn builder() -> SqlBuilder {
    let columns: Vec<(String, _)> = COLUMNS
        .iter()
        .map(|(name, data_type)| ((*name).to_owned(), column_kind(data_type)))
        .collect();
    SqlBuilder::new(
        Dialect::Clickhouse,
        mapping::check(&langfuse(), &columns).unwrap(),
    )
}

fn render(statement: &Statement) -> String {
    literal::render(statement).unwrap()
}

#[test]
fn map_keys_parse_and_bad_ones_are_refused() {
    let mapping = langfuse();
    let keys: Vec<String> = mapping.map_keys().iter().map(ToString::to_string).collect();
    assert_eq!(keys[0], "usage_details['input']");
    assert_eq!(keys[1], "usage_details['output']");
    assert_eq!(
        keys[2],
        "usage_details['input_cache_read'] | usage_details['input_cached_tokens'] \
         | usage_details['cache_read_input_tokens']"
    );
    assert!(mapping.read_final);
    assert_eq!(mapping.project.as_deref(), Some("project_id"));
    assert_eq!(mapping.user, None);
    for bad in [
        "usage['in put']",
        "usage[input]",
        "['input']",
        "usage['x');--']",
    ] {
        let error = Mapping::resolve(&SourceConfig {
            input_tokens: Some(bad.to_owned()),
            ..SourceConfig::default()
        })
        .unwrap_err();
        assert!(error.0.contains("map key"), "{bad}: {error}");
    }
    // A map key of a column that is no map: said, with what is expected.
    let plain: Vec<(String, _)> = COLUMNS
        .iter()
        .map(|(name, data_type)| {
            let data_type = if *name == "usage_details" {
                "String"
            } else {
                data_type
            };
            ((*name).to_owned(), column_kind(data_type))
        })
        .collect();
    let error = mapping::check(&mapping, &plain).unwrap_err();
    assert!(error.0.contains("a Map column"), "{error}");
    assert!(matches!(
        &mapping.map_keys()[0],
        ColumnRef::MapKey { column, key } if column == "usage_details" && key == "input"
    ));
}

#[test]
fn statements_read_generations_final_through_map_keys() {
    let builder = builder();
    let calendar = Calendar::new(chrono_tz::UTC, WeekStart::Monday);
    let sql = render(&builder.model_totals(RANGE, &calendar, &Default::default()));
    assert!(sql.contains("FINAL"), "{sql}");
    assert!(sql.contains("['input']"), "{sql}");
    assert!(
        sql.contains("type = 'GENERATION' AND is_deleted = 0"),
        "{sql}"
    );
}

/// The rows: an observation in two versions (inserted apart, so unmerged),
/// a span with usage, a deleted generation, OpenAI and Anthropic cache keys,
/// a generation without a cost (priced as an estimate).
fn inserts() -> Vec<String> {
    let row = |id: &str,
               kind: &str,
               model: &str,
               usage: &str,
               cost: &str,
               version: i64,
               deleted: u8| {
        format!(
            "INSERT INTO observations VALUES ('{id}', 'p1', '{kind}', toDateTime64(1793000000.25, 3), \
             'chat', {model}, map({usage}), map(), {cost}, toDateTime64({version}, 3), {deleted}, 't1')"
        )
    };
    vec![
        row(
            "a",
            "GENERATION",
            "'gpt-4o'",
            "'input', 10, 'output', 1",
            "0.001",
            1_793_000_001,
            0,
        ),
        row(
            "a",
            "GENERATION",
            "'gpt-4o'",
            "'input', 100, 'output', 20, 'input_cached_tokens', 50",
            "0.002",
            1_793_000_002,
            0,
        ),
        row(
            "b",
            "SPAN",
            "NULL",
            "'input', 999",
            "NULL",
            1_793_000_001,
            0,
        ),
        row(
            "c",
            "GENERATION",
            "'claude-sonnet-4-5'",
            "'input', 30, 'output', 40, 'input_cache_read', 7, 'input_cache_creation', 9",
            "NULL",
            1_793_000_001,
            0,
        ),
        row(
            "d",
            "GENERATION",
            "'gpt-4o'",
            "'input', 1000",
            "0.5",
            1_793_000_001,
            0,
        ),
        row(
            "d",
            "GENERATION",
            "'gpt-4o'",
            "'input', 1000",
            "0.5",
            1_793_000_003,
            1,
        ),
        row(
            "e",
            "GENERATION",
            "'gpt-4o'",
            "'input', 5, 'output', 6, 'cache_read_input_tokens', 2",
            "0.0005",
            1_793_000_001,
            0,
        ),
    ]
}

/// A model's row: name, estimated, requests, the four token sums, cost in nano-dollars.
type Summary = (String, bool, i64, [i128; 4], Option<i64>);

#[test]
fn current_clickhouse_reads_langfuse_observations() {
    let Some(python) = crate::support::clickhouse::chdb_python() else {
        return;
    };
    let builder = builder();
    let calendar = Calendar::new(chrono_tz::Asia::Kathmandu, WeekStart::Monday);
    let statements = vec![
        render(&builder.model_totals(RANGE, &calendar, &Default::default())),
        render(&builder.day_model(RANGE, &calendar, &Default::default())),
        render(&builder.rollup_optimistic(Scan::All)),
        render(&builder.bounds()),
        render(&builder.quality(RANGE.end)),
    ];
    let columns: Vec<String> = COLUMNS
        .iter()
        .map(|(name, data_type)| format!("`{name}` {data_type}"))
        .collect();
    let layout = serde_json::json!([{
        "name": "langfuse",
        "create": format!(
            "CREATE TABLE observations ({}) ENGINE = ReplacingMergeTree(event_ts, is_deleted) \
             PARTITION BY toYYYYMM(start_time) ORDER BY (project_id, `type`, toDate(start_time), id)",
            columns.join(", ")
        ),
        "insert": inserts(),
        "statements": statements,
        "show": true,
    }]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("langfuse.json");
    std::fs::write(&path, layout.to_string()).unwrap();
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
        "current ClickHouse refused:\n{text}"
    );
    let data = |index: usize| -> serde_json::Value {
        let prefix = format!("data langfuse {index} ");
        let line = text
            .lines()
            .find_map(|line| line.strip_prefix(&prefix))
            .unwrap_or_else(|| panic!("no answer {index}:\n{text}"));
        serde_json::from_str(line).unwrap()
    };
    let mut models: Vec<ModelSum> = serde_json::from_value(data(0)).unwrap();
    models.sort_by(|a, b| a.model.cmp(&b.model));
    let summary: Vec<Summary> = models
        .iter()
        .map(|row| {
            let m = &row.measures;
            (
                row.model.clone(),
                row.estimated,
                m.requests,
                [m.input.0, m.output.0, m.cache_read.0, m.cache_write.0],
                m.cost_nanos,
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                "claude-sonnet-4-5".to_owned(),
                true,
                1,
                [30, 40, 7, 9],
                None
            ),
            // a's second version and e: d is deleted, b is a span.
            (
                "gpt-4o".to_owned(),
                false,
                2,
                [105, 26, 52, 0],
                Some(2_500_000)
            ),
        ]
    );
    // The rollup's three groups hold the same three observations.
    let rollup = data(2);
    let requests: i64 = rollup
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row[3].as_i64().unwrap())
        .sum();
    assert_eq!(requests, 3, "{rollup}");
}

/// ClickHouse 18.16 has no `Map` type: the preset says so, naming the
/// version, instead of a missing column or a syntax error.
#[tokio::test]
async fn the_langfuse_preset_on_18_16_says_maps_need_a_current_server() {
    let Some(urls) = server_urls() else { return };
    let db = TestDb::create(&urls, "langfuse", false).await;
    let version = db.servers[0].execute("SELECT version()").await;
    if usagetop::store::clickhouse::has_maps(version.trim()) {
        eprintln!(
            "the server ({}) has maps: nothing to refuse",
            version.trim()
        );
        db.drop_it().await;
        return;
    }
    db.servers[0]
        .execute(&format!(
            "CREATE TABLE {}.observations (id String, project_id String, type String, \
             start_time DateTime, provided_model_name Nullable(String), usage_details String, \
             total_cost Nullable(Float64), is_deleted UInt8, event_ts DateTime) \
             ENGINE = ReplacingMergeTree(event_ts) ORDER BY (project_id, id)",
            db.name
        ))
        .await;
    let store = ClickhouseStore::new(&db.url(), langfuse(), Timeouts::default()).unwrap();
    let error = store.prepare().await.unwrap_err().to_string();
    assert!(error.contains("has no Map type"), "{error}");
    assert!(error.contains(version.trim()), "{error}");
    assert!(error.contains("usage_details['input']"), "{error}");
    db.drop_it().await;
}
