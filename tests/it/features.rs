//! Features of the headless commands, run through the binary: export (CSV and
//! JSON, per dimension) whose totals equal the report's, the one-line status,
//! filters, and `--check-budget` with its exit statuses.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output};
use std::str::FromStr;

use rust_decimal::Decimal;

const NOW: &str = "2026-11-18T15:00:00Z";

struct Fixture {
    dir: tempfile::TempDir,
    db: String,
}

fn usagetop(fixture: &Fixture, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_usagetop"))
        .args([
            "--database-url",
            &fixture.db,
            "--tz",
            "Europe/Berlin",
            "--now",
            NOW,
        ])
        .args(args)
        .env("HOME", fixture.dir.path())
        .env("XDG_CONFIG_HOME", fixture.dir.path().join("config"))
        .env("XDG_DATA_HOME", fixture.dir.path().join("data"))
        .env_remove("USAGETOP_DATABASE_URL")
        .env_remove("USAGETOP_CONFIG")
        .env_remove("USAGETOP_TZ")
        .env_remove("NO_COLOR")
        .output()
        .expect("run usagetop")
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("usage.db").display());
    let fixture = Fixture { dir, db };
    stdout(&usagetop(
        &fixture,
        &["demo", "--days", "120", "--seed", "3"],
    ));
    fixture
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap()
}

fn decimal(value: &serde_json::Value) -> Decimal {
    Decimal::from_str(value.as_str().unwrap()).unwrap()
}

#[test]
fn exports_add_up_to_the_report() {
    let fixture = fixture();
    let report = json(&stdout(&usagetop(
        &fixture,
        &["report", "--format", "json"],
    )));
    for view in ["daily", "weekly", "monthly"] {
        let series = report["trends"][view].as_array().unwrap();
        // Per bucket, CSV without a dimension: the same rows as the report's series.
        let csv = stdout(&usagetop(&fixture, &["--view", view, "export"]));
        let mut lines = csv.split("\r\n").filter(|line| !line.is_empty());
        assert_eq!(
            lines.next().unwrap(),
            "start,end,requests,input_tokens,output_tokens,cache_read_tokens,cache_write_tokens,cache_write_1h_tokens,total_tokens,cost,estimated_cost"
        );
        let rows: Vec<Vec<&str>> = lines.map(|line| line.split(',').collect()).collect();
        assert_eq!(rows.len(), series.len(), "{view}");
        for (row, bucket) in rows.iter().zip(series) {
            assert_eq!(row[0], bucket["start"].as_str().unwrap());
            assert_eq!(row[2], bucket["requests"].to_string());
            assert_eq!(row[7], bucket["cache_write_1h_tokens"].to_string());
            assert_eq!(Decimal::from_str(row[9]).unwrap(), decimal(&bucket["cost"]));
        }
        // Per bucket and dimension, JSON: each bucket's rows add up to the report's bucket.
        for by in ["model", "user", "endpoint"] {
            let exported = json(&stdout(&usagetop(
                &fixture,
                &["--view", view, "export", "--format", "json", "--by", by],
            )));
            for bucket in series {
                let start = bucket["start"].as_str().unwrap();
                let parts: Vec<&serde_json::Value> = exported
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|row| row["start"] == start)
                    .collect();
                let requests: i64 = parts
                    .iter()
                    .map(|row| row["requests"].as_i64().unwrap())
                    .sum();
                let cost: Decimal = parts.iter().map(|row| decimal(&row["cost"])).sum();
                let tokens: i64 = parts
                    .iter()
                    .map(|row| row["total_tokens"].as_i64().unwrap())
                    .sum();
                assert_eq!(
                    requests,
                    bucket["requests"].as_i64().unwrap(),
                    "{view} {by} {start}"
                );
                assert_eq!(cost, decimal(&bucket["cost"]), "{view} {by} {start}");
                assert_eq!(
                    tokens,
                    bucket["total_tokens"].as_i64().unwrap(),
                    "{view} {by} {start}"
                );
                assert!(parts.iter().all(|row| row[by].is_string()), "{view} {by}");
            }
        }
    }
}

