//! The providers' organization usage reports: the JSON pages of OpenAI's
//! `GET /v1/organization/usage/completions` and Anthropic's
//! `GET /v1/organizations/usage_report/messages`, saved to files or fetched
//! (`fetch`). Each result of a time bucket becomes one event at the bucket's
//! start, keyed by the provider, the bucket (start and width) and every
//! grouping value of the result, so overlapping pages and re-imports store
//! it once (and the bigger of two versions of a bucket wins: the current
//! day's bucket grows). Tokens in usagetop's convention: OpenAI's
//! `input_tokens` include the cached and cache-write tokens, which are
//! subtracted; Anthropic's `uncached_input_tokens` already exclude them.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::{Event, LineParser};

/// Which provider's report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    /// OpenAI's completions usage (`num_model_requests` is the request count).
    OpenAi,
    /// Anthropic's messages usage report (no request count: 0 requests).
    Anthropic,
}

impl Provider {
    /// The name stored in `usage_events.source`.
    #[must_use]
    pub fn source(self) -> &'static str {
        match self {
            Self::OpenAi => "openai-usage",
            Self::Anthropic => "anthropic-usage",
        }
    }

    /// The grouping fields of a result, in key order.
    fn dimensions(self) -> &'static [&'static str] {
        match self {
            Self::OpenAi => &[
                "model",
                "project_id",
                "user_id",
                "api_key_id",
                "batch",
                "service_tier",
            ],
            Self::Anthropic => &[
                "model",
                "workspace_id",
                "api_key_id",
                "account_id",
                "service_account_id",
                "service_tier",
                "context_window",
                "inference_geo",
                "speed",
            ],
        }
    }
}

/// Where a page says the next one is.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Next {
    /// The `next_page` cursor, when `has_more` is true.
    pub page: Option<String>,
}

/// Reads usage-report pages of one provider.
#[derive(Debug, Clone)]
pub struct ReportParser {
    provider: Provider,
}

impl ReportParser {
    /// A reader of `provider`'s pages.
    #[must_use]
    pub fn new(provider: Provider) -> Self {
        Self { provider }
    }

    /// Reads one page, pushing an event per result. A result that cannot be
    /// read is left out; the first reason is returned after the rest are read.
    ///
    /// # Errors
    /// The page is not one of the provider's, or one of its results cannot be read.
    pub fn read_page(&self, page: &Value, out: &mut Vec<Event>) -> Result<Next, String> {
        let Some(page) = page.as_object() else {
            return Err("a page must be a JSON object with \"data\"".to_owned());
        };
        let Some(buckets) = page.get("data").and_then(Value::as_array) else {
            return Err(format!(
                "not a {} page: it has no \"data\" list of buckets",
                self.provider.source()
            ));
        };
        let mut first_error = None;
        for bucket in buckets {
            if let Err(reason) = self.read_bucket(bucket, out) {
                first_error.get_or_insert(reason);
            }
        }
        let more = page.get("has_more").and_then(Value::as_bool) == Some(true);
        let next = Next {
            page: page
                .get("next_page")
                .and_then(Value::as_str)
                .filter(|cursor| more && !cursor.is_empty())
                .map(str::to_owned),
        };
        match first_error {
            Some(reason) => Err(reason),
            None => Ok(next),
        }
    }

