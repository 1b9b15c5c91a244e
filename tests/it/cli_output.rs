//! The binary's output and its small promises: every command that writes
//! to standard output stops quietly when its reader goes away and says so
//! in one line when the device is full; bad little inputs (an empty
//! pattern, a folder or a FIFO as the database, a missing export folder,
//! `--check-budget` without budgets) are one clear paragraph; `--format
//! line` marks estimates; and `--demo` data follows the real clock, never a
//! pinned `--now`.

use std::io::Read;
use std::process::Stdio;

use crate::support::sandbox::{assert_clean_failure, url_of, Sandbox};

const NOW: &str = "2026-11-18T15:00:00Z";

/// Runs `args` with standard output into a pipe whose reader takes `keep`
/// bytes (none: it is gone before the command writes) and goes away;
/// returns the exit code and standard error.
fn with_reader_gone(sandbox: &Sandbox, args: &[&str], keep: usize) -> (Option<i32>, String) {
    let mut child = sandbox
        .command()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut taken = vec![0_u8; keep];
    stdout.read_exact(&mut taken).unwrap();
    drop(stdout);
    let output = child.wait_with_output().unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn a_reader_that_goes_away_stops_every_command_quietly() {
    let sandbox = Sandbox::new();
    // Enough data that no output fits a pipe's buffer at once.
    let path = sandbox.demo_db("big.db", 400, NOW);
    let url = url_of(&path);
    for (args, keep) in [
        (
            vec![
                "report",
                "--database-url",
                &url,
                "--now",
                NOW,
                "--by",
                "model",
            ],
            0,
        ),
        (
            vec![
                "report",
                "--database-url",
                &url,
                "--now",
                NOW,
                "--format",
                "line",
            ],
            0,
        ),
        (
            vec![
                "report",
                "--database-url",
                &url,
                "--now",
                NOW,
                "--format",
                "json",
            ],
            0,
        ),
        (vec!["cache", "status", "--database-url", &url], 0),
        (
            vec![
                "export",
                "--database-url",
                &url,
                "--now",
                NOW,
                "--by",
                "user",
            ],
            0,
        ),
        // Longer than a pipe holds: the reader takes a line's worth, then goes.
        (
            vec![
                "export",
                "--database-url",
                &url,
                "--now",
                NOW,
                "--from",
                "2025-10-01",
                "--by",
                "model",
            ],
            100,
        ),
        (
            vec![
                "report",
                "--database-url",
                &url,
                "--now",
                NOW,
                "--from",
                "2025-10-01",
                "--format",
                "json",
            ],
            100,
        ),
    ] {
        let (code, stderr) = with_reader_gone(&sandbox, &args, keep);
        assert!(
            matches!(code, Some(0 | 141)),
            "{args:?} ended with {code:?} when its reader went away: {stderr}"
        );
        assert!(stderr.is_empty(), "{args:?} said something: {stderr}");
    }
}

#[test]
fn a_full_device_is_one_line_and_a_failure() {
    let sandbox = Sandbox::new();
    let path = sandbox.demo_db("full.db", 3, NOW);
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let output = sandbox
        .command()
        .args(["report", "--database-url", &url_of(&path), "--now", NOW])
        .stdout(full)
        .output()
        .unwrap();
    let message = assert_clean_failure(&output, &["cannot write to standard output"]);
    assert!(message.contains("No space left"), "{message}");
}

#[test]
fn small_bad_inputs_are_explained() {
    let sandbox = Sandbox::new();
    let path = sandbox.demo_db("good.db", 3, NOW);
    let url = url_of(&path);
    assert_clean_failure(
        &sandbox.run(&["report", "--database-url", &url, "--model", ""]),
        &["--model", "empty", "would match nothing"],
    );
    assert_clean_failure(
        &sandbox.run(&["report", "--database-url", &url, "--user", "!"]),
        &["--user", "empty"],
    );
    let folder = sandbox.path("a-folder");
    std::fs::create_dir_all(&folder).unwrap();
    assert_clean_failure(
        &sandbox.run(&["report", "--database-url", &url_of(&folder)]),
        &["a folder, not a SQLite database"],
    );
    let fifo = sandbox.path("a-fifo");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    assert_clean_failure(
        &sandbox.run(&["report", "--database-url", &url_of(&fifo)]),
        &["not a regular file"],
    );
    assert_clean_failure(
        &sandbox.run(&["report", "--database-url", &url, "--check-budget"]),
        &["--check-budget", "no budget", "[budget]"],
    );
    let config = sandbox.path("config.toml");
    std::fs::write(&config, "export_dir = \"/nowhere/at/all\"\n").unwrap();
    assert_clean_failure(
        &sandbox.run(&[
            "report",
            "--database-url",
            &url,
            "--config",
            &config.display().to_string(),
        ]),
        &["export_dir", "/nowhere/at/all", "does not exist"],
    );
}

#[test]
fn the_one_line_report_marks_estimates() {
    let sandbox = Sandbox::new();
    // The demo data has a model without a price entry: its cost is an estimate.
    let path = sandbox.demo_db("line.db", 20, NOW);
    let line = sandbox.ok(&[
        "report",
        "--database-url",
        &url_of(&path),
        "--now",
        NOW,
        "--format",
        "line",
    ]);
    let json = sandbox.ok(&[
        "report",
        "--database-url",
        &url_of(&path),
        "--now",
        NOW,
        "--format",
        "json",
    ]);
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let estimated =
        |block: &str| report["summary"][block]["estimated_cost"].as_str().unwrap() != "0";
    assert!(estimated("this_month"), "the fixture holds estimates");
    let (today, rest) = line.split_once(" · ").unwrap();
    assert_eq!(today.ends_with('*'), estimated("today"), "{line}");
    assert!(rest.contains("*"), "{line}");
}

#[test]
fn demo_data_follows_the_real_clock_only() {
    let sandbox = Sandbox::new();
    let report = |now: Option<&str>| {
        let mut args = vec!["--demo", "report", "--format", "json", "--tz", "UTC"];
        if let Some(now) = now {
            args.extend(["--now", now]);
        }
        sandbox.ok(&args)
    };
    let demo = sandbox
        .dir
        .path()
        .join("data")
        .join("usagetop")
        .join("demo.db");
    report(None);
    let modified = std::fs::metadata(&demo).unwrap().modified().unwrap();
    // A run pinned in the past reads the same file and never rewrites it.
    report(Some("2026-01-10T12:00:00Z"));
    report(None);
    assert_eq!(
        std::fs::metadata(&demo).unwrap().modified().unwrap(),
        modified,
        "a pinned --now rewrote the demo data"
    );
}

#[test]
fn timestamp_formats_are_spelled_alike_everywhere() {
    let sandbox = Sandbox::new();
    let path = sandbox.demo_db("spelled.db", 3, NOW);
    let url = url_of(&path);
    for spelling in ["unix-s", "unix_s"] {
        sandbox.ok(&[
            "report",
            "--database-url",
            &url,
            "--timestamp-format",
            spelling,
        ]);
        let config = sandbox.path(&format!("{spelling}.toml"));
        std::fs::write(
            &config,
            format!("[source]\ntimestamp_format = \"{spelling}\"\n"),
        )
        .unwrap();
        sandbox.ok(&[
            "report",
            "--database-url",
            &url,
            "--config",
            &config.display().to_string(),
        ]);
    }
}

#[test]
fn a_past_range_says_what_it_covers() {
    let sandbox = Sandbox::new();
    let path = sandbox.demo_db("range.db", 60, NOW);
    let url = url_of(&path);
    let range = [
        "--from",
        "2026-10-01",
        "--to",
        "2026-10-07",
        "--tz",
        "UTC",
        "--now",
        NOW,
    ];
    let json: serde_json::Value = serde_json::from_str(
        &sandbox.ok(&[
            &["report", "--database-url", &url, "--format", "json"][..],
            &range[..],
        ]
        .concat()),
    )
    .unwrap();
    assert!(
        json["prediction"].is_null(),
        "no estimate for October, which is over"
    );
    let weeks = json["range"]["trends"]["weekly"].as_array().unwrap();
    // 2026-10-01 is a Thursday: the first week counts Oct 1 to 4, the second Oct 5 to 7.
    assert_eq!(weeks[0]["start"], "2026-10-01");
    assert_eq!(weeks[0]["end"], "2026-10-04");
    assert_eq!(weeks[1]["start"], "2026-10-05");
    assert_eq!(weeks[1]["end"], "2026-10-07");
    let text = sandbox.ok(&[&["report", "--database-url", &url][..], &range[..]].concat());
    assert!(text.contains("\nOct 7 "), "{text}");
    assert!(text.contains("\nWeek of Oct 5 "), "{text}");
    assert!(text.contains("\nOctober 2026 "), "{text}");
    assert!(!text.contains("Today"), "{text}");
    assert!(text.contains("none, October 2026 is over"), "{text}");
    let csv = sandbox.ok(&[
        &["export", "--database-url", &url, "--view", "weekly"][..],
        &range[..],
    ]
    .concat());
    let dates: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|line| line.split(',').next().unwrap())
        .collect();
    assert_eq!(dates, ["2026-10-01", "2026-10-05"], "{csv}");
}