#[test]
fn export_to_a_file_never_overwrites_without_force() {
    let fixture = fixture();
    let path = fixture.dir.path().join("out.csv");
    let target = path.to_str().unwrap();
    stdout(&usagetop(&fixture, &["export", "--output", target]));
    let first = std::fs::read_to_string(&path).unwrap();
    assert!(first.starts_with("start,end,"));
    std::fs::write(&path, "mine").unwrap();
    let refused = usagetop(&fixture, &["export", "--output", target]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--force"));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "mine");
    stdout(&usagetop(
        &fixture,
        &["export", "--output", target, "--force"],
    ));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), first);
}

#[test]
fn csv_fields_are_quoted_as_rfc_4180_says() {
    assert_eq!(usagetop::output::csv::field("plain"), "plain");
    assert_eq!(usagetop::output::csv::field("a,b"), "\"a,b\"");
    assert_eq!(
        usagetop::output::csv::field("say \"hi\""),
        "\"say \"\"hi\"\"\""
    );
    assert_eq!(usagetop::output::csv::field("two\nlines"), "\"two\nlines\"");
}

#[test]
fn status_line_and_filters() {
    let fixture = fixture();
    let report = json(&stdout(&usagetop(
        &fixture,
        &["report", "--format", "json"],
    )));
    let line = stdout(&usagetop(&fixture, &["report", "--format", "line"]));
    let star = |block: &str| {
        if report["summary"][block]["estimated_cost"] == "0" {
            ""
        } else {
            "*"
        }
    };
    let today = usagetop::format::money(decimal(&report["summary"]["today"]["cost"]));
    let month = usagetop::format::money(decimal(&report["summary"]["this_month"]["cost"]));
    assert!(
        line.starts_with(&format!(
            "today {today}{} · Nov {month}{}",
            star("today"),
            star("this_month")
        )),
        "{line}"
    );
    assert!(line.contains(" → ~$"), "{line}");
    assert_eq!(line.lines().count(), 1);

    let claude = json(&stdout(&usagetop(
        &fixture,
        &["--model", "claude-*", "report", "--format", "json"],
    )));
    let from_models: i64 = report["by_model"]["all_time"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|model| model["model"].as_str().unwrap().starts_with("claude-"))
        .map(|model| model["requests"].as_i64().unwrap())
        .sum();
    assert_eq!(
        claude["summary"]["all_time"]["requests"].as_i64().unwrap(),
        from_models
    );
    assert_eq!(claude["filter"]["models"][0], "claude-*");
    assert!(claude["by_model"]["all_time"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["model"].as_str().unwrap().starts_with("claude-")));
}