    fn read_bucket(&self, bucket: &Value, out: &mut Vec<Event>) -> Result<(), String> {
        let bucket = bucket
            .as_object()
            .ok_or_else(|| "a bucket is not a JSON object".to_owned())?;
        let (start, end) = match self.provider {
            Provider::OpenAi => (
                unix(bucket, "start_time")?,
                unix(bucket, "end_time").unwrap_or(0),
            ),
            Provider::Anthropic => (
                rfc3339(bucket, "starting_at")?,
                rfc3339(bucket, "ending_at").unwrap_or(0),
            ),
        };
        let width = if end > start { end - start } else { 0 };
        let results = match bucket.get("results") {
            None | Some(Value::Null) => return Ok(()),
            Some(Value::Array(results)) => results,
            Some(_) => return Err(format!("bucket at {start}: \"results\" is not a list")),
        };
        let mut first_error = None;
        // Results of one bucket with the same grouping values are one group.
        let mut groups: HashMap<String, usize> = HashMap::with_capacity(results.len());
        for result in results {
            match self.read_result(result, start, width) {
                Ok(event) => {
                    if let Some(&at) = groups.get(&event.key) {
                        add(&mut out[at], &event);
                    } else {
                        groups.insert(event.key.clone(), out.len());
                        out.push(event);
                    }
                }
                Err(reason) => {
                    first_error.get_or_insert(format!("bucket at {start}: {reason}"));
                }
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    fn read_result(&self, result: &Value, start: i64, width: i64) -> Result<Event, String> {
        let result = result
            .as_object()
            .ok_or_else(|| "a result is not a JSON object".to_owned())?;
        let dims: Vec<Value> = self
            .provider
            .dimensions()
            .iter()
            .map(|name| result.get(*name).cloned().unwrap_or(Value::Null))
            .collect();
        let key = format!(
            "{}:{start}:{width}:{}",
            self.provider.source(),
            Value::Array(dims)
        );
        let text = |name: &str| {
            result
                .get(name)
                .and_then(Value::as_str)
                .filter(|value| !value.is_empty())
                .map(str::to_owned)
        };
        let model = text("model").unwrap_or_else(|| "(unknown)".to_owned());
        let mut event = Event {
            ts: start,
            model,
            key,
            requests: 0,
            input: 0,
            output: 0,
            cache_read: 0,
            cache_write: 0,
            cache_write_1h: 0,
            project: None,
            session: None,
            user: None,
            endpoint: text("api_key_id"),
            cost_usd: None,
        };
        match self.provider {
            Provider::OpenAi => {
                if let Some(object) = result.get("object").and_then(Value::as_str) {
                    if object != "organization.usage.completions.result" {
                        return Err(format!(
                            "a {object:?} result, not organization.usage.completions.result \
                             (only the completions endpoint is read)"
                        ));
                    }
                }
                let input = count(result, "input_tokens", true)?;
                let cached = count(result, "input_cached_tokens", false)?;
                let written = count(result, "input_cache_write_tokens", false)?;
                event.input = input
                    .checked_sub(cached)
                    .and_then(|rest| rest.checked_sub(written))
                    .filter(|rest| *rest >= 0)
                    .ok_or_else(|| {
                        format!(
                            "input_tokens {input} is less than its cached ({cached}) and \
                             cache-write ({written}) tokens"
                        )
                    })?;
                event.cache_read = cached;
                event.cache_write = written;
                event.output = count(result, "output_tokens", true)?;
                event.requests = count(result, "num_model_requests", true)?;
                event.project = text("project_id");
                event.user = text("user_id");
            }
            Provider::Anthropic => {
                if result.contains_key("input_tokens")
                    && !result.contains_key("uncached_input_tokens")
                {
                    return Err(
                        "no uncached_input_tokens (is this an OpenAI page? use openai-usage)"
                            .to_owned(),
                    );
                }
                event.input = count(result, "uncached_input_tokens", true)?;
                event.cache_read = count(result, "cache_read_input_tokens", false)?;
                let creation = match result.get("cache_creation") {
                    None | Some(Value::Null) => Map::new(),
                    Some(Value::Object(creation)) => creation.clone(),
                    Some(_) => return Err("cache_creation is not an object".to_owned()),
                };
                let five = count(&creation, "ephemeral_5m_input_tokens", false)?;
                let hour = count(&creation, "ephemeral_1h_input_tokens", false)?;
                event.cache_write = five
                    .checked_add(hour)
                    .ok_or_else(|| "cache_creation counts overflow".to_owned())?;
                event.cache_write_1h = hour;
                event.output = count(result, "output_tokens", true)?;
                event.project = text("workspace_id");
                event.user = text("account_id").or_else(|| text("service_account_id"));
            }
        }
        Ok(event)
    }

    /// Reads a file of pages: one page, a list of pages, or pages one after
    /// the other (JSON lines).
    ///
    /// # Errors
    /// The file holds something else; good pages before the error are kept.
    pub fn read_pages(&self, bytes: &[u8], out: &mut Vec<Event>) -> Result<(), String> {
        let mut first_error = None;
        let mut pages = 0;
        for value in serde_json::Deserializer::from_slice(bytes).into_iter::<Value>() {
            let value = value.map_err(|error| format!("not JSON: {error}"))?;
            let list = match value {
                Value::Array(list) => list,
                page => vec![page],
            };
            for page in &list {
                pages += 1;
                if let Err(reason) = self.read_page(page, out) {
                    first_error.get_or_insert(reason);
                }
            }
        }
        if pages == 0 {
            return Err("no page in the file".to_owned());
        }
        first_error.map_or(Ok(()), Err)
    }
}

/// Adds `other`'s counts to `event` (two results of one group).
fn add(event: &mut Event, other: &Event) {
    event.requests = event.requests.saturating_add(other.requests);
    event.input = event.input.saturating_add(other.input);
    event.output = event.output.saturating_add(other.output);
    event.cache_read = event.cache_read.saturating_add(other.cache_read);
    event.cache_write = event.cache_write.saturating_add(other.cache_write);
    event.cache_write_1h = event.cache_write_1h.saturating_add(other.cache_write_1h);
}

/// A non-negative integer count; absent or null is 0 unless `required`.
fn count(object: &Map<String, Value>, name: &str, required: bool) -> Result<i64, String> {
    match object.get(name) {
        None | Some(Value::Null) if !required => Ok(0),
        None | Some(Value::Null) => Err(format!("no {name}")),
        Some(value) => value
            .as_i64()
            .filter(|count| *count >= 0)
            .ok_or_else(|| format!("{name} = {value} is not a non-negative integer")),
    }
}

fn unix(object: &Map<String, Value>, name: &str) -> Result<i64, String> {
    object
        .get(name)
        .and_then(Value::as_i64)
        .ok_or_else(|| format!("the bucket has no {name} in unix seconds"))
}

fn rfc3339(object: &Map<String, Value>, name: &str) -> Result<i64, String> {
    let text = object
        .get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("the bucket has no {name}"))?;
    super::claude::seconds(text)
}

impl LineParser for ReportParser {
    fn parse(&mut self, line: &[u8], out: &mut Vec<Event>) -> Result<(), String> {
        self.read_pages(line, out)
    }

    fn state(&self) -> Option<String> {
        None
    }

    fn parse_document(&mut self, bytes: &[u8], out: &mut Vec<Event>) -> Result<(), String> {
        self.read_pages(bytes, out)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn openai_input_excludes_cached_and_cache_writes() {
        let page = serde_json::json!({
            "object": "page",
            "data": [{"object": "bucket", "start_time": 1_759_363_200, "end_time": 1_759_449_600,
                "results": [{"object": "organization.usage.completions.result",
                    "input_tokens": 1_077_092, "output_tokens": 387_796,
                    "input_cached_tokens": 639_375, "input_cache_write_tokens": 6980,
                    "num_model_requests": 268, "project_id": "proj_a", "user_id": null,
                    "api_key_id": "key_1", "model": "o4-mini-2025-04-16", "batch": false}]}],
            "has_more": true, "next_page": "page_x"
        });
        let mut out = Vec::new();
        let next = ReportParser::new(Provider::OpenAi)
            .read_page(&page, &mut out)
            .unwrap();
        assert_eq!(next.page.as_deref(), Some("page_x"));
        let event = &out[0];
        assert_eq!(
            (
                event.input,
                event.cache_read,
                event.cache_write,
                event.output,
                event.requests
            ),
            (430_737, 639_375, 6980, 387_796, 268)
        );
        assert_eq!(event.ts, 1_759_363_200);
        assert_eq!(event.project.as_deref(), Some("proj_a"));
        assert_eq!(event.endpoint.as_deref(), Some("key_1"));
    }

    #[test]
    fn anthropic_cache_writes_keep_the_hour_apart_and_count_no_requests() {
        let page = serde_json::json!({
            "data": [{"starting_at": "2025-08-01T00:00:00Z", "ending_at": "2025-08-02T00:00:00Z",
                "results": [{"uncached_input_tokens": 1500,
                    "cache_creation": {"ephemeral_1h_input_tokens": 1000, "ephemeral_5m_input_tokens": 500},
                    "cache_read_input_tokens": 200, "output_tokens": 500,
                    "workspace_id": "wrkspc_1", "model": "claude-sonnet-4-20250514"}]}],
            "has_more": false, "next_page": null
        });
        let mut out = Vec::new();
        let next = ReportParser::new(Provider::Anthropic)
            .read_page(&page, &mut out)
            .unwrap();
        assert_eq!(next, Next::default());
        let event = &out[0];
        assert_eq!(
            (
                event.input,
                event.cache_read,
                event.cache_write,
                event.cache_write_1h
            ),
            (1500, 200, 1500, 1000)
        );
        assert_eq!(event.requests, 0);
        assert_eq!(event.ts, 1_754_006_400);
    }

    #[test]
    fn results_of_one_group_in_a_bucket_are_added() {
        let row = serde_json::json!({"input_tokens": 5, "input_cached_tokens": 1,
            "output_tokens": 2, "num_model_requests": 3, "model": "a", "project_id": "p"});
        let other = serde_json::json!({"input_tokens": 5, "output_tokens": 2,
            "num_model_requests": 3, "model": "a", "project_id": "q"});
        let page = serde_json::json!({"data": [{"start_time": 0, "end_time": 3600,
            "results": [row.clone(), other, row]}]});
        let mut out = Vec::new();
        ReportParser::new(Provider::OpenAi)
            .read_page(&page, &mut out)
            .unwrap();
        let counts: Vec<(i64, i64, i64)> = out
            .iter()
            .map(|event| (event.requests, event.input, event.cache_read))
            .collect();
        assert_eq!(counts, vec![(6, 8, 2), (3, 5, 0)]);
        assert!(
            out[0].key.starts_with("openai-usage:0:3600:"),
            "{}",
            out[0].key
        );
    }

    #[test]
    fn a_bad_result_is_left_out_and_said() {
        let page = serde_json::json!({"data": [{"start_time": 0, "end_time": 86400, "results": [
            {"input_tokens": 5, "output_tokens": 1, "num_model_requests": 1, "model": "a"},
            {"input_tokens": "x", "output_tokens": 1, "num_model_requests": 1, "model": "b"},
            {"input_tokens": 3, "input_cached_tokens": 4, "output_tokens": 1, "num_model_requests": 1, "model": "c"}
        ]}], "has_more": false});
        let mut out = Vec::new();
        let error = ReportParser::new(Provider::OpenAi)
            .read_page(&page, &mut out)
            .unwrap_err();
        assert!(error.contains("input_tokens"), "{error}");
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].model, "a");
    }
}
