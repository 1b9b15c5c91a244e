//! From findings to deliveries: each alert goes to each target once per
//! rule, subject and period (remembered in the state file, so a restart
//! repeats none); a failed delivery is kept and tried again with backoff
//! (30 s, 1, 2, 4 ... 60 min) until it goes through or a day has passed,
//! and every outcome is reported to the caller: nothing is dropped silently.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::deliver::{self, DeliveryError};
use super::state::{Pending, State};
use super::{first_seen, Alert, Alerts, Findings, Target, TargetKind};

/// How long a failing delivery is retried.
const GIVE_UP_AFTER_HOURS: i64 = 24;

/// What happened to one alert at one target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Delivered.
    Sent {
        /// The alert.
        alert: Alert,
        /// The target's name.
        target: String,
    },
    /// For the dashboard's banner (or `watch`'s log): shown once.
    Shown(Alert),
    /// Failed; tried again at `retry_at`.
    Failed {
        /// The alert.
        alert: Alert,
        /// The target's name.
        target: String,
        /// Why.
        error: String,
        /// The next try.
        retry_at: DateTime<Utc>,
    },
    /// Failed for a day; no more tries.
    GaveUp {
        /// The alert.
        alert: Alert,
        /// The target's name.
        target: String,
        /// The last error.
        error: String,
    },
}

impl Outcome {
    /// One log line (the alert's texts are already sanitised).
    #[must_use]
    pub fn line(&self) -> String {
        match self {
            Outcome::Sent { alert, target } => {
                format!("alert {} [{}] sent to {target}: {}", alert.rule, severity(alert), alert.title)
            }
            Outcome::Shown(alert) => {
                format!("alert {} [{}]: {} ({})", alert.rule, severity(alert), alert.title, alert.text)
            }
            Outcome::Failed {
                alert,
                target,
                error,
                retry_at,
            } => format!(
                "alert {} to {target} failed: {error}; retrying at {}",
                alert.rule,
                retry_at.format("%Y-%m-%dT%H:%M:%SZ")
            ),
            Outcome::GaveUp {
                alert,
                target,
                error,
            } => format!(
                "alert {} to {target} NOT DELIVERED after {GIVE_UP_AFTER_HOURS} h of tries: {error}; title: {}",
                alert.rule, alert.title
            ),
        }
    }
}

fn severity(alert: &Alert) -> &'static str {
    match alert.severity {
        super::Severity::Info => "info",
        super::Severity::Warning => "warning",
        super::Severity::Critical => "critical",
    }
}

/// The delay before try number `attempts + 1`.
#[must_use]
pub fn backoff(attempts: u32) -> chrono::Duration {
    let seconds = 30_i64 << attempts.saturating_sub(1).min(7);
    chrono::Duration::seconds(seconds.min(3600))
}

/// The targets, the state and the HTTP client.
pub struct Dispatcher {
    targets: Vec<Target>,
    state: State,
    path: PathBuf,
    #[allow(clippy::disallowed_types)] // the alert delivery's HTTP client (clippy.toml)
    client: reqwest::Client,
}

impl Dispatcher {
    /// Reads the state at `path`; `local` adds the dashboard (or `watch`'s
    /// log) as a target of that name. Returns a note when the state had to
    /// start afresh.
    ///
    /// # Errors
    /// The state cannot be read, or the HTTP client cannot be set up.
    pub fn open(
        alerts: &Alerts,
        local: Option<&str>,
        path: &Path,
    ) -> Result<(Self, Option<String>), String> {
        let (state, note) = State::load(path).map_err(|error| error.to_string())?;
        let mut targets = alerts.targets.clone();
        if let Some(name) = local {
            targets.push(Target {
                name: name.to_owned(),
                kind: TargetKind::Local,
            });
        }
        Ok((
            Self {
                targets,
                state,
                path: path.to_path_buf(),
                client: deliver::client().map_err(|error| error.to_string())?,
            },
            note,
        ))
    }

    /// The targets, local one included.
    #[must_use]
    pub fn targets(&self) -> &[Target] {
        &self.targets
    }

    /// The state (for tests and `alerts test`).
    #[must_use]
    pub fn state(&self) -> &State {
        &self.state
    }

