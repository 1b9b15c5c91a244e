//! Settings: defaults < config file < environment < flags. Reads the config
//! file, checks every value, and names the file and key in every error.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Deserialize;

use crate::analytics::trend::View;
use crate::budget::{BudgetConfig, Budgets};
use crate::cli::GlobalArgs;
use crate::filter::Filter;
use crate::period::{Calendar, WeekStart};
use crate::pricing::{PriceFile, PriceTable};
use crate::store::mapping::{Mapping, SourceConfig};
use crate::store::{DatabaseUrl, Timeouts};

mod layers;

use layers::{Chosen, Layers};

/// Default seconds between refreshes.
pub const DEFAULT_REFRESH_SECONDS: u64 = 30;

/// The config file with every key and its default, commented.
pub const DEFAULT_CONFIG: &str = include_str!("../config/default.toml");

/// A setting that cannot be used, with where it came from.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The named config file is missing or unreadable.
    #[error("cannot read the config file {path}: {detail}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        detail: String,
    },
    /// The config file is not valid TOML or has a wrong key or type.
    #[error("the config file {path} is invalid: {detail}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's message, with line and column.
        detail: String,
    },
    /// A value is out of range or malformed.
    #[error("{source_name}: {detail}")]
    Value {
        /// Where the value came from (a flag, a variable, or the file and key).
        source_name: String,
        /// What is wrong and how to fix it.
        detail: String,
    },
    /// No home directory to keep files in.
    #[error(
        "cannot find your data directory (is HOME set?); pass --database-url sqlite://PATH instead"
    )]
    NoDataDir,
}

/// The config file's keys.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Usage database URL.
    pub database_url: Option<String>,
    /// IANA zone.
    #[serde(alias = "tz")]
    pub timezone: Option<String>,
    /// Pinned clock (RFC 3339).
    pub now: Option<String>,
    /// First view.
    pub view: Option<View>,
    /// Use the demo database.
    pub demo: Option<bool>,
    /// Seconds between refreshes.
    pub refresh_seconds: Option<u64>,
    /// First day of the week.
    pub week_start: Option<WeekStart>,
    /// Folder the dashboard's `e` writes CSV files to.
    pub export_dir: Option<PathBuf>,
    /// Colours: dark, light or auto.
    pub theme: Option<crate::ui::theme::ThemeChoice>,
    /// Draw with ASCII only.
    pub ascii: Option<bool>,
    /// Capture the mouse.
    pub mouse: Option<bool>,
    /// Seconds to wait for a database server connection.
    pub connect_timeout_seconds: Option<u64>,
    /// Seconds one query may run on a database server.
    pub statement_timeout_seconds: Option<u64>,
    /// Use the rollup cache.
    pub cache: Option<bool>,
    /// Seconds of late arrival re-read on every refresh.
    pub cache_late_seconds: Option<u64>,
    /// Folder of the cache files.
    pub cache_dir: Option<PathBuf>,
    /// Periods averaged by the baseline comparison.
    pub baseline_periods: Option<u32>,
    /// Paper of PDF and HTML reports: a4 or letter.
    pub paper: Option<crate::output::document::Paper>,
    /// Price overrides.
    #[serde(default)]
    pub pricing: PriceFile,
    /// Where the usage is: table, columns, preset.
    #[serde(default)]
    pub source: SourceConfig,
    /// Spending limits.
    #[serde(default)]
    pub budget: BudgetConfig,
    /// Key overrides: action name = key or [keys].
    #[serde(default)]
    pub keys: std::collections::BTreeMap<String, crate::keymap::KeySpec>,
    /// Alert rules and targets.
    pub alerts: Option<crate::alerts::AlertsConfig>,
    /// `[import]`: read by `import::mapping` itself (the column mapping of
    /// `usagetop import csv|jsonl`).
    pub import: Option<toml::Table>,
}

