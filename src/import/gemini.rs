//! Gemini CLI chat recordings (`~/.gemini/tmp/<project>/chats/`): the
//! current JSON-lines files (`session-*.jsonl`, appended; a message is
//! written again each time it changes, first without tokens) and the
//! legacy whole-file JSON (`session-*.json`, rewritten on every change,
//! read whole). Counted: each `gemini` message with `tokens`, once per
//! message id (the record with the most output wins): input is `input`
//! (which includes the cached tokens) minus `cached` plus `tool` (the tool
//! prompt), output is `output` plus `thoughts` (billed as output), cache
//! reads are `cached`. Not counted: messages without tokens (cancelled or
//! still streaming), user and info records; `$rewindTo` is not applied
//! (rewound calls were billed).

use std::borrow::Cow;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::claude::seconds;
use super::{Event, LineParser};

#[derive(Deserialize)]
struct Record<'a> {
    #[serde(borrow)]
    id: Option<Cow<'a, str>>,
    #[serde(rename = "type", borrow)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow)]
    timestamp: Option<Cow<'a, str>>,
    #[serde(borrow)]
    model: Option<Cow<'a, str>>,
    tokens: Option<Tokens>,
    #[serde(rename = "sessionId", borrow)]
    session_id: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Tokens {
    #[serde(default)]
    input: u64,
    #[serde(default)]
    output: u64,
    #[serde(default)]
    cached: u64,
    #[serde(default)]
    thoughts: u64,
    #[serde(default)]
    tool: u64,
}

/// A legacy whole-file conversation.
#[derive(Deserialize)]
struct Conversation<'a> {
    #[serde(rename = "sessionId", borrow)]
    session_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    messages: Vec<Record<'a>>,
}

/// What a JSON-lines chat's reader keeps between imports.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct GeminiState {
    session: Option<String>,
}

/// Reads one Gemini CLI chat file.
pub struct GeminiParser {
    project: Option<String>,
    state: GeminiState,
}

impl GeminiParser {
    /// The parser of the chat at `path` (its project: the folder above
    /// `chats/`), resuming after `saved`.
    #[must_use]
    pub fn for_file(path: &Path, saved: Option<&str>) -> Self {
        let folders: Vec<&str> = path
            .components()
            .filter_map(|part| part.as_os_str().to_str())
            .collect();
        let project = folders
            .iter()
            .rposition(|name| *name == "chats")
            .and_then(|at| at.checked_sub(1))
            .and_then(|at| folders.get(at))
            .map(|name| (*name).to_owned());
        let state = saved
            .and_then(|text| serde_json::from_str(text).ok())
            .unwrap_or_default();
        Self { project, state }
    }

    fn event(&self, record: &Record<'_>, out: &mut Vec<Event>) -> Result<(), String> {
        if record.kind.as_deref() != Some("gemini") {
            return Ok(());
        }
        let Some(tokens) = &record.tokens else {
            return Ok(());
        };
        let id = record
            .id
            .as_deref()
            .ok_or("a gemini message without an id")?;
        let timestamp = record
            .timestamp
            .as_deref()
            .ok_or("a gemini message without a timestamp")?;
        let count =
            |value: u64| i64::try_from(value).map_err(|_| "a token count past 2^63".to_owned());
        let cached = tokens.cached.min(tokens.input);
        out.push(Event {
            ts: seconds(timestamp)?,
            model: record
                .model
                .as_deref()
                .filter(|model| !model.is_empty())
                .unwrap_or("(unknown)")
                .to_owned(),
            key: format!("gemini:{id}"),
            input: count(tokens.input - cached)?.saturating_add(count(tokens.tool)?),
            output: count(tokens.output)?.saturating_add(count(tokens.thoughts)?),
            cache_read: count(cached)?,
            cache_write: 0,
            cache_write_1h: 0,
            project: self.project.clone(),
            session: self.state.session.clone(),
            user: None,
            endpoint: None,
            requests: 1,
            cost_usd: None,
        });
        Ok(())
    }

