//! Refresh benchmark: generates N usage events reproducibly (SQLite, and
//! PostgreSQL, MariaDB or MySQL, and ClickHouse when their URLs are given:
//! `--pg`, `--mysql`, `--clickhouse`, with `--clickhouse-shard` a second
//! server for a `Distributed` table over both), then reports side by side,
//! in one run:
//! (a) the cold build of the rollup cache against the database engine's own
//! single-pass aggregate (`GROUP BY model` over the whole table), as a ratio;
//! (b) a warm refresh after 1,000 new rows (incremental cache update plus the
//! report) against the plain uncached refresh, as a ratio; (c) the time to
//! draw one frame at 120x40 and 200x60; (d) the peak memory of the
//! `usagetop report` process (cold cache, warm cache, no cache).
//! Figures are medians of `--repeat` runs. Two shapes of data: `uniform`
//! (evenly spaced rows, round-robin models) and `realistic` (growth,
//! weekday and hour rhythm, burst days, Zipf users, a drifting model mix;
//! see `shapes/realistic.rs`), in a table usagetop did not create, indexed
//! on the timestamp only.
//!
//! `cargo bench --bench report -- --rows 1000000 [--shape uniform|realistic|both] [--pg postgres://postgres@127.0.0.1/postgres]
//!  [--mysql mysql://root@127.0.0.1:3306/mysql] [--clickhouse clickhouse://USER:PASSWORD@127.0.0.1:18123/default
//!  [--clickhouse-shard clickhouse://USER:PASSWORD@127.0.0.1:18124/default]]`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]
// It starts programs (usagetop, the server's tools), which clippy.toml forbids usagetop's own code.
#![allow(clippy::disallowed_types)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::DateTime;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use sqlx::{AssertSqlSafe, Connection};
use usagetop::analytics::trend::View;
use usagetop::app::{App, Context, Message};
use usagetop::cache::{CacheOptions, CachedStore};
use usagetop::clock::FixedClock;
use usagetop::filter::Filter;
use usagetop::period::{Calendar, WeekStart};
use usagetop::pipeline::{compute_report, ReportContext};
use usagetop::pricing::{PriceFile, PriceTable};
use usagetop::protocol::WorkerEvent;
use usagetop::store::clickhouse::ClickhouseStore;
use usagetop::store::mapping::Mapping;
use usagetop::store::mysql::MysqlStore;
use usagetop::store::postgres::PgStore;
use usagetop::store::sqlite::SqliteStore;
use usagetop::store::{RollupSource, Timeouts, UsageStore};

#[path = "shapes/realistic.rs"]
mod realistic;

#[path = "engines/clickhouse.rs"]
mod clickhouse;
#[path = "engines/mysql.rs"]
mod mysql;
#[path = "engines/postgres.rs"]
mod postgres;

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
    mysql: Option<String>,
    /// The first ClickHouse server, and the second for a Distributed table.
    clickhouse: Option<String>,
    clickhouse_shard: Option<String>,
    shapes: Vec<Shape>,
}

/// How the generated rows are spread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Uniform,
    Realistic,
}

