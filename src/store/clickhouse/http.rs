//! ClickHouse's HTTP interface: the `clickhouse://` and `clickhouses://`
//! URLs, one POST per statement with `readonly=1` and `max_execution_time`
//! (and 64-bit integers as JSON numbers) as URL settings, answers in
//! `JSONCompact` (whole, or read a batch of rows at a time by
//! `clickhouse::stream`), and failures told apart for people: a server that cannot
//! be reached, a wrong user or password, an unknown database, a timeout.
//!
//! One of the two places allowed an HTTP client (clippy.toml; argued in
//! tests/it/security.rs): it talks only to the server the URL names.
#![allow(clippy::disallowed_types)]

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::store::url::redact_password;
use crate::store::{StoreError, Timeouts};

/// Where and as whom to query. Its `Debug` hides the password.
#[derive(Clone)]
pub struct Endpoint {
    /// `http(s)://HOST:PORT/`.
    base: reqwest::Url,
    /// `HOST:PORT`, for messages.
    pub address: String,
    user: String,
    password: Option<String>,
    /// The database queries run in.
    pub database: String,
    /// The URL with the password removed.
    pub shown: String,
    /// The statement time limit, whole seconds.
    seconds: u64,
    client: reqwest::Client,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("url", &self.shown)
            .finish_non_exhaustive()
    }
}

/// Why a statement got no answer.
#[derive(Debug)]
pub enum Failure {
    /// The server could not be reached, or went away.
    Unreachable(String),
    /// The server refused the statement: its error code and message.
    Server(Option<u32>, String),
    /// The answer could not be read.
    Decode(String),
}

impl Failure {
    /// What to tell people, with what they can do about it.
    #[must_use]
    pub fn explain(&self, endpoint: &Endpoint) -> String {
        match self {
            Self::Unreachable(detail) => format!(
                "cannot reach ClickHouse at {}: {detail}; check that the server is running and \
                 that the host and HTTP port are right (8123, or 8443 for clickhouses://)",
                endpoint.address
            ),
            Self::Server(code, message) => match code {
                Some(192 | 193 | 194 | 516) => {
                    format!("{message}: check the user and password in the URL")
                }
                Some(81) => format!("{message}: check the database name in the URL"),
                Some(159) => format!(
                    "{message}: the query ran longer than the statement timeout (statement_timeout_seconds)"
                ),
                Some(60) => format!("{message}: check [source] table"),
                Some(209 | 210 | 279) => format!(
                    "a shard of the Distributed table cannot be reached ({message}); \
                     usagetop will try again"
                ),
                _ => message.clone(),
            },
            Self::Decode(detail) => format!("the server's answer cannot be read: {detail}"),
        }
    }
}

