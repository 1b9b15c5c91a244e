//! `[import] follow`: the dashboard's background task imports what is new in
//! the followed logs before each refresh, so the numbers follow a Claude
//! Code log as it grows (and a new session file) and an application's JSON
//! lines through the `[import]` columns; a database usagetop did
//! not create, a server database or the demo database is refused before
//! the screen opens, with the reason.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, watch};
use usagetop::cache::{CacheOptions, CachedStore};
use usagetop::clock::FixedClock;
use usagetop::filter::Dimension;
use usagetop::import::follow::{Followed, Follower};
use usagetop::import::mapping::ImportMapping;
use usagetop::import::SourceKind;
use usagetop::period::{Calendar, WeekStart};
use usagetop::pipeline::{ReportContext, ReportRequest, Snapshot};
use usagetop::pricing::{PriceFile, PriceTable};
use usagetop::protocol::{RefreshRequest, WorkerEvent};
use usagetop::store::mapping::Mapping;
use usagetop::store::sqlite::SqliteStore;

use super::*;

fn context() -> ReportContext {
    let now = chrono::DateTime::parse_from_rfc3339("2026-03-05T00:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    ReportContext {
        calendar: Calendar::new(chrono_tz::UTC, WeekStart::Monday),
        clock: Arc::new(FixedClock(now)),
        prices: Arc::new(PriceTable::with_overrides(&PriceFile::default(), "pricing").unwrap()),
        budgets: Arc::new(usagetop::budget::Budgets::default()),
        wall_clock: Arc::new(usagetop::clock::SystemClock),
    }
}

/// What the worker said until a report whose all-time totals are `want`.
async fn until_totals(
    events: &mut mpsc::UnboundedReceiver<WorkerEvent>,
    want: &Totals,
) -> (Arc<Snapshot>, Vec<WorkerEvent>) {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let event = tokio::time::timeout(left, events.recv())
            .await
            .unwrap_or_else(|_| panic!("no report with {want:?}; the worker said {seen:#?}"))
            .unwrap();
        if let WorkerEvent::Report(snapshot) = &event {
            let all = &snapshot.report.summary.all_time.totals;
            let usage = all.usage;
            let got = Totals {
                requests: usage.requests,
                input: i64::try_from(usage.input_tokens).unwrap(),
                output: i64::try_from(usage.output_tokens).unwrap(),
                read: i64::try_from(usage.cache_read_tokens).unwrap(),
                write: i64::try_from(usage.cache_write_tokens).unwrap(),
                write_1h: i64::try_from(usage.cache_write_1h_tokens).unwrap(),
                cost: all.cost.normalize(),
            };
            if got == *want {
                return (Arc::clone(snapshot), seen);
            }
        }
        seen.push(event);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_worker_follows_a_growing_claude_code_log() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("claude/projects");
    let log = root.join("-Users-dev-code-acme-api/2ff46cd5.jsonl");
    let a = sonnet("msg_A", "2026-03-01T22:38:51.102Z", 1);
    // The second response is still being written: its line is unfinished.
    let b = sonnet("msg_B", "2026-03-02T09:00:00.000Z", 3);
    let b_line = claude_lines(&b, "2ff46cd5", "req_B", false, 1).remove(0);
    write_lines(
        &log,
        &claude_lines(&a, "2ff46cd5", "req_A", false, 3),
        Some(&b_line[..50]),
    );
    // An application's own JSON lines, through the [import] columns.
    let app_log = dir.path().join("app/usage.jsonl");
    let app_call = |id: &'static str, ts: &'static str, input: i64| Call {
        id,
        model: "gpt-5",
        ts,
        input,
        output: input / 2,
        read: 0,
        write_5m: 0,
        write_1h: 0,
    };
    let app_line = |call: &Call| {
        json!({"ts": call.ts, "model": call.model, "input_tokens": call.input,
               "output_tokens": call.output, "project": "app"})
        .to_string()
    };
    let first_app = app_call("app-1", "2026-03-02T12:00:00Z", 1_000);
    write_lines(&app_log, &[app_line(&first_app)], None);
    let db = dir.path().join("usage.db");
    let follower = Follower::open(
        &db,
        vec![
            Followed {
                kind: SourceKind::ClaudeCode,
                paths: vec![root.clone()],
            },
            Followed {
                kind: SourceKind::Jsonl,
                paths: vec![app_log.clone()],
            },
        ],
        ImportMapping::default().columns(),
    )
    .await
    .unwrap();
    let cache_dir = tempfile::tempdir().unwrap();
    let store = CachedStore::open(
        Box::new(
            SqliteStore::open(&db, false, Mapping::default())
                .await
                .unwrap(),
        ),
        &CacheOptions {
            enabled: true,
            dir: cache_dir.path().to_path_buf(),
            late_seconds: 7_200,
            verify: false,
        },
    )
    .await;
    let (request_tx, request_rx) = watch::channel(RefreshRequest::default());
    let (event_tx, mut events) = mpsc::unbounded_channel();
    let worker = tokio::spawn(usagetop::worker::run(
        Box::new(store),
        context(),
        Duration::from_millis(400),
        request_rx,
        event_tx,
        None,
        Some(follower),
    ));

    // The first refresh imports what is there: one request of each.
    let (_, said) = until_totals(&mut events, &expected(&[a.clone(), first_app.clone()])).await;
    let imported: Vec<&String> = said
        .iter()
        .filter_map(|event| match event {
            WorkerEvent::Imported(line) => Some(line),
            _ => None,
        })
        .collect();
    assert_eq!(
        imported,
        ["imported: claude-code 1 new; jsonl 1 new"],
        "{said:#?}"
    );
    assert!(
        said.iter()
            .any(|event| matches!(event, WorkerEvent::Importing(progress) if progress.source == "claude-code")),
        "progress for the footer: {said:#?}"
    );

    // The log grows: the unfinished line completed, a new response streamed
    // in two lines; and a new session starts in another project.
    let c = haiku("msg_C", "2026-03-03T10:00:00.000Z");
    let mut grown = format!("{}\n", &b_line[50..]);
    for line in claude_lines(&c, "2ff46cd5", "req_C", false, 2) {
        grown.push_str(&line);
        grown.push('\n');
    }
    append(&log, &grown);
    let d = sonnet("msg_D", "2026-03-04T08:00:00.000Z", 2);
    write_lines(
        &root.join("-Users-dev-code-billing/9c1e.jsonl"),
        &claude_lines(&d, "9c1e", "req_D", false, 2),
        None,
    );
    let second_app = app_call("app-2", "2026-03-04T12:00:00Z", 3_000);
    append(&app_log, &format!("{}\n", app_line(&second_app)));
    let all = [
        a.clone(),
        b.clone(),
        c.clone(),
        d.clone(),
        first_app.clone(),
        second_app.clone(),
    ];
    let (_, said) = until_totals(&mut events, &expected(&all)).await;
    assert!(
        said.iter()
            .all(|event| !matches!(event, WorkerEvent::Failed { .. })),
        "{said:#?}"
    );

    // The new project is a dimension at once: a breakdown by project.
    let sequence = request_tx.borrow().sequence + 1;
    request_tx.send_replace(RefreshRequest {
        report: ReportRequest {
            breakdown: Some((Dimension::Project, false)),
            ..ReportRequest::default()
        },
        sequence,
    });
    let (snapshot, _) = until_totals(&mut events, &expected(&all)).await;
    let monthly = &snapshot.breakdown.as_ref().unwrap().monthly.rows;
    let requests: BTreeMap<&str, i64> = monthly
        .iter()
        .map(|row| (row.key.as_str(), row.totals.usage.requests))
        .collect();
    assert_eq!(
        requests,
        BTreeMap::from([
            ("-Users-dev-code-acme-api", 3),
            ("-Users-dev-code-billing", 1),
            ("app", 2)
        ])
    );
    worker.abort();
}

