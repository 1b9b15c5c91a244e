//! `usagetop import openai-usage --fetch` / `anthropic-usage --fetch`
//! against a local HTTP server on 127.0.0.1 that answers with recorded
//! pages, following `next_page`; the admin key is checked in its header and
//! never appears in any output or file.

use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::*;

const OPENAI_KEY: &str = "sk-admin-TESTSECRET-7c1e9f";
const ANTHROPIC_KEY: &str = "sk-ant-admin01-TESTSECRET-42ab";

/// A request the server saw: its path with the query, and its headers.
#[derive(Debug, Clone)]
struct Seen {
    target: String,
    headers: Vec<(String, String)>,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// Serves `pages` (cursor → page; the first page has cursor "") until the
/// test ends. Requests whose `auth` header is not `expected` get a 401 that
/// echoes the header back, as a careless proxy would.
async fn serve(
    pages: Vec<(&'static str, Value)>,
    auth: &'static str,
    expected: String,
) -> (String, Arc<Mutex<Vec<Seen>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let mut request = Vec::new();
            let mut buffer = [0u8; 4096];
            while !request.windows(4).any(|window| window == b"\r\n\r\n") {
                match socket.read(&mut buffer).await {
                    Ok(0) | Err(_) => break,
                    Ok(read) => request.extend_from_slice(&buffer[..read]),
                }
            }
            let text = String::from_utf8_lossy(&request).into_owned();
            let mut lines = text.split("\r\n");
            let target = lines
                .next()
                .and_then(|line| line.split(' ').nth(1))
                .unwrap_or("")
                .to_owned();
            let headers: Vec<(String, String)> = lines
                .filter_map(|line| line.split_once(": "))
                .map(|(key, value)| (key.to_owned(), value.to_owned()))
                .collect();
            let entry = Seen { target, headers };
            log.lock().unwrap().push(entry.clone());
            let (status, body) = if entry.header(auth) == Some(expected.as_str()) {
                let cursor = entry
                    .target
                    .split(['?', '&'])
                    .find_map(|pair| pair.strip_prefix("page="))
                    .unwrap_or("")
                    .replace("%3D", "=");
                match pages.iter().find(|(name, _)| *name == cursor.as_str()) {
                    Some((_, page)) => ("200 OK", page.to_string()),
                    None => (
                        "404 Not Found",
                        json!({"error": "no such page"}).to_string(),
                    ),
                }
            } else {
                let sent = entry.header(auth).unwrap_or("").to_owned();
                (
                    "401 Unauthorized",
                    json!({"error": {"message": format!("invalid key {sent}")}}).to_string(),
                )
            };
            let answer = format!(
                "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = socket.write_all(answer.as_bytes()).await;
            let _ = socket.shutdown().await;
        }
    });
    (format!("http://{address}"), seen)
}

fn openai_bucket(day: i64, results: Vec<Value>) -> Value {
    json!({"object": "bucket", "start_time": 1_795_132_800 + day * 86_400,
           "end_time": 1_795_132_800 + (day + 1) * 86_400, "results": results})
}

fn openai_row(model: &str, project: &str, counts: [i64; 4]) -> Value {
    let [input, cached, output, requests] = counts;
    json!({"object": "organization.usage.completions.result", "input_tokens": input,
           "output_tokens": output, "input_cached_tokens": cached, "num_model_requests": requests,
           "project_id": project, "user_id": null, "api_key_id": null, "model": model,
           "batch": null, "service_tier": null})
}

/// Runs the binary off the runtime's thread (the server runs on it).
async fn run(sandbox: &Sandbox, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut command = sandbox.command();
    command
        .args(args)
        .env_remove("OPENAI_ADMIN_KEY")
        .env_remove("ANTHROPIC_ADMIN_KEY")
        .env_remove("USAGETOP_OPENAI_BASE_URL")
        .env_remove("USAGETOP_ANTHROPIC_BASE_URL");
    for (key, value) in env {
        command.env(key, value);
    }
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

/// Every file under `dir`, read as bytes.
fn files_under(dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, out);
        } else if let Ok(bytes) = std::fs::read(&path) {
            out.push((path, bytes));
        }
    }
}

