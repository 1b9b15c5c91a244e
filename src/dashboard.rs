//! The dashboard's event loop: starts the worker, takes over the terminal,
//! turns keys, worker events and signals into messages for `App::update`,
//! carries out the effects, and redraws. Never awaits the database.

use crossterm::event::{Event, EventStream};
use futures_util::StreamExt;
use ratatui::layout::Rect;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::{mpsc, watch};

use crate::app::{App, Context, Effect, ExportTarget, Message};
use crate::config::Settings;
use crate::keymap;
use crate::pipeline::ReportContext;
use crate::pipeline::Snapshot;
use crate::protocol::WorkerEvent;
use crate::store::UsageStore;
use crate::tui::TerminalGuard;
use crate::ui::{self, theme::Theme};
use crate::worker;

/// Ctrl-Z: in raw mode the terminal sends it as a key, not as SIGTSTP.
fn is_suspend(key: &crossterm::event::KeyEvent) -> bool {
    key.kind == crossterm::event::KeyEventKind::Press
        && key.code == crossterm::event::KeyCode::Char('z')
        && key.modifiers == crossterm::event::KeyModifiers::CONTROL
}

/// How the dashboard ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// The user quit (q or Ctrl-C by default).
    Quit,
    /// A signal ended it (its number).
    Signal(i32),
}

/// Runs the dashboard until the user quits or a signal arrives.
///
/// # Errors
/// The terminal cannot be used.
pub async fn run(
    settings: &Settings,
    store: Box<dyn UsageStore>,
    context: ReportContext,
    follow: Option<crate::import::follow::Follower>,
) -> color_eyre::Result<Ending> {
    let mut app = App::new(
        settings.view,
        Context {
            database: store.describe(),
            tz: settings.calendar.tz(),
            pinned_clock: settings.now.is_some(),
            // Until the first report says which columns the source has.
            dimensions: settings.mapping.dimensions(),
            week_start: settings.calendar.week_start(),
        },
    );
    app.filter = settings.filter.clone();
    app.baseline_periods = settings.baseline_periods;
    if let Some((from, to)) = settings.range {
        app.range = Some((
            from,
            to.unwrap_or_else(|| settings.calendar.local_date(context.clock.now())),
        ));
    }
    let theme = Theme::resolve(settings.theme, settings.ascii);
    let (event_tx, mut event_rx) = mpsc::unbounded_channel();
    let (request_tx, request_rx) = watch::channel(app.query(0));
    let mut terminate = signal(SignalKind::terminate())?;
    let mut hangup = signal(SignalKind::hangup())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    // Job control: SIGTSTP (kill -TSTP, or Ctrl-Z where the terminal sends
    // it) suspends with the terminal restored, like other full-screen programs.
    let mut stop = signal(SignalKind::from_raw(rustix::process::Signal::TSTP.as_raw()))?;

    let mut guard = TerminalGuard::enter(settings.mouse)
        .map_err(|error| color_eyre::eyre::eyre!("cannot use this terminal ({error}); to print the numbers without one, run `usagetop report`"))?;
    let alert_sink = start_alerts(settings, event_tx.clone());
    let worker = tokio::spawn(worker::run(
        store,
        context,
        settings.refresh,
        request_rx,
        event_tx.clone(),
        alert_sink,
        follow,
    ));
    let mut keys = EventStream::new();
    let ending = loop {
        let mut viewport = app.viewport;
        guard.terminal.draw(|frame| {
            ui::render(frame, &app, &theme, &settings.keymap);
            viewport = ui::viewport(frame.area(), &app, &settings.keymap);
        })?;
        if viewport != app.viewport {
            app.update(Message::Viewport(viewport));
        }
        if app.should_quit {
            break Ending::Quit;
        }
        let message = tokio::select! {
            event = keys.next() => match event {
                Some(Ok(Event::Key(key))) if is_suspend(&key) => {
                    guard.suspend()?;
                    None
                }
                Some(Ok(Event::Key(key))) if app.picker.is_some() => keymap::picker_input(&key).map(Message::from),
                Some(Ok(Event::Key(key))) => settings.keymap.action_for(&key).map(Message::Action),
                Some(Ok(Event::Mouse(mouse))) => {
                    let size = guard.terminal.size()?;
                    ui::mouse_action(Rect::new(0, 0, size.width, size.height), &app, &mouse).map(Message::Action)
                }
                Some(Ok(_)) => None,
                Some(Err(error)) => return Err(error.into()),
                None => break Ending::Quit,
            },
            Some(event) = event_rx.recv() => Some(Message::Worker(event)),
            _ = terminate.recv() => break Ending::Signal(15),
            _ = hangup.recv() => break Ending::Signal(1),
            _ = interrupt.recv() => break Ending::Signal(2),
            _ = stop.recv() => {
                guard.suspend()?;
                None
            }
        };
        if let Some(message) = message {
            match app.update(message) {
                Some(Effect::Refresh) => {
                    let sequence = request_tx.borrow().sequence.wrapping_add(1);
                    app.sequence = sequence;
                    request_tx.send_replace(app.query(sequence));
                }
                Some(Effect::Export(target)) => {
                    if let Some(report) = app.report.clone() {
                        let folder = settings.export_dir.clone();
                        let notices = event_tx.clone();
                        tokio::task::spawn_blocking(move || {
                            let text = match export(&report, target, &folder) {
                                Ok((path, rows)) => format!(
                                    "exported {} to {}",
                                    crate::format::plural(i128::try_from(rows).unwrap_or(0), "row"),
                                    path.display()
                                ),
                                Err(error) => format!("export failed: {error}"),
                            };
                            let _ = notices.send(WorkerEvent::Notice(text));
                        });
                    }
                }
                Some(Effect::ExportReport(view)) => {
                    if let Some(report) = app.report.clone() {
                        let folder = settings.export_dir.clone();
                        let notices = event_tx.clone();
                        let database = app.context.database.clone();
                        let paper = settings.paper;
                        tokio::task::spawn_blocking(move || {
                            let text = match crate::output::printable::write_report_files(
                                &report, view, &folder, &database, paper,
                            ) {
                                // Both files share a folder and a name: the PDF's
                                // full path, and the HTML's extension.
                                Ok((pdf, html)) => format!(
                                    "wrote {} and .{}",
                                    pdf.display(),
                                    html.extension().map_or_else(
                                        || "html".into(),
                                        |extension| extension.to_string_lossy()
                                    )
                                ),
                                Err(error) => format!("report export failed: {error}"),
                            };
                            let _ = notices.send(WorkerEvent::Notice(text));
                        });
                    }
                }
                Some(Effect::Bell) => {
                    use std::io::Write as _;
                    let mut out = std::io::stdout();
                    let _ = out.write_all(b"\x07").and_then(|()| out.flush());
                }
                None => {}
            }
        }
    };
    drop(guard);
    worker.abort();
    Ok(ending)
}

