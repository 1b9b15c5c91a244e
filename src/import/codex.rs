//! OpenAI Codex CLI rollouts (`sessions/YYYY/MM/DD/rollout-*.jsonl`). Token
//! counts are events with the session's running totals and the last call's
//! usage: an event whose totals equal the previous ones is a re-emission
//! (rate-limit refresh) and is skipped; otherwise the call's usage is the
//! event's `last_token_usage` (or the difference of the totals). The model
//! is the latest turn context's. OpenAI counts cached tokens inside input:
//! input minus cached is stored as input, the cached as cache reads. In a
//! subagent's rollout the first burst of events (the same second) replays
//! the parent's history and only sets the baseline.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::claude::seconds;
use super::{Event, LineParser};

#[derive(Deserialize)]
struct Line<'a> {
    #[serde(borrow)]
    timestamp: Option<Cow<'a, str>>,
    #[serde(rename = "type", borrow)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow)]
    payload: Option<Payload<'a>>,
}

#[derive(Deserialize)]
struct Payload<'a> {
    #[serde(rename = "type", borrow)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    cwd: Option<Cow<'a, str>>,
    #[serde(borrow)]
    model: Option<Cow<'a, str>>,
    source: Option<serde_json::Value>,
    info: Option<Info<'a>>,
}

#[derive(Deserialize)]
struct Info<'a> {
    total_token_usage: Option<Counts>,
    last_token_usage: Option<Counts>,
    #[serde(borrow)]
    model: Option<Cow<'a, str>>,
}

/// One set of Codex token counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct Counts {
    #[serde(default)]
    input_tokens: u64,
    #[serde(default)]
    cached_input_tokens: u64,
    #[serde(default)]
    output_tokens: u64,
    #[serde(default)]
    reasoning_output_tokens: u64,
}

impl Counts {
    fn went_down_from(&self, before: &Counts) -> bool {
        self.input_tokens < before.input_tokens
            || self.cached_input_tokens < before.cached_input_tokens
            || self.output_tokens < before.output_tokens
    }

    fn minus(&self, before: &Counts) -> Counts {
        Counts {
            input_tokens: self.input_tokens - before.input_tokens,
            cached_input_tokens: self
                .cached_input_tokens
                .saturating_sub(before.cached_input_tokens),
            output_tokens: self.output_tokens - before.output_tokens,
            reasoning_output_tokens: self
                .reasoning_output_tokens
                .saturating_sub(before.reasoning_output_tokens),
        }
    }
}

/// What a rollout's reader knows after the lines read so far (saved with
/// the file's offset, so a grown file is read on exactly).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct CodexState {
    session: Option<String>,
    project: Option<String>,
    model: Option<String>,
    previous: Option<Counts>,
    subagent: bool,
    first_second: Option<i64>,
}

/// Reads one rollout.
pub struct CodexParser {
    state: CodexState,
}

impl CodexParser {
    /// A parser resuming after `saved` (a fresh one without, or when it
    /// cannot be read).
    #[must_use]
    pub fn resume(saved: Option<&str>) -> Self {
        let state = saved
            .and_then(|text| serde_json::from_str(text).ok())
            .unwrap_or_default();
        Self { state }
    }
}

fn tokens(value: u64) -> Result<i64, String> {
    i64::try_from(value).map_err(|_| "a token count past 2^63".to_owned())
}

fn is_subagent(source: Option<&serde_json::Value>) -> bool {
    source.is_some_and(|value| value.get("subagent").is_some())
}

impl LineParser for CodexParser {
    fn parse(&mut self, line: &[u8], out: &mut Vec<Event>) -> Result<(), String> {
        let finder = |needle: &[u8]| memchr::memmem::find(line, needle).is_some();
        if !(finder(b"token_count") || finder(b"turn_context") || finder(b"session_meta")) {
            return Ok(());
        }
        let line: Line<'_> =
            serde_json::from_slice(line).map_err(|error| format!("not JSON: {error}"))?;
        let Some(payload) = line.payload else {
            return Ok(());
        };
        match line.kind.as_deref() {
            Some("session_meta") => {
                // A spawned thread's rollout names the parent's session second.
                if self.state.session.is_none() {
                    self.state.session = payload.id.map(Cow::into_owned);
                    self.state.project = payload.cwd.map(Cow::into_owned);
                    self.state.subagent = is_subagent(payload.source.as_ref());
                }
                Ok(())
            }
            Some("turn_context") => {
                if let Some(model) = payload.model.filter(|model| !model.is_empty()) {
                    self.state.model = Some(model.into_owned());
                }
                if self.state.project.is_none() {
                    self.state.project = payload.cwd.map(Cow::into_owned);
                }
                Ok(())
            }
            Some("event_msg") if payload.kind.as_deref() == Some("token_count") => {
                let Some(info) = payload.info else {
                    return Ok(());
                };
                let timestamp = line
                    .timestamp
                    .as_deref()
                    .ok_or("a token count without a timestamp")?;
                let ts = seconds(timestamp)?;
                self.token_count(ts, timestamp, info, payload.model, out)
            }
            _ => Ok(()),
        }
    }

    fn state(&self) -> Option<String> {
        serde_json::to_string(&self.state).ok()
    }
}

