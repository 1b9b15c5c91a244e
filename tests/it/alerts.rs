//! Alerts: every rule on pinned clocks over a SQLite table with weekday and
//! hour rhythm, a burst, an unpriced model and a silence; once per rule,
//! target and period across a restart; webhooks against a local HTTP server
//! written here (success, 500 then retried, timeout, connection refused,
//! Slack's format, headers from the environment never printed); commands
//! with the alert on standard input; `watch --once` and `alerts test` from
//! the binary.

use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, TimeZone, Utc};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use usagetop::alerts::dispatch::{Dispatcher, Outcome};
use usagetop::alerts::{observe, Alert, Alerts, AlertsConfig, Findings, WebhookConfig};
use usagetop::budget::{BudgetConfig, Budgets};
use usagetop::clock::FixedClock;
use usagetop::period::{Calendar, WeekStart};
use usagetop::pipeline::{compute, ReportContext, ReportRequest};
use usagetop::pricing::{PriceFile, PriceTable};
use usagetop::store::demo::{self, DemoEvent};
use usagetop::store::mapping::Mapping;
use usagetop::store::sqlite::SqliteStore;

/// Wednesday 2026-11-25, 15:00 UTC.
fn at(hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, hour, minute, 0).unwrap()
}

fn event(
    ts: DateTime<Utc>,
    model: &'static str,
    user: &'static str,
    input: i64,
    output: i64,
) -> DemoEvent {
    DemoEvent {
        ts: ts.timestamp(),
        user_id: user,
        model,
        endpoint: "/v1/chat/completions",
        input_tokens: input,
        output_tokens: output,
        cache_read_tokens: 0,
        cache_write_tokens: 0,
    }
}

/// Eight weeks of one small request at :40 of every hour (alice and bob),
/// today's up to 13:40, a costly burst at 14:10, an unpriced in-house model,
/// and nothing since: a silence of 50 minutes at 15:00.
fn history() -> Vec<DemoEvent> {
    let mut events = Vec::new();
    let start = at(0, 40) - Duration::days(56);
    let mut instant = start;
    while instant < at(14, 0) {
        let user = if instant.timestamp() / 3600 % 2 == 0 {
            "alice"
        } else {
            "bob"
        };
        events.push(event(instant, "gpt-4o-mini", user, 10_000, 1_000));
        instant += Duration::hours(1);
    }
    events.push(event(at(14, 10), "gpt-4o", "alice", 1_000_000, 100_000));
    events.push(event(
        at(0, 5) - Duration::days(5),
        "acme-internal-7b",
        "bob",
        5_000,
        500,
    ));
    events
}

fn context(now: DateTime<Utc>, budgets: Budgets) -> ReportContext {
    ReportContext {
        calendar: Calendar::new(chrono_tz::UTC, WeekStart::Monday),
        clock: Arc::new(FixedClock(now)),
        prices: Arc::new(PriceTable::with_overrides(&PriceFile::default(), "pricing").unwrap()),
        budgets: Arc::new(budgets),
        wall_clock: Arc::new(FixedClock(now)),
    }
}

fn rules() -> Alerts {
    Alerts::from_config(&AlertsConfig {
        spike_factor: Some(3.0),
        hour_cost: Some("1.00".to_owned()),
        stale_minutes: Some(30),
        new_user: Some(true),
        ..AlertsConfig::default()
    })
    .unwrap()
}

async fn findings(store: &SqliteStore, now: DateTime<Utc>, budgets: Budgets) -> Findings {
    let context = context(now, budgets);
    let snapshot = compute(store, &context, &ReportRequest::default(), 0)
        .await
        .unwrap();
    observe::check(store, &context, &snapshot, &rules().rules)
        .await
        .unwrap()
}

