//! App state tests: keys map to actions through the keymap table, and
//! `App::update` changes state and asks for effects as documented.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use usagetop::analytics::trend::View;
use usagetop::analytics::{build_report, Aggregates, QueryPlan};
use usagetop::app::{Action, App, Context, Effect, Message};
use usagetop::keymap::{action_for, footer_hints, BINDINGS};
use usagetop::period::{Calendar, WeekStart};
use usagetop::pricing::{PriceFile, PriceTable};
use usagetop::protocol::WorkerEvent;

fn app() -> App {
    App::new(
        View::Daily,
        Context {
            database: "sqlite:///x.db".to_owned(),
            tz: chrono_tz::UTC,
            pinned_clock: false,
            keymap: usagetop::keymap::Keymap::default(),
        },
    )
}

fn press(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn report() -> Arc<usagetop::pipeline::Snapshot> {
    let calendar = Calendar::new(chrono_tz::UTC, WeekStart::Monday);
    let now = chrono::DateTime::from_timestamp(1_790_000_000, 0).unwrap();
    let plan = QueryPlan::new(now, &calendar);
    let prices = PriceTable::with_overrides(&PriceFile::default(), "pricing").unwrap();
    Arc::new(build_report(&plan, &calendar, &Aggregates::default(), &prices).into())
}

#[test]
fn keys_map_to_actions() {
    assert_eq!(
        action_for(&press(KeyCode::Char('w'))),
        Some(Action::ShowView(View::Weekly))
    );
    assert_eq!(
        action_for(&press(KeyCode::Char('M'))),
        Some(Action::ShowView(View::Monthly))
    );
    assert_eq!(
        action_for(&press(KeyCode::Char('d'))),
        Some(Action::ShowView(View::Daily))
    );
    assert_eq!(action_for(&press(KeyCode::Tab)), Some(Action::NextView));
    assert_eq!(
        action_for(&press(KeyCode::Char('r'))),
        Some(Action::Refresh)
    );
    assert_eq!(
        action_for(&press(KeyCode::Char('?'))),
        Some(Action::ToggleHelp)
    );
    assert_eq!(action_for(&press(KeyCode::Esc)), Some(Action::Back));
    assert_eq!(action_for(&press(KeyCode::Char('q'))), Some(Action::Quit));
    assert_eq!(
        action_for(&KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
        Some(Action::Quit)
    );
    // Plain c compares; Ctrl-d, unbound keys and releases do nothing.
    assert_eq!(
        action_for(&press(KeyCode::Char('c'))),
        Some(Action::ToggleCompare)
    );
    assert_eq!(action_for(&press(KeyCode::Char('z'))), None);
    assert_eq!(
        action_for(&KeyEvent::new(KeyCode::Char('d'), KeyModifiers::CONTROL)),
        None
    );
    let mut release = press(KeyCode::Char('q'));
    release.kind = KeyEventKind::Release;
    assert_eq!(action_for(&release), None);
}

#[test]
fn every_binding_is_reachable_and_hinted_from_the_table() {
    for binding in BINDINGS {
        assert!(!binding.keys.is_empty(), "{binding:?}");
        assert!(!binding.description.is_empty());
    }
    let hints: Vec<String> = footer_hints()
        .into_iter()
        .map(|(key, hint)| format!("{key} {hint}"))
        .collect();
    assert_eq!(
        hints,
        [
            "d/w/m view",
            "b breakdown",
            "f filter",
            "e export",
            "r refresh",
            "? help",
            "q quit"
        ]
    );
}

#[test]
fn views_switch_and_cycle_without_effects() {
    let mut app = app();
    assert_eq!(
        app.update(Message::Action(Action::ShowView(View::Monthly))),
        None
    );
    assert_eq!(app.view, View::Monthly);
    app.update(Message::Action(Action::NextView));
    assert_eq!(app.view, View::Daily);
    app.update(Message::Action(Action::NextView));
    assert_eq!(app.view, View::Weekly);
}

#[test]
fn refresh_asks_the_worker() {
    let mut app = app();
    app.update(Message::Worker(WorkerEvent::Report(report())));
    assert!(!app.loading);
    assert_eq!(
        app.update(Message::Action(Action::Refresh)),
        Some(Effect::Refresh)
    );
    assert!(app.loading);
}

#[test]
fn history_steps_back_and_returns() {
    let mut app = app();
    app.update(Message::Action(Action::ShowView(View::Monthly)));
    assert_eq!(
        app.update(Message::Action(Action::Later)),
        None,
        "nothing after the present"
    );
    assert_eq!(
        app.update(Message::Action(Action::Earlier)),
        Some(Effect::Refresh)
    );
    assert_eq!(
        app.update(Message::Action(Action::Earlier)),
        Some(Effect::Refresh)
    );
    assert_eq!(app.query(7).report.history, Some((View::Monthly, 2)));
    // In history a view switch needs a new report; in the present it does not.
    assert_eq!(
        app.update(Message::Action(Action::ShowView(View::Weekly))),
        Some(Effect::Refresh)
    );
    assert_eq!(app.query(8).report.history, Some((View::Weekly, 2)));
    assert_eq!(
        app.update(Message::Action(Action::Later)),
        Some(Effect::Refresh)
    );
    assert_eq!(
        app.update(Message::Action(Action::Present)),
        Some(Effect::Refresh)
    );
    assert_eq!(app.query(9).report.history, None);
    assert_eq!(
        app.update(Message::Action(Action::ShowView(View::Daily))),
        None
    );
    use usagetop::analytics::compare::Compare;
    assert_eq!(app.compare, None);
    // c cycles: previous (in every report), a year before and the baseline
    // (asked of the worker), then off again (asked again, without them).
    assert_eq!(app.update(Message::Action(Action::ToggleCompare)), None);
    assert_eq!(app.compare, Some(Compare::Previous));
    assert_eq!(app.query(10).report.compare, Compare::Previous);
    assert_eq!(
        app.update(Message::Action(Action::ToggleCompare)),
        Some(Effect::Refresh)
    );
    assert_eq!(app.compare, Some(Compare::Year));
    assert_eq!(app.query(11).report.compare, Compare::Year);
    assert_eq!(
        app.update(Message::Action(Action::ToggleCompare)),
        Some(Effect::Refresh)
    );
    assert_eq!(app.compare, Some(Compare::Baseline(3)));
    assert_eq!(
        app.update(Message::Action(Action::ToggleCompare)),
        Some(Effect::Refresh)
    );
    assert_eq!(app.compare, None);
    assert_eq!(app.query(12).report.compare, Compare::Previous);
}

#[test]
fn esc_closes_help_before_quitting() {
    let mut app = app();
    app.update(Message::Action(Action::ToggleHelp));
    assert!(app.show_help);
    app.update(Message::Action(Action::Back));
    assert!(!app.show_help);
    assert!(!app.should_quit);
    app.update(Message::Action(Action::Back));
    assert!(app.should_quit);
}

#[test]
fn errors_keep_the_last_report_until_a_success() {
    let mut app = app();
    let first = report();
    app.update(Message::Worker(WorkerEvent::Report(Arc::clone(&first))));
    app.update(Message::Worker(WorkerEvent::Loading));
    app.update(Message::Worker(WorkerEvent::Failed {
        message: "database is locked".to_owned(),
        retry_in: std::time::Duration::from_secs(4),
    }));
    assert!(Arc::ptr_eq(app.report.as_ref().unwrap(), &first));
    assert_eq!(
        app.error.as_deref(),
        Some("database is locked (retrying in 4 s)")
    );
    assert!(!app.loading);
    app.update(Message::Worker(WorkerEvent::Report(report())));
    assert_eq!(app.error, None);
}

#[test]
fn breakdown_and_picker_change_the_query() {
    use usagetop::app::PickerInput;
    use usagetop::filter::Dimension;
    let mut app = app();
    assert_eq!(app.query(1).report.breakdown, None);
    assert_eq!(
        app.update(Message::Action(Action::ToggleBreakdown)),
        Some(Effect::Refresh)
    );
    assert_eq!(
        app.query(2).report.breakdown,
        Some((Dimension::Model, false))
    );
    assert_eq!(
        app.update(Message::Action(Action::NextDimension)),
        Some(Effect::Refresh)
    );
    assert_eq!(
        app.query(3).report.breakdown,
        Some((Dimension::Endpoint, false))
    );
    assert_eq!(app.update(Message::Action(Action::NextSort)), None);
    assert_eq!(app.panel.as_ref().unwrap().sort.name(), "tokens");
    // The picker asks for every value of its dimension (its own patterns left out).
    assert_eq!(
        app.update(Message::Action(Action::OpenPicker)),
        Some(Effect::Refresh)
    );
    assert_eq!(
        app.query(4).report.breakdown,
        Some((Dimension::Endpoint, true))
    );
    assert_eq!(
        app.update(Message::Picker(PickerInput::NextDimension)),
        Some(Effect::Refresh)
    );
    assert_eq!(app.query(5).report.breakdown, Some((Dimension::User, true)));
    // Without data nothing can be toggled; Apply with no selection clears the dimension.
    app.update(Message::Picker(PickerInput::Toggle));
    assert_eq!(
        app.update(Message::Picker(PickerInput::Apply)),
        Some(Effect::Refresh)
    );
    assert!(app.picker.is_none());
    assert!(app.filter.is_empty());
    app.filter.users = vec!["alice".to_owned()];
    assert_eq!(
        app.update(Message::Action(Action::ClearFilter)),
        Some(Effect::Refresh)
    );
    assert!(app.filter.is_empty());
    assert_eq!(
        app.update(Message::Action(Action::ClearFilter)),
        None,
        "nothing to clear"
    );
    // Esc closes the panel before quitting.
    app.update(Message::Action(Action::Back));
    assert!(app.panel.is_none());
    assert!(!app.should_quit);
}

#[test]
fn keys_can_be_rebound_in_the_config() {
    use std::collections::BTreeMap;
    use usagetop::keymap::{KeySpec, Keymap};
    let mut overrides = BTreeMap::new();
    overrides.insert(
        "quit".to_owned(),
        KeySpec::Many(vec!["x".to_owned(), "Ctrl-c".to_owned()]),
    );
    overrides.insert("breakdown".to_owned(), KeySpec::One("B".to_owned()));
    let keymap = Keymap::with_overrides(&overrides).unwrap();
    assert_eq!(
        keymap.action_for(&press(KeyCode::Char('x'))),
        Some(Action::Quit)
    );
    assert_eq!(
        keymap.action_for(&press(KeyCode::Char('q'))),
        None,
        "q is no longer bound"
    );
    assert_eq!(
        keymap.action_for(&press(KeyCode::Char('B'))),
        Some(Action::ToggleBreakdown)
    );
    let hints: Vec<String> = keymap
        .footer_hints()
        .into_iter()
        .map(|(key, hint)| format!("{key} {hint}"))
        .collect();
    assert!(
        hints.contains(&"x quit".to_owned()) && hints.contains(&"B breakdown".to_owned()),
        "{hints:?}"
    );
    assert!(keymap
        .bindings()
        .iter()
        .any(|binding| binding.label() == "x Ctrl-C"));

    let unknown = Keymap::with_overrides(&BTreeMap::from([(
        "launch".to_owned(),
        KeySpec::One("l".to_owned()),
    )]));
    assert!(unknown.unwrap_err().contains("no action \"launch\""));
    let duplicate = Keymap::with_overrides(&BTreeMap::from([(
        "quit".to_owned(),
        KeySpec::One("d".to_owned()),
    )]));
    let message = duplicate.unwrap_err();
    assert!(
        message.contains("d is bound to both daily and quit"),
        "{message}"
    );
    let bad = Keymap::with_overrides(&BTreeMap::from([(
        "quit".to_owned(),
        KeySpec::One("Hyper-q".to_owned()),
    )]));
    assert!(bad.unwrap_err().contains("is not a key"));
}

#[test]
fn answers_to_superseded_queries_are_dropped() {
    let mut app = app();
    let mut old = (*report()).clone();
    old.sequence = 3;
    app.sequence = 5;
    app.update(Message::Worker(WorkerEvent::Report(Arc::new(old.clone()))));
    assert!(
        app.report.is_none(),
        "an answer to query 3 after query 5 was asked"
    );
    old.sequence = 5;
    app.update(Message::Worker(WorkerEvent::Report(Arc::new(old))));
    assert_eq!(app.report.as_ref().unwrap().sequence, 5);
}

/// A source that keeps failing (a restarted or unreachable server) is
/// retried after 1, 2, 4 ... seconds, never more often, up to the refresh
/// interval: in ten minutes of failures at most a few dozen attempts.
#[test]
fn failures_are_retried_with_backoff_not_in_a_storm() {
    use std::time::Duration;
    use usagetop::worker::backoff;
    let every = Duration::from_secs(30);
    let delays: Vec<u64> = (1..=8).map(|n| backoff(n, every).as_secs()).collect();
    assert_eq!(delays, [1, 2, 4, 8, 16, 30, 30, 30]);
    let hourly = Duration::from_secs(3_600);
    assert_eq!(backoff(7, hourly), Duration::from_secs(60));
    assert_eq!(backoff(u32::MAX, hourly), Duration::from_secs(60));
    let (mut elapsed, mut attempts) = (0_u64, 0_u32);
    while elapsed < 600 {
        attempts += 1;
        elapsed += backoff(attempts, every).as_secs();
    }
    assert!(attempts <= 25, "{attempts} attempts in ten minutes");
}
