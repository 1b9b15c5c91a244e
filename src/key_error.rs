//! An error about one key of the config file: the dotted key it is about and
//! what is wrong, kept apart so the config can point at the key's line.

/// A value of a config table that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key}: {detail}")]
pub struct KeyError {
    /// The dotted key, as written in the file: `budget.models."gpt-4".daily`.
    pub key: String,
    /// What is wrong and how to fix it.
    pub detail: String,
}

impl KeyError {
    /// An error about `key`.
    #[must_use]
    pub fn new(key: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            detail: detail.into(),
        }
    }
}
