//! `usagetop` without a subcommand: opens the store and runs the dashboard
//! until the user quits or a signal ends it.

use std::process::ExitCode;

use color_eyre::eyre::{eyre, Result};

use crate::config::Settings;
use crate::dashboard::{self, Ending};
use crate::import::follow::Follower;
use crate::import::mapping::ImportMapping;
use crate::pipeline::ReportContext;
use crate::store::DatabaseUrl;

/// Runs the dashboard; a signal ends it with 128 + its number.
///
/// # Errors
/// The store cannot be opened, or the terminal cannot be used.
pub async fn run(settings: &Settings, context: ReportContext) -> Result<ExitCode> {
    let store = super::open_store(settings).await?;
    let follow = follower(settings).await?;
    let ending = dashboard::run(settings, store, context, follow).await?;
    Ok(match ending {
        Ending::Quit => ExitCode::SUCCESS,
        Ending::Signal(number) => ExitCode::from(u8::try_from(128 + number).unwrap_or(1)),
    })
}

/// The sources `[import] follow` names, opened on the database the dashboard
/// reads; none when the key is absent or empty. Only usagetop's own SQLite
/// database is written: any other is refused before the screen opens.
async fn follower(settings: &Settings) -> Result<Option<Follower>> {
    let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
    let (sources, columns) =
        ImportMapping::followed(settings.config_file.as_deref(), home.as_deref())?;
    if sources.is_empty() {
        return Ok(None);
    }
    let refuse = |why: String| {
        eyre!(
            "[import] follow imports new usage into the database the dashboard reads, and {why}; \
             remove follow from [import] to read this database, or leave out --database-url to use \
             usagetop's own"
        )
    };
    let DatabaseUrl::Sqlite(path) = &settings.database else {
        return Err(refuse(format!(
            "{} is a server database usagetop only reads",
            settings.database.redacted()
        )));
    };
    if settings.demo {
        return Err(refuse(
            "usagetop never imports into the demo database".to_owned(),
        ));
    }
    match Follower::open(path, sources, columns).await {
        Ok(follower) => Ok(Some(follower)),
        Err(crate::store::StoreError::Refused(_)) => Err(refuse(format!(
            "{} was not created by usagetop, which never writes to a database it did not create",
            path.display()
        ))),
        Err(error) => Err(error.into()),
    }
}
