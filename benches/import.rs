//! Import benchmark: generates Claude Code session logs of realistic shape
//! (user prompts, long tool results, thinking / text / tool_use blocks
//! streamed as one line each with placeholder output counts, progress and
//! snapshot lines), then measures on one core (a) the reader alone: chunks,
//! lines, the `"usage"` prefilter and parsing, in MB/s; (b) the whole
//! `usagetop import` into a fresh database, in MB/s and events/s; (c) a
//! second import with nothing new; and the process's peak memory.
//!
//! `cargo bench --bench import -- --megabytes 200`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use usagetop::import::mapping::ImportMapping;
use usagetop::import::{self, claude::ClaudeParser, lines, LineParser, SourceKind};
use usagetop::store::sqlite::SqliteStore;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const WORDS: [&str; 16] = [
    "fn", "let", "match", "self", "usage", "tokens", "return", "impl", "struct", "async", "await",
    "Result", "String", "value", "config", "error",
];

/// Words of about `min` plus up to `spread` bytes.
fn text(rng: &mut Rng, min: u64, spread: u64) -> String {
    let bytes = (min + rng.below(spread)) as usize;
    let mut out = String::with_capacity(bytes + 16);
    while out.len() < bytes {
        out.push_str(WORDS[rng.below(16) as usize]);
        out.push(if rng.below(12) == 0 { '\n' } else { ' ' });
        if rng.below(40) == 0 {
            out.push_str("\"quoted\" \\ path/to/file.rs\t");
        }
    }
    out
}

/// One session file of about `target` bytes; returns the number of requests.
fn session(rng: &mut Rng, session: u64, target: usize, out: &mut String) -> u64 {
    let sid = format!("{session:08x}-4724-bb20-579dae7956ea");
    let envelope = |kind: &str, ts: u64| {
        format!(
            r#""parentUuid":"p","isSidechain":false,"userType":"external","cwd":"/Users/dev/code/acme-api","sessionId":"{sid}","version":"2.0.37","gitBranch":"main","type":"{kind}","uuid":"u{ts}","timestamp":"2026-03-{:02}T{:02}:{:02}:{:02}.557Z""#,
            1 + (ts / 86_400) % 28,
            (ts / 3600) % 24,
            (ts / 60) % 60,
            ts % 60
        )
    };
    let mut requests = 0;
    let mut ts = session * 7_919;
    while out.len() < target {
        ts += 1 + rng.below(30);
        let prompt = serde_json::to_string(&text(rng, 40, 300)).unwrap();
        let _ = writeln!(
            out,
            r#"{{{},"message":{{"role":"user","content":{prompt}}}}}"#,
            envelope("user", ts)
        );
        for _ in 0..1 + rng.below(6) {
            requests += 1;
            let id = format!("msg_{session:06}{requests:08}");
            let blocks = 1 + rng.below(3);
            let (input, read, write, output) = (
                rng.below(20),
                20_000 + rng.below(100_000),
                rng.below(4_000),
                20 + rng.below(2_000),
            );
            for block in 0..blocks {
                let last = block + 1 == blocks;
                let content = match block {
                    0 if blocks > 1 => format!(
                        r#"{{"type":"thinking","thinking":{},"signature":"Eo8DCkYICBgCKkD{}"}}"#,
                        serde_json::to_string(&text(rng, 200, 1_500)).unwrap(),
                        "x".repeat(300)
                    ),
                    _ if last => format!(
                        r#"{{"type":"tool_use","id":"toolu_01{id}","name":"Read","input":{{"file_path":"/Users/dev/code/acme-api/src/router.py"}}}}"#
                    ),
                    _ => format!(
                        r#"{{"type":"text","text":{}}}"#,
                        serde_json::to_string(&text(rng, 50, 600)).unwrap()
                    ),
                };
                let _ = writeln!(
                    out,
                    r#"{{{},"message":{{"model":"claude-sonnet-4-5-20250929","id":"{id}","type":"message","role":"assistant","content":[{content}],"stop_reason":{},"stop_sequence":null,"usage":{{"input_tokens":{input},"cache_creation_input_tokens":{write},"cache_read_input_tokens":{read},"cache_creation":{{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":{write}}},"output_tokens":{},"service_tier":"standard"}}}},"requestId":"req_{id}"}}"#,
                    envelope("assistant", ts),
                    if last { "\"tool_use\"" } else { "null" },
                    if last { output } else { 1 }
                );
            }
            let result = serde_json::to_string(&text(rng, 200, 12_000)).unwrap();
            let _ = writeln!(
                out,
                r#"{{{},"message":{{"role":"user","content":[{{"tool_use_id":"toolu_01{id}","type":"tool_result","content":{result},"is_error":false}}]}},"toolUseResult":{{"stdout":"","stderr":""}}}}"#,
                envelope("user", ts)
            );
            if rng.below(8) == 0 {
                let _ = writeln!(
                    out,
                    r#"{{"type":"file-history-snapshot","messageId":"m{ts}","snapshot":{{"trackedFileBackups":{{}}}},"isSnapshotUpdate":false}}"#
                );
            }
        }
    }
    requests
}

