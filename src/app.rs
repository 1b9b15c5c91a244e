//! App state and its one `update` function. State changes only through
//! messages (key actions and worker events); `update` returns the effects the
//! event loop must carry out. No I/O here.

use std::sync::Arc;

use crate::analytics::trend::View;
use crate::filter::{Dimension, Filter};
use crate::protocol::{RefreshRequest, ReportRequest, Snapshot, WorkerEvent};

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
    /// Write the report shown as a PDF and an HTML page.
    ExportReport,
    /// Step back one period of the view.
    Earlier,
    /// Step forward one period of the view.
    Later,
    /// Back to the present.
    Present,
    /// Cycle the comparison: previous period, a year before, baseline, none.
    ToggleCompare,
    /// Show or hide the breakdown panel.
    ToggleBreakdown,
    /// Break down by the next dimension.
    NextDimension,
    /// Sort the breakdown by the next key.
    NextSort,
    /// Scroll the breakdown one row up.
    ScrollUp,
    /// Scroll the breakdown one row down.
    ScrollDown,
    /// Scroll the breakdown a page up.
    PageUp,
    /// Scroll the breakdown a page down.
    PageDown,
    /// Open the filter picker.
    OpenPicker,
    /// Clear the filter.
    ClearFilter,
}

/// What the filter picker understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PickerInput {
    /// A character of the search text.
    Char(char),
    /// Delete the last search character.
    Backspace,
    /// Move the cursor up.
    Up,
    /// Move the cursor down.
    Down,
    /// Select or unselect the value under the cursor.
    Toggle,
    /// Apply the selection as the filter.
    Apply,
    /// Close without applying.
    Close,
    /// Pick values of the next dimension.
    NextDimension,
}

/// How the breakdown is sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    /// Largest cost first.
    #[default]
    Cost,
    /// Most tokens first.
    Tokens,
    /// Most requests first.
    Requests,
    /// By name.
    Name,
    /// Largest rise in cost against the comparison first.
    Change,
}

impl SortKey {
    /// The next key in cycling order.
    #[must_use]
    pub fn next(self) -> Self {
        match self {
            SortKey::Cost => SortKey::Tokens,
            SortKey::Tokens => SortKey::Requests,
            SortKey::Requests => SortKey::Name,
            SortKey::Name => SortKey::Change,
            SortKey::Change => SortKey::Cost,
        }
    }

    /// Lower-case name.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            SortKey::Cost => "cost",
            SortKey::Tokens => "tokens",
            SortKey::Requests => "requests",
            SortKey::Name => "name",
            SortKey::Change => "change",
        }
    }
}

/// The breakdown panel's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreakdownPanel {
    /// The dimension shown.
    pub dimension: Dimension,
    /// The order.
    pub sort: SortKey,
    /// First row shown.
    pub scroll: usize,
}

/// The filter picker's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picker {
    /// The dimension whose values are picked.
    pub dimension: Dimension,
    /// Search text (case-insensitive substring).
    pub search: String,
    /// Values selected.
    pub selected: std::collections::BTreeSet<String>,
    /// Index of the highlighted value among those matching the search.
    pub cursor: usize,
}

/// Rows scrolled by PgUp and PgDn.
pub const PAGE: usize = 10;

/// Everything that can change the app.
#[derive(Debug, Clone)]
pub enum Message {
    /// A key's action.
    Action(Action),
    /// A key typed while the filter picker is open.
    Picker(PickerInput),
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
    /// Write the report shown as a PDF and an HTML page.
    ExportReport(View),
    /// Ring the terminal bell (an alert arrived).
    Bell,
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
    /// The key bindings in force (help and hints are drawn from them).
    pub keymap: crate::keymap::Keymap,
}

