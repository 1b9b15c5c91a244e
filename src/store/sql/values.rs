//! The values of a row before they are summed: token counts (plain, inside
//! JSON, or the first of several), requests and the stored cost, each read
//! so that a value that cannot be read never fails a query; the tests that
//! leave a row out (a value that cannot be read, a negative count); and the
//! sums of the measures.

use std::sync::atomic::Ordering;

use super::{Reading, SqlBuilder};
use crate::store::mapping::{ColumnKind, ColumnRef, Tokens};

/// Per-row expressions of the measures, before summing.
pub(super) struct RowMeasures {
    /// Requests of a row, when a column holds them (otherwise each row is one).
    requests: Option<String>,
    /// Input, output, cache-read, cache-write and 1-hour cache-write tokens.
    tokens: [String; 5],
    /// Stored cost in nano-dollars, when a column holds it (NULL where the row has none).
    cost: Option<String>,
}

impl SqlBuilder {
    fn kind_of(&self, column: &str) -> ColumnKind {
        self.checked
            .kind(column)
            .cloned()
            .unwrap_or(ColumnKind::Any)
    }

    /// A number a reference reads.
    fn reading(&self, reference: &ColumnRef) -> Reading {
        let rules = self.rules();
        match reference {
            ColumnRef::Plain(column) => rules.number(&Self::column(column), &self.kind_of(column)),
            ColumnRef::Json { column, path } => rules.json_number(&Self::column(column), path),
            ColumnRef::MapKey { column, key } => {
                let kind = self.kind_of(column);
                let value_type = crate::store::catalog::map_value_type(&kind).unwrap_or("");
                rules.map_number(&Self::column(column), key, value_type)
            }
            ColumnRef::First(choices) => {
                let readings: Vec<Reading> = choices.iter().map(|c| self.reading(c)).collect();
                let values: Vec<String> = readings
                    .iter()
                    .map(|reading| format!("NULLIF({}, 0)", reading.value))
                    .collect();
                let tests: Vec<String> = readings
                    .iter()
                    .filter_map(|reading| reading.unreadable.clone())
                    .collect();
                let shown: Vec<String> = readings.iter().map(|r| r.shown.clone()).collect();
                Reading {
                    value: format!("COALESCE({})", values.join(", ")),
                    unreadable: (!tests.is_empty()).then(|| format!("({})", tests.join(" OR "))),
                    shown: format!("COALESCE({})", shown.join(", ")),
                }
            }
        }
    }

    /// The token readings as stored: input (or the total), output, cache
    /// reads, cache writes, 1-hour cache writes (absent roles: none).
    fn token_readings(&self) -> Vec<Reading> {
        let mapping = &self.checked.mapping;
        let mut readings = match &mapping.tokens {
            Tokens::Split { input, output } => vec![self.reading(input), self.reading(output)],
            Tokens::Total(total) => vec![self.reading(total)],
        };
        readings.extend(mapping.cache_read_tokens.iter().map(|r| self.reading(r)));
        readings.extend(mapping.cache_write_tokens.iter().map(|r| self.reading(r)));
        readings.extend(
            mapping
                .cache_write_1h_tokens
                .iter()
                .map(|r| self.reading(r)),
        );
        readings
    }

    /// `COALESCE(value, 0)` of an optional reference.
    fn count_of(&self, reference: Option<&ColumnRef>) -> String {
        reference.map_or_else(
            || "0".to_owned(),
            |reference| format!("COALESCE({}, 0)", self.reading(reference).value),
        )
    }

    /// Input as stored, and (when it includes the cache) input less cache
    /// reads and writes.
    fn input_parts(&self) -> (String, Option<String>) {
        let mapping = &self.checked.mapping;
        let stored = match &mapping.tokens {
            Tokens::Split { input, .. } => self.count_of(Some(input)),
            Tokens::Total(total) => self.count_of(Some(total)),
        };
        let without_cache = mapping.input_includes_cache.then(|| {
            format!(
                "({stored} - {} - {})",
                self.count_of(mapping.cache_read_tokens.as_ref()),
                self.count_of(mapping.cache_write_tokens.as_ref())
            )
        });
        (stored, without_cache)
    }

    /// True for a row whose input, with its cache tokens taken out, would
    /// be negative: its prompt evidently excluded them, and it is taken as
    /// stored (counted in a note).
    pub(super) fn adjusted(&self) -> Option<String> {
        let (_, without_cache) = self.input_parts();
        without_cache.map(|difference| format!("{difference} < 0"))
    }

    /// The per-row values behind the measures.
    pub(super) fn row_measures(&self) -> RowMeasures {
        let mapping = &self.checked.mapping;
        let (stored, without_cache) = self.input_parts();
        let input = match without_cache {
            Some(difference) => {
                format!("CASE WHEN {difference} < 0 THEN {stored} ELSE {difference} END")
            }
            None => stored,
        };
        let output = match &mapping.tokens {
            Tokens::Split { output, .. } => self.count_of(Some(output)),
            Tokens::Total(_) => "0".to_owned(),
        };
        let rules = self.rules();
        RowMeasures {
            requests: mapping.requests.as_ref().map(|column| {
                let reading = rules.number(&Self::column(column), &self.kind_of(column));
                format!("COALESCE({}, 0)", reading.value)
            }),
            tokens: [
                input,
                output,
                self.count_of(mapping.cache_read_tokens.as_ref()),
                self.count_of(mapping.cache_write_tokens.as_ref()),
                self.count_of(mapping.cache_write_1h_tokens.as_ref()),
            ],
            cost: mapping.cost.as_ref().map(|column| {
                let dollars = rules.dollars(&Self::column(column), &self.kind_of(column));
                rules.nanos(&dollars.value)
            }),
        }
    }

