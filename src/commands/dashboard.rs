//! `usagetop` without a subcommand: opens the store and runs the dashboard
//! until the user quits or a signal ends it.

use std::process::ExitCode;

use color_eyre::eyre::Result;

use crate::config::Settings;
use crate::dashboard::{self, Ending};
use crate::pipeline::ReportContext;

/// Runs the dashboard; a signal ends it with 128 + its number.
///
/// # Errors
/// The store cannot be opened, or the terminal cannot be used.
pub async fn run(settings: &Settings, context: ReportContext) -> Result<ExitCode> {
    let store = super::open_store(settings).await?;
    let ending = dashboard::run(settings, store, context).await?;
    Ok(match ending {
        Ending::Quit => ExitCode::SUCCESS,
        Ending::Signal(number) => ExitCode::from(u8::try_from(128 + number).unwrap_or(1)),
    })
}