impl FileConfig {
    /// Parses config text; `path` names the file in errors.
    ///
    /// # Errors
    /// Invalid TOML, an unknown key, a value of the wrong type.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        toml::from_str(text).map_err(|error| ConfigError::Parse {
            path: path.to_path_buf(),
            detail: error.to_string().trim_end().replace("\n\n", "\n"),
        })
    }
}

/// Where usagetop keeps its own files.
#[derive(Debug, Clone)]
pub struct Dirs {
    /// Databases usagetop creates (usage.db, demo.db).
    pub data: PathBuf,
    /// The default config file's folder.
    pub config: PathBuf,
    /// Rollup cache files.
    pub cache: PathBuf,
}

impl Dirs {
    /// The platform's directories for usagetop.
    ///
    /// # Errors
    /// No home directory.
    pub fn discover() -> Result<Self, ConfigError> {
        let dirs =
            directories::ProjectDirs::from("", "", "usagetop").ok_or(ConfigError::NoDataDir)?;
        Ok(Self {
            data: dirs.data_dir().to_path_buf(),
            config: dirs.config_dir().to_path_buf(),
            cache: dirs.cache_dir().to_path_buf(),
        })
    }
}

/// Everything resolved and checked.
#[derive(Debug)]
pub struct Settings {
    /// The usage database.
    pub database: DatabaseUrl,
    /// True when usagetop may create the database (its default files).
    pub create_database: bool,
    /// True for the demo database (generated when missing).
    pub demo: bool,
    /// Zone and week convention.
    pub calendar: Calendar,
    /// The pinned clock, if any.
    pub now: Option<DateTime<Utc>>,
    /// The first view.
    pub view: View,
    /// Time between background refreshes.
    pub refresh: Duration,
    /// Prices in force.
    pub prices: PriceTable,
    /// The config file read, if any.
    pub config_file: Option<PathBuf>,
    /// The table and columns to read.
    pub mapping: Mapping,
    /// Database server timeouts.
    pub timeouts: Timeouts,
    /// Which usage to count.
    pub filter: Filter,
    /// Where the dashboard's `e` writes (default: the current directory).
    pub export_dir: PathBuf,
    /// Spending limits.
    pub budgets: Budgets,
    /// Key bindings in force.
    pub keymap: crate::keymap::Keymap,
    /// The palette asked for.
    pub theme: crate::ui::theme::ThemeChoice,
    /// Draw with ASCII only.
    pub ascii: bool,
    /// Capture the mouse in the dashboard.
    pub mouse: bool,
    /// A custom range of local days, inclusive (`--from`/`--to`).
    pub range: Option<(chrono::NaiveDate, Option<chrono::NaiveDate>)>,
    /// The rollup cache.
    pub cache: crate::cache::CacheOptions,
    /// Periods averaged by the baseline comparison (1 to 12, default 3).
    pub baseline_periods: u32,
    /// The `[alerts]` table, when the config file has one.
    pub alerts: Option<crate::alerts::Alerts>,
    /// usagetop's alert state file (in the data directory).
    pub alert_state: PathBuf,
    /// Paper of PDF and HTML reports.
    pub paper: crate::output::document::Paper,
}

impl Settings {
    /// The clock in force: pinned by `--now`, else the system's.
    #[must_use]
    pub fn clock(&self) -> std::sync::Arc<dyn crate::clock::Clock> {
        match self.now {
            Some(instant) => std::sync::Arc::new(crate::clock::FixedClock(instant)),
            None => std::sync::Arc::new(crate::clock::SystemClock),
        }
    }

