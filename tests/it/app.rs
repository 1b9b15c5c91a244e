//! App state tests: keys map to actions through the keymap table, and
//! `App::update` changes state and asks for effects as documented.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use usagetop::action::Action;
use usagetop::analytics::trend::View;
use usagetop::analytics::{build_report, Aggregates, QueryPlan};
use usagetop::app::{App, Context, Effect, Message};
use usagetop::keymap::{action_for, footer_hints, BINDINGS};
use usagetop::period::{Calendar, WeekStart};
use usagetop::pricing::{PriceFile, PriceTable};
use usagetop::protocol::WorkerEvent;

fn app() -> App {
    App::new(View::Daily, Context::new("sqlite:///x.db", chrono_tz::UTC))
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
            "H hours",
            "e export",
            "r refresh",
            "i tokens",
            "p models",
            "c compare",
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
fn esc_closes_and_steps_back_but_never_quits() {
    let mut app = app();
    app.update(Message::Action(Action::ToggleHelp));
    assert!(app.show_help());
    app.update(Message::Action(Action::Back));
    assert!(!app.show_help());
    assert!(!app.should_quit);
    // In history, Esc comes back to the present.
    app.update(Message::Action(Action::Earlier));
    assert_eq!(
        app.update(Message::Action(Action::Back)),
        Some(Effect::Refresh)
    );
    assert_eq!(app.history, 0);
    // Nothing left to close: a hint, not an exit.
    app.update(Message::Action(Action::Back));
    assert!(!app.should_quit);
    assert_eq!(app.notice, Some(usagetop::app::Notice::NothingToClose));
    app.update(Message::Action(Action::Quit));
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
    let error = app.error.as_ref().unwrap();
    assert_eq!(error.message, "database is locked");
    assert_eq!(error.retry_in, std::time::Duration::from_secs(4));
    assert!(!app.loading);
    app.update(Message::Worker(WorkerEvent::Report(report())));
    assert_eq!(app.error, None);
}

#[test]
fn breakdown_and_picker_change_the_query() {
    use usagetop::action::PickerInput;
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
    assert!(unknown
        .unwrap_err()
        .to_string()
        .contains("no action \"launch\""));
    let duplicate = Keymap::with_overrides(&BTreeMap::from([(
        "quit".to_owned(),
        KeySpec::One("d".to_owned()),
    )]));
    let message = duplicate.unwrap_err().to_string();
    assert!(
        message.contains("d is bound to both daily and quit"),
        "{message}"
    );
    let bad = Keymap::with_overrides(&BTreeMap::from([(
        "quit".to_owned(),
        KeySpec::One("Hyper-q".to_owned()),
    )]));
    assert!(bad.unwrap_err().to_string().contains("is not a key"));
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

// ---------------------------------------------------------------------------
// Issue 15: keys that could not be bound, drill-down, the picker across
// dimensions, help and export targets, scrolling that stops at the last row.
// ---------------------------------------------------------------------------

use usagetop::action::PickerInput;
use usagetop::analytics::breakdown::{Breakdown, BreakdownRow, Breakdowns};
use usagetop::analytics::Totals;
use usagetop::app::{Choice, ExportTarget, HelpPage, Viewport};
use usagetop::filter::Dimension;

fn row(key: &str, cost: i64, before: i64) -> BreakdownRow {
    let totals = |cost: i64| Totals {
        cost: rust_decimal::Decimal::from(cost),
        ..Totals::default()
    };
    BreakdownRow {
        key: key.to_owned(),
        totals: totals(cost),
        previous: totals(before),
    }
}

fn breakdown(rows: Vec<BreakdownRow>) -> Breakdown {
    let total = rows.iter().map(|row| row.totals).sum();
    let previous_total = rows.iter().map(|row| row.previous).sum();
    Breakdown {
        rows,
        total,
        previous_total,
    }
}

/// A report whose breakdown (and the picker's range) by `dimension` holds `rows`.
fn with_breakdown(
    dimension: Dimension,
    rows: Vec<BreakdownRow>,
) -> Arc<usagetop::pipeline::Snapshot> {
    let mut snapshot = (*report()).clone();
    let each = breakdown(rows);
    snapshot.breakdown = Some(Breakdowns {
        dimension,
        daily: each.clone(),
        weekly: each.clone(),
        monthly: each.clone(),
        ranges: Some(Box::new([each.clone(), each.clone(), each])),
    });
    Arc::new(snapshot)
}

fn models() -> Vec<BreakdownRow> {
    vec![
        row("gpt-4o", 30, 10),
        row("claude-sonnet-4-5", 50, 49),
        row("gpt-4o*preview", 5, 0),
        row("!odd", 1, 2),
    ]
}

#[test]
fn arrows_vim_keys_slash_enter_backspace_and_function_keys() {
    use usagetop::keymap::{parse_key, Key};
    let cases = [
        (KeyCode::Left, Action::Earlier),
        (KeyCode::Right, Action::Later),
        (KeyCode::Char('h'), Action::Earlier),
        (KeyCode::Char('l'), Action::Later),
        (KeyCode::Char('H'), Action::ToggleHourly),
        (KeyCode::Char('/'), Action::OpenPicker),
        (KeyCode::F(1), Action::ToggleHelp),
        (KeyCode::Enter, Action::Select),
        (KeyCode::Backspace, Action::Back),
        (KeyCode::Esc, Action::Back),
        (KeyCode::Char('$'), Action::ShowPrices),
        (KeyCode::Char('S'), Action::ReverseSort),
    ];
    for (code, action) in cases {
        assert_eq!(action_for(&press(code)), Some(action), "{code:?}");
    }
    assert_eq!(parse_key("F1"), Ok(Key::F(1)));
    assert_eq!(parse_key("f12"), Ok(Key::F(12)));
    assert_eq!(parse_key("Enter"), Ok(Key::Enter));
    assert_eq!(parse_key("Left"), Ok(Key::Left));
    assert_eq!(parse_key("Space"), Ok(Key::Char(' ')));
    assert_eq!(parse_key("Shift-Tab"), Ok(Key::BackTab));
    assert!(parse_key("F25").is_err());
    let keymap = usagetop::keymap::Keymap::with_overrides(&std::collections::BTreeMap::from([(
        "help".to_owned(),
        usagetop::keymap::KeySpec::One("F2".to_owned()),
    )]))
    .unwrap();
    assert_eq!(
        keymap.action_for(&press(KeyCode::F(2))),
        Some(Action::ToggleHelp)
    );
    assert_eq!(keymap.action_for(&press(KeyCode::F(1))), None);
    assert_eq!(keymap.key(Action::ToggleHelp), "F2");
}

#[test]
fn drill_down_and_back() {
    let mut app = app();
    app.update(Message::Worker(WorkerEvent::Report(with_breakdown(
        Dimension::Model,
        models(),
    ))));
    assert_eq!(
        app.update(Message::Action(Action::Select)),
        None,
        "nothing to drill into without the panel"
    );
    app.update(Message::Action(Action::ToggleBreakdown));
    app.update(Message::Action(Action::ScrollDown));
    // Sorted by cost: claude first, gpt-4o second.
    assert_eq!(
        app.update(Message::Action(Action::Select)),
        Some(Effect::Refresh)
    );
    assert_eq!(app.filter.models, ["gpt-4o"]);
    assert_eq!(app.drill.len(), 1);
    assert_eq!(app.panel.as_ref().unwrap().dimension, Dimension::Endpoint);
    assert_eq!(
        app.query(1).report.breakdown,
        Some((Dimension::Endpoint, false))
    );
    // Backspace goes back: the filter and the panel as they were.
    assert_eq!(
        app.update(Message::Action(Action::Back)),
        Some(Effect::Refresh)
    );
    assert!(app.filter.is_empty());
    let panel = app.panel.as_ref().unwrap();
    assert_eq!((panel.dimension, panel.cursor), (Dimension::Model, 1));
    // Names with glob characters are matched exactly.
    app.update(Message::Action(Action::ScrollDown));
    app.update(Message::Action(Action::Select));
    assert_eq!(app.filter.models, ["gpt-4o?preview"]);
    assert!(app.filter.admits(Dimension::Model, "gpt-4o*preview"));
    // Clearing the filter forgets the steps.
    app.update(Message::Action(Action::ClearFilter));
    assert!(app.drill.is_empty());
}

#[test]
fn sort_by_change_and_reverse() {
    let snapshot = with_breakdown(Dimension::Model, models());
    let rows = snapshot.breakdown.as_ref().unwrap().daily.clone();
    let order = |sort, reverse| -> Vec<String> {
        usagetop::app::sorted(&rows, sort, reverse)
            .iter()
            .map(|row| row.key.clone())
            .collect()
    };
    use usagetop::app::SortKey;
    // New values first, then the largest growth.
    assert_eq!(
        order(SortKey::Change, false),
        ["gpt-4o*preview", "gpt-4o", "claude-sonnet-4-5", "!odd"]
    );
    assert_eq!(
        order(SortKey::Cost, true),
        ["!odd", "gpt-4o*preview", "gpt-4o", "claude-sonnet-4-5"]
    );
    let mut app = app();
    app.update(Message::Action(Action::ToggleBreakdown));
    for _ in 0..3 {
        app.update(Message::Action(Action::NextSort));
    }
    app.update(Message::Action(Action::ReverseSort));
    let panel = app.panel.as_ref().unwrap();
    assert_eq!((panel.sort, panel.reverse), (SortKey::Change, true));
}

#[test]
fn the_breakdown_scrolls_no_further_than_its_last_row() {
    let mut app = app();
    let many: Vec<BreakdownRow> = (0..25)
        .map(|i| row(&format!("m{i:02}"), 100 - i, 1))
        .collect();
    app.update(Message::Worker(WorkerEvent::Report(with_breakdown(
        Dimension::Model,
        many,
    ))));
    app.update(Message::Action(Action::ToggleBreakdown));
    app.update(Message::Viewport(Viewport {
        panel_rows: 10,
        ..Viewport::default()
    }));
    app.update(Message::Action(Action::PageDown));
    assert_eq!(app.panel.as_ref().unwrap().cursor, 10);
    assert_eq!(app.panel.as_ref().unwrap().scroll, 1);
    for _ in 0..10 {
        app.update(Message::Action(Action::PageDown));
    }
    let panel = app.panel.as_ref().unwrap();
    assert_eq!(
        (panel.cursor, panel.scroll),
        (24, 15),
        "the last page, not past it"
    );
    // A taller screen shows every row: nothing is scrolled.
    app.update(Message::Viewport(Viewport {
        panel_rows: 30,
        ..Viewport::default()
    }));
    assert_eq!(app.panel.as_ref().unwrap().scroll, 0);
}

#[test]
fn picker_choices_survive_tab_and_apply_together() {
    let mut app = app();
    app.filter.users = vec!["alice".to_owned()];
    app.update(Message::Worker(WorkerEvent::Report(with_breakdown(
        Dimension::Model,
        models(),
    ))));
    app.update(Message::Action(Action::OpenPicker));
    let pick = |app: &mut App, input| app.update(Message::Picker(input));
    // Shares of the whole range, whatever the search shows.
    for c in "gpt".chars() {
        pick(&mut app, PickerInput::Char(c));
    }
    let items = app.picker_items();
    assert_eq!(items.len(), 2);
    assert_eq!(
        items[0].share.round_dp(4),
        rust_decimal::Decimal::new(3488, 4)
    );
    // Space: shown only, then left out, then not chosen.
    pick(&mut app, PickerInput::Toggle);
    assert_eq!(app.picker_items()[0].choice, Some(Choice::Include));
    pick(&mut app, PickerInput::Down);
    pick(&mut app, PickerInput::Toggle);
    pick(&mut app, PickerInput::Toggle);
    assert_eq!(app.picker_items()[1].choice, Some(Choice::Exclude));
    // Tab to users and back: both dimensions keep their choices.
    assert_eq!(
        pick(&mut app, PickerInput::NextDimension),
        Some(Effect::Refresh)
    );
    assert_eq!(
        pick(&mut app, PickerInput::NextDimension),
        Some(Effect::Refresh)
    );
    let picker = app.picker.as_ref().unwrap();
    assert_eq!(picker.dimension, Dimension::User);
    assert_eq!(picker.chosen(Dimension::Model), 2);
    assert_eq!(picker.chosen(Dimension::User), 1, "the filter's user");
    assert_eq!(app.query(2).report.breakdown, Some((Dimension::User, true)));
    pick(&mut app, PickerInput::PreviousDimension);
    pick(&mut app, PickerInput::PreviousDimension);
    assert_eq!(app.picker.as_ref().unwrap().dimension, Dimension::Model);
    assert_eq!(pick(&mut app, PickerInput::Apply), Some(Effect::Refresh));
    assert_eq!(app.filter.models, ["gpt-4o", "!gpt-4o?preview"]);
    assert_eq!(app.filter.users, ["alice"]);
    // Esc drops what was chosen since it opened.
    app.update(Message::Action(Action::OpenPicker));
    pick(&mut app, PickerInput::Toggle);
    pick(&mut app, PickerInput::Close);
    assert_eq!(app.filter.models, ["gpt-4o", "!gpt-4o?preview"]);
    // A value starting with "!" is a value, not an exclusion.
    assert_eq!(usagetop::app::literal("!odd"), "?odd");
}

#[test]
fn help_scrolls_turns_pages_and_quits() {
    let mut app = app();
    app.update(Message::Viewport(Viewport {
        help_rows: 10,
        help_lines: 25,
        ..Viewport::default()
    }));
    app.update(Message::Action(Action::ToggleHelp));
    for _ in 0..40 {
        app.update(Message::Action(Action::ScrollDown));
    }
    assert_eq!(
        app.help.unwrap().scroll,
        15,
        "no further than the last line"
    );
    app.update(Message::Action(Action::PageUp));
    assert_eq!(app.help.unwrap().scroll, 5);
    app.update(Message::Action(Action::NextView));
    assert_eq!(app.help.unwrap().page, HelpPage::Prices);
    assert_eq!(app.view, View::Daily, "Tab turns help's page, not the view");
    app.update(Message::Action(Action::ShowPrices));
    assert!(app.help.is_none());
    app.update(Message::Action(Action::ShowPrices));
    assert_eq!(app.help.unwrap().page, HelpPage::Prices);
    app.update(Message::Action(Action::Quit));
    assert!(app.should_quit);
}

#[test]
fn views_toggles_and_what_e_exports() {
    let mut app = app();
    app.update(Message::Worker(WorkerEvent::Report(report())));
    app.update(Message::Action(Action::ShowView(View::Weekly)));
    assert_eq!(
        app.update(Message::Action(Action::Export)),
        Some(Effect::Export(ExportTarget::Series(View::Weekly)))
    );
    // The hours: the view becomes daily (history steps a day), the query asks for them.
    assert_eq!(
        app.update(Message::Action(Action::ToggleHourly)),
        Some(Effect::Refresh)
    );
    assert!(app.hourly && app.view == View::Daily);
    assert!(app.query(1).report.hourly);
    assert_eq!(
        app.update(Message::Action(Action::Export)),
        Some(Effect::Export(ExportTarget::Hours))
    );
    app.update(Message::Action(Action::ToggleBreakdown));
    assert!(matches!(
        app.update(Message::Action(Action::Export)),
        Some(Effect::Export(ExportTarget::Breakdown {
            dimension: Dimension::Model,
            ..
        }))
    ));
    // Esc closes, innermost first: the panel, the hours, the chart toggles.
    app.update(Message::Action(Action::ToggleTokens));
    app.update(Message::Action(Action::ToggleSplit));
    app.update(Message::Action(Action::Back));
    assert!(app.panel.is_none() && app.hourly);
    app.update(Message::Action(Action::Back));
    assert!(!app.hourly && app.tokens && app.split);
    app.update(Message::Action(Action::Back));
    assert!(!app.tokens && !app.split);
    assert!(!app.should_quit);
}

/// README and config/default.toml name every action `[keys]` accepts.
#[test]
fn every_action_is_documented() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let config =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config/default.toml"))
            .unwrap();
    for binding in BINDINGS {
        let name = usagetop::keymap::action_name(binding.action);
        assert!(
            readme.contains(&format!("`{name}`")),
            "README lacks `{name}`"
        );
        assert!(
            config.contains(&format!(" {name}")),
            "config/default.toml lacks {name}"
        );
    }
}

/// `E` asks for the report's files (after the first report), beside `e`;
/// an alert shows until the next key, whatever is open, and rings once.
#[test]
fn e_and_capital_e_export_and_alerts_show_until_a_key() {
    let mut app = app();
    assert_eq!(app.update(Message::Action(Action::ExportReport)), None);
    assert!(app.notice.is_some(), "nothing to export yet");
    app.update(Message::Worker(WorkerEvent::Report(report())));
    app.update(Message::Action(Action::ShowView(View::Monthly)));
    assert_eq!(
        app.update(Message::Action(Action::ExportReport)),
        Some(Effect::ExportReport(View::Monthly))
    );
    assert_eq!(
        app.update(Message::Action(Action::Export)),
        Some(Effect::Export(ExportTarget::Series(View::Monthly)))
    );
    assert_eq!(
        app.update(Message::Worker(WorkerEvent::Alert("spike".to_owned()))),
        Some(Effect::Bell)
    );
    // A key while help is open dismisses it too.
    app.update(Message::Action(Action::ToggleHelp));
    assert!(app.alert.is_none());
    app.update(Message::Action(Action::ToggleHelp));
    app.update(Message::Worker(WorkerEvent::Alert("spike".to_owned())));
    app.update(Message::Action(Action::OpenPicker));
    app.update(Message::Picker(PickerInput::Char('g')));
    assert!(app.alert.is_none());
}

/// The comparison and the breakdown compose: while one is chosen the panel
/// (opened, drilled into, or on the next dimension) ranks by change; Esc
/// turns it off (asking again when the worker had to fetch it) and the
/// panel goes back to cost.
#[test]
fn the_comparison_ranks_the_breakdown_and_esc_turns_it_off() {
    use usagetop::analytics::compare::Compare;
    use usagetop::app::SortKey;
    let mut app = app();
    app.update(Message::Worker(WorkerEvent::Report(with_breakdown(
        Dimension::Model,
        models(),
    ))));
    app.update(Message::Action(Action::ToggleCompare));
    app.update(Message::Action(Action::ToggleCompare));
    assert_eq!(app.compare, Some(Compare::Year));
    app.update(Message::Action(Action::ToggleBreakdown));
    assert_eq!(app.panel.as_ref().unwrap().sort, SortKey::Change);
    assert_eq!(app.query(1).report.compare, Compare::Year);
    app.update(Message::Action(Action::NextDimension));
    assert_eq!(app.panel.as_ref().unwrap().sort, SortKey::Change);
    // Round every dimension, back to the model.
    for _ in 1..Dimension::ALL.len() {
        app.update(Message::Action(Action::NextDimension));
    }
    assert_eq!(app.panel.as_ref().unwrap().dimension, Dimension::Model);
    // New values first, then the largest rise: the column's order.
    app.update(Message::Action(Action::Select));
    assert_eq!(app.filter.models, ["gpt-4o?preview"]);
    assert_eq!(app.panel.as_ref().unwrap().sort, SortKey::Change);
    // Esc: back out of the drill-down, close the panel, then the comparison.
    app.update(Message::Action(Action::Back));
    app.update(Message::Action(Action::Back));
    assert!(app.panel.is_none() && app.compare.is_some());
    assert_eq!(
        app.update(Message::Action(Action::Back)),
        Some(Effect::Refresh),
        "a year before was fetched: ask again without it"
    );
    assert_eq!(app.compare, None);
    assert_eq!(app.query(2).report.compare, Compare::Previous);
    app.update(Message::Action(Action::ToggleBreakdown));
    assert_eq!(app.panel.as_ref().unwrap().sort, SortKey::Cost);
}

/// The dimensions offered follow the source's columns as the report says
/// them: a table without project, session and source columns is not
/// offered them (`g` and the picker's Tab skip them); a report that does
/// not say (a headless snapshot) changes nothing.
#[test]
fn the_dimensions_offered_are_those_the_source_has() {
    let mut app = app();
    assert_eq!(app.context.dimensions, Dimension::ALL.to_vec());
    let mut snapshot = (*report()).clone();
    snapshot.dimensions = vec![Dimension::Model, Dimension::Endpoint, Dimension::User];
    app.update(Message::Worker(WorkerEvent::Report(Arc::new(snapshot))));
    assert_eq!(app.context.dimensions.len(), 3);
    app.update(Message::Action(Action::ToggleBreakdown));
    let mut seen = Vec::new();
    for _ in 0..4 {
        seen.push(app.panel.as_ref().unwrap().dimension);
        app.update(Message::Action(Action::NextDimension));
    }
    assert_eq!(
        seen,
        [
            Dimension::Model,
            Dimension::Endpoint,
            Dimension::User,
            Dimension::Model
        ]
    );
    app.update(Message::Action(Action::OpenPicker));
    for _ in 0..3 {
        app.update(Message::Picker(PickerInput::NextDimension));
    }
    assert_eq!(app.picker.as_ref().unwrap().dimension, Dimension::Endpoint);
    app.update(Message::Worker(WorkerEvent::Report(report())));
    assert_eq!(
        app.context.dimensions.len(),
        3,
        "{:?}",
        app.context.dimensions
    );
}
