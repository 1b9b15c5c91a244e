//! The command line: clap definitions only. Every global flag can also be set
//! in the config file; resolving the two is `config`'s job.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::analytics::trend::View;
use crate::filter::Dimension;
use crate::period::WeekStart;
use crate::store::mapping::{Preset, TimestampFormat};

/// A terminal dashboard for the usage and cost of LLM / AI APIs.
///
/// Without a subcommand it opens the dashboard on the usage database (by
/// default usagetop's own SQLite file in your data directory).
#[derive(Debug, Parser)]
#[command(name = "usagetop", version, about, long_about, after_help = KEYS_HELP)]
pub struct Cli {
    /// Settings shared by every command.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// What to do (default: open the dashboard).
    #[command(subcommand)]
    pub command: Option<Command>,
}

const KEYS_HELP: &str = "Dashboard keys: d/w/m daily/weekly/monthly, Tab next view, r refresh, ? help, q/Esc/Ctrl-C quit.\n\
Quick start: usagetop --demo   (opens the dashboard on generated demo data)";

/// Flags every command takes.
#[derive(Debug, Clone, Default, Args)]
pub struct GlobalArgs {
    /// Usage database: sqlite://PATH, a file path, or postgres://USER:PASSWORD@HOST:PORT/DB [default: usage.db in your data directory]
    #[arg(long, env = "USAGETOP_DATABASE_URL", global = true, value_name = "URL")]
    pub database_url: Option<String>,

    /// Config file [default: config.toml in your config directory]
    #[arg(long, env = "USAGETOP_CONFIG", global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// IANA time zone for days, weeks and months, e.g. Europe/Berlin [default: the system zone]
    #[arg(long, env = "USAGETOP_TZ", global = true, value_name = "ZONE")]
    pub tz: Option<String>,

    /// Pin the clock to this RFC 3339 instant; later events are ignored
    #[arg(long, global = true, value_name = "RFC3339")]
    pub now: Option<String>,

    /// The view shown first
    #[arg(long, global = true, value_enum)]
    pub view: Option<View>,

    /// Use demo.db in your data directory, generating it when missing
    #[arg(long, global = true)]
    pub demo: bool,

    /// Seconds between background refreshes [default: 30]
    #[arg(long, global = true, value_name = "SECONDS")]
    pub refresh_seconds: Option<u64>,

    /// First day of the week [default: monday]
    #[arg(long, global = true, value_enum)]
    pub week_start: Option<WeekStart>,

    /// Table layout preset: native, litellm (LiteLLM_SpendLogs) or litellm-daily (LiteLLM_DailyUserSpend)
    #[arg(long, env = "USAGETOP_PRESET", global = true, value_enum)]
    pub preset: Option<Preset>,

    /// Usage table, optionally schema-qualified [default: usage_events, or the preset's]
    #[arg(long, env = "USAGETOP_TABLE", global = true, value_name = "TABLE")]
    pub table: Option<String>,

    /// How the timestamp column is stored [default: auto]
    #[arg(long, global = true, value_enum)]
    pub timestamp_format: Option<TimestampFormat>,

    /// Extra SQL condition on the usage rows, e.g. "status = 'success'"
    #[arg(long = "where", global = true, value_name = "CONDITION")]
    pub filter: Option<String>,

    /// Count only these models: a glob pattern such as gpt-4* (repeatable)
    #[arg(long = "model", global = true, value_name = "PATTERN")]
    pub models: Vec<String>,

    /// Count only these endpoints: a glob pattern (repeatable)
    #[arg(long = "endpoint", global = true, value_name = "PATTERN")]
    pub endpoints: Vec<String>,

    /// Count only these users: a glob pattern (repeatable)
    #[arg(long = "user", global = true, value_name = "PATTERN")]
    pub users: Vec<String>,

    /// First day of a custom range (YYYY-MM-DD, local): totals and series over --from..--to
    #[arg(long, global = true, value_name = "DATE")]
    pub from: Option<String>,

    /// Last day of a custom range (YYYY-MM-DD, local) [default: today]
    #[arg(long, global = true, value_name = "DATE")]
    pub to: Option<String>,

    /// Colours: dark (default), light, or auto (from the terminal's background)
    #[arg(long, global = true, value_enum)]
    pub theme: Option<crate::ui::theme::ThemeChoice>,

    /// Draw with ASCII characters only (old terminals, serial consoles)
    #[arg(long, global = true)]
    pub ascii: bool,

    /// Do not capture the mouse (clicks on view tabs, wheel scrolling)
    #[arg(long, global = true)]
    pub no_mouse: bool,

    /// Seconds to wait for a database server connection [default: 5]
    #[arg(long, global = true, value_name = "SECONDS")]
    pub connect_timeout_seconds: Option<u64>,

    /// Seconds one query may run on a database server [default: 30]
    #[arg(long, global = true, value_name = "SECONDS")]
    pub statement_timeout_seconds: Option<u64>,

