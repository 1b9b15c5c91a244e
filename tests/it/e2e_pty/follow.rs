//! `[import] follow` in the real binary: a Claude Code log grows while the
//! dashboard runs, and the numbers and the footer follow at the next
//! refresh while the keys keep working.

use std::io::Write;
use std::path::Path;
use std::thread;
use std::time::Duration;

use super::{sandbox_vars, spawn_dashboard, wait_for_exit, REMOVED};

/// One Claude Code response, as one log line.
fn response(id: &str, ts: &str, input: i64, output: i64) -> String {
    serde_json::json!({
        "type": "assistant", "sessionId": "2ff46cd5", "timestamp": ts, "requestId": format!("req_{id}"),
        "cwd": "/Users/dev/code/acme-api",
        "message": {"model": "claude-sonnet-4-5-20250929", "id": id, "role": "assistant", "content": [],
                    "usage": {"input_tokens": input, "output_tokens": output}}
    })
    .to_string()
        + "\n"
}

/// The figure of the "This month" block's requests on `screen`.
fn month_requests(screen: &str) -> Option<String> {
    let line = screen.lines().find(|line| line.contains("Requests"))?;
    let block = line
        .split('│')
        .filter(|part| part.contains("Requests"))
        .nth(2)?;
    Some(block.trim_start_matches(" Requests").trim().to_owned())
}

fn import(dir: &Path, url: &str, root: &Path) {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_usagetop"));
    command.envs(sandbox_vars(dir));
    for key in REMOVED {
        command.env_remove(key);
    }
    let output = command
        .args(["import", "--database-url", url, "claude-code"])
        .arg(root)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "usagetop import failed: {output:?}"
    );
}

#[test]
fn the_dashboard_follows_a_growing_claude_code_log() {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["home", "data", "config"] {
        std::fs::create_dir_all(dir.path().join(sub)).unwrap();
    }
    let root = dir.path().join("claude/projects");
    let log = root.join("-Users-dev-code-acme-api/2ff46cd5.jsonl");
    std::fs::create_dir_all(log.parent().unwrap()).unwrap();
    std::fs::write(&log, response("msg_A", "2026-11-17T10:00:00Z", 100, 20)).unwrap();
    let url = format!("sqlite://{}", dir.path().join("usage.db").display());
    import(dir.path(), &url, &root);
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[import]\nfollow = [{{ source = \"claude-code\", paths = [{:?}] }}]\n",
            root.display().to_string()
        ),
    )
    .unwrap();
    let config = config.display().to_string();
    let (mut child, terminal, mut writer, _master) = spawn_dashboard(
        dir.path(),
        &url,
        &["--config", &config, "--refresh-seconds", "1"],
    );
    terminal.wait_for("one request this month", |screen| {
        month_requests(screen).as_deref() == Some("1")
    });

    // Two more responses, the last one still being written.
    let mut file = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
    let unfinished = response("msg_C", "2026-11-18T09:00:00Z", 300, 40);
    let text = response("msg_B", "2026-11-18T08:00:00Z", 200, 30) + &unfinished[..30];
    file.write_all(text.as_bytes()).unwrap();
    file.flush().unwrap();
    let screen = terminal.wait_for("the new request and the import's line", |screen| {
        month_requests(screen).as_deref() == Some("2")
            && screen.contains("imported: claude-code 1 new")
    });
    assert!(!screen.contains("failed"), "{screen}");

    // Keys work while it follows: the weekly view, then the line is finished.
    writer.write_all(b"w").unwrap();
    writer.flush().unwrap();
    terminal.wait_for("the weekly view", |screen| screen.contains("last 12 weeks"));
    file.write_all(&unfinished.as_bytes()[30..]).unwrap();
    file.flush().unwrap();
    terminal.wait_for("the finished response", |screen| {
        month_requests(screen).as_deref() == Some("3")
    });
    thread::sleep(Duration::from_millis(50));
    writer.write_all(b"q").unwrap();
    writer.flush().unwrap();
    assert!(wait_for_exit(&mut child).success());
}
