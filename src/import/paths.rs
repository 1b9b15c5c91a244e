//! Which files an import reads: the paths given (files, or folders searched
//! for the source's logs), else the source's default folders.

use std::path::{Path, PathBuf};

use super::{ImportError, SourceKind};

/// The folders a source's logs live in by default, from the environment
/// (`HOME`, `XDG_CONFIG_HOME`, `CLAUDE_CONFIG_DIR`, `CODEX_HOME`).
#[must_use]
pub fn default_roots(kind: SourceKind, env: &dyn Fn(&str) -> Option<String>) -> Vec<PathBuf> {
    let home = env("HOME")
        .filter(|home| !home.is_empty())
        .map(PathBuf::from);
    match kind {
        SourceKind::ClaudeCode => {
            if let Some(list) = env("CLAUDE_CONFIG_DIR").filter(|list| !list.trim().is_empty()) {
                return list
                    .split(',')
                    .map(str::trim)
                    .filter(|entry| !entry.is_empty())
                    .map(|entry| {
                        let dir = PathBuf::from(entry);
                        if dir.file_name().is_some_and(|name| name == "projects") {
                            dir
                        } else {
                            dir.join("projects")
                        }
                    })
                    .collect();
            }
            let config = env("XDG_CONFIG_HOME")
                .filter(|dir| !dir.is_empty())
                .map(PathBuf::from)
                .or_else(|| home.as_ref().map(|home| home.join(".config")));
            config
                .map(|config| config.join("claude").join("projects"))
                .into_iter()
                .chain(home.map(|home| home.join(".claude").join("projects")))
                .collect()
        }
        SourceKind::Codex => {
            let codex = env("CODEX_HOME")
                .filter(|dir| !dir.is_empty())
                .map(PathBuf::from)
                .or_else(|| home.map(|home| home.join(".codex")));
            codex
                .map(|codex| vec![codex.join("sessions"), codex.join("archived_sessions")])
                .unwrap_or_default()
        }
        SourceKind::Gemini => home
            .map(|home| vec![home.join(".gemini").join("tmp")])
            .unwrap_or_default(),
        SourceKind::Csv
        | SourceKind::Jsonl
        | SourceKind::OpenaiUsage
        | SourceKind::AnthropicUsage => Vec::new(),
    }
}

fn wanted(kind: SourceKind, path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|name| name.to_str()) else {
        return false;
    };
    match kind {
        SourceKind::ClaudeCode => name.ends_with(".jsonl"),
        SourceKind::Codex => name.starts_with("rollout-") && name.ends_with(".jsonl"),
        SourceKind::Gemini => {
            (name.ends_with(".json") || name.ends_with(".jsonl"))
                && path
                    .ancestors()
                    .any(|dir| dir.file_name().is_some_and(|dir| dir == "chats"))
        }
        SourceKind::Csv => name.ends_with(".csv"),
        SourceKind::Jsonl => name.ends_with(".jsonl"),
        SourceKind::OpenaiUsage | SourceKind::AnthropicUsage => {
            name.ends_with(".json") || name.ends_with(".jsonl")
        }
    }
}

/// Every log file under `dir` (symbolic links to folders are not followed).
fn walk(kind: SourceKind, dir: &Path, found: &mut Vec<PathBuf>) -> Result<(), ImportError> {
    let entries = std::fs::read_dir(dir).map_err(|source| ImportError::Io {
        path: dir.display().to_string(),
        source,
    })?;
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(kind_of) = entry.file_type() else {
            continue;
        };
        if kind_of.is_dir() {
            walk(kind, &path, found)?;
        } else if wanted(kind, &path) && std::fs::metadata(&path).is_ok_and(|meta| meta.is_file()) {
            found.push(path);
        }
    }
    Ok(())
}

/// The files to read: each path given (a file as it is, a folder searched),
/// or every default folder that exists. Sorted, each once.
///
/// # Errors
/// A path given does not exist, or there is nothing to read.
pub fn resolve(
    kind: SourceKind,
    given: &[PathBuf],
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<PathBuf>, ImportError> {
    let mut found = Vec::new();
    if given.is_empty() && matches!(kind, SourceKind::Csv | SourceKind::Jsonl) {
        return Err(ImportError::NoFiles(format!(
            "usagetop import {0} needs the files to read: usagetop import {0} FILE... (- for standard input)",
            kind.name()
        )));
    }
    if given.is_empty() && kind.report().is_some() {
        return Err(ImportError::NoFiles(format!(
            "usagetop import {0} needs the saved pages to read (usagetop import {0} FILE-OR-FOLDER..., \
             - for standard input), or --fetch to pull them with the admin key in {1}",
            kind.name(),
            super::fetch::key_variable(kind.report().unwrap_or(super::report::Provider::OpenAi))
        )));
    }
    if given.is_empty() {
        let roots = default_roots(kind, env);
        let existing: Vec<&PathBuf> = roots.iter().filter(|root| root.is_dir()).collect();
        if existing.is_empty() {
            let listed: Vec<String> = roots
                .iter()
                .map(|root| root.display().to_string())
                .collect();
            return Err(ImportError::NoFiles(format!(
                "found no {} logs: none of {} exists. Give the folder or files to read: \
                 usagetop import {} PATH...",
                kind.name(),
                if listed.is_empty() {
                    "the default folders (HOME is not set)".to_owned()
                } else {
                    listed.join(", ")
                },
                kind.name()
            )));
        }
        for root in existing {
            walk(kind, root, &mut found)?;
        }
    } else {
        for path in given {
            if path.as_os_str() == "-" {
                found.push(path.clone());
                continue;
            }
            let absolute = std::path::absolute(path).unwrap_or_else(|_| path.clone());
            let meta = std::fs::metadata(&absolute).map_err(|source| ImportError::Io {
                path: path.display().to_string(),
                source,
            })?;
            if meta.is_dir() {
                walk(kind, &absolute, &mut found)?;
            } else {
                found.push(absolute);
            }
        }
    }
    found.sort();
    found.dedup();
    Ok(found)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn default_roots_follow_the_environment() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |key: &str| {
                vars.iter()
                    .find(|(name, _)| *name == key)
                    .map(|(_, value)| (*value).to_owned())
            }
        };
        let home = env(&[("HOME", "/h")]);
        assert_eq!(
            default_roots(SourceKind::ClaudeCode, &home),
            vec![
                PathBuf::from("/h/.config/claude/projects"),
                PathBuf::from("/h/.claude/projects")
            ]
        );
        assert_eq!(
            default_roots(SourceKind::Codex, &home),
            vec![
                PathBuf::from("/h/.codex/sessions"),
                PathBuf::from("/h/.codex/archived_sessions")
            ]
        );
        let custom = env(&[
            ("HOME", "/h"),
            ("CLAUDE_CONFIG_DIR", "/a, /b/projects"),
            ("CODEX_HOME", "/c"),
        ]);
        assert_eq!(
            default_roots(SourceKind::ClaudeCode, &custom),
            vec![PathBuf::from("/a/projects"), PathBuf::from("/b/projects")]
        );
        assert_eq!(
            default_roots(SourceKind::Codex, &custom)[0],
            PathBuf::from("/c/sessions")
        );
    }
}
