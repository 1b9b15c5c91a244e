//! Snapshots of the views power users reach for and of the defects fixed on
//! the way (issue 15): drill-down, the hourly view, tokens in detail, the
//! per-model cost chart, budgets by severity, staleness and an empty range,
//! a finished month in history, the picker across dimensions, help pages,
//! an unreachable database. Each at 80x24, 120x40 and 60x18.

use std::sync::Arc;

use usagetop::action::{Action, PickerInput};
use usagetop::analytics::trend::View;
use usagetop::app::{App, Message};
use usagetop::budget::Budgets;
use usagetop::filter::Dimension;
use usagetop::pipeline::ReportRequest;
use usagetop::protocol::WorkerEvent;

use super::fixtures::{self, budgets, Data};
use super::{context, draw, snapshot_all, with_report};

fn press(app: &mut App, actions: &[Action]) {
    for action in actions {
        app.update(Message::Action(*action));
    }
}

/// The app after `actions`, answered with the snapshot its query asks for
/// over `data` (so that panels and pickers have their rows).
fn answered(data: Data, budgets: &Budgets, actions: &[Action]) -> App {
    let mut app = with_report(fixtures::snapshot(
        data,
        &ReportRequest::default(),
        budgets.clone(),
    ));
    press(&mut app, actions);
    answer(&mut app, data, budgets);
    app
}

fn answer(app: &mut App, data: Data, budgets: &Budgets) {
    let request = app.query(app.sequence).report;
    let snapshot = fixtures::snapshot(data, &request, budgets.clone());
    app.update(Message::Worker(WorkerEvent::Report(snapshot)));
}

#[test]
fn unreachable_database_says_what_when_and_which_key() {
    let mut app = App::new(View::Daily, context());
    app.update(Message::Worker(WorkerEvent::Failed {
        message: "cannot open the database postgres://me@db.internal:5432/usage: connection refused (is the server running?)".to_owned(),
        retry_in: std::time::Duration::from_secs(4),
    }));
    snapshot_all("unreachable", &app);
    let screen = draw(&app, 80, 24);
    assert!(screen.contains("connection"), "{screen}");
    assert!(screen.contains("again by itself in 4 s"), "{screen}");
    assert!(screen.contains("press r to try now"), "{screen}");
    assert!(!screen.contains("Loading usage"), "{screen}");
}

#[test]
fn breakdown_sorted_by_change_and_reversed() {
    let mut app = answered(
        Data::Fresh,
        &Budgets::default(),
        &[Action::ShowView(View::Monthly), Action::ToggleBreakdown],
    );
    press(
        &mut app,
        &[
            Action::NextSort,
            Action::NextSort,
            Action::NextSort,
            Action::ReverseSort,
            Action::ScrollDown,
        ],
    );
    snapshot_all("breakdown_by_change_reversed", &app);
    let screen = draw(&app, 120, 40);
    assert!(screen.contains("change ↑"), "{screen}");
}

/// Imported usage broken down by project (`b`, then `g` past endpoint and
/// user), and Enter on a project filters everything to it.
#[test]
fn breakdown_by_project() {
    let budgets = Budgets::default();
    let mut app = answered(
        Data::Projects,
        &budgets,
        &[
            Action::ShowView(View::Monthly),
            Action::ToggleBreakdown,
            Action::NextDimension,
            Action::NextDimension,
            Action::NextDimension,
        ],
    );
    assert_eq!(app.panel.as_ref().unwrap().dimension, Dimension::Project);
    snapshot_all("breakdown_by_project", &app);
    let screen = draw(&app, 120, 40);
    assert!(screen.contains("By project"), "{screen}");
    assert!(screen.contains("-Users-dev-code-billing"), "{screen}");
    assert!(screen.contains("(none)"), "{screen}");
    let rows = app.panel_breakdown().unwrap().rows.clone();
    assert_eq!(rows.len(), 4, "{rows:?}");
    let top = usagetop::app::sorted(app.panel_breakdown().unwrap(), Default::default(), false)[0]
        .key
        .clone();
    assert_eq!(top, "-Users-dev-code-acme-api", "two fifths of the events");
    press(&mut app, &[Action::Select]);
    answer(&mut app, Data::Projects, &budgets);
    assert_eq!(app.filter.projects, vec![top.clone()]);
    assert_eq!(app.panel.as_ref().unwrap().dimension, Dimension::Model);
    let screen = draw(&app, 120, 40);
    assert!(screen.contains(&format!("▸ project {top}")), "{screen}");
    // g cycles through every dimension: to the source, then back to the model.
    press(&mut app, &[Action::NextDimension; 5]);
    assert_eq!(app.panel.as_ref().unwrap().dimension, Dimension::Source);
    answer(&mut app, Data::Projects, &budgets);
    assert!(draw(&app, 120, 40).contains("claude-code"));
    press(&mut app, &[Action::NextDimension]);
    assert_eq!(app.panel.as_ref().unwrap().dimension, Dimension::Model);
}

