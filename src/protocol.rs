//! The messages between the background worker and the dashboard: what the
//! app asks for (the latest request wins) and what the worker tells it. A
//! neutral module, so that `app` imports neither `worker` nor `store`.

use std::sync::Arc;
use std::time::Duration;

pub use crate::pipeline::{ReportRequest, Snapshot};
pub use crate::store::BuildProgress;

/// A refresh the app asks the worker for: what to compute, and a sequence
/// number bumped for every request so that an unchanged one still refreshes
/// and answers to replaced requests can be dropped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RefreshRequest {
    /// What to compute.
    pub report: ReportRequest,
    /// Bumped for every request.
    pub sequence: u64,
}

/// How far an import of a followed source has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportProgress {
    /// The source (`claude-code`, `codex`, ...).
    pub source: &'static str,
    /// Bytes read so far.
    pub done: u64,
    /// Bytes to read.
    pub total: u64,
}

/// What the worker tells the UI.
#[derive(Debug, Clone)]
pub enum WorkerEvent {
    /// A refresh started.
    Loading,
    /// Something to tell the user (an export finished, or failed).
    Notice(String),
    /// A refresh finished.
    Report(Arc<Snapshot>),
    /// An alert for the dashboard: a banner and the bell, once.
    Alert(String),
    /// A cold build of the cache is under way.
    Progress(BuildProgress),
    /// The sources `[import] follow` names are being imported.
    Importing(ImportProgress),
    /// An import of the followed sources changed events or failed: what it did.
    Imported(String),
    /// A refresh failed; the next try is in `retry_in`.
    Failed {
        /// What went wrong, for people.
        message: String,
        /// When the worker tries again by itself.
        retry_in: Duration,
    },
}
