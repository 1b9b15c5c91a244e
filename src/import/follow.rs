//! `[import] follow`: the sources the dashboard imports from at each
//! refresh, in its background task. Each round reads what is new in each
//! source's files (the same exactly-once import as `usagetop import`) into
//! usagetop's own SQLite database, which the dashboard then reads.

use std::path::{Path, PathBuf};

use clap::ValueEnum;
use sqlx::SqlitePool;

use super::mapping::Columns;
use super::{ImportError, SourceKind, Summary};
use crate::store::sqlite::SqliteStore;
use crate::store::StoreError;

/// One source to follow, and its files (none: the source's default folders).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Followed {
    /// The kind of files.
    pub kind: SourceKind,
    /// Files or folders; empty for the agents' default folders.
    pub paths: Vec<PathBuf>,
}

/// Reads `[import] follow`: each entry a source name (`"claude-code"`, read
/// from its default folders) or `{ source = "csv", paths = ["..."] }`.
/// `~/` at the start of a path is the home folder `home` names.
///
/// # Errors
/// An entry of another shape, an unknown source, a source that needs paths
/// (csv, jsonl, the usage reports) without them, or standard input (`-`).
pub fn parse(entries: &[toml::Value], home: Option<&Path>) -> Result<Vec<Followed>, String> {
    let names = SourceKind::value_variants()
        .iter()
        .map(|kind| kind.name())
        .collect::<Vec<_>>()
        .join(", ");
    entries
        .iter()
        .map(|entry| {
            let (name, paths) = match entry {
                toml::Value::String(name) => (name.as_str(), Vec::new()),
                toml::Value::Table(table) => {
                    if let Some(key) = table.keys().find(|key| *key != "source" && *key != "paths")
                    {
                        return Err(format!(
                            "follow: unknown key {key:?} in {entry}; an entry is a source name or \
                             {{ source = \"csv\", paths = [\"...\"] }}"
                        ));
                    }
                    let Some(name) = table.get("source").and_then(toml::Value::as_str) else {
                        return Err(format!("follow: {entry} has no source = \"...\""));
                    };
                    let paths = match table.get("paths") {
                        None => Vec::new(),
                        Some(toml::Value::Array(list)) => list
                            .iter()
                            .map(|path| {
                                path.as_str().map(|text| expand(text, home)).ok_or_else(|| {
                                    format!("follow: the paths of {name} must be strings")
                                })
                            })
                            .collect::<Result<Vec<_>, _>>()?,
                        Some(_) => {
                            return Err(format!(
                                "follow: the paths of {name} must be a list of strings"
                            ))
                        }
                    };
                    (name, paths)
                }
                other => {
                    return Err(format!(
                        "follow: {other} is not a source; give a name such as \"claude-code\" or \
                         {{ source = \"csv\", paths = [\"...\"] }}"
                    ))
                }
            };
            let kind = SourceKind::from_str(name, false)
                .map_err(|_| format!("follow: unknown source {name:?}; one of {names}"))?;
            if paths.iter().any(|path| path.as_os_str() == "-") {
                return Err(format!(
                    "follow: {name} cannot read standard input (-): the dashboard reads its files again at each refresh"
                ));
            }
            let needs_paths = matches!(kind, SourceKind::Csv | SourceKind::Jsonl)
                || kind.report().is_some();
            if needs_paths && paths.is_empty() {
                return Err(format!(
                    "follow: {name} has no default folder; give its files: {{ source = \"{name}\", paths = [\"...\"] }}"
                ));
            }
            Ok(Followed { kind, paths })
        })
        .collect()
}

fn expand(text: &str, home: Option<&Path>) -> PathBuf {
    match (text.strip_prefix("~/"), home) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => PathBuf::from(text),
    }
}

/// What one round did: each source's summary, and what failed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Round {
    /// Each source read, with its summary.
    pub summaries: Vec<(SourceKind, Summary)>,
    /// A source that could not be imported, with why.
    pub failures: Vec<String>,
}

impl Round {
    /// True when events were added, updated or removed.
    #[must_use]
    pub fn changed(&self) -> bool {
        self.summaries
            .iter()
            .any(|(_, summary)| summary.added + summary.updated + summary.removed > 0)
    }

    /// One line for the footer: what changed and what failed, or `None`
    /// when nothing did.
    #[must_use]
    pub fn line(&self) -> Option<String> {
        let changed: Vec<String> = self
            .summaries
            .iter()
            .filter(|(_, summary)| summary.added + summary.updated + summary.removed > 0)
            .map(|(kind, summary)| {
                let mut parts = vec![format!("{} {} new", kind.name(), summary.added)];
                if summary.updated > 0 {
                    parts.push(format!("{} updated", summary.updated));
                }
                if summary.removed > 0 {
                    parts.push(format!("{} removed", summary.removed));
                }
                parts.join(", ")
            })
            .collect();
        let mut line = Vec::new();
        if !changed.is_empty() {
            line.push(format!("imported: {}", changed.join("; ")));
        }
        line.extend(self.failures.iter().cloned());
        (!line.is_empty()).then(|| line.join(" · "))
    }
}

