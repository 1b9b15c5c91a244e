//! The terminal guard: enters raw mode and the alternate screen, and restores
//! the terminal when dropped, on error and on panic (ratatui's init chains a
//! restoring panic hook in front of color-eyre's); suspends like other
//! full-screen programs (Ctrl-Z, SIGTSTP) and takes the terminal back on
//! SIGCONT.

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

impl TerminalGuard {
    /// Gives the terminal back to the shell and stops the process (as a
    /// shell's job control expects); returns once it is continued, with the
    /// terminal taken over again and the screen to be drawn anew.
    ///
    /// # Errors
    /// Raw mode or the alternate screen cannot be entered again.
    pub fn suspend(&mut self) -> std::io::Result<()> {
        if self.mouse {
            let _ = crossterm::execute!(std::io::stdout(), crossterm::event::DisableMouseCapture);
        }
        ratatui::restore();
        // SIGSTOP cannot be caught: the process stops here until SIGCONT.
        let _ =
            rustix::process::kill_process(rustix::process::getpid(), rustix::process::Signal::STOP);
        crossterm::terminal::enable_raw_mode()?;
        crossterm::execute!(
            std::io::stdout(),
            crossterm::terminal::EnterAlternateScreen,
            crossterm::terminal::Clear(crossterm::terminal::ClearType::All),
            crossterm::cursor::Hide
        )?;
        if self.mouse {
            let _ = crossterm::execute!(std::io::stdout(), crossterm::event::EnableMouseCapture);
        }
        // Both buffers blank, as the screen is now: the next frame is drawn whole.
        self.terminal.swap_buffers();
        self.terminal.swap_buffers();
        Ok(())
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