fn options() -> Options {
    let mut options = Options {
        rows: 1_000_000,
        repeat: 3,
        pg: None,
        mysql: None,
        clickhouse: None,
        clickhouse_shard: None,
        shapes: vec![Shape::Uniform, Shape::Realistic],
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
            "--mysql" => options.mysql = args.next(),
            "--clickhouse" => options.clickhouse = args.next(),
            "--clickhouse-shard" => options.clickhouse_shard = args.next(),
            "--shape" => {
                options.shapes = match args.next().as_deref() {
                    Some("uniform") => vec![Shape::Uniform],
                    Some("realistic") => vec![Shape::Realistic],
                    _ => vec![Shape::Uniform, Shape::Realistic],
                }
            }
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
        wall_clock: Arc::new(usagetop::clock::SystemClock),
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

/// A SQLite table of realistically shaped rows, created as an application
/// would (not by usagetop), indexed on the timestamp only.
async fn sqlite_realistic(rows: i64) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bench.db");
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true);
    let mut conn = sqlx::SqliteConnection::connect_with(&options)
        .await
        .unwrap();
    sqlx::raw_sql(
        "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
         CREATE TABLE usage_events (id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, user_id TEXT, model TEXT NOT NULL,
           endpoint TEXT, input_tokens INTEGER NOT NULL DEFAULT 0, output_tokens INTEGER NOT NULL DEFAULT 0,
           cache_read_tokens INTEGER NOT NULL DEFAULT 0, cache_write_tokens INTEGER NOT NULL DEFAULT 0)",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    let mut batch: Vec<String> = Vec::with_capacity(1_000);
    let mut statements: Vec<String> = Vec::new();
    realistic::generate(rows, DAYS, END, 7, |event| {
        batch.push(format!(
            "({},'u{}','{}','/v1/messages',{},{},{},{})",
            event.ts,
            event.user,
            MODELS[event.model],
            event.input,
            event.output,
            event.cache_read,
            event.cache_write
        ));
        if batch.len() == 1_000 {
            statements.push(batch.join(","));
            batch.clear();
        }
    });
    if !batch.is_empty() {
        statements.push(batch.join(","));
    }
    sqlx::raw_sql("BEGIN").execute(&mut conn).await.unwrap();
    for values in statements {
        sqlx::raw_sql(AssertSqlSafe(format!(
            "INSERT INTO usage_events (ts, user_id, model, endpoint, input_tokens, output_tokens, \
             cache_read_tokens, cache_write_tokens) VALUES {values}"
        )))
        .execute(&mut conn)
        .await
        .unwrap();
    }
    sqlx::raw_sql("COMMIT; CREATE INDEX usage_events_ts ON usage_events (ts)")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    (dir, path)
}

/// The `VALUES` of `count` new rows in the last hour before `END`, each
/// timestamp written by `ts` (every value is computed here).
fn new_rows_values(count: i64, round: i64, ts: fn(i64) -> String) -> String {
    let values: Vec<String> = (0..count)
        .map(|i| {
            let ts = ts(END - 3_600 + (i * 3_600) / count);
            format!(
                "({ts}, 'u{}', '{}', '/v1/messages', {}, {}, 0, 0)",
                i % 50,
                MODELS[usize::try_from((i + round) % 8).unwrap()],
                100 + i,
                10 + round
            )
        })
        .collect();
    values.join(", ")
}

/// Inserts `count` new rows in the last hour before `END`.
fn new_rows_sql(count: i64, round: i64, ts: fn(i64) -> String) -> String {
    format!(
        "INSERT INTO usage_events (ts, user_id, model, endpoint, input_tokens, output_tokens, \
         cache_read_tokens, cache_write_tokens) VALUES {}",
        new_rows_values(count, round, ts)
    )
}

/// Times (a) and (b) for one engine; `engine` runs the baseline once,
/// `insert` adds 1,000 rows (round n).
async fn measure<E, EF, I, IF>(
    name: &str,
    source: Box<dyn RollupSource>,
    plain: &dyn UsageStore,
    mut engine: E,
    mut insert: I,
    repeat: usize,
) where
    E: FnMut() -> EF,
    EF: std::future::Future<Output = ()>,
    I: FnMut(i64) -> IF,
    IF: std::future::Future<Output = ()>,
{
    let context = context();
    let history_is_cheap = source.history_is_cheap();
    plain.prepare().await.unwrap();
    let engine_time = time(repeat, &mut engine).await;
    let cache_dir = tempfile::tempdir().unwrap();
    let options = CacheOptions {
        enabled: true,
        dir: cache_dir.path().to_path_buf(),
        late_seconds: 7_200,
        verify: false,
    };
    let cached = CachedStore::open(source, &options).await;
    cached.prepare().await.unwrap();
    let mut builds = Vec::new();
    for _ in 0..repeat {
        let start = Instant::now();
        cached.rebuild(END, &|_| {}).await.unwrap();
        builds.push(start.elapsed());
    }
    let build = median(builds);
    // Warm the zone's local days once (a one-time cost per zone).
    compute_report(&cached, &context, &Filter::default())
        .await
        .unwrap();
    println!(
        "{name:<9} (a) cold build of the cache {:>9.1} ms | engine GROUP BY model {:>9.1} ms | ratio {:>5.2}",
        build.as_secs_f64() * 1e3,
        engine_time.as_secs_f64() * 1e3,
        build.as_secs_f64() / engine_time.as_secs_f64()
    );
    let mut warm = Vec::new();
    let mut uncached = Vec::new();
    for round in 0..i64::try_from(repeat).unwrap() {
        insert(round).await;
        let start = Instant::now();
        cached.refresh_cache(END, &|_| {}).await.unwrap();
        let from_cache = compute_report(&cached, &context, &Filter::default())
            .await
            .unwrap();
        warm.push(start.elapsed());
        let start = Instant::now();
        let direct = compute_report(plain, &context, &Filter::default())
            .await
            .unwrap();
        uncached.push(start.elapsed());
        assert_eq!(
            usagetop::output::json::render(&from_cache).unwrap(),
            usagetop::output::json::render(&direct).unwrap(),
            "cached and direct reports differ"
        );
    }
    let (warm, uncached) = (median(warm), median(uncached));
    println!(
        "{name:<9} (b) warm refresh after 1,000 new rows {:>7.1} ms | uncached refresh {:>9.1} ms | {:>6.0}x faster",
        warm.as_secs_f64() * 1e3,
        uncached.as_secs_f64() * 1e3,
        uncached.as_secs_f64() / warm.as_secs_f64()
    );
    // What a refresh does after its report is out: compare one slice of
    // history with the source (sources without change counters only).
    let mut slices = Vec::new();
    for _ in 0..repeat {
        let start = Instant::now();
        cached.check_history(END).await.unwrap();
        slices.push(start.elapsed());
    }
    if history_is_cheap {
        println!("{name:<9} (b) history: the source keeps its own rollup, compared whole on each refresh");
    } else {
        println!(
            "{name:<9} (b) one background slice of history compared {:>7.1} ms (after the report is out)",
            median(slices).as_secs_f64() * 1e3
        );
    }
}

/// Peak resident memory (kB) of `usagetop report --format json` with `args`, from `/usr/bin/time`.
fn report_peak_kb(url: &str, cache_dir: &std::path::Path, extra: &[&str]) -> Option<u64> {
    let output = std::process::Command::new("/usr/bin/time")
        .args([
            "-f",
            "%M",
            env!("CARGO_BIN_EXE_usagetop"),
            "report",
            "--format",
            "json",
        ])
        .args([
            "--database-url",
            url,
            "--now",
            "2026-11-28T12:00:00Z",
            "--tz",
            "Europe/Berlin",
        ])
        .args(extra)
        .env("XDG_CACHE_HOME", cache_dir)
        .env("USAGETOP_CONFIG", "/dev/null")
        .output()
        .ok()?;
    if !output.status.success() {
        eprintln!("report failed: {}", String::from_utf8_lossy(&output.stderr));
        return None;
    }
    String::from_utf8_lossy(&output.stderr)
        .lines()
        .last()?
        .trim()
        .parse()
        .ok()
}

/// (d): peak memory of the report process: cold cache, warm cache, no cache.
fn memory(name: &str, url: &str) {
    let dir = tempfile::tempdir().unwrap();
    let mb = |kb: Option<u64>| {
        kb.map_or_else(
            || "?".to_owned(),
            |kb| format!("{:.1} MB", kb as f64 / 1024.0),
        )
    };
    let cold = report_peak_kb(url, dir.path(), &[]);
    let warm = report_peak_kb(url, dir.path(), &[]);
    let direct = report_peak_kb(url, dir.path(), &["--no-cache"]);
    println!(
        "{name:<9} (d) peak memory of usagetop report: cold cache {} | warm cache {} | no cache {}",
        mb(cold),
        mb(warm),
        mb(direct)
    );
}

fn frame_time(report: Arc<usagetop::pipeline::Snapshot>, width: u16, height: u16) -> Duration {
    let mut app = App::new(
        View::Daily,
        Context {
            pinned_clock: true,
            ..Context::new("sqlite:///bench.db", chrono_tz::Europe::Berlin)
        },
    );
    app.update(Message::Worker(WorkerEvent::Report(report)));
    let theme = usagetop::ui::theme::Theme::new(true);
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    let frames = 200;
    let start = Instant::now();
    for _ in 0..frames {
        terminal
            .draw(|frame| {
                usagetop::ui::render(frame, &app, &theme, &usagetop::keymap::Keymap::default())
            })
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
    for shape in options.shapes.clone() {
        runtime.block_on(run_shape(&options, shape));
    }
}

async fn run_shape(options: &Options, shape: Shape) {
    {
        println!(
            "\n{shape:?} shape: {} rows over {DAYS} days, {} models; medians of {} runs",
            options.rows,
            MODELS.len(),
            options.repeat
        );
        let start = Instant::now();
        let (_dir, path) = match shape {
            Shape::Uniform => sqlite_fixture(options.rows).await,
            Shape::Realistic => sqlite_realistic(options.rows).await,
        };
        println!(
            "sqlite fixture generated in {:.1} s",
            start.elapsed().as_secs_f64()
        );
        let store = SqliteStore::open(&path, false, Mapping::default())
            .await
            .unwrap();
        let source = SqliteStore::open(&path, false, Mapping::default())
            .await
            .unwrap();
        let repeat = options.repeat;
        let read_only = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&path)
            .read_only(true);
        let mut baseline = sqlx::SqliteConnection::connect_with(&read_only)
            .await
            .unwrap();
        let writable = sqlx::sqlite::SqliteConnectOptions::new().filename(&path);
        let mut writer = sqlx::SqliteConnection::connect_with(&writable)
            .await
            .unwrap();
        let baseline = tokio::sync::Mutex::new(&mut baseline);
        let writer = tokio::sync::Mutex::new(&mut writer);
        measure(
            "sqlite",
            Box::new(source),
            &store,
            || async {
                let mut conn = baseline.lock().await;
                sqlx::raw_sql(BASELINE).execute(&mut **conn).await.unwrap();
            },
            |round| {
                let sql = new_rows_sql(1_000, round, |ts| ts.to_string());
                let writer = &writer;
                async move {
                    let mut conn = writer.lock().await;
                    sqlx::raw_sql(AssertSqlSafe(sql))
                        .execute(&mut **conn)
                        .await
                        .unwrap();
                }
            },
            repeat,
        )
        .await;
        memory("sqlite", &format!("sqlite://{}", path.display()));
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
            let url = postgres::pg_fixture(admin, options.rows, shape).await;
            println!(
                "postgres fixture generated in {:.1} s",
                start.elapsed().as_secs_f64()
            );
            let timeouts = Timeouts {
                connect: Duration::from_secs(5),
                statement: Duration::from_secs(600),
            };
            let store = PgStore::connect_lazy(&url, Mapping::default(), timeouts).unwrap();
            let source = PgStore::connect_lazy(&url, Mapping::default(), timeouts).unwrap();
            let baseline =
                tokio::sync::Mutex::new(sqlx::PgConnection::connect(&url).await.unwrap());
            let writer = tokio::sync::Mutex::new(sqlx::PgConnection::connect(&url).await.unwrap());
            measure(
                "postgres",
                Box::new(source),
                &store,
                || async {
                    let mut conn = baseline.lock().await;
                    sqlx::raw_sql(BASELINE).execute(&mut *conn).await.unwrap();
                },
                |round| {
                    let sql = new_rows_sql(1_000, round, |ts| format!("to_timestamp({ts})"));
                    let writer = &writer;
                    async move {
                        let mut conn = writer.lock().await;
                        sqlx::raw_sql(AssertSqlSafe(sql))
                            .execute(&mut *conn)
                            .await
                            .unwrap();
                    }
                },
                options.repeat,
            )
            .await;
            memory("postgres", &url);
            let mut conn = sqlx::PgConnection::connect(admin).await.unwrap();
            let _ = sqlx::raw_sql("DROP DATABASE IF EXISTS usagetop_bench WITH (FORCE)")
                .execute(&mut conn)
                .await;
        }
        if let Some(admin) = &options.mysql {
            run_mysql(options, shape, admin).await;
        }
        if let Some(first) = &options.clickhouse {
            let one = [clickhouse::Server::of(first)];
            run_clickhouse(options, shape, "clickhouse", &one).await;
            if let Some(second) = &options.clickhouse_shard {
                let two = [one[0].clone(), clickhouse::Server::of(second)];
                run_clickhouse(options, shape, "ch-2shard", &two).await;
            }
        }
    }
}

