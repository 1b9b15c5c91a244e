//! The command line: clap definitions only. Flags every command takes (where
//! the usage is) are global; filters and periods belong to the commands that
//! count usage, and the drawing flags to the dashboard, so each `--help`
//! lists only what applies. `Cli::global_args` flattens them for `config`,
//! which resolves them against the config file.

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
    /// Where the usage is: flags every command takes.
    #[command(flatten)]
    pub shared: SharedArgs,
    /// Which usage the dashboard counts.
    #[command(flatten)]
    pub selection: SelectionArgs,
    /// The dashboard's periods.
    #[command(flatten)]
    pub period: PeriodArgs,
    /// How the dashboard draws.
    #[command(flatten)]
    pub dashboard: DashboardArgs,
    /// What to do (default: open the dashboard).
    #[command(subcommand)]
    pub command: Option<Command>,
}

const KEYS_HELP: &str = "Dashboard keys (defaults; [keys] in the config rebinds them): d/w/m views, H hours, b breakdown, f filter, Enter drill down, Esc back, r refresh, ? or F1 help, q quit.\n\
Quick start: usagetop --demo   (opens the dashboard on generated demo data)";

impl Cli {
    /// Every flag given, flattened for `config`: the shared ones, and the
    /// selection and periods of the subcommand (or of the dashboard).
    #[must_use]
    pub fn global_args(&self) -> GlobalArgs {
        let empty = (SelectionArgs::default(), PeriodArgs::default());
        let (selection, period) = match &self.command {
            Some(Command::Report(args)) => (&args.selection, &args.period),
            Some(Command::Export(args)) => (&args.selection, &args.period),
            Some(Command::Backtest(args)) => (&args.selection, &empty.1),
            Some(Command::Prices(args)) => (&args.selection, &empty.1),
            Some(Command::Watch(args)) => (&args.selection, &empty.1),
            _ => (&empty.0, &empty.1),
        };
        let shared = self.shared.clone();
        let dashboard = &self.dashboard;
        let pick = |mine: &Vec<String>, top: &Vec<String>| {
            let mut all = top.clone();
            all.extend(mine.iter().cloned());
            all
        };
        GlobalArgs {
            database_url: shared.database_url,
            config: shared.config,
            tz: shared.tz,
            now: shared.now,
            demo: shared.demo,
            preset: shared.preset,
            table: shared.table,
            timestamp_format: shared.timestamp_format,
            filter: shared.filter,
            connect_timeout_seconds: shared.connect_timeout_seconds,
            statement_timeout_seconds: shared.statement_timeout_seconds,
            no_cache: shared.no_cache,
            verify: shared.verify,
            cache_late_seconds: shared.cache_late_seconds,
            models: pick(&selection.models, &self.selection.models),
            endpoints: pick(&selection.endpoints, &self.selection.endpoints),
            users: pick(&selection.users, &self.selection.users),
            projects: pick(&selection.projects, &self.selection.projects),
            sessions: pick(&selection.sessions, &self.selection.sessions),
            sources: pick(&selection.sources, &self.selection.sources),
            from: selection
                .from
                .clone()
                .or_else(|| self.selection.from.clone()),
            to: selection.to.clone().or_else(|| self.selection.to.clone()),
            view: period.view.or(self.period.view),
            week_start: period.week_start.or(self.period.week_start),
            refresh_seconds: dashboard.refresh_seconds,
            theme: dashboard.theme,
            ascii: dashboard.ascii,
            no_mouse: dashboard.no_mouse,
        }
    }
}

