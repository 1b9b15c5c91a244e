//! Key bindings: one table from keys to actions, with the user's `[keys]`
//! applied. Key handling, the help popup, the footer hints and every key
//! named in a text read the [`Keymap`] in use. The filter picker's keys are
//! fixed (every printable key types into its search).

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::action::{Action, Input, PickerInput};
use crate::analytics::trend::View;
use crate::key_error::KeyError;

mod key;

pub use key::{parse_key, Key};

/// The part of help a binding is listed under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// Views of the numbers.
    Views,
    /// The breakdown panel and drilling down.
    Breakdown,
    /// Filters.
    Filter,
    /// Moving through time.
    History,
    /// Everything else.
    General,
}

impl Group {
    /// The heading help shows.
    #[must_use]
    pub fn title(self) -> &'static str {
        match self {
            Group::Views => "Views",
            Group::Breakdown => "Breakdown",
            Group::Filter => "Filter",
            Group::History => "History",
            Group::General => "General",
        }
    }
}

/// One binding: the keys, the action, and how help and the footer describe it.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    /// The keys.
    pub keys: &'static [Key],
    /// What they do.
    pub action: Action,
    /// Where help lists it.
    pub group: Group,
    /// One line for the help popup.
    pub description: &'static str,
    /// A short hint for the footer (`None`: help only).
    pub hint: Option<&'static str>,
}

