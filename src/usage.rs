//! Usage counts: requests and the four token kinds, kept apart so each can be
//! priced on its own, with the part of the cache writes written for an hour
//! (priced at its own rate). Plain data with addition; no money here.

use std::ops::{Add, AddAssign};

use serde::Serialize;

/// Requests and tokens of one group of events. Token counts are 128-bit:
/// sums over many rows may pass 2^63.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Usage {
    /// Number of requests (API calls).
    pub requests: i64,
    /// Input tokens, excluding cache reads and writes.
    pub input_tokens: i128,
    /// Output tokens (reasoning tokens included).
    pub output_tokens: i128,
    /// Input tokens read from the prompt cache.
    pub cache_read_tokens: i128,
    /// Input tokens written to the prompt cache (5-minute and 1-hour writes).
    pub cache_write_tokens: i128,
    /// The part of `cache_write_tokens` written with the 1-hour lifetime
    /// (already counted there: never added to the total again).
    pub cache_write_1h_tokens: i128,
}

impl Usage {
    /// The four token kinds added (the 1-hour writes are part of the cache writes).
    #[must_use]
    pub fn total_tokens(&self) -> i128 {
        self.input_tokens
            .saturating_add(self.output_tokens)
            .saturating_add(self.cache_read_tokens)
            .saturating_add(self.cache_write_tokens)
    }

    /// True when nothing was used.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

impl Add for Usage {
    type Output = Usage;
    fn add(mut self, other: Usage) -> Usage {
        self += other;
        self
    }
}

impl AddAssign for Usage {
    fn add_assign(&mut self, other: Usage) {
        self.requests = self.requests.saturating_add(other.requests);
        self.input_tokens = self.input_tokens.saturating_add(other.input_tokens);
        self.output_tokens = self.output_tokens.saturating_add(other.output_tokens);
        self.cache_read_tokens = self
            .cache_read_tokens
            .saturating_add(other.cache_read_tokens);
        self.cache_write_tokens = self
            .cache_write_tokens
            .saturating_add(other.cache_write_tokens);
        self.cache_write_1h_tokens = self
            .cache_write_1h_tokens
            .saturating_add(other.cache_write_1h_tokens);
    }
}

impl std::iter::Sum for Usage {
    fn sum<I: Iterator<Item = Usage>>(iter: I) -> Usage {
        iter.fold(Usage::default(), Add::add)
    }
}
