//! The last hostile inputs (issue "The cache never lies and nothing
//! hangs"): outlier instants that once hung or emptied the cache,
//! wrong-typed values that once failed every report, the cache's identity
//! and folder, `export --output` races and links, a libpq connection
//! string with a password, and prices past Decimal's range.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AssertSqlSafe, Connection, SqliteConnection};
use usagetop::cache::{CacheOptions, CachedStore};
use usagetop::clock::FixedClock;
use usagetop::filter::Filter;
use usagetop::output;
use usagetop::period::{Calendar, WeekStart};
use usagetop::pipeline::{compute_report, ReportContext};
use usagetop::pricing::{PriceFile, PriceTable};
use usagetop::store::mapping::{Mapping, SourceConfig};
use usagetop::store::postgres::PgStore;
use usagetop::store::sqlite::SqliteStore;
use usagetop::store::{RollupSource, Timeouts, UsageStore};

use crate::support::pg::{server_url, TestDb};
use crate::support::sandbox::{assert_clean_failure, url_of, Sandbox};

const NOW: &str = "2026-11-18T15:00:00Z";

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(NOW)
        .unwrap()
        .with_timezone(&Utc)
}

fn context() -> ReportContext {
    ReportContext {
        calendar: Calendar::new(chrono_tz::Europe::Berlin, WeekStart::Monday),
        clock: Arc::new(FixedClock(now())),
        prices: Arc::new(PriceTable::with_overrides(&PriceFile::default(), "pricing").unwrap()),
        budgets: Arc::new(usagetop::budget::Budgets::default()),
        wall_clock: Arc::new(usagetop::clock::SystemClock),
    }
}

async fn sqlite_execute(path: &Path, sql: &str) {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true);
    let mut conn = SqliteConnection::connect_with(&options).await.unwrap();
    sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
}

fn calls() -> SourceConfig {
    SourceConfig {
        table: Some("calls".to_owned()),
        timestamp: Some("at".to_owned()),
        input_tokens: Some("tokens_in".to_owned()),
        output_tokens: Some("tokens_out".to_owned()),
        cache_read_tokens: Some(String::new()),
        cache_write_tokens: Some(String::new()),
        user: Some(String::new()),
        endpoint: Some(String::new()),
        ..SourceConfig::default()
    }
}

/// The report of `source`, directly and through a fresh cache: both must
/// be the same, and come back within `limit` (a hang fails, not a slow run).
async fn both_ways<S: RollupSource + 'static>(open: impl Fn() -> S, dir: &Path) -> Value {
    let started = Instant::now();
    let direct = output::json::render(
        &compute_report(&open(), &context(), &Filter::default())
            .await
            .unwrap(),
    )
    .unwrap();
    let cached = CachedStore::open(
        Box::new(open()),
        &CacheOptions {
            enabled: true,
            dir: dir.to_path_buf(),
            late_seconds: 7_200,
            verify: false,
        },
    )
    .await;
    cached
        .refresh_cache(now().timestamp(), &|_| {})
        .await
        .unwrap();
    assert!(cached.has_cached_data());
    let from_cache = output::json::render(
        &compute_report(&cached, &context(), &Filter::default())
            .await
            .unwrap(),
    )
    .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "an outlier instant made the reports hang: {:?}",
        started.elapsed()
    );
    assert_eq!(from_cache, direct, "cached and direct reports differ");
    serde_json::from_str(&direct).unwrap()
}

const OUTLIERS: &str = "(1795000000000000, 'gpt-4o', 999, 999), \
                        (1795000000000000000, 'gpt-4o', 999, 999), \
                        (-9223372036854775808, 'gpt-4o', 999, 999), \
                        (-86000000000000, 'gpt-4o', 999, 999)";

