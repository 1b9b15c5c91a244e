//! App state and its one `update` function. State changes only through
//! messages (key actions, picker inputs, worker events and the sizes the
//! renderer reports); `update` returns the effects the event loop must carry
//! out. No I/O here, and no clock: "now" is the report's.

mod panel;
mod picker;

use std::sync::Arc;
use std::time::Duration;

pub use panel::{sorted, BreakdownPanel, Drill, SortKey};
pub use picker::{literal, Choice, Picker, PickerItem};

use crate::action::{Action, PickerInput};
use crate::analytics::compare::{Compare, Comparison};
use crate::analytics::trend::View;
use crate::filter::{Dimension, Filter};
use crate::protocol::{RefreshRequest, ReportRequest, Snapshot, WorkerEvent};

/// Rows scrolled by PgUp and PgDn when the screen has not said how many show.
pub const PAGE: usize = 10;

/// What an export before the first report says.
const NOTHING_YET: &str = "nothing to export yet: the first refresh has not finished";

/// Everything that can change the app.
#[derive(Debug, Clone)]
pub enum Message {
    /// A key's action.
    Action(Action),
    /// A key typed while the filter picker is open.
    Picker(PickerInput),
    /// News from the worker.
    Worker(WorkerEvent),
    /// How many rows the screen shows of each scrolling list (sent by the
    /// event loop after a draw, when it changed).
    Viewport(Viewport),
}

impl From<crate::action::Input> for Message {
    fn from(input: crate::action::Input) -> Self {
        match input {
            crate::action::Input::Action(action) => Message::Action(action),
            crate::action::Input::Picker(input) => Message::Picker(input),
        }
    }
}

/// Rows visible in each scrolling list at the current terminal size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewport {
    /// Data rows of the breakdown panel.
    pub panel_rows: usize,
    /// Lines of the help popup's body.
    pub help_rows: usize,
    /// Lines of the help popup's content (all of it).
    pub help_lines: usize,
    /// Value lines of the filter picker.
    pub picker_rows: usize,
}

impl Default for Viewport {
    fn default() -> Self {
        Self {
            panel_rows: PAGE,
            help_rows: PAGE,
            help_lines: usize::MAX,
            picker_rows: PAGE,
        }
    }
}

/// What the user asked to export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportTarget {
    /// The view's series, as the charts show it.
    Series(View),
    /// The breakdown table on screen, in its order.
    Breakdown {
        /// Whose rows.
        dimension: Dimension,
        /// The period (today, this week, this month).
        view: View,
        /// The order shown.
        sort: SortKey,
        /// Reversed.
        reverse: bool,
    },
    /// The hours of the day shown.
    Hours,
}

/// Work the event loop does for `update`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Ask the worker for a fresh report of the current query (filter, history).
    Refresh,
    /// Write what is on screen to a CSV file.
    Export(ExportTarget),
    /// Write the report shown as a PDF and an HTML page.
    ExportReport(View),
    /// Ring the terminal bell (an alert arrived).
    Bell,
}

/// Static facts about the session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    /// The database, password removed.
    pub database: String,
    /// The zone every date is in.
    pub tz: chrono_tz::Tz,
    /// True when `--now` pins the clock.
    pub pinned_clock: bool,
    /// The dimensions the source maps, in cycling order.
    pub dimensions: Vec<Dimension>,
    /// First day of the week.
    pub week_start: crate::period::WeekStart,
}

impl Context {
    /// A context with every dimension and Monday weeks.
    #[must_use]
    pub fn new(database: &str, tz: chrono_tz::Tz) -> Self {
        Self {
            database: database.to_owned(),
            tz,
            pinned_clock: false,
            dimensions: Dimension::ALL.to_vec(),
            week_start: crate::period::WeekStart::Monday,
        }
    }
}

/// A failed refresh, shown until the next success.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// What went wrong, for people.
    pub message: String,
    /// When the worker tries again by itself.
    pub retry_in: Duration,
}

/// A one-off message for the footer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// Text (where an export went, say).
    Text(String),
    /// Esc with nothing to close: say which key quits.
    NothingToClose,
}

/// A page of the help popup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HelpPage {
    /// The keys.
    Keys,
    /// Each model seen with its price entry.
    Prices,
}

