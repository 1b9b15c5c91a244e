//! Refresh benchmark: generates N usage events reproducibly (SQLite, and
//! PostgreSQL when `--pg URL` is given), then times, in one run, the
//! database engine's own single-pass aggregate (`GROUP BY model` over the
//! whole table, the baseline) against one full usagetop refresh (every
//! query of a report plus the analytics), and the time to draw one frame.
//! Figures are medians of `--repeat` runs, reported as ratios to the baseline.
//!
//! `cargo bench --bench report -- --rows 1000000 [--pg postgres://postgres@127.0.0.1/postgres]`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::DateTime;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use sqlx::{AssertSqlSafe, Connection};
use usagetop::analytics::trend::View;
use usagetop::app::{App, Context, Message};
use usagetop::clock::FixedClock;
use usagetop::filter::Filter;
use usagetop::period::{Calendar, WeekStart};
use usagetop::pricing::{PriceFile, PriceTable};
use usagetop::store::mapping::Mapping;
use usagetop::store::postgres::PgStore;
use usagetop::store::sqlite::SqliteStore;
use usagetop::store::{Timeouts, UsageStore};
use usagetop::worker::{compute_report, ReportContext, WorkerEvent};

/// The end of the generated data, and the pinned clock.
const END: i64 = 1_795_867_200; // 2026-11-28T12:00:00Z
/// Days the events spread over.
const DAYS: i64 = 400;
const MODELS: [&str; 8] = [
    "claude-sonnet-4-5-20250929",
    "claude-haiku-4-5",
    "gpt-4o-2024-08-06",
    "gpt-4o-mini",
    "gpt-5",
    "gemini-2.5-flash",
    "claude-opus-4-1-20250805",
    "in-house-model",
];

struct Options {
    rows: i64,
    repeat: usize,
    pg: Option<String>,
}

fn options() -> Options {
    let mut options = Options {
        rows: 1_000_000,
        repeat: 3,
        pg: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--rows" => options.rows = args.next().and_then(|v| v.parse().ok()).expect("--rows N"),
            "--repeat" => {
                options.repeat = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--repeat N")
            }
            "--pg" => options.pg = args.next(),
            _ => {} // cargo bench passes --bench
        }
    }
    options
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

async fn time<F, Fut>(repeat: usize, mut run: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut samples = Vec::new();
    for _ in 0..repeat {
        let start = Instant::now();
        run().await;
        samples.push(start.elapsed());
    }
    median(samples)
}

fn context() -> ReportContext {
    ReportContext {
        calendar: Calendar::new(chrono_tz::Europe::Berlin, WeekStart::Monday),
        clock: Arc::new(FixedClock(DateTime::from_timestamp(END, 0).unwrap())),
        prices: Arc::new(PriceTable::with_overrides(&PriceFile::default(), "pricing").unwrap()),
        budgets: Arc::new(usagetop::budget::Budgets::default()),
    }
}

const BASELINE: &str = "SELECT model, COUNT(*), SUM(input_tokens), SUM(output_tokens), \
                        SUM(cache_read_tokens), SUM(cache_write_tokens) FROM usage_events GROUP BY model";

async fn sqlite_fixture(rows: i64) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bench.db");
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true);
    let mut conn = sqlx::SqliteConnection::connect_with(&options)
        .await
        .unwrap();
    sqlx::raw_sql(AssertSqlSafe(
        "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
         CREATE TABLE usage_events (id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, user_id TEXT, model TEXT NOT NULL,
           endpoint TEXT, input_tokens INTEGER NOT NULL DEFAULT 0, output_tokens INTEGER NOT NULL DEFAULT 0,
           cache_read_tokens INTEGER NOT NULL DEFAULT 0, cache_write_tokens INTEGER NOT NULL DEFAULT 0);
         WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n LIMIT ROWS_PLACEHOLDER)
         INSERT INTO usage_events (ts, user_id, model, endpoint, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens)
         SELECT START_PLACEHOLDER + (i * SPAN_PLACEHOLDER) / ROWS_PLACEHOLDER, 'u' || (i % 50),
                CASE i % 8 WHEN 0 THEN 'claude-sonnet-4-5-20250929' WHEN 1 THEN 'claude-haiku-4-5' WHEN 2 THEN 'gpt-4o-2024-08-06'
                  WHEN 3 THEN 'gpt-4o-mini' WHEN 4 THEN 'gpt-5' WHEN 5 THEN 'gemini-2.5-flash'
                  WHEN 6 THEN 'claude-opus-4-1-20250805' ELSE 'in-house-model' END,
                '/v1/messages', 100 + (i * 7919) % 3900, 10 + (i * 104729) % 990, (i * 31) % 5000, (i * 17) % 300
         FROM n;
         CREATE INDEX usage_events_ts ON usage_events (ts);"
            .replace("ROWS_PLACEHOLDER", &rows.to_string())
            .replace("START_PLACEHOLDER", &(END - DAYS * 86_400).to_string())
            .replace("SPAN_PLACEHOLDER", &(DAYS * 86_400).to_string()),
    ))
    .execute(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();
    (dir, path)
}

