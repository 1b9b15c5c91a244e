//! The PDF and HTML reports from the binary: the text of the PDF (poppler's
//! `pdftotext`) holds every figure of the JSON report for the same
//! arguments, formatted as the text report formats it, for each comparison;
//! the HTML page is self-contained and holds the same figures; paper sizes;
//! writing never follows a symlink and never replaces a file without --force.

use std::path::Path;
use std::process::Command;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::Value;
use usagetop::format::{change, grouped, money};

use crate::support::sandbox::Sandbox;

const NOW: &str = "2026-11-28T12:00:00Z";

/// A demo database of `days` days ending at `NOW` (Berlin days), and its URL.
fn demo(sandbox: &Sandbox, days: u32) -> String {
    let url = sandbox.db();
    let days = days.to_string();
    sandbox.ok(&[
        "demo",
        "--database-url",
        &url,
        "--days",
        &days,
        "--now",
        NOW,
        "--tz",
        "Europe/Berlin",
    ]);
    url
}

/// poppler's pdftotext, which `.ci/run` installs; missing in CI is a failure.
fn pdftotext(path: &Path) -> Option<String> {
    match Command::new("pdftotext")
        .arg("-layout")
        .arg(path)
        .arg("-")
        .output()
    {
        Ok(output) if output.status.success() => Some(String::from_utf8(output.stdout).unwrap()),
        other => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "pdftotext (poppler-utils) must run in CI: {other:?}"
            );
            eprintln!("skipped: pdftotext (poppler-utils) is not installed");
            None
        }
    }
}

fn dec(value: &Value) -> Decimal {
    Decimal::from_str(value.as_str().unwrap()).unwrap()
}

/// Cost as the text report shows it: money, `*` when partly estimated.
fn cost(totals: &Value) -> String {
    let mut text = money(dec(&totals["cost"]));
    if !dec(&totals["estimated_cost"]).is_zero() {
        text.push('*');
    }
    text
}

fn int(value: &Value) -> i128 {
    value
        .as_i64()
        .map(i128::from)
        .unwrap_or_else(|| value.as_u64().unwrap().into())
}

/// The words of the first line that starts with `head` (after spaces) and holds `needle`.
fn line_words<'a>(text: &'a str, head: &str, needle: &str) -> Vec<&'a str> {
    text.lines()
        .find(|line| line.trim_start().starts_with(head) && line.contains(needle))
        .unwrap_or_else(|| panic!("no line starting with {head:?} holding {needle:?} in\n{text}"))
        .split_whitespace()
        .collect()
}

/// Asserts that `words` hold `expected` as whole words, in that order.
fn in_order(words: &[&str], expected: &[String], what: &str) {
    let mut position = 0;
    for figure in expected {
        match words[position..].iter().position(|word| word == figure) {
            Some(found) => position += found + 1,
            None => panic!("{what}: {figure:?} missing (or out of order) in {words:?}"),
        }
    }
}