fn write_config(sandbox: &Sandbox, text: &str) -> String {
    let path = sandbox.path("config.toml");
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn following_refuses_a_database_usagetop_did_not_create() {
    let sandbox = Sandbox::new();
    let config = write_config(&sandbox, "[import]\nfollow = [\"claude-code\"]\n");
    // A SQLite file of someone else's.
    let foreign = sandbox.path("app.db");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        use sqlx::Connection;
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&foreign)
            .create_if_missing(true);
        let mut conn = sqlx::SqliteConnection::connect_with(&options)
            .await
            .unwrap();
        sqlx::raw_sql(
            "CREATE TABLE usage_events (ts INTEGER, model TEXT, input_tokens INTEGER, output_tokens INTEGER)",
        )
        .execute(&mut conn)
        .await
        .unwrap();
        conn.close().await.unwrap();
    });
    let before = std::fs::read(&foreign).unwrap();
    let output = sandbox.run(&["--config", &config, "--database-url", &url_of(&foreign)]);
    assert_clean_failure(
        &output,
        &[
            "[import] follow",
            "was not created by usagetop",
            "remove follow",
        ],
    );
    assert_eq!(std::fs::read(&foreign).unwrap(), before, "left untouched");
    // A server database, and the demo database.
    let output = sandbox.run(&[
        "--config",
        &config,
        "--database-url",
        "postgres://me@127.0.0.1:1/usage",
    ]);
    assert_clean_failure(&output, &["[import] follow", "server database"]);
    let output = sandbox.run(&["--config", &config, "--demo"]);
    assert_clean_failure(&output, &["[import] follow", "demo database"]);
    // An entry that cannot be used names the key and the file.
    let config = write_config(&sandbox, "[import]\nfollow = [\"csv\"]\n");
    let output = sandbox.run(&["--config", &config]);
    assert_clean_failure(
        &output,
        &["config.toml", "[import] follow: csv has no default folder"],
    );
}
