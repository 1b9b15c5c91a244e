//! `usagetop demo`, and the demo database `--demo` keeps fresh.

use std::path::Path;
use std::process::ExitCode;

use chrono::Duration;
use color_eyre::eyre::Result;

use crate::cli::DemoArgs;
use crate::clock::Clock;
use crate::config::Settings;
use crate::store::{self, demo, DatabaseUrl};

/// Demo data written by `--demo` when the demo database is missing or stale.
const DEMO_DAYS: u32 = 90;
const DEMO_SEED: u64 = 42;

/// Writes demo data into usagetop's demo database when it is missing, empty,
/// or a day behind the real clock (it holds nothing but demo data). It
/// follows the real clock only, so a run pinned with `--now` never rewrites
/// the data a live dashboard shows.
///
/// # Errors
/// The demo database cannot be read or written.
pub async fn ensure(path: &Path, settings: &Settings) -> Result<()> {
    let now = crate::clock::SystemClock.now();
    let fresh = match demo::newest_event(path).await? {
        Some(newest) => newest > now - Duration::days(1) && newest <= now,
        None => false,
    };
    if !fresh {
        let events = demo::generate(DEMO_SEED, DEMO_DAYS, now, &settings.calendar);
        demo::write(path, &events, true).await?;
    }
    Ok(())
}

/// `usagetop demo`: writes generated usage into a database usagetop owns.
///
/// # Errors
/// The database is not usagetop's, holds events (without `--force`), or cannot be written.
pub async fn run(settings: &Settings, args: &DemoArgs, clock: &dyn Clock) -> Result<ExitCode> {
    let events = demo::generate(args.seed, args.days, clock.now(), &settings.calendar);
    let written = match &settings.database {
        DatabaseUrl::Sqlite(path) => demo::write(path, &events, args.force).await?,
        DatabaseUrl::Postgres(url) => store::postgres::write_demo(url, &events, args.force).await?,
        DatabaseUrl::Mysql(_) | DatabaseUrl::Clickhouse(_) => {
            return Err(color_eyre::eyre::eyre!(
                "usagetop demo writes into SQLite or PostgreSQL; usagetop only reads MySQL, \
                 MariaDB and ClickHouse databases (give --database-url sqlite://PATH or postgres://...)"
            ))
        }
    };
    let shown = settings.database.redacted();
    // The count ungrouped: scripts read it.
    let plural = if written == 1 { "" } else { "s" };
    super::emit_line(&format!(
        "wrote {written} demo event{plural} ({}, seed {}) to {shown}\nopen it with: usagetop --database-url {shown}",
        crate::format::plural(args.days, "day"),
        args.seed
    ))?;
    Ok(ExitCode::SUCCESS)
}
