//! `usagetop import`: agents' logs in their real shapes, with every trap
//! (streaming duplicates with placeholder output, sidechains, progress
//! mirrors, resumed-session copies, summaries and user lines, `<synthetic>`,
//! malformed and unfinished lines; Codex re-emitted and cumulative counters,
//! cached tokens inside input, replayed subagent bursts), imported twice,
//! grown, and truncated; each time the report's totals equal the totals
//! computed here from the fixtures.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use rust_decimal::Decimal;
use serde_json::{json, Value};

use crate::support::sandbox::{assert_clean_failure, url_of, Sandbox};

mod codex;
mod dimensions;
mod fetch;
mod follow;
mod gemini;
mod report;
mod table;

const NOW: &str = "2026-12-01T00:00:00Z";

/// One model call as the test knows it.
#[derive(Clone, Debug)]
struct Call {
    id: &'static str,
    model: &'static str,
    ts: &'static str,
    input: i64,
    output: i64,
    read: i64,
    write_5m: i64,
    write_1h: i64,
}

/// Expected totals: requests, input, output, cache read, cache write (and
/// its 1-hour part), cost.
#[derive(Debug, PartialEq, Eq)]
struct Totals {
    requests: i64,
    input: i64,
    output: i64,
    read: i64,
    write: i64,
    write_1h: i64,
    cost: Decimal,
}

/// USD per million tokens: input, output, cache read, cache write (5
/// minutes), cache write (1 hour: Anthropic charges twice the input price;
/// the others have no price of their own for it), as Anthropic, OpenAI and
/// Google publish them.
fn price(model: &str) -> [Decimal; 5] {
    let d = |text: &str| text.parse::<Decimal>().unwrap();
    match model {
        "claude-sonnet-4-5-20250929" => [d("3"), d("15"), d("0.30"), d("3.75"), d("6")],
        "claude-haiku-4-5-20251001" => [d("1"), d("5"), d("0.10"), d("1.25"), d("2")],
        "gpt-5-codex" | "gpt-5" => [d("1.25"), d("10"), d("0.125"), d("1.25"), d("1.25")],
        "gpt-4o" => [d("2.50"), d("10"), d("1.25"), d("2.50"), d("2.50")],
        "gemini-2.5-flash" => [d("0.30"), d("2.50"), d("0.03"), d("0.30"), d("0.30")],
        "gemini-2.5-pro" => [d("1.25"), d("10"), d("0.125"), d("1.25"), d("1.25")],
        other => panic!("no test price for {other}"),
    }
}

/// The totals of distinct calls (per id, the one with the most output).
fn expected(calls: &[Call]) -> Totals {
    let mut by_id: BTreeMap<&str, &Call> = BTreeMap::new();
    for call in calls {
        let keep = by_id
            .get(call.id)
            .is_none_or(|kept| call.output > kept.output);
        if keep {
            by_id.insert(call.id, call);
        }
    }
    let mut totals = Totals {
        requests: 0,
        input: 0,
        output: 0,
        read: 0,
        write: 0,
        write_1h: 0,
        cost: Decimal::ZERO,
    };
    for call in by_id.values() {
        let write = call.write_5m + call.write_1h;
        totals.requests += 1;
        totals.input += call.input;
        totals.output += call.output;
        totals.read += call.read;
        totals.write += write;
        totals.write_1h += call.write_1h;
        let [input, output, read, write_5m, write_1h] = price(call.model);
        totals.cost += (Decimal::from(call.input) * input
            + Decimal::from(call.output) * output
            + Decimal::from(call.read) * read
            + Decimal::from(call.write_5m) * write_5m
            + Decimal::from(call.write_1h) * write_1h)
            / Decimal::from(1_000_000);
    }
    totals.cost = totals.cost.normalize();
    totals
}

fn report(sandbox: &Sandbox, db: &Path) -> (Totals, Value) {
    let text = sandbox.ok(&[
        "report",
        "--database-url",
        &url_of(db),
        "--format",
        "json",
        "--tz",
        "UTC",
        "--now",
        NOW,
    ]);
    let json: Value = serde_json::from_str(&text).unwrap();
    let all = &json["summary"]["all_time"];
    let int = |key: &str| all[key].as_i64().unwrap();
    let totals = Totals {
        requests: int("requests"),
        input: int("input_tokens"),
        output: int("output_tokens"),
        read: int("cache_read_tokens"),
        write: int("cache_write_tokens"),
        write_1h: int("cache_write_1h_tokens"),
        cost: all["cost"]
            .as_str()
            .unwrap()
            .parse::<Decimal>()
            .unwrap()
            .normalize(),
    };
    assert_eq!(
        all["estimated_cost"].as_str(),
        Some("0"),
        "every model is priced: {all}"
    );
    (totals, json)
}

