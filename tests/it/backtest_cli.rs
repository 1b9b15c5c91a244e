//! `usagetop backtest` end to end from the binary, on a SQLite database the
//! demo writer fills with eight months of usage: text and JSON, the days
//! replayed, the actual month ends against `usagetop report` over the same
//! months, the scores against the forecasts listed, and a history too short
//! to replay.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;

use rust_decimal::Decimal;
use serde_json::Value;

const NOW: &str = "2026-11-18T15:30:00Z";

fn usagetop(home: &Path, args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_usagetop"))
        .env("HOME", home.join("home"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env_remove("USAGETOP_DATABASE_URL")
        .env_remove("USAGETOP_CONFIG")
        .env_remove("USAGETOP_TZ")
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "usagetop {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn join<'a>(common: &[&'a str], extra: &[&'a str]) -> Vec<&'a str> {
    common.iter().chain(extra).copied().collect()
}

fn decimal(value: &Value) -> Decimal {
    value.as_str().unwrap().parse().unwrap()
}

#[test]
fn backtest_replays_past_months_in_text_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("usage.db");
    let url = db.to_str().unwrap();
    let common = [
        "--database-url",
        url,
        "--now",
        NOW,
        "--tz",
        "America/New_York",
    ];
    let with = |extra: &[&'static str]| join(&common, extra);
    usagetop(dir.path(), &with(&["demo", "--days", "240"]));

    let json: Value = serde_json::from_str(&usagetop(
        dir.path(),
        &with(&["backtest", "--format", "json"]),
    ))
    .unwrap();
    assert_eq!(json["months"], 6);
    assert_eq!(json["interval"], 0.8);
    assert_eq!(json["time_of_day"], "10:30:00");
    let forecasts = json["forecasts"].as_array().unwrap();
    let dates: Vec<&str> = forecasts
        .iter()
        .map(|f| f["date"].as_str().unwrap())
        .collect();
    assert_eq!(dates.len(), 30);
    assert_eq!(dates[0], "2026-05-05");
    assert_eq!(dates[4], "2026-05-25");
    assert_eq!(dates[29], "2026-10-25");
    let mut abs_errors = 0.0;
    let mut inside = 0_u32;
    for forecast in forecasts {
        let (point, low, high, actual) = (
            decimal(&forecast["forecast"]),
            decimal(&forecast["low"]),
            decimal(&forecast["high"]),
            decimal(&forecast["actual"]),
        );
        assert!(low <= point && point <= high, "{forecast}");
        let error = forecast["error_percent"].as_f64().unwrap();
        let expected = ((point - actual) / actual * Decimal::ONE_HUNDRED)
            .to_string()
            .parse::<f64>()
            .unwrap();
        assert!(
            (error - expected).abs() < 0.01,
            "{error} against {expected}"
        );
        abs_errors += error.abs();
        inside += u32::from(low <= actual && actual <= high);
        assert_eq!(forecast["method"], "weekday_trend");
    }
    let summary = &json["summary"];
    assert_eq!(summary["forecasts"], 30);
    assert!((summary["mape"].as_f64().unwrap() - abs_errors / 30.0).abs() < 0.02);
    assert!(
        (summary["coverage"].as_f64().unwrap() - 100.0 * f64::from(inside) / 30.0).abs() < 0.01
    );
    assert!(summary["run_rate"]["mape"].as_f64().unwrap() > 0.0);
    assert!(summary["weekday_mean_28d"]["coverage"].as_f64().is_some());

    // The actual month end is the month's total, as `report` counts it.
    let report: Value = serde_json::from_str(&usagetop(
        dir.path(),
        &with(&[
            "report",
            "--format",
            "json",
            "--from",
            "2026-07-01",
            "--to",
            "2026-07-31",
        ]),
    ))
    .unwrap();
    let july = decimal(&report["range"]["cost"]);
    let replayed = decimal(&forecasts[10]["actual"]);
    assert_eq!(forecasts[10]["date"], "2026-07-05");
    assert!(
        (july - replayed).abs() < Decimal::new(1, 6),
        "{july} against {replayed}"
    );

    // Text: one line per forecast, then the scores beside the baselines.
    let text = usagetop(dir.path(), &with(&["backtest", "--months", "2"]));
    assert!(text.contains("made at 10:30 (America/New_York)"), "{text}");
    assert_eq!(
        text.lines()
            .filter(|line| line.starts_with("2026-"))
            .count(),
        10,
        "{text}"
    );
    assert!(text.contains("10 forecasts in 2 months"), "{text}");
    for row in [
        "usagetop (80 % band)",
        "month-to-date run-rate",
        "same-weekday mean, 28 days",
    ] {
        assert!(text.contains(row), "{row} missing: {text}");
    }

    // The report shows the measured error too.
    let report: Value = serde_json::from_str(&usagetop(
        dir.path(),
        &with(&["report", "--format", "json"]),
    ))
    .unwrap();
    let measured = report["prediction"]["backtest_mape"].as_f64().unwrap();
    assert!((measured - summary["mape"].as_f64().unwrap()).abs() < 0.01);
}

#[test]
fn backtest_of_a_short_history_says_there_is_nothing_to_replay() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("usage.db");
    let url = db.to_str().unwrap();
    let common = ["--database-url", url, "--now", NOW, "--tz", "UTC"];
    let with = |extra: &[&'static str]| join(&common, extra);
    usagetop(dir.path(), &with(&["demo", "--days", "10"]));
    let text = usagetop(dir.path(), &with(&["backtest"]));
    assert!(text.contains("No forecast to replay"), "{text}");
    let json: Value = serde_json::from_str(&usagetop(
        dir.path(),
        &with(&["backtest", "--format", "json"]),
    ))
    .unwrap();
    assert_eq!(json["forecasts"], serde_json::json!([]));
    let report: Value = serde_json::from_str(&usagetop(
        dir.path(),
        &with(&["report", "--format", "json"]),
    ))
    .unwrap();
    assert!(report["prediction"].get("backtest_mape").is_none());
    assert_eq!(report["prediction"]["interval"], 0.8);
}
