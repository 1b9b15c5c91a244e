//! PostgreSQL restarted under a running session (its own test binary, so no
//! other database test runs meanwhile): the store fails while the server is
//! away, then recovers by itself with the same numbers. Needs the local
//! cluster's `pg_ctlcluster` (as on the CI machine); without it the test
//! says it was skipped, except under `CI=true`.
#![allow(clippy::unwrap_used, clippy::expect_used)]
// It starts programs (usagetop, the server's tools), which clippy.toml forbids usagetop's own code.
#![allow(clippy::disallowed_types)]

use std::sync::Arc;
use std::time::Duration;

use usagetop::clock::FixedClock;
use usagetop::filter::Filter;
use usagetop::output;
use usagetop::period::{Calendar, WeekStart};
use usagetop::pipeline::{compute_report, ReportContext};
use usagetop::pricing::{PriceFile, PriceTable};
use usagetop::store::demo;
use usagetop::store::mapping::Mapping;
use usagetop::store::postgres::{write_demo, PgStore};
use usagetop::store::Timeouts;

// Shared with the store tests; this file uses part of it.
#[allow(dead_code)]
#[path = "it/support/pg.rs"]
mod pg;

/// The local cluster's version, when this machine runs it.
fn local_cluster() -> Option<String> {
    let versions = std::fs::read_dir("/etc/postgresql").ok()?;
    let version = versions
        .filter_map(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .next()?;
    std::process::Command::new("pg_ctlcluster")
        .arg("--help")
        .output()
        .ok()?;
    Some(version)
}

fn server_ready() -> bool {
    std::process::Command::new("pg_isready")
        .args(["-h", "127.0.0.1", "-p", "5432", "-q"])
        .status()
        .is_ok_and(|status| status.success())
}

#[tokio::test]
async fn recovers_after_the_server_restarts() {
    let Some(admin) = pg::server_url() else {
        return;
    };
    let Some(version) = local_cluster() else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "pg_ctlcluster is needed in CI to restart the server"
        );
        eprintln!("skipped: no local PostgreSQL cluster to restart");
        return;
    };
    let db = pg::TestDb::create(&admin, "restart").await;
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-18T15:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let calendar = Calendar::new(chrono_tz::UTC, WeekStart::Monday);
    write_demo(&db.url, &demo::generate(3, 7, now, &calendar), false)
        .await
        .unwrap();
    let context = ReportContext {
        calendar,
        clock: Arc::new(FixedClock(now)),
        prices: Arc::new(PriceTable::with_overrides(&PriceFile::default(), "pricing").unwrap()),
        budgets: Arc::new(usagetop::budget::Budgets::default()),
        wall_clock: Arc::new(usagetop::clock::SystemClock),
    };
    let timeouts = Timeouts {
        connect: Duration::from_secs(2),
        statement: Duration::from_secs(10),
    };
    let store = PgStore::connect_lazy(&db.url, Mapping::default(), timeouts).unwrap();
    let json = |report| output::json::render(&report).unwrap();
    let before = json(
        compute_report(&store, &context, &Filter::default())
            .await
            .unwrap(),
    );

    let restarted = std::process::Command::new("pg_ctlcluster")
        .args(["--skip-systemctl-redirect", &version, "main", "restart"])
        .status()
        .unwrap();
    assert!(restarted.success(), "pg_ctlcluster restart failed");
    let mut after = None;
    let mut failures = 0;
    for _ in 0..40 {
        match compute_report(&store, &context, &Filter::default()).await {
            Ok(report) => {
                after = Some(json(report));
                break;
            }
            Err(error) => {
                failures += 1;
                let message = error.to_string();
                assert!(!message.contains("panicked"), "{message}");
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        }
    }
    // Whatever happened, leave the server up for the tests after this one.
    for _ in 0..30 {
        if server_ready() {
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    assert_eq!(
        after.as_deref(),
        Some(before.as_str()),
        "the same numbers once the server is back ({failures} failed attempts)"
    );
    db.drop_it().await;
}