/// Writes what the user asked to export (the view's series, the breakdown
/// table on screen in its order, or the hours of the day) to a new CSV file.
fn export(
    report: &Snapshot,
    target: ExportTarget,
    folder: &std::path::Path,
) -> std::io::Result<(std::path::PathBuf, usize)> {
    match target {
        ExportTarget::Series(view) => crate::output::csv::write_view_csv(report, view, folder),
        ExportTarget::Breakdown {
            dimension,
            view,
            sort,
            reverse,
        } => {
            let breakdown = report
                .breakdown
                .as_ref()
                .filter(|breakdowns| breakdowns.dimension == dimension)
                .map(|breakdowns| breakdowns.for_view(view))
                .ok_or_else(|| std::io::Error::other("the breakdown has not loaded yet"))?;
            let rows = crate::app::sorted(breakdown, sort, reverse);
            crate::output::csv::write_breakdown_csv(report, dimension, view, &rows, folder)
        }
        ExportTarget::Hours => {
            let hourly = report
                .hourly
                .as_ref()
                .ok_or_else(|| std::io::Error::other("the hours have not loaded yet"))?;
            crate::output::csv::write_hours_csv(report, hourly, folder)
        }
    }
}

/// Starts the alert dispatcher when the config has an `[alerts]` table: it
/// delivers what the worker finds, off the worker and the UI, and tells the
/// app about alerts for the dashboard (banner and bell) and failed deliveries.
fn start_alerts(
    settings: &Settings,
    events: mpsc::UnboundedSender<WorkerEvent>,
) -> Option<worker::AlertSink> {
    use crate::alerts::dispatch::{Dispatcher, Outcome};
    let alerts = settings.alerts.as_ref()?;
    let local = alerts.dashboard.then_some("dashboard");
    let (mut dispatcher, note) = match Dispatcher::open(alerts, local, &settings.alert_state) {
        Ok(opened) => opened,
        Err(error) => {
            let _ = events.send(WorkerEvent::Notice(format!("alerts are off: {error}")));
            return None;
        }
    };
    if let Some(note) = note {
        let _ = events.send(WorkerEvent::Notice(note));
    }
    let (sink, mut findings) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(found) = findings.recv().await {
            let (outcomes, unsaved) = dispatcher.handle(found).await;
            for outcome in outcomes {
                let event = match &outcome {
                    Outcome::Shown(alert) => WorkerEvent::Alert(alert.title.clone()),
                    Outcome::Sent { .. } => continue,
                    Outcome::Failed { .. } | Outcome::GaveUp { .. } => {
                        WorkerEvent::Notice(outcome.line())
                    }
                };
                if events.send(event).is_err() {
                    return;
                }
            }
            if let Some(error) = unsaved {
                let _ = events.send(WorkerEvent::Notice(error));
            }
        }
    });
    Some((alerts.rules.clone(), settings.filter.clone(), sink))
}