    /// Resolves flags (and their environment variables) over the config file over defaults.
    ///
    /// # Errors
    /// A missing named config file, invalid config, a bad zone, time, URL or price.
    pub fn resolve(args: &GlobalArgs, dirs: &Dirs) -> Result<Self, ConfigError> {
        let (file, config_file, text) = load_file(args.config.as_deref(), &dirs.config)?;
        let layers = Layers::new(config_file.as_deref(), &text);

        let demo = layers
            .pick_or(
                args.demo.then_some(true),
                "--demo",
                file.demo,
                "demo",
                false,
            )
            .value;
        let database_url = layers.pick(
            args.database_url.as_deref(),
            "--database-url (or USAGETOP_DATABASE_URL)",
            file.database_url.as_deref(),
            "database_url",
        );
        let (database, create_database) = match database_url {
            Some(url) => (parse_url(url.value, &url.source_name)?, false),
            None => {
                let name = if demo { "demo.db" } else { "usage.db" };
                (DatabaseUrl::sqlite(&dirs.data.join(name)), true)
            }
        };

        let tz = match layers.pick(
            args.tz.as_deref(),
            "--tz (or USAGETOP_TZ)",
            file.timezone.as_deref(),
            "timezone",
        ) {
            Some(name) => parse_zone(name.value, &name.source_name)?,
            None => system_zone(),
        };
        let week_start = layers
            .pick_or(
                args.week_start,
                "--week-start",
                file.week_start,
                "week_start",
                WeekStart::default(),
            )
            .value;

        let now = layers
            .pick(args.now.as_deref(), "--now", file.now.as_deref(), "now")
            .map(|text| parse_now(text.value, &text.source_name))
            .transpose()?;

        let refresh = layers.pick_or(
            args.refresh_seconds,
            "--refresh-seconds",
            file.refresh_seconds,
            "refresh_seconds",
            DEFAULT_REFRESH_SECONDS,
        );
        let refresh_seconds = refresh.value;
        if refresh_seconds == 0 || refresh_seconds > 86_400 {
            return Err(ConfigError::Value {
                source_name: refresh.source_name,
                detail: format!(
                    "{refresh_seconds} is out of range; give a number of seconds from 1 to 86400"
                ),
            });
        }

        let prices = PriceTable::with_overrides(&file.pricing, "pricing")
            .map_err(|error| layers.table_error(error.key(), error.to_string()))?;

        let flags = SourceConfig {
            preset: args.preset,
            table: args.table.clone(),
            timestamp_format: args.timestamp_format,
            filter: args.filter.clone(),
            ..SourceConfig::default()
        };
        let mapping = Mapping::resolve(&file.source.overridden_by(&flags)).map_err(|error| {
            ConfigError::Value {
                source_name: match &config_file {
                    Some(path) => {
                        format!("{} or the --preset/--table/--where flags", path.display())
                    }
                    None => "the --preset/--table/--where flags".to_owned(),
                },
                detail: error.to_string(),
            }
        })?;
        let seconds = |chosen: Chosen<u64>| -> Result<Duration, ConfigError> {
            let value = chosen.value;
            if value == 0 || value > 3600 {
                return Err(ConfigError::Value {
                    source_name: chosen.source_name,
                    detail: format!(
                        "{value} is out of range; give a number of seconds from 1 to 3600"
                    ),
                });
            }
            Ok(Duration::from_secs(value))
        };
        let defaults = Timeouts::default();
        let timeouts = Timeouts {
            connect: seconds(layers.pick_or(
                args.connect_timeout_seconds,
                "--connect-timeout-seconds",
                file.connect_timeout_seconds,
                "connect_timeout_seconds",
                defaults.connect.as_secs(),
            ))?,
            statement: seconds(layers.pick_or(
                args.statement_timeout_seconds,
                "--statement-timeout-seconds",
                file.statement_timeout_seconds,
                "statement_timeout_seconds",
                defaults.statement.as_secs(),
            ))?,
        };

        let day = parse_day;
        let range = match (&args.from, &args.to) {
            (None, None) => None,
            (None, Some(_)) => {
                return Err(ConfigError::Value {
                    source_name: "--to".to_owned(),
                    detail: "a range needs its first day too; add --from YYYY-MM-DD".to_owned(),
                })
            }
            (Some(from), to) => {
                let from = day(from, "--from")?;
                let to = to.as_deref().map(|text| day(text, "--to")).transpose()?;
                if to.is_some_and(|to| to < from) {
                    return Err(ConfigError::Value {
                        source_name: "--from/--to".to_owned(),
                        detail: "the range ends before it starts; give --from on or before --to"
                            .to_owned(),
                    });
                }
                Some((from, to))
            }
        };
        let keymap = crate::keymap::Keymap::with_overrides(&file.keys)
            .map_err(|error| layers.key_error(&error))?;
        let budgets =
            Budgets::from_config(&file.budget).map_err(|error| layers.key_error(&error))?;

        let late = layers.pick_or(
            args.cache_late_seconds,
            "--cache-late-seconds",
            file.cache_late_seconds,
            "cache_late_seconds",
            crate::cache::DEFAULT_LATE_SECONDS.unsigned_abs(),
        );
        if late.value > 30 * 86_400 {
            return Err(ConfigError::Value {
                source_name: late.source_name,
                detail: format!(
                    "{} is out of range; give a number of seconds from 0 to 2592000 (30 days)",
                    late.value
                ),
            });
        }
        let cache = crate::cache::CacheOptions {
            enabled: layers
                .pick_or(
                    args.no_cache.then_some(false),
                    "--no-cache",
                    file.cache,
                    "cache",
                    true,
                )
                .value,
            dir: file.cache_dir.clone().unwrap_or_else(|| dirs.cache.clone()),
            late_seconds: i64::try_from(late.value).unwrap_or(crate::cache::DEFAULT_LATE_SECONDS),
            verify: args.verify,
        };

        let baseline_periods = file
            .baseline_periods
            .unwrap_or(crate::analytics::compare::DEFAULT_BASELINE_PERIODS);
        if !(1..=crate::analytics::compare::MAX_BASELINE_PERIODS).contains(&baseline_periods) {
            return Err(ConfigError::Value {
                source_name: layers.key_name("baseline_periods"),
                detail: format!(
                    "{baseline_periods} is out of range; give a number of periods from 1 to 12"
                ),
            });
        }

        let alerts = file
            .alerts
            .as_ref()
            .map(crate::alerts::Alerts::from_config)
            .transpose()
            .map_err(|error| layers.key_error(&error))?;

        Ok(Self {
            paper: file.paper.unwrap_or_default(),
            alerts,
            alert_state: dirs.data.join(crate::alerts::state::FILE_NAME),
            baseline_periods,
            cache,
            database,
            create_database,
            demo,
            calendar: Calendar::new(tz, week_start),
            now,
            view: layers
                .pick_or(args.view, "--view", file.view, "view", View::default())
                .value,
            refresh: Duration::from_secs(refresh_seconds),
            prices,
            mapping,
            timeouts,
            budgets,
            keymap,
            theme: layers
                .pick_or(
                    args.theme,
                    "--theme",
                    file.theme,
                    "theme",
                    crate::ui::theme::ThemeChoice::default(),
                )
                .value,
            ascii: layers
                .pick_or(
                    args.ascii.then_some(true),
                    "--ascii",
                    file.ascii,
                    "ascii",
                    false,
                )
                .value,
            mouse: layers
                .pick_or(
                    args.no_mouse.then_some(false),
                    "--no-mouse",
                    file.mouse,
                    "mouse",
                    true,
                )
                .value,
            range,
            export_dir: check_export_dir(file.export_dir.clone(), &|key| layers.key_name(key))?,
            filter: Filter {
                models: patterns(&args.models, "--model")?,
                endpoints: patterns(&args.endpoints, "--endpoint")?,
                users: patterns(&args.users, "--user")?,
                projects: patterns(&args.projects, "--project")?,
                sessions: patterns(&args.sessions, "--session")?,
                sources: patterns(&args.sources, "--source")?,
            },
            config_file,
        })
    }
}