/// Server timeouts for the benchmark's stores.
const SERVER_TIMEOUTS: Timeouts = Timeouts {
    connect: Duration::from_secs(5),
    statement: Duration::from_secs(600),
};

/// (a), (b) and (d) on MariaDB or MySQL.
async fn run_mysql(options: &Options, shape: Shape, admin: &str) {
    let start = Instant::now();
    let url = mysql::fixture(admin, options.rows, shape).await;
    println!(
        "mysql fixture generated in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    let store = MysqlStore::connect_lazy(&url, Mapping::default(), SERVER_TIMEOUTS).unwrap();
    let source = MysqlStore::connect_lazy(&url, Mapping::default(), SERVER_TIMEOUTS).unwrap();
    let baseline = tokio::sync::Mutex::new(sqlx::MySqlConnection::connect(&url).await.unwrap());
    let writer = tokio::sync::Mutex::new(sqlx::MySqlConnection::connect(&url).await.unwrap());
    measure(
        "mariadb",
        Box::new(source),
        &store,
        || async {
            let mut conn = baseline.lock().await;
            sqlx::raw_sql(BASELINE).execute(&mut *conn).await.unwrap();
        },
        |round| {
            let sql = new_rows_sql(1_000, round, mysql::datetime);
            let writer = &writer;
            async move {
                let mut conn = writer.lock().await;
                sqlx::raw_sql(AssertSqlSafe(sql))
                    .execute(&mut *conn)
                    .await
                    .unwrap();
            }
        },
        options.repeat,
    )
    .await;
    memory("mariadb", &url);
    mysql::drop_all(admin).await;
}

/// (a), (b) and (d) on ClickHouse: one server, or a `Distributed` table
/// over two.
async fn run_clickhouse(
    options: &Options,
    shape: Shape,
    name: &str,
    servers: &[clickhouse::Server],
) {
    let start = Instant::now();
    let url = clickhouse::fixture(servers, options.rows, shape).await;
    println!(
        "{name} fixture generated in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    let store = ClickhouseStore::new(&url, Mapping::default(), SERVER_TIMEOUTS).unwrap();
    let source = ClickhouseStore::new(&url, Mapping::default(), SERVER_TIMEOUTS).unwrap();
    let reader = &servers[0];
    measure(
        name,
        Box::new(source),
        &store,
        || async {
            reader
                .execute(&BASELINE.replace("usage_events", "usagetop_bench.usage_events"))
                .await;
        },
        |round| {
            let values = new_rows_values(1_000, round, |ts| format!("toDateTime({ts})"));
            async move { clickhouse::insert(servers, &values).await }
        },
        options.repeat,
    )
    .await;
    memory(name, &url);
    clickhouse::drop_all(servers).await;
}
