//! A key as `[keys]` names it and help shows it: its label, whether a key
//! press is it, and how the config's text is read.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// A key as bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// A printable character (letters match either case when no binding
    /// matches the exact case).
    Char(char),
    /// Tab.
    Tab,
    /// Shift-Tab.
    BackTab,
    /// Escape.
    Esc,
    /// Enter.
    Enter,
    /// Backspace.
    Backspace,
    /// Control plus a letter.
    Ctrl(char),
    /// Arrow up.
    Up,
    /// Arrow down.
    Down,
    /// Arrow left.
    Left,
    /// Arrow right.
    Right,
    /// Page up.
    PageUp,
    /// Page down.
    PageDown,
    /// Home.
    Home,
    /// End.
    End,
    /// A function key, `F1` to `F24`.
    F(u8),
}

impl Key {
    /// The key as help shows it.
    #[must_use]
    pub fn label(self) -> String {
        match self {
            Key::Char(' ') => "Space".to_owned(),
            Key::Char(c) => c.to_string(),
            Key::Tab => "Tab".to_owned(),
            Key::BackTab => "Shift-Tab".to_owned(),
            Key::Esc => "Esc".to_owned(),
            Key::Enter => "Enter".to_owned(),
            Key::Backspace => "Backspace".to_owned(),
            Key::Ctrl(c) => format!("Ctrl-{}", c.to_ascii_uppercase()),
            Key::Up => "↑".to_owned(),
            Key::Down => "↓".to_owned(),
            Key::Left => "←".to_owned(),
            Key::Right => "→".to_owned(),
            Key::PageUp => "PgUp".to_owned(),
            Key::PageDown => "PgDn".to_owned(),
            Key::Home => "Home".to_owned(),
            Key::End => "End".to_owned(),
            Key::F(number) => format!("F{number}"),
        }
    }

    /// Whether `event` is this key; letters may match either case when
    /// `any_case` (used only when no binding matches the exact case).
    pub(super) fn matches(self, event: &KeyEvent, any_case: bool) -> bool {
        let control = event.modifiers.contains(KeyModifiers::CONTROL);
        match (self, event.code) {
            (Key::Ctrl(bound), KeyCode::Char(pressed)) => {
                control && bound.eq_ignore_ascii_case(&pressed)
            }
            (Key::Char(bound), KeyCode::Char(pressed)) => {
                !control && (bound == pressed || (any_case && bound.eq_ignore_ascii_case(&pressed)))
            }
            (Key::Tab, KeyCode::Tab) => !control && !event.modifiers.contains(KeyModifiers::SHIFT),
            (Key::BackTab, KeyCode::BackTab) => true,
            (Key::BackTab, KeyCode::Tab) => event.modifiers.contains(KeyModifiers::SHIFT),
            (Key::F(bound), KeyCode::F(pressed)) => bound == pressed,
            (Key::Esc, KeyCode::Esc)
            | (Key::Enter, KeyCode::Enter)
            | (Key::Backspace, KeyCode::Backspace)
            | (Key::Up, KeyCode::Up)
            | (Key::Down, KeyCode::Down)
            | (Key::Left, KeyCode::Left)
            | (Key::Right, KeyCode::Right)
            | (Key::PageUp, KeyCode::PageUp)
            | (Key::PageDown, KeyCode::PageDown)
            | (Key::Home, KeyCode::Home)
            | (Key::End, KeyCode::End) => !control,
            _ => false,
        }
    }
}

/// Parses a key as written in `[keys]`: one character, `Space`, `Tab`,
/// `Shift-Tab`, `Esc`, `Enter`, `Backspace`, `Up`, `Down`, `Left`, `Right`,
/// `PgUp`, `PgDn`, `Home`, `End`, `F1` to `F24`, or `Ctrl-x`.
///
/// # Errors
/// Anything else, with what is accepted.
pub fn parse_key(text: &str) -> Result<Key, String> {
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if !c.is_control() => return Ok(Key::Char(c)),
        _ => {}
    }
    let lower = text.trim().to_ascii_lowercase();
    let named = match lower.as_str() {
        "space" => Some(Key::Char(' ')),
        "tab" => Some(Key::Tab),
        "shift-tab" | "backtab" => Some(Key::BackTab),
        "esc" | "escape" => Some(Key::Esc),
        "enter" | "return" => Some(Key::Enter),
        "backspace" => Some(Key::Backspace),
        "up" => Some(Key::Up),
        "down" => Some(Key::Down),
        "left" => Some(Key::Left),
        "right" => Some(Key::Right),
        "pgup" | "pageup" => Some(Key::PageUp),
        "pgdn" | "pagedown" => Some(Key::PageDown),
        "home" => Some(Key::Home),
        "end" => Some(Key::End),
        _ => None,
    };
    if let Some(key) = named {
        return Ok(key);
    }
    if let Some(number) = lower
        .strip_prefix('f')
        .and_then(|digits| digits.parse::<u8>().ok())
        .filter(|number| (1..=24).contains(number))
    {
        return Ok(Key::F(number));
    }
    match lower
        .strip_prefix("ctrl-")
        .map(|rest| rest.chars().collect::<Vec<_>>())
        .as_deref()
    {
        Some([c]) if c.is_ascii_alphabetic() => Ok(Key::Ctrl(*c)),
        _ => Err(format!(
            "{text:?} is not a key; write one character, Space, Tab, Shift-Tab, Esc, Enter, \
             Backspace, Up, Down, Left, Right, PgUp, PgDn, Home, End, F1 to F24 or Ctrl-x"
        )),
    }
}
