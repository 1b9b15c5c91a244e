//! Soak test (ignored by default; run it on purpose):
//!
//! ```sh
//! cargo test --release --test soak -- --ignored --nocapture
//! USAGETOP_SOAK_SECONDS=120 cargo test --test soak -- --ignored --nocapture   # a short run
//! ```
//!
//! The dashboard runs in a pseudo-terminal against usagetop's own SQLite
//! database while another connection inserts 100 events a second, with a
//! refresh every second, for ten minutes (or `USAGETOP_SOAK_SECONDS`). Every
//! five seconds it samples the process's resident memory and open file
//! descriptors. It passes when memory stays flat (the largest sample of the
//! last minute at most 5 % above the largest of the first minute, after
//! warm-up), no descriptors leak (the last minute holds no more than the
//! first), and the numbers on screen at the end equal a fresh `report`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]
// It starts programs (usagetop, the server's tools), which clippy.toml forbids usagetop's own code.
#![allow(clippy::disallowed_types)]

use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use portable_pty::{native_pty_system, CommandBuilder, PtySize};
use sqlx::{Connection, SqliteConnection};

const INSERTS_PER_SECOND: i64 = 100;
const SAMPLE_EVERY: Duration = Duration::from_secs(5);

fn sandboxed(command: &mut std::process::Command, dir: &Path) {
    command
        .env("HOME", dir.join("home"))
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("XDG_CACHE_HOME", dir.join("cache"))
        .env_remove("USAGETOP_DATABASE_URL")
        .env_remove("USAGETOP_CONFIG")
        .env_remove("NO_COLOR");
}

/// Resident memory (kB) and open descriptors of `pid`.
fn sample(pid: u32) -> Option<(u64, usize)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let rss = status
        .lines()
        .find(|line| line.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?.count();
    Some((rss, fds))
}

/// The value after `label` in the summary block titled `block` (as shown:
/// `1,234`, `$5.67*`).
fn number_after(screen: &str, block: &str, label: &str) -> Option<String> {
    let lines: Vec<&str> = screen.lines().collect();
    let top = lines.iter().position(|line| line.contains(block))?;
    let byte = lines[top].find(block)?;
    let column = lines[top][..byte].chars().count();
    lines[top + 1..].iter().find_map(|line| {
        let cell: String = line.chars().skip(column).take(28).collect();
        let rest = cell.split_once(label)?.1;
        Some(rest.trim().trim_end_matches('│').trim().to_owned())
    })
}