/// Microseconds, nanoseconds, the smallest 64-bit instant and one far
/// before 1900: each is left out and counted, and nothing hangs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outlier_instants_are_left_out_and_never_hang() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("outliers.db");
    sqlite_execute(
        &path,
        &format!(
            "CREATE TABLE calls (at INTEGER, model TEXT, tokens_in INTEGER, tokens_out INTEGER); \
             CREATE INDEX calls_at ON calls (at); \
             INSERT INTO calls VALUES (1795000000, 'gpt-4o', 100, 10), (1795003600, 'gpt-4o', 100, 10), \
             (1795007200, 'gpt-4o', 100, 10), {OUTLIERS}"
        ),
    )
    .await;
    let mapping = Mapping::resolve(&calls()).unwrap();
    let handle = tokio::runtime::Handle::current();
    let report = both_ways(
        || {
            tokio::task::block_in_place(|| {
                handle.block_on(SqliteStore::open(&path, false, mapping.clone()))
            })
            .unwrap()
        },
        &dir.path().join("cache"),
    )
    .await;
    assert_eq!(report["summary"]["all_time"]["requests"], 3);
    let notes = report["notes"].to_string();
    assert!(notes.contains("4 rows with a timestamp"), "{notes}");

    let Some(admin) = server_url() else { return };
    let db = TestDb::create(&admin, "outliers").await;
    db.execute(&format!(
        "CREATE TABLE calls (at BIGINT, model TEXT, tokens_in BIGINT, tokens_out BIGINT); \
         INSERT INTO calls VALUES (1795000000, 'gpt-4o', 100, 10), (1795003600, 'gpt-4o', 100, 10), \
         (1795007200, 'gpt-4o', 100, 10), {OUTLIERS}"
    ))
    .await;
    let report = both_ways(
        || PgStore::connect_lazy(&db.url, mapping.clone(), Timeouts::default()).unwrap(),
        &dir.path().join("cache-pg"),
    )
    .await;
    assert_eq!(report["summary"]["all_time"]["requests"], 3);

    // A native timestamp: the years counted are tested on each group's
    // slot in the one-pass rollup, on each row directly.
    db.execute(
        "CREATE TABLE calls_tz (at TIMESTAMPTZ, model TEXT, tokens_in BIGINT, tokens_out BIGINT); \
         INSERT INTO calls_tz VALUES (to_timestamp(1795000000), 'gpt-4o', 100, 10), \
         (to_timestamp(1795003600), 'gpt-4o', 100, 10), (to_timestamp(1795007200), 'gpt-4o', 100, 10), \
         ('1899-12-31 23:59:59.5+00', 'gpt-4o', 999, 999), ('2200-01-01 00:00:00+00', 'gpt-4o', 999, 999), \
         ('infinity', 'gpt-4o', 999, 999), ('-infinity', 'gpt-4o', 999, 999)",
    )
    .await;
    let native = Mapping::resolve(&SourceConfig {
        table: Some("calls_tz".to_owned()),
        ..calls()
    })
    .unwrap();
    let report = both_ways(
        || PgStore::connect_lazy(&db.url, native.clone(), Timeouts::default()).unwrap(),
        &dir.path().join("cache-pg-tz"),
    )
    .await;
    assert_eq!(report["summary"]["all_time"]["requests"], 3, "{report}");
    let notes = report["notes"].to_string();
    assert!(notes.contains("4 rows with a timestamp"), "{notes}");
    db.drop_it().await;
}