fn shown(outcomes: &[Outcome]) -> Vec<(String, String)> {
    outcomes
        .iter()
        .map(|outcome| match outcome {
            Outcome::Shown(alert) => (alert.rule.clone(), alert.subject.clone()),
            other => panic!("only the local target here: {other:?}"),
        })
        .collect()
}

#[tokio::test]
async fn every_rule_fires_once_and_a_restart_repeats_none() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("usage.db");
    demo::write(&path, &history(), false).await.unwrap();
    let store = SqliteStore::open(&path, false, Mapping::default())
        .await
        .unwrap();
    // Budgets set from what was spent: monthly between the spent and the
    // forecast (past 80 %, and the forecast crosses), daily past its limit.
    let probe = Budgets::from_config(&BudgetConfig {
        monthly: Some("1000000".to_owned().into()),
        ..BudgetConfig::default()
    })
    .unwrap();
    let spent = compute(
        &store,
        &context(at(15, 0), probe),
        &ReportRequest::default(),
        0,
    )
    .await
    .unwrap();
    let month = spent.summary.this_month.totals.cost;
    let forecast = spent.budgets[0].forecast;
    let day = spent.summary.today.totals.cost;
    let budgets = Budgets::from_config(&BudgetConfig {
        monthly: Some(
            ((month + forecast) / rust_decimal::Decimal::TWO)
                .round_dp(4)
                .to_string()
                .into(),
        ),
        daily: Some(
            (day / rust_decimal::Decimal::TWO)
                .round_dp(2)
                .to_string()
                .into(),
        ),
        ..BudgetConfig::default()
    })
    .unwrap();

    let state = dir.path().join("state").join("alerts-state.json");
    let found = findings(&store, at(15, 0), budgets.clone()).await;
    let (mut dispatcher, note) = Dispatcher::open(&rules(), Some("log"), &state).unwrap();
    assert_eq!(note, None);
    let (outcomes, unsaved) = dispatcher.handle(found.clone()).await;
    assert_eq!(unsaved, None);
    let mut fired = shown(&outcomes);
    fired.sort();
    assert_eq!(
        fired,
        vec![
            ("budget".to_owned(), "daily 100%".to_owned()),
            ("budget".to_owned(), "monthly 80%".to_owned()),
            ("forecast".to_owned(), "monthly".to_owned()),
            ("hour".to_owned(), String::new()),
            ("spike".to_owned(), String::new()),
            ("stale".to_owned(), String::new()),
            ("unpriced".to_owned(), "acme-internal-7b".to_owned()),
        ],
        "{:#?}",
        found.alerts
    );
    let text = |rule: &str| {
        found
            .alerts
            .iter()
            .find(|alert| alert.rule == rule)
            .map(|alert| format!("{} / {}", alert.title, alert.text))
            .unwrap()
    };
    assert!(text("spike").contains("Wednesday"), "{}", text("spike"));
    assert!(text("hour").contains("2026-11-25T14"), "{}", text("hour"));
    assert!(
        text("forecast").contains("exceeded on 2026-11-"),
        "{}",
        text("forecast")
    );
    assert!(text("stale").contains("30 minutes"), "{}", text("stale"));
    // The first look learned the models and users: no "new" alert.
    assert!(!outcomes
        .iter()
        .any(|outcome| outcome.line().contains("new_")));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&state).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the state file is private");
    }

    // The same findings again, and after a restart: nothing repeats.
    let (again, _) = dispatcher.handle(found.clone()).await;
    assert!(again.is_empty(), "{again:?}");
    drop(dispatcher);
    let (mut restarted, _) = Dispatcher::open(&rules(), Some("log"), &state).unwrap();
    let (after_restart, _) = restarted.handle(found).await;
    assert!(after_restart.is_empty(), "{after_restart:?}");

    // A model and a user seen for the first time, later that hour.
    let pool = SqliteStore::open_writable(&path).await.unwrap();
    sqlx::query("INSERT INTO usage_events (ts, user_id, model, endpoint, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens) VALUES (?, 'carol', 'brand-new-model', '/v1/x', 10, 10, 0, 0)")
        .bind(at(15, 10).timestamp())
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let store = SqliteStore::open(&path, false, Mapping::default())
        .await
        .unwrap();
    let later = findings(&store, at(15, 20), budgets).await;
    let (outcomes, _) = restarted.handle(later).await;
    let mut fired = shown(&outcomes);
    fired.sort();
    assert_eq!(
        fired,
        vec![
            ("new_model".to_owned(), "brand-new-model".to_owned()),
            ("new_user".to_owned(), "carol".to_owned()),
            // Priced by the default price too, the first time it appears.
            ("unpriced".to_owned(), "brand-new-model".to_owned()),
        ],
        "{outcomes:#?}"
    );
}