/// Reads the named config file (which must exist) or the default one (which may not).
fn load_file(
    named: Option<&Path>,
    config_dir: &Path,
) -> Result<(FileConfig, Option<PathBuf>, String), ConfigError> {
    let (path, required) = match named {
        Some(path) => (path.to_path_buf(), true),
        None => (config_dir.join("config.toml"), false),
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok((FileConfig::parse(&text, &path)?, Some(path), text)),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound && !required => {
            Ok((FileConfig::default(), None, String::new()))
        }
        Err(error) => Err(ConfigError::Read {
            detail: if error.kind() == std::io::ErrorKind::NotFound {
                "the file does not exist; check the path given with --config or USAGETOP_CONFIG"
                    .to_owned()
            } else {
                error.to_string()
            },
            path,
        }),
    }
}

/// Filter patterns of a flag: an empty one matches nothing and is refused.
fn patterns(given: &[String], flag: &str) -> Result<Vec<String>, ConfigError> {
    for pattern in given {
        let bare = pattern.trim().trim_start_matches('!');
        if bare.trim().is_empty() {
            return Err(ConfigError::Value {
                source_name: flag.to_owned(),
                detail: format!(
                    "the pattern {pattern:?} is empty and would match nothing; give a glob pattern such as \
                     gpt-4* (or !gpt-4* to leave those out), or leave {flag} out to count everything"
                ),
            });
        }
    }
    Ok(given.to_vec())
}