fn assert_secret_nowhere(sandbox: &Sandbox, outputs: &[&std::process::Output], key: &str) {
    for output in outputs {
        for stream in [&output.stdout, &output.stderr] {
            let text = String::from_utf8_lossy(stream);
            assert!(!text.contains(key), "the key was printed: {text}");
            assert!(
                !text.contains("TESTSECRET"),
                "part of the key was printed: {text}"
            );
        }
    }
    let mut files = Vec::new();
    files_under(sandbox.dir.path(), &mut files);
    assert!(
        files.iter().any(|(path, _)| path.ends_with("usage.db")),
        "the database was written"
    );
    for (path, bytes) in files {
        assert!(
            !bytes
                .windows(key.len())
                .any(|window| window == key.as_bytes()),
            "the key is in {}",
            path.display()
        );
    }
}

#[tokio::test]
async fn openai_fetch_follows_the_pages_with_the_key_from_the_environment_only() {
    let sandbox = Sandbox::new();
    let db = sandbox.path("usage.db");
    let url = url_of(&db);
    let pages = vec![
        (
            "",
            json!({"object": "page", "data": [
                openai_bucket(0, vec![openai_row("gpt-4o", "proj_a", [10_000, 4_000, 2_000, 12])]),
                openai_bucket(1, vec![])],
                "has_more": true, "next_page": "page_AAAA1"}),
        ),
        (
            "page_AAAA1",
            json!({"object": "page", "data": [
                openai_bucket(2, vec![openai_row("gpt-4o", "proj_a", [7_000, 1_000, 700, 9]),
                                      openai_row("gpt-5", "proj_b", [50_000, 30_000, 9_000, 40])])],
                "has_more": false, "next_page": null}),
        ),
    ];
    let (base, seen) = serve(pages, "authorization", format!("Bearer {OPENAI_KEY}")).await;
    let args = [
        "import",
        "--database-url",
        &url,
        "openai-usage",
        "--fetch",
        "--since",
        "2026-11-20",
    ];
    let output = run(
        &sandbox,
        &args,
        &[
            ("OPENAI_ADMIN_KEY", OPENAI_KEY),
            ("USAGETOP_OPENAI_BASE_URL", &base),
        ],
    )
    .await;
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(text.contains("2 pages"), "{text}");
    assert!(text.contains("3 events added"), "{text}");
    {
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 2, "{seen:?}");
        assert!(
            seen[0]
                .target
                .starts_with("/v1/organization/usage/completions?"),
            "{seen:?}"
        );
        assert!(seen[0].target.contains("start_time=1795132800"), "{seen:?}");
        assert!(seen[0].target.contains("group_by=model"), "{seen:?}");
        assert!(!seen[0].target.contains("page="), "{seen:?}");
        assert!(seen[1].target.contains("page=page_AAAA1"), "{seen:?}");
    }
    let (totals, _) = report(&sandbox, &db);
    assert_eq!(totals.requests, 12 + 9 + 40);
    assert_eq!(totals.input, 6_000 + 6_000 + 20_000);
    assert_eq!(totals.read, 4_000 + 1_000 + 30_000);

    // Again, from the newest bucket minus a day: the same buckets, once.
    let again = run(
        &sandbox,
        &[
            "import",
            "--database-url",
            &url,
            "openai-usage",
            "--fetch",
            "--base-url",
            &base,
        ],
        &[("OPENAI_ADMIN_KEY", OPENAI_KEY)],
    )
    .await;
    assert!(again.status.success(), "{again:?}");
    let text = String::from_utf8_lossy(&again.stdout).into_owned();
    assert!(text.contains("0 events added, 0 updated"), "{text}");
    assert!(
        seen.lock().unwrap()[2]
            .target
            .contains("start_time=1795219200"),
        "the newest bucket (day 2) minus a day"
    );
    assert_eq!(report(&sandbox, &db).0.requests, 61);

    // A wrong key: the server's answer echoes it; the error masks it.
    let wrong = run(
        &sandbox,
        &args,
        &[
            ("OPENAI_ADMIN_KEY", "sk-admin-TESTSECRET-wrong"),
            ("USAGETOP_OPENAI_BASE_URL", &base),
        ],
    )
    .await;
    let message = assert_clean_failure(&wrong, &["401"]);
    assert!(!message.contains("sk-admin-TESTSECRET-wrong"), "{message}");
    assert_secret_nowhere(&sandbox, &[&output, &again, &wrong], OPENAI_KEY);
    assert_secret_nowhere(&sandbox, &[&wrong], "sk-admin-TESTSECRET-wrong");
}

