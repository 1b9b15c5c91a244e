//! `usagetop import gemini`: JSON-lines chats with messages written several times, and legacy whole-file chats rewritten.

use serde_json::{json, Value};

use super::*;
// ---------------------------------------------------------------------------
// Gemini CLI
// ---------------------------------------------------------------------------

/// A gemini message record: tokens [input incl. cached, output, cached, thoughts, tool].
fn gemini_record(id: &str, ts: &str, model: &str, tokens: Option<[i64; 5]>) -> Value {
    json!({"id": id, "timestamp": ts, "type": "gemini", "content": "", "model": model,
           "thoughts": [{"subject": "tokens", "description": "..."}],
           "tokens": tokens.map(|[input, output, cached, thoughts, tool]| json!({
               "input": input, "output": output, "cached": cached, "thoughts": thoughts,
               "tool": tool, "total": input + output + thoughts + tool}))})
}

fn gemini_call(
    id: &'static str,
    model: &'static str,
    [input, output, cached, thoughts, tool]: [i64; 5],
) -> Call {
    Call {
        id,
        model,
        ts: "",
        input: input - cached + tool,
        output: output + thoughts,
        read: cached,
        write_5m: 0,
        write_1h: 0,
    }
}

#[test]
fn gemini_chats_count_each_message_once() {
    let sandbox = Sandbox::new();
    let db = sandbox.path("usage.db");
    let chats = sandbox.dir.path().join("home/.gemini/tmp/acme/chats");
    std::fs::create_dir_all(&chats).unwrap();
    let current = chats.join("session-2025-10-12T10-21-0aef5a64.jsonl");
    let legacy = chats.join("session-2025-10-06T20-40-9f0d1499.json");
    let t1 = [27_150, 240, 150, 402, 10];
    let t2 = [30_000, 500, 20_000, 0, 0];
    let lines = [
        json!({"sessionId": "0aef5a64", "projectHash": "a9b9", "startTime": "2025-10-12T10:21:00.000Z", "kind": "main"}),
        json!({"id": "u1", "timestamp": "2025-10-12T10:21:00.000Z", "type": "user", "content": [{"text": "add \"tokens\""}]}),
        gemini_record("e1", "2025-10-12T10:21:19.611Z", "gemini-2.5-flash", None),
        gemini_record(
            "e1",
            "2025-10-12T10:21:19.611Z",
            "gemini-2.5-flash",
            Some(t1),
        ),
        json!({"$set": {"lastUpdated": "2025-10-12T10:21:19.611Z"}}),
        // Written again when a tool call's status changed.
        gemini_record(
            "e1",
            "2025-10-12T10:21:19.611Z",
            "gemini-2.5-flash",
            Some(t1),
        ),
        json!({"$rewindTo": "u1"}),
    ];
    let text: Vec<String> = lines.iter().map(Value::to_string).collect();
    write_lines(&current, &text, None);
    let legacy_doc = |messages: Vec<Value>| {
        serde_json::to_string_pretty(&json!({"sessionId": "9f0d1499", "projectHash": "58f1",
            "startTime": "2025-10-06T20:40:00.000Z", "messages": messages}))
        .unwrap()
    };
    let t3 = [1_000, 100, 0, 50, 0];
    let t4 = [2_000, 10, 1_500, 0, 0];
    std::fs::write(&legacy, legacy_doc(vec![
        json!({"id": "c4", "timestamp": "2025-10-06T20:40:00.000Z", "type": "user", "content": [{"text": "hi"}]}),
        gemini_record("g1", "2025-10-06T20:40:19.611Z", "gemini-2.5-pro", Some(t3)),
        json!({"id": "i1", "timestamp": "2025-10-06T20:41:00.000Z", "type": "info", "content": "Request cancelled."}),
    ])).unwrap();
    let mut calls = vec![
        gemini_call("e1", "gemini-2.5-flash", t1),
        gemini_call("g1", "gemini-2.5-pro", t3),
    ];
    // The default folder: ~/.gemini/tmp.
    let first = sandbox.ok(&["import", "--database-url", &url_of(&db), "gemini"]);
    assert!(first.contains("2 events added"), "{first}");
    assert_eq!(report(&sandbox, &db).0, expected(&calls));
    assert!(sandbox
        .ok(&["import", "--database-url", &url_of(&db), "gemini"])
        .contains("0 events added"));
    // The current chat grows; the legacy one is rewritten whole with one more message.
    append(
        &current,
        &format!(
            "{}\n",
            gemini_record(
                "e2",
                "2025-10-12T10:25:00.000Z",
                "gemini-2.5-flash",
                Some(t2)
            )
        ),
    );
    std::fs::write(
        &legacy,
        legacy_doc(vec![
            gemini_record("g1", "2025-10-06T20:40:19.611Z", "gemini-2.5-pro", Some(t3)),
            gemini_record("g2", "2025-10-06T20:45:00.000Z", "gemini-2.5-pro", Some(t4)),
        ]),
    )
    .unwrap();
    let grown = sandbox.ok(&["import", "--database-url", &url_of(&db), "gemini"]);
    assert!(
        grown.contains("1 grown") && grown.contains("1 rewritten"),
        "{grown}"
    );
    calls.push(gemini_call("e2", "gemini-2.5-flash", t2));
    calls.push(gemini_call("g2", "gemini-2.5-pro", t4));
    assert_eq!(report(&sandbox, &db).0, expected(&calls));
}