/// The help popup's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Help {
    /// The page shown.
    pub page: HelpPage,
    /// First line shown.
    pub scroll: usize,
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
    /// How far an import of the followed sources has come, while one runs.
    pub importing: Option<crate::protocol::ImportProgress>,
    /// What the last import of the followed sources that changed something
    /// (or failed) did, for the footer.
    pub imported: Option<String>,
    /// The last refresh's failure, shown until the next success.
    pub error: Option<Failure>,
    /// The help popup, while open.
    pub help: Option<Help>,
    /// True once the user asked to quit.
    pub should_quit: bool,
    /// Facts about the session.
    pub context: Context,
    /// Which usage the numbers count.
    pub filter: Filter,
    /// Drill-down steps, the latest last (Esc goes back one).
    pub drill: Vec<Drill>,
    /// A one-off message for the footer.
    pub notice: Option<Notice>,
    /// The last alert, shown as a banner until a key is pressed.
    pub alert: Option<String>,
    /// Periods of the view stepped back into history (0: the present).
    pub history: u32,
    /// The custom range of days (`--from`/`--to`), if any.
    pub range: Option<(chrono::NaiveDate, chrono::NaiveDate)>,
    /// The comparison chosen with `c` (overlaid on the cost chart; the blocks
    /// and the breakdown compare with it); `None`: no overlay, the blocks
    /// compare with the previous period.
    pub compare: Option<Compare>,
    /// Periods in the baseline comparison (`baseline_periods`).
    pub baseline_periods: u32,
    /// True while the cost chart is split by model.
    pub split: bool,
    /// True while tokens are shown in detail.
    pub tokens: bool,
    /// True while the day is shown hour by hour.
    pub hourly: bool,
    /// The breakdown panel, while open.
    pub panel: Option<BreakdownPanel>,
    /// The filter picker, while open.
    pub picker: Option<Picker>,
    /// Rows the screen shows of each list.
    pub viewport: Viewport,
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
            progress: None,
            importing: None,
            imported: None,
            error: None,
            help: None,
            should_quit: false,
            context,
            filter: Filter::default(),
            drill: Vec::new(),
            notice: None,
            alert: None,
            history: 0,
            range: None,
            compare: None,
            baseline_periods: crate::analytics::compare::DEFAULT_BASELINE_PERIODS,
            split: false,
            tokens: false,
            hourly: false,
            panel: None,
            picker: None,
            viewport: Viewport::default(),
            sequence: 0,
        }
    }

    /// True while the help popup is open.
    #[must_use]
    pub fn show_help(&self) -> bool {
        self.help.is_some()
    }

    /// The comparison the blocks, overlay and breakdown show: the one chosen,
    /// once the report holds it (else the previous period, which every report holds).
    #[must_use]
    pub fn comparison(&self) -> Option<std::borrow::Cow<'_, Comparison>> {
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
        if matches!(message, Message::Action(_) | Message::Picker(_)) {
            // The alert banner shows until a key is pressed.
            self.alert = None;
        }
        match message {
            Message::Action(action) if self.help.is_some() => self.in_help(action),
            Message::Action(action) => self.apply(action),
            Message::Picker(input) => self.pick(input),
            Message::Viewport(viewport) => {
                self.viewport = viewport;
                self.clamp_panel();
                None
            }
            Message::Worker(event) => self.receive(event),
        }
    }

    fn receive(&mut self, event: WorkerEvent) -> Option<Effect> {
        match event {
            WorkerEvent::Loading => self.loading = true,
            WorkerEvent::Report(report) if report.sequence < self.sequence => {
                // An answer to a query that has since changed: the new one is coming.
            }
            WorkerEvent::Progress(progress) => {
                self.importing = None;
                self.progress = Some(progress);
                self.loading = true;
            }
            WorkerEvent::Importing(progress) => {
                self.importing = Some(progress);
                self.loading = true;
            }
            WorkerEvent::Imported(line) => {
                self.importing = None;
                self.imported = Some(line);
            }
            WorkerEvent::Report(report) => {
                if !report.dimensions.is_empty() && report.dimensions != self.context.dimensions {
                    // The source's columns, as checked: a dimension the
                    // mapping names but the table lacks is not offered.
                    self.context.dimensions = report.dimensions.clone();
                }
                self.report = Some(report);
                self.progress = None;
                self.importing = None;
                self.loading = false;
                self.error = None;
                self.clamp_panel();
            }
            WorkerEvent::Notice(text) => self.notice = Some(Notice::Text(text)),
            WorkerEvent::Alert(text) => {
                self.alert = Some(text);
                return Some(Effect::Bell);
            }
            WorkerEvent::Failed { message, retry_in } => {
                self.loading = false;
                self.progress = None;
                self.importing = None;
                self.error = Some(Failure { message, retry_in });
            }
        }
        None
    }

    /// Keys while help is open: moving scrolls it, the view keys turn its
    /// pages, help and Esc close it, quit quits.
    fn in_help(&mut self, action: Action) -> Option<Effect> {
        let help = self.help.as_mut()?;
        let page = isize::try_from(self.viewport.help_rows.max(1)).unwrap_or(10);
        let last = self
            .viewport
            .help_lines
            .saturating_sub(self.viewport.help_rows);
        let scroll = |help: &mut Help, by: isize| {
            help.scroll = help.scroll.saturating_add_signed(by).min(last);
        };
        match action {
            Action::ScrollUp => scroll(help, -1),
            Action::ScrollDown => scroll(help, 1),
            Action::PageUp => scroll(help, -page),
            Action::PageDown => scroll(help, page),
            Action::NextView | Action::Earlier | Action::Later => {
                help.page = match help.page {
                    HelpPage::Keys => HelpPage::Prices,
                    HelpPage::Prices => HelpPage::Keys,
                };
                help.scroll = 0;
            }
            Action::ShowPrices if help.page == HelpPage::Keys => {
                *help = Help {
                    page: HelpPage::Prices,
                    scroll: 0,
                };
            }
            Action::ToggleHelp | Action::Back | Action::ShowPrices => self.help = None,
            Action::Quit => self.should_quit = true,
            _ => {}
        }
        None
    }

    fn apply(&mut self, action: Action) -> Option<Effect> {
        self.notice = None;
        match action {
            Action::Export => return self.export(),
            Action::ExportReport => {
                if self.report.is_none() {
                    self.notice = Some(Notice::Text(NOTHING_YET.to_owned()));
                    return None;
                }
                return Some(Effect::ExportReport(self.view));
            }
            Action::ShowView(view) => {
                self.hourly = false;
                return self.switch_view(view);
            }
            Action::NextView => {
                self.hourly = false;
                return self.switch_view(self.view.next());
            }
            Action::ToggleHourly => return self.toggle_hourly(),
            Action::Earlier => {
                self.history = self.history.saturating_add(1);
                return self.ask();
            }
            Action::Later | Action::Present if self.history == 0 => {}
            Action::Later => {
                self.history -= 1;
                return self.ask();
            }
            Action::Present => {
                self.history = 0;
                return self.ask();
            }
            Action::Refresh => return self.ask(),
            Action::ToggleHelp => {
                self.help = Some(Help {
                    page: HelpPage::Keys,
                    scroll: 0,
                });
            }
            Action::ShowPrices => {
                self.help = Some(Help {
                    page: HelpPage::Prices,
                    scroll: 0,
                });
            }
            Action::ToggleCompare => return self.cycle_compare(),
            Action::ToggleSplit => self.split = !self.split,
            Action::ToggleTokens => self.tokens = !self.tokens,
            Action::ToggleBreakdown => {
                self.panel = match self.panel {
                    Some(_) => None,
                    None => Some(self.new_panel(self.first_open_dimension())),
                };
                return self.ask();
            }
            Action::NextDimension => {
                let dimension = self.next_dimension(self.panel.as_ref()?.dimension, 1);
                let next = self.new_panel(dimension);
                *self.panel.as_mut()? = next;
                return self.ask();
            }
            Action::NextSort => {
                if let Some(panel) = &mut self.panel {
                    panel.sort = panel.sort.next();
                    panel.cursor = 0;
                    panel.scroll = 0;
                }
            }
            Action::ReverseSort => {
                if let Some(panel) = &mut self.panel {
                    panel.reverse = !panel.reverse;
                    panel.cursor = 0;
                    panel.scroll = 0;
                }
            }
            Action::ScrollUp => self.move_cursor(-1),
            Action::ScrollDown => self.move_cursor(1),
            Action::PageUp => self.move_cursor(-self.page()),
            Action::PageDown => self.move_cursor(self.page()),
            Action::Select => return self.drill_down(),
            Action::OpenPicker => {
                let dimension = self
                    .panel
                    .as_ref()
                    .map_or_else(|| self.first_open_dimension(), |panel| panel.dimension);
                self.picker = Some(Picker::new(
                    dimension,
                    &self.filter,
                    &self.context.dimensions,
                ));
                return self.ask();
            }
            Action::ClearFilter => {
                if self.filter.is_empty() {
                    return None;
                }
                self.filter = Filter::default();
                self.drill.clear();
                return self.ask();
            }
            Action::Back => return self.back(),
            Action::Quit => self.should_quit = true,
        }
        None
    }

    /// Esc and Backspace: close what is open or step back, innermost first;
    /// never quit.
    fn back(&mut self) -> Option<Effect> {
        if let Some(step) = self.drill.pop() {
            self.filter = step.filter;
            self.panel = Some(step.panel);
            return self.ask();
        }
        if self.panel.is_some() {
            self.panel = None;
            return self.ask();
        }
        if self.hourly {
            return self.toggle_hourly();
        }
        if self.tokens || self.split || self.compare.is_some() {
            self.tokens = false;
            self.split = false;
            // A year before or a baseline was asked for; the previous period
            // is in every report.
            let asked = matches!(self.compare, Some(Compare::Year | Compare::Baseline(_)));
            self.compare = None;
            if let Some(panel) = &mut self.panel {
                panel.sort = SortKey::Cost;
                panel.cursor = 0;
                panel.scroll = 0;
            }
            return if asked { self.ask() } else { None };
        }
        if self.history > 0 {
            self.history = 0;
            return self.ask();
        }
        self.notice = Some(Notice::NothingToClose);
        None
    }

    fn toggle_hourly(&mut self) -> Option<Effect> {
        self.hourly = !self.hourly;
        if self.hourly && self.view != View::Daily {
            // Hours belong to a day: history now steps day by day.
            self.history = 0;
            self.view = View::Daily;
        }
        self.ask()
    }

    /// `c`: the next comparison (previous, a year before, baseline, none).
    /// The breakdown ranks by change while one is chosen.
    fn cycle_compare(&mut self) -> Option<Effect> {
        let asked =
            |mode: Option<Compare>| matches!(mode, Some(Compare::Year | Compare::Baseline(_)));
        let before = asked(self.compare);
        self.compare = Compare::cycle(self.compare, self.baseline_periods);
        if let Some(panel) = &mut self.panel {
            panel.sort = if self.compare.is_some() {
                SortKey::Change
            } else {
                SortKey::Cost
            };
            panel.reverse = false;
            panel.cursor = 0;
            panel.scroll = 0;
        }
        // The previous period is in every report; the others are asked for.
        if before || asked(self.compare) {
            return self.ask();
        }
        None
    }

    fn export(&mut self) -> Option<Effect> {
        if self.report.is_none() {
            self.notice = Some(Notice::Text(NOTHING_YET.to_owned()));
            return None;
        }
        let target = match (&self.panel, self.hourly) {
            (Some(panel), _) => ExportTarget::Breakdown {
                dimension: panel.dimension,
                view: self.view,
                sort: panel.sort,
                reverse: panel.reverse,
            },
            (None, true) => ExportTarget::Hours,
            (None, false) => ExportTarget::Series(self.view),
        };
        Some(Effect::Export(target))
    }

    /// Shows another view: instant in the present (the report holds all
    /// three); in history the position is in periods of the view, so ask again.
    fn switch_view(&mut self, view: View) -> Option<Effect> {
        let changed = self.view != view;
        self.view = view;
        if let Some(panel) = &mut self.panel {
            panel.cursor = 0;
            panel.scroll = 0;
        }
        if changed && self.history > 0 {
            return self.ask();
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
                hourly: self.hourly,
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

    /// The dimensions after (`step` 1) or before (`step` -1) `dimension`.
    fn next_dimension(&self, dimension: Dimension, step: isize) -> Dimension {
        let all = &self.context.dimensions;
        let index = all
            .iter()
            .position(|known| *known == dimension)
            .unwrap_or(0);
        let count = isize::try_from(all.len()).unwrap_or(1).max(1);
        let next = (isize::try_from(index).unwrap_or(0) + step).rem_euclid(count);
        all.get(usize::try_from(next).unwrap_or(0))
            .copied()
            .unwrap_or(dimension)
    }

    /// True when the filter pins `dimension` to one value (a drill-down).
    fn pinned(&self, dimension: Dimension) -> bool {
        let patterns = self.filter.patterns(dimension);
        patterns.len() == 1 && !patterns[0].starts_with('!')
    }

    /// The first dimension the filter does not pin to one value.
    fn first_open_dimension(&self) -> Dimension {
        let all = &self.context.dimensions;
        all.iter()
            .copied()
            .find(|dimension| !self.pinned(*dimension))
            .or_else(|| all.first().copied())
            .unwrap_or(Dimension::Model)
    }
}