/// Percent-decoding of a URL's user or password.
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let hex = bytes
            .get(index + 1..index + 3)
            .and_then(|pair| std::str::from_utf8(pair).ok())
            .and_then(|pair| u8::from_str_radix(pair, 16).ok());
        match (bytes[index], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                index += 3;
            }
            (byte, _) => {
                out.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The ClickHouse error code and message in a body (`Code: 60, e.displayText()
/// = DB::Exception: ...` on old servers, `Code: 60. DB::Exception: ...` on new ones).
pub(super) fn server_error(body: &str) -> Option<(Option<u32>, String)> {
    let start = body.rfind("Code: ")?;
    let text = body[start..].trim();
    let digits: String = text["Code: ".len()..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let message = text
        .split_once("DB::Exception: ")
        .map_or(text, |(_, message)| message);
    let message = message
        .split(", e.what() = ")
        .next()
        .unwrap_or(message)
        .trim();
    Some((digits.parse().ok(), redact_password(message)))
}

/// The `data` of a `JSONCompact` answer.
#[derive(Deserialize)]
struct Answer<T> {
    data: Vec<T>,
}

impl Endpoint {
    /// Reads `clickhouse://USER:PASSWORD@HOST:PORT/DATABASE` (HTTP, port
    /// 8123 by default) or `clickhouses://` (HTTPS, port 8443).
    ///
    /// # Errors
    /// A malformed URL.
    pub fn parse(url: &str, timeouts: Timeouts) -> Result<Self, StoreError> {
        let shown = redact_password(url);
        let bad = |why: &str| {
            StoreError::BadUrl(format!(
                "{shown} is not a usable ClickHouse URL ({why}); write \
                 clickhouse://USER:PASSWORD@HOST:8123/DATABASE (clickhouses:// for HTTPS)"
            ))
        };
        let parsed = reqwest::Url::parse(url).map_err(|error| bad(&error.to_string()))?;
        let (scheme, port) = match parsed.scheme() {
            "clickhouse" => ("http", 8123),
            "clickhouses" => ("https", 8443),
            _ => return Err(bad("the scheme is neither clickhouse nor clickhouses")),
        };
        let host = parsed
            .host_str()
            .filter(|host| !host.is_empty())
            .ok_or_else(|| bad("it names no host"))?;
        let port = parsed.port().unwrap_or(port);
        let address = format!("{host}:{port}");
        let base = reqwest::Url::parse(&format!("{scheme}://{address}/"))
            .map_err(|error| bad(&error.to_string()))?;
        let database = decode(parsed.path().trim_matches('/'));
        let user = decode(parsed.username());
        let client = reqwest::Client::builder()
            .connect_timeout(timeouts.connect)
            .timeout(timeouts.statement + Duration::from_secs(5))
            .pool_idle_timeout(Duration::from_secs(2))
            .build()
            .map_err(|error| bad(&error.to_string()))?;
        Ok(Self {
            base,
            address,
            user: if user.is_empty() {
                "default".to_owned()
            } else {
                user
            },
            password: parsed.password().map(decode),
            database: if database.is_empty() {
                "default".to_owned()
            } else {
                database
            },
            shown,
            seconds: timeouts.statement.as_secs().max(1),
            client,
        })
    }

    /// Runs one read-only statement and decodes the rows of its answer.
    ///
    /// # Errors
    /// See [`Failure`].
    pub async fn rows<T: DeserializeOwned>(&self, sql: &str) -> Result<Vec<T>, Failure> {
        let body = self.answer(&format!("{sql} FORMAT JSONCompact")).await?;
        match serde_json::from_str::<Answer<T>>(&body) {
            Ok(answer) => Ok(answer.data),
            // An error after the first rows comes at the end of the body.
            Err(error) => Err(server_error(&body).map_or_else(
                || Failure::Decode(error.to_string()),
                |(code, message)| Failure::Server(code, message),
            )),
        }
    }

    /// Runs one read-only statement whose rows are read as they arrive
    /// (`JSONCompact`, one row a line), so that only a batch is held at once.
    ///
    /// # Errors
    /// See [`Failure`].
    pub async fn stream(&self, sql: &str) -> Result<super::stream::RowStream, Failure> {
        let response = self.send(&format!("{sql} FORMAT JSONCompact")).await?;
        Ok(super::stream::RowStream::new(response))
    }

    /// The body of the server's answer to `sql`.
    async fn answer(&self, sql: &str) -> Result<String, Failure> {
        let response = self.send(sql).await?;
        let bytes = response
            .bytes()
            .await
            .map_err(|error| Failure::Unreachable(plain(error)))?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// The server's answer to `sql` when it accepted it, its headers read.
    async fn send(&self, sql: &str) -> Result<reqwest::Response, Failure> {
        let seconds = self.seconds.to_string();
        let mut request = self.base.clone();
        request
            .query_pairs_mut()
            .append_pair("database", &self.database)
            .append_pair("max_execution_time", &seconds)
            .append_pair("output_format_json_quote_64bit_integers", "0")
            .append_pair("readonly", "1");
        let response = self
            .client
            .post(request)
            .basic_auth(&self.user, self.password.as_deref())
            .body(sql.to_owned())
            .send()
            .await
            .map_err(|error| Failure::Unreachable(plain(error)))?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let bytes = response
            .bytes()
            .await
            .map_err(|error| Failure::Unreachable(plain(error)))?;
        let body = String::from_utf8_lossy(&bytes).into_owned();
        Err(server_error(&body).map_or_else(
            || {
                Failure::Server(
                    None,
                    format!("HTTP {status}: {}", crate::text::sanitize(body.trim(), 300)),
                )
            },
            |(code, message)| Failure::Server(code, message),
        ))
    }
}

/// A transport error in one line, with its causes, without the URL.
pub(super) fn plain(error: reqwest::Error) -> String {
    let error = error.without_url();
    let mut text = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    redact_password(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_give_scheme_port_user_and_database() {
        let endpoint = Endpoint::parse(
            "clickhouse://me:p%40ss@db.example:9123/usage",
            Timeouts::default(),
        );
        let Ok(endpoint) = endpoint else {
            panic!("a good URL was refused");
        };
        assert_eq!(endpoint.base.as_str(), "http://db.example:9123/");
        assert_eq!(endpoint.user, "me");
        assert_eq!(endpoint.password.as_deref(), Some("p@ss"));
        assert_eq!(endpoint.database, "usage");
        assert!(!endpoint.shown.contains("p%40ss"));
        let secure = Endpoint::parse("clickhouses://host", Timeouts::default());
        let Ok(secure) = secure else {
            panic!("a good URL was refused");
        };
        assert_eq!(secure.base.as_str(), "https://host:8443/");
        assert_eq!(
            (secure.user.as_str(), secure.database.as_str()),
            ("default", "default")
        );
        assert!(Endpoint::parse("clickhouse://:pw@/db", Timeouts::default()).is_err());
    }

    #[test]
    fn server_errors_of_old_and_new_servers_are_read() {
        assert_eq!(
            server_error("Code: 193, e.displayText() = DB::Exception: Wrong password for user u, e.what() = DB::Exception\n"),
            Some((Some(193), "Wrong password for user u".to_owned()))
        );
        assert_eq!(
            server_error("Code: 60. DB::Exception: Table default.x does not exist. (UNKNOWN_TABLE) (version 24.3.1)"),
            Some((Some(60), "Table default.x does not exist. (UNKNOWN_TABLE) (version 24.3.1)".to_owned()))
        );
        assert_eq!(server_error("no code here"), None);
    }
}
