//! Screen snapshots (ratatui `TestBackend` + insta) of every state at 80x24,
//! 120x40 and in the compact layout at 60x18: loading, a cold start building
//! the cache, an unreachable database, empty, daily, weekly, monthly, help,
//! error, too small; the views of `views`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod fixtures;
mod views;

use std::sync::Arc;

use ratatui::backend::TestBackend;
use ratatui::Terminal;
use usagetop::action::Action;
use usagetop::analytics::trend::View;
use usagetop::analytics::{build_report, Aggregates, QueryPlan};
use usagetop::app::{App, Context, Message};
use usagetop::keymap::Keymap;
use usagetop::pipeline::Snapshot;
use usagetop::protocol::WorkerEvent;
use usagetop::ui::{self, theme::Theme};

use fixtures::{calendar, now, prices};

/// The full layout at its smallest and at a common size, and the compact one.
const SIZES: [(u16, u16); 3] = [(80, 24), (120, 40), (60, 18)];

fn context() -> Context {
    Context::new("sqlite:///data/usage.db", chrono_tz::Europe::Berlin)
}

/// A report over 90 days of seeded demo data, through the real SQLite store.
fn demo_report() -> Arc<Snapshot> {
    fixtures::fresh()
}

/// A report over 400 days of demo data (a year of history), with a
/// breakdown and a comparison.
fn demo_report_of(
    breakdown: Option<(usagetop::filter::Dimension, bool)>,
    compare: usagetop::analytics::compare::Compare,
) -> Arc<Snapshot> {
    fixtures::compared(breakdown, compare)
}

fn demo_report_with(breakdown: Option<(usagetop::filter::Dimension, bool)>) -> Arc<Snapshot> {
    match breakdown {
        Some((dimension, unfiltered)) => fixtures::with_breakdown(dimension, unfiltered),
        None => fixtures::fresh(),
    }
}

fn empty_report() -> Arc<Snapshot> {
    let prices = prices();
    let plan = QueryPlan::new(now(), &calendar());
    Arc::new(build_report(&plan, &calendar(), &Aggregates::default(), &prices).into())
}

/// A report of one model's `usage`, all of it today.
fn one_model_today(model: &str, usage: usagetop::usage::Usage) -> Arc<Snapshot> {
    use usagetop::analytics::{DayModelRow, ModelRow};
    let plan = QueryPlan::new(now(), &calendar());
    let rows = Aggregates {
        days: vec![DayModelRow {
            day: plan.today,
            model: model.to_owned(),
            usage,
            stored_cost: None,
            estimated: false,
        }],
        all_time: vec![ModelRow {
            model: model.to_owned(),
            usage,
            stored_cost: None,
            estimated: false,
        }],
        first_event: Some(now()),
        ..Aggregates::default()
    };
    Arc::new(build_report(&plan, &calendar(), &rows, &prices()).into())
}

pub(crate) fn with_report(report: Arc<Snapshot>) -> App {
    let mut app = App::new(View::Daily, context());
    app.update(Message::Worker(WorkerEvent::Report(report)));
    app
}

pub(crate) fn draw(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| ui::render(frame, app, &Theme::new(false), &Keymap::default()))
        .unwrap();
    terminal.backend().to_string()
}

pub(crate) fn snapshot_all(name: &str, app: &App) {
    for (width, height) in SIZES {
        insta::assert_snapshot!(format!("{name}_{width}x{height}"), draw(app, width, height));
    }
}

#[test]
fn loading() {
    snapshot_all("loading", &App::new(View::Daily, context()));
}

#[test]
fn cold_start_shows_the_cache_build_progress() {
    let mut app = App::new(View::Daily, context());
    app.update(Message::Worker(WorkerEvent::Loading));
    app.update(Message::Worker(WorkerEvent::Progress(
        usagetop::store::BuildProgress {
            rows: 3_456_789,
            fraction: 0.347,
            remaining: Some(std::time::Duration::from_secs(14)),
        },
    )));
    snapshot_all("cold_start", &app);
    let screen = draw(&app, 80, 24);
    assert!(screen.contains("3.5M rows read"), "{screen}");
    assert!(screen.contains("34%"), "{screen}");
    // Keys still work while it builds: help opens over it.
    app.update(Message::Action(Action::ToggleHelp));
    assert!(app.show_help());
    // The report replaces the progress.
    app.update(Message::Worker(WorkerEvent::Report(demo_report())));
    assert!(app.progress.is_none());
    assert!(!draw(&app, 80, 24).contains("rows read"));
}

