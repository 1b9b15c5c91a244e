//! Alerts: the `[alerts]` config (rules and targets) and the rules
//! themselves, evaluated purely on a finished snapshot and a few figures
//! observed beside it. What is new is decided here; remembering what was
//! sent is `state`'s job, sending it `deliver`'s (the one module that opens
//! connections or runs a program), and the bookkeeping between them
//! `dispatch`'s. `observe` asks the store for the figures the rules need.

pub mod deliver;
pub mod dispatch;
pub mod observe;
pub mod state;

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::analytics::report::CostSource;
use crate::budget::{Level, Period};
use crate::format::money;
use crate::key_error::KeyError;
use crate::pipeline::Snapshot;
use crate::text::sanitize;

/// The `[alerts]` table as written.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AlertsConfig {
    /// Shares of a budget that alert (default 0.5, 0.8, 1.0).
    pub budget_shares: Option<Vec<f64>>,
    /// Alert when a budget's forecast crosses its limit (default true).
    pub forecast: Option<bool>,
    /// Today's cost so far at least this many times the usual for this weekday and hour (default 3; 0 turns it off).
    pub spike_factor: Option<f64>,
    /// ... and at least this much (USD, default "1.00"), so that quiet days stay quiet.
    pub spike_min_cost: Option<String>,
    /// A single hour costing more than this (USD); off unless set.
    pub hour_cost: Option<String>,
    /// A model seen for the first time (default true).
    pub new_model: Option<bool>,
    /// A user seen for the first time (default false: it asks the source for today's users).
    pub new_user: Option<bool>,
    /// Usage priced by the default price: a model with no price entry (default true).
    pub unpriced: Option<bool>,
    /// No event for this many minutes while the same minutes of the last four same weekdays had some; off unless set.
    pub stale_minutes: Option<u64>,
    /// Show alerts in the dashboard: a banner and the terminal bell (default true).
    pub dashboard: Option<bool>,
    /// Webhooks.
    #[serde(default)]
    pub webhook: Vec<WebhookConfig>,
    /// Programs run with the alert on standard input.
    #[serde(default)]
    pub command: Vec<CommandConfig>,
}

/// One `[[alerts.webhook]]`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// A name for logs and the state (default `webhook:HOST`).
    pub name: Option<String>,
    /// The URL; `${VAR}` is replaced by the environment variable VAR when sending.
    pub url: String,
    /// `json` (the alert as JSON, default) or `slack` (`{"text": ...}`, for Slack, Mattermost, Discord's /slack).
    pub format: Option<String>,
    /// Headers; values may hold `${VAR}`, read when sending and never printed.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Seconds to wait for an answer (default 10).
    pub timeout_seconds: Option<u64>,
}

/// One `[[alerts.command]]`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct CommandConfig {
    /// A name for logs and the state (default `command:PROGRAM`).
    pub name: Option<String>,
    /// The program (no shell is involved).
    pub program: String,
    /// Its arguments.
    #[serde(default)]
    pub args: Vec<String>,
    /// Seconds it may run (default 30).
    pub timeout_seconds: Option<u64>,
}

/// Where alerts go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetKind {
    /// HTTP POST of a JSON body.
    Webhook {
        /// URL, `${VAR}` not yet replaced.
        url: String,
        /// Slack's `{"text": ...}` instead of the alert.
        slack: bool,
        /// Headers, values not yet expanded.
        headers: Vec<(String, String)>,
        /// Answer timeout.
        timeout: std::time::Duration,
    },
    /// A program with the alert as JSON on standard input.
    Command {
        /// The program.
        program: String,
        /// Its arguments.
        args: Vec<String>,
        /// How long it may run.
        timeout: std::time::Duration,
    },
    /// The dashboard's banner and bell, or `watch`'s log line.
    Local,
}

/// A target with its name (the key of its state).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// `webhook:hooks.slack.com`, `command:page-oncall`, `dashboard`, `log`.
    pub name: String,
    /// How to reach it.
    pub kind: TargetKind,
}

/// The rules in force.
#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    /// Budget shares, ascending.
    pub budget_shares: Vec<Decimal>,
    /// Forecast crossing a budget.
    pub forecast: bool,
    /// Spike factor (`None`: off).
    pub spike_factor: Option<Decimal>,
    /// Smallest cost of a spike.
    pub spike_min_cost: Decimal,
    /// Hour threshold.
    pub hour_cost: Option<Decimal>,
    /// New models.
    pub new_model: bool,
    /// New users.
    pub new_user: bool,
    /// Unpriced models.
    pub unpriced: bool,
    /// Silence that alerts, in minutes.
    pub stale_minutes: Option<u64>,
}