    /// Read the source directly instead of through the rollup cache
    #[arg(long, global = true)]
    pub no_cache: bool,

    /// Compare all of the cache's history with the source before answering (exact after any change)
    #[arg(long, global = true)]
    pub verify: bool,

    /// Rows up to this many seconds older than the newest are re-read on every refresh [default: 7200]
    #[arg(long, global = true, value_name = "SECONDS")]
    pub cache_late_seconds: Option<u64>,
}

/// Subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Print the dashboard's numbers without a terminal UI
    Report(ReportArgs),
    /// Write generated demo usage into a database usagetop owns
    Demo(DemoArgs),
    /// Write the series of a view (per bucket, or per bucket and dimension) as CSV or JSON
    Export(ExportArgs),
    /// Show or rebuild the rollup cache of the source
    #[command(subcommand)]
    Cache(CacheCommand),
    /// Replay the month-end estimate on past months of your usage and show its error
    Backtest(BacktestArgs),
    /// Evaluate the [alerts] rules at every refresh without a screen (for systemd or a container)
    Watch(WatchArgs),
    /// Alert targets: `alerts test` sends a sample alert to each
    #[command(subcommand)]
    Alerts(AlertsCommand),
}

/// `usagetop backtest` options.
#[derive(Debug, Clone, Args)]
pub struct BacktestArgs {
    /// Complete months to replay (days 5, 10, 15, 20 and 25 of each, at the time of day of now)
    #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u32).range(1..=120))]
    pub months: u32,
    /// Output format
    #[arg(long, value_enum, default_value_t = BacktestFormat::Text)]
    pub format: BacktestFormat,
}

/// Formats of `usagetop backtest`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BacktestFormat {
    /// A readable table
    Text,
    /// JSON for scripts
    Json,
}

/// `usagetop watch` options.
#[derive(Debug, Clone, Copy, Args)]
pub struct WatchArgs {
    /// Evaluate once and exit (for cron, and with --now for tests)
    #[arg(long)]
    pub once: bool,
}

/// `usagetop alerts` subcommands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Subcommand)]
pub enum AlertsCommand {
    /// Send a sample alert to every configured target and say how each went
    Test,
}

/// `usagetop cache` subcommands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Subcommand)]
pub enum CacheCommand {
    /// What the cache of the source holds: file, rows, slots, zones, watermark
    Status,
    /// Build the cache of the source again from every row
    Rebuild,
}

/// `usagetop export` options.
#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = ExportFormat::Csv)]
    pub format: ExportFormat,
    /// One row per bucket and value of this dimension
    #[arg(long, value_enum)]
    pub by: Option<Dimension>,
    /// Write to this file instead of standard output
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Replace --output when it exists
    #[arg(long)]
    pub force: bool,
}

/// Formats of `usagetop export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// RFC 4180 CSV with a header
    Csv,
    /// A JSON array of objects
    Json,
}

/// `usagetop report` options.
#[derive(Debug, Clone, Args)]
pub struct ReportArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// Print one line per budget and exit 0 when all are fine, 3 when a forecast crosses one, 4 when one is exceeded
    #[arg(long)]
    pub check_budget: bool,
    /// Add a breakdown by this dimension (today, this week, this month, with the change against the comparison)
    #[arg(long, value_enum)]
    pub by: Option<Dimension>,
    /// Compare with the previous period, the same period a year before, or the baseline (mean of the last N periods)
    #[arg(long, value_enum, default_value_t = CompareChoice::Previous)]
    pub compare: CompareChoice,
    /// Write to this file instead of standard output (required for pdf)
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Replace --output when it exists
    #[arg(long)]
    pub force: bool,
    /// Paper size of the PDF and of the HTML when printed [default: a4, or `paper` in the config]
    #[arg(long, value_enum)]
    pub paper: Option<Paper>,
}

/// What `report --compare` compares with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompareChoice {
    /// The same span of the previous day, week and month
    Previous,
    /// The same span a year before (52 weeks; 12 months)
    Year,
    /// The mean of the same span of the last N periods (baseline_periods)
    Baseline,
}

pub use crate::output::document::Paper;

/// Formats of `usagetop report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// A readable table
    Text,
    /// The JSON contract for scripts
    Json,
    /// One short line for status bars: today, this month, month-end estimate
    Line,
    /// A printable PDF document (with --output FILE)
    Pdf,
    /// One self-contained HTML page (inline CSS and SVG charts)
    Html,
}

/// `usagetop demo` options.
#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Days of usage to generate, ending now
    #[arg(long, default_value_t = 90, value_parser = clap::value_parser!(u32).range(1..=3660))]
    pub days: u32,
    /// Seed of the generator: the same seed gives the same data
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Delete the events already in the database and write demo data
    #[arg(long)]
    pub force: bool,
}
