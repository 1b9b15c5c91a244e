//! The `usagetop` binary: installs error and panic reporting, parses the
//! command line, and hands over to the library.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Panics restore the terminal (ratatui's hook) before color-eyre reports them.
    let _ = color_eyre::install();
    let cli = usagetop::cli::Cli::parse();
    match usagetop::run(cli) {
        Ok(code) => code,
        // The reader of standard output went away: stop quietly, with the
        // status of a program ended by SIGPIPE (as `ls | head` gives).
        Err(report)
            if report
                .downcast_ref::<usagetop::commands::ReaderGone>()
                .is_some() =>
        {
            ExitCode::from(141)
        }
        Err(report) => {
            // Standard error may be gone too: nothing more to say then.
            let _ = writeln!(std::io::stderr(), "usagetop: {}", one_paragraph(&report));
            ExitCode::from(2)
        }
    }
}

/// The error and its causes in one paragraph, skipping causes the message
/// already quotes: line breaks folded, control characters (from names in a
/// database, say) made inert.
fn one_paragraph(report: &color_eyre::Report) -> String {
    let text = chain(report).replace(['\n', '\r'], " ");
    usagetop::text::sanitize(&text, usize::MAX)
}

/// The error and its causes, each once.
fn chain(report: &color_eyre::Report) -> String {
    let mut text = String::new();
    for cause in report.chain() {
        let message = cause.to_string();
        if !text.contains(&message) {
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(&message);
        }
    }
    text
}