impl CodexParser {
    fn token_count(
        &mut self,
        ts: i64,
        timestamp: &str,
        info: Info<'_>,
        payload_model: Option<Cow<'_, str>>,
        out: &mut Vec<Event>,
    ) -> Result<(), String> {
        let total = info.total_token_usage;
        if self.state.subagent {
            let first = *self.state.first_second.get_or_insert(ts);
            if first == ts {
                // The parent's history replayed: counted in the parent's file.
                self.state.previous = total.or(self.state.previous);
                return Ok(());
            }
        }
        if total.is_some() && total == self.state.previous {
            return Ok(());
        }
        let usage = match (info.last_token_usage, total, self.state.previous) {
            (Some(last), _, _) => last,
            (None, Some(total), Some(before)) if !total.went_down_from(&before) => {
                total.minus(&before)
            }
            (None, Some(total), _) => total,
            (None, None, _) => return Ok(()),
        };
        if let Some(total) = total {
            self.state.previous = Some(total);
        }
        if usage == Counts::default() {
            return Ok(());
        }
        let cached = usage.cached_input_tokens.min(usage.input_tokens);
        let model = info
            .model
            .or(payload_model)
            .map(Cow::into_owned)
            .or_else(|| self.state.model.clone())
            .unwrap_or_else(|| "(unknown)".to_owned());
        let counters = total.unwrap_or(usage);
        out.push(Event {
            ts,
            key: format!(
                "codex:{timestamp}:{}:{}:{}:{}:{}:{}",
                counters.input_tokens,
                counters.cached_input_tokens,
                counters.output_tokens,
                usage.input_tokens,
                usage.cached_input_tokens,
                usage.output_tokens
            ),
            model,
            input: tokens(usage.input_tokens - cached)?,
            output: tokens(usage.output_tokens)?,
            cache_read: tokens(cached)?,
            cache_write: 0,
            cache_write_1h: 0,
            project: self.state.project.clone(),
            session: self.state.session.clone(),
            user: None,
            endpoint: None,
            requests: 1,
            cost_usd: None,
        });
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn count(ts: &str, total: (u64, u64, u64), last: (u64, u64, u64)) -> String {
        format!(
            r#"{{"timestamp":"{ts}","type":"event_msg","payload":{{"type":"token_count","info":{{"total_token_usage":{{"input_tokens":{},"cached_input_tokens":{},"output_tokens":{},"reasoning_output_tokens":0,"total_tokens":0}},"last_token_usage":{{"input_tokens":{},"cached_input_tokens":{},"output_tokens":{},"reasoning_output_tokens":0,"total_tokens":0}}}},"rate_limits":null}}}}"#,
            total.0, total.1, total.2, last.0, last.1, last.2
        )
    }

    fn run(parser: &mut CodexParser, lines: &[String]) -> Vec<Event> {
        let mut out = Vec::new();
        for line in lines {
            parser.parse(line.as_bytes(), &mut out).unwrap();
        }
        out
    }

    #[test]
    fn re_emitted_counts_are_skipped_and_cached_input_split() {
        let lines = [
            r#"{"timestamp":"2025-10-05T18:21:44.000Z","type":"session_meta","payload":{"id":"sess","cwd":"/w/billing","source":"cli"}}"#.to_owned(),
            r#"{"timestamp":"2025-10-05T18:21:44.031Z","type":"turn_context","payload":{"cwd":"/w/billing","model":"gpt-5-codex"}}"#.to_owned(),
            r#"{"timestamp":"2025-10-05T18:21:44.020Z","type":"event_msg","payload":{"type":"token_count","info":null}}"#.to_owned(),
            count("2025-10-05T18:22:04.402Z", (11242, 0, 992), (11242, 0, 992)),
            count("2025-10-05T18:22:05.911Z", (11242, 0, 992), (11242, 0, 992)),
            count("2025-10-05T18:22:19.004Z", (24990, 11200, 1410), (13748, 11200, 418)),
        ];
        let mut parser = CodexParser::resume(None);
        let events = run(&mut parser, &lines[..4]);
        // Resumed from the saved state: the re-emission is still seen.
        let mut parser = CodexParser::resume(parser.state().as_deref());
        let events: Vec<Event> = events
            .into_iter()
            .chain(run(&mut parser, &lines[4..]))
            .collect();
        assert_eq!(events.len(), 2);
        assert_eq!(
            (events[0].input, events[0].cache_read, events[0].output),
            (11242, 0, 992)
        );
        assert_eq!(
            (events[1].input, events[1].cache_read, events[1].output),
            (2548, 11200, 418)
        );
        assert!(events.iter().all(|e| e.model == "gpt-5-codex"));
        assert_eq!(events[1].project.as_deref(), Some("/w/billing"));
        assert_eq!(events[1].session.as_deref(), Some("sess"));
    }

    #[test]
    fn a_subagent_rollout_skips_the_replayed_burst() {
        let lines = [
            r#"{"timestamp":"2025-10-06T09:00:00.000Z","type":"session_meta","payload":{"id":"child","cwd":"/w","source":{"subagent":{"thread_spawn":{"parent_thread_id":"p"}}}}}"#.to_owned(),
            count("2025-10-06T09:00:00.100Z", (100, 0, 10), (100, 0, 10)),
            count("2025-10-06T09:00:00.200Z", (300, 0, 30), (200, 0, 20)),
            count("2025-10-06T09:00:05.000Z", (350, 20, 35), (50, 20, 5)),
        ];
        let events = run(&mut CodexParser::resume(None), &lines);
        assert_eq!(events.len(), 1);
        assert_eq!(
            (events[0].input, events[0].cache_read, events[0].output),
            (30, 20, 5)
        );
    }
}
