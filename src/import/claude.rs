//! Claude Code session logs (`projects/<project>/<session>.jsonl`, with
//! subagent files below the session). One request per message id: Claude
//! Code writes a response once per content block, early lines with a
//! placeholder output count, so the writer keeps the line with the most
//! output tokens; a message copied into another file (resumed sessions,
//! subagent mirrors, `progress` lines) has the same key and stays one
//! request. Lines without `"usage"` are not parsed; `<synthetic>` messages
//! are not model calls.

use std::borrow::Cow;
use std::path::Path;

use serde::Deserialize;

use super::{Event, LineParser};

/// One line (or the entry a `progress` line wraps).
#[derive(Deserialize)]
struct Entry<'a> {
    #[serde(rename = "type", borrow)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow)]
    timestamp: Option<Cow<'a, str>>,
    #[serde(rename = "sessionId", borrow)]
    session_id: Option<Cow<'a, str>>,
    #[serde(rename = "requestId", borrow)]
    request_id: Option<Cow<'a, str>>,
    #[serde(rename = "costUSD")]
    cost_usd: Option<f64>,
    #[serde(borrow)]
    message: Option<Message<'a>>,
    #[serde(borrow)]
    data: Option<Progress<'a>>,
}

#[derive(Deserialize)]
struct Progress<'a> {
    #[serde(borrow)]
    message: Option<Box<Entry<'a>>>,
}

#[derive(Deserialize)]
struct Message<'a> {
    #[serde(borrow)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    model: Option<Cow<'a, str>>,
    usage: Option<Usage>,
}

#[derive(Deserialize)]
struct Usage {
    input_tokens: Option<u64>,
    output_tokens: Option<u64>,
    cache_read_input_tokens: Option<u64>,
    cache_creation_input_tokens: Option<u64>,
    cache_creation: Option<CacheCreation>,
}

#[derive(Deserialize)]
struct CacheCreation {
    ephemeral_5m_input_tokens: Option<u64>,
    ephemeral_1h_input_tokens: Option<u64>,
}

/// Reads one Claude Code log file.
pub struct ClaudeParser {
    project: Option<String>,
    session: Option<String>,
}

impl ClaudeParser {
    /// The parser of the file at `path`: its project is the folder under
    /// `projects/` (else the file's folder), its session the file's stem
    /// unless the lines name one.
    #[must_use]
    pub fn for_file(path: &Path) -> Self {
        let folders: Vec<&str> = path
            .parent()
            .map(|parent| {
                parent
                    .components()
                    .filter_map(|part| part.as_os_str().to_str())
                    .collect()
            })
            .unwrap_or_default();
        let project = folders
            .iter()
            .rposition(|name| *name == "projects")
            .and_then(|at| folders.get(at + 1))
            .or_else(|| folders.last())
            .map(|name| (*name).to_owned());
        let session = path
            .file_stem()
            .and_then(|stem| stem.to_str())
            .map(str::to_owned);
        Self { project, session }
    }
}

fn tokens(value: Option<u64>) -> Result<i64, String> {
    i64::try_from(value.unwrap_or(0)).map_err(|_| "a token count past 2^63".to_owned())
}

/// Seconds since the epoch of an RFC 3339 timestamp.
///
/// # Errors
/// Not RFC 3339.
pub fn seconds(timestamp: &str) -> Result<i64, String> {
    chrono::DateTime::parse_from_rfc3339(timestamp)
        .map(|at| at.timestamp())
        .map_err(|_| format!("timestamp {timestamp:?} is not RFC 3339"))
}

