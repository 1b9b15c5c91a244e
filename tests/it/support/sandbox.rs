//! Running the `usagetop` binary in a sandbox: a fresh HOME and XDG
//! directories for every test, no `USAGETOP_*` variables, so nothing touches
//! the real user's files or settings; and the check that a failure is one
//! clean paragraph.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;

/// Fresh HOME, data, config, cache and work directories.
pub struct Sandbox {
    /// The root of the directories.
    pub dir: TempDir,
}

impl Sandbox {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["home", "data", "config", "cache", "work"] {
            std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        }
        Self { dir }
    }

    /// A path in the work directory (the binary's current directory).
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join("work").join(name)
    }

    /// The folder of usagetop's cache files.
    pub fn cache_dir(&self) -> PathBuf {
        self.dir.path().join("cache").join("usagetop")
    }

    /// The URL of `usage.db` in the work directory.
    pub fn db(&self) -> String {
        url_of(&self.path("usage.db"))
    }

    /// The binary, with the sandbox's environment.
    pub fn command(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_usagetop"));
        command
            .env("HOME", self.dir.path().join("home"))
            .env("XDG_DATA_HOME", self.dir.path().join("data"))
            .env("XDG_CONFIG_HOME", self.dir.path().join("config"))
            .env("XDG_CACHE_HOME", self.dir.path().join("cache"))
            .env_remove("USAGETOP_DATABASE_URL")
            .env_remove("USAGETOP_CONFIG")
            .env_remove("USAGETOP_TZ")
            .env_remove("USAGETOP_PRESET")
            .env_remove("USAGETOP_TABLE")
            .env_remove("RUST_BACKTRACE")
            .env_remove("RUST_LIB_BACKTRACE")
            .current_dir(self.dir.path().join("work"));
        command
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command().args(args).output().unwrap()
    }

    /// Runs and insists on success; returns standard output.
    pub fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(
            output.status.success(),
            "usagetop {args:?} failed with {:?}\nstdout: {}\nstderr: {}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }

    /// A usagetop-created database `name` with `days` of demo data ending at `now` (UTC).
    pub fn demo_db(&self, name: &str, days: u32, now: &str) -> PathBuf {
        let path = self.path(name);
        self.ok(&[
            "demo",
            "--database-url",
            &url_of(&path),
            "--days",
            &days.to_string(),
            "--now",
            now,
            "--tz",
            "UTC",
        ]);
        path
    }
}

pub fn url_of(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

/// Asserts a failed run with a one-paragraph, panic-free message on stderr
/// that contains every one of `needles`; returns the message.
pub fn assert_clean_failure(output: &Output, needles: &[&str]) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        !output.status.success(),
        "expected a failure, got {:?}\nstdout: {}\nstderr: {stderr}",
        output.status,
        String::from_utf8_lossy(&output.stdout)
    );
    assert!(
        output.stdout.is_empty(),
        "a failure printed to stdout: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    let message = stderr.trim();
    assert!(!message.is_empty(), "no message on stderr");
    assert!(
        message.starts_with("usagetop: "),
        "message does not start with `usagetop: `: {message}"
    );
    assert!(
        !message.contains('\n'),
        "message is more than one line: {message}"
    );
    for forbidden in [
        "panicked",
        "RUST_BACKTRACE",
        "Location:",
        "Backtrace",
        "\x1b",
    ] {
        assert!(
            !message.contains(forbidden),
            "message contains {forbidden:?}: {message}"
        );
    }
    for needle in needles {
        assert!(
            message.contains(needle),
            "message does not mention {needle:?}: {message}"
        );
    }
    message.to_owned()
}
