//! `usagetop import codex`: rollouts with re-emitted and cumulative counters, cached tokens inside input, a replayed subagent burst, grown and truncated.

use serde_json::{json, Value};

use super::*;
// ---------------------------------------------------------------------------
// Codex
// ---------------------------------------------------------------------------

fn codex_count(ts: &str, total: [i64; 3], last: [i64; 3]) -> String {
    let usage = |[input, cached, output]: [i64; 3]| {
        json!({"input_tokens": input, "cached_input_tokens": cached, "output_tokens": output,
               "reasoning_output_tokens": output / 3, "total_tokens": input + output})
    };
    json!({"timestamp": ts, "type": "event_msg", "payload": {"type": "token_count",
           "info": {"total_token_usage": usage(total), "last_token_usage": usage(last),
                    "model_context_window": 272_000},
           "rate_limits": {"primary": {"used_percent": 78.0, "window_minutes": 300}}}})
    .to_string()
}

fn codex_meta(ts: &str, id: &str, source: Value) -> String {
    json!({"timestamp": ts, "type": "session_meta", "payload": {"id": id, "timestamp": ts,
           "cwd": "/Users/dev/code/billing-svc", "originator": "codex_cli_rs", "cli_version": "0.63.0",
           "instructions": null, "source": source, "model_provider": "openai"}})
    .to_string()
}

fn codex_turn(ts: &str, model: &str) -> String {
    json!({"timestamp": ts, "type": "turn_context", "payload": {"cwd": "/Users/dev/code/billing-svc",
           "approval_policy": "on-request", "model": model, "effort": "high", "summary": "auto"}})
    .to_string()
}

/// A call as Codex reports it: [input incl. cached, cached, output].
fn codex_call(id: &'static str, model: &'static str, ts: &'static str, usage: [i64; 3]) -> Call {
    Call {
        id,
        model,
        ts,
        input: usage[0] - usage[1],
        output: usage[2],
        read: usage[1],
        write_5m: 0,
        write_1h: 0,
    }
}

#[test]
fn codex_rollouts_import_each_call_once() {
    let sandbox = Sandbox::new();
    let db = sandbox.path("usage.db");
    let sessions = sandbox.path("codex/sessions/2025/10/05");
    let main = sessions.join("rollout-2025-10-05T20-21-44-0199b59b.jsonl");
    let child = sessions.join("rollout-2025-10-05T20-30-00-0199b5aa.jsonl");
    let u1 = [11_242, 0, 992];
    let u2 = [13_748, 11_200, 418];
    let u3 = [20_000, 18_000, 77];
    let main_lines = vec![
        codex_meta("2025-10-05T18:21:44.000Z", "0199b59b", json!("cli")),
        json!({"timestamp": "2025-10-05T18:21:44.012Z", "type": "response_item",
               "payload": {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "token_count please"}]}})
        .to_string(),
        json!({"timestamp": "2025-10-05T18:21:44.020Z", "type": "event_msg",
               "payload": {"type": "token_count", "info": null, "rate_limits": {}}})
        .to_string(),
        codex_turn("2025-10-05T18:21:44.031Z", "gpt-5-codex"),
        codex_count("2025-10-05T18:22:04.402Z", u1, u1),
        // Re-emitted on a rate-limit refresh: same counters.
        codex_count("2025-10-05T18:22:05.911Z", u1, u1),
        "{\"type\":\"event_msg\",\"payload\":{\"type\":\"token_count\",".to_owned() + "bad",
        codex_count("2025-10-05T18:22:19.004Z", [24_990, 11_200, 1_410], u2),
        codex_turn("2025-10-05T18:25:00.000Z", "gpt-5"),
    ];
    // Its last line is still being written: a re-emission of u2's counters.
    let completed = codex_count("2025-10-05T18:26:00.000Z", [24_990, 11_200, 1_410], u2);
    write_lines(&main, &main_lines, Some(&completed[..30]));
    // A spawned thread: its first burst replays the parent's history.
    let child_lines = vec![
        codex_meta(
            "2025-10-05T18:30:00.000Z",
            "0199b5aa",
            json!({"subagent": {"thread_spawn": {"parent_thread_id": "0199b59b"}}}),
        ),
        codex_meta("2025-10-05T18:21:44.000Z", "0199b59b", json!("cli")),
        codex_turn("2025-10-05T18:30:00.010Z", "gpt-5-codex"),
        codex_count("2025-10-05T18:30:00.100Z", u1, u1),
        codex_count("2025-10-05T18:30:00.200Z", [24_990, 11_200, 1_410], u2),
        codex_count("2025-10-05T18:30:09.000Z", [44_990, 29_200, 1_487], u3),
    ];
    write_lines(&child, &child_lines, None);
    let mut calls = vec![
        codex_call("c1", "gpt-5-codex", "", u1),
        codex_call("c2", "gpt-5-codex", "", u2),
        codex_call("c3", "gpt-5-codex", "", u3),
    ];
    let root = sandbox.path("codex/sessions");
    let first = import(&sandbox, &db, "codex", &[&root]);
    assert!(first.contains("3 events added"), "{first}");
    assert!(first.contains("1 malformed lines skipped"), "{first}");
    assert_eq!(report(&sandbox, &db).0, expected(&calls));
    let again = import(&sandbox, &db, "codex", &[&root]);
    assert!(again.contains("0 events added"), "{again}");
    assert_eq!(report(&sandbox, &db).0, expected(&calls));

    // Grown: the unfinished line completed as a re-emission of u2, then a
    // new call under the gpt-5 turn (no last_token_usage: the difference).
    let u4 = [5_000, 4_000, 300];
    append(
        &main,
        &format!(
            "{}\n{}\n",
            &completed[30..],
            json!({"timestamp": "2025-10-05T18:27:00.000Z", "type": "event_msg", "payload": {"type": "token_count",
                   "info": {"total_token_usage": {"input_tokens": 29_990, "cached_input_tokens": 15_200,
                                                  "output_tokens": 1_710, "reasoning_output_tokens": 0}}}})
        ),
    );
    let grown = import(&sandbox, &db, "codex", &[&root]);
    assert!(grown.contains("1 events added"), "{grown}");
    assert!(grown.contains("0 malformed"), "{grown}");
    calls.push(codex_call("c4", "gpt-5", "", u4));
    assert_eq!(report(&sandbox, &db).0, expected(&calls));

    // Truncated to its first call.
    write_lines(&main, &main_lines[..5], None);
    let truncated = import(&sandbox, &db, "codex", &[&root]);
    assert!(truncated.contains("1 rewritten"), "{truncated}");
    calls.retain(|call| call.id == "c1" || call.id == "c3");
    assert_eq!(report(&sandbox, &db).0, expected(&calls));
}
