//! The `usagetop` binary: installs error and panic reporting, parses the
//! command line, and hands over to the library.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Panics restore the terminal (ratatui's hook) before color-eyre reports them.
    let _ = color_eyre::install();
    let cli = usagetop::cli::Cli::parse();
    match usagetop::run(cli) {
        Ok(code) => code,
        Err(report) => {
            eprintln!("usagetop: {}", one_paragraph(&report));
            ExitCode::from(2)
        }
    }
}

/// The error and its causes in one paragraph, skipping causes the message already quotes.
fn one_paragraph(report: &color_eyre::Report) -> String {
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