/// `[import] follow`: the import's progress while it reads, then what it
/// did beside the time of the numbers; a failure in amber.
#[test]
fn the_footer_shows_the_followed_import() {
    let mut app = with_report(demo_report());
    app.update(Message::Worker(WorkerEvent::Loading));
    app.update(Message::Worker(WorkerEvent::Importing(
        usagetop::protocol::ImportProgress {
            source: "claude-code",
            done: 41_700_000,
            total: 212_300_000,
        },
    )));
    assert!(app.loading);
    let screen = draw(&app, 120, 40);
    assert!(
        screen.contains("importing claude-code: 41.7 of 212.3 MB (19%)"),
        "{screen}"
    );
    app.update(Message::Worker(WorkerEvent::Imported(
        "imported: claude-code 12 new, 1 updated".to_owned(),
    )));
    app.update(Message::Worker(WorkerEvent::Report(demo_report())));
    assert!(app.importing.is_none());
    let screen = draw(&app, 120, 40);
    assert!(!screen.contains("importing"), "{screen}");
    assert!(
        screen.contains("refreshed 16:00:00 · imported: claude-code 12 new, 1 updated"),
        "{screen}"
    );
    // At 80 columns the line still shows, its middle elided if need be.
    let narrow = draw(&app, 80, 24);
    assert!(narrow.contains("imported: "), "{narrow}");
    app.update(Message::Worker(WorkerEvent::Imported(
        "import of codex failed: cannot read /x: permission denied".to_owned(),
    )));
    assert!(draw(&app, 120, 40).contains("import of codex failed"));
}

#[test]
fn empty() {
    snapshot_all("empty", &with_report(empty_report()));
}

#[test]
fn views() {
    let report = demo_report();
    let mut app = with_report(report);
    snapshot_all("daily", &app);
    app.update(Message::Action(Action::ShowView(View::Weekly)));
    snapshot_all("weekly", &app);
    app.update(Message::Action(Action::ShowView(View::Monthly)));
    snapshot_all("monthly", &app);
}

#[test]
fn comparison_modes() {
    use usagetop::analytics::compare::Compare;
    // c cycles: the previous period, a year before (400 days of history),
    // the baseline; each report answers the mode asked for.
    let mut app = with_report(demo_report_of(None, Compare::Previous));
    app.update(Message::Action(Action::ToggleCompare));
    assert_eq!(app.compare, Some(Compare::Previous));
    snapshot_all("compare_previous", &app);
    for (mode, name) in [
        (Compare::Year, "compare_year"),
        (Compare::Baseline(3), "compare_baseline"),
    ] {
        app.update(Message::Action(Action::ToggleCompare));
        assert_eq!(app.compare, Some(mode));
        // Until the worker answers, the blocks keep comparing with the previous period.
        assert!(draw(&app, 120, 40).contains("vs yesterday"));
        app.sequence = 0;
        app.update(Message::Worker(WorkerEvent::Report(demo_report_of(
            None, mode,
        ))));
        snapshot_all(name, &app);
    }
    // The breakdown ranks by change against the baseline.
    let mut panel = with_report(demo_report_of(
        Some((usagetop::filter::Dimension::Model, false)),
        Compare::Baseline(3),
    ));
    panel.compare = Some(Compare::Baseline(3));
    panel.update(Message::Action(Action::ToggleBreakdown));
    assert_eq!(
        panel.panel.as_ref().unwrap().sort,
        usagetop::app::SortKey::Change
    );
    panel.update(Message::Worker(WorkerEvent::Report(demo_report_of(
        Some((usagetop::filter::Dimension::Model, false)),
        Compare::Baseline(3),
    ))));
    snapshot_all("compare_baseline_breakdown", &panel);
}

#[test]
fn alert_banner() {
    let mut app = with_report(demo_report());
    let effect = app.update(Message::Worker(WorkerEvent::Alert(
        "monthly budget at 85%".to_owned(),
    )));
    assert_eq!(
        effect,
        Some(usagetop::app::Effect::Bell),
        "the bell rings once"
    );
    let screen = draw(&app, 80, 24);
    assert!(screen.contains("ALERT: monthly budget at 85%"), "{screen}");
    // A key dismisses it.
    app.update(Message::Action(Action::ShowView(View::Daily)));
    assert!(!draw(&app, 80, 24).contains("ALERT"));
}