#[test]
fn breakdown_never_scrolls_past_its_last_row() {
    let mut app = answered(
        Data::Fresh,
        &Budgets::default(),
        &[Action::ShowView(View::Monthly), Action::ToggleBreakdown],
    );
    app.update(Message::Viewport(usagetop::ui::viewport(
        ratatui::layout::Rect::new(0, 0, 120, 40),
        &app,
        &usagetop::keymap::Keymap::default(),
    )));
    for _ in 0..20 {
        app.update(Message::Action(Action::PageDown));
    }
    let panel = app.panel.as_ref().unwrap();
    assert_eq!(panel.scroll, 0, "every row fits: nothing to scroll");
    assert_eq!(panel.cursor, app.panel_breakdown().unwrap().rows.len() - 1);
    let screen = draw(&app, 120, 40);
    assert!(screen.contains(" total "), "{screen}");
    assert!(!screen.contains(" of "), "all rows shown: {screen}");
}

#[test]
fn drill_down_filters_everything_and_esc_goes_back() {
    let mut app = answered(
        Data::Fresh,
        &Budgets::default(),
        &[Action::ShowView(View::Monthly), Action::ToggleBreakdown],
    );
    let top = usagetop::app::sorted(app.panel_breakdown().unwrap(), Default::default(), false)[0]
        .key
        .clone();
    press(&mut app, &[Action::Select]);
    answer(&mut app, Data::Fresh, &Budgets::default());
    assert_eq!(app.filter.models, vec![top.clone()]);
    assert_eq!(app.panel.as_ref().unwrap().dimension, Dimension::Endpoint);
    snapshot_all("drill_down", &app);
    let screen = draw(&app, 80, 24);
    assert!(screen.contains(&format!("▸ model {top}")), "{screen}");
    assert!(screen.contains("By endpoint"), "{screen}");
    press(&mut app, &[Action::Back]);
    assert!(app.filter.is_empty());
    assert_eq!(app.panel.as_ref().unwrap().dimension, Dimension::Model);
}

#[test]
fn hours_of_today_with_burn_rate_and_budget() {
    let budgets = budgets();
    let app = answered(Data::Fresh, &budgets, &[Action::ToggleHourly]);
    snapshot_all("hourly", &app);
    let screen = draw(&app, 120, 40);
    assert!(screen.contains("Hours · Wed 18 Nov 2026"), "{screen}");
    assert!(screen.contains("/h"), "{screen}");
    assert!(
        screen.contains("Daily budget $1.00: exceeded at"),
        "{screen}"
    );
}

#[test]
fn hours_of_a_day_in_history() {
    let app = answered(
        Data::Fresh,
        &Budgets::default(),
        &[Action::ToggleHourly, Action::Earlier, Action::Earlier],
    );
    let screen = draw(&app, 80, 24);
    assert!(screen.contains("Hours · Mon 16 Nov 2026"), "{screen}");
    assert!(
        screen.contains("Nov 16"),
        "the day in the first block: {screen}"
    );
    assert!(screen.contains("in all"), "{screen}");
    assert!(
        !screen.contains("burn"),
        "no burn rate for a day that is over: {screen}"
    );
}