    /// Delivers what `findings` holds that no target has had yet, retries
    /// what is due, and saves the state.
    ///
    /// # Errors
    /// The state cannot be saved (the outcomes so far are returned with it).
    pub async fn handle(&mut self, findings: Findings) -> (Vec<Outcome>, Option<String>) {
        let now = findings.at;
        let mut alerts = findings.alerts;
        for (rule, seen, known) in [
            ("new_model", findings.models, &mut self.state.models),
            ("new_user", findings.users, &mut self.state.users),
        ] {
            let Some(seen) = seen else { continue };
            match known {
                // The first look learns what there is, and alerts on nothing.
                None => *known = Some(seen.into_iter().collect()),
                Some(known) => {
                    for name in seen {
                        if known.insert(name.clone()) {
                            alerts.push(first_seen(rule, &name, now));
                        }
                    }
                }
            }
        }
        let mut outcomes = Vec::new();
        for alert in &alerts {
            for index in 0..self.targets.len() {
                let target = self.targets[index].clone();
                let key = State::key(alert, &target.name);
                let waiting = self.state.pending.iter().any(|pending| {
                    pending.target == target.name && pending.alert.key() == alert.key()
                });
                if waiting || self.state.sent.contains_key(&key) {
                    continue;
                }
                let result = deliver::send(&self.client, &target, alert).await;
                outcomes.push(self.record(alert.clone(), &target, result, 0, now));
            }
        }
        outcomes.extend(self.retry(now).await);
        self.state.prune(now, 400);
        let saved = self
            .state
            .save(&self.path)
            .err()
            .map(|error| error.to_string());
        (outcomes, saved)
    }

    /// Tries again the deliveries that are due at `now`.
    async fn retry(&mut self, now: DateTime<Utc>) -> Vec<Outcome> {
        let (due, waiting): (Vec<Pending>, Vec<Pending>) = std::mem::take(&mut self.state.pending)
            .into_iter()
            .partition(|pending| pending.next_try <= now);
        self.state.pending = waiting;
        let mut outcomes = Vec::new();
        for pending in due {
            let Some(target) = self
                .targets
                .iter()
                .find(|target| target.name == pending.target)
                .cloned()
            else {
                continue; // the target was removed from the config
            };
            let result = deliver::send(&self.client, &target, &pending.alert).await;
            outcomes.push(self.record(pending.alert, &target, result, pending.attempts, now));
        }
        outcomes
    }

    fn record(
        &mut self,
        alert: Alert,
        target: &Target,
        result: Result<(), DeliveryError>,
        attempts: u32,
        now: DateTime<Utc>,
    ) -> Outcome {
        let key = State::key(&alert, &target.name);
        match result {
            Ok(()) => {
                self.state.sent.insert(key, now);
                if target.kind == TargetKind::Local {
                    Outcome::Shown(alert)
                } else {
                    Outcome::Sent {
                        alert,
                        target: target.name.clone(),
                    }
                }
            }
            Err(DeliveryError(error)) => {
                let attempts = attempts + 1;
                if now - alert.at >= chrono::Duration::hours(GIVE_UP_AFTER_HOURS) {
                    // Recorded, so that it does not fire again this period.
                    self.state.sent.insert(key, now);
                    return Outcome::GaveUp {
                        alert,
                        target: target.name.clone(),
                        error,
                    };
                }
                let retry_at = now + backoff(attempts);
                self.state.pending.push(Pending {
                    alert: alert.clone(),
                    target: target.name.clone(),
                    attempts,
                    next_try: retry_at,
                    error: error.clone(),
                });
                Outcome::Failed {
                    alert,
                    target: target.name.clone(),
                    error,
                    retry_at,
                }
            }
        }
    }

    /// Sends a sample alert to every target but the local one (not remembered).
    pub async fn test(&self, at: DateTime<Utc>) -> Vec<(String, Result<(), String>)> {
        let alert = super::sample(at);
        let mut results = Vec::new();
        for target in self
            .targets
            .iter()
            .filter(|target| target.kind != TargetKind::Local)
        {
            let result = deliver::send(&self.client, target, &alert)
                .await
                .map_err(|error| error.0);
            results.push((target.name.clone(), result));
        }
        results
    }
}
