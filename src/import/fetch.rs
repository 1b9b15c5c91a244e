//! `usagetop import openai-usage --fetch` / `anthropic-usage --fetch`: pulls
//! the usage report's pages from the provider, page after page (following
//! `next_page` while `has_more`), with the admin key read from the
//! environment (`OPENAI_ADMIN_KEY`, `ANTHROPIC_ADMIN_KEY`). The key is sent
//! in its header and nowhere else: never stored, never printed, not even in
//! an error (a server's answer that echoes it has it masked). The base URL
//! can be pointed elsewhere (`--base-url`, `USAGETOP_OPENAI_BASE_URL`,
//! `USAGETOP_ANTHROPIC_BASE_URL`) for a proxy, or a test's local server.
//! This module holds one of the few HTTP clients (clippy.toml).
#![allow(clippy::disallowed_types)]

use std::time::Duration;

use serde_json::Value;

use super::report::Provider;

/// Daily buckets per page: the most either API gives.
const PAGE_DAYS: u32 = 31;
/// Pages pulled at most in one fetch (a cursor that never ends is an error).
const MAX_PAGES: u32 = 10_000;

/// The environment variable holding the provider's admin key.
#[must_use]
pub fn key_variable(provider: Provider) -> &'static str {
    match provider {
        Provider::OpenAi => "OPENAI_ADMIN_KEY",
        Provider::Anthropic => "ANTHROPIC_ADMIN_KEY",
    }
}

/// The environment variable that overrides the provider's base URL.
#[must_use]
pub fn base_variable(provider: Provider) -> &'static str {
    match provider {
        Provider::OpenAi => "USAGETOP_OPENAI_BASE_URL",
        Provider::Anthropic => "USAGETOP_ANTHROPIC_BASE_URL",
    }
}

/// The provider's own API.
#[must_use]
pub fn default_base(provider: Provider) -> &'static str {
    match provider {
        Provider::OpenAi => "https://api.openai.com",
        Provider::Anthropic => "https://api.anthropic.com",
    }
}

/// A fetch that cannot go on.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// No key in the environment.
    #[error("--fetch needs the admin key in the environment variable {0} (it is read from there only, never from a flag or a file)")]
    NoKey(&'static str),
    /// The base URL cannot be used.
    #[error("the base URL {0:?} is not an https:// URL (http:// only to this machine: localhost, 127.0.0.1, [::1]); the admin key is sent to it")]
    BadBase(String),
    /// The request did not get an answer.
    #[error("cannot reach {url}: {why}")]
    Transport {
        /// The page's URL (without the key, which is never in a URL).
        url: String,
        /// Why.
        why: String,
    },
    /// The server answered with an error.
    #[error("{url} answered {status}: {body}")]
    Status {
        /// The page's URL.
        url: String,
        /// The HTTP status.
        status: u16,
        /// The start of the answer, the key masked.
        body: String,
    },
    /// The answer is not JSON.
    #[error("{url} did not answer with JSON: {why}")]
    NotJson {
        /// The page's URL.
        url: String,
        /// Why.
        why: String,
    },
    /// The cursor went on and on.
    #[error("{0} pages and the report still says has_more; stopped")]
    Endless(u32),
}

/// The admin key; shown as `***` however it is printed.
struct Secret(String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("***")
    }
}

/// Pulls one provider's pages, one at a time.
#[derive(Debug)]
pub struct Fetcher {
    client: reqwest::Client,
    provider: Provider,
    url: reqwest::Url,
    key: Secret,
    since: i64,
    cursor: Option<String>,
    pages: u32,
    done: bool,
}