#[test]
fn tokens_in_detail() {
    let app = answered(Data::Fresh, &Budgets::default(), &[Action::ToggleTokens]);
    snapshot_all("tokens", &app);
    let screen = draw(&app, 80, 24);
    for label in [
        "Input",
        "Output",
        "Cache read",
        "Cache write",
        "Cache hits",
        "Saved",
    ] {
        assert!(screen.contains(label), "{label}: {screen}");
    }
}

#[test]
fn cost_split_by_model() {
    let app = answered(Data::Fresh, &Budgets::default(), &[Action::ToggleSplit]);
    snapshot_all("split", &app);
    let screen = draw(&app, 120, 40);
    assert!(screen.contains("Cost by model · A claude-"), "{screen}");
}

#[test]
fn compare_with_the_previous_period() {
    let app = answered(
        Data::Fresh,
        &Budgets::default(),
        &[Action::ShowView(View::Weekly), Action::ToggleCompare],
    );
    snapshot_all("compare_weekly", &app);
}

#[test]
fn budgets_worst_first_with_cents() {
    let app = answered(Data::Fresh, &budgets(), &[]);
    snapshot_all("budgets", &app);
    let screen = draw(&app, 80, 24);
    let line = screen
        .lines()
        .find(|line| line.contains("Budgets"))
        .unwrap();
    assert!(line.contains("daily $"), "the exceeded one first: {line}");
    assert!(line.contains('✗'), "{line}");
    assert!(line.contains("/ $1.00"), "cents below $100: {line}");
}

#[test]
fn stale_data_and_an_empty_range_say_so() {
    let stale = answered(Data::Stale, &Budgets::default(), &[]);
    snapshot_all("stale", &stale);
    assert!(draw(&stale, 80, 24).contains("last event 3 days ago (Sun 15 Nov)"));
    let old = answered(Data::Old, &Budgets::default(), &[]);
    snapshot_all("empty_range", &old);
    let screen = draw(&old, 80, 24);
    assert!(screen.contains("No usage in this range"), "{screen}");
    assert!(screen.contains("no events in the last 30 days"), "{screen}");
}

#[test]
fn a_finished_month_in_history() {
    let app = answered(
        Data::Fresh,
        &Budgets::default(),
        &[Action::ShowView(View::Monthly), Action::Earlier],
    );
    snapshot_all("history_month", &app);
    let screen = draw(&app, 120, 40);
    assert!(screen.contains("Month total"), "{screen}");
    assert!(
        !screen.contains("Range "),
        "no range of one value: {screen}"
    );
}

#[test]
fn the_filter_shows_where_the_numbers_are() {
    let mut app = with_report(fixtures::fresh());
    app.filter.models = vec!["claude-*".to_owned(), "!claude-opus*".to_owned()];
    answer(&mut app, Data::Fresh, &Budgets::default());
    snapshot_all("filtered", &app);
    let screen = draw(&app, 80, 24);
    assert!(
        screen.contains("Filter: model claude-*, not claude-opus*"),
        "{screen}"
    );
}

/// Choices in two dimensions survive Tab; Enter applies both.
#[test]
fn picker_keeps_choices_across_dimensions() {
    let budgets = Budgets::default();
    let mut app = answered(
        Data::Fresh,
        &budgets,
        &[Action::ShowView(View::Monthly), Action::OpenPicker],
    );
    let pick = |app: &mut App, input: PickerInput| {
        app.update(Message::Picker(input));
    };
    // Every model of the 12 months, shares of the whole.
    let items = app.picker_items();
    assert!(items.len() >= 8, "{items:?}");
    let shares: rust_decimal::Decimal = items.iter().map(|item| item.share).sum();
    assert_eq!(shares.round_dp(6), rust_decimal::Decimal::ONE);
    for c in "gpt".chars() {
        pick(&mut app, PickerInput::Char(c));
    }
    pick(&mut app, PickerInput::Toggle);
    pick(&mut app, PickerInput::Down);
    pick(&mut app, PickerInput::Toggle);
    pick(&mut app, PickerInput::Toggle);
    snapshot_all("picker_models", &app);
    let screen = draw(&app, 80, 24);
    assert!(screen.contains("[x] gpt-"), "{screen}");
    assert!(screen.contains("[-] gpt-"), "{screen}");
    pick(&mut app, PickerInput::NextDimension);
    pick(&mut app, PickerInput::NextDimension);
    answer(&mut app, Data::Fresh, &budgets);
    pick(&mut app, PickerInput::Toggle);
    snapshot_all("picker_users", &app);
    assert!(draw(&app, 80, 24).contains("also chosen: model 2"));
    pick(&mut app, PickerInput::Apply);
    assert_eq!(app.filter.models.len(), 2, "{:?}", app.filter);
    assert!(app.filter.models[1].starts_with('!'), "{:?}", app.filter);
    assert_eq!(app.filter.users.len(), 1, "{:?}", app.filter);
}

