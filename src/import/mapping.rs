//! `[import]` in the config file: which column (CSV) or key (JSON lines,
//! dotted for nested objects) holds each field of an event, for
//! `usagetop import csv|jsonl`. Read here from the config file itself, so
//! the import owns its own keys.

use std::path::Path;

use serde::Deserialize;

use crate::store::mapping::TimestampFormat;

/// The `[import]` table as written.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ImportMapping {
    /// Timestamp column (default `ts`).
    pub timestamp: Option<String>,
    /// How timestamps are written: `auto`, `unix-s`, `unix-ms`, `iso8601`.
    pub timestamp_format: Option<TimestampFormat>,
    /// Model column (default `model`).
    pub model: Option<String>,
    /// The model of rows without one (default `(unknown)`).
    pub default_model: Option<String>,
    /// Input tokens column (default `input_tokens`).
    pub input_tokens: Option<String>,
    /// Output tokens column (default `output_tokens`).
    pub output_tokens: Option<String>,
    /// Cache-read tokens column (default `cache_read_tokens`).
    pub cache_read_tokens: Option<String>,
    /// Cache-write tokens column (default `cache_write_tokens`).
    pub cache_write_tokens: Option<String>,
    /// The part of the cache writes written for one hour (default
    /// `cache_write_1h_tokens`).
    pub cache_write_1h_tokens: Option<String>,
    /// Input tokens include the cache reads and writes (OpenAI style): subtracted.
    pub input_includes_cache: Option<bool>,
    /// A column with the event's identity (a request id): the same id is
    /// stored once, whichever file or run it comes from.
    pub key: Option<String>,
    /// Stored cost column in USD (default `cost_usd`).
    pub cost: Option<String>,
    /// Requests per row (default `requests`; a row without one is one request).
    pub requests: Option<String>,
    /// User column (default `user_id`).
    pub user: Option<String>,
    /// Endpoint column (default `endpoint`).
    pub endpoint: Option<String>,
    /// Project column (default `project`).
    pub project: Option<String>,
    /// Session column (default `session`).
    pub session: Option<String>,
    /// The sources the dashboard imports from at each refresh (see `follow`).
    pub follow: Option<Vec<toml::Value>>,
}

#[derive(Deserialize)]
struct ConfigWithImport {
    import: Option<toml::Value>,
}

/// An `[import]` table that cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("{path}: [import] {reason}; see the README's Import section for its keys")]
pub struct MappingError {
    path: String,
    reason: String,
}

impl ImportMapping {
    /// The `[import]` table of the config file at `path` (none: the defaults).
    ///
    /// # Errors
    /// The file cannot be read, or `[import]` has an unknown key or a bad value.
    pub fn from_config(path: Option<&Path>) -> Result<Self, MappingError> {
        let Some(path) = path else {
            return Ok(Self::default());
        };
        let error = |reason: String| MappingError {
            path: path.display().to_string(),
            reason,
        };
        let text =
            std::fs::read_to_string(path).map_err(|e| error(format!("cannot be read: {e}")))?;
        let config: ConfigWithImport =
            toml::from_str(&text).map_err(|e| error(e.message().to_owned()))?;
        match config.import {
            None => Ok(Self::default()),
            Some(table) => table
                .try_into::<ImportMapping>()
                .map_err(|e| error(e.message().to_owned())),
        }
    }

    /// The `[import]` table of the config file at `path`: the sources to
    /// follow (`~/` in their paths under `home`) and the columns of csv
    /// and jsonl files.
    ///
    /// # Errors
    /// As [`Self::from_config`], or a `follow` entry that cannot be used.
    pub fn followed(
        path: Option<&Path>,
        home: Option<&Path>,
    ) -> Result<(Vec<super::follow::Followed>, Columns), MappingError> {
        let mapping = Self::from_config(path)?;
        let follow = super::follow::parse(mapping.follow.as_deref().unwrap_or_default(), home)
            .map_err(|reason| MappingError {
                path: path.map_or_else(String::new, |path| path.display().to_string()),
                reason,
            })?;
        Ok((follow, mapping.columns()))
    }

    /// The column of each field, defaults filled in (an empty name: none).
    #[must_use]
    pub fn columns(&self) -> Columns {
        let pick = |value: &Option<String>, default: &str| {
            let name = value.as_deref().unwrap_or(default).trim();
            (!name.is_empty()).then(|| name.to_owned())
        };
        Columns {
            timestamp: pick(&self.timestamp, "ts").unwrap_or_else(|| "ts".to_owned()),
            format: self.timestamp_format.unwrap_or_default(),
            model: pick(&self.model, "model"),
            default_model: self
                .default_model
                .clone()
                .unwrap_or_else(|| "(unknown)".to_owned()),
            input: pick(&self.input_tokens, "input_tokens"),
            output: pick(&self.output_tokens, "output_tokens"),
            cache_read: pick(&self.cache_read_tokens, "cache_read_tokens"),
            cache_write: pick(&self.cache_write_tokens, "cache_write_tokens"),
            cache_write_1h: pick(&self.cache_write_1h_tokens, "cache_write_1h_tokens"),
            input_includes_cache: self.input_includes_cache.unwrap_or(false),
            key: pick(&self.key, ""),
            cost: pick(&self.cost, "cost_usd"),
            requests: pick(&self.requests, "requests"),
            user: pick(&self.user, "user_id"),
            endpoint: pick(&self.endpoint, "endpoint"),
            project: pick(&self.project, "project"),
            session: pick(&self.session, "session"),
        }
    }
}

/// The resolved columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Columns {
    /// Timestamp.
    pub timestamp: String,
    /// Its format.
    pub format: TimestampFormat,
    /// Model.
    pub model: Option<String>,
    /// The model of rows without one.
    pub default_model: String,
    /// Input tokens.
    pub input: Option<String>,
    /// Output tokens.
    pub output: Option<String>,
    /// Cache reads.
    pub cache_read: Option<String>,
    /// Cache writes.
    pub cache_write: Option<String>,
    /// Their 1-hour part.
    pub cache_write_1h: Option<String>,
    /// Input includes cache.
    pub input_includes_cache: bool,
    /// Identity.
    pub key: Option<String>,
    /// Stored cost.
    pub cost: Option<String>,
    /// Requests per row.
    pub requests: Option<String>,
    /// User.
    pub user: Option<String>,
    /// Endpoint.
    pub endpoint: Option<String>,
    /// Project.
    pub project: Option<String>,
    /// Session.
    pub session: Option<String>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_import_table_is_read_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(
            &path,
            "timezone = \"UTC\"\n[import]\ntimestamp = \"created\"\ntimestamp_format = \"unix-ms\"\nkey = \"id\"\ncache_write_tokens = \"\"\n",
        )
        .unwrap();
        let columns = ImportMapping::from_config(Some(&path)).unwrap().columns();
        assert_eq!(columns.timestamp, "created");
        assert_eq!(columns.format, TimestampFormat::UnixMs);
        assert_eq!(columns.key.as_deref(), Some("id"));
        assert_eq!(columns.cache_write, None);
        assert_eq!(columns.input.as_deref(), Some("input_tokens"));
        std::fs::write(&path, "[import]\ntimestmp = \"x\"\n").unwrap();
        let error = ImportMapping::from_config(Some(&path))
            .unwrap_err()
            .to_string();
        assert!(error.contains("timestmp"), "{error}");
    }
}