    /// True for a row with a negative token count (NULL-safe).
    pub(super) fn negative(&self) -> String {
        let tests: Vec<String> = self
            .token_readings()
            .into_iter()
            .map(|reading| format!("COALESCE({}, 0) < 0", reading.value))
            .collect();
        tests.join(" OR ")
    }

    /// Every value read from a row that may be unreadable, with its role.
    pub(super) fn named_readings(&self) -> Vec<(&'static str, Reading)> {
        let mapping = &self.checked.mapping;
        let rules = self.rules();
        let mut readings = match &mapping.tokens {
            Tokens::Split { input, output } => vec![
                ("input_tokens", self.reading(input)),
                ("output_tokens", self.reading(output)),
            ],
            Tokens::Total(total) => vec![("total_tokens", self.reading(total))],
        };
        if let Some(reference) = &mapping.cache_read_tokens {
            readings.push(("cache_read_tokens", self.reading(reference)));
        }
        if let Some(reference) = &mapping.cache_write_tokens {
            readings.push(("cache_write_tokens", self.reading(reference)));
        }
        if let Some(reference) = &mapping.cache_write_1h_tokens {
            readings.push(("cache_write_1h_tokens", self.reading(reference)));
        }
        if let Some(column) = &mapping.requests {
            readings.push((
                "requests",
                rules.number(&Self::column(column), &self.kind_of(column)),
            ));
        }
        if let Some(column) = &mapping.cost {
            readings.push((
                "cost",
                rules.dollars(&Self::column(column), &self.kind_of(column)),
            ));
        }
        readings
    }

    /// True for a row holding a token count, request count or cost that
    /// cannot be read, if the columns' types allow any (NULL-safe).
    pub(super) fn unreadable(&self) -> Option<String> {
        let tests: Vec<String> = self
            .named_readings()
            .into_iter()
            .filter_map(|(_, reading)| reading.unreadable)
            .collect();
        (!tests.is_empty()).then(|| tests.join(" OR "))
    }

    /// An aggregate, true for a group that may hold a row left out of the
    /// sums (see [`Self::unusable`]), from the engine's per-group tests;
    /// `None` when some value has none (a JSON path, a choice of columns,
    /// an engine without them) or sums are wide.
    pub(super) fn group_suspect(&self) -> Option<String> {
        if self.wide.load(Ordering::SeqCst) {
            return None;
        }
        let mapping = &self.checked.mapping;
        let rules = self.rules();
        let token = |reference: &ColumnRef| match reference {
            ColumnRef::Plain(column) => Some((Self::column(column), self.kind_of(column))),
            ColumnRef::Json { .. } | ColumnRef::MapKey { .. } | ColumnRef::First(_) => None,
        };
        let mut tokens: Vec<Option<(String, ColumnKind)>> = match &mapping.tokens {
            Tokens::Split { input, output } => vec![token(input), token(output)],
            Tokens::Total(total) => vec![token(total)],
        };
        tokens.extend(mapping.cache_read_tokens.iter().map(token));
        tokens.extend(mapping.cache_write_tokens.iter().map(token));
        tokens.extend(mapping.cache_write_1h_tokens.iter().map(token));
        let tokens: Vec<(String, ColumnKind)> = tokens.into_iter().collect::<Option<_>>()?;
        let mut tests: Vec<Option<String>> = vec![rules.tokens_suspect(&tokens)];
        tests.extend(
            mapping
                .requests
                .iter()
                .map(|column| rules.number_suspect(&Self::column(column), &self.kind_of(column))),
        );
        tests.extend(
            mapping
                .cost
                .iter()
                .map(|column| rules.dollars_suspect(&Self::column(column))),
        );
        let tests: Option<Vec<String>> = tests.into_iter().collect();
        tests.map(|tests| tests.join(" OR "))
    }

    /// True for a row left out of every sum: a value that cannot be read, or
    /// a negative token count.
    pub(super) fn unusable(&self) -> String {
        match self.unreadable() {
            Some(unreadable) => format!("{unreadable} OR {}", self.negative()),
            None => self.negative(),
        }
    }

    /// 1 for a row priced as an estimate although the source stores cost
    /// (its cost is NULL) or because it only has a total token count; else 0.
    pub(super) fn estimated(&self) -> String {
        let mapping = &self.checked.mapping;
        let rules = self.rules();
        if matches!(mapping.tokens, Tokens::Total(_)) {
            return rules.integer("1");
        }
        match &mapping.cost {
            Some(column) => {
                rules.integer(&rules.flag(&format!("{} IS NULL", Self::column(column))))
            }
            None => rules.integer("0"),
        }
    }

    /// A token sum: 64-bit, or in wide form once one has overflowed.
    fn token_sum(&self, expression: &str) -> String {
        if self.wide.load(Ordering::SeqCst) {
            self.rules().wide_sum(expression)
        } else {
            self.rules().token_sum(expression)
        }
    }

    /// `requests, input, output, cache_read, cache_write, cache_write_1h,
    /// stored cost in nano-dollars`, summed.
    pub(super) fn summed_measures(&self) -> Vec<String> {
        let parts = self.row_measures();
        let rules = self.rules();
        let requests = match &parts.requests {
            Some(value) => rules.sum(value),
            None => rules.integer("COUNT(*)"),
        };
        let cost = match &parts.cost {
            Some(value) => rules.integer(&format!("SUM({value})")),
            None => rules.null_integer(),
        };
        let mut list = vec![requests];
        list.extend(parts.tokens.iter().map(|value| self.token_sum(value)));
        list.push(cost);
        list
    }

    /// `requests, input, output, cache_read, cache_write, cache_write_1h,
    /// stored cost in nano-dollars`.
    pub(super) fn measures(&self) -> String {
        self.summed_measures().join(", ")
    }
}