/// The whole UI state.
#[derive(Debug, Clone)]
pub struct App {
    /// The view shown.
    pub view: View,
    /// The last good report.
    pub report: Option<Arc<Snapshot>>,
    /// True while a refresh runs.
    pub loading: bool,
    /// How far a cold build of the cache has come, while one runs.
    pub progress: Option<crate::protocol::BuildProgress>,
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
    /// The last alert, shown as a banner until a key is pressed.
    pub alert: Option<String>,
    /// Periods of the view stepped back into history (0: the present).
    pub history: u32,
    /// The custom range of days (`--from`/`--to`), if any.
    pub range: Option<(chrono::NaiveDate, chrono::NaiveDate)>,
    /// The comparison chosen with `c` (overlaid on the cost chart; the blocks
    /// and the breakdown compare with it); `None`: no overlay, the blocks
    /// compare with the previous period.
    pub compare: Option<crate::analytics::compare::Compare>,
    /// Periods in the baseline comparison (`baseline_periods`).
    pub baseline_periods: u32,
    /// The breakdown panel, while open.
    pub panel: Option<BreakdownPanel>,
    /// The filter picker, while open.
    pub picker: Option<Picker>,
    /// The sequence number of the latest query asked for: answers to older
    /// queries (a filter since changed, say) are dropped.
    pub sequence: u64,
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
            alert: None,
            history: 0,
            range: None,
            compare: None,
            baseline_periods: crate::analytics::compare::DEFAULT_BASELINE_PERIODS,
            panel: None,
            picker: None,
            sequence: 0,
            progress: None,
        }
    }

    /// The comparison the blocks, overlay and breakdown show: the one chosen,
    /// once the report holds it (else the previous period, which every report holds).
    #[must_use]
    pub fn comparison(
        &self,
    ) -> Option<std::borrow::Cow<'_, crate::analytics::compare::Comparison>> {
        use crate::analytics::compare::Comparison;
        let report = self.report.as_ref()?;
        let wanted = self.compare.unwrap_or_default();
        Some(if report.comparison.mode == wanted {
            std::borrow::Cow::Borrowed(&report.comparison)
        } else {
            std::borrow::Cow::Owned(Comparison::previous(report))
        })
    }

    /// Applies one message.
    pub fn update(&mut self, message: Message) -> Option<Effect> {
        match message {
            Message::Action(action) => self.apply(action),
            Message::Picker(input) => self.pick(input),
            Message::Worker(event) => {
                match event {
                    WorkerEvent::Loading => self.loading = true,
                    WorkerEvent::Report(report) if report.sequence < self.sequence => {
                        // An answer to a query that has since changed: the new one is coming.
                    }
                    WorkerEvent::Progress(progress) => {
                        self.progress = Some(progress);
                        self.loading = true;
                    }
                    WorkerEvent::Report(report) => {
                        self.report = Some(report);
                        self.progress = None;
                        self.loading = false;
                        self.error = None;
                    }
                    WorkerEvent::Notice(text) => self.notice = Some(text),
                    WorkerEvent::Alert(text) => {
                        self.alert = Some(text);
                        return Some(Effect::Bell);
                    }
                    WorkerEvent::Failed { message, retry_in } => {
                        self.loading = false;
                        self.progress = None;
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
        self.alert = None;
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
            Action::ExportReport => {
                return if self.report.is_some() {
                    Some(Effect::ExportReport(self.view))
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
            Action::ToggleCompare => {
                use crate::analytics::compare::Compare;
                let asked = |mode: Option<Compare>| {
                    matches!(mode, Some(Compare::Year | Compare::Baseline(_)))
                };
                let before = asked(self.compare);
                self.compare = Compare::cycle(self.compare, self.baseline_periods);
                if let Some(panel) = &mut self.panel {
                    panel.sort = if self.compare.is_some() {
                        SortKey::Change
                    } else {
                        SortKey::Cost
                    };
                    panel.scroll = 0;
                }
                // The previous period is in every report; the others are asked for.
                if before || asked(self.compare) {
                    return self.ask();
                }
            }
            Action::ToggleBreakdown => {
                self.panel = match self.panel {
                    Some(_) => None,
                    None => Some(BreakdownPanel {
                        dimension: Dimension::Model,
                        sort: if self.compare.is_some() {
                            SortKey::Change
                        } else {
                            SortKey::Cost
                        },
                        scroll: 0,
                    }),
                };
                return self.ask();
            }
            Action::NextDimension => {
                let Some(panel) = &mut self.panel else {
                    return None;
                };
                panel.dimension = next_dimension(panel.dimension);
                panel.scroll = 0;
                return self.ask();
            }
            Action::NextSort => {
                if let Some(panel) = &mut self.panel {
                    panel.sort = panel.sort.next();
                    panel.scroll = 0;
                }
            }
            Action::ScrollUp => self.scroll(-1),
            Action::ScrollDown => self.scroll(1),
            Action::PageUp => self.scroll(-isize::try_from(PAGE).unwrap_or(10)),
            Action::PageDown => self.scroll(isize::try_from(PAGE).unwrap_or(10)),
            Action::OpenPicker => {
                let dimension = self
                    .panel
                    .as_ref()
                    .map_or(Dimension::Model, |panel| panel.dimension);
                self.picker = Some(self.new_picker(dimension));
                return self.ask();
            }
            Action::ClearFilter => {
                if self.filter.is_empty() {
                    return None;
                }
                self.filter = Filter::default();
                return self.ask();
            }
            Action::Back if self.show_help => self.show_help = false,
            Action::Back if self.panel.is_some() => self.panel = None,
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
    pub fn query(&self, sequence: u64) -> RefreshRequest {
        RefreshRequest {
            report: ReportRequest {
                filter: self.filter.clone(),
                history: (self.history > 0).then_some((self.view, self.history)),
                range: self.range,
                breakdown: match (&self.picker, &self.panel) {
                    (Some(picker), _) => Some((picker.dimension, true)),
                    (None, Some(panel)) => Some((panel.dimension, false)),
                    (None, None) => None,
                },
                compare: self.compare.unwrap_or_default(),
            },
            sequence,
        }
    }

    /// Ask the worker again: the query changed.
    fn ask(&mut self) -> Option<Effect> {
        self.loading = true;
        Some(Effect::Refresh)
    }

    fn scroll(&mut self, rows: isize) {
        if let Some(panel) = &mut self.panel {
            panel.scroll = panel.scroll.saturating_add_signed(rows);
            let count = self
                .report
                .as_ref()
                .and_then(|report| report.breakdown.as_ref())
                .map_or(0, |breakdown| breakdown.for_view(self.view).rows.len());
            panel.scroll = panel.scroll.min(count.saturating_sub(1));
        }
    }

    fn new_picker(&self, dimension: Dimension) -> Picker {
        Picker {
            dimension,
            search: String::new(),
            selected: self.filter.patterns(dimension).iter().cloned().collect(),
            cursor: 0,
        }
    }

    /// The values the picker lists: the breakdown's values matching the search.
    #[must_use]
    pub fn picker_items(&self) -> Vec<&crate::analytics::breakdown::BreakdownRow> {
        let (Some(picker), Some(report)) = (&self.picker, &self.report) else {
            return Vec::new();
        };
        let Some(breakdown) = report
            .breakdown
            .as_ref()
            .filter(|breakdown| breakdown.dimension == picker.dimension)
        else {
            return Vec::new();
        };
        let needle = picker.search.to_lowercase();
        breakdown
            .for_view(self.view)
            .rows
            .iter()
            .filter(|row| row.key.to_lowercase().contains(&needle))
            .collect()
    }

    fn pick(&mut self, input: PickerInput) -> Option<Effect> {
        let count = self.picker_items().len();
        let highlighted = self
            .picker_items()
            .get(self.picker.as_ref().map_or(0, |picker| picker.cursor))
            .map(|row| row.key.clone());
        let picker = self.picker.as_mut()?;
        match input {
            PickerInput::Char(c) => {
                picker.search.push(c);
                picker.cursor = 0;
            }
            PickerInput::Backspace => {
                picker.search.pop();
                picker.cursor = 0;
            }
            PickerInput::Up => picker.cursor = picker.cursor.saturating_sub(1),
            PickerInput::Down => picker.cursor = (picker.cursor + 1).min(count.saturating_sub(1)),
            PickerInput::Toggle => {
                if let Some(key) = highlighted {
                    if !picker.selected.remove(&key) {
                        picker.selected.insert(key);
                    }
                }
            }
            PickerInput::Close => self.picker = None,
            PickerInput::NextDimension => {
                let dimension = next_dimension(picker.dimension);
                self.picker = Some(self.new_picker(dimension));
                return self.ask();
            }
            PickerInput::Apply => {
                let dimension = picker.dimension;
                // Exact names: a literal * or ? in a name matches itself as ?.
                let patterns: Vec<String> = picker
                    .selected
                    .iter()
                    .map(|value| {
                        value
                            .chars()
                            .map(|c| if matches!(c, '*') { '?' } else { c })
                            .collect()
                    })
                    .collect();
                *self.filter.patterns_mut(dimension) = patterns;
                self.picker = None;
                return self.ask();
            }
        }
        None
    }
}

fn next_dimension(dimension: Dimension) -> Dimension {
    match dimension {
        Dimension::Model => Dimension::Endpoint,
        Dimension::Endpoint => Dimension::User,
        Dimension::User => Dimension::Model,
    }
}
