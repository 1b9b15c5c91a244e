//! The dashboard end to end: the real binary in a pseudo-terminal (120x40),
//! its output fed into a terminal emulator (vt100), keys pressed as a person
//! would, and the terminal restored on quit.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use portable_pty::{native_pty_system, Child, CommandBuilder, MasterPty, PtySize};

mod follow;
mod views;

const NOW: &str = "2026-11-18T15:00:00Z";
const ROWS: u16 = 40;
const COLS: u16 = 120;
const SCREEN_TIMEOUT: Duration = Duration::from_secs(20);
const EXIT_TIMEOUT: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(50);

/// What the program wrote, as raw bytes and as the emulated screen.
struct Terminal {
    parser: Arc<Mutex<vt100::Parser>>,
    raw: Arc<Mutex<Vec<u8>>>,
}

impl Terminal {
    fn screen(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    fn raw_contains(&self, needle: &[u8]) -> bool {
        self.raw
            .lock()
            .unwrap()
            .windows(needle.len())
            .any(|window| window == needle)
    }

    /// Polls the screen until `predicate` holds; panics with the screen after the timeout.
    fn wait_for(&self, what: &str, predicate: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + SCREEN_TIMEOUT;
        loop {
            let screen = self.screen();
            if predicate(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; the screen shows:\n{screen}"
            );
            thread::sleep(POLL);
        }
    }
}

/// Variables of the sandbox: a temporary HOME and XDG directories.
fn sandbox_vars(dir: &Path) -> [(&'static str, PathBuf); 3] {
    [
        ("HOME", dir.join("home")),
        ("XDG_DATA_HOME", dir.join("data")),
        ("XDG_CONFIG_HOME", dir.join("config")),
    ]
}

/// Variables the sandbox removes: usagetop's own, and NO_COLOR.
const REMOVED: [&str; 6] = [
    "USAGETOP_DATABASE_URL",
    "USAGETOP_CONFIG",
    "USAGETOP_TZ",
    "USAGETOP_PRESET",
    "USAGETOP_TABLE",
    "NO_COLOR",
];

fn make_demo_db(dir: &Path) -> String {
    let url = format!("sqlite://{}", dir.join("demo.db").display());
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_usagetop"));
    command.envs(sandbox_vars(dir));
    for key in REMOVED {
        command.env_remove(key);
    }
    let output = command
        .args(["demo", "--database-url", &url, "--now", NOW, "--tz", "UTC"])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(output.status.success(), "usagetop demo failed: {output:?}");
    url
}

fn wait_for_exit(child: &mut Box<dyn Child + Send + Sync>) -> portable_pty::ExitStatus {
    let deadline = Instant::now() + EXIT_TIMEOUT;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            panic!("usagetop did not exit within {EXIT_TIMEOUT:?} of `q`");
        }
        thread::sleep(POLL);
    }
}

#[test]
fn dashboard_switches_views_shows_help_and_quits_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["home", "data", "config"] {
        std::fs::create_dir_all(dir.path().join(sub)).unwrap();
    }
    let url = make_demo_db(dir.path());
    let (mut child, terminal, mut writer, _master) = spawn_dashboard(dir.path(), &url, &[]);
    let mut press = |key: &[u8]| {
        writer.write_all(key).unwrap();
        writer.flush().unwrap();
        thread::sleep(Duration::from_millis(20));
    };

    let daily = terminal.wait_for("the daily dashboard with data", |screen| {
        screen.contains("Daily")
            && screen.contains("Requests")
            && screen.contains("Today")
            && screen.contains("This month")
            && screen.contains("last 30 days")
    });
    assert!(
        terminal.parser.lock().unwrap().screen().alternate_screen(),
        "the dashboard does not use the alternate screen"
    );

    press(b"w");
    let weekly = terminal.wait_for("the weekly view", |screen| {
        screen.contains("Weekly") && screen.contains("last 12 weeks")
    });
    assert_ne!(
        daily, weekly,
        "the screen did not change for the weekly view"
    );
    assert!(!weekly.contains("last 30 days"), "{weekly}");

    press(b"m");
    let monthly = terminal.wait_for("the monthly view", |screen| {
        screen.contains("Monthly") && screen.contains("last 12 months")
    });
    assert_ne!(
        weekly, monthly,
        "the screen did not change for the monthly view"
    );

    press(b"?");
    let help = terminal.wait_for("the help popup", |screen| {
        screen.contains("Keys") && screen.contains("? or Esc to close")
    });
    assert_ne!(monthly, help);
    press(b"?");
    terminal.wait_for("the help popup to close", |screen| {
        !screen.contains("? or Esc to close") && screen.contains("last 12 months")
    });

    press(b"q");
    let status = wait_for_exit(&mut child);
    assert!(status.success(), "usagetop exited with {status:?}");

    // The terminal was restored: the alternate screen was left.
    let deadline = Instant::now() + EXIT_TIMEOUT;
    while !terminal.raw_contains(b"\x1b[?1049l") && Instant::now() < deadline {
        thread::sleep(POLL);
    }
    assert!(
        terminal.raw_contains(b"\x1b[?1049l"),
        "usagetop did not leave the alternate screen"
    );
    assert!(
        !terminal.parser.lock().unwrap().screen().alternate_screen(),
        "the emulated terminal is still on the alternate screen"
    );
}

