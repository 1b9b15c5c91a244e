//! `usagetop import csv|jsonl`: files and standard input through `[import]`, keys across formats, malformed rows.

use serde_json::{json, Value};

use super::*;

use std::io::Write;
// ---------------------------------------------------------------------------
// CSV and JSON lines through [import]
// ---------------------------------------------------------------------------

fn table_call(id: &'static str, model: &'static str, usage: [i64; 3]) -> Call {
    Call {
        id,
        model,
        ts: "",
        input: usage[0],
        output: usage[1],
        read: usage[2],
        write_5m: 0,
        write_1h: 0,
    }
}

#[test]
fn csv_and_json_lines_follow_the_import_mapping() {
    let sandbox = Sandbox::new();
    let db = sandbox.path("usage.db");
    let config = sandbox.path("config.toml");
    std::fs::write(
        &config,
        "[import]\ntimestamp = \"created\"\nkey = \"request_id\"\ninput_tokens = \"prompt_tokens\"\n\
         output_tokens = \"completion_tokens\"\ncache_read_tokens = \"cached_tokens\"\n\
         input_includes_cache = true\nuser = \"team\"\n",
    )
    .unwrap();
    let csv = sandbox.path("calls.csv");
    std::fs::write(
        &csv,
        "request_id,created,model,prompt_tokens,completion_tokens,cached_tokens,team\n\
         r1,2026-03-01T10:00:00Z,gpt-4o,1000,50,400,\"search, eu\"\n\
         r2,1772359200,gpt-4o,300,20,,ops\n\
         r3,not a time,gpt-4o,1,1,0,ops\n\
         r1,2026-03-01T10:00:00Z,gpt-4o,1000,50,400,\"search, eu\"\n",
    )
    .unwrap();
    let url = url_of(&db);
    let config_arg = config.display().to_string();
    let run = |args: &[&str]| {
        let mut all = vec!["--config", &config_arg, "import", "--database-url", &url];
        all.extend(args);
        sandbox.ok(&all)
    };
    let mut calls = vec![
        table_call("r1", "gpt-4o", [600, 50, 400]),
        table_call("r2", "gpt-4o", [300, 20, 0]),
    ];
    let csv_arg = csv.display().to_string();
    let first = run(&["csv", &csv_arg]);
    assert!(first.contains("2 events added"), "{first}");
    assert!(
        first.contains("1 malformed lines skipped (e.g. "),
        "{first}"
    );
    assert!(first.contains("calls.csv:4: timestamp"), "{first}");
    assert_eq!(report(&sandbox, &db).0, expected(&calls));
    assert!(run(&["csv", &csv_arg]).contains("0 events added"));
    append(&csv, "r4,2026-03-02 08:00:00,gpt-4o,70,7,0,ops\n");
    assert!(run(&["csv", &csv_arg]).contains("1 events added"));
    calls.push(table_call("r4", "gpt-4o", [70, 7, 0]));
    assert_eq!(report(&sandbox, &db).0, expected(&calls));

    // JSON lines on standard input, the last line without a newline; r2
    // again (the same request id) counts once.
    let lines = [
        json!({"request_id": "r5", "created": 1_772_359_300_000_i64, "model": "gpt-4o",
               "prompt_tokens": 90, "completion_tokens": 9, "cached_tokens": 30}),
        json!({"request_id": "r2", "created": 1_772_359_200, "model": "gpt-4o",
               "prompt_tokens": 300, "completion_tokens": 20}),
        json!({"request_id": "r6", "created": "2026-03-03T00:00:00Z", "model": "gpt-4o",
               "prompt_tokens": 5, "completion_tokens": 1}),
    ];
    let input: Vec<String> = lines.iter().map(Value::to_string).collect();
    let mut child = sandbox
        .command()
        .args([
            "--config",
            &config_arg,
            "import",
            "--database-url",
            &url,
            "jsonl",
            "-",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{}\n[1, 2]\n{}", input[..2].join("\n"), input[2]).as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{text}");
    assert!(text.contains("2 events added"), "{text}");
    assert!(
        text.contains("1 malformed lines skipped (e.g. -:3: not a JSON object)"),
        "{text}"
    );
    calls.push(table_call("r5", "gpt-4o", [60, 9, 30]));
    calls.push(table_call("r6", "gpt-4o", [5, 1, 0]));
    assert_eq!(report(&sandbox, &db).0, expected(&calls));

    // A mistyped [import] key is a clear error.
    std::fs::write(&config, "[import]\ntimestmp = \"created\"\n").unwrap();
    let output = sandbox.run(&[
        "--config",
        &config_arg,
        "import",
        "--database-url",
        &url,
        "csv",
        &csv_arg,
    ]);
    assert_clean_failure(&output, &["[import]", "timestmp"]);
}

#[test]
fn a_requests_column_counts_the_requests_a_row_stands_for() {
    let sandbox = Sandbox::new();
    let db = sandbox.path("usage.db");
    // Daily roll-ups piped in: a count per row, a row without one is one request.
    let lines = [
        json!({"ts": "2026-03-01", "model": "gpt-4o", "input_tokens": 1000, "output_tokens": 10, "requests": 40}),
        json!({"ts": "2026-03-02", "model": "gpt-4o", "input_tokens": 500, "output_tokens": 5, "requests": "7"}),
        json!({"ts": "2026-03-03", "model": "gpt-4o", "input_tokens": 5, "output_tokens": 1}),
        json!({"ts": "2026-03-04", "model": "gpt-4o", "input_tokens": 5, "output_tokens": 1, "requests": -2}),
    ];
    let file = sandbox.path("daily.jsonl");
    let text: Vec<String> = lines.iter().map(Value::to_string).collect();
    std::fs::write(&file, text.join("\n") + "\n").unwrap();
    let summary = import(&sandbox, &db, "jsonl", &[&file]);
    assert!(summary.contains("3 events added"), "{summary}");
    assert!(
        summary.contains("requests = -2 is not a request count"),
        "{summary}"
    );
    let (totals, _) = report(&sandbox, &db);
    assert_eq!(
        (totals.requests, totals.input, totals.output),
        (48, 1_505, 16)
    );
}

/// `[import]`'s default columns include `cache_write_1h_tokens`: the part of
/// the cache writes priced at the 1-hour rate; a row with more 1-hour writes
/// than writes is malformed.
#[test]
fn json_lines_carry_one_hour_cache_writes() {
    let sandbox = Sandbox::new();
    let db = sandbox.path("usage.db");
    let file = sandbox.path("calls.jsonl");
    let model = "claude-sonnet-4-5-20250929";
    let rows = [
        json!({"ts": 1_772_359_200, "model": model, "input_tokens": 10, "output_tokens": 100,
               "cache_read_tokens": 5_000, "cache_write_tokens": 3_000, "cache_write_1h_tokens": 2_000}),
        json!({"ts": 1_772_359_300, "model": model, "input_tokens": 20, "output_tokens": 50,
               "cache_write_tokens": 700}),
        json!({"ts": 1_772_359_400, "model": model, "input_tokens": 1, "output_tokens": 1,
               "cache_write_tokens": 10, "cache_write_1h_tokens": 11}),
    ];
    let text: Vec<String> = rows.iter().map(Value::to_string).collect();
    std::fs::write(&file, format!("{}\n", text.join("\n"))).unwrap();
    let output = import(&sandbox, &db, "jsonl", &[&file]);
    assert!(output.contains("2 events added"), "{output}");
    assert!(
        output.contains("calls.jsonl:3: 11 1-hour cache writes are more than the 10"),
        "{output}"
    );
    let calls = [
        Call {
            id: "a",
            model,
            ts: "",
            input: 10,
            output: 100,
            read: 5_000,
            write_5m: 1_000,
            write_1h: 2_000,
        },
        Call {
            id: "b",
            model,
            ts: "",
            input: 20,
            output: 50,
            read: 0,
            write_5m: 700,
            write_1h: 0,
        },
    ];
    assert_eq!(report(&sandbox, &db).0, expected(&calls));
}