fn budget_config(dir: &Path, name: &str, body: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, body).unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn check_budget_exit_statuses() {
    let fixture = fixture();
    let report = json(&stdout(&usagetop(
        &fixture,
        &["report", "--format", "json"],
    )));
    let spent = decimal(&report["summary"]["this_month"]["cost"]);
    let forecast = decimal(&report["prediction"]["month_end_cost"]);
    assert!(forecast > spent);
    let between = ((spent + forecast) / Decimal::TWO).round_dp(2);
    let cases = [
        (
            format!("{}", (forecast * Decimal::TWO).round_dp(2)),
            0,
            "ok",
        ),
        (format!("{between}"), 3, "forecast"),
        (
            format!("{}", (spent / Decimal::TWO).round_dp(2)),
            4,
            "EXCEEDED",
        ),
    ];
    for (index, (limit, status, word)) in cases.iter().enumerate() {
        let config = budget_config(
            fixture.dir.path(),
            &format!("b{index}.toml"),
            &format!("[budget]\nmonthly = \"{limit}\"\n"),
        );
        let output = usagetop(&fixture, &["--config", &config, "report", "--check-budget"]);
        assert_eq!(
            output.status.code(),
            Some(*status),
            "limit {limit}: {}",
            String::from_utf8_lossy(&output.stdout)
        );
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(text.starts_with(word), "{text}");
        assert!(
            text.contains(&format!(
                "of {}",
                usagetop::format::money(Decimal::from_str(limit).unwrap())
            )),
            "{text}"
        );
        if *status == 3 {
            assert!(
                text.contains("exceeds on"),
                "the crossing date is given: {text}"
            );
        }
    }
    let bad = budget_config(
        fixture.dir.path(),
        "bad.toml",
        "[budget]\nmonthly = \"lots\"\n",
    );
    let output = usagetop(&fixture, &["--config", &bad, "report", "--check-budget"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("budget.monthly"));
}

#[test]
fn custom_ranges_sum_their_days() {
    let fixture = fixture();
    let report = json(&stdout(&usagetop(
        &fixture,
        &["report", "--format", "json"],
    )));
    let daily = report["trends"]["daily"].as_array().unwrap();
    // 2026-11-02 .. 2026-11-15 lies inside the last 30 days of NOW.
    let inside: Vec<&serde_json::Value> = daily
        .iter()
        .filter(|bucket| {
            let start = bucket["start"].as_str().unwrap();
            ("2026-11-02"..="2026-11-15").contains(&start)
        })
        .collect();
    assert_eq!(inside.len(), 14);
    let ranged = json(&stdout(&usagetop(
        &fixture,
        &[
            "--from",
            "2026-11-02",
            "--to",
            "2026-11-15",
            "report",
            "--format",
            "json",
        ],
    )));
    let range = &ranged["range"];
    assert_eq!(range["from"], "2026-11-02");
    assert_eq!(range["to"], "2026-11-15");
    let requests: i64 = inside
        .iter()
        .map(|bucket| bucket["requests"].as_i64().unwrap())
        .sum();
    let cost: Decimal = inside.iter().map(|bucket| decimal(&bucket["cost"])).sum();
    assert_eq!(range["requests"].as_i64().unwrap(), requests);
    assert_eq!(decimal(&range["cost"]), cost);
    assert_eq!(range["trends"]["daily"].as_array().unwrap().len(), 14);
    // Two ISO weeks exactly; the months it touches: November only.
    assert_eq!(range["trends"]["weekly"].as_array().unwrap().len(), 2);
    assert_eq!(range["trends"]["monthly"].as_array().unwrap().len(), 1);
    let by_model: Decimal = range["by_model"]
        .as_array()
        .unwrap()
        .iter()
        .map(|model| decimal(&model["cost"]))
        .sum();
    assert_eq!(by_model, cost);
    // The report is as of the end of the range.
    assert_eq!(ranged["generated_at"], "2026-11-15T22:59:59Z");

    let bad = usagetop(
        &fixture,
        &["--from", "2026-11-15", "--to", "2026-11-02", "report"],
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("ends before it starts"));
}

#[test]
fn history_positions_are_period_ends() {
    use chrono::{DateTime, Utc};
    use usagetop::analytics::history::as_of;
    use usagetop::analytics::trend::View;
    use usagetop::period::{Calendar, WeekStart};
    let calendar = Calendar::new(chrono_tz::Europe::Berlin, WeekStart::Monday);
    let now: DateTime<Utc> = DateTime::parse_from_rfc3339(NOW)
        .unwrap()
        .with_timezone(&Utc);
    let at = |view, back| as_of(now, &calendar, view, back).to_rfc3339();
    assert_eq!(at(View::Daily, 0), "2026-11-18T15:00:00+00:00");
    assert_eq!(at(View::Daily, 1), "2026-11-17T22:59:59+00:00");
    assert_eq!(at(View::Weekly, 1), "2026-11-15T22:59:59+00:00");
    assert_eq!(at(View::Monthly, 1), "2026-10-31T22:59:59+00:00");
    // End of October is before the end of summer time in Berlin: UTC+1 from 25 Oct.
    assert_eq!(at(View::Monthly, 2), "2026-09-30T21:59:59+00:00");
}

#[test]
fn breakdowns_add_up_to_the_summaries() {
    use std::sync::Arc;
    use usagetop::clock::FixedClock;
    use usagetop::filter::Dimension;
    use usagetop::period::{Calendar, WeekStart};
    use usagetop::pipeline::{compute, ReportContext, ReportRequest};
    use usagetop::pricing::{PriceFile, PriceTable};
    use usagetop::store::mapping::Mapping;
    use usagetop::store::sqlite::SqliteStore;
    let fixture = fixture();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let path = fixture.dir.path().join("usage.db");
        let store = SqliteStore::open(&path, false, Mapping::default())
            .await
            .unwrap();
        let context = ReportContext {
            calendar: Calendar::new(chrono_tz::Europe::Berlin, WeekStart::Monday),
            clock: Arc::new(FixedClock(
                chrono::DateTime::parse_from_rfc3339(NOW).unwrap().into(),
            )),
            prices: Arc::new(PriceTable::with_overrides(&PriceFile::default(), "pricing").unwrap()),
            budgets: Arc::new(usagetop::budget::Budgets::default()),
            wall_clock: Arc::new(usagetop::clock::SystemClock),
        };
        for dimension in Dimension::ALL {
            let request = ReportRequest {
                breakdown: Some((dimension, false)),
                ..ReportRequest::default()
            };
            let report = compute(&store, &context, &request, 0).await.unwrap();
            let breakdowns = report.breakdown.as_ref().unwrap();
            assert_eq!(breakdowns.dimension, dimension);
            for (breakdown, summary) in [
                (&breakdowns.daily, &report.summary.today),
                (&breakdowns.weekly, &report.summary.this_week),
                (&breakdowns.monthly, &report.summary.this_month),
            ] {
                assert_eq!(breakdown.total, summary.totals, "{dimension:?}");
                assert_eq!(
                    Some(breakdown.previous_total),
                    summary.previous,
                    "{dimension:?} previous span"
                );
                let rows: usagetop::analytics::Totals =
                    breakdown.rows.iter().map(|row| row.totals).sum();
                assert_eq!(rows, breakdown.total);
            }
        }
    });
}

