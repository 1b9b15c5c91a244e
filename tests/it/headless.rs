//! The headless commands after issue 15: the text report fits 80 columns when
//! not printing to a terminal, prints the month's models once with `--by
//! model` and no empty periods before the first event; `--check-budget`
//! speaks JSON and `--format line` carries the worst budget; budgets may be
//! numbers; `usagetop prices` explains each model's price; a reader that
//! goes away (`| head`) ends the report quietly; each subcommand's `--help`
//! lists its own flags and the global ones, not the dashboard's.

use std::io::Read as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::support::sandbox::Sandbox;

const NOW: &str = "2026-11-18T15:00:00Z";

/// The shared sandbox, in Berlin, with no `COLUMNS` from the test runner.
struct Home {
    sandbox: Sandbox,
}

impl Home {
    fn new() -> Self {
        Self {
            sandbox: Sandbox::new(),
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = self.sandbox.command();
        command
            .env("TZ", "Europe/Berlin")
            .env_remove("COLUMNS")
            .args(args);
        command
    }

    /// Runs on the demo data pinned to `NOW`; returns (status, stdout, stderr).
    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let mut all = vec!["--demo", "--now", NOW];
        all.extend_from_slice(args);
        let output = self.command(&all).output().unwrap();
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8(output.stdout).unwrap(),
            String::from_utf8(output.stderr).unwrap(),
        )
    }

    fn config(&self, text: &str) -> PathBuf {
        let path = self.sandbox.path("config.toml");
        std::fs::write(&path, text).unwrap();
        path
    }
}

#[test]
fn the_text_report_fits_80_columns_and_says_things_once() {
    let home = Home::new();
    let (status, text, stderr) = home.run(&["report", "--by", "model", "--view", "monthly"]);
    assert_eq!(status, 0, "{stderr}");
    for line in text.lines() {
        assert!(
            usagetop::text::width(line) <= 80,
            "{} columns: {line}",
            usagetop::text::width(line)
        );
    }
    assert!(text.contains("By model · this month"), "{text}");
    assert!(
        !text.contains("This month by model"),
        "listed twice: {text}"
    );
    // 90 days of demo data: the 12-month trend starts with the first month used.
    assert!(text.contains("(no usage before 2026-"), "{text}");
    assert!(!text.contains("2026-07-01"), "{text}");
    assert!(
        !text.contains("~1 requests") && !text.contains("~<$"),
        "{text}"
    );
}