/// Every setting a flag can give, as `config` resolves them (flags of
/// several groups and commands, flattened).
#[derive(Debug, Clone, Default)]
pub struct GlobalArgs {
    /// `--database-url`.
    pub database_url: Option<String>,
    /// `--config`.
    pub config: Option<PathBuf>,
    /// `--tz`.
    pub tz: Option<String>,
    /// `--now`.
    pub now: Option<String>,
    /// `--view`.
    pub view: Option<View>,
    /// `--demo`.
    pub demo: bool,
    /// `--refresh-seconds`.
    pub refresh_seconds: Option<u64>,
    /// `--week-start`.
    pub week_start: Option<WeekStart>,
    /// `--preset`.
    pub preset: Option<Preset>,
    /// `--table`.
    pub table: Option<String>,
    /// `--timestamp-format`.
    pub timestamp_format: Option<TimestampFormat>,
    /// `--where`.
    pub filter: Option<String>,
    /// `--model`.
    pub models: Vec<String>,
    /// `--endpoint`.
    pub endpoints: Vec<String>,
    /// `--user`.
    pub users: Vec<String>,
    /// `--project`.
    pub projects: Vec<String>,
    /// `--session`.
    pub sessions: Vec<String>,
    /// `--source`.
    pub sources: Vec<String>,
    /// `--from`.
    pub from: Option<String>,
    /// `--to`.
    pub to: Option<String>,
    /// `--theme`.
    pub theme: Option<crate::ui::theme::ThemeChoice>,
    /// `--ascii`.
    pub ascii: bool,
    /// `--no-mouse`.
    pub no_mouse: bool,
    /// `--connect-timeout-seconds`.
    pub connect_timeout_seconds: Option<u64>,
    /// `--statement-timeout-seconds`.
    pub statement_timeout_seconds: Option<u64>,
    /// `--no-cache`.
    pub no_cache: bool,
    /// `--verify`.
    pub verify: bool,
    /// `--cache-late-seconds`.
    pub cache_late_seconds: Option<u64>,
}

/// Where the usage is and how to read it: flags every command takes.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Source (every command)")]
pub struct SharedArgs {
    /// Usage database: sqlite://PATH, a file path, postgres://USER:PASSWORD@HOST:PORT/DB, mysql://...
    /// or clickhouse://USER:PASSWORD@HOST:8123/DB [default: usage.db in your data directory]
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

    /// Use demo.db in your data directory, generating it when missing
    #[arg(long, global = true)]
    pub demo: bool,

    /// Table layout preset: native, litellm (LiteLLM_SpendLogs), litellm-daily (LiteLLM_DailyUserSpend),
    /// helicone (Helicone's ClickHouse request_response_rmt) or langfuse (Langfuse's ClickHouse observations)
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

/// Which usage counts: filters and a custom range (the dashboard, report,
/// export, prices and backtest).
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Which usage")]
pub struct SelectionArgs {
    /// Count only these models: a glob pattern such as gpt-4*, or !PATTERN to leave them out (repeatable)
    #[arg(long = "model", value_name = "PATTERN")]
    pub models: Vec<String>,

    /// Count only these endpoints: a glob pattern, or !PATTERN to leave them out (repeatable)
    #[arg(long = "endpoint", value_name = "PATTERN")]
    pub endpoints: Vec<String>,

    /// Count only these users: a glob pattern, or !PATTERN to leave them out (repeatable)
    #[arg(long = "user", value_name = "PATTERN")]
    pub users: Vec<String>,

    /// Count only these projects ([source] project; imported logs: the agent's project folder) (repeatable)
    #[arg(long = "project", value_name = "PATTERN")]
    pub projects: Vec<String>,

    /// Count only these sessions ([source] session; imported logs: the agent's session id) (repeatable)
    #[arg(long = "session", value_name = "PATTERN")]
    pub sessions: Vec<String>,

    /// Count only these sources ([source] source; imported: claude-code, codex, gemini, openai-usage, ...) (repeatable)
    #[arg(long = "source", value_name = "PATTERN")]
    pub sources: Vec<String>,

    /// First day of a custom range (YYYY-MM-DD, local): totals and series over --from..--to
    #[arg(long, value_name = "DATE")]
    pub from: Option<String>,

    /// Last day of a custom range (YYYY-MM-DD, local) [default: today]
    #[arg(long, value_name = "DATE")]
    pub to: Option<String>,
}

/// Periods: the view and the first day of the week (the dashboard, report and export).
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Periods")]
pub struct PeriodArgs {
    /// The view shown first (report: the trend printed; export: the series written)
    #[arg(long, value_enum)]
    pub view: Option<View>,