/// A one-shot local HTTP server: answers each request by `behave(count)`
/// (`Some(status)` or `None`: never answer) and records each request.
struct Server {
    port: u16,
    seen: Arc<Mutex<Vec<String>>>,
}

async fn server(behave: fn(usize) -> Option<u16>) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let log = Arc::clone(&log);
            tokio::spawn(async move {
                let mut buffer = Vec::new();
                let mut chunk = [0_u8; 4096];
                // Read the head, then as much body as Content-Length says.
                loop {
                    let read = socket.read(&mut chunk).await.unwrap_or(0);
                    if read == 0 {
                        return;
                    }
                    buffer.extend_from_slice(&chunk[..read]);
                    let text = String::from_utf8_lossy(&buffer).to_string();
                    if let Some(head_end) = text.find("\r\n\r\n") {
                        let length = text[..head_end]
                            .lines()
                            .find_map(|line| {
                                line.to_ascii_lowercase()
                                    .strip_prefix("content-length:")
                                    .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                            })
                            .unwrap_or(0);
                        if buffer.len() >= head_end + 4 + length {
                            break;
                        }
                    }
                }
                let count = {
                    let mut seen = log.lock().unwrap();
                    seen.push(String::from_utf8_lossy(&buffer).to_string());
                    seen.len()
                };
                match behave(count) {
                    Some(status) => {
                        let reply = format!(
                            "HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                        );
                        let _ = socket.write_all(reply.as_bytes()).await;
                    }
                    None => tokio::time::sleep(std::time::Duration::from_secs(10)).await,
                }
            });
        }
    });
    Server { port, seen }
}

fn hook(name: &str, url: String, format: Option<&str>) -> WebhookConfig {
    WebhookConfig {
        name: Some(name.to_owned()),
        url,
        format: format.map(str::to_owned),
        headers: [(
            "Authorization".to_owned(),
            "Bearer ${USAGETOP_TEST_ALERT_TOKEN}".to_owned(),
        )]
        .into(),
        timeout_seconds: Some(1),
    }
}

fn alert(now: DateTime<Utc>) -> Alert {
    Alert {
        rule: "spike".to_owned(),
        subject: String::new(),
        period: "2026-11-25".to_owned(),
        severity: usagetop::alerts::Severity::Critical,
        title: "cost spike: $3.53 today".to_owned(),
        text: "today's cost so far is $3.53".to_owned(),
        at: now,
        sample: false,
    }
}