#[test]
fn the_default_config_documents_every_key_and_parses() {
    use usagetop::config::{FileConfig, DEFAULT_CONFIG};
    // Uncomment every `key = value` and `[table]` line of the commented default.
    let uncommented: String = DEFAULT_CONFIG
        .lines()
        .map(|line| {
            let body = line.strip_prefix("# ").unwrap_or(line);
            let is_key = body.split_once(" = ").is_some_and(|(key, _)| {
                !key.is_empty() && key.chars().all(|c| c.is_ascii_lowercase() || c == '_')
            });
            let is_table = body.starts_with('[') && body.trim_end().ends_with(']')
                || body.starts_with("[pricing")
                || body.starts_with("[budget")
                || body.starts_with("[keys]")
                || body.starts_with("[source]");
            if line.starts_with("# ") && (is_key || is_table) {
                body.split(" #").next().unwrap_or(body).to_owned()
            } else {
                String::new()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let parsed =
        FileConfig::parse(&uncommented, Path::new("config/default.toml")).expect(&uncommented);
    assert!(parsed.database_url.is_some() && parsed.timezone.is_some() && parsed.now.is_some());
    assert!(
        parsed.refresh_seconds.is_some() && parsed.week_start.is_some() && parsed.view.is_some()
    );
    assert!(
        parsed.theme.is_some()
            && parsed.ascii.is_some()
            && parsed.mouse.is_some()
            && parsed.export_dir.is_some()
    );
    assert!(parsed.connect_timeout_seconds.is_some() && parsed.statement_timeout_seconds.is_some());
    assert!(
        parsed.source.table.is_some()
            && parsed.source.filter.is_some()
            && parsed.source.preset.is_some()
    );
    assert!(parsed.budget.monthly.is_some() && parsed.budget.models.contains_key("gpt-4o"));
    assert!(parsed.pricing.models.contains_key("my-model") && parsed.pricing.default.is_some());
    assert!(parsed.keys.contains_key("quit"));
    assert!(parsed.baseline_periods.is_some() && parsed.paper.is_some());
    let alerts = parsed.alerts.expect("[alerts]");
    assert!(alerts.hour_cost.is_some() && alerts.stale_minutes.is_some());
    assert_eq!((alerts.webhook.len(), alerts.command.len()), (1, 1));
    assert!(alerts.webhook[0].headers.contains_key("Authorization"));
}

#[test]
fn the_readme_config_examples_parse() {
    use usagetop::config::FileConfig;
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let mut blocks = 0;
    for block in readme.split("```toml\n").skip(1) {
        let body = block.split("```").next().unwrap();
        FileConfig::parse(body, Path::new("README.md"))
            .unwrap_or_else(|error| panic!("{error}\n{body}"));
        blocks += 1;
    }
    assert!(blocks >= 3, "the config, [source] and [keys] examples");
}

#[test]
fn many_models_are_summarised_in_text_and_complete_in_json() {
    use usagetop::analytics::{build_report, Aggregates, DayModelRow, ModelRow, QueryPlan};
    use usagetop::period::{Calendar, WeekStart};
    use usagetop::pricing::{PriceFile, PriceTable};
    use usagetop::usage::Usage;
    let calendar = Calendar::new(chrono_tz::UTC, WeekStart::Monday);
    let now = chrono::DateTime::parse_from_rfc3339(NOW)
        .unwrap()
        .with_timezone(&chrono::Utc);
    let plan = QueryPlan::new(now, &calendar);
    let usage = |i: i64| Usage {
        requests: 1,
        input_tokens: i128::from(1_000 + i),
        ..Usage::default()
    };
    let count = 10_000_i64;
    let rows = Aggregates {
        days: (0..count)
            .map(|i| DayModelRow {
                day: plan.today,
                model: format!("m{i:05}"),
                usage: usage(i),
                stored_cost: None,
                estimated: false,
            })
            .collect(),
        all_time: (0..count)
            .map(|i| ModelRow {
                model: format!("m{i:05}"),
                usage: usage(i),
                stored_cost: None,
                estimated: false,
            })
            .collect(),
        first_event: Some(now),
        ..Aggregates::default()
    };
    let prices = PriceTable::with_overrides(&PriceFile::default(), "pricing").unwrap();
    let report: usagetop::pipeline::Snapshot =
        build_report(&plan, &calendar, &rows, &prices).into();
    let text = usagetop::output::text::render(
        &report,
        usagetop::analytics::trend::View::Daily,
        "sqlite:///x.db",
        120,
    );
    assert!(
        text.contains("(9976 other models)"),
        "{}",
        &text[..text.len().min(3000)]
    );
    assert!(text.lines().count() < 120, "the text report stays short");
    let json: serde_json::Value =
        serde_json::from_str(&usagetop::output::json::render(&report).unwrap()).unwrap();
    assert_eq!(
        json["by_model"]["this_month"].as_array().unwrap().len(),
        count as usize
    );
    assert_eq!(
        json["summary"]["today"]["requests"].as_i64().unwrap(),
        count
    );
}

#[test]
fn a_range_in_the_future_is_empty_not_a_crash() {
    let fixture = fixture();
    let report = json(&stdout(&usagetop(
        &fixture,
        &[
            "--from",
            "2030-01-01",
            "--to",
            "2030-01-31",
            "report",
            "--format",
            "json",
        ],
    )));
    assert_eq!(report["range"]["from"], "2030-01-01");
    assert_eq!(report["range"]["requests"].as_i64().unwrap(), 0);
    let text = stdout(&usagetop(&fixture, &["--from", "2030-01-01", "report"]));
    assert!(text.contains("Range 2030-01-01"), "{text}");
}

#[test]
fn report_breakdowns_add_up() {
    let fixture = fixture();
    for by in ["model", "endpoint", "user"] {
        let report = json(&stdout(&usagetop(
            &fixture,
            &["report", "--format", "json", "--by", by],
        )));
        assert_eq!(report["breakdown"]["dimension"], by);
        for (period, summary) in [
            ("today", "today"),
            ("this_week", "this_week"),
            ("this_month", "this_month"),
        ] {
            let rows = report["breakdown"][period].as_array().unwrap();
            let cost: Decimal = rows.iter().map(|row| decimal(&row["cost"])).sum();
            let requests: i64 = rows
                .iter()
                .map(|row| row["requests"].as_i64().unwrap())
                .sum();
            assert_eq!(
                cost,
                decimal(&report["summary"][summary]["cost"]),
                "{by} {period}"
            );
            assert_eq!(
                requests,
                report["summary"][summary]["requests"].as_i64().unwrap(),
                "{by} {period}"
            );
        }
        let text = stdout(&usagetop(&fixture, &["report", "--by", by]));
        assert!(text.contains(&format!("By {by} · this month")), "{text}");
    }
    let plain = json(&stdout(&usagetop(
        &fixture,
        &["report", "--format", "json"],
    )));
    assert!(plain.get("breakdown").is_none(), "only when asked for");
}

#[test]
fn config_errors_name_the_file_line_and_key() {
    let fixture = fixture();
    // (config text, the line at fault, the key named); the fixture's own flags
    // (--tz, --now, --database-url) would override those keys, so they are not used here.
    let cases: [(&str, usize, &str); 8] = [
        (
            "view = \"daily\"\nconnect_timeout_seconds = 0\n",
            2,
            "connect_timeout_seconds",
        ),
        ("refresh_seconds = 0\n", 1, "refresh_seconds"),
        ("week_start = \"monday\"\nview = \"yearly\"\n", 2, "view"),
        (
            "[pricing.models.\"gpt-x\"]\ninput = \"1.00\"\noutput = \"cheap\"\n",
            3,
            "pricing.models.\"gpt-x\".output",
        ),
        (
            "[budget]\nwarn_at = 0.5\nmonthly = \"-5\"\n",
            3,
            "budget.monthly",
        ),
        ("[keys]\nquit = \"Hyper-q\"\n", 2, "keys.quit"),
        ("timezone = \"UTC\"\nunknown_key = 1\n", 2, "unknown_key"),
        ("refresh_seconds = \"soon\"\n", 1, "refresh_seconds"),
    ];
    for (index, (text, line, key)) in cases.iter().enumerate() {
        let path = fixture.dir.path().join(format!("bad{index}.toml"));
        std::fs::write(&path, text).unwrap();
        let output = usagetop(&fixture, &["--config", path.to_str().unwrap(), "report"]);
        assert_eq!(output.status.code(), Some(2), "{text}");
        let message = String::from_utf8_lossy(&output.stderr);
        assert!(
            message.contains(path.to_str().unwrap()),
            "names the file: {message}"
        );
        assert!(
            message.contains(&format!("line {line}")),
            "names line {line}: {message}"
        );
        assert!(message.contains(key), "names {key}: {message}");
        assert!(
            !message.contains("panicked") && !message.contains("RUST_BACKTRACE"),
            "{message}"
        );
    }
}

#[test]
fn passwords_never_reach_any_output() {
    let dir = tempfile::tempdir().unwrap();
    let runs: [&[&str]; 4] = [
        &[
            "--database-url",
            "postgres://someone:S3CRET-pw@127.0.0.1:9/usage",
            "--connect-timeout-seconds",
            "1",
            "report",
        ],
        &[
            "--database-url",
            "postgres://someone:S3CRET-pw@127.0.0.1:notaport/usage",
            "report",
        ],
        &[
            "--database-url",
            "postgresql://someone:S3CRET-pw@127.0.0.1:9/usage?sslmode=require",
            "--connect-timeout-seconds",
            "1",
            "report",
            "--format",
            "json",
        ],
        &[
            "--database-url",
            "postgres://127.0.0.1:9/usage?password=S3CRET-pw",
            "--connect-timeout-seconds",
            "1",
            "demo",
        ],
    ];
    for args in runs {
        let output = Command::new(env!("CARGO_BIN_EXE_usagetop"))
            .args(args)
            .env("HOME", dir.path())
            .env("RUST_BACKTRACE", "1")
            .env_remove("USAGETOP_DATABASE_URL")
            .env_remove("USAGETOP_CONFIG")
            .output()
            .unwrap();
        assert!(!output.status.success(), "{args:?} should fail");
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            !all.contains("S3CRET-pw"),
            "{args:?} printed the password: {all}"
        );
        assert!(all.contains("usagetop: "), "{all}");
    }
}
