//! App state and its one `update` function. State changes only through
//! messages (key actions and worker events); `update` returns the effects the
//! event loop must carry out. No I/O here.

use std::sync::Arc;

use crate::analytics::trend::View;
use crate::analytics::Report;
use crate::filter::Filter;
use crate::worker::WorkerEvent;

/// What a key asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Switch to a view.
    ShowView(View),
    /// Cycle to the next view.
    NextView,
    /// Refresh now.
    Refresh,
    /// Show or hide help.
    ToggleHelp,
    /// Close help if open, else quit.
    Back,
    /// Quit.
    Quit,
    /// Export the view shown to CSV.
    Export,
}

/// Everything that can change the app.
#[derive(Debug, Clone)]
pub enum Message {
    /// A key's action.
    Action(Action),
    /// News from the worker.
    Worker(WorkerEvent),
}

/// Work the event loop does for `update`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Ask the worker for a fresh report.
    Refresh,
    /// Write the view shown (with its filter) to a CSV file.
    Export(View),
}

/// Static facts shown in the footer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    /// The database, password removed.
    pub database: String,
    /// The zone every date is in.
    pub tz: chrono_tz::Tz,
    /// True when `--now` pins the clock.
    pub pinned_clock: bool,
}

/// The whole UI state.
#[derive(Debug, Clone)]
pub struct App {
    /// The view shown.
    pub view: View,
    /// The last good report.
    pub report: Option<Arc<Report>>,
    /// True while a refresh runs.
    pub loading: bool,
    /// The last refresh's error, shown until the next success.
    pub error: Option<String>,
    /// True while the help popup is open.
    pub show_help: bool,
    /// True once the user asked to quit.
    pub should_quit: bool,
    /// Footer facts.
    pub context: Context,
    /// Which usage the numbers count.
    pub filter: Filter,
    /// A one-off message for the footer (e.g. where an export went).
    pub notice: Option<String>,
}

impl App {
    /// A new app showing `view`, waiting for its first report.
    #[must_use]
    pub fn new(view: View, context: Context) -> Self {
        Self {
            view,
            report: None,
            loading: true,
            error: None,
            show_help: false,
            should_quit: false,
            context,
            filter: Filter::default(),
            notice: None,
        }
    }

    /// Applies one message.
    pub fn update(&mut self, message: Message) -> Option<Effect> {
        match message {
            Message::Action(action) => self.apply(action),
            Message::Worker(event) => {
                match event {
                    WorkerEvent::Loading => self.loading = true,
                    WorkerEvent::Report(report) => {
                        self.report = Some(report);
                        self.loading = false;
                        self.error = None;
                    }
                    WorkerEvent::Notice(text) => self.notice = Some(text),
                    WorkerEvent::Failed { message, retry_in } => {
                        self.loading = false;
                        self.error = Some(format!(
                            "{message} (retrying in {} s)",
                            retry_in.as_secs().max(1)
                        ));
                    }
                }
                None
            }
        }
    }

    fn apply(&mut self, action: Action) -> Option<Effect> {
        self.notice = None;
        match action {
            Action::Export => {
                return if self.report.is_some() {
                    Some(Effect::Export(self.view))
                } else {
                    self.notice = Some(
                        "nothing to export yet: the first refresh has not finished".to_owned(),
                    );
                    None
                };
            }
            Action::ShowView(view) => self.view = view,
            Action::NextView => self.view = self.view.next(),
            Action::Refresh => {
                self.loading = true;
                return Some(Effect::Refresh);
            }
            Action::ToggleHelp => self.show_help = !self.show_help,
            Action::Back if self.show_help => self.show_help = false,
            Action::Back | Action::Quit => self.should_quit = true,
        }
        None
    }
}