/// Progress of a round: the source, bytes read so far, bytes to read.
pub type Progress<'a> = &'a (dyn Fn(SourceKind, u64, u64) + Send + Sync);

/// The sources followed, and the database they are imported into.
pub struct Follower {
    database: PathBuf,
    sources: Vec<Followed>,
    columns: Columns,
    pool: SqlitePool,
}

impl std::fmt::Debug for Follower {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Follower")
            .field("database", &self.database)
            .field("sources", &self.sources)
            .finish_non_exhaustive()
    }
}

impl Follower {
    /// Opens usagetop's own database at `database` for writing.
    ///
    /// # Errors
    /// The file is not a database usagetop created, or cannot be opened.
    pub async fn open(
        database: &Path,
        sources: Vec<Followed>,
        columns: Columns,
    ) -> Result<Self, StoreError> {
        let pool = SqliteStore::open_writable(database).await?;
        Ok(Self {
            database: database.to_path_buf(),
            sources,
            columns,
            pool,
        })
    }

    /// The sources followed.
    #[must_use]
    pub fn sources(&self) -> &[Followed] {
        &self.sources
    }

    /// Imports what is new in every source; one that fails is said in the
    /// round and the others go on. `env` reads the environment (the
    /// agents' default folders).
    pub async fn round(
        &self,
        now: i64,
        env: &(dyn Fn(&str) -> Option<String> + Sync),
        progress: Progress<'_>,
    ) -> Round {
        let mut round = Round::default();
        for source in &self.sources {
            match self.import(source, now, env, progress).await {
                Ok(summary) => round.summaries.push((source.kind, summary)),
                Err(error) => round
                    .failures
                    .push(format!("import of {} failed: {error}", source.kind.name())),
            }
        }
        round
    }

    async fn import(
        &self,
        source: &Followed,
        now: i64,
        env: &(dyn Fn(&str) -> Option<String> + Sync),
        progress: Progress<'_>,
    ) -> Result<Summary, ImportError> {
        let files = match super::paths::resolve(source.kind, &source.paths, env) {
            Ok(files) => files,
            // The agent's default folders do not exist (yet): nothing to read.
            Err(ImportError::NoFiles(_)) if source.paths.is_empty() => {
                return Ok(Summary::default())
            }
            Err(error) => return Err(error),
        };
        let mut conn = self
            .pool
            .acquire()
            .await
            .map_err(|source| ImportError::Database {
                what: "opening the database",
                source,
            })?;
        let kind = source.kind;
        let step = move |done: u64, total: u64| progress(kind, done, total);
        super::run(&mut conn, kind, &self.columns, &files, now, &step).await
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn entries(text: &str) -> Vec<toml::Value> {
        let table: toml::Table = toml::from_str(&format!("follow = {text}")).unwrap();
        table["follow"].as_array().unwrap().clone()
    }

    #[test]
    fn follow_entries_are_names_or_sources_with_paths() {
        let home = Path::new("/h");
        let parsed = parse(
            &entries(
                r#"["claude-code", { source = "jsonl", paths = ["~/app/usage.jsonl", "/var/x"] }]"#,
            ),
            Some(home),
        )
        .unwrap();
        assert_eq!(
            parsed,
            vec![
                Followed {
                    kind: SourceKind::ClaudeCode,
                    paths: Vec::new()
                },
                Followed {
                    kind: SourceKind::Jsonl,
                    paths: vec![PathBuf::from("/h/app/usage.jsonl"), PathBuf::from("/var/x")]
                }
            ]
        );
        for (text, needle) in [
            (
                r#"["claud"]"#,
                "unknown source \"claud\"; one of claude-code, codex",
            ),
            (r#"["csv"]"#, "csv has no default folder"),
            (r#"[{ source = "jsonl", paths = ["-"] }]"#, "standard input"),
            (
                r#"[{ source = "codex", path = ["x"] }]"#,
                "unknown key \"path\"",
            ),
            ("[3]", "is not a source"),
            (r#"[{ paths = ["x"] }]"#, "has no source"),
        ] {
            let error = parse(&entries(text), Some(home)).unwrap_err();
            assert!(error.contains(needle), "{text}: {error}");
        }
    }

    #[test]
    fn the_round_line_says_what_changed_and_failed() {
        let mut round = Round::default();
        round
            .summaries
            .push((SourceKind::Codex, Summary::default()));
        assert_eq!(round.line(), None);
        assert!(!round.changed());
        round.summaries.push((
            SourceKind::ClaudeCode,
            Summary {
                added: 3,
                updated: 1,
                ..Summary::default()
            },
        ));
        round.failures.push("import of gemini failed: x".to_owned());
        assert!(round.changed());
        assert_eq!(
            round.line().unwrap(),
            "imported: claude-code 3 new, 1 updated · import of gemini failed: x"
        );
    }
}
