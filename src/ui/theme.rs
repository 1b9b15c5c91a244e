//! Colours and emphasis, with a monochrome variant for `NO_COLOR`: every
//! style the widgets use comes from here.

use ratatui::style::{Color, Modifier, Style};

/// The palette asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum ThemeChoice {
    /// Colours for a dark background.
    #[default]
    Dark,
    /// Colours for a light background.
    Light,
    /// From the terminal's background where it answers (OSC 11, or `COLORFGBG`), else dark.
    Auto,
}

/// The styles of one session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    color: bool,
    light: bool,
    ascii: bool,
}

impl Theme {
    /// The theme for a choice: `NO_COLOR` wins over any palette; `auto`
    /// reads the background from `COLORFGBG` (set by many terminals).
    #[must_use]
    pub fn resolve(choice: ThemeChoice, ascii: bool) -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty());
        let light = match choice {
            ThemeChoice::Dark => false,
            ThemeChoice::Light => true,
            ThemeChoice::Auto => terminal_is_light(),
        };
        Self {
            color: !no_color,
            light,
            ascii,
        }
    }

    /// Dark colours, with or without colour (tests).
    #[must_use]
    pub fn new(color: bool) -> Self {
        Self {
            color,
            light: false,
            ascii: false,
        }
    }

    /// The same theme drawing ASCII only.
    #[must_use]
    pub fn with_ascii(self, ascii: bool) -> Self {
        Self { ascii, ..self }
    }

    /// The same theme for a light background.
    #[must_use]
    pub fn with_light(self, light: bool) -> Self {
        Self { light, ..self }
    }

    /// True when the screen must hold ASCII only.
    #[must_use]
    pub fn ascii(self) -> bool {
        self.ascii
    }

    fn pick(self, color: Color, fallback: Style) -> Style {
        if !self.color {
            return fallback;
        }
        // On a light background, pale colours become their darker kin.
        let color = match (self.light, color) {
            (true, Color::Cyan) => Color::Blue,
            (true, Color::Yellow) => Color::Indexed(130),
            (true, Color::Green) => Color::Indexed(28),
            (_, other) => other,
        };
        Style::new().fg(color)
    }

    /// Plain text.
    #[must_use]
    pub fn text(self) -> Style {
        Style::new()
    }

    /// Block titles.
    #[must_use]
    pub fn title(self) -> Style {
        self.pick(Color::Cyan, Style::new())
            .add_modifier(Modifier::BOLD)
    }

    /// Labels and secondary text.
    #[must_use]
    pub fn dim(self) -> Style {
        self.pick(Color::DarkGray, Style::new())
    }

    /// Key names in hints.
    #[must_use]
    pub fn key(self) -> Style {
        self.pick(Color::Yellow, Style::new())
            .add_modifier(Modifier::BOLD)
    }

    /// Values that matter most (cost).
    #[must_use]
    pub fn strong(self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    /// Increases.
    #[must_use]
    pub fn up(self) -> Style {
        self.pick(Color::Red, Style::new())
    }

    /// Decreases.
    #[must_use]
    pub fn down(self) -> Style {
        self.pick(Color::Green, Style::new())
    }

    /// Warnings and estimates.
    #[must_use]
    pub fn warning(self) -> Style {
        self.pick(Color::Yellow, Style::new().add_modifier(Modifier::BOLD))
    }

    /// Errors.
    #[must_use]
    pub fn error(self) -> Style {
        self.pick(Color::Red, Style::new().add_modifier(Modifier::REVERSED))
            .add_modifier(Modifier::BOLD)
    }

    /// The requests sparkline.
    #[must_use]
    pub fn requests(self) -> Style {
        self.pick(Color::Green, Style::new())
    }

    /// The tokens bars.
    #[must_use]
    pub fn tokens(self) -> Style {
        self.pick(Color::Blue, Style::new())
    }

    /// The cost line.
    #[must_use]
    pub fn cost(self) -> Style {
        self.pick(Color::Magenta, Style::new())
    }

    /// One token kind in the tokens detail: input, output, cache read, cache write.
    #[must_use]
    pub fn token_kind(self, index: usize) -> Style {
        let colour = match index {
            0 => Color::Blue,
            1 => Color::Magenta,
            2 => Color::Cyan,
            _ => Color::Yellow,
        };
        self.pick(colour, Style::new())
    }

    /// One series of the per-model cost chart (the last: the other models).
    #[must_use]
    pub fn series(self, index: usize) -> Style {
        let colour = match index {
            0 => Color::Magenta,
            1 => Color::Cyan,
            2 => Color::Green,
            3 => Color::Yellow,
            4 => Color::Blue,
            _ => Color::Gray,
        };
        self.pick(colour, Style::new())
    }

    /// The highlighted row of a list.
    #[must_use]
    pub fn cursor(self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    /// Block borders.
    #[must_use]
    pub fn border(self) -> Style {
        self.pick(Color::DarkGray, Style::new())
    }
}

/// Asks the terminal for its colours (OSC 10/11, where it answers), else
/// reads `COLORFGBG`; dark when neither tells.
fn terminal_is_light() -> bool {
    use std::io::IsTerminal;
    if std::io::stdout().is_terminal() {
        if let Ok(mode) =
            terminal_colorsaurus::theme_mode(terminal_colorsaurus::QueryOptions::default())
        {
            return mode == terminal_colorsaurus::ThemeMode::Light;
        }
    }
    std::env::var("COLORFGBG")
        .ok()
        .is_some_and(|value| background_is_light(&value))
}

/// `COLORFGBG` is `fg;bg` (sometimes `fg;default;bg`): backgrounds 7 and 9 to 15 are light.
#[must_use]
pub fn background_is_light(value: &str) -> bool {
    value
        .rsplit(';')
        .next()
        .and_then(|bg| bg.trim().parse::<u8>().ok())
        .is_some_and(|bg| bg == 7 || bg >= 9)
}