impl Binding {
    /// The keys as help shows them: `q Ctrl-C`.
    #[must_use]
    pub fn label(&self) -> String {
        self.keys
            .iter()
            .map(|key| key.label())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

const fn bind(
    keys: &'static [Key],
    action: Action,
    group: Group,
    description: &'static str,
    hint: Option<&'static str>,
) -> Binding {
    Binding {
        keys,
        action,
        group,
        description,
        hint,
    }
}

/// The bindings, in the order help lists them.
pub const BINDINGS: &[Binding] = &[
    bind(
        &[Key::Char('d')],
        Action::ShowView(View::Daily),
        Group::Views,
        "daily view: last 30 days",
        Some("daily"),
    ),
    bind(
        &[Key::Char('w')],
        Action::ShowView(View::Weekly),
        Group::Views,
        "weekly view: last 12 weeks",
        Some("weekly"),
    ),
    bind(
        &[Key::Char('m')],
        Action::ShowView(View::Monthly),
        Group::Views,
        "monthly view: last 12 months",
        Some("monthly"),
    ),
    bind(
        &[Key::Char('H')],
        Action::ToggleHourly,
        Group::Views,
        "today (or the day shown) hour by hour: burn rate, daily budget",
        Some("hours"),
    ),
    bind(
        &[Key::Tab],
        Action::NextView,
        Group::Views,
        "next view",
        None,
    ),
    bind(
        &[Key::Char('i')],
        Action::ToggleTokens,
        Group::Views,
        "tokens in detail: input, output, cache; hit ratio, savings",
        Some("tokens"),
    ),
    bind(
        &[Key::Char('p')],
        Action::ToggleSplit,
        Group::Views,
        "cost chart split by the top models, with a legend",
        Some("models"),
    ),
    bind(
        &[Key::Char('c')],
        Action::ToggleCompare,
        Group::Views,
        "compare: previous period, a year before, baseline, off",
        Some("compare"),
    ),
    bind(
        &[Key::Char('b')],
        Action::ToggleBreakdown,
        Group::Breakdown,
        "show or hide the breakdown (by model, endpoint, user ...)",
        Some("breakdown"),
    ),
    bind(
        &[Key::Char('g')],
        Action::NextDimension,
        Group::Breakdown,
        "breakdown: next dimension",
        None,
    ),
    bind(
        &[Key::Char('s')],
        Action::NextSort,
        Group::Breakdown,
        "breakdown: sort by cost, tokens, requests, change or name",
        None,
    ),
    bind(
        &[Key::Char('S')],
        Action::ReverseSort,
        Group::Breakdown,
        "breakdown: reverse the order",
        None,
    ),
    bind(
        &[Key::Char('k'), Key::Up],
        Action::ScrollUp,
        Group::Breakdown,
        "move up (breakdown, help)",
        None,
    ),
    bind(
        &[Key::Char('j'), Key::Down],
        Action::ScrollDown,
        Group::Breakdown,
        "move down (breakdown, help)",
        None,
    ),
    bind(
        &[Key::PageUp],
        Action::PageUp,
        Group::Breakdown,
        "a page up",
        None,
    ),
    bind(
        &[Key::PageDown],
        Action::PageDown,
        Group::Breakdown,
        "a page down",
        None,
    ),
    bind(
        &[Key::Enter],
        Action::Select,
        Group::Breakdown,
        "drill down: filter the whole dashboard to the row",
        None,
    ),
    bind(
        &[Key::Char('f'), Key::Char('/')],
        Action::OpenPicker,
        Group::Filter,
        "filter: pick or leave out values of every dimension",
        Some("filter"),
    ),
    bind(
        &[Key::Char('F')],
        Action::ClearFilter,
        Group::Filter,
        "clear the filter",
        None,
    ),
    bind(
        &[Key::Char('['), Key::Left, Key::Char('h')],
        Action::Earlier,
        Group::History,
        "back one period (day, week or month, as the view shows)",
        None,
    ),
    bind(
        &[Key::Char(']'), Key::Right, Key::Char('l')],
        Action::Later,
        Group::History,
        "forward one period",
        None,
    ),
    bind(
        &[Key::Char('t')],
        Action::Present,
        Group::History,
        "back to today",
        None,
    ),
    bind(
        &[Key::Char('e')],
        Action::Export,
        Group::General,
        "export what is on screen to CSV",
        Some("export"),
    ),
    bind(
        &[Key::Char('E')],
        Action::ExportReport,
        Group::General,
        "write the report shown as PDF and HTML (export_dir)",
        None,
    ),
    bind(
        &[Key::Char('r')],
        Action::Refresh,
        Group::General,
        "refresh now",
        Some("refresh"),
    ),
    bind(
        &[Key::Char('$')],
        Action::ShowPrices,
        Group::General,
        "prices and notes: each model seen, the price entry it resolved to; notes about the data",
        None,
    ),
    bind(
        &[Key::Char('?'), Key::F(1)],
        Action::ToggleHelp,
        Group::General,
        "show or hide this help",
        Some("help"),
    ),
    bind(
        &[Key::Esc, Key::Backspace],
        Action::Back,
        Group::General,
        "close or step back (help, drill-down, panel, history)",
        None,
    ),
    bind(
        &[Key::Char('q'), Key::Ctrl('c')],
        Action::Quit,
        Group::General,
        "quit",
        Some("quit"),
    ),
];

/// The footer's hints after the views, most important first (the footer
/// drops from the end, keeping help and quit).
pub const FOOTER_ORDER: &[Action] = &[
    Action::ToggleBreakdown,
    Action::OpenPicker,
    Action::ToggleHourly,
    Action::Export,
    Action::Refresh,
    Action::ToggleTokens,
    Action::ToggleSplit,
    Action::ToggleCompare,
    Action::ToggleHelp,
    Action::Quit,
];

/// The footer's hints as (key, word) pairs, from the table.
#[must_use]
pub fn footer_hints() -> Vec<(String, &'static str)> {
    Keymap::default().footer_hints()
}

/// The action of a key press, if any. Releases and repeats are ignored.
#[must_use]
pub fn action_for(event: &KeyEvent) -> Option<Action> {
    Keymap::default().action_for(event)
}

/// What a key press means while the filter picker is open: typing searches,
/// Space cycles a value (shown, left out, not chosen), Enter applies, Esc
/// closes, Tab and Shift-Tab change the dimension, Ctrl-C still quits. The
/// picker's keys are fixed: every printable key types into the search.
#[must_use]
pub fn picker_input(event: &KeyEvent) -> Option<Input> {
    if event.kind != KeyEventKind::Press {
        return None;
    }
    if event.modifiers.contains(KeyModifiers::CONTROL) {
        return matches!(event.code, KeyCode::Char('c' | 'C'))
            .then_some(Input::Action(Action::Quit));
    }
    let input = match event.code {
        KeyCode::Char(' ') => PickerInput::Toggle,
        KeyCode::Char(c) => PickerInput::Char(c),
        KeyCode::Backspace => PickerInput::Backspace,
        KeyCode::Up => PickerInput::Up,
        KeyCode::Down => PickerInput::Down,
        KeyCode::PageUp => PickerInput::PageUp,
        KeyCode::PageDown => PickerInput::PageDown,
        KeyCode::Enter => PickerInput::Apply,
        KeyCode::Esc => PickerInput::Close,
        KeyCode::BackTab => PickerInput::PreviousDimension,
        KeyCode::Tab if event.modifiers.contains(KeyModifiers::SHIFT) => {
            PickerInput::PreviousDimension
        }
        KeyCode::Tab => PickerInput::NextDimension,
        _ => return None,
    };
    Some(Input::Picker(input))
}

/// The picker's fixed keys for help: (keys, what they do).
pub const PICKER_KEYS: &[(&str, &str)] = &[
    ("type", "search the values (case-insensitive)"),
    (
        "Space",
        "cycle the value: shown only [x], left out [-], not chosen [ ]",
    ),
    ("↑ ↓ PgUp PgDn", "move"),
    (
        "Tab Shift-Tab",
        "next or previous dimension (choices are kept)",
    ),
    ("Enter", "apply the choices of every dimension"),
    ("Esc", "close without applying"),
];

/// The config name of an action (`[keys]` table).
#[must_use]
pub fn action_name(action: Action) -> &'static str {
    match action {
        Action::ShowView(View::Daily) => "daily",
        Action::ShowView(View::Weekly) => "weekly",
        Action::ShowView(View::Monthly) => "monthly",
        Action::NextView => "next_view",
        Action::ToggleHourly => "hourly",
        Action::Refresh => "refresh",
        Action::ToggleHelp => "help",
        Action::ShowPrices => "prices",
        Action::Back => "back",
        Action::Quit => "quit",
        Action::Export => "export",
        Action::ExportReport => "export_report",
        Action::Earlier => "earlier",
        Action::Later => "later",
        Action::Present => "today",
        Action::ToggleCompare => "compare",
        Action::ToggleSplit => "split",
        Action::ToggleTokens => "tokens",
        Action::ToggleBreakdown => "breakdown",
        Action::NextDimension => "next_dimension",
        Action::NextSort => "sort",
        Action::ReverseSort => "reverse",
        Action::ScrollUp => "scroll_up",
        Action::ScrollDown => "scroll_down",
        Action::PageUp => "page_up",
        Action::PageDown => "page_down",
        Action::Select => "drill_down",
        Action::OpenPicker => "filter",
        Action::ClearFilter => "clear_filter",
    }
}

/// One live binding: the default table with the user's `[keys]` applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveBinding {
    /// The keys.
    pub keys: Vec<Key>,
    /// What they do.
    pub action: Action,
    /// Where help lists it.
    pub group: Group,
    /// One line for the help popup.
    pub description: &'static str,
    /// A short hint for the footer.
    pub hint: Option<&'static str>,
}

