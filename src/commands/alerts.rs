//! `usagetop alerts test`: a sample alert to every configured target, and
//! how each delivery went (exit 1 when one failed).

use std::process::ExitCode;

use color_eyre::eyre::{eyre, Result};

use crate::alerts::dispatch::Dispatcher;
use crate::cli::AlertsCommand;
use crate::config::Settings;
use crate::pipeline::ReportContext;

/// Runs an `alerts` subcommand.
///
/// # Errors
/// No `[alerts]` target is configured, or the state cannot be read.
pub async fn run(
    settings: &Settings,
    command: AlertsCommand,
    context: &ReportContext,
) -> Result<ExitCode> {
    match command {
        AlertsCommand::Test => {
            let Some(alerts) = settings
                .alerts
                .as_ref()
                .filter(|alerts| !alerts.targets.is_empty())
            else {
                return Err(eyre!(
                    "no alert targets are configured; add [[alerts.webhook]] or [[alerts.command]] to the config file (see README, Alerts)"
                ));
            };
            let (dispatcher, _) = Dispatcher::open(alerts, None, &settings.alert_state)
                .map_err(|error| eyre!(error))?;
            let mut failed = false;
            for (target, result) in dispatcher.test(context.clock.now()).await {
                match result {
                    Ok(()) => super::emit_line(&format!("ok      {target}"))?,
                    Err(error) => {
                        failed = true;
                        super::emit_line(&crate::text::inert(&format!(
                            "FAILED  {target}: {error}"
                        )))?;
                    }
                }
            }
            Ok(if failed {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
    }
}
