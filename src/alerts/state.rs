//! usagetop's own alert state: which alerts each target has had (so a
//! restart repeats none), deliveries waiting for a retry, and the models and
//! users already seen. One JSON file in the data directory, created by
//! usagetop with mode 0600 and replaced atomically on every change.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Alert;

/// The file's name in the data directory.
pub const FILE_NAME: &str = "alerts-state.json";

/// A delivery that failed and waits for its next try.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    /// The alert.
    pub alert: Alert,
    /// The target's name.
    pub target: String,
    /// Tries so far.
    pub attempts: u32,
    /// Not before.
    pub next_try: DateTime<Utc>,
    /// The last error.
    pub error: String,
}

/// Everything remembered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    /// `rule|subject|period|target` of every alert delivered, with when.
    #[serde(default)]
    pub sent: BTreeMap<String, DateTime<Utc>>,
    /// Deliveries to try again.
    #[serde(default)]
    pub pending: Vec<Pending>,
    /// Models seen (`None` until the first evaluation, which alerts on none).
    #[serde(default)]
    pub models: Option<BTreeSet<String>>,
    /// Users seen, likewise.
    #[serde(default)]
    pub users: Option<BTreeSet<String>>,
}

/// The state file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// Reading or writing failed.
    #[error("cannot use the alert state file {path}: {detail}; check that the folder is writable")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        detail: String,
    },
}

impl State {
    /// The key of `alert` for `target`.
    #[must_use]
    pub fn key(alert: &Alert, target: &str) -> String {
        format!("{}|{target}", alert.key())
    }

    /// Reads the state at `path`; a missing file is an empty state. A file
    /// that cannot be read as state is kept beside it (`.damaged`) and the
    /// state starts afresh, which the returned note says.
    ///
    /// # Errors
    /// The file exists but cannot be read.
    pub fn load(path: &Path) -> Result<(Self, Option<String>), StateError> {
        match std::fs::read_to_string(path) {
            Ok(text) => match serde_json::from_str(&text) {
                Ok(state) => Ok((state, None)),
                Err(error) => {
                    let aside = path.with_extension("json.damaged");
                    let _ = std::fs::rename(path, &aside);
                    Ok((
                        Self::default(),
                        Some(format!(
                            "the alert state file {} could not be read ({error}); it was moved to {} and alerts start afresh",
                            path.display(),
                            aside.display()
                        )),
                    ))
                }
            },
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                Ok((Self::default(), None))
            }
            Err(error) => Err(StateError::Io {
                path: path.to_path_buf(),
                detail: error.to_string(),
            }),
        }
    }

    /// Writes the state to `path` (mode 0600), creating its folder.
    ///
    /// # Errors
    /// The folder or file cannot be written.
    pub fn save(&self, path: &Path) -> Result<(), StateError> {
        let io = |error: std::io::Error| StateError::Io {
            path: path.to_path_buf(),
            detail: error.to_string(),
        };
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder).map_err(io)?;
        }
        let text = serde_json::to_string_pretty(self).map_err(|error| StateError::Io {
            path: path.to_path_buf(),
            detail: error.to_string(),
        })?;
        crate::files::write_atomic(path, text.as_bytes(), true, true).map_err(io)
    }

    /// Forgets deliveries older than `days` (their periods are long over).
    pub fn prune(&mut self, now: DateTime<Utc>, days: i64) {
        let horizon = now - chrono::Duration::days(days);
        self.sent
            .retain(|key, at| *at >= horizon || key.contains("|ever|"));
    }
}