/// The folder the dashboard's `e` writes into: an `export_dir` that is set
/// must be an existing folder, checked now rather than at the first export.
fn check_export_dir(
    configured: Option<PathBuf>,
    in_file: &dyn Fn(&str) -> String,
) -> Result<PathBuf, ConfigError> {
    let Some(folder) = configured else {
        return Ok(PathBuf::from("."));
    };
    if folder.is_dir() {
        return Ok(folder);
    }
    let what = if folder.exists() {
        "is not a folder"
    } else {
        "does not exist"
    };
    Err(ConfigError::Value {
        source_name: in_file("export_dir"),
        detail: format!(
            "export_dir = {:?} {what}; create it, or set export_dir to an existing folder",
            folder.display().to_string()
        ),
    })
}

fn parse_url(text: &str, source_name: &str) -> Result<DatabaseUrl, ConfigError> {
    DatabaseUrl::parse(text).map_err(|error| ConfigError::Value {
        source_name: source_name.to_owned(),
        detail: error.to_string(),
    })
}

/// Parses an IANA zone name.
///
/// # Errors
/// An unknown name.
pub fn parse_zone(name: &str, source_name: &str) -> Result<Tz, ConfigError> {
    name.trim().parse::<Tz>().map_err(|_| ConfigError::Value {
        source_name: source_name.to_owned(),
        detail: format!(
            "{name:?} is not a known IANA time zone; use a name such as Europe/Berlin, America/New_York or UTC"
        ),
    })
}

/// A `YYYY-MM-DD` date of `--from`/`--to`; `source_name` names the flag in errors.
///
/// # Errors
/// Anything else, quoted in the message.
pub fn parse_day(text: &str, source_name: &str) -> Result<chrono::NaiveDate, ConfigError> {
    chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| ConfigError::Value {
        source_name: source_name.to_owned(),
        detail: format!("{text:?} is not a date; write YYYY-MM-DD, e.g. 2026-11-01"),
    })
}

/// An RFC 3339 instant of `--now`; `source_name` names the flag or key in errors.
///
/// # Errors
/// Anything else, quoted in the message.
pub fn parse_now(text: &str, source_name: &str) -> Result<DateTime<Utc>, ConfigError> {
    DateTime::parse_from_rfc3339(text.trim())
        .map(|instant| instant.with_timezone(&Utc))
        .map_err(|error| ConfigError::Value {
            source_name: source_name.to_owned(),
            detail: format!(
                "{text:?} is not an RFC 3339 time ({error}); write e.g. 2026-11-28T14:30:00Z"
            ),
        })
}

/// The system's zone: `TZ` when it names an IANA zone, else the OS setting, else UTC.
#[must_use]
pub fn system_zone() -> Tz {
    if let Ok(name) = std::env::var("TZ") {
        if let Ok(tz) = name.trim_start_matches(':').parse::<Tz>() {
            return tz;
        }
    }
    iana_time_zone::get_timezone()
        .ok()
        .and_then(|name| name.parse::<Tz>().ok())
        .unwrap_or(Tz::UTC)
}
