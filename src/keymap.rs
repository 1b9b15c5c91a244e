//! Key bindings: one table from keys to actions. Key handling, the help popup
//! and the footer hints all read this table, so they cannot drift.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::analytics::trend::View;
use crate::app::{Action, Message};

/// A key as bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// A printable character (letters match either case).
    Char(char),
    /// Tab.
    Tab,
    /// Escape.
    Esc,
    /// Control plus a letter.
    Ctrl(char),
    /// Arrow up.
    Up,
    /// Arrow down.
    Down,
    /// Page up.
    PageUp,
    /// Page down.
    PageDown,
}

impl Key {
    /// The key as help shows it.
    #[must_use]
    pub fn label(self) -> String {
        match self {
            Key::Char(c) => c.to_string(),
            Key::Tab => "Tab".to_owned(),
            Key::Esc => "Esc".to_owned(),
            Key::Ctrl(c) => format!("Ctrl-{}", c.to_ascii_uppercase()),
            Key::Up => "↑".to_owned(),
            Key::Down => "↓".to_owned(),
            Key::PageUp => "PgUp".to_owned(),
            Key::PageDown => "PgDn".to_owned(),
        }
    }

    /// Whether `event` is this key; letters may match either case when
    /// `any_case` (used only when no binding matches the exact case).
    fn matches(self, event: &KeyEvent, any_case: bool) -> bool {
        let control = event.modifiers.contains(KeyModifiers::CONTROL);
        match (self, event.code) {
            (Key::Ctrl(bound), KeyCode::Char(pressed)) => {
                control && bound.eq_ignore_ascii_case(&pressed)
            }
            (Key::Char(bound), KeyCode::Char(pressed)) => {
                !control && (bound == pressed || (any_case && bound.eq_ignore_ascii_case(&pressed)))
            }
            (Key::Tab, KeyCode::Tab) => !control,
            (Key::Esc, KeyCode::Esc) => true,
            (Key::Up, KeyCode::Up) => true,
            (Key::Down, KeyCode::Down) => true,
            (Key::PageUp, KeyCode::PageUp) => true,
            (Key::PageDown, KeyCode::PageDown) => true,
            _ => false,
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

/// The bindings, in the order help lists them.
pub const BINDINGS: &[Binding] = &[
    Binding {
        keys: &[Key::Char('d')],
        action: Action::ShowView(View::Daily),
        description: "daily view: last 30 days",
        hint: Some("daily"),
    },
    Binding {
        keys: &[Key::Char('w')],
        action: Action::ShowView(View::Weekly),
        description: "weekly view: last 12 weeks",
        hint: Some("weekly"),
    },
    Binding {
        keys: &[Key::Char('m')],
        action: Action::ShowView(View::Monthly),
        description: "monthly view: last 12 months",
        hint: Some("monthly"),
    },
    Binding {
        keys: &[Key::Char('b')],
        action: Action::ToggleBreakdown,
        description: "show or hide the breakdown (by model, endpoint or user)",
        hint: Some("breakdown"),
    },
    Binding {
        keys: &[Key::Char('g')],
        action: Action::NextDimension,
        description: "breakdown: next dimension (model, endpoint, user)",
        hint: None,
    },
    Binding {
        keys: &[Key::Char('s')],
        action: Action::NextSort,
        description: "breakdown: sort by cost, tokens, requests or name",
        hint: None,
    },
    Binding {
        keys: &[Key::Char('k'), Key::Up],
        action: Action::ScrollUp,
        description: "breakdown: scroll up",
        hint: None,
    },
    Binding {
        keys: &[Key::Char('j'), Key::Down],
        action: Action::ScrollDown,
        description: "breakdown: scroll down",
        hint: None,
    },
    Binding {
        keys: &[Key::PageUp],
        action: Action::PageUp,
        description: "breakdown: page up",
        hint: None,
    },
    Binding {
        keys: &[Key::PageDown],
        action: Action::PageDown,
        description: "breakdown: page down",
        hint: None,
    },
    Binding {
        keys: &[Key::Char('f')],
        action: Action::OpenPicker,
        description: "filter: pick values (type to search, Space, Enter, Tab: dimension)",
        hint: Some("filter"),
    },
    Binding {
        keys: &[Key::Char('F')],
        action: Action::ClearFilter,
        description: "clear the filter",
        hint: None,
    },
    Binding {
        keys: &[Key::Char('c')],
        action: Action::ToggleCompare,
        description: "compare: previous period, a year before, baseline, off",
        hint: None,
    },
    Binding {
        keys: &[Key::Char('[')],
        action: Action::Earlier,
        description: "back one period (day, week or month, as the view shows)",
        hint: None,
    },
    Binding {
        keys: &[Key::Char(']')],
        action: Action::Later,
        description: "forward one period",
        hint: None,
    },
    Binding {
        keys: &[Key::Char('t')],
        action: Action::Present,
        description: "back to today",
        hint: None,
    },
    Binding {
        keys: &[Key::Char('e')],
        action: Action::Export,
        description: "export the view shown to CSV",
        hint: Some("export"),
    },
    Binding {
        keys: &[Key::Char('E')],
        action: Action::ExportReport,
        description: "write the report shown as PDF and HTML (export_dir)",
        hint: None,
    },
    Binding {
        keys: &[Key::Tab],
        action: Action::NextView,
        description: "next view",
        hint: None,
    },
    Binding {
        keys: &[Key::Char('r')],
        action: Action::Refresh,
        description: "refresh now",
        hint: Some("refresh"),
    },
    Binding {
        keys: &[Key::Char('?')],
        action: Action::ToggleHelp,
        description: "show or hide this help",
        hint: Some("help"),
    },
    Binding {
        keys: &[Key::Esc],
        action: Action::Back,
        description: "close this help, or quit",
        hint: None,
    },
    Binding {
        keys: &[Key::Char('q'), Key::Ctrl('c')],
        action: Action::Quit,
        description: "quit",
        hint: Some("quit"),
    },
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
/// Space toggles, Enter applies, Esc closes, Tab changes the dimension,
/// Ctrl-C still quits.
#[must_use]
pub fn picker_input(event: &KeyEvent) -> Option<Message> {
    use crate::app::PickerInput;
    if event.kind != KeyEventKind::Press {
        return None;
    }
    if event.modifiers.contains(KeyModifiers::CONTROL) {
        return matches!(event.code, KeyCode::Char('c' | 'C'))
            .then_some(Message::Action(Action::Quit));
    }
    let input = match event.code {
        KeyCode::Char(' ') => PickerInput::Toggle,
        KeyCode::Char(c) => PickerInput::Char(c),
        KeyCode::Backspace => PickerInput::Backspace,
        KeyCode::Up => PickerInput::Up,
        KeyCode::Down => PickerInput::Down,
        KeyCode::Enter => PickerInput::Apply,
        KeyCode::Esc => PickerInput::Close,
        KeyCode::Tab => PickerInput::NextDimension,
        _ => return None,
    };
    Some(Message::Picker(input))
}

/// The config name of an action (`[keys]` table).
#[must_use]
pub fn action_name(action: Action) -> &'static str {
    match action {
        Action::ShowView(View::Daily) => "daily",
        Action::ShowView(View::Weekly) => "weekly",
        Action::ShowView(View::Monthly) => "monthly",
        Action::NextView => "next_view",
        Action::Refresh => "refresh",
        Action::ToggleHelp => "help",
        Action::Back => "back",
        Action::Quit => "quit",
        Action::Export => "export",
        Action::ExportReport => "export_report",
        Action::Earlier => "earlier",
        Action::Later => "later",
        Action::Present => "today",
        Action::ToggleCompare => "compare",
        Action::ToggleBreakdown => "breakdown",
        Action::NextDimension => "next_dimension",
        Action::NextSort => "sort",
        Action::ScrollUp => "scroll_up",
        Action::ScrollDown => "scroll_down",
        Action::PageUp => "page_up",
        Action::PageDown => "page_down",
        Action::OpenPicker => "filter",
        Action::ClearFilter => "clear_filter",
    }
}

/// Parses a key as written in `[keys]`: one character, `Tab`, `Esc`, `Up`,
/// `Down`, `PgUp`, `PgDn`, or `Ctrl-x`.
///
/// # Errors
/// Anything else, with what is accepted.
pub fn parse_key(text: &str) -> Result<Key, String> {
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if !c.is_control() => return Ok(Key::Char(c)),
        _ => {}
    }
    match text.to_ascii_lowercase().as_str() {
        "tab" => Ok(Key::Tab),
        "esc" | "escape" => Ok(Key::Esc),
        "up" => Ok(Key::Up),
        "down" => Ok(Key::Down),
        "pgup" | "pageup" => Ok(Key::PageUp),
        "pgdn" | "pagedown" => Ok(Key::PageDown),
        lower => match lower.strip_prefix("ctrl-").map(|rest| rest.chars().collect::<Vec<_>>()).as_deref() {
            Some([c]) if c.is_ascii_alphabetic() => Ok(Key::Ctrl(*c)),
            _ => Err(format!(
                "{text:?} is not a key; write one character, Tab, Esc, Up, Down, PgUp, PgDn or Ctrl-x"
            )),
        },
    }
}

/// One live binding: the default table with the user's `[keys]` applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveBinding {
    /// The keys.
    pub keys: Vec<Key>,
    /// What they do.
    pub action: Action,
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
    ) -> Result<Self, String> {
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
                return Err(format!(
                    "keys.{name}: there is no action {name:?}; the actions are {}",
                    names.join(", ")
                ));
            };
            let texts = match spec {
                KeySpec::One(text) => vec![text.clone()],
                KeySpec::Many(texts) => texts.clone(),
            };
            if texts.is_empty() {
                return Err(format!("keys.{name}: give at least one key"));
            }
            binding.keys = texts
                .iter()
                .map(|text| parse_key(text).map_err(|error| format!("keys.{name}: {error}")))
                .collect::<Result<_, _>>()?;
        }
        for (index, binding) in keymap.bindings.iter().enumerate() {
            for other in &keymap.bindings[index + 1..] {
                if let Some(key) = binding.keys.iter().find(|key| other.keys.contains(key)) {
                    return Err(format!(
                        "keys: {} is bound to both {} and {}; give one of them another key in [keys]",
                        key.label(),
                        action_name(binding.action),
                        action_name(other.action)
                    ));
                }
            }
        }
        Ok(keymap)
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

    /// The footer's hints as (keys, word) pairs; the three views share one.
    #[must_use]
    pub fn footer_hints(&self) -> Vec<(String, &'static str)> {
        let mut hints: Vec<(String, &'static str)> = Vec::new();
        let mut views = Vec::new();
        for binding in &self.bindings {
            if matches!(binding.action, Action::ShowView(_)) {
                if let Some(key) = binding.keys.first() {
                    views.push(key.label());
                }
                continue;
            }
            if let (Some(key), Some(hint)) = (binding.keys.first(), binding.hint) {
                hints.push((key.label(), hint));
            }
        }
        if !views.is_empty() {
            hints.insert(0, (views.join("/"), "view"));
        }
        hints
    }
}
