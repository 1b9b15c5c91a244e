//! The filter: which models, endpoints, users, projects, sessions and
//! sources the numbers cover, as glob patterns (`gpt-4*`, `?` for one character). Pure: matching in Rust for
//! the picker, and the SQL conditions are built by `store::sql`.

use std::fmt;

/// A dimension usage can be filtered and broken down by.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, clap::ValueEnum, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Dimension {
    /// The model name.
    Model,
    /// The API endpoint.
    Endpoint,
    /// The user.
    User,
    /// The project (an agent's working folder, a provider's project or workspace).
    Project,
    /// The session (an agent's conversation).
    Session,
    /// Where an imported event came from (`claude-code`, `codex`, `openai-usage`, ...).
    Source,
}

impl Dimension {
    /// All dimensions, in cycling order.
    pub const ALL: [Dimension; 6] = [
        Dimension::Model,
        Dimension::Endpoint,
        Dimension::User,
        Dimension::Project,
        Dimension::Session,
        Dimension::Source,
    ];

    /// The lower-case name.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Dimension::Model => "model",
            Dimension::Endpoint => "endpoint",
            Dimension::User => "user",
            Dimension::Project => "project",
            Dimension::Session => "session",
            Dimension::Source => "source",
        }
    }
}

/// Glob patterns per dimension; an empty list does not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Filter {
    /// Model patterns.
    pub models: Vec<String>,
    /// Endpoint patterns.
    pub endpoints: Vec<String>,
    /// User patterns.
    pub users: Vec<String>,
    /// Project patterns.
    pub projects: Vec<String>,
    /// Session patterns.
    pub sessions: Vec<String>,
    /// Source patterns.
    pub sources: Vec<String>,
}

impl Filter {
    /// True when nothing is filtered.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        Dimension::ALL
            .into_iter()
            .all(|dimension| self.patterns(dimension).is_empty())
    }

    /// The patterns of one dimension.
    #[must_use]
    pub fn patterns(&self, dimension: Dimension) -> &[String] {
        match dimension {
            Dimension::Model => &self.models,
            Dimension::Endpoint => &self.endpoints,
            Dimension::User => &self.users,
            Dimension::Project => &self.projects,
            Dimension::Session => &self.sessions,
            Dimension::Source => &self.sources,
        }
    }

    /// The patterns of one dimension, to change.
    pub fn patterns_mut(&mut self, dimension: Dimension) -> &mut Vec<String> {
        match dimension {
            Dimension::Model => &mut self.models,
            Dimension::Endpoint => &mut self.endpoints,
            Dimension::User => &mut self.users,
            Dimension::Project => &mut self.projects,
            Dimension::Session => &mut self.sessions,
            Dimension::Source => &mut self.sources,
        }
    }

    /// The dimensions that have patterns.
    pub fn active(&self) -> impl Iterator<Item = (Dimension, &[String])> {
        Dimension::ALL
            .into_iter()
            .map(|dimension| (dimension, self.patterns(dimension)))
            .filter(|(_, list)| !list.is_empty())
    }

    /// True when `value` of `dimension` passes the filter.
    #[must_use]
    pub fn admits(&self, dimension: Dimension, value: &str) -> bool {
        // As the store reads them: model names match case-insensitively; a
        // value passes when it matches a shown pattern (or none is given)
        // and no `!` pattern that leaves values out.
        let fold = |text: &str| {
            if dimension == Dimension::Model {
                text.to_lowercase()
            } else {
                text.to_owned()
            }
        };
        let value = fold(value);
        let patterns = self.patterns(dimension);
        let (left_out, shown): (Vec<&String>, Vec<&String>) = patterns
            .iter()
            .partition(|pattern| pattern.starts_with('!'));
        let matches = |pattern: &str| glob_match(&fold(pattern), &value);
        (shown.is_empty() || shown.iter().any(|pattern| matches(pattern)))
            && !left_out.iter().any(|pattern| matches(&pattern[1..]))
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .active()
            .map(|(dimension, patterns)| format!("{} {}", dimension.name(), patterns.join(",")))
            .collect();
        f.write_str(&parts.join(" · "))
    }
}

/// Glob matching: `*` any run of characters, `?` exactly one; all else literal.
#[must_use]
pub fn glob_match(pattern: &str, text: &str) -> bool {
    // Without regard to (ASCII) case, as the stores match.
    let pattern: Vec<char> = pattern.to_ascii_lowercase().chars().collect();
    let text: Vec<char> = text.to_ascii_lowercase().chars().collect();
    let (mut p, mut t) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == '?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == '*' {
            star = Some(p);
            mark = t;
            p += 1;
        } else if let Some(position) = star {
            p = position + 1;
            mark += 1;
            t = mark;
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|c| *c == '*')
}

/// A glob as a SQLite `GLOB` pattern (`[` is special there).
#[must_use]
pub fn to_sqlite_glob(pattern: &str) -> String {
    pattern
        .chars()
        .map(|c| {
            if c == '[' {
                "[[]".to_owned()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// A glob as a PostgreSQL `LIKE` pattern with `\` escapes.
#[must_use]
pub fn to_like(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    for c in pattern.chars() {
        match c {
            '*' => out.push('%'),
            '?' => out.push('_'),
            '%' | '_' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_and_left_out_patterns() {
        let filter = Filter {
            models: vec!["GPT-4*".to_owned(), "!gpt-4o-mini*".to_owned()],
            users: vec!["!svc-*".to_owned()],
            ..Filter::default()
        };
        assert!(filter.admits(Dimension::Model, "gpt-4o-2024-08-06"));
        assert!(!filter.admits(Dimension::Model, "gpt-4o-mini"));
        assert!(!filter.admits(Dimension::Model, "claude-haiku-4-5"));
        assert!(filter.admits(Dimension::User, "alice"));
        assert!(!filter.admits(Dimension::User, "svc-batch"));
        assert!(filter.admits(Dimension::Endpoint, "/v1/anything"));
    }
}