async fn pg_fixture(admin: &str, rows: i64) -> String {
    let mut conn = sqlx::PgConnection::connect(admin).await.unwrap();
    sqlx::raw_sql("DROP DATABASE IF EXISTS usagetop_bench WITH (FORCE)")
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::raw_sql("CREATE DATABASE usagetop_bench")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    let options: sqlx::postgres::PgConnectOptions = admin.parse().unwrap();
    let url = format!(
        "postgres://{}@{}:{}/usagetop_bench",
        options.get_username(),
        options.get_host(),
        options.get_port()
    );
    let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
    sqlx::raw_sql(include_str!("../migrations/postgres/0001_usage_events.sql"))
        .execute(&mut conn)
        .await
        .unwrap();
    let models = MODELS
        .iter()
        .map(|m| format!("'{m}'"))
        .collect::<Vec<_>>()
        .join(",");
    let insert = format!(
        "INSERT INTO usage_events (ts, user_id, model, endpoint, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens)
         SELECT to_timestamp({start} + (g * {span}::bigint) / {rows}), 'u' || (g % 50), (ARRAY[{models}])[1 + g % 8],
                '/v1/messages', 100 + (g * 7919::bigint) % 3900, 10 + (g * 104729::bigint) % 990, (g * 31) % 5000, (g * 17) % 300
         FROM generate_series(0, {rows} - 1) AS g; ANALYZE usage_events;",
        start = END - DAYS * 86_400,
        span = DAYS * 86_400,
    );
    sqlx::raw_sql(AssertSqlSafe(insert))
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    url
}

async fn measure(
    name: &str,
    store: &dyn UsageStore,
    baseline: impl std::future::Future<Output = Duration>,
    repeat: usize,
) {
    let context = context();
    store.prepare().await.unwrap();
    let engine = baseline.await;
    let refresh = time(repeat, || async {
        compute_report(store, &context, &Filter::default())
            .await
            .unwrap();
    })
    .await;
    println!(
        "{name:<10} engine GROUP BY model {:>9.1} ms | usagetop full refresh {:>9.1} ms | ratio {:>5.2}",
        engine.as_secs_f64() * 1e3,
        refresh.as_secs_f64() * 1e3,
        refresh.as_secs_f64() / engine.as_secs_f64()
    );
}

fn frame_time(report: Arc<usagetop::analytics::Report>, width: u16, height: u16) -> Duration {
    let mut app = App::new(
        View::Daily,
        Context {
            database: "sqlite:///bench.db".to_owned(),
            tz: chrono_tz::Europe::Berlin,
            pinned_clock: true,
            keymap: usagetop::keymap::Keymap::default(),
        },
    );
    app.update(Message::Worker(WorkerEvent::Report(report)));
    let theme = usagetop::ui::theme::Theme::new(true);
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    let frames = 200;
    let start = Instant::now();
    for _ in 0..frames {
        terminal
            .draw(|frame| usagetop::ui::render(frame, &app, &theme))
            .unwrap();
    }
    start.elapsed() / frames
}

fn main() {
    let options = options();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        println!(
            "rows: {} over {DAYS} days, {} models; medians of {} runs",
            options.rows,
            MODELS.len(),
            options.repeat
        );
        let start = Instant::now();
        let (_dir, path) = sqlite_fixture(options.rows).await;
        println!(
            "sqlite fixture generated in {:.1} s",
            start.elapsed().as_secs_f64()
        );
        let store = SqliteStore::open(&path, false, Mapping::default())
            .await
            .unwrap();
        let baseline_path = path.clone();
        let repeat = options.repeat;
        measure(
            "sqlite",
            &store,
            async move {
                let options = sqlx::sqlite::SqliteConnectOptions::new()
                    .filename(&baseline_path)
                    .read_only(true);
                let mut conn = sqlx::SqliteConnection::connect_with(&options)
                    .await
                    .unwrap();
                let mut samples = Vec::new();
                for _ in 0..repeat {
                    let start = Instant::now();
                    sqlx::raw_sql(BASELINE).execute(&mut conn).await.unwrap();
                    samples.push(start.elapsed());
                }
                median(samples)
            },
            options.repeat,
        )
        .await;
        let report = Arc::new(
            compute_report(&store, &context(), &Filter::default())
                .await
                .unwrap(),
        );
        for (width, height) in [(120, 40), (200, 60)] {
            println!(
                "frame {width}x{height}: {:.3} ms",
                frame_time(Arc::clone(&report), width, height).as_secs_f64() * 1e3
            );
        }
        if let Some(admin) = &options.pg {
            let start = Instant::now();
            let url = pg_fixture(admin, options.rows).await;
            println!(
                "postgres fixture generated in {:.1} s",
                start.elapsed().as_secs_f64()
            );
            let store = PgStore::connect_lazy(
                &url,
                Mapping::default(),
                Timeouts {
                    connect: Duration::from_secs(5),
                    statement: Duration::from_secs(600),
                },
            )
            .unwrap();
            let baseline_url = url.clone();
            measure(
                "postgres",
                &store,
                async move {
                    let mut conn = sqlx::PgConnection::connect(&baseline_url).await.unwrap();
                    let mut samples = Vec::new();
                    for _ in 0..repeat {
                        let start = Instant::now();
                        sqlx::raw_sql(BASELINE).execute(&mut conn).await.unwrap();
                        samples.push(start.elapsed());
                    }
                    median(samples)
                },
                options.repeat,
            )
            .await;
            let mut conn = sqlx::PgConnection::connect(admin).await.unwrap();
            let _ = sqlx::raw_sql("DROP DATABASE IF EXISTS usagetop_bench WITH (FORCE)")
                .execute(&mut conn)
                .await;
        }
    });
}