/// The checked `[alerts]` table.
#[derive(Debug, Clone, PartialEq)]
pub struct Alerts {
    /// The rules.
    pub rules: Rules,
    /// Webhooks and commands.
    pub targets: Vec<Target>,
    /// Show alerts in the dashboard.
    pub dashboard: bool,
}

fn money_key(text: &str, key: &str) -> Result<Decimal, KeyError> {
    text.trim()
        .parse::<Decimal>()
        .ok()
        .filter(|value| *value >= Decimal::ZERO)
        .ok_or_else(|| {
            KeyError::new(
                format!("alerts.{key}"),
                format!(
                    "{text:?} is not an amount; write a decimal string in USD, such as \"25.00\""
                ),
            )
        })
}

impl Alerts {
    /// Checks the `[alerts]` table.
    ///
    /// # Errors
    /// A value out of range, with the key and how to fix it.
    pub fn from_config(config: &AlertsConfig) -> Result<Self, KeyError> {
        let mut shares = Vec::new();
        for share in config
            .budget_shares
            .clone()
            .unwrap_or_else(|| vec![0.5, 0.8, 1.0])
        {
            if !(share > 0.0 && share <= 10.0) {
                return Err(KeyError::new(
                    "alerts.budget_shares",
                    format!(
                        "{share} is out of range; give shares of a budget such as [0.5, 0.8, 1.0]"
                    ),
                ));
            }
            shares.push(
                Decimal::from_f64_retain(share)
                    .unwrap_or(Decimal::ONE)
                    .round_dp(4),
            );
        }
        shares.sort();
        shares.dedup();
        let factor = config.spike_factor.unwrap_or(3.0);
        if !(0.0..=1000.0).contains(&factor) {
            return Err(KeyError::new(
                "alerts.spike_factor",
                format!("{factor} is out of range; give a factor such as 3 (0 turns it off)"),
            ));
        }
        if config.stale_minutes == Some(0) {
            return Err(KeyError::new(
                "alerts.stale_minutes",
                "0 is out of range; give minutes such as 60, or leave it out",
            ));
        }
        let mut targets: Vec<Target> = Vec::new();
        for (index, hook) in config.webhook.iter().enumerate() {
            let slack = match hook.format.as_deref() {
                None | Some("json") => false,
                Some("slack") => true,
                Some(other) => {
                    return Err(KeyError::new(
                        "alerts.webhook.format",
                        format!("{other:?} is not a format; write \"json\" or \"slack\""),
                    ))
                }
            };
            if !(hook.url.starts_with("http://")
                || hook.url.starts_with("https://")
                || hook.url.starts_with("${"))
            {
                return Err(KeyError::new(
                    "alerts.webhook.url",
                    format!("webhook {} is not an http:// or https:// URL", index + 1),
                ));
            }
            let host = deliver::host_of(&hook.url);
            targets.push(Target {
                name: hook
                    .name
                    .clone()
                    .unwrap_or_else(|| format!("webhook:{host}")),
                kind: TargetKind::Webhook {
                    url: hook.url.clone(),
                    slack,
                    headers: hook.headers.clone().into_iter().collect(),
                    timeout: std::time::Duration::from_secs(
                        hook.timeout_seconds.unwrap_or(10).clamp(1, 300),
                    ),
                },
            });
        }
        for command in &config.command {
            if command.program.trim().is_empty() {
                return Err(KeyError::new(
                    "alerts.command.program",
                    "give the program to run",
                ));
            }
            let short = std::path::Path::new(&command.program)
                .file_name()
                .map_or_else(
                    || command.program.clone(),
                    |name| name.to_string_lossy().into_owned(),
                );
            targets.push(Target {
                name: command
                    .name
                    .clone()
                    .unwrap_or_else(|| format!("command:{short}")),
                kind: TargetKind::Command {
                    program: command.program.clone(),
                    args: command.args.clone(),
                    timeout: std::time::Duration::from_secs(
                        command.timeout_seconds.unwrap_or(30).clamp(1, 3600),
                    ),
                },
            });
        }
        // Names key the state: make them unique.
        for index in 1..targets.len() {
            if targets[..index]
                .iter()
                .any(|target| target.name == targets[index].name)
            {
                targets[index].name = format!("{} #{}", targets[index].name, index + 1);
            }
        }
        Ok(Self {
            rules: Rules {
                budget_shares: shares,
                forecast: config.forecast.unwrap_or(true),
                spike_factor: (factor > 0.0).then(|| {
                    Decimal::from_f64_retain(factor)
                        .unwrap_or(Decimal::from(3))
                        .round_dp(3)
                }),
                spike_min_cost: money_key(
                    config.spike_min_cost.as_deref().unwrap_or("1.00"),
                    "spike_min_cost",
                )?,
                hour_cost: config
                    .hour_cost
                    .as_deref()
                    .map(|text| money_key(text, "hour_cost"))
                    .transpose()?,
                new_model: config.new_model.unwrap_or(true),
                new_user: config.new_user.unwrap_or(false),
                unpriced: config.unpriced.unwrap_or(true),
                stale_minutes: config.stale_minutes,
            },
            targets,
            dashboard: config.dashboard.unwrap_or(true),
        })
    }
}

