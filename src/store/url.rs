//! Database URLs: parsing `sqlite://PATH` (and plain paths), `postgres://`,
//! `mysql://` and `clickhouse://`, and showing them with the password removed.

use std::fmt;
use std::path::{Path, PathBuf};

use super::StoreError;

/// A parsed database location.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL server (kept verbatim; never printed without redaction).
    Postgres(String),
    /// A MySQL or MariaDB server (`mysql://` or `mariadb://`; never printed without redaction).
    Mysql(String),
    /// A ClickHouse server over HTTP (`clickhouse://`, or `clickhouses://`
    /// for HTTPS; never printed without redaction).
    Clickhouse(String),
}

impl DatabaseUrl {
    /// Parses `sqlite://PATH`, `sqlite:PATH`, `postgres://...`, `postgresql://...`,
    /// `mysql://...`, `mariadb://...`, `clickhouse://...`, `clickhouses://...`
    /// or a plain file path.
    ///
    /// # Errors
    /// An empty value or an unknown scheme.
    pub fn parse(text: &str) -> Result<Self, StoreError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(StoreError::BadUrl(
                "the database URL is empty; give sqlite://PATH or a file path, or leave it out to use the default"
                    .to_owned(),
            ));
        }
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            return Ok(Self::Postgres(text.to_owned()));
        }
        if text.starts_with("mysql://") || text.starts_with("mariadb://") {
            return Ok(Self::Mysql(text.to_owned()));
        }
        if text.starts_with("clickhouse://") || text.starts_with("clickhouses://") {
            return Ok(Self::Clickhouse(text.to_owned()));
        }
        if looks_like_key_values(text) {
            // Never echoed: it may hold a password.
            return Err(StoreError::BadUrl(
                "the database setting looks like a libpq key=value connection string \
                 (host=... dbname=...); usagetop needs a URL: postgres://USER:PASSWORD@HOST:PORT/DATABASE \
                 (put it in USAGETOP_DATABASE_URL rather than on the command line, where other users \
                 can see it in ps)"
                    .to_owned(),
            ));
        }
        if let Some(rest) = text
            .strip_prefix("sqlite://")
            .or_else(|| text.strip_prefix("sqlite:"))
        {
            let path = rest.split('?').next().unwrap_or(rest);
            if path.is_empty() || path == ":memory:" {
                return Err(StoreError::BadUrl(format!(
                    "{text:?} names no file; write sqlite://PATH, e.g. sqlite:///home/me/usage.db"
                )));
            }
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        if let Some((scheme, _)) = text.split_once("://") {
            return Err(StoreError::BadUrl(format!(
                "the database URL scheme {scheme:?} is not supported; use sqlite://PATH, postgres://USER@HOST/DB, mysql://USER@HOST/DB or clickhouse://USER@HOST:8123/DB"
            )));
        }
        Ok(Self::Sqlite(PathBuf::from(text)))
    }

    /// A SQLite URL for a path.
    #[must_use]
    pub fn sqlite(path: &Path) -> Self {
        Self::Sqlite(path.to_path_buf())
    }

    /// The URL with any password replaced by `***`.
    #[must_use]
    pub fn redacted(&self) -> String {
        match self {
            Self::Sqlite(path) => format!("sqlite://{}", path.display()),
            Self::Postgres(url) | Self::Mysql(url) | Self::Clickhouse(url) => redact_password(url),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// Replaces the password of `scheme://user:password@host...` with `***`,
/// and a `password=` query parameter's value too.
#[must_use]
pub fn redact_password(url: &str) -> String {
    let mut out = url.to_owned();
    if let Some(scheme_end) = out.find("://") {
        let authority_start = scheme_end + 3;
        let authority_end = out[authority_start..]
            .find('/')
            .map_or(out.len(), |i| authority_start + i);
        if let Some(at) = out[authority_start..authority_end].rfind('@') {
            let userinfo = &out[authority_start..authority_start + at];
            if let Some(colon) = userinfo.find(':') {
                let password_start = authority_start + colon + 1;
                out.replace_range(password_start..authority_start + at, "***");
            }
        }
    }
    if let Some(start) = out.find("password=") {
        let value_start = start + "password=".len();
        let value_end = out[value_start..]
            .find('&')
            .map_or(out.len(), |i| value_start + i);
        out.replace_range(value_start..value_end, "***");
    }
    out
}

/// A driver's message without the " at line N" (and " column M") an engine
/// adds about its own input, which means nothing to people.
#[must_use]
pub fn without_line_numbers(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(index) = rest.find(" at line ") {
        out.push_str(&rest[..index]);
        let after = &rest[index + " at line ".len()..];
        let digits = after.len() - after.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits == 0 {
            out.push_str(" at line ");
            rest = after;
            continue;
        }
        rest = &after[digits..];
        if let Some(column) = rest.strip_prefix(" column ") {
            let digits = column.len()
                - column
                    .trim_start_matches(|c: char| c.is_ascii_digit())
                    .len();
            if digits > 0 {
                rest = &column[digits..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// True for a libpq connection string (`host=db user=me password=...`),
/// which is not a file path.
fn looks_like_key_values(text: &str) -> bool {
    const KEYS: [&str; 8] = [
        "host",
        "hostaddr",
        "port",
        "dbname",
        "user",
        "password",
        "sslmode",
        "application_name",
    ];
    !text.contains("://")
        && text.split_whitespace().any(|part| {
            part.split_once('=')
                .is_some_and(|(key, _)| KEYS.contains(&key.trim()))
        })
}