/// A running dashboard: the process, its screen, its keyboard, and the
/// pseudo-terminal's master side (kept open for the child's lifetime).
type Dashboard = (
    Box<dyn Child + Send + Sync>,
    Terminal,
    Box<dyn Write + Send>,
    Box<dyn MasterPty + Send>,
);

/// A 120x40 pseudo-terminal, and usagetop with `args` in the sandbox of `dir` started in it.
fn spawn_in_pty(
    dir: &Path,
    args: &[&str],
) -> (Box<dyn Child + Send + Sync>, Box<dyn MasterPty + Send>) {
    let pair = native_pty_system()
        .openpty(PtySize {
            rows: ROWS,
            cols: COLS,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut command = CommandBuilder::new(env!("CARGO_BIN_EXE_usagetop"));
    command.args(args);
    command.cwd(dir);
    command.env("TERM", "xterm-256color");
    for (key, value) in sandbox_vars(dir) {
        command.env(key, value);
    }
    for key in REMOVED {
        command.env_remove(key);
    }
    let child = pair.slave.spawn_command(command).unwrap();
    drop(pair.slave);
    (child, pair.master)
}

/// Starts the dashboard in a pseudo-terminal.
fn spawn_dashboard(dir: &Path, url: &str, extra: &[&str]) -> Dashboard {
    let mut args = vec!["--database-url", url, "--now", NOW, "--tz", "UTC"];
    args.extend_from_slice(extra);
    let (child, master) = spawn_in_pty(dir, &args);
    let terminal = Terminal {
        parser: Arc::new(Mutex::new(vt100::Parser::new(ROWS, COLS, 0))),
        raw: Arc::new(Mutex::new(Vec::new())),
    };
    let mut reader = master.try_clone_reader().unwrap();
    let (parser, raw) = (Arc::clone(&terminal.parser), Arc::clone(&terminal.raw));
    thread::spawn(move || {
        let mut buffer = [0_u8; 8192];
        loop {
            match reader.read(&mut buffer) {
                Ok(0) | Err(_) => break,
                Ok(read) => {
                    raw.lock().unwrap().extend_from_slice(&buffer[..read]);
                    parser.lock().unwrap().process(&buffer[..read]);
                }
            }
        }
    });
    let writer = master.take_writer().unwrap();
    // The caller keeps the master open for the child's lifetime.
    (child, terminal, writer, master)
}

/// Sends `signal` to a running dashboard (with the breakdown open: the
/// state must not matter) and checks the exit status and the terminal.
fn signal_restores_the_terminal(signal: &str, code: u32) {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["home", "data", "config"] {
        std::fs::create_dir_all(dir.path().join(sub)).unwrap();
    }
    let url = make_demo_db(dir.path());
    let (mut child, terminal, mut writer, _master) = spawn_dashboard(dir.path(), &url, &[]);
    terminal.wait_for("the dashboard", |screen| {
        screen.contains("Today") && screen.contains("last 30 days")
    });
    writer.write_all(b"b").unwrap();
    writer.flush().unwrap();
    terminal.wait_for("the breakdown", |screen| screen.contains("By model"));
    let pid = child.process_id().expect("a process id");
    let killed = std::process::Command::new("kill")
        .args([&format!("-{signal}"), &pid.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = wait_for_exit(&mut child);
    assert_eq!(status.exit_code(), code, "128 + SIG{signal}: {status:?}");
    let deadline = Instant::now() + EXIT_TIMEOUT;
    while !terminal.raw_contains(b"\x1b[?1049l") && Instant::now() < deadline {
        thread::sleep(POLL);
    }
    assert!(
        terminal.raw_contains(b"\x1b[?1049l"),
        "SIG{signal}: the alternate screen was left"
    );
    assert!(
        terminal.raw_contains(b"\x1b[?1000l"),
        "SIG{signal}: mouse capture was released"
    );
    assert!(
        !terminal.parser.lock().unwrap().screen().alternate_screen(),
        "SIG{signal}: the emulated terminal is still on the alternate screen"
    );
}

#[test]
fn sigterm_restores_the_terminal_and_exits_143() {
    signal_restores_the_terminal("TERM", 143);
}

#[test]
fn sighup_restores_the_terminal_and_exits_129() {
    signal_restores_the_terminal("HUP", 129);
}

#[test]
fn sigint_restores_the_terminal_and_exits_130() {
    signal_restores_the_terminal("INT", 130);
}

/// Fifty resizes in quick succession, then 20x5: no panic, a "too small"
/// notice, and the full dashboard back when the terminal grows again.
#[test]
fn a_resize_storm_and_a_tiny_terminal_are_survived() {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["home", "data", "config"] {
        std::fs::create_dir_all(dir.path().join(sub)).unwrap();
    }
    let url = make_demo_db(dir.path());
    let (mut child, terminal, mut writer, master) = spawn_dashboard(dir.path(), &url, &[]);
    terminal.wait_for("the dashboard", |screen| screen.contains("Requests"));
    let resize = |rows: u16, cols: u16| {
        master
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        terminal
            .parser
            .lock()
            .unwrap()
            .screen_mut()
            .set_size(rows, cols);
    };
    for step in 0..50_u16 {
        resize(5 + (step * 7) % 50, 20 + (step * 13) % 180);
        thread::sleep(Duration::from_millis(5));
    }
    resize(5, 20);
    terminal.wait_for("the too-small notice", |screen| {
        screen.contains("Terminal") && screen.contains("small")
    });
    assert!(
        child.try_wait().unwrap().is_none(),
        "usagetop exited during the resize storm"
    );
    resize(ROWS, COLS);
    terminal.wait_for("the dashboard again", |screen| {
        screen.contains("Requests") && screen.contains("Today")
    });
    writer.write_all(b"q").unwrap();
    writer.flush().unwrap();
    let status = wait_for_exit(&mut child);
    assert!(status.success(), "usagetop exited with {status:?}");
}

/// Runs usagetop with `args` in a pseudo-terminal to the end; returns every byte it wrote.
fn run_in_pty(dir: &Path, args: &[&str]) -> Vec<u8> {
    let (mut child, master) = spawn_in_pty(dir, args);
    let mut reader = master.try_clone_reader().unwrap();
    let collected = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&collected);
    let reading = thread::spawn(move || {
        let mut buffer = [0_u8; 8192];
        while let Ok(read) = reader.read(&mut buffer) {
            if read == 0 {
                break;
            }
            sink.lock().unwrap().extend_from_slice(&buffer[..read]);
        }
    });
    let status = wait_for_exit(&mut child);
    assert!(status.success(), "usagetop {args:?} exited with {status:?}");
    drop(master);
    let _ = reading.join();
    let bytes = collected.lock().unwrap().clone();
    bytes
}

/// Names that try to take over the terminal: OSC 52 (clipboard), CSI, a C1
/// CSI, BEL, backspaces, a right-to-left override, newlines, 10 kB of text.
fn hostile_names() -> Vec<String> {
    vec![
        "evil\u{1b}]52;c;aGVsbG8=\u{7}".to_owned(),
        "csi\u{1b}[2J\u{1b}[31mred".to_owned(),
        "c1\u{9b}31mcsi".to_owned(),
        "bs\u{8}\u{8}\u{8}\u{8}over".to_owned(),
        "rtl\u{202e}txet".to_owned(),
        "multi\nline\r\nname".to_owned(),
        format!("{}END", "A".repeat(10_000)),
    ]
}

/// Byte strings of the names' payloads that must never reach the terminal.
const FORBIDDEN: [&[u8]; 9] = [
    b"\x1b]52",
    b"\x07",
    b"\x08",
    b"\x1b[31mred",
    "\u{9b}".as_bytes(),
    "\u{202e}".as_bytes(),
    b"multi\nline",
    b"line\r\nname",
    b"AEND",
];

/// Adds one event per hostile name, as model, user and endpoint, to a usagetop database.
fn add_hostile_rows(url: &str) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        use sqlx::Connection;
        let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
        let ts = chrono::DateTime::parse_from_rfc3339(NOW).unwrap().timestamp() - 3_600;
        for (index, name) in hostile_names().iter().enumerate() {
            sqlx::query(
                "INSERT INTO usage_events (ts, user_id, model, endpoint, input_tokens, output_tokens) \
                 VALUES (?, ?, ?, ?, ?, ?)",
            )
            .bind(ts + i64::try_from(index).unwrap())
            .bind(name)
            .bind(name)
            .bind(name)
            .bind(900_000_000_i64)
            .bind(9_000_000_i64)
            .execute(&mut conn)
            .await
            .unwrap();
        }
        conn.close().await.unwrap();
    });
}