    /// First day of the week [default: monday]
    #[arg(long, value_enum)]
    pub week_start: Option<WeekStart>,
}

/// How the dashboard draws and refreshes (the dashboard only).
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Dashboard")]
pub struct DashboardArgs {
    /// Seconds between background refreshes [default: 30]
    #[arg(long, value_name = "SECONDS")]
    pub refresh_seconds: Option<u64>,

    /// Colours: dark (default), light, or auto (from the terminal's background)
    #[arg(long, value_enum)]
    pub theme: Option<crate::ui::theme::ThemeChoice>,

    /// Draw with ASCII characters only (old terminals, serial consoles)
    #[arg(long)]
    pub ascii: bool,

    /// Do not capture the mouse (clicks on view tabs, wheel scrolling)
    #[arg(long)]
    pub no_mouse: bool,
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
    /// List each model seen with the price entry it resolved to (why a figure is estimated)
    Prices(PricesArgs),
    /// Replay the month-end estimate on past months of your usage and show its error
    Backtest(BacktestArgs),
    /// Evaluate the [alerts] rules at every refresh without a screen (for systemd or a container)
    Watch(WatchArgs),
    /// Alert targets: `alerts test` sends a sample alert to each
    #[command(subcommand)]
    Alerts(AlertsCommand),
    /// Read usage from coding agents' logs, the providers' usage reports and usage files into
    /// usagetop's own database, each request once
    Import(ImportArgs),
}

/// `usagetop import` options.
#[derive(Debug, Clone, Args)]
pub struct ImportArgs {
    /// What the files are
    #[arg(value_enum)]
    pub source: crate::import::SourceKind,
    /// Files, or folders searched for the source's logs or pages (default: the source's own
    /// folders; - for standard input)
    pub paths: Vec<PathBuf>,
    /// Keep importing what is new every --every seconds, until SIGINT or SIGTERM
    #[arg(long)]
    pub watch: bool,
    /// Seconds between imports with --watch
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=86_400), requires = "watch")]
    pub every: u64,
    /// openai-usage, anthropic-usage: pull the report's pages from the provider, with the admin key
    /// in OPENAI_ADMIN_KEY / ANTHROPIC_ADMIN_KEY (read from the environment only)
    #[arg(long, conflicts_with = "paths")]
    pub fetch: bool,
    /// With --fetch: the first day to pull, YYYY-MM-DD (UTC) [default: the newest bucket imported
    /// from the source minus a day, else 30 days ago]
    #[arg(long, requires = "fetch", value_parser = parse_day)]
    pub since: Option<chrono::NaiveDate>,
    /// With --fetch: the API's base URL [default: USAGETOP_OPENAI_BASE_URL or
    /// USAGETOP_ANTHROPIC_BASE_URL, else https://api.openai.com or https://api.anthropic.com]
    #[arg(long, requires = "fetch")]
    pub base_url: Option<String>,
}

fn parse_day(text: &str) -> Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("{text:?} is not a day: write YYYY-MM-DD"))
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
    /// Which usage counts.
    #[command(flatten)]
    pub selection: SelectionArgs,
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
#[derive(Debug, Clone, Args)]
pub struct WatchArgs {
    /// Evaluate once and exit (for cron, and with --now for tests)
    #[arg(long)]
    pub once: bool,
    /// Which usage counts.
    #[command(flatten)]
    pub selection: SelectionArgs,
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
    /// Which usage counts.
    #[command(flatten)]
    pub selection: SelectionArgs,
    /// The view exported and the week's first day.
    #[command(flatten)]
    pub period: PeriodArgs,
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
    /// Which usage counts.
    #[command(flatten)]
    pub selection: SelectionArgs,
    /// The trend printed and the week's first day.
    #[command(flatten)]
    pub period: PeriodArgs,
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

/// `usagetop prices` options.
#[derive(Debug, Clone, Args)]
pub struct PricesArgs {
    /// Output format (text or json)
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// Which usage counts.
    #[command(flatten)]
    pub selection: SelectionArgs,
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