fn import(sandbox: &Sandbox, db: &Path, source: &str, paths: &[&Path]) -> String {
    let url = url_of(db);
    let mut args = vec!["import", "--database-url", &url, source];
    let shown: Vec<String> = paths
        .iter()
        .map(|path| path.display().to_string())
        .collect();
    args.extend(shown.iter().map(String::as_str));
    sandbox.ok(&args)
}

// ---------------------------------------------------------------------------
// Claude Code
// ---------------------------------------------------------------------------

/// The lines Claude Code writes for one response: one per content block,
/// the early ones with a placeholder output count of 1.
fn claude_lines(
    call: &Call,
    session: &str,
    request: &str,
    sidechain: bool,
    blocks: usize,
) -> Vec<String> {
    (0..blocks)
        .map(|block| {
            let last = block + 1 == blocks;
            json!({
                "parentUuid": null, "isSidechain": sidechain, "userType": "external",
                "cwd": "/Users/dev/code/acme-api", "sessionId": session, "version": "2.0.37",
                "message": {
                    "model": call.model, "id": call.id, "type": "message", "role": "assistant",
                    "content": [{"type": "text", "text": format!("block {block}: the \"usage\" field")}],
                    "stop_reason": if last { json!("tool_use") } else { Value::Null },
                    "usage": {
                        "input_tokens": call.input,
                        "cache_creation_input_tokens": call.write_5m + call.write_1h,
                        "cache_read_input_tokens": call.read,
                        "cache_creation": {
                            "ephemeral_5m_input_tokens": call.write_5m,
                            "ephemeral_1h_input_tokens": call.write_1h
                        },
                        "output_tokens": if last { call.output } else { 1 },
                        "service_tier": "standard"
                    }
                },
                "requestId": request, "type": "assistant", "uuid": format!("u-{}-{block}", call.id),
                "timestamp": call.ts
            })
            .to_string()
        })
        .collect()
}

fn sonnet(id: &'static str, ts: &'static str, scale: i64) -> Call {
    Call {
        id,
        model: "claude-sonnet-4-5-20250929",
        ts,
        input: 4 * scale,
        output: 159 * scale,
        read: 44_994 * scale,
        write_5m: 79 * scale,
        write_1h: 2_400 * scale,
    }
}

fn haiku(id: &'static str, ts: &'static str) -> Call {
    Call {
        id,
        model: "claude-haiku-4-5-20251001",
        ts,
        input: 1,
        output: 25,
        read: 10_444,
        write_5m: 0,
        write_1h: 166,
    }
}

fn write_lines(path: &Path, lines: &[String], unfinished: Option<&str>) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut text = lines.join("\n");
    text.push('\n');
    if let Some(rest) = unfinished {
        text.push_str(rest);
    }
    std::fs::write(path, text).unwrap();
}

fn append(path: &Path, text: &str) {
    let mut file = std::fs::OpenOptions::new().append(true).open(path).unwrap();
    file.write_all(text.as_bytes()).unwrap();
}

struct ClaudeFixture {
    root: PathBuf,
    main: PathBuf,
    subagent: PathBuf,
    resumed: PathBuf,
    calls: Vec<Call>,
}