#[tokio::test]
async fn anthropic_fetch_sends_its_headers_and_reads_every_page() {
    let sandbox = Sandbox::new();
    let db = sandbox.path("usage.db");
    let url = url_of(&db);
    let result = |workspace: &str, counts: [i64; 5]| {
        let [uncached, five, hour, read, output] = counts;
        json!({"uncached_input_tokens": uncached,
               "cache_creation": {"ephemeral_1h_input_tokens": hour, "ephemeral_5m_input_tokens": five},
               "cache_read_input_tokens": read, "output_tokens": output, "api_key_id": null,
               "workspace_id": workspace, "model": "claude-sonnet-4-5-20250929",
               "service_tier": "standard", "context_window": "0-200k"})
    };
    let pages = vec![
        (
            "",
            json!({"data": [{"starting_at": "2026-11-20T00:00:00Z", "ending_at": "2026-11-21T00:00:00Z",
                             "results": [result("wrkspc_1", [1_500, 500, 1_000, 200, 500])]}],
                   "has_more": true, "next_page": "page_MjAyNi0xMS0yMVQwMDowMDowMFo="}),
        ),
        (
            "page_MjAyNi0xMS0yMVQwMDowMDowMFo=",
            json!({"data": [{"starting_at": "2026-11-21T00:00:00Z", "ending_at": "2026-11-22T00:00:00Z",
                             "results": [result("wrkspc_2", [300, 0, 0, 50, 40])]}],
                   "has_more": false, "next_page": null}),
        ),
    ];
    let (base, seen) = serve(pages, "x-api-key", ANTHROPIC_KEY.to_owned()).await;
    let output = run(
        &sandbox,
        &[
            "import",
            "--database-url",
            &url,
            "anthropic-usage",
            "--fetch",
            "--since",
            "2026-11-20",
            "--base-url",
            &base,
        ],
        &[("ANTHROPIC_ADMIN_KEY", ANTHROPIC_KEY)],
    )
    .await;
    assert!(output.status.success(), "{output:?}");
    {
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 2, "{seen:?}");
        assert!(seen[0]
            .target
            .starts_with("/v1/organizations/usage_report/messages?"));
        assert!(
            seen[0]
                .target
                .contains("starting_at=2026-11-20T00%3A00%3A00Z"),
            "{seen:?}"
        );
        assert_eq!(seen[0].header("anthropic-version"), Some("2023-06-01"));
        assert!(
            seen[0].header("authorization").is_none(),
            "no bearer header"
        );
        assert!(
            seen[1]
                .target
                .contains("page=page_MjAyNi0xMS0yMVQwMDowMDowMFo%3D"),
            "{seen:?}"
        );
    }
    let (totals, _) = report(&sandbox, &db);
    assert_eq!(
        (totals.input, totals.output, totals.write),
        (1_800, 540, 1_500)
    );
    assert_secret_nowhere(&sandbox, &[&output], ANTHROPIC_KEY);
}