fn assert_inert(bytes: &[u8], what: &str) {
    assert_no_controls(bytes, what);
    // Names lose their middle (the end shows): never the whole 10 kB.
    assert!(
        !bytes
            .windows(200)
            .any(|window| window.iter().all(|b| *b == b'A')),
        "{what}: the 10 kB name was not cut"
    );
}

/// The names' control sequences never reach the terminal (exports keep
/// every name whole: they are data).
fn assert_no_controls(bytes: &[u8], what: &str) {
    for needle in FORBIDDEN.iter().filter(|needle| **needle != b"AEND") {
        assert!(
            !bytes.windows(needle.len()).any(|window| window == *needle),
            "{what}: {needle:?} reached the terminal"
        );
    }
}

#[test]
fn hostile_names_reach_the_terminal_inert() {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["home", "data", "config"] {
        std::fs::create_dir_all(dir.path().join(sub)).unwrap();
    }
    let url = make_demo_db(dir.path());
    add_hostile_rows(&url);
    let (mut child, terminal, mut writer, _master) = spawn_dashboard(dir.path(), &url, &[]);
    let mut press = |key: &[u8]| {
        writer.write_all(key).unwrap();
        writer.flush().unwrap();
        thread::sleep(Duration::from_millis(150));
    };
    terminal.wait_for("the dashboard", |screen| screen.contains("Requests"));
    // The breakdown by model, user and endpoint, and the filter picker.
    press(b"b");
    terminal.wait_for("the breakdown with a hostile name", |screen| {
        screen.contains("evil?]52;c;aGVsbG8=?")
    });
    press(b"g");
    press(b"g");
    press(b"s");
    press(b"G");
    press(b"\x1b");
    press(b"f");
    press(b"\x1b");
    press(b"q");
    let status = wait_for_exit(&mut child);
    assert!(status.success(), "usagetop exited with {status:?}");
    thread::sleep(Duration::from_millis(200));
    let raw = terminal.raw.lock().unwrap().clone();
    assert_inert(&raw, "the dashboard");

    // Exports printed to the terminal: CSV shows controls as `?`, JSON escapes them.
    for format in ["csv", "json"] {
        let bytes = run_in_pty(
            dir.path(),
            &[
                "export",
                "--database-url",
                &url,
                "--now",
                NOW,
                "--tz",
                "UTC",
                "--by",
                "model",
                "--format",
                format,
            ],
        );
        assert_no_controls(&bytes, &format!("export --format {format} on a terminal"));
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("evil"), "{text}");
    }

    // The text report, with every breakdown, writes no control bytes at all.
    for by in ["model", "user", "endpoint"] {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_usagetop"));
        command.envs(sandbox_vars(dir.path()));
        for key in REMOVED {
            command.env_remove(key);
        }
        let output = command
            .args([
                "report",
                "--database-url",
                &url,
                "--now",
                NOW,
                "--tz",
                "UTC",
                "--by",
                by,
            ])
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        let what = format!("report --by {by}");
        assert_inert(&output.stdout, &what);
        let text = String::from_utf8(output.stdout).unwrap();
        assert!(
            !text
                .chars()
                .any(|c| (c.is_control() && c != '\n') || c == '\u{202e}'),
            "{what}: a control character was written"
        );
        assert!(text.contains("evil?]52"), "{what}: {text}");
    }
}