#[test]
fn help() {
    let mut app = with_report(demo_report());
    app.update(Message::Action(Action::ToggleHelp));
    snapshot_all("help", &app);
}

#[test]
fn error_keeps_last_numbers() {
    let mut app = with_report(demo_report());
    app.update(Message::Worker(WorkerEvent::Failed {
        message: "reading usage per model from sqlite:///data/usage.db failed: database is locked"
            .to_owned(),
        retry_in: std::time::Duration::from_secs(2),
    }));
    let screen = draw(&app, 120, 40);
    assert!(screen.contains("database is locked"), "{screen}");
    assert!(
        screen.contains("retrying in 2 s). Showing the numbers"),
        "{screen}"
    );
    assert!(
        screen.contains("This month by model"),
        "the numbers stay on screen: {screen}"
    );
    snapshot_all("error", &app);
}

#[test]
fn too_small() {
    let app = with_report(demo_report());
    for (width, height) in [(20, 5), (59, 24), (80, 10)] {
        let screen = draw(&app, width, height);
        assert!(
            screen.contains("small") || screen.contains("Terminal"),
            "{width}x{height}: {screen}"
        );
    }
    insta::assert_snapshot!("too_small_40x8", draw(&app, 40, 8));
}

#[test]
fn hostile_model_names_are_inert() {
    use usagetop::usage::Usage;
    let name = "evil\u{1b}]52;c;aGVsbG8=\u{7}\u{1b}[2J\u{202e}name\nline";
    let usage = Usage {
        requests: 1,
        input_tokens: 10,
        ..Usage::default()
    };
    let app = with_report(one_model_today(name, usage));
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    terminal
        .draw(|frame| ui::render(frame, &app, &Theme::new(false), &Keymap::default()))
        .unwrap();
    let cells = terminal.backend().buffer().content();
    assert!(cells.iter().all(|cell| !cell
        .symbol()
        .chars()
        .any(|c| c.is_control() || c == '\u{202e}')));
    assert!(terminal.backend().to_string().contains("evil?]52;c;"));
}

/// A report of several models' usage, all of it today.
fn models_today(models: &[(&str, i64)]) -> Arc<Snapshot> {
    use usagetop::analytics::{DayModelRow, ModelRow};
    use usagetop::usage::Usage;
    let plan = QueryPlan::new(now(), &calendar());
    let usage = |requests: i64| Usage {
        requests,
        input_tokens: i128::from(requests) * 1_000,
        output_tokens: i128::from(requests) * 250,
        ..Usage::default()
    };
    let rows = Aggregates {
        days: models
            .iter()
            .map(|(model, requests)| DayModelRow {
                day: plan.today,
                model: (*model).to_owned(),
                usage: usage(*requests),
                stored_cost: None,
                estimated: false,
            })
            .collect(),
        all_time: models
            .iter()
            .map(|(model, requests)| ModelRow {
                model: (*model).to_owned(),
                usage: usage(*requests),
                stored_cost: None,
                estimated: false,
            })
            .collect(),
        first_event: Some(now()),
        ..Aggregates::default()
    };
    Arc::new(build_report(&plan, &calendar(), &rows, &prices()).into())
}

#[test]
fn wide_model_names_keep_columns_aligned() {
    // CJK characters and emoji take two columns each: measured in display
    // columns, the rows of both tables keep their columns.
    let snapshot = models_today(&[
        ("通义千问-max", 400),
        ("gpt-4o", 300),
        ("模型🤖-文心一言-4.0-turbo-超长名称-实验版本", 200),
        ("claude-sonnet-4", 100),
    ]);
    let text = usagetop::output::text::render(&snapshot, View::Daily, "test.db", 80);
    let table: Vec<&str> = text
        .lines()
        .skip_while(|line| !line.starts_with("Model"))
        .take_while(|line| !line.trim().is_empty())
        .collect();
    assert_eq!(table.len(), 5, "{text}");
    for line in &table {
        assert_eq!(
            usagetop::text::width(line),
            usagetop::text::width(table[0]),
            "a row out of line:\n{}",
            table.join("\n")
        );
        assert!(usagetop::text::width(line) <= 80, "{line}");
    }
    assert!(
        table.iter().any(|line| line.contains("通义千问-max")),
        "{text}"
    );
    let app = with_report(snapshot);
    let screen = draw(&app, 120, 40);
    assert!(screen.contains("通义千问"), "{screen}");
    insta::assert_snapshot!("wide_model_names_120x40", screen);
}