impl LiveBinding {
    /// The keys as help shows them.
    #[must_use]
    pub fn label(&self) -> String {
        self.keys
            .iter()
            .map(|key| key.label())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// The key bindings in force: key handling, help and footer hints read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    bindings: Vec<LiveBinding>,
}

impl Default for Keymap {
    fn default() -> Self {
        Self {
            bindings: BINDINGS
                .iter()
                .map(|binding| LiveBinding {
                    keys: binding.keys.to_vec(),
                    action: binding.action,
                    group: binding.group,
                    description: binding.description,
                    hint: binding.hint,
                })
                .collect(),
        }
    }
}

/// Keys for one action in `[keys]`: one key or a list.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(untagged)]
pub enum KeySpec {
    /// One key.
    One(String),
    /// Several keys.
    Many(Vec<String>),
}

impl Keymap {
    /// The default bindings with `[keys]` overrides: each named action gets
    /// exactly the keys given.
    ///
    /// # Errors
    /// An unknown action, a key that cannot be read, or a key bound to two actions.
    pub fn with_overrides(
        overrides: &std::collections::BTreeMap<String, KeySpec>,
    ) -> Result<Self, KeyError> {
        let mut keymap = Self::default();
        for (name, spec) in overrides {
            let Some(binding) = keymap
                .bindings
                .iter_mut()
                .find(|binding| action_name(binding.action) == name)
            else {
                let names: Vec<&str> = keymap
                    .bindings
                    .iter()
                    .map(|binding| action_name(binding.action))
                    .collect();
                return Err(KeyError::new(
                    format!("keys.{name}"),
                    format!(
                        "there is no action {name:?}; the actions are {}",
                        names.join(", ")
                    ),
                ));
            };
            let texts = match spec {
                KeySpec::One(text) => vec![text.clone()],
                KeySpec::Many(texts) => texts.clone(),
            };
            if texts.is_empty() {
                return Err(KeyError::new(
                    format!("keys.{name}"),
                    "give at least one key",
                ));
            }
            binding.keys = texts
                .iter()
                .map(|text| {
                    parse_key(text).map_err(|error| KeyError::new(format!("keys.{name}"), error))
                })
                .collect::<Result<_, _>>()?;
        }
        for (index, binding) in keymap.bindings.iter().enumerate() {
            for other in &keymap.bindings[index + 1..] {
                if let Some(key) = binding.keys.iter().find(|key| other.keys.contains(key)) {
                    return Err(KeyError::new(
                        "keys",
                        format!(
                            "{} is bound to both {} and {}; give one of them another key in [keys]",
                            key.label(),
                            action_name(binding.action),
                            action_name(other.action)
                        ),
                    ));
                }
            }
        }
        Ok(keymap)
    }

