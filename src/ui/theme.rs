//! Colours and emphasis, with a monochrome variant for `NO_COLOR`: every
//! style the widgets use comes from here.

use ratatui::style::{Color, Modifier, Style};

/// The styles of one session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    color: bool,
}

impl Theme {
    /// Colour unless `NO_COLOR` is set to a non-empty value.
    #[must_use]
    pub fn from_env() -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty());
        Self { color: !no_color }
    }

    /// With or without colour.
    #[must_use]
    pub fn new(color: bool) -> Self {
        Self { color }
    }

    fn pick(self, color: Color, fallback: Style) -> Style {
        if self.color {
            Style::new().fg(color)
        } else {
            fallback
        }
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

    /// Block borders.
    #[must_use]
    pub fn border(self) -> Style {
        self.pick(Color::DarkGray, Style::new())
    }
}