#[test]
fn breakdown_panel() {
    use usagetop::filter::Dimension;
    let mut app = with_report(demo_report_with(Some((Dimension::Model, false))));
    app.update(Message::Action(Action::ShowView(View::Monthly)));
    app.update(Message::Action(Action::ToggleBreakdown));
    snapshot_all("breakdown_models", &app);
    let screen = draw(&app, 80, 24);
    assert!(screen.contains("By model"), "{screen}");
    assert!(screen.contains("acme-llama-70b-internal"), "{screen}");
    assert!(screen.contains("total"), "{screen}");
}

#[test]
fn filter_picker() {
    use usagetop::action::PickerInput;
    use usagetop::filter::Dimension;
    let mut app = with_report(demo_report_with(Some((Dimension::Model, true))));
    app.update(Message::Action(Action::OpenPicker));
    for c in "claude".chars() {
        app.update(Message::Picker(PickerInput::Char(c)));
    }
    app.update(Message::Picker(PickerInput::Toggle));
    snapshot_all("picker", &app);
    let screen = draw(&app, 120, 40);
    assert!(
        screen.contains("[x] claude-sonnet-4-5-20250929"),
        "{screen}"
    );
    assert!(
        !screen.contains("gpt-4o-mini"),
        "the search hides other models: {screen}"
    );
}

#[test]
fn ascii_mode_writes_ascii_only() {
    let mut app = with_report(demo_report());
    app.update(Message::Action(Action::ToggleCompare));
    for (width, height) in SIZES {
        let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
        terminal
            .draw(|frame| {
                ui::render(
                    frame,
                    &app,
                    &Theme::new(false).with_ascii(true),
                    &Keymap::default(),
                )
            })
            .unwrap();
        let screen = terminal.backend().to_string();
        assert!(screen.is_ascii(), "{screen}");
        if width >= 80 {
            assert!(screen.contains("+ Today ---"), "{screen}");
        }
        if width == 80 {
            insta::assert_snapshot!("ascii_80x24", screen);
        }
    }
}

#[test]
fn clicks_on_view_tabs_and_wheel_scrolling() {
    use crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
    use ratatui::layout::Rect;
    let mut app = with_report(demo_report());
    let area = Rect::new(0, 0, 120, 40);
    let click = |column, row| MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column,
        row,
        modifiers: KeyModifiers::NONE,
    };
    // The status line is the second row from the bottom: " Daily Weekly Monthly ...".
    let screen = draw(&app, 120, 40);
    let status = screen.lines().nth(38).unwrap();
    assert!(status.starts_with("\" Daily Weekly Monthly"), "{status}");
    assert_eq!(
        ui::mouse_action(area, &app, &click(3, 38)),
        Some(Action::ShowView(View::Daily))
    );
    assert_eq!(
        ui::mouse_action(area, &app, &click(9, 38)),
        Some(Action::ShowView(View::Weekly))
    );
    assert_eq!(
        ui::mouse_action(area, &app, &click(18, 38)),
        Some(Action::ShowView(View::Monthly))
    );
    assert_eq!(
        ui::mouse_action(area, &app, &click(6, 38)),
        None,
        "the gap between tabs"
    );
    assert_eq!(
        ui::mouse_action(area, &app, &click(3, 10)),
        None,
        "not on the status line"
    );
    let wheel = MouseEvent {
        kind: MouseEventKind::ScrollDown,
        column: 10,
        row: 10,
        modifiers: KeyModifiers::NONE,
    };
    assert_eq!(
        ui::mouse_action(area, &app, &wheel),
        None,
        "nothing to scroll"
    );
    app.update(Message::Action(Action::ToggleBreakdown));
    assert_eq!(
        ui::mouse_action(area, &app, &wheel),
        Some(Action::ScrollDown)
    );
}

#[test]
fn light_and_auto_themes() {
    use usagetop::ui::theme::{Theme, ThemeChoice};
    // Only the palette differs; NO_COLOR and COLORFGBG are read by resolve.
    let dark = Theme::new(true);
    let light = Theme::new(true).with_light(true);
    assert_ne!(dark.title(), light.title());
    assert_eq!(dark.text(), light.text());
    assert!(Theme::resolve(ThemeChoice::Light, true).ascii());
    // COLORFGBG is "fg;bg" or "fg;default;bg": backgrounds 7 and 9-15 are light.
    use usagetop::ui::theme::background_is_light;
    assert!(!background_is_light("15;0"));
    assert!(background_is_light("0;15"));
    assert!(background_is_light("0;default;7"));
    assert!(!background_is_light("12;8"));
    assert!(!background_is_light("nonsense"));
}