/// How urgent an alert is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing.
    Info,
    /// Worth a look.
    Warning,
    /// Act now.
    Critical,
}

/// One alert: fires once per rule, subject, period and target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    /// `budget`, `forecast`, `spike`, `hour`, `new_model`, `new_user`, `unpriced`, `stale`, `test`.
    pub rule: String,
    /// What it is about: a budget, a model, a user (may be empty).
    pub subject: String,
    /// The period it fires once in: `2026-11`, `2026-11-28`, `2026-11-28T14`, `ever`.
    pub period: String,
    /// How urgent.
    pub severity: Severity,
    /// One line.
    pub title: String,
    /// The details, for people.
    pub text: String,
    /// When it was found.
    pub at: DateTime<Utc>,
    /// True for `usagetop alerts test`.
    #[serde(default)]
    pub sample: bool,
}

impl Alert {
    /// The key of its state (without the target).
    #[must_use]
    pub fn key(&self) -> String {
        format!("{}|{}|{}", self.rule, self.subject, self.period)
    }
}

/// What the store says beside the snapshot (see `observe`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Observed {
    /// Mean cost of today's span (midnight to now) over the last four same weekdays that have history.
    pub usual_cost: Option<Decimal>,
    /// Costs of the current hour so far and of the last complete hour: (local label, cost).
    pub hours: Vec<(String, Decimal)>,
    /// Requests in the last `stale_minutes`, and the mean of the same minutes on the last four same weekdays.
    pub silence: Option<(i64, Decimal)>,
    /// Users seen today (and, for seeding, this month and last).
    pub users: Option<Vec<String>>,
}

/// What one evaluation found: alerts, and the models and users seen (new
/// ones alert against what the state knows).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Findings {
    /// Alerts of every rule but the first-seen ones.
    pub alerts: Vec<Alert>,
    /// Every model with usage up to now.
    pub models: Option<Vec<String>>,
    /// Users seen.
    pub users: Option<Vec<String>>,
    /// When.
    pub at: DateTime<Utc>,
}

fn period_key(period: Period, start: Option<NaiveDate>) -> String {
    let start = start.unwrap_or_default();
    match period {
        Period::Daily | Period::Weekly => start.format("%Y-%m-%d").to_string(),
        Period::Monthly => start.format("%Y-%m").to_string(),
    }
}