// Shared with the store tests; this file uses part of it.
#[allow(dead_code)]
use crate::support::pg;

/// Every query of the source runs past the statement timeout (a `where`
/// that sleeps): keys still work at once, the screen says what happened,
/// and `q` quits.
#[test]
fn a_query_past_the_statement_timeout_is_shown_and_keys_still_work() {
    let Some(admin) = pg::server_url() else {
        return;
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let db = runtime.block_on(pg::TestDb::create(&admin, "slow_e2e"));
    let dir = tempfile::tempdir().unwrap();
    for sub in ["home", "data", "config"] {
        std::fs::create_dir_all(dir.path().join(sub)).unwrap();
    }
    let mut demo = std::process::Command::new(env!("CARGO_BIN_EXE_usagetop"));
    demo.envs(sandbox_vars(dir.path()));
    for key in REMOVED {
        demo.env_remove(key);
    }
    let output = demo
        .args([
            "demo",
            "--database-url",
            &db.url,
            "--days",
            "2",
            "--now",
            NOW,
            "--tz",
            "UTC",
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let (mut child, terminal, mut writer, _master) = spawn_dashboard(
        dir.path(),
        &db.url,
        &[
            "--where",
            "pg_sleep(5) IS NOT NULL",
            "--statement-timeout-seconds",
            "1",
        ],
    );
    // While the first queries run, the keys answer.
    thread::sleep(Duration::from_millis(300));
    writer.write_all(b"?").unwrap();
    writer.flush().unwrap();
    terminal.wait_for("help while the queries run", |screen| {
        screen.contains("? or Esc to close")
    });
    writer.write_all(b"?").unwrap();
    writer.flush().unwrap();
    terminal.wait_for("the timeout on screen", |screen| {
        screen.contains("statement timeout")
    });
    writer.write_all(b"q").unwrap();
    writer.flush().unwrap();
    let status = wait_for_exit(&mut child);
    assert!(status.success(), "usagetop exited with {status:?}");
    runtime.block_on(db.drop_it());
}

/// The process state letter of `pid` (`T` when stopped), from /proc.
fn process_state(pid: u32) -> char {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    stat.rsplit_once(") ")
        .and_then(|(_, rest)| rest.chars().next())
        .unwrap_or('?')
}

fn wait_for_state(pid: u32, wanted: impl Fn(char) -> bool, what: &str) {
    let deadline = Instant::now() + SCREEN_TIMEOUT;
    while !wanted(process_state(pid)) {
        assert!(
            Instant::now() < deadline,
            "{what}: state {}",
            process_state(pid)
        );
        thread::sleep(POLL);
    }
}

/// Ctrl-Z and `kill -TSTP` suspend like other full-screen programs: the
/// terminal is restored (cooked mode, main screen) and the process stops;
/// SIGCONT takes the terminal back and draws the screen anew; keys work.
#[test]
fn suspend_and_resume_restore_and_retake_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["home", "data", "config"] {
        std::fs::create_dir_all(dir.path().join(sub)).unwrap();
    }
    let url = make_demo_db(dir.path());
    let (mut child, terminal, mut writer, _master) = spawn_dashboard(dir.path(), &url, &[]);
    terminal.wait_for("the dashboard", |screen| {
        screen.contains("Today") && screen.contains("last 30 days")
    });
    let pid = child.process_id().expect("a process id");
    for (how, suspend) in [
        (
            "Ctrl-Z",
            Box::new(|writer: &mut Box<dyn Write + Send>| {
                writer.write_all(b"\x1a").unwrap();
                writer.flush().unwrap();
            }) as Box<dyn Fn(&mut Box<dyn Write + Send>)>,
        ),
        (
            "kill -TSTP",
            Box::new(move |_: &mut Box<dyn Write + Send>| {
                assert!(std::process::Command::new("kill")
                    .args(["-TSTP", &pid.to_string()])
                    .status()
                    .unwrap()
                    .success());
            }),
        ),
    ] {
        terminal.raw.lock().unwrap().clear();
        suspend(&mut writer);
        wait_for_state(
            pid,
            |state| state == 'T',
            &format!("{how} stops the process"),
        );
        let deadline = Instant::now() + EXIT_TIMEOUT;
        while !terminal.raw_contains(b"\x1b[?1049l") && Instant::now() < deadline {
            thread::sleep(POLL);
        }
        assert!(
            terminal.raw_contains(b"\x1b[?1049l"),
            "{how}: the alternate screen was left before stopping"
        );
        assert!(
            !terminal.parser.lock().unwrap().screen().alternate_screen(),
            "{how}: the terminal is back on the main screen"
        );
        assert!(std::process::Command::new("kill")
            .args(["-CONT", &pid.to_string()])
            .status()
            .unwrap()
            .success());
        wait_for_state(
            pid,
            |state| state != 'T',
            &format!("{how}: SIGCONT continues it"),
        );
        let deadline = Instant::now() + SCREEN_TIMEOUT;
        while !terminal.parser.lock().unwrap().screen().alternate_screen() {
            assert!(
                Instant::now() < deadline,
                "{how}: the alternate screen is taken back"
            );
            thread::sleep(POLL);
        }
        terminal.wait_for(&format!("{how}: the screen drawn anew"), |screen| {
            screen.contains("Today") && screen.contains("last 30 days")
        });
    }
    writer.write_all(b"w").unwrap();
    writer.flush().unwrap();
    terminal.wait_for("keys still work", |screen| screen.contains("last 12 weeks"));
    writer.write_all(b"q").unwrap();
    writer.flush().unwrap();
    assert!(wait_for_exit(&mut child).success());
}