/// Text (even a valid date) in an INTEGER timestamp column, fractional
/// seconds, and a model name that is not valid UTF-8: read where they can
/// be, left out and counted where they cannot; no report fails.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_typed_values_never_fail_a_report() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("typed.db");
    sqlite_execute(
        &path,
        "CREATE TABLE calls (at INTEGER, model TEXT, tokens_in INTEGER, tokens_out INTEGER); \
         INSERT INTO calls VALUES (1795000000, 'gpt-4o', 100, 10), \
           ('2026-11-18 10:00:00', 'gpt-4o', 100, 10), \
           (1795003600.75, 'gpt-4o', 200, 20), \
           (1795007200, CAST(X'6770742DFF34' AS TEXT), 300, 30)",
    )
    .await;
    let mapping = Mapping::resolve(&calls()).unwrap();
    let handle = tokio::runtime::Handle::current();
    let report = both_ways(
        || {
            tokio::task::block_in_place(|| {
                handle.block_on(SqliteStore::open(&path, false, mapping.clone()))
            })
            .unwrap()
        },
        &dir.path().join("cache"),
    )
    .await;
    assert_eq!(report["summary"]["all_time"]["requests"], 3, "{report}");
    assert_eq!(report["summary"]["all_time"]["input_tokens"], 600);
    let models = report["by_model"]["all_time"].to_string();
    assert!(
        models.contains("gpt-\u{fffd}4"),
        "invalid bytes shown as U+FFFD: {models}"
    );
    let notes = report["notes"].to_string();
    assert!(
        notes.contains("1 row with a timestamp") && notes.contains("2026-11-18 10:00:00"),
        "{notes}"
    );
}

/// Two files of the same name in two folders never share a cache.
#[test]
fn the_cache_belongs_to_the_file_not_to_its_name() {
    let sandbox = Sandbox::new();
    for (folder, days) in [("one", 3), ("two", 9)] {
        std::fs::create_dir_all(sandbox.path(folder)).unwrap();
        sandbox.demo_db(&format!("{folder}/u.db"), days, NOW);
    }
    let requests = |folder: &str| {
        let mut command = sandbox.command();
        command.current_dir(sandbox.path(folder));
        let output = command
            .args([
                "report",
                "--database-url",
                "u.db",
                "--now",
                NOW,
                "--format",
                "json",
            ])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let json: Value = serde_json::from_slice(&output.stdout).unwrap();
        json["summary"]["all_time"]["requests"].as_i64().unwrap()
    };
    let direct = |folder: &str| {
        let mut command = sandbox.command();
        command.current_dir(sandbox.path(folder));
        let output = command
            .args([
                "report",
                "--database-url",
                "u.db",
                "--now",
                NOW,
                "--format",
                "json",
                "--no-cache",
            ])
            .output()
            .unwrap();
        let json: Value = serde_json::from_slice(&output.stdout).unwrap();
        json["summary"]["all_time"]["requests"].as_i64().unwrap()
    };
    let (one, two) = (requests("one"), requests("two"));
    assert_ne!(one, two, "the two files hold different data");
    assert_eq!(one, direct("one"));
    assert_eq!(two, direct("two"));
    assert_eq!(requests("one"), one, "each keeps its own cache");
}

