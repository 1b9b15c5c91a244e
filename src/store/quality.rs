//! What the reports leave out of a source, and why: counted in one pass a
//! session (or kept by the rollup cache), and said in notes with an example
//! of each kind, so that one odd row never changes the others silently.

use chrono::DateTime;

/// What the reports leave out of a source, and what they count differently.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Quality {
    /// Rows with a negative token count (left out).
    pub negative_rows: i64,
    /// Rows with a token count, request count or cost that cannot be read (left out).
    pub unreadable_value_rows: i64,
    /// One such value, as `role = value`.
    pub unreadable_value_example: Option<String>,
    /// Rows whose timestamp cannot be read, is missing, lies outside 1900
    /// to 2199, or is in another unit than the rest of the column (left out).
    pub unreadable_rows: i64,
    /// One such timestamp, as found.
    pub unreadable_example: Option<String>,
    /// What the unreadable timestamps look like, when that suggests a fix.
    pub unit_hint: Option<String>,
    /// Rows dated more than a day after the real clock (in no view).
    pub future_rows: i64,
    /// The latest usable timestamp (unix seconds).
    pub latest: Option<i64>,
    /// Rows whose input, less its cache tokens, would be negative: taken as
    /// stored (the prompt evidently excluded its cache tokens).
    pub adjusted_rows: i64,
    /// Rows priced from their tokens as an estimate: no stored cost where
    /// the source stores cost, or only a total token count.
    pub estimated_rows: i64,
    /// Why the rollup cache is not in use, when it should be.
    pub cache_note: Option<String>,
}

impl Quality {
    /// Rows left out of every number.
    #[must_use]
    pub fn left_out(&self) -> i64 {
        self.negative_rows + self.unreadable_value_rows + self.unreadable_rows + self.future_rows
    }

    /// Notes for people, one per kind of row left out or counted differently.
    #[must_use]
    pub fn notes(&self) -> Vec<String> {
        let example = |text: &Option<String>| {
            text.as_deref().map_or_else(String::new, |text| {
                format!(" (e.g. {})", crate::text::sanitize(text, 60))
            })
        };
        let mut notes = Vec::new();
        if self.negative_rows > 0 {
            notes.push(format!(
                "{} with negative token counts left out",
                rows(self.negative_rows)
            ));
        }
        if self.unreadable_value_rows > 0 {
            notes.push(format!(
                "{} with a token count or cost that cannot be read left out{}",
                rows(self.unreadable_value_rows),
                example(&self.unreadable_value_example)
            ));
        }
        if self.unreadable_rows > 0 {
            let hint = self
                .unit_hint
                .as_deref()
                .map_or_else(String::new, |hint| format!("; {hint}"));
            notes.push(format!(
                "{} with a timestamp that cannot be read, is missing, lies outside 1900 to 2199 \
                 or is in another unit than the rest left out{}{hint}",
                rows(self.unreadable_rows),
                example(
                    &self
                        .unreadable_example
                        .as_ref()
                        .map(|text| format!("{text:?}"))
                )
            ));
        }
        if self.future_rows > 0 {
            let latest = self
                .latest
                .and_then(|seconds| DateTime::from_timestamp(seconds, 0))
                .map_or_else(String::new, |instant| {
                    format!(", the latest {}", instant.format("%Y-%m-%d"))
                });
            notes.push(format!(
                "{} dated more than a day after the clock, counted in no view{latest}",
                rows(self.future_rows)
            ));
        }
        if self.adjusted_rows > 0 {
            notes.push(format!(
                "{} whose prompt tokens exclude their cache tokens (input less cache would be \
                 negative) counted with their input as stored",
                rows(self.adjusted_rows)
            ));
        }
        if self.estimated_rows > 0 {
            notes.push(format!(
                "{} without a stored cost (or with only a total token count) priced from their \
                 tokens as an estimate (*)",
                rows(self.estimated_rows)
            ));
        }
        notes.extend(self.cache_note.clone());
        notes
    }
}

/// `1 row`, `3 rows`.
#[must_use]
pub fn rows(count: i64) -> String {
    if count == 1 {
        "1 row".to_owned()
    } else {
        format!("{count} rows")
    }
}