/// Every figure of `json` in the text `text` of the printable report.
fn check_figures(text: &str, json: &Value) {
    let blocks = ["today", "this_week", "this_month", "all_time"];
    let summary = &json["summary"];
    let figures = |key: &str| -> Vec<String> {
        blocks
            .iter()
            .map(|block| match key {
                "requests" => grouped(int(&summary[block]["requests"])),
                "tokens" => grouped(int(&summary[block]["total_tokens"])),
                _ => cost(&summary[block]),
            })
            .collect()
    };
    in_order(
        &line_words(text, "Requests", ""),
        &figures("requests"),
        "requests",
    );
    in_order(
        &line_words(text, "Tokens", ""),
        &figures("tokens"),
        "tokens",
    );
    in_order(&line_words(text, "Cost", "$"), &figures("cost"), "cost");
    // The change against the comparison, as the text report words it.
    let comparison = &json["comparison"];
    let changes: Vec<String> = blocks[..3]
        .iter()
        .map(|block| match &comparison[block] {
            Value::Null => "data".to_owned(), // "no data"
            before => change(dec(&summary[block]["cost"]), dec(&before["cost"])),
        })
        .collect();
    in_order(&line_words(text, "vs", ""), &changes, "changes");
    // The charts' totals and peaks, over the daily series.
    let daily = json["trends"]["daily"].as_array().unwrap();
    let requests: i128 = daily.iter().map(|bucket| int(&bucket["requests"])).sum();
    let tokens: i128 = daily
        .iter()
        .map(|bucket| int(&bucket["total_tokens"]))
        .sum();
    let peak = daily
        .iter()
        .map(|bucket| int(&bucket["requests"]))
        .max()
        .unwrap();
    in_order(
        &line_words(text, "Requests ·", "total"),
        &[grouped(requests), grouped(peak)],
        "requests chart",
    );
    in_order(
        &line_words(text, "Tokens ·", "total"),
        &[grouped(tokens)],
        "tokens chart",
    );
    let total_cost: Decimal = daily.iter().map(|bucket| dec(&bucket["cost"])).sum();
    let words = line_words(text, "Cost (USD)", "total");
    assert!(
        words
            .iter()
            .any(|word| word.trim_end_matches('*') == money(total_cost)),
        "cost chart total {} in {words:?}",
        money(total_cost)
    );
    // The forecast and its band.
    let prediction = &json["prediction"];
    let point = format!("~{}", money(dec(&prediction["month_end_cost"])));
    in_order(
        &line_words(text, &point, "band"),
        &[
            point.clone(),
            "(80".to_owned(),
            "%".to_owned(),
            "band".to_owned(),
            money(dec(&prediction["month_end_cost_low"])),
            "–".to_owned(),
            format!("{}),", money(dec(&prediction["month_end_cost_high"]))),
            format!("~{}", grouped(int(&prediction["month_end_requests"]))),
        ],
        "forecast",
    );
    assert!(text.contains(&format!(
        "~{} tokens",
        grouped(int(&prediction["month_end_tokens"]))
    )));
    // Budgets.
    for budget in json["budgets"].as_array().unwrap() {
        let name = budget["name"].as_str().unwrap();
        let words = line_words(
            text,
            name.split(' ').next().unwrap(),
            &money(dec(&budget["spent"])),
        );
        in_order(
            &words,
            &[money(dec(&budget["spent"])), money(dec(&budget["limit"]))],
            name,
        );
    }
    // Every model of this month, with its figures.
    for model in json["by_model"]["this_month"].as_array().unwrap() {
        let name = model["model"].as_str().unwrap();
        in_order(
            &line_words(text, name, ""),
            &[
                name.to_owned(),
                grouped(int(&model["requests"])),
                grouped(int(&model["total_tokens"])),
                cost(model),
            ],
            name,
        );
    }
    // The breakdown, when asked for: this month's rows with before and change.
    if let Some(rows) = json["breakdown"]["this_month"].as_array() {
        let section = text.split("this month").last().unwrap();
        for row in rows {
            let name = row["name"].as_str().unwrap();
            in_order(
                &line_words(section, name, ""),
                &[
                    name.to_owned(),
                    grouped(int(&row["requests"])),
                    cost(row),
                    money(dec(&row["previous_cost"])),
                    change(dec(&row["cost"]), dec(&row["previous_cost"])),
                ],
                &format!("breakdown {name}"),
            );
        }
    }
    for note in json["notes"].as_array().unwrap() {
        let first: String = note
            .as_str()
            .unwrap()
            .split_whitespace()
            .take(4)
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            text.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .contains(&first),
            "note {first:?}"
        );
    }
}

const CONFIG: &str = r#"
baseline_periods = 3
[budget]
daily = "5.00"
monthly = "120.00"
[budget.models."gpt-5"]
monthly = "4.00"
"#;

#[test]
fn pdf_and_html_hold_every_figure_of_the_json_report() {
    let sandbox = Sandbox::new();
    let url = demo(&sandbox, 400);
    let config = sandbox.path("config.toml");
    std::fs::write(&config, CONFIG).unwrap();
    let config = config.display().to_string();
    for compare in ["previous", "year", "baseline"] {
        let base = [
            "--database-url",
            &url,
            "--config",
            &config,
            "--now",
            NOW,
            "--tz",
            "Europe/Berlin",
            "report",
            "--by",
            "model",
            "--compare",
            compare,
        ];
        let json: Value =
            serde_json::from_str(&sandbox.ok(&[&base[..], &["--format", "json"]].concat()))
                .unwrap();
        assert_eq!(json["comparison"]["mode"], compare);
        assert!(
            json["comparison"]["this_month"].is_object(),
            "400 days cover a year: {json}"
        );
        let pdf = sandbox.path(&format!("{compare}.pdf"));
        let pdf_text = pdf.display().to_string();
        sandbox.ok(&[&base[..], &["--format", "pdf", "--output", &pdf_text]].concat());
        let bytes = std::fs::read(&pdf).unwrap();
        assert!(bytes.starts_with(b"%PDF-"), "a PDF");
        if let Some(text) = pdftotext(&pdf) {
            check_figures(&text, &json);
        }
        let html = sandbox.path(&format!("{compare}.html"));
        let html_text = html.display().to_string();
        sandbox.ok(&[&base[..], &["--format", "html", "--output", &html_text]].concat());
        let page = std::fs::read_to_string(&html).unwrap();
        // Self-contained: no script, no fetched resource, three inline charts.
        for banned in ["<script", "src=", "href=", "@import", "url("] {
            assert!(!page.contains(banned), "{banned} in the HTML");
        }
        assert_eq!(page.matches("<svg").count(), 4, "three charts and the band");
        let text =
            usagetop::output::html::escape(&money(dec(&json["summary"]["this_month"]["cost"])));
        assert!(page.contains(&text));
        for model in json["by_model"]["this_month"].as_array().unwrap() {
            let name = usagetop::output::html::escape(model["model"].as_str().unwrap());
            assert!(
                page.contains(&format!(
                    "<td>{name}</td><td class=\"r\">{}</td>",
                    grouped(int(&model["requests"]))
                )),
                "{name}"
            );
        }
    }
}