#[tokio::test]
async fn webhooks_succeed_fail_time_out_and_are_retried_with_backoff() {
    // SAFETY of the test: one variable of this test's own, set once.
    std::env::set_var("USAGETOP_TEST_ALERT_TOKEN", "s3cret-t0ken");
    let good = server(|_| Some(200)).await;
    let flaky = server(|count| Some(if count == 1 { 500 } else { 204 })).await;
    let silent = server(|_| None).await;
    let refused = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let alerts = Alerts::from_config(&AlertsConfig {
        webhook: vec![
            hook(
                "good",
                format!(
                    "http://127.0.0.1:{}/hook/${{USAGETOP_TEST_ALERT_TOKEN}}",
                    good.port
                ),
                Some("slack"),
            ),
            hook(
                "flaky",
                format!("http://127.0.0.1:{}/json", flaky.port),
                None,
            ),
            hook("silent", format!("http://127.0.0.1:{}/", silent.port), None),
            hook("refused", format!("http://127.0.0.1:{refused}/"), None),
        ],
        ..AlertsConfig::default()
    })
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("alerts-state.json");
    let (mut dispatcher, _) = Dispatcher::open(&alerts, None, &state).unwrap();
    let now = at(15, 0);
    let findings = Findings {
        alerts: vec![alert(now)],
        at: now,
        ..Findings::default()
    };
    let (outcomes, _) = dispatcher.handle(findings.clone()).await;
    let by_target = |outcomes: &[Outcome], name: &str| -> Option<Outcome> {
        outcomes
            .iter()
            .find(|outcome| match outcome {
                Outcome::Sent { target, .. }
                | Outcome::Failed { target, .. }
                | Outcome::GaveUp { target, .. } => target == name,
                Outcome::Shown(_) => false,
            })
            .cloned()
    };
    assert!(
        matches!(by_target(&outcomes, "good"), Some(Outcome::Sent { .. })),
        "{outcomes:#?}"
    );
    for (name, why) in [
        ("flaky", "HTTP 500"),
        ("silent", "no answer within 1 s"),
        ("refused", "cannot connect"),
    ] {
        match by_target(&outcomes, name) {
            Some(Outcome::Failed {
                error, retry_at, ..
            }) => {
                assert!(error.contains(why), "{name}: {error}");
                assert_eq!(
                    retry_at,
                    now + Duration::seconds(30),
                    "first retry after 30 s"
                );
            }
            other => panic!("{name}: {other:?}"),
        }
    }
    // Slack's text body, the header from the environment; no secret in any line.
    let request = good.seen.lock().unwrap()[0].clone();
    assert!(
        request.starts_with("POST /hook/s3cret-t0ken HTTP/1.1"),
        "{request}"
    );
    assert!(request
        .to_ascii_lowercase()
        .contains("authorization: bearer s3cret-t0ken"));
    let body = request.split("\r\n\r\n").nth(1).unwrap();
    let json: serde_json::Value = serde_json::from_str(body).unwrap();
    assert!(
        json["text"]
            .as_str()
            .unwrap()
            .contains("cost spike: $3.53 today"),
        "{json}"
    );
    for outcome in &outcomes {
        assert!(!outcome.line().contains("s3cret"), "{}", outcome.line());
    }
    // Before the retry is due nothing is sent again; after it, the flaky
    // hook takes it (as JSON), the others fail again with a longer wait.
    let (early, _) = dispatcher
        .handle(Findings {
            at: now + Duration::seconds(10),
            ..findings.clone()
        })
        .await;
    assert!(early.is_empty(), "{early:#?}");
    let later = now + Duration::seconds(31);
    let (retried, _) = dispatcher
        .handle(Findings {
            at: later,
            ..findings.clone()
        })
        .await;
    assert!(
        matches!(by_target(&retried, "flaky"), Some(Outcome::Sent { .. })),
        "{retried:#?}"
    );
    assert!(by_target(&retried, "good").is_none(), "sent once only");
    match by_target(&retried, "refused") {
        Some(Outcome::Failed { retry_at, .. }) => {
            assert_eq!(retry_at, later + Duration::seconds(60))
        }
        other => panic!("{other:?}"),
    }
    let flaky_body = flaky.seen.lock().unwrap()[1].clone();
    let json: serde_json::Value =
        serde_json::from_str(flaky_body.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert_eq!(json["source"], "usagetop");
    assert_eq!(json["rule"], "spike");
    assert_eq!(json["severity"], "critical");
    // A restart keeps the pending retries; a day later they are given up, loudly.
    drop(dispatcher);
    let (mut restarted, _) = Dispatcher::open(&alerts, None, &state).unwrap();
    assert_eq!(
        restarted.state().pending.len(),
        2,
        "silent and refused wait"
    );
    let day_later = now + Duration::hours(25);
    let (given_up, _) = restarted
        .handle(Findings {
            at: day_later,
            ..findings
        })
        .await;
    assert_eq!(
        given_up
            .iter()
            .filter(|outcome| matches!(outcome, Outcome::GaveUp { .. }))
            .count(),
        2,
        "{given_up:#?}"
    );
    assert!(given_up
        .iter()
        .all(|outcome| outcome.line().contains("NOT DELIVERED")));
    assert!(restarted.state().pending.is_empty());
}

#[tokio::test]
async fn a_command_gets_the_alert_on_standard_input() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("got.json");
    let alerts = Alerts::from_config(&AlertsConfig {
        command: vec![
            usagetop::alerts::CommandConfig {
                name: None,
                program: "/bin/sh".to_owned(),
                args: vec!["-c".to_owned(), format!("cat > '{}'", out.display())],
                timeout_seconds: Some(5),
            },
            usagetop::alerts::CommandConfig {
                name: Some("failing".to_owned()),
                program: "/bin/sh".to_owned(),
                args: vec!["-c".to_owned(), "exit 3".to_owned()],
                timeout_seconds: Some(5),
            },
        ],
        ..AlertsConfig::default()
    })
    .unwrap();
    let (mut dispatcher, _) =
        Dispatcher::open(&alerts, None, &dir.path().join("state.json")).unwrap();
    let now = at(15, 0);
    let (outcomes, _) = dispatcher
        .handle(Findings {
            alerts: vec![alert(now)],
            at: now,
            ..Findings::default()
        })
        .await;
    assert!(
        matches!(&outcomes[0], Outcome::Sent { target, .. } if target == "command:sh"),
        "{outcomes:#?}"
    );
    assert!(
        matches!(&outcomes[1], Outcome::Failed { error, .. } if error.contains("exited with status 3")),
        "{outcomes:#?}"
    );
    let got: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(got["title"], "cost spike: $3.53 today");
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_once_and_alerts_test_from_the_binary() {
    let sandbox = crate::support::sandbox::Sandbox::new();
    let db = sandbox.path("usage.db");
    demo::write(&db, &history(), false).await.unwrap();
    let url = format!("sqlite://{}", db.display());
    let good = server(|_| Some(200)).await;
    let log = sandbox.path("command.log");
    let config = sandbox.path("config.toml");
    write(
        &config,
        &format!(
            "[budget]\ndaily = \"0.01\"\n[alerts]\nhour_cost = \"1.00\"\n\
             [[alerts.webhook]]\nurl = \"http://127.0.0.1:{}/slack\"\nformat = \"slack\"\n\
             [[alerts.command]]\nprogram = \"/bin/sh\"\nargs = [\"-c\", \"cat >> '{}'; echo >> '{}'\"]\n",
            good.port,
            log.display(),
            log.display()
        ),
    );
    let config = config.display().to_string();
    let watch = |now: &str| {
        sandbox.run(&[
            "--database-url",
            &url,
            "--config",
            &config,
            "--tz",
            "UTC",
            "--now",
            now,
            "watch",
            "--once",
        ])
    };
    let first = watch("2026-11-25T15:00:00Z");
    let stdout = String::from_utf8_lossy(&first.stdout).to_string();
    assert!(
        first.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(
        stdout.contains("2026-11-25T15:00:00Z alert budget [critical] sent to webhook:127.0.0.1:"),
        "{stdout}"
    );
    assert!(
        stdout.contains("alert hour [critical] sent to command:sh"),
        "{stdout}"
    );
    let lines = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .filter(|line| !line.is_empty())
        .count();
    assert_eq!(lines, 4, "budget, hour, spike and unpriced: {stdout}");
    // Run again (a restart): nothing is sent twice.
    let second = watch("2026-11-25T15:05:00Z");
    assert!(second.status.success());
    let again = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .filter(|line| !line.is_empty())
        .count();
    assert_eq!(again, 4, "{}", String::from_utf8_lossy(&second.stdout));
    assert_eq!(good.seen.lock().unwrap().len(), 4);
    // alerts test: a sample to each target.
    let test = sandbox.run(&[
        "--database-url",
        &url,
        "--config",
        &config,
        "alerts",
        "test",
    ]);
    let stdout = String::from_utf8_lossy(&test.stdout).to_string();
    assert!(test.status.success(), "{stdout}");
    assert!(
        stdout.contains("ok      webhook:127.0.0.1:") && stdout.contains("ok      command:sh"),
        "{stdout}"
    );
    assert_eq!(good.seen.lock().unwrap().len(), 5);
    assert!(good.seen.lock().unwrap()[4].contains("usagetop test alert"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_exits_cleanly_on_sigterm() {
    use std::io::BufRead as _;
    let sandbox = crate::support::sandbox::Sandbox::new();
    let db = sandbox.path("usage.db");
    demo::write(&db, &history(), false).await.unwrap();
    let url = format!("sqlite://{}", db.display());
    let mut child = sandbox
        .command()
        .args([
            "--database-url",
            &url,
            "--tz",
            "UTC",
            "--refresh-seconds",
            "3600",
            "watch",
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    assert!(first.contains("watching sqlite://"), "{first}");
    // Wait for the first evaluation to end (its lines), then stop it.
    let state = sandbox.dir.path().join("data/usagetop/alerts-state.json");
    for _ in 0..300 {
        if state.exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(state.exists(), "the first evaluation wrote the state");
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "a clean exit on SIGTERM");
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(
        rest.last()
            .is_some_and(|line| line.ends_with("stopping (SIGTERM)")),
        "{rest:?}"
    );
}

#[test]
fn bad_alert_settings_name_the_key_and_the_fix() {
    let check = |config: AlertsConfig, needles: &[&str]| {
        let error = Alerts::from_config(&config).unwrap_err().to_string();
        for needle in needles {
            assert!(error.contains(needle), "{error}");
        }
    };
    let hook = |url: &str, format: Option<&str>| WebhookConfig {
        url: url.to_owned(),
        format: format.map(str::to_owned),
        ..WebhookConfig::default()
    };
    check(
        AlertsConfig {
            webhook: vec![hook("ftp://example.com/x", None)],
            ..AlertsConfig::default()
        },
        &["alerts.webhook.url", "http://"],
    );
    check(
        AlertsConfig {
            webhook: vec![hook("https://example.com", Some("teams"))],
            ..AlertsConfig::default()
        },
        &["alerts.webhook.format", "\"slack\""],
    );
    check(
        AlertsConfig {
            hour_cost: Some("lots".to_owned()),
            ..AlertsConfig::default()
        },
        &["alerts.hour_cost", "\"25.00\""],
    );
    check(
        AlertsConfig {
            spike_factor: Some(-1.0),
            ..AlertsConfig::default()
        },
        &["alerts.spike_factor"],
    );
    check(
        AlertsConfig {
            budget_shares: Some(vec![0.0]),
            ..AlertsConfig::default()
        },
        &["alerts.budget_shares"],
    );
    // Two hooks to one host get names of their own (they key the state).
    let alerts = Alerts::from_config(&AlertsConfig {
        webhook: vec![
            hook("https://example.com/a", None),
            hook("https://example.com/b", None),
        ],
        ..AlertsConfig::default()
    })
    .unwrap();
    assert_eq!(alerts.targets[0].name, "webhook:example.com");
    assert_eq!(alerts.targets[1].name, "webhook:example.com #2");
}