#[test]
#[ignore = "ten minutes; run on purpose"]
fn ten_minutes_of_inserts_keep_memory_and_descriptors_flat() {
    let seconds: u64 = std::env::var("USAGETOP_SOAK_SECONDS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(600);
    let dir = tempfile::tempdir().unwrap();
    for sub in ["home", "data", "config", "cache"] {
        std::fs::create_dir_all(dir.path().join(sub)).unwrap();
    }
    let path = dir.path().join("soak.db");
    let url = format!("sqlite://{}", path.display());
    let mut demo = std::process::Command::new(env!("CARGO_BIN_EXE_usagetop"));
    sandboxed(&mut demo, dir.path());
    let output = demo
        .args([
            "demo",
            "--database-url",
            &url,
            "--days",
            "60",
            "--tz",
            "UTC",
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");

    // The writer: 100 events a second, in ten transactions of ten.
    let stop = Arc::new(AtomicBool::new(false));
    let inserted = Arc::new(AtomicI64::new(0));
    let writer = {
        let (stop, inserted, url) = (Arc::clone(&stop), Arc::clone(&inserted), url.clone());
        thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                let mut conn = SqliteConnection::connect(&url).await.unwrap();
                sqlx::raw_sql("PRAGMA busy_timeout = 5000")
                    .execute(&mut conn)
                    .await
                    .unwrap();
                let started = Instant::now();
                let mut batch = 0_u32;
                while !stop.load(Ordering::SeqCst) {
                    let mut tx = conn.begin().await.unwrap();
                    for index in 0..INSERTS_PER_SECOND / 10 {
                        let now = usagetop::clock::Clock::now(&usagetop::clock::SystemClock).timestamp();
                        sqlx::query(
                            "INSERT INTO usage_events (ts, user_id, model, endpoint, input_tokens, output_tokens) \
                             VALUES (?, 'soak', ?, '/v1/soak', ?, ?)",
                        )
                        .bind(now)
                        .bind(if index % 2 == 0 { "gpt-4o" } else { "claude-sonnet-4-5" })
                        .bind(1_000 + index)
                        .bind(100 + index)
                        .execute(&mut *tx)
                        .await
                        .unwrap();
                    }
                    tx.commit().await.unwrap();
                    inserted.fetch_add(INSERTS_PER_SECOND / 10, Ordering::SeqCst);
                    batch += 1;
                    let due = started + Duration::from_millis(100) * batch;
                    tokio::time::sleep_until(due.into()).await;
                }
                conn.close().await.unwrap();
            });
        })
    };

    // The dashboard, refreshing every second.
    let pair = native_pty_system()
        .openpty(PtySize {
            rows: 40,
            cols: 120,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut command = CommandBuilder::new(env!("CARGO_BIN_EXE_usagetop"));
    command.args([
        "--database-url",
        &url,
        "--tz",
        "UTC",
        "--refresh-seconds",
        "1",
    ]);
    command.env("TERM", "xterm-256color");
    for (key, sub) in [
        ("HOME", "home"),
        ("XDG_DATA_HOME", "data"),
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_CACHE_HOME", "cache"),
    ] {
        command.env(key, dir.path().join(sub));
    }
    command.env_remove("USAGETOP_DATABASE_URL");
    command.env_remove("NO_COLOR");
    let mut child = pair.slave.spawn_command(command).unwrap();
    drop(pair.slave);
    let pid = child.process_id().unwrap();
    let parser = Arc::new(Mutex::new(vt100::Parser::new(40, 120, 0)));
    let mut reader = pair.master.try_clone_reader().unwrap();
    {
        let parser = Arc::clone(&parser);
        thread::spawn(move || {
            let mut buffer = [0_u8; 16_384];
            while let Ok(read) = reader.read(&mut buffer) {
                if read == 0 {
                    break;
                }
                parser.lock().unwrap().process(&buffer[..read]);
            }
        });
    }
    let mut keys = pair.master.take_writer().unwrap();

    let started = Instant::now();
    let mut samples: Vec<(Duration, u64, usize)> = Vec::new();
    while started.elapsed() < Duration::from_secs(seconds) {
        thread::sleep(SAMPLE_EVERY);
        let (rss, fds) = sample(pid).expect("the dashboard is running");
        samples.push((started.elapsed(), rss, fds));
        if samples.len().is_multiple_of(12) {
            println!(
                "{:>4} s: rss {rss} kB, {fds} descriptors, {} events inserted",
                started.elapsed().as_secs(),
                inserted.load(Ordering::SeqCst)
            );
        }
    }
    stop.store(true, Ordering::SeqCst);
    writer.join().unwrap();
    // Two refreshes after the last insert.
    thread::sleep(Duration::from_secs(3));
    let screen = parser.lock().unwrap().screen().contents();

    let mut report = std::process::Command::new(env!("CARGO_BIN_EXE_usagetop"));
    sandboxed(&mut report, dir.path());
    let output = report
        .args([
            "report",
            "--database-url",
            &url,
            "--tz",
            "UTC",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    use std::io::Write as _;
    keys.write_all(b"q").unwrap();
    keys.flush().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "the dashboard did not quit");
        thread::sleep(Duration::from_millis(50));
    }

    // Memory and descriptors: the first minute after warm-up against the last.
    let minute = (60 / SAMPLE_EVERY.as_secs()) as usize;
    let warm = (samples.len() / 10).max(2);
    let first = &samples[warm..(warm + minute).min(samples.len())];
    let last = &samples[samples.len().saturating_sub(minute)..];
    let max_rss = |part: &[(Duration, u64, usize)]| part.iter().map(|s| s.1).max().unwrap();
    let max_fds = |part: &[(Duration, u64, usize)]| part.iter().map(|s| s.2).max().unwrap();
    let growth = max_rss(last) as f64 / max_rss(first) as f64 - 1.0;
    println!(
        "soak: {} s, {} events inserted; rss first minute {} kB, last minute {} kB ({:+.1} %); descriptors {} then {}",
        seconds,
        inserted.load(Ordering::SeqCst),
        max_rss(first),
        max_rss(last),
        growth * 100.0,
        max_fds(first),
        max_fds(last)
    );
    assert!(growth < 0.05, "memory grew by {:.1} %", growth * 100.0);
    assert!(
        max_fds(last) <= max_fds(first),
        "descriptors leaked: {} then {}",
        max_fds(first),
        max_fds(last)
    );

    // The screen's all-time and today numbers equal a fresh report's.
    for (block, key) in [("All time", "all_time"), ("Today", "today")] {
        let requests = number_after(&screen, block, "Requests").expect("requests on screen");
        let expected = json["summary"][key]["requests"].as_i64().unwrap();
        assert_eq!(
            requests.replace(',', ""),
            expected.to_string(),
            "{block} requests on screen:\n{screen}"
        );
        let cost = number_after(&screen, block, "Cost").expect("cost on screen");
        let expected: rust_decimal::Decimal = json["summary"][key]["cost"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let shown = cost
            .trim_start_matches('$')
            .trim_end_matches('*')
            .replace(',', "");
        assert_eq!(
            shown,
            expected
                .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
                .to_string(),
            "{block} cost on screen:\n{screen}"
        );
    }
}
