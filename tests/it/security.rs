//! What usagetop's own code may not do: run a program or shell, or open a
//! socket itself (the database drivers open the only connections, to the URL
//! given). Clippy enforces it (`disallowed-types` and `disallowed-methods` in
//! clippy.toml, in CI's `cargo clippy --all-targets -- -D warnings`), which
//! sees through renames such as `use std::process::{Command as C}`. What
//! clippy cannot say is where the rule may be lifted: that is checked here,
//! so a new exception must be argued here, by name.
//!
//! The one exception: `src/alerts/deliver.rs` runs the alert commands the
//! config names (no shell: the program and its arguments as written) and
//! posts to the configured webhooks through reqwest, whose client
//! `src/alerts/dispatch.rs` keeps. Neither opens a socket by hand. The
//! ClickHouse store (`src/store/clickhouse/http.rs`) is the driver of that
//! engine: its reqwest client talks to the server the URL names, nothing
//! else. The usage-report fetch (`src/import/fetch.rs`, `usagetop import
//! openai-usage --fetch`) holds a reqwest client for the provider's API (or
//! the base URL given) to pull the report's pages with the admin key from
//! the environment. (The clock lifts `disallowed-methods` for its one
//! reading of the system time.)

use std::path::{Path, PathBuf};

/// Paths and the text of every Rust file under `src/`.
fn sources() -> Vec<(PathBuf, String)> {
    fn walk(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                out.push((path, text));
            }
        }
    }
    let mut out = Vec::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut out);
    out
}

#[test]
fn the_rule_against_programs_and_sockets_is_lifted_only_for_alerts_and_clickhouse() {
    let files = sources();
    assert!(files.len() > 20, "the sources were found");
    // Where each lint may be lifted: the alert delivery (programs, HTTP) and
    // the clock (its one reading of the system time, `disallowed-methods`).
    let allowed = |path: &Path, lint: &str| match lint {
        "disallowed_types" => {
            path.ends_with("src/alerts/deliver.rs")
                || path.ends_with("src/alerts/dispatch.rs")
                || path.ends_with("src/store/clickhouse/http.rs")
                || path.ends_with("src/import/fetch.rs")
        }
        _ => path.ends_with("src/clock.rs"),
    };
    let lifted: Vec<String> = files
        .iter()
        .flat_map(|(path, text)| {
            ["disallowed_types", "disallowed_methods"]
                .into_iter()
                .filter(|lint| text.contains(lint) && !allowed(path, lint))
                .map(move |lint| format!("{}: {lint}", path.display()))
        })
        .collect();
    assert!(
        lifted.is_empty(),
        "clippy's disallowed-types or disallowed-methods lifted where it may not be: {}",
        lifted.join(", ")
    );
    // The rule itself is in force: clippy.toml names what is forbidden.
    let config =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("clippy.toml")).unwrap();
    for path in [
        "std::process::Command",
        "tokio::process::Command",
        "std::net::TcpStream",
        "std::net::TcpListener",
        "std::net::UdpSocket",
        "tokio::net::TcpStream",
        "std::os::unix::process::CommandExt::exec",
        "reqwest::Client",
    ] {
        assert!(
            config.contains(&format!("path = \"{path}\"")),
            "clippy.toml no longer forbids {path}"
        );
    }
}