#[test]
fn a_reader_that_goes_away_ends_the_output_quietly() {
    let home = Home::new();
    // The demo database first, so the next run writes at once.
    home.run(&["report"]);
    let mut child = home
        .command(&["--demo", "--now", NOW, "report", "--by", "user"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    // The status of a program ended by SIGPIPE, as `ls | head` gives, and nothing said.
    assert_eq!(status.code(), Some(141), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn budgets_as_numbers_json_and_the_status_line() {
    let home = Home::new();
    let config = home.config(
        "[budget]\ndaily = 1\nweekly = 12.5\nmonthly = \"250.00\"\n\
         [budget.models.\"gpt-4o-2024-08-06\"]\nmonthly = 60\n",
    );
    let config = config.to_str().unwrap();
    let (status, text, stderr) = home.run(&[
        "--config",
        config,
        "report",
        "--check-budget",
        "--format",
        "json",
    ]);
    let json: Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("{text}{stderr}"));
    let budgets = json["budgets"].as_array().unwrap();
    assert_eq!(budgets.len(), 4);
    assert_eq!(budgets[0]["name"], "daily", "the exceeded one first");
    assert_eq!(budgets[0]["level"], "exceeded");
    assert_eq!(budgets[0]["limit"], "1");
    assert_eq!(budgets[1]["limit"], "12.5");
    assert_eq!(json["exit_status"], 4);
    assert_eq!(status, 4);
    // A filter narrows what is shown, not what budgets count.
    let (_, filtered, _) = home.run(&[
        "--config",
        config,
        "report",
        "--check-budget",
        "--format",
        "json",
        "--model",
        "gpt-5",
    ]);
    assert_eq!(filtered, text, "budgets under --model gpt-5");
    let (_, line, _) = home.run(&["--config", config, "report", "--format", "line"]);
    assert!(line.contains("· budget daily "), "{line}");
    assert!(line.contains('✗'), "{line}");
    let bad = home.config("[budget]\ndaily = -3\n");
    let (status, _, stderr) = home.run(&["--config", bad.to_str().unwrap(), "report"]);
    assert_eq!(status, 2);
    assert!(
        stderr.contains("budget.daily: -3 is not a budget"),
        "{stderr}"
    );
}

#[test]
fn prices_explain_each_model() {
    let home = Home::new();
    let (status, text, stderr) = home.run(&["prices"]);
    assert_eq!(status, 0, "{stderr}");
    assert!(text.contains("acme-llama-70b-internal"), "{text}");
    assert!(
        text.contains("→ default price (estimate): 3 / 3 / 3 / 3"),
        "{text}"
    );
    assert!(
        text.contains("→ gpt-4o (without provider prefix / date): 2.5 / 10 / 1.25 / 2.5"),
        "{text}"
    );
    let (_, json, _) = home.run(&["prices", "--format", "json"]);
    let list: Value = serde_json::from_str(&json).unwrap();
    let llama = list
        .as_array()
        .unwrap()
        .iter()
        .find(|model| model["model"] == "acme-llama-70b-internal")
        .unwrap();
    assert_eq!(llama["match"], "default");
    assert_eq!(llama["entry"], Value::Null);
    assert_eq!(llama["cost"], llama["estimated_cost"]);
    // 1-hour cache writes: their own price where the entry has one (Claude:
    // twice the input price), else the cache-write price.
    let model = |name: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|model| model["model"].as_str().is_some_and(|m| m.starts_with(name)))
            .unwrap()
            .clone()
    };
    let sonnet = model("claude-sonnet-4-5");
    assert_eq!(sonnet["price"]["cache_write"], "3.75");
    assert_eq!(sonnet["price"]["cache_write_1h"], "6");
    assert!(text.contains("3 / 15 / 0.3 / 3.75 (1h:6)"), "{text}");
    let gpt = model("gpt-4o-2024");
    assert_eq!(gpt["price"]["cache_write_1h"], gpt["price"]["cache_write"]);
}

/// Each subcommand's `--help` lists its own flags and the global ones; the
/// dashboard's drawing flags belong to the dashboard alone.
#[test]
fn each_help_lists_what_applies() {
    let home = Home::new();
    let help = |args: &[&str]| {
        let output = home.command(args).output().unwrap();
        assert!(output.status.success(), "{args:?}");
        String::from_utf8(output.stdout).unwrap()
    };
    let dashboard_only = ["--theme", "--ascii", "--no-mouse", "--refresh-seconds"];
    let top = help(&["--help"]);
    for flag in dashboard_only
        .iter()
        .chain(&["--model", "--view", "--database-url"])
    {
        assert!(top.contains(flag), "usagetop --help lacks {flag}");
    }
    for (command, own, absent) in [
        (
            "report",
            &["--check-budget", "--by", "--model", "--view"][..],
            &[][..],
        ),
        (
            "export",
            &["--output", "--by", "--model", "--view"][..],
            &[][..],
        ),
        ("prices", &["--format", "--model"][..], &["--view"][..]),
        (
            "demo",
            &["--days", "--seed"][..],
            &["--model", "--view", "--from"][..],
        ),
        ("cache", &["--no-cache"][..], &["--model", "--view"][..]),
    ] {
        let text = help(&[command, "--help"]);
        assert!(
            text.contains("--database-url") && text.contains("--tz"),
            "{command}: {text}"
        );
        for flag in own {
            assert!(text.contains(flag), "{command} --help lacks {flag}");
        }
        for flag in absent.iter().chain(&dashboard_only) {
            assert!(!text.contains(flag), "{command} --help lists {flag}");
        }
    }
    let output = home
        .command(&["report", "--theme", "dark"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    // Filters go after the subcommand, or before it for the dashboard alike.
    let (status, text, stderr) = home.run(&["report", "--model", "gpt-5", "--format", "line"]);
    assert_eq!(status, 0, "{stderr}");
    assert!(text.contains("[model gpt-5]"), "{text}");
}
