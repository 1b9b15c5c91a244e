//! The views of issue 15 driven in the real binary: drill-down into a
//! breakdown row and back, the hourly view of today and of a day in
//! history, the filter picker keeping choices across dimensions, Esc never
//! quitting, and q quitting cleanly.

use std::io::Write;
use std::thread;
use std::time::Duration;

use super::{make_demo_db, spawn_dashboard, wait_for_exit};

#[test]
fn drill_down_hours_and_the_picker_across_dimensions() {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["home", "data", "config"] {
        std::fs::create_dir_all(dir.path().join(sub)).unwrap();
    }
    let url = make_demo_db(dir.path());
    let (mut child, terminal, mut writer, _master) = spawn_dashboard(dir.path(), &url, &[]);
    let mut press = |key: &[u8]| {
        writer.write_all(key).unwrap();
        writer.flush().unwrap();
        // A lone ESC is read as the Esc key only after a pause.
        thread::sleep(Duration::from_millis(if key == b"\x1b" { 300 } else { 60 }));
    };
    terminal.wait_for("the dashboard", |screen| screen.contains("last 30 days"));

    // Drill-down: Enter on the top model filters everything to it.
    press(b"m");
    press(b"b");
    terminal.wait_for("the breakdown by model", |screen| {
        screen.contains("By model · this month") && screen.contains("claude-sonnet-4-5")
    });
    press(b"\r");
    let drilled = terminal.wait_for("the drill-down", |screen| {
        screen.contains("▸ model ") && screen.contains("By endpoint")
    });
    assert!(drilled.contains("(Esc: back)"), "{drilled}");
    press(b"\x1b");
    terminal.wait_for("back to the models", |screen| {
        !screen.contains("▸ model") && screen.contains("By model · this month")
    });
    press(b"\x1b");
    terminal.wait_for("the panel closed", |screen| {
        !screen.contains("By model") && screen.contains("last 12 months")
    });

    // Today hour by hour, then the day before (Left arrow).
    press(b"H");
    let hours = terminal.wait_for("the hours of today", |screen| {
        screen.contains("Hours · Wed 18 Nov 2026") && screen.contains("/h")
    });
    assert!(hours.contains("burn"), "{hours}");
    press(b"\x1b[D");
    terminal.wait_for("the hours of the day before", |screen| {
        screen.contains("Hours · Tue 17 Nov 2026") && screen.contains("in all")
    });
    press(b"\x1b");
    press(b"\x1b");
    terminal.wait_for("back to the present", |screen| {
        !screen.contains("Hours ·") && screen.contains("last 30 days")
    });
    press(b"\x1b");
    terminal.wait_for("a hint instead of quitting", |screen| {
        screen.contains("nothing to close; q quits")
    });

    // The picker: a model chosen, Tab Tab to users, one chosen, Enter applies both.
    press(b"f");
    terminal.wait_for("the picker of models", |screen| {
        screen.contains("Filter · model (1 of 6)") && screen.contains("[ ] gpt-4o-mini")
    });
    for key in [b"g", b"p", b"t"] {
        press(key);
    }
    press(b" ");
    terminal.wait_for("a model chosen", |screen| screen.contains("[x] gpt-"));
    press(b"\t");
    press(b"\t");
    terminal.wait_for("the users, the model kept", |screen| {
        screen.contains("Filter · user (3 of 6)")
            && screen.contains("also chosen: model 1")
            && screen.contains("[ ] alice")
    });
    press(b"\x1b[B");
    press(b" ");
    press(b"\r");
    let filtered = terminal.wait_for("both applied", |screen| {
        screen.contains("Filter: model gpt-") && screen.contains("· user ")
    });
    assert!(
        !filtered.contains("Filter · "),
        "the picker closed: {filtered}"
    );

    press(b"q");
    let status = wait_for_exit(&mut child);
    assert!(status.success(), "usagetop exited with {status:?}");
}