#[test]
fn help_scrolls_and_has_a_prices_page() {
    let mut app = answered(Data::Fresh, &Budgets::default(), &[]);
    press(&mut app, &[Action::ToggleHelp]);
    app.update(Message::Viewport(usagetop::ui::viewport(
        ratatui::layout::Rect::new(0, 0, 80, 24),
        &app,
        &usagetop::keymap::Keymap::default(),
    )));
    for _ in 0..40 {
        press(&mut app, &[Action::ScrollDown]);
    }
    let screen = draw(&app, 80, 24);
    assert!(screen.contains("In the filter picker"), "{screen}");
    assert!(screen.contains("Enter"), "{screen}");
    press(&mut app, &[Action::NextView]);
    snapshot_all("help_prices", &app);
    let screen = draw(&app, 120, 40);
    assert!(screen.contains("acme-llama-70b-internal"), "{screen}");
    assert!(screen.contains("default price (estimate)"), "{screen}");
    assert!(
        screen.contains("gpt-4o (without provider prefix / date)"),
        "{screen}"
    );
}

/// Below 80x24 the labels stay and names lose their middle, not their end.
#[test]
fn compact_layout_keeps_labels() {
    let app = answered(
        Data::Fresh,
        &Budgets::default(),
        &[Action::ShowView(View::Monthly), Action::ToggleBreakdown],
    );
    let screen = draw(&app, 60, 18);
    assert!(
        screen.contains("claude-sonnet-4-5-20250929") || screen.contains("…0929"),
        "{screen}"
    );
    let daily = with_report(Arc::clone(&fixtures::fresh()));
    let screen = draw(&daily, 60, 18);
    for label in ["Requests", "Tokens", "Cost", "Change"] {
        assert!(screen.contains(label), "{label}: {screen}");
    }
}

/// The report's notes about the source: counted on the scope line, listed
/// on the prices page of help.
#[test]
fn notes_about_the_data() {
    let mut snapshot = (*fixtures::fresh()).clone();
    snapshot.report.notes = vec![
        "the source keeps one row per UTC day, so days here are UTC days, not Europe/Berlin days"
            .to_owned(),
        "3 rows with negative token counts left out".to_owned(),
    ];
    let mut app = with_report(Arc::new(snapshot));
    let screen = draw(&app, 80, 24);
    assert!(
        screen.contains("ⓘ 2 notes about the data ($: read)"),
        "{screen}"
    );
    press(&mut app, &[Action::ShowPrices]);
    snapshot_all("notes", &app);
    let screen = draw(&app, 120, 40);
    assert!(
        screen.contains("• 3 rows with negative token counts left out"),
        "{screen}"
    );
}

/// A `--from`/`--to` range: the blocks are labelled by the range's dates.
#[test]
fn a_custom_range_labels_its_blocks() {
    let from = chrono::NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
    let to = chrono::NaiveDate::from_ymd_opt(2026, 10, 10).unwrap();
    let mut app = App::new(View::Daily, context());
    app.range = Some((from, to));
    answer(&mut app, Data::Fresh, &Budgets::default());
    snapshot_all("range", &app);
    let screen = draw(&app, 80, 24);
    assert!(
        screen.contains("Oct 10") && screen.contains("October 2026"),
        "{screen}"
    );
    assert!(!screen.contains(" Today "), "{screen}");
    assert!(screen.contains("1 Oct 2026 – 10 Oct 2026"), "{screen}");
}
