//! `usagetop cache status|rebuild`, `--no-cache` and the cache settings, run
//! as the binary in a sandbox (fresh HOME and XDG directories): the cache
//! file lands in the cache directory with mode 0600, cached and uncached
//! reports agree, and bad settings are explained.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::sandbox::Sandbox;

const NOW: &str = "2026-11-28T12:00:00Z";

fn demo(sandbox: &Sandbox) {
    let db = sandbox.db();
    sandbox.ok(&["demo", "--database-url", &db, "--days", "40", "--now", NOW]);
}

fn report(sandbox: &Sandbox, extra: &[&str]) -> String {
    let db = sandbox.db();
    let mut args = vec![
        "report",
        "--format",
        "json",
        "--database-url",
        &db,
        "--now",
        NOW,
        "--tz",
        "Asia/Kolkata",
    ];
    args.extend_from_slice(extra);
    sandbox.ok(&args)
}

fn cache_files(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|entry| entry.unwrap().path())
                .filter(|path| path.extension().is_some_and(|ext| ext == "sqlite"))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn report_builds_the_cache_and_agrees_with_the_source() {
    let sandbox = Sandbox::new();
    demo(&sandbox);
    let direct = report(&sandbox, &["--no-cache"]);
    assert!(
        cache_files(&sandbox.cache_dir()).is_empty(),
        "--no-cache must not create a cache"
    );
    let cold = report(&sandbox, &[]);
    let warm = report(&sandbox, &[]);
    assert_eq!(cold, direct);
    assert_eq!(warm, direct);
    let files = cache_files(&sandbox.cache_dir());
    assert_eq!(files.len(), 1, "one cache file per source: {files:?}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&files[0]).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the cache file is the owner's alone");
        let dir_mode = std::fs::metadata(sandbox.cache_dir())
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(dir_mode, 0o700);
    }
}

#[test]
fn cache_status_and_rebuild_say_what_the_cache_holds() {
    let sandbox = Sandbox::new();
    demo(&sandbox);
    let db = sandbox.db();
    let empty = sandbox.ok(&["cache", "status", "--database-url", &db]);
    assert!(empty.contains("state         empty"), "{empty}");
    let rebuilt = sandbox.ok(&["cache", "rebuild", "--database-url", &db]);
    assert!(
        rebuilt.starts_with("rebuilt the cache of sqlite://"),
        "{rebuilt}"
    );
    report(&sandbox, &[]);
    let status = sandbox.ok(&["cache", "status", "--database-url", &db]);
    assert!(status.contains("state         ready"), "{status}");
    assert!(status.contains("local days    Asia/Kolkata"), "{status}");
    let rows: i64 = status
        .lines()
        .find_map(|line| line.strip_prefix("rows"))
        .map(|rest| rest.trim().replace(',', "").parse().unwrap())
        .expect("a rows line");
    let json: serde_json::Value = serde_json::from_str(&report(&sandbox, &[])).unwrap();
    let all_time = json["summary"]["all_time"]["requests"].as_i64().unwrap();
    assert_eq!(rows, all_time, "every demo row is one request");
}

#[test]
fn cache_settings_are_checked() {
    let sandbox = Sandbox::new();
    demo(&sandbox);
    let db = sandbox.db();
    let output = sandbox.run(&[
        "report",
        "--database-url",
        &db,
        "--cache-late-seconds",
        "99999999",
    ]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--cache-late-seconds"), "{stderr}");
    assert!(stderr.contains("out of range"), "{stderr}");
    let output = sandbox.run(&["cache", "status", "--database-url", &db, "--no-cache"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("turned off"));
}

#[test]
fn an_unwritable_cache_directory_falls_back_to_the_source() {
    let sandbox = Sandbox::new();
    demo(&sandbox);
    let direct = report(&sandbox, &["--no-cache"]);
    // The cache folder's parent is a regular file: nothing can be created there.
    let blocked = sandbox.dir.path().join("blocked");
    std::fs::write(&blocked, "not a folder").unwrap();
    let config = sandbox.dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "cache_dir = {:?}\n",
            blocked.join("cache").display().to_string()
        ),
    )
    .unwrap();
    let cached = report(&sandbox, &["--config", config.to_str().unwrap()]);
    let direct: serde_json::Value = serde_json::from_str(&direct).unwrap();
    let cached: serde_json::Value = serde_json::from_str(&cached).unwrap();
    assert_eq!(cached["summary"], direct["summary"]);
    assert_eq!(cached["trends"], direct["trends"]);
    let notes = cached["notes"].to_string();
    assert!(notes.contains("the cache is not used"), "{notes}");
}

/// A full disk, made with a file-size limit (`ulimit -f`, SIGXFSZ ignored so
/// a write past it fails as on a full disk): the cache cannot be written,
/// the source answers the same numbers, and the notes say so.
#[test]
fn a_full_disk_under_the_cache_falls_back_to_the_source() {
    let sandbox = Sandbox::new();
    demo(&sandbox);
    let direct: serde_json::Value =
        serde_json::from_str(&report(&sandbox, &["--no-cache"])).unwrap();
    let db = sandbox.db();
    // Only the test uses a shell: to set the limit on the child.
    let script = format!(
        "trap '' XFSZ; ulimit -f 16; exec \"$0\" report --format json --database-url '{db}' \
         --now {NOW} --tz Asia/Kolkata"
    );
    let output = Command::new("/bin/sh")
        .args(["-c", &script, env!("CARGO_BIN_EXE_usagetop")])
        .env("HOME", sandbox.dir.path().join("home"))
        .env("XDG_DATA_HOME", sandbox.dir.path().join("data"))
        .env("XDG_CONFIG_HOME", sandbox.dir.path().join("config"))
        .env("XDG_CACHE_HOME", sandbox.dir.path().join("cache"))
        .env_remove("USAGETOP_DATABASE_URL")
        .env_remove("USAGETOP_CONFIG")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "the report failed with the disk full: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let cached: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(cached["summary"], direct["summary"]);
    assert_eq!(cached["trends"], direct["trends"]);
    let notes = cached["notes"].to_string();
    assert!(
        notes.contains("the cache is not used") && notes.contains("is the disk full"),
        "{notes}"
    );
}