#[test]
fn paper_sizes_and_safe_writing() {
    let sandbox = Sandbox::new();
    let url = demo(&sandbox, 40);
    let run = |extra: &[&str]| {
        sandbox.run(
            &[
                &[
                    "--database-url",
                    &url,
                    "--now",
                    NOW,
                    "--tz",
                    "UTC",
                    "report",
                ][..],
                extra,
            ]
            .concat(),
        )
    };
    let letter = sandbox.path("letter.pdf");
    let letter_text = letter.display().to_string();
    assert!(run(&[
        "--format",
        "pdf",
        "--paper",
        "letter",
        "--output",
        &letter_text
    ])
    .status
    .success());
    let a4 = sandbox.path("a4.pdf");
    let a4_text = a4.display().to_string();
    assert!(run(&["--format", "pdf", "--output", &a4_text])
        .status
        .success());
    let size = |path: &Path| -> Option<String> {
        let output = Command::new("pdfinfo").arg(path).output().ok()?;
        String::from_utf8(output.stdout)
            .ok()?
            .lines()
            .find(|line| line.starts_with("Page size"))
            .map(str::to_owned)
    };
    if pdftotext(&a4).is_some() {
        assert!(
            size(&a4).unwrap().contains("595.28 x 841.89"),
            "{:?}",
            size(&a4)
        );
        assert!(
            size(&letter).unwrap().contains("612 x 792"),
            "{:?}",
            size(&letter)
        );
    }
    // A PDF is never written to a terminal or pipe by accident.
    let output = run(&["--format", "pdf"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--output FILE"));
    // An existing file is kept without --force.
    std::fs::write(&a4, "mine").unwrap();
    let output = run(&["--format", "html", "--output", &a4_text]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--force"));
    assert_eq!(std::fs::read_to_string(&a4).unwrap(), "mine");
    // A symlink at the destination is replaced, never followed.
    let target = sandbox.path("precious.txt");
    std::fs::write(&target, "precious").unwrap();
    let link = sandbox.path("link.html");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let link_text = link.display().to_string();
    let output = run(&["--format", "html", "--output", &link_text]);
    assert_eq!(
        output.status.code(),
        Some(2),
        "a symlink counts as an existing file"
    );
    assert!(
        run(&["--format", "html", "--output", &link_text, "--force"])
            .status
            .success()
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "precious");
    assert!(!std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(std::fs::read_to_string(&link)
        .unwrap()
        .starts_with("<!DOCTYPE html>"));
    // No temporary file is left behind.
    let leftovers: Vec<_> = std::fs::read_dir(sandbox.path(""))
        .unwrap()
        .filter_map(Result::ok)
        .filter(|entry| entry.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

/// The dashboard's `E`: the PDF and the HTML side by side under one new
/// name; a name taken by either (a link included) moves both on, and
/// nothing there is replaced or followed.
#[test]
fn e_writes_the_pair_under_a_new_name_and_replaces_nothing() {
    use usagetop::analytics::trend::View;
    use usagetop::analytics::{build_report, Aggregates, QueryPlan};
    use usagetop::output::document::Paper;
    use usagetop::output::printable::write_report_files;
    use usagetop::period::{Calendar, WeekStart};
    use usagetop::pricing::{PriceFile, PriceTable};

    let sandbox = Sandbox::new();
    let folder = sandbox.path("exports");
    std::fs::create_dir(&folder).unwrap();
    let calendar = Calendar::new(chrono_tz::Europe::Berlin, WeekStart::Monday);
    let now = chrono::DateTime::parse_from_rfc3339(NOW).unwrap().to_utc();
    let plan = QueryPlan::new(now, &calendar);
    let prices = PriceTable::with_overrides(&PriceFile::default(), "pricing").unwrap();
    let snapshot: usagetop::pipeline::Snapshot =
        build_report(&plan, &calendar, &Aggregates::default(), &prices).into();
    let write = || write_report_files(&snapshot, View::Daily, &folder, "demo.db", Paper::A4);

    let (pdf, html) = write().unwrap();
    assert!(
        pdf.ends_with("usagetop-report-20261128-130000.pdf"),
        "{pdf:?}"
    );
    assert!(
        html.ends_with("usagetop-report-20261128-130000.html"),
        "{html:?}"
    );
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF"));
    assert!(std::fs::read_to_string(&html).unwrap().contains("<html"));
    // The next name's HTML is a link to a file of the user's: both move on.
    let mine = sandbox.path("mine.txt");
    std::fs::write(&mine, "mine").unwrap();
    std::os::unix::fs::symlink(&mine, folder.join("usagetop-report-20261128-130000-1.html"))
        .unwrap();
    let (pdf, html) = write().unwrap();
    assert!(
        pdf.ends_with("usagetop-report-20261128-130000-2.pdf"),
        "{pdf:?}"
    );
    assert!(
        html.ends_with("usagetop-report-20261128-130000-2.html"),
        "{html:?}"
    );
    assert_eq!(std::fs::read_to_string(&mine).unwrap(), "mine");
    assert!(!folder
        .join("usagetop-report-20261128-130000-1.pdf")
        .exists());
    let names = std::fs::read_dir(&folder).unwrap().count();
    assert_eq!(names, 5, "two pairs and the link, no temporary file left");
}