    /// The name of the first key bound to `action`, as help shows it (`r`,
    /// `Esc`): every key named in a text comes from here, so a rebinding in
    /// `[keys]` shows everywhere.
    #[must_use]
    pub fn key(&self, action: Action) -> String {
        self.bindings
            .iter()
            .find(|binding| binding.action == action)
            .and_then(|binding| binding.keys.first())
            .map_or_else(|| "?".to_owned(), |key| key.label())
    }

    /// The names of every key bound to `action`, in the order bound.
    #[must_use]
    pub fn keys(&self, action: Action) -> Vec<String> {
        self.bindings
            .iter()
            .filter(|binding| binding.action == action)
            .flat_map(|binding| binding.keys.iter().map(|key| key.label()))
            .collect()
    }

    /// The bindings, in help order.
    #[must_use]
    pub fn bindings(&self) -> &[LiveBinding] {
        &self.bindings
    }

    /// The action of a key press, if any; exact case first, then either case.
    #[must_use]
    pub fn action_for(&self, event: &KeyEvent) -> Option<Action> {
        if event.kind != KeyEventKind::Press {
            return None;
        }
        let find = |any_case: bool| {
            self.bindings
                .iter()
                .find(|binding| binding.keys.iter().any(|key| key.matches(event, any_case)))
                .map(|binding| binding.action)
        };
        find(false).or_else(|| find(true))
    }

    /// The footer's hints as (keys, word) pairs, in [`FOOTER_ORDER`]; the
    /// three views share one.
    #[must_use]
    pub fn footer_hints(&self) -> Vec<(String, &'static str)> {
        let mut hints: Vec<(String, &'static str)> = Vec::new();
        let views: Vec<String> = self
            .bindings
            .iter()
            .filter(|binding| matches!(binding.action, Action::ShowView(_)))
            .filter_map(|binding| binding.keys.first().map(|key| key.label()))
            .collect();
        if !views.is_empty() {
            hints.push((views.join("/"), "view"));
        }
        for action in FOOTER_ORDER {
            if let Some(hint) = self.hint(*action) {
                hints.push(hint);
            }
        }
        hints
    }

    /// The footer hint of `action`: its first key and the table's word.
    #[must_use]
    pub fn hint(&self, action: Action) -> Option<(String, &'static str)> {
        let binding = self
            .bindings
            .iter()
            .find(|binding| binding.action == action)?;
        Some((binding.keys.first()?.label(), binding.hint?))
    }
}