impl LineParser for ClaudeParser {
    fn parse(&mut self, line: &[u8], out: &mut Vec<Event>) -> Result<(), String> {
        if memchr::memmem::find(line, b"\"usage\"").is_none() {
            return Ok(());
        }
        let outer: Entry<'_> =
            serde_json::from_slice(line).map_err(|error| format!("not JSON: {error}"))?;
        let outer_session = outer.session_id.clone();
        let entry = match outer.kind.as_deref() {
            Some("assistant") => outer,
            Some("progress") => match outer.data.and_then(|data| data.message) {
                Some(inner) if inner.kind.as_deref() == Some("assistant") => *inner,
                _ => return Ok(()),
            },
            _ => return Ok(()),
        };
        let Some(message) = entry.message else {
            return Ok(());
        };
        let Some(usage) = message.usage else {
            return Ok(());
        };
        let model = match message.model.as_deref() {
            Some("<synthetic>") => return Ok(()),
            Some(model) if !model.is_empty() => model.to_owned(),
            _ => return Err("an assistant message without a model".to_owned()),
        };
        let id = message
            .id
            .as_deref()
            .or(entry.request_id.as_deref())
            .filter(|id| !id.is_empty())
            .ok_or("an assistant message without message.id or requestId")?;
        let timestamp = entry
            .timestamp
            .as_deref()
            .ok_or("an assistant message without a timestamp")?;
        let (cache_write, cache_write_1h) = match &usage.cache_creation {
            Some(split)
                if split.ephemeral_5m_input_tokens.is_some()
                    || split.ephemeral_1h_input_tokens.is_some() =>
            {
                let one_hour = tokens(split.ephemeral_1h_input_tokens)?;
                let five_minutes = tokens(split.ephemeral_5m_input_tokens)?;
                (five_minutes.saturating_add(one_hour), one_hour)
            }
            _ => (tokens(usage.cache_creation_input_tokens)?, 0),
        };
        let session = entry
            .session_id
            .or(outer_session)
            .map(Cow::into_owned)
            .or_else(|| self.session.clone());
        out.push(Event {
            ts: seconds(timestamp)?,
            model,
            key: format!("claude-code:{id}"),
            input: tokens(usage.input_tokens)?,
            output: tokens(usage.output_tokens)?,
            cache_read: tokens(usage.cache_read_input_tokens)?,
            cache_write,
            cache_write_1h,
            project: self.project.clone(),
            session,
            user: None,
            endpoint: None,
            requests: 1,
            cost_usd: entry.cost_usd.filter(|cost| cost.is_finite()),
        });
        Ok(())
    }

    fn state(&self) -> Option<String> {
        None
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Result<Vec<Event>, String> {
        let mut parser =
            ClaudeParser::for_file(Path::new("/h/.claude/projects/-w-app/s1/subagents/a.jsonl"));
        let mut out = Vec::new();
        parser.parse(line.as_bytes(), &mut out).map(|()| out)
    }

    #[test]
    fn an_assistant_line_becomes_one_event() {
        let events = parse(r#"{"type":"assistant","timestamp":"2026-03-01T22:38:51.102Z","sessionId":"s9","requestId":"req_1","message":{"model":"claude-sonnet-4-5-20250929","id":"msg_1","content":[{"type":"text","text":"a \"usage\" b"}],"usage":{"input_tokens":4,"cache_creation_input_tokens":2479,"cache_read_input_tokens":44994,"cache_creation":{"ephemeral_5m_input_tokens":79,"ephemeral_1h_input_tokens":2400},"output_tokens":159}}}"#).unwrap();
        assert_eq!(events.len(), 1);
        let event = &events[0];
        assert_eq!(event.ts, 1_772_404_731);
        assert_eq!(event.key, "claude-code:msg_1");
        assert_eq!(
            (event.input, event.output, event.cache_read),
            (4, 159, 44_994)
        );
        assert_eq!((event.cache_write, event.cache_write_1h), (2_479, 2_400));
        assert_eq!(event.project.as_deref(), Some("-w-app"));
        assert_eq!(event.session.as_deref(), Some("s9"));
    }

    #[test]
    fn other_lines_add_nothing_and_junk_is_an_error() {
        assert!(
            parse(r#"{"type":"user","message":{"role":"user","content":"the usage"}}"#)
                .unwrap()
                .is_empty()
        );
        assert!(parse(r#"{"type":"summary","summary":"\"usage\""}"#)
            .unwrap()
            .is_empty());
        assert!(parse(r#"{"type":"assistant","timestamp":"2026-03-01T22:38:51Z","message":{"model":"<synthetic>","id":"m","usage":{"input_tokens":0,"output_tokens":0}}}"#).unwrap().is_empty());
        assert!(parse(r#"{"type":"assistant","message":{"usage":{"input"#).is_err());
        assert!(parse(r#"{"type":"assistant","timestamp":"yesterday","message":{"model":"m","id":"x","usage":{}}}"#).is_err());
    }

    #[test]
    fn progress_lines_carry_the_subagent_entry() {
        let events = parse(r#"{"type":"progress","sessionId":"s2","data":{"message":{"type":"assistant","timestamp":"2026-01-30T10:00:00.000Z","requestId":"req_9","message":{"model":"claude-opus-4-5-20251101","id":"msg_9","usage":{"input_tokens":50,"cache_creation_input_tokens":100,"cache_read_input_tokens":500,"output_tokens":25}}}}}"#).unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].key, "claude-code:msg_9");
        assert_eq!((events[0].cache_write, events[0].cache_write_1h), (100, 0));
        assert_eq!(events[0].session.as_deref(), Some("s2"));
    }
}