/// A link planted in a shared cache folder under the cache's name is never
/// written through, and a folder other users can write is refused.
#[cfg(unix)]
#[test]
fn a_planted_link_or_a_shared_cache_folder_is_never_written() {
    use std::os::unix::fs::PermissionsExt;
    let sandbox = Sandbox::new();
    let db = sandbox.demo_db("usage.db", 3, NOW);
    let url = url_of(&db);
    // Build once to learn the cache file's name, then plant a link there.
    let cache_dir = sandbox.path("shared-cache");
    std::fs::create_dir_all(&cache_dir).unwrap();
    let config = sandbox.path("config.toml");
    std::fs::write(
        &config,
        format!("cache_dir = {:?}\n", cache_dir.display().to_string()),
    )
    .unwrap();
    let config = config.display().to_string();
    sandbox.ok(&[
        "report",
        "--database-url",
        &url,
        "--config",
        &config,
        "--now",
        NOW,
    ]);
    let cache_file = std::fs::read_dir(&cache_dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .find(|path| path.extension().is_some_and(|ext| ext == "sqlite"))
        .expect("a cache file");
    std::fs::remove_file(&cache_file).unwrap();
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", cache_file.display()));
    }
    let victim = sandbox.path("victim.db");
    std::fs::write(&victim, b"precious").unwrap();
    std::os::unix::fs::symlink(&victim, &cache_file).unwrap();
    let output = sandbox.run(&[
        "report",
        "--database-url",
        &url,
        "--config",
        &config,
        "--now",
        NOW,
    ]);
    assert!(
        output.status.success(),
        "the source answers: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("the cache is not used"));
    assert_eq!(
        std::fs::read(&victim).unwrap(),
        b"precious",
        "nothing written through the link"
    );
    // A folder others can write: no cache in it at all.
    std::fs::remove_file(&cache_file).unwrap();
    std::fs::set_permissions(&cache_dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    let output = sandbox.run(&[
        "report",
        "--database-url",
        &url,
        "--config",
        &config,
        "--now",
        NOW,
    ]);
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("can be written by other users"), "{stdout}");
    assert!(
        !cache_file.exists(),
        "no cache file was made in the shared folder"
    );
}

/// `export --output` writes through a temporary file renamed into place:
/// a dangling link is never followed, and a failed write with --force
/// leaves the old file whole.
#[cfg(unix)]
#[test]
fn export_output_never_follows_a_link_or_truncates() {
    let sandbox = Sandbox::new();
    let db = url_of(&sandbox.demo_db("usage.db", 3, NOW));
    let target = sandbox.path("elsewhere.csv");
    let link = sandbox.path("out.csv");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let output = sandbox.run(&["export", "--database-url", &db, "--output", "out.csv"]);
    assert_clean_failure(&output, &["already exists", "--force"]);
    assert!(!target.exists(), "the dangling link was not followed");
    // With --force the link itself is replaced, not its target.
    sandbox.ok(&[
        "export",
        "--database-url",
        &db,
        "--output",
        "out.csv",
        "--force",
    ]);
    assert!(!target.exists());
    assert!(!std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    // A write that cannot happen leaves the old file as it was.
    let old = std::fs::read(&link).unwrap();
    let folder = sandbox.path("locked");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("kept.csv"), b"old contents").unwrap();
    let output = sandbox.run(&[
        "export",
        "--database-url",
        &db,
        "--output",
        &folder.join("kept.csv/nope.csv").display().to_string(),
        "--force",
    ]);
    assert!(!output.status.success());
    assert_eq!(
        std::fs::read(folder.join("kept.csv")).unwrap(),
        b"old contents"
    );
    assert_eq!(std::fs::read(&link).unwrap(), old);
}

/// A libpq key=value string is recognized, and its password never echoed.
#[test]
fn a_libpq_connection_string_is_explained_without_its_password() {
    let sandbox = Sandbox::new();
    let output = sandbox.run(&[
        "report",
        "--database-url",
        "host=db.example user=me password=hunter2 dbname=usage",
    ]);
    let message = assert_clean_failure(&output, &["key=value", "postgres://"]);
    assert!(!message.contains("hunter2"), "{message}");
    assert!(message.contains("USAGETOP_DATABASE_URL"), "{message}");
}

/// A price at Decimal's very limit: costs saturate, nothing panics.
#[test]
fn prices_past_decimals_range_saturate() {
    let sandbox = Sandbox::new();
    let db = url_of(&sandbox.demo_db("usage.db", 3, NOW));
    let config = sandbox.path("config.toml");
    std::fs::write(
        &config,
        "[pricing.models.\"gpt-4o-mini\"]\ninput = \"79228162514264337593543950335\"\noutput = \"79228162514264337593543950335\"\n",
    )
    .unwrap();
    for format in ["text", "json", "line"] {
        let output = sandbox.run(&[
            "report",
            "--database-url",
            &db,
            "--config",
            &config.display().to_string(),
            "--now",
            NOW,
            "--format",
            format,
        ]);
        assert!(
            output.status.success(),
            "{format}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}
