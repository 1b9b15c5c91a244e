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
use crate::filter::Dimension;
use crate::keymap;
use crate::pipeline::ReportContext;
use crate::pipeline::Snapshot;
use crate::protocol::WorkerEvent;
use crate::store::UsageStore;
use crate::tui::TerminalGuard;
use crate::ui::{self, theme::Theme};
use crate::worker;

/// How the dashboard ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// The user quit (q, Esc, Ctrl-C).
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
) -> color_eyre::Result<Ending> {
    let mut app = App::new(
        settings.view,
        Context {
            database: store.describe(),
            tz: settings.calendar.tz(),
            pinned_clock: settings.now.is_some(),
            dimensions: dimensions(settings),
            week_start: settings.calendar.week_start(),
        },
    );
    app.filter = settings.filter.clone();
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

    let mut guard = TerminalGuard::enter(settings.mouse)
        .map_err(|error| color_eyre::eyre::eyre!("cannot use this terminal ({error}); to print the numbers without one, run `usagetop report`"))?;
    let worker = tokio::spawn(worker::run(
        store,
        context,
        settings.refresh,
        request_rx,
        event_tx.clone(),
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
                None => {}
            }
        }
    };
    drop(guard);
    worker.abort();
    Ok(ending)
}

/// The dimensions the mapping has columns for, in cycling order.
fn dimensions(settings: &Settings) -> Vec<Dimension> {
    Dimension::ALL
        .into_iter()
        .filter(|dimension| match dimension {
            Dimension::Model => true,
            Dimension::Endpoint => settings.mapping.endpoint.is_some(),
            Dimension::User => settings.mapping.user.is_some(),
        })
        .collect()
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