    /// Reads a legacy whole-file conversation.
    ///
    /// # Errors
    /// The file is not a conversation record.
    pub fn read_document(&mut self, bytes: &[u8], out: &mut Vec<Event>) -> Result<(), String> {
        let conversation: Conversation<'_> =
            serde_json::from_slice(bytes).map_err(|error| format!("not a Gemini chat: {error}"))?;
        self.state.session = conversation.session_id.map(Cow::into_owned);
        let mut first_error = None;
        for message in &conversation.messages {
            if let Err(error) = self.event(message, out) {
                first_error.get_or_insert(error);
            }
        }
        first_error.map_or(Ok(()), Err)
    }
}

impl LineParser for GeminiParser {
    fn parse(&mut self, line: &[u8], out: &mut Vec<Event>) -> Result<(), String> {
        let finder = |needle: &[u8]| memchr::memmem::find(line, needle).is_some();
        if !(finder(b"\"tokens\"") || finder(b"\"sessionId\"")) {
            return Ok(());
        }
        let record: Record<'_> =
            serde_json::from_slice(line).map_err(|error| format!("not JSON: {error}"))?;
        if self.state.session.is_none() {
            if let Some(session) = &record.session_id {
                self.state.session = Some(session.clone().into_owned());
            }
        }
        self.event(&record, out)
    }

    fn state(&self) -> Option<String> {
        serde_json::to_string(&self.state).ok()
    }

    fn parse_document(&mut self, bytes: &[u8], out: &mut Vec<Event>) -> Result<(), String> {
        self.read_document(bytes, out)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_last_record_of_a_message_counts_with_thoughts_and_tools() {
        let mut parser =
            GeminiParser::for_file(Path::new("/h/.gemini/tmp/acme/chats/session-x.jsonl"), None);
        let mut out = Vec::new();
        for line in [
            r#"{"sessionId":"0aef","projectHash":"a9b9","startTime":"2025-10-12T10:21:00.000Z","kind":"main"}"#,
            r#"{"id":"u1","timestamp":"2025-10-12T10:21:00.000Z","type":"user","content":[{"text":"tokens"}]}"#,
            r#"{"id":"e1","timestamp":"2025-10-12T10:21:19.611Z","type":"gemini","content":"","tokens":null,"model":"gemini-2.5-flash"}"#,
            r#"{"id":"e1","timestamp":"2025-10-12T10:21:19.611Z","type":"gemini","content":"","tokens":{"input":27150,"output":240,"cached":150,"thoughts":402,"tool":10,"total":27802},"model":"gemini-2.5-flash"}"#,
            r#"{"$set":{"lastUpdated":"2025-10-12T10:21:19.611Z"}}"#,
        ] {
            parser.parse(line.as_bytes(), &mut out).unwrap();
        }
        assert_eq!(out.len(), 1);
        let event = &out[0];
        assert_eq!(
            (event.input, event.output, event.cache_read),
            (27_010, 642, 150)
        );
        assert_eq!(event.key, "gemini:e1");
        assert_eq!(event.project.as_deref(), Some("acme"));
        assert_eq!(event.session.as_deref(), Some("0aef"));
    }

    #[test]
    fn a_legacy_chat_is_read_whole() {
        let mut parser =
            GeminiParser::for_file(Path::new("/h/.gemini/tmp/abc/chats/session-y.json"), None);
        let mut out = Vec::new();
        let document = r#"{
  "sessionId": "9f0d",
  "messages": [
    {"id": "c4", "timestamp": "2025-10-06T20:40:00.000Z", "type": "user", "content": [{"text": "hi"}]},
    {"id": "e1", "timestamp": "2025-10-06T20:40:19.611Z", "type": "gemini", "content": "",
     "tokens": {"input": 100, "output": 20, "cached": 0, "thoughts": 5, "tool": 0, "total": 125}, "model": "gemini-2.5-pro"},
    {"id": "i1", "timestamp": "2025-10-06T20:41:00.000Z", "type": "info", "content": "Request cancelled."}
  ]
}"#;
        parser
            .parse_document(document.as_bytes(), &mut out)
            .unwrap();
        assert_eq!(out.len(), 1);
        assert_eq!(
            (out[0].input, out[0].output, out[0].session.as_deref()),
            (100, 25, Some("9f0d"))
        );
    }
}