impl Fetcher {
    /// A fetch of `provider`'s daily buckets from `since` (unix seconds) on,
    /// from `base` (the provider's API unless given), with `key`.
    ///
    /// # Errors
    /// The base URL is not usable, or the client cannot be made.
    pub fn new(
        provider: Provider,
        base: Option<&str>,
        key: String,
        since: i64,
    ) -> Result<Self, FetchError> {
        let base = base.unwrap_or_else(|| default_base(provider));
        let bad = || FetchError::BadBase(crate::text::sanitize(base, 200));
        let mut url = reqwest::Url::parse(base).map_err(|_| bad())?;
        let host = url.host_str().ok_or_else(bad)?;
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        let loopback = bare.eq_ignore_ascii_case("localhost")
            || bare
                .parse::<std::net::IpAddr>()
                .is_ok_and(|address| address.is_loopback());
        // The key must not cross the network in clear text.
        if !(url.scheme() == "https" || (url.scheme() == "http" && loopback)) {
            return Err(bad());
        }
        let path = match provider {
            Provider::OpenAi => "v1/organization/usage/completions",
            Provider::Anthropic => "v1/organizations/usage_report/messages",
        };
        let prefix = url.path().trim_end_matches('/').to_owned();
        url.set_path(&format!("{prefix}/{path}"));
        url.set_query(None);
        // No redirects: a redirect elsewhere would carry the key's header
        // (reqwest drops Authorization across hosts, not x-api-key).
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(15))
            .timeout(Duration::from_secs(120))
            .build()
            .map_err(|_| bad())?;
        Ok(Self {
            client,
            provider,
            url,
            key: Secret(key),
            since,
            cursor: None,
            pages: 0,
            done: false,
        })
    }

    /// The query of the next page.
    fn query(&self) -> Vec<(&'static str, String)> {
        let mut query = Vec::new();
        match self.provider {
            Provider::OpenAi => {
                query.push(("start_time", self.since.to_string()));
                query.push(("bucket_width", "1d".to_owned()));
                query.push(("limit", PAGE_DAYS.to_string()));
                for group in [
                    "model",
                    "project_id",
                    "api_key_id",
                    "user_id",
                    "batch",
                    "service_tier",
                ] {
                    query.push(("group_by", group.to_owned()));
                }
            }
            Provider::Anthropic => {
                let start = chrono::DateTime::from_timestamp(self.since, 0)
                    .unwrap_or_default()
                    .format("%Y-%m-%dT%H:%M:%SZ")
                    .to_string();
                query.push(("starting_at", start));
                query.push(("bucket_width", "1d".to_owned()));
                query.push(("limit", PAGE_DAYS.to_string()));
                for group in [
                    "model",
                    "workspace_id",
                    "api_key_id",
                    "service_tier",
                    "context_window",
                ] {
                    query.push(("group_by[]", group.to_owned()));
                }
            }
        }
        if let Some(cursor) = &self.cursor {
            query.push(("page", cursor.clone()));
        }
        query
    }

    /// The next page, or None after the last.
    ///
    /// # Errors
    /// No answer, an error status, an answer that is not JSON, or a cursor
    /// that never ends.
    pub async fn next_page(&mut self) -> Result<Option<Value>, FetchError> {
        if self.done {
            return Ok(None);
        }
        if self.pages >= MAX_PAGES {
            return Err(FetchError::Endless(self.pages));
        }
        let mut url = self.url.clone();
        url.query_pairs_mut().extend_pairs(self.query());
        let shown = crate::text::sanitize(url.as_str(), 300);
        let request = self.client.get(url);
        let request = match self.provider {
            Provider::OpenAi => request.bearer_auth(&self.key.0),
            Provider::Anthropic => request
                .header("x-api-key", &self.key.0)
                .header("anthropic-version", "2023-06-01"),
        };
        let answer = request
            .header("accept", "application/json")
            .send()
            .await
            .map_err(|error| FetchError::Transport {
                url: shown.clone(),
                why: self.mask(&plain(error)),
            })?;
        let status = answer.status();
        let body = answer.text().await.map_err(|error| FetchError::Transport {
            url: shown.clone(),
            why: self.mask(&plain(error)),
        })?;
        if !status.is_success() {
            return Err(FetchError::Status {
                url: shown,
                status: status.as_u16(),
                body: self.mask(&crate::text::sanitize(&body, 300)),
            });
        }
        let page: Value = serde_json::from_str(&body).map_err(|error| FetchError::NotJson {
            url: shown,
            why: error.to_string(),
        })?;
        self.pages += 1;
        let more = page.get("has_more").and_then(Value::as_bool) == Some(true);
        let next = page
            .get("next_page")
            .and_then(Value::as_str)
            .filter(|cursor| !cursor.is_empty())
            .map(str::to_owned);
        match next {
            Some(cursor) if more && self.cursor.as_deref() != Some(cursor.as_str()) => {
                self.cursor = Some(cursor);
            }
            _ => self.done = true,
        }
        Ok(Some(page))
    }

    /// Pages pulled so far.
    #[must_use]
    pub fn pages(&self) -> u32 {
        self.pages
    }

    /// `text` with the key masked wherever it appears.
    fn mask(&self, text: &str) -> String {
        if self.key.0.is_empty() {
            text.to_owned()
        } else {
            text.replace(&self.key.0, "***")
        }
    }
}

/// A transport error in one line, with its causes.
fn plain(error: reqwest::Error) -> String {
    let error = error.without_url();
    let mut text = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_never_in_debug_output_or_the_url() {
        let fetcher = Fetcher::new(
            Provider::Anthropic,
            Some("http://127.0.0.1:9/proxy/"),
            "sk-ant-admin-secret".to_owned(),
            0,
        );
        let Ok(fetcher) = fetcher else {
            panic!("a good base URL was refused");
        };
        let shown = format!("{fetcher:?}");
        assert!(!shown.contains("sk-ant-admin-secret"), "{shown}");
        assert_eq!(
            fetcher.url.as_str(),
            "http://127.0.0.1:9/proxy/v1/organizations/usage_report/messages"
        );
        assert_eq!(fetcher.mask("echo sk-ant-admin-secret"), "echo ***");
    }

    #[test]
    fn only_https_bases_or_http_to_this_machine_are_taken() {
        for base in [
            "ftp://example.com",
            "not a url",
            "file:///etc",
            "http://api.openai.com",
            "http://10.0.0.1:8080",
        ] {
            assert!(Fetcher::new(Provider::OpenAi, Some(base), String::new(), 0).is_err());
        }
        for base in [
            "https://proxy.example/openai",
            "http://localhost:8080",
            "http://[::1]:9",
        ] {
            assert!(Fetcher::new(Provider::OpenAi, Some(base), String::new(), 0).is_ok());
        }
    }
}