#[test]
fn every_size_draws_without_panicking() {
    use usagetop::action::PickerInput;
    use usagetop::filter::Dimension;
    let report = demo_report_with(Some((Dimension::Model, false)));
    let mut states: Vec<App> = vec![
        App::new(View::Daily, context()),
        with_report(Arc::clone(&report)),
    ];
    let mut help = with_report(Arc::clone(&report));
    help.update(Message::Action(Action::ToggleHelp));
    states.push(help);
    let mut panel = with_report(Arc::clone(&report));
    panel.update(Message::Action(Action::ToggleBreakdown));
    panel.update(Message::Action(Action::PageDown));
    states.push(panel);
    let mut picker = with_report(Arc::clone(&report));
    picker.update(Message::Action(Action::OpenPicker));
    picker.update(Message::Picker(PickerInput::Down));
    states.push(picker);
    let mut failed = with_report(report);
    failed.update(Message::Worker(WorkerEvent::Failed {
        message: "x".repeat(500),
        retry_in: std::time::Duration::from_secs(60),
    }));
    failed.compare = Some(usagetop::analytics::compare::Compare::Previous);
    states.push(failed);
    for app in &states {
        for width in (1..=140).step_by(9) {
            for height in (1..=50).step_by(5) {
                for ascii in [false, true] {
                    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
                    terminal
                        .draw(|frame| {
                            ui::render(
                                frame,
                                app,
                                &Theme::new(true).with_ascii(ascii),
                                &Keymap::default(),
                            )
                        })
                        .unwrap();
                }
            }
        }
    }
}

/// Token sums past 2^63 and a cost in the trillions: every figure fits its
/// block (short forms where the full one does not), at both sizes.
#[test]
fn huge_sums_fit_their_blocks() {
    use usagetop::usage::Usage;
    let usage = Usage {
        requests: 5,
        input_tokens: i128::from(i64::MAX) * 5 / 2,
        output_tokens: 50,
        ..Usage::default()
    };
    let app = with_report(one_model_today("gpt-4o", usage));
    snapshot_all("huge_sums", &app);
    let small = draw(&app, 80, 24);
    assert!(small.contains("23.1E"), "{small}");
    assert!(small.contains("Cost"), "the label stays: {small}");
}

/// Every key named on screen comes from the keymap in use: rebound keys
/// show in the footer, the error line, the breakdown title and help.
#[test]
fn key_names_follow_the_keymap() {
    use std::collections::BTreeMap;
    use usagetop::keymap::KeySpec;
    let keymap = Keymap::with_overrides(&BTreeMap::from([
        ("refresh".to_owned(), KeySpec::One("u".to_owned())),
        ("next_dimension".to_owned(), KeySpec::One("n".to_owned())),
        ("help".to_owned(), KeySpec::One("F2".to_owned())),
        ("quit".to_owned(), KeySpec::One("x".to_owned())),
    ]))
    .unwrap();
    let draw_with = |app: &App, width: u16, height: u16| {
        let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
        terminal
            .draw(|frame| ui::render(frame, app, &Theme::new(false), &keymap))
            .unwrap();
        terminal.backend().to_string()
    };
    let mut app = with_report(demo_report_with(Some((
        usagetop::filter::Dimension::Model,
        false,
    ))));
    assert!(draw_with(&app, 120, 40).contains("u refresh"));
    app.update(Message::Action(Action::ToggleBreakdown));
    let screen = draw_with(&app, 120, 40);
    assert!(screen.contains("(n s S ↑↓ Enter b)"), "{screen}");
    app.update(Message::Action(Action::ToggleHelp));
    let screen = draw_with(&app, 120, 40);
    assert!(screen.contains("F2 or Esc to close"), "{screen}");
    app.update(Message::Action(Action::Back));
    app.update(Message::Worker(WorkerEvent::Failed {
        message: "database is locked".to_owned(),
        retry_in: std::time::Duration::from_secs(2),
    }));
    let screen = draw_with(&app, 120, 40);
    assert!(screen.contains("u retries"), "{screen}");
    assert!(draw_with(&app, 40, 8).contains("press x to quit"));
}
