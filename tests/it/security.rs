//! What usagetop's own code may not do, checked over every source file:
//! run a program or shell, or open a socket itself (the database drivers
//! open the only connections, to the URL given). A new use of any of these
//! must be argued here, by name.
//!
//! The one exception: `src/alerts/deliver.rs` runs the alert commands the
//! config names (no shell: the program and its arguments as written) and
//! posts to the configured webhooks through reqwest. It may start a
//! program; it still opens no socket by hand.
#![allow(clippy::unwrap_used, clippy::expect_used)]

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
fn no_program_is_run_and_no_socket_opened_by_our_code() {
    let files = sources();
    assert!(files.len() > 20, "the sources were found");
    let forbidden = [
        "process::Command",
        "Command::new",
        "process::exec",
        "TcpStream",
        "TcpListener",
        "UdpSocket",
        "std::net",
        "tokio::net",
        "libc::system",
    ];
    // Starting a program is allowed in the alert delivery module only.
    let allowed = |path: &Path, needle: &str| {
        path.ends_with("src/alerts/deliver.rs")
            && matches!(needle, "process::Command" | "Command::new")
    };
    let found: Vec<String> = files
        .iter()
        .flat_map(|(path, text)| {
            forbidden
                .iter()
                .filter(|needle| text.contains(*needle) && !allowed(path, needle))
                .map(move |needle| format!("{}: {needle}", path.display()))
        })
        .collect();
    assert!(found.is_empty(), "{}", found.join("\n"));
    // The HTTP client is used in that module alone.
    let http: Vec<String> = files
        .iter()
        .filter(|(path, text)| {
            text.contains("reqwest::")
                && !path.ends_with("src/alerts/deliver.rs")
                && !path.ends_with("src/alerts/dispatch.rs")
        })
        .map(|(path, _)| path.display().to_string())
        .collect();
    assert!(
        http.is_empty(),
        "reqwest outside the alert delivery: {}",
        http.join(", ")
    );
}