fn claude_fixture(sandbox: &Sandbox) -> ClaudeFixture {
    let root = sandbox.path("claude/projects");
    let main = root.join("-Users-dev-code-acme-api/2ff46cd5.jsonl");
    let subagent = root.join("-Users-dev-code-acme-api/2ff46cd5/subagents/agent-a6a6af7.jsonl");
    let resumed = root.join("-Users-dev-code-billing/9c1e.jsonl");
    let a = sonnet("msg_A", "2026-03-01T22:38:51.102Z", 1);
    // An old build's line gives one flat cache-write count, without the
    // split: all of it is priced as 5-minute writes.
    let b = {
        let call = sonnet("msg_B", "2026-03-02T09:00:00.000Z", 3);
        Call {
            write_5m: call.write_5m + call.write_1h,
            write_1h: 0,
            ..call
        }
    };
    let side = haiku("msg_SIDE", "2026-03-02T09:05:00.000Z");
    let mirrored = haiku("msg_MIRROR", "2026-03-02T09:06:00.000Z");
    let copied_later = sonnet("msg_C", "2026-03-03T12:00:00.000Z", 2);
    let mut main_lines = vec![
        json!({"type": "summary", "summary": "the \"usage\" of pagination", "leafUuid": "x"})
            .to_string(),
        json!({"type": "user", "sessionId": "2ff46cd5", "timestamp": "2026-03-01T22:38:47.557Z",
               "message": {"role": "user", "content": "show the \"usage\": {} of the API"}})
        .to_string(),
    ];
    main_lines.extend(claude_lines(&a, "2ff46cd5", "req_A", false, 3));
    // An old build: a flat cache-write count and a costUSD of its own.
    main_lines.push(
        json!({"type": "assistant", "sessionId": "2ff46cd5", "timestamp": b.ts, "requestId": "req_B",
               "costUSD": 0.123,
               "message": {"model": b.model, "id": b.id, "role": "assistant", "content": [],
                           "usage": {"input_tokens": b.input, "output_tokens": b.output,
                                     "cache_read_input_tokens": b.read,
                                     "cache_creation_input_tokens": b.write_5m + b.write_1h}}})
        .to_string(),
    );
    main_lines.push("{\"type\":\"assistant\",\"usage\": garbage".to_owned());
    main_lines.extend(claude_lines(&side, "2ff46cd5", "req_SIDE", true, 2));
    main_lines.push(
        json!({"type": "assistant", "sessionId": "2ff46cd5", "timestamp": "2026-03-02T09:07:00Z",
               "message": {"model": "<synthetic>", "id": "msg_SYN", "content": [],
                           "usage": {"input_tokens": 0, "output_tokens": 0}}})
        .to_string(),
    );
    // A progress line mirroring the subagent's call.
    main_lines.push(
        json!({"type": "progress", "sessionId": "2ff46cd5", "timestamp": mirrored.ts,
               "data": {"type": "agent_progress", "message": {
                   "type": "assistant", "isSidechain": true, "timestamp": mirrored.ts, "requestId": "req_M",
                   "message": {"model": mirrored.model, "id": mirrored.id, "role": "assistant",
                               "usage": {"input_tokens": mirrored.input, "output_tokens": mirrored.output,
                                         "cache_read_input_tokens": mirrored.read,
                                         "cache_creation_input_tokens": mirrored.write_1h,
                                         "cache_creation": {"ephemeral_5m_input_tokens": 0,
                                                            "ephemeral_1h_input_tokens": mirrored.write_1h}}}}}})
        .to_string(),
    );
    write_lines(&main, &main_lines, None);
    write_lines(
        &subagent,
        &claude_lines(&mirrored, "2ff46cd5", "req_M", true, 2),
        None,
    );
    // A resumed session copies msg_A's lines, then goes on; its last line is
    // still being written.
    let mut resumed_lines = claude_lines(&a, "9c1e", "req_A", false, 3);
    resumed_lines.extend(claude_lines(&copied_later, "9c1e", "req_C", false, 1));
    let unfinished = &claude_lines(
        &sonnet("msg_D", "2026-03-04T08:00:00Z", 1),
        "9c1e",
        "req_D",
        false,
        1,
    )[0];
    write_lines(&resumed, &resumed_lines, Some(&unfinished[..40]));
    ClaudeFixture {
        root,
        main,
        subagent,
        resumed,
        calls: vec![a, b, side, mirrored, copied_later],
    }
}

#[test]
fn claude_code_logs_count_each_request_once_across_imports() {
    let sandbox = Sandbox::new();
    let db = sandbox.path("usage.db");
    let fixture = claude_fixture(&sandbox);
    let mut calls = fixture.calls.clone();

    let first = import(&sandbox, &db, "claude-code", &[&fixture.root]);
    assert!(first.contains("claude-code: 3 files (3 new"), "{first}");
    assert!(first.contains("5 events added"), "{first}");
    assert!(first.contains("1 malformed lines skipped"), "{first}");
    assert!(first.contains("2ff46cd5.jsonl:7: not JSON"), "{first}");
    let (totals, json) = report(&sandbox, &db);
    assert_eq!(totals, expected(&calls));
    // 1-hour cache writes are there, priced at their own rate in `expected`.
    assert!(
        totals.write_1h > 0 && totals.write_1h < totals.write,
        "{totals:?}"
    );
    let models: Vec<&str> = json["by_model"]["all_time"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .filter_map(|row| row["model"].as_str())
                .collect()
        })
        .unwrap_or_default();
    assert!(!models.contains(&"<synthetic>"), "{models:?}");

    // Again: nothing new.
    let again = import(&sandbox, &db, "claude-code", &[&fixture.root]);
    assert!(
        again.contains("(0 new, 0 grown, 3 unchanged, 0 rewritten)"),
        "{again}"
    );
    assert!(again.contains("0 events added, 0 updated"), "{again}");
    assert_eq!(report(&sandbox, &db).0, expected(&calls));

    // Grown: the unfinished line completed, and a streamed message arriving
    // in two imports (placeholder first, final count later).
    let d = sonnet("msg_D", "2026-03-04T08:00:00Z", 1);
    let d_line = &claude_lines(&d, "9c1e", "req_D", false, 1)[0];
    append(&fixture.resumed, &format!("{}\n", &d_line[40..]));
    let e = haiku("msg_E", "2026-03-04T09:00:00Z");
    let e_lines = claude_lines(&e, "2ff46cd5", "req_E", true, 2);
    append(&fixture.subagent, &format!("{}\n", e_lines[0]));
    let grown = import(&sandbox, &db, "claude-code", &[&fixture.root]);
    assert!(grown.contains("2 grown"), "{grown}");
    assert!(
        grown.contains("0 malformed lines"),
        "an unfinished line is not malformed: {grown}"
    );
    calls.push(d.clone());
    let mut placeholder = e.clone();
    placeholder.output = 1;
    calls.push(placeholder);
    assert_eq!(report(&sandbox, &db).0, expected(&calls));
    append(&fixture.subagent, &format!("{}\n", e_lines[1]));
    let finished = import(&sandbox, &db, "claude-code", &[&fixture.root]);
    assert!(finished.contains("0 events added, 1 updated"), "{finished}");
    calls.push(e.clone());
    assert_eq!(report(&sandbox, &db).0, expected(&calls));

    // Truncated: the resumed session rewritten with msg_C only.
    let c = fixture.calls[4].clone();
    write_lines(
        &fixture.resumed,
        &claude_lines(&c, "9c1e", "req_C", false, 1),
        None,
    );
    let truncated = import(&sandbox, &db, "claude-code", &[&fixture.root]);
    assert!(truncated.contains("1 rewritten"), "{truncated}");
    calls.retain(|call| call.id != "msg_D");
    assert_eq!(report(&sandbox, &db).0, expected(&calls));
    assert!(fixture.main.exists());
}

