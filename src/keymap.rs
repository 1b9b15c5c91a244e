//! Key bindings: one table from keys to actions. Key handling, the help popup
//! and the footer hints all read this table, so they cannot drift.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::analytics::trend::View;
use crate::app::Action;

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
        }
    }

    fn matches(self, event: &KeyEvent) -> bool {
        let control = event.modifiers.contains(KeyModifiers::CONTROL);
        match (self, event.code) {
            (Key::Ctrl(bound), KeyCode::Char(pressed)) => {
                control && bound.eq_ignore_ascii_case(&pressed)
            }
            (Key::Char(bound), KeyCode::Char(pressed)) => {
                !control && bound.eq_ignore_ascii_case(&pressed)
            }
            (Key::Tab, KeyCode::Tab) => !control,
            (Key::Esc, KeyCode::Esc) => true,
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
    BINDINGS
        .iter()
        .filter_map(|binding| Some((binding.keys.first()?.label(), binding.hint?)))
        .collect()
}

/// The action of a key press, if any. Releases and repeats are ignored.
#[must_use]
pub fn action_for(event: &KeyEvent) -> Option<Action> {
    if event.kind != KeyEventKind::Press {
        return None;
    }
    BINDINGS
        .iter()
        .find(|binding| binding.keys.iter().any(|key| key.matches(event)))
        .map(|binding| binding.action)
}
