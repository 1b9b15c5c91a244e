//! The terminal guard: enters raw mode and the alternate screen, and restores
//! the terminal when dropped, on error and on panic (ratatui's init chains a
//! restoring panic hook in front of color-eyre's).

use std::io::IsTerminal;

use ratatui::DefaultTerminal;

/// Owns the terminal while the dashboard runs.
pub struct TerminalGuard {
    /// The terminal to draw on.
    pub terminal: DefaultTerminal,
    mouse: bool,
}

impl TerminalGuard {
    /// Takes over the terminal.
    ///
    /// # Errors
    /// Standard output is not a terminal, or raw mode cannot be entered.
    pub fn enter(mouse: bool) -> std::io::Result<Self> {
        if !std::io::stdout().is_terminal() {
            return Err(std::io::Error::other("standard output is not a terminal"));
        }
        match ratatui::try_init() {
            Ok(terminal) => {
                if mouse {
                    // Clicks on the view tabs and wheel scrolling; released on drop.
                    let _ = crossterm::execute!(
                        std::io::stdout(),
                        crossterm::event::EnableMouseCapture
                    );
                }
                Ok(Self { terminal, mouse })
            }
            Err(error) => {
                // Undo whatever part of the set-up succeeded.
                ratatui::restore();
                Err(error)
            }
        }
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        if self.mouse {
            let _ = crossterm::execute!(std::io::stdout(), crossterm::event::DisableMouseCapture);
        }
        ratatui::restore();
    }
}
