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
        description: "overlay the previous period on the cost chart",
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
    let mut hints: Vec<(String, &'static str)> = Vec::new();
    let mut views = Vec::new();
    for binding in BINDINGS {
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
    // The three views share one hint: `d/w/m view`.
    if !views.is_empty() {
        hints.insert(0, (views.join("/"), "view"));
    }
    hints
}

/// The action of a key press, if any. Releases and repeats are ignored.
#[must_use]
pub fn action_for(event: &KeyEvent) -> Option<Action> {
    if event.kind != KeyEventKind::Press {
        return None;
    }
    let find = |any_case: bool| {
        BINDINGS
            .iter()
            .find(|binding| binding.keys.iter().any(|key| key.matches(event, any_case)))
            .map(|binding| binding.action)
    };
    find(false).or_else(|| find(true))
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