#[test]
fn claude_code_reads_claude_config_dir_by_default() {
    let sandbox = Sandbox::new();
    let db = sandbox.path("usage.db");
    let fixture = claude_fixture(&sandbox);
    let output = sandbox
        .command()
        .args(["import", "--database-url", &url_of(&db), "claude-code"])
        .env("CLAUDE_CONFIG_DIR", fixture.root.parent().unwrap())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(report(&sandbox, &db).0, expected(&fixture.calls));
    // Without any log folder: a clear error.
    let empty = Sandbox::new();
    let output = empty.run(&["import", "--database-url", &url_of(&db), "claude-code"]);
    assert_clean_failure(
        &output,
        &[
            "found no claude-code logs",
            "usagetop import claude-code PATH",
        ],
    );
}

#[tokio::test]
async fn import_refuses_a_database_usagetop_did_not_create() {
    use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
    use sqlx::{ConnectOptions, Connection};
    let sandbox = Sandbox::new();
    let fixture = claude_fixture(&sandbox);
    let theirs = sandbox.path("theirs.db");
    let mut conn = SqliteConnectOptions::new()
        .filename(&theirs)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Delete)
        .connect()
        .await
        .unwrap();
    sqlx::raw_sql("CREATE TABLE usage_events (ts INTEGER, model TEXT)")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    let bytes = std::fs::read(&theirs).unwrap();
    let output = sandbox.run(&[
        "import",
        "--database-url",
        &url_of(&theirs),
        "claude-code",
        fixture.root.to_str().unwrap(),
    ]);
    assert_clean_failure(&output, &["not created by usagetop"]);
    assert_eq!(std::fs::read(&theirs).unwrap(), bytes, "the file changed");
}

#[test]
fn import_watch_follows_a_growing_log_until_sigterm() {
    let sandbox = Sandbox::new();
    let db = sandbox.path("usage.db");
    let fixture = claude_fixture(&sandbox);
    let mut calls = fixture.calls.clone();
    let child = sandbox
        .command()
        .args(["import", "--database-url", &url_of(&db), "claude-code"])
        .arg(&fixture.root)
        .args(["--watch", "--every", "1"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let wait_for = |what: &dyn Fn() -> bool| {
        for _ in 0..600 {
            if what() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("timed out");
    };
    let requests = || {
        sandbox
            .run(&[
                "report",
                "--database-url",
                &url_of(&db),
                "--format",
                "json",
                "--tz",
                "UTC",
                "--now",
                NOW,
            ])
            .stdout
    };
    let count = || {
        serde_json::from_slice::<Value>(&requests())
            .ok()
            .and_then(|json| json["summary"]["all_time"]["requests"].as_i64())
    };
    wait_for(&|| count() == Some(5));
    let e = haiku("msg_E", "2026-03-04T09:00:00Z");
    for line in claude_lines(&e, "2ff46cd5", "req_E", true, 2) {
        append(&fixture.subagent, &format!("{line}\n"));
    }
    calls.push(e);
    wait_for(&|| count() == Some(6));
    std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(text.matches("claude-code: 3 files").count(), 2, "{text}");
    assert!(text.contains("1 events added"), "{text}");
    assert_eq!(report(&sandbox, &db).0, expected(&calls));
}
