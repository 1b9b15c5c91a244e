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
    /// Step back one period of the view.
    Earlier,
    /// Step forward one period of the view.
    Later,
    /// Back to the present.
    Present,
    /// Show or hide the previous period on the cost chart.
    ToggleCompare,
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
    /// Ask the worker for a fresh report of the current query (filter, history).
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
    /// Periods of the view stepped back into history (0: the present).
    pub history: u32,
    /// The custom range of days (`--from`/`--to`), if any.
    pub range: Option<(chrono::NaiveDate, chrono::NaiveDate)>,
    /// True while the cost chart overlays the previous period.
    pub compare: bool,
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
            history: 0,
            range: None,
            compare: false,
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
            Action::ShowView(view) => return self.switch_view(view),
            Action::NextView => return self.switch_view(self.view.next()),
            Action::Earlier => {
                self.history = self.history.saturating_add(1);
                self.loading = true;
                return Some(Effect::Refresh);
            }
            Action::Later | Action::Present if self.history == 0 => {}
            Action::Later => {
                self.history -= 1;
                self.loading = true;
                return Some(Effect::Refresh);
            }
            Action::Present => {
                self.history = 0;
                self.loading = true;
                return Some(Effect::Refresh);
            }
            Action::Refresh => {
                self.loading = true;
                return Some(Effect::Refresh);
            }
            Action::ToggleHelp => self.show_help = !self.show_help,
            Action::ToggleCompare => self.compare = !self.compare,
            Action::Back if self.show_help => self.show_help = false,
            Action::Back | Action::Quit => self.should_quit = true,
        }
        None
    }

    /// Shows another view: instant in the present (the report holds all
    /// three); in history the position is in periods of the view, so ask again.
    fn switch_view(&mut self, view: View) -> Option<Effect> {
        let changed = self.view != view;
        self.view = view;
        if changed && self.history > 0 {
            self.loading = true;
            return Some(Effect::Refresh);
        }
        None
    }

    /// The query the worker should answer for this state.
    #[must_use]
    pub fn query(&self, sequence: u64) -> crate::worker::Query {
        crate::worker::Query {
            filter: self.filter.clone(),
            sequence,
            history: (self.history > 0).then_some((self.view, self.history)),
            range: self.range,
        }
    }
}
