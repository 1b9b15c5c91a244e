//! A `JSONCompact` answer read a batch of rows at a time, as the server
//! sends it, so that a large answer (the cold build's rollup of a whole
//! table) never sits in memory at once. Servers from 18.16 to current ones
//! write each row of `data` on a line of its own and the row count after
//! it; the count is checked, so an answer cut short is an error, and an
//! error the server appends after the first rows is told as the server's.

use serde::de::DeserializeOwned;

use super::http::{plain, server_error, Failure};

/// Where in the answer the reader is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    /// Before `"data":`.
    Header,
    /// After `"data":`, before its `[`.
    DataKey,
    /// Inside `data`: one row a line.
    Data,
    /// After `data`: the row count and statistics.
    Trailer,
    /// The row count was read and matched.
    Counted,
}

/// The rows of one answer, read on demand.
pub struct RowStream {
    response: Option<reqwest::Response>,
    /// Bytes received and not yet read; lines start at `start`.
    buffer: Vec<u8>,
    start: usize,
    section: Section,
    rows: u64,
}

impl RowStream {
    /// The rows of `response`, whose status said success.
    pub(super) fn new(response: reqwest::Response) -> Self {
        Self {
            response: Some(response),
            buffer: Vec::new(),
            start: 0,
            section: Section::Header,
            rows: 0,
        }
    }

    /// The next line received (without its newline), or the rest of the
    /// body once it has ended.
    fn take_line(&mut self) -> Option<String> {
        let rest = &self.buffer[self.start..];
        let line = match rest.iter().position(|&byte| byte == b'\n') {
            Some(end) => {
                let line = String::from_utf8_lossy(&rest[..end]).into_owned();
                self.start += end + 1;
                line
            }
            None if self.response.is_none() && !rest.is_empty() => {
                let line = String::from_utf8_lossy(rest).into_owned();
                self.start = self.buffer.len();
                line
            }
            None => return None,
        };
        if self.start > 64 * 1024 && self.start * 2 > self.buffer.len() {
            self.buffer.drain(..self.start);
            self.start = 0;
        }
        Some(line)
    }

    /// Receives the next piece of the body; false once it has ended.
    async fn receive(&mut self) -> Result<bool, Failure> {
        let Some(response) = self.response.as_mut() else {
            return Ok(false);
        };
        match response.chunk().await {
            Ok(Some(bytes)) => {
                self.buffer.extend_from_slice(&bytes);
                Ok(true)
            }
            Ok(None) => {
                self.response = None;
                Ok(true)
            }
            Err(error) => {
                self.response = None;
                Err(Failure::Unreachable(plain(error)))
            }
        }
    }

    /// The server's error in `line` and what follows it, or a decoding
    /// failure saying `why`.
    async fn failure(&mut self, line: &str, why: String) -> Failure {
        let mut text = line.to_owned();
        // The rest of the body holds the error's text (a few lines).
        while self.buffer.len() - self.start < 64 * 1024 && matches!(self.receive().await, Ok(true))
        {
        }
        text.push('\n');
        text.push_str(&String::from_utf8_lossy(&self.buffer[self.start..]));
        self.start = self.buffer.len();
        server_error(&text).map_or(Failure::Decode(why), |(code, message)| {
            Failure::Server(code, message)
        })
    }

    /// Reads one line into `batch` or moves to the next section.
    async fn read_line<T: DeserializeOwned>(
        &mut self,
        line: &str,
        batch: &mut Vec<T>,
    ) -> Result<(), Failure> {
        let trimmed = line.trim();
        match self.section {
            Section::Header if trimmed == "\"data\":" => self.section = Section::DataKey,
            Section::DataKey if trimmed == "[" => self.section = Section::Data,
            Section::Data if trimmed.starts_with(']') => self.section = Section::Trailer,
            Section::Data => {
                let row = trimmed.strip_suffix(',').unwrap_or(trimmed);
                match serde_json::from_str::<T>(row) {
                    Ok(row) => {
                        batch.push(row);
                        self.rows += 1;
                    }
                    Err(error) => return Err(self.failure(line, error.to_string()).await),
                }
            }
            Section::Trailer => {
                if let Some(count) = trimmed.strip_prefix("\"rows\":") {
                    let count = count.trim().trim_end_matches(',');
                    if count.parse::<u64>().ok() != Some(self.rows) {
                        return Err(Failure::Decode(format!(
                            "the answer says {count} rows, {} were read",
                            self.rows
                        )));
                    }
                    self.section = Section::Counted;
                } else if trimmed.starts_with("Code: ") {
                    return Err(self.failure(line, String::new()).await);
                }
            }
            Section::Header | Section::DataKey if trimmed.contains("Code: ") => {
                return Err(self
                    .failure(line, "an error instead of rows".to_owned())
                    .await);
            }
            _ => {}
        }
        Ok(())
    }

    /// Up to `limit` more rows, or `None` after the last.
    ///
    /// # Errors
    /// The connection failed, the server reported an error, or the answer
    /// cannot be read or was cut short.
    pub async fn next_batch<T: DeserializeOwned>(
        &mut self,
        limit: usize,
    ) -> Result<Option<Vec<T>>, Failure> {
        let mut batch = Vec::new();
        loop {
            while batch.len() < limit {
                let Some(line) = self.take_line() else { break };
                self.read_line(&line, &mut batch).await?;
            }
            if batch.len() >= limit {
                return Ok(Some(batch));
            }
            if !self.receive().await? {
                break;
            }
        }
        if self.section != Section::Counted {
            return Err(Failure::Decode(
                "the answer ended before its last row (the connection was cut?)".to_owned(),
            ));
        }
        Ok((!batch.is_empty()).then_some(batch))
    }
}