fn generate(dir: &Path, megabytes: usize) -> (Vec<PathBuf>, u64, u64) {
    let mut rng = Rng(42);
    let mut files = Vec::new();
    let (mut bytes, mut requests) = (0u64, 0u64);
    let mut number = 0;
    while bytes < (megabytes as u64) << 20 {
        number += 1;
        let project = dir.join(format!("-Users-dev-code-project-{}", number % 12));
        std::fs::create_dir_all(&project).unwrap();
        let mut out = String::new();
        let size = 200_000 + rng.below(4_000_000) as usize;
        requests += session(&mut rng, number, size, &mut out);
        let path = project.join(format!("{number:08x}-session.jsonl"));
        std::fs::write(&path, &out).unwrap();
        bytes += out.len() as u64;
        files.push(path);
    }
    (files, bytes, requests)
}

fn peak_memory_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|line| line.starts_with("VmHWM:"))
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut megabytes = 64;
    while let Some(arg) = args.next() {
        if arg == "--megabytes" {
            megabytes = args
                .next()
                .and_then(|v| v.parse().ok())
                .expect("--megabytes N");
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("projects");
    let started = Instant::now();
    let (files, bytes, requests) = generate(&logs, megabytes);
    let mb = bytes as f64 / 1e6;
    println!(
        "generated {} files, {mb:.1} MB, {requests} requests in {:.1} s (peak memory so far {:.0} MB)",
        files.len(),
        started.elapsed().as_secs_f64(),
        peak_memory_mb()
    );

    // (a) The reader alone.
    let started = Instant::now();
    let mut events = Vec::new();
    let mut kept = 0usize;
    for path in &files {
        let file = std::fs::File::open(path).unwrap();
        let mut parser = ClaudeParser::for_file(path);
        let mut reader = lines::ChunkReader::open(&file, 0).unwrap();
        while let Some(chunk) = reader.next_chunk().unwrap() {
            for line in lines::split(chunk) {
                parser.parse(line, &mut events).unwrap();
            }
            kept += events.len();
            events.clear();
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "reader: {mb:.1} MB in {seconds:.3} s = {:.0} MB/s ({kept} usage lines)",
        mb / seconds
    );

    // (b) The whole import, (c) again with nothing new.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let db = dir.path().join("usage.db");
        let pool = SqliteStore::open_writable(&db).await.unwrap();
        let mut conn = pool.acquire().await.unwrap();
        let none = |_: u64, _: u64| {};
        let columns = ImportMapping::default().columns();
        for round in ["first import", "again (nothing new)"] {
            let started = Instant::now();
            let summary = import::run(
                &mut conn,
                SourceKind::ClaudeCode,
                &columns,
                &files,
                0,
                &none,
            )
            .await
            .unwrap();
            let seconds = started.elapsed().as_secs_f64();
            println!(
                "{round}: {:.1} s = {:.0} MB/s, {} events added ({:.0}/s), {} malformed",
                seconds,
                mb / seconds,
                summary.added,
                summary.added as f64 / seconds,
                summary.malformed
            );
            if round == "first import" {
                assert_eq!(summary.added, requests, "one event per request");
            }
        }
    });
    println!("peak memory of the process: {:.0} MB", peak_memory_mb());
}