/// Evaluates the rules on `snapshot` (a report of the present) and what was observed.
#[must_use]
pub fn evaluate(rules: &Rules, snapshot: &Snapshot, observed: &Observed) -> Findings {
    let at = snapshot.generated_at;
    let tz: chrono_tz::Tz = snapshot.timezone.parse().unwrap_or(chrono_tz::Tz::UTC);
    let local = at.with_timezone(&tz);
    let today = local.date_naive();
    let mut alerts = Vec::new();
    let mut push =
        |rule: &str, subject: String, period: String, severity, title: String, text: String| {
            alerts.push(Alert {
                rule: rule.to_owned(),
                subject,
                period,
                severity,
                title,
                text,
                at,
                sample: false,
            });
        };
    let summary = &snapshot.summary;
    for status in &snapshot.budgets {
        let start = match status.budget.period {
            Period::Daily => summary.today.start,
            Period::Weekly => summary.this_week.start,
            Period::Monthly => summary.this_month.start,
        };
        let period = period_key(status.budget.period, start);
        let name = sanitize(&status.budget.name(), 120);
        let share = status.share();
        if let Some(crossed) = rules
            .budget_shares
            .iter()
            .rev()
            .find(|limit| share >= **limit)
        {
            let percent = crate::format::percent(*crossed);
            push(
                "budget",
                format!("{} {percent}%", status.budget.name()),
                period.clone(),
                if *crossed >= Decimal::ONE {
                    Severity::Critical
                } else {
                    Severity::Warning
                },
                format!("{name} budget at {}%", crate::format::percent(share)),
                format!(
                    "{name}: {} of {} spent ({}%, past {percent}%); forecast {} by {}",
                    money(status.spent),
                    money(status.budget.limit),
                    crate::format::percent(share),
                    money(status.forecast),
                    status.period_end.format("%-d %b")
                ),
            );
        }
        if rules.forecast && status.level == Level::ForecastOver {
            if let Some(day) = status.crosses_on {
                push(
                    "forecast",
                    status.budget.name(),
                    period,
                    Severity::Warning,
                    format!("{name} budget forecast to be exceeded on {}", day.format("%-d %b")),
                    format!(
                        "{name}: {} spent of {}; at this rate it is exceeded on {} and reaches {} by {}",
                        money(status.spent),
                        money(status.budget.limit),
                        day.format("%Y-%m-%d"),
                        money(status.forecast),
                        status.period_end.format("%-d %b")
                    ),
                );
            }
        }
    }
    let cost_today = summary.today.totals.cost;
    if let (Some(factor), Some(usual)) = (rules.spike_factor, observed.usual_cost) {
        if usual > Decimal::ZERO
            && cost_today >= rules.spike_min_cost
            && cost_today >= usual * factor
        {
            let times = (cost_today / usual).round_dp(1);
            push(
                "spike",
                String::new(),
                today.format("%Y-%m-%d").to_string(),
                Severity::Critical,
                format!("cost spike: {} today, {times}x the usual", money(cost_today)),
                format!(
                    "today's cost so far is {} by {}, {times} times the usual {} for a {} by this hour (the last four {}s)",
                    money(cost_today),
                    local.format("%H:%M"),
                    money(usual),
                    local.format("%A"),
                    local.format("%A"),
                ),
            );
        }
    }
    if let Some(limit) = rules.hour_cost {
        for (label, cost) in &observed.hours {
            if *cost > limit {
                push(
                    "hour",
                    String::new(),
                    label.clone(),
                    Severity::Critical,
                    format!("{} in one hour ({label}:00)", money(*cost)),
                    format!(
                        "the hour from {label}:00 cost {}, above the alert threshold of {}",
                        money(*cost),
                        money(limit)
                    ),
                );
            }
        }
    }
    if rules.unpriced {
        for model in snapshot
            .by_model
            .this_month
            .iter()
            .filter(|model| model.source == CostSource::DefaultPrice)
        {
            let name = sanitize(&model.model, 120);
            push(
                "unpriced",
                model.model.clone(),
                "ever".to_owned(),
                Severity::Warning,
                format!("{name} has no price entry"),
                format!(
                    "{name} is priced by the default price (an estimate, {} this month); add it to [pricing.models] in the config file",
                    money(model.totals.cost)
                ),
            );
        }
    }
    if let (Some(minutes), Some((recent, usual))) = (rules.stale_minutes, observed.silence) {
        if recent == 0 && usual >= Decimal::ONE {
            push(
                "stale",
                String::new(),
                today.format("%Y-%m-%d").to_string(),
                Severity::Critical,
                format!("no usage for {minutes} minutes"),
                format!(
                    "no event in the last {minutes} minutes, while the same minutes of the last four {}s had {} on average; is the source still written?",
                    local.format("%A"),
                    usual.round_dp(1)
                ),
            );
        }
    }
    Findings {
        alerts,
        models: rules.new_model.then(|| {
            snapshot
                .by_model
                .all_time
                .iter()
                .map(|model| model.model.clone())
                .collect()
        }),
        users: if rules.new_user {
            observed.users.clone()
        } else {
            None
        },
        at,
    }
}

/// The alert for a model or user seen for the first time.
#[must_use]
pub fn first_seen(rule: &str, name: &str, at: DateTime<Utc>) -> Alert {
    let what = if rule == "new_user" { "user" } else { "model" };
    let shown = sanitize(name, 120);
    Alert {
        rule: rule.to_owned(),
        subject: name.to_owned(),
        period: "ever".to_owned(),
        severity: Severity::Info,
        title: format!("new {what}: {shown}"),
        text: format!("the {what} {shown} appears in the usage for the first time"),
        at,
        sample: false,
    }
}

/// A sample alert for `usagetop alerts test`.
#[must_use]
pub fn sample(at: DateTime<Utc>) -> Alert {
    Alert {
        rule: "test".to_owned(),
        subject: String::new(),
        period: at.format("%Y-%m-%dT%H:%M:%S").to_string(),
        severity: Severity::Info,
        title: "usagetop test alert".to_owned(),
        text: "a sample sent by `usagetop alerts test`: this target works".to_owned(),
        at,
        sample: true,
    }
}
