//! Prices per model and the cost of a group of usage. Owns the shipped price
//! table, the user's overrides, model-name matching and the money maths
//! (`rust_decimal`, never floats). Pure: no I/O.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use rust_decimal::Decimal;
use serde::Deserialize;

use crate::usage::Usage;

/// The price table shipped with usagetop (USD per million tokens).
pub const SHIPPED_PRICES: &str = include_str!("../config/pricing.toml");

/// The original design's price for models with no entry, per million tokens.
const FALLBACK_DEFAULT: i64 = 3;

/// An error in a price table, naming the key at fault.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PriceError {
    /// A price is not a non-negative decimal string.
    #[error("{key}: {value:?} is not a price; write a non-negative decimal string in USD per million tokens, such as \"3.00\"")]
    BadPrice {
        /// Dotted path of the key.
        key: String,
        /// What was found.
        value: String,
    },
    /// The shipped table failed to parse (a build defect).
    #[error("the shipped price table is invalid: {0}")]
    Shipped(String),
}

impl PriceError {
    /// The dotted key at fault, when the error is about one.
    #[must_use]
    pub fn key(&self) -> Option<&str> {
        match self {
            Self::BadPrice { key, .. } => Some(key),
            Self::Shipped(_) => None,
        }
    }
}

/// One price entry as written in TOML: decimal strings, USD per million tokens.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct PriceEntry {
    /// Input tokens (cache excluded).
    pub input: String,
    /// Output tokens.
    pub output: String,
    /// Cache reads; missing falls back to the input price.
    pub cache_read: Option<String>,
    /// Cache writes (the 5-minute lifetime); missing falls back to the input price.
    pub cache_write: Option<String>,
    /// Cache writes with the 1-hour lifetime; missing falls back to the
    /// cache-write price.
    pub cache_write_1h: Option<String>,
}

/// A price table as written in TOML: `[models."name"]` entries and a `[default]`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct PriceFile {
    /// Entries by model name.
    #[serde(default)]
    pub models: BTreeMap<String, PriceEntry>,
    /// The price of models with no entry.
    pub default: Option<PriceEntry>,
}

/// Prices of one model in USD per million tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Price {
    /// Input tokens (cache excluded).
    pub input: Decimal,
    /// Output tokens.
    pub output: Decimal,
    /// Cache reads.
    pub cache_read: Decimal,
    /// Cache writes (the 5-minute lifetime).
    pub cache_write: Decimal,
    /// Cache writes with the 1-hour lifetime.
    pub cache_write_1h: Decimal,
}

impl Price {
    fn from_entry(entry: &PriceEntry, key: &str) -> Result<Self, PriceError> {
        let input = parse_price(&entry.input, &format!("{key}.input"))?;
        let output = parse_price(&entry.output, &format!("{key}.output"))?;
        let cache_read = match &entry.cache_read {
            Some(text) => parse_price(text, &format!("{key}.cache_read"))?,
            None => input,
        };
        let cache_write = match &entry.cache_write {
            Some(text) => parse_price(text, &format!("{key}.cache_write"))?,
            None => input,
        };
        let cache_write_1h = match &entry.cache_write_1h {
            Some(text) => parse_price(text, &format!("{key}.cache_write_1h"))?,
            None => cache_write,
        };
        Ok(Self {
            input,
            output,
            cache_read,
            cache_write,
            cache_write_1h,
        })
    }

    /// The rates as people read them: `input / output / cache read / cache
    /// write`, then `(1h:X)` when 1-hour cache writes have a rate of their own.
    #[must_use]
    pub fn rates_text(&self) -> String {
        let mut text = format!(
            "{} / {} / {} / {}",
            self.input.normalize(),
            self.output.normalize(),
            self.cache_read.normalize(),
            self.cache_write.normalize()
        );
        if self.cache_write_1h != self.cache_write {
            text.push_str(&format!(" (1h:{})", self.cache_write_1h.normalize()));
        }
        text
    }

    /// The cost of `usage` at this price, unrounded. The 1-hour cache
    /// writes are a part of the cache writes: they are priced at the 1-hour
    /// rate and the rest at the cache-write rate. Linear in the token
    /// counts, so pricing sums of rows equals summing the rows' costs.
    #[must_use]
    pub fn cost(&self, usage: &Usage) -> Decimal {
        let per_million = Decimal::from(1_000_000);
        let five_minute = usage
            .cache_write_tokens
            .saturating_sub(usage.cache_write_1h_tokens);
        // Past Decimal's 96 bits (about 7.9e28 dollars, never a real bill)
        // the cost saturates rather than wrapping or panicking.
        [
            (usage.input_tokens, self.input),
            (usage.output_tokens, self.output),
            (usage.cache_read_tokens, self.cache_read),
            (five_minute, self.cache_write),
            (usage.cache_write_1h_tokens, self.cache_write_1h),
        ]
        .into_iter()
        .try_fold(Decimal::ZERO, |sum, (tokens, price)| {
            let tokens = Decimal::try_from_i128_with_scale(tokens, 0).ok()?;
            sum.checked_add(tokens.checked_mul(price)?.checked_div(per_million)?)
        })
        .unwrap_or(Decimal::MAX)
        .normalize()
    }
}

fn parse_price(text: &str, key: &str) -> Result<Decimal, PriceError> {
    let bad = || PriceError::BadPrice {
        key: key.to_owned(),
        value: text.to_owned(),
    };
    let value: Decimal = text.trim().parse().map_err(|_| bad())?;
    if value.is_sign_negative() {
        return Err(bad());
    }
    Ok(value)
}

/// How a model name was priced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The entry that priced it, or `None` when the default price did.
    pub entry: Option<String>,
    /// The price used.
    pub price: Price,
}

impl Resolved {
    /// True when a model entry priced it (not the default).
    #[must_use]
    pub fn is_priced(&self) -> bool {
        self.entry.is_some()
    }
}

/// How a model name found its price entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// An entry of exactly that name.
    Exact,
    /// The name without its provider prefix and date suffix.
    Normalized,
    /// The longest entry that is a prefix of the name.
    Prefix,
    /// No entry: the default price (an estimate).
    Default,
}

impl Rule {
    /// A short phrase for people.
    #[must_use]
    pub fn describe(self) -> &'static str {
        match self {
            Rule::Exact => "exact name",
            Rule::Normalized => "without provider prefix / date",
            Rule::Prefix => "longest prefix",
            Rule::Default => "default price (estimate)",
        }
    }

    /// A machine-readable name (JSON).
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Rule::Exact => "exact",
            Rule::Normalized => "normalized",
            Rule::Prefix => "prefix",
            Rule::Default => "default",
        }
    }
}

/// The price table in force: shipped entries, replaced whole by the user's.
#[derive(Debug)]
pub struct PriceTable {
    models: BTreeMap<String, Price>,
    default: Price,
    memo: Mutex<HashMap<String, Resolved>>,
}

impl Clone for PriceTable {
    fn clone(&self) -> Self {
        Self {
            models: self.models.clone(),
            default: self.default,
            memo: Mutex::new(HashMap::new()),
        }
    }
}

impl PriceTable {
    /// The shipped table with `overrides` applied (an override replaces the
    /// shipped entry of the same name as a whole). `context` prefixes key
    /// names in errors (e.g. `pricing`).
    ///
    /// # Errors
    /// A price string that is not a non-negative decimal.
    pub fn with_overrides(overrides: &PriceFile, context: &str) -> Result<Self, PriceError> {
        let shipped: PriceFile =
            toml::from_str(SHIPPED_PRICES).map_err(|e| PriceError::Shipped(e.to_string()))?;
        let mut table = Self::from_file(&shipped, "config/pricing.toml")?;
        for (name, entry) in &overrides.models {
            let key = format!("{context}.models.\"{name}\"");
            table
                .models
                .insert(name.clone(), Price::from_entry(entry, &key)?);
        }
        if let Some(entry) = &overrides.default {
            table.default = Price::from_entry(entry, &format!("{context}.default"))?;
        }
        Ok(table)
    }

    /// A table from one file alone.
    ///
    /// # Errors
    /// A price string that is not a non-negative decimal.
    pub fn from_file(file: &PriceFile, context: &str) -> Result<Self, PriceError> {
        let mut models = BTreeMap::new();
        for (name, entry) in &file.models {
            models.insert(
                name.clone(),
                Price::from_entry(entry, &format!("{context}: models.\"{name}\""))?,
            );
        }
        let fallback = Decimal::from(FALLBACK_DEFAULT);
        let default = match &file.default {
            Some(entry) => Price::from_entry(entry, &format!("{context}: default"))?,
            None => Price {
                input: fallback,
                output: fallback,
                cache_read: fallback,
                cache_write: fallback,
                cache_write_1h: fallback,
            },
        };
        Ok(Self {
            models,
            default,
            memo: Mutex::new(HashMap::new()),
        })
    }

    /// Number of model entries.
    #[must_use]
    pub fn len(&self) -> usize {
        self.models.len()
    }

    /// True when there are no model entries.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.models.is_empty()
    }

    /// The default price.
    #[must_use]
    pub fn default_price(&self) -> Price {
        self.default
    }

    /// Finds the price of a model: the exact name first, then the name
    /// without a provider prefix and a date suffix, then the longest entry
    /// that is a prefix of that name; else the default price.
    pub fn resolve(&self, model: &str) -> Resolved {
        if let Ok(memo) = self.memo.lock() {
            if let Some(found) = memo.get(model) {
                return found.clone();
            }
        }
        let resolved = self.resolve_uncached(model);
        if let Ok(mut memo) = self.memo.lock() {
            memo.insert(model.to_owned(), resolved.clone());
        }
        resolved
    }

    /// The price of a model and the rule that found it (for `usagetop prices`).
    #[must_use]
    pub fn explain(&self, model: &str) -> (Resolved, Rule) {
        let resolved = self.resolve(model);
        let rule = match &resolved.entry {
            None => Rule::Default,
            Some(entry) if entry == model => Rule::Exact,
            Some(entry) if *entry == normalize_model_name(model) => Rule::Normalized,
            Some(_) => Rule::Prefix,
        };
        (resolved, rule)
    }

    fn resolve_uncached(&self, model: &str) -> Resolved {
        let found = |name: &str| {
            self.models.get(name).map(|price| Resolved {
                entry: Some(name.to_owned()),
                price: *price,
            })
        };
        if let Some(hit) = found(model) {
            return hit;
        }
        // Names are matched without regard to case: `GPT-4O` is `gpt-4o`.
        let found_ignoring_case = |wanted: &str| {
            self.models
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(wanted))
                .map(|(name, price)| Resolved {
                    entry: Some(name.clone()),
                    price: *price,
                })
        };
        if let Some(hit) = found_ignoring_case(model.trim()) {
            return hit;
        }
        let normalized = normalize_model_name(model).to_lowercase();
        if let Some(hit) = found_ignoring_case(&normalized) {
            return hit;
        }
        let longest = self
            .models
            .iter()
            .filter(|(name, _)| normalized.starts_with(&name.to_lowercase()))
            .max_by_key(|(name, _)| name.len());
        match longest {
            Some((name, price)) => Resolved {
                entry: Some(name.clone()),
                price: *price,
            },
            None => Resolved {
                entry: None,
                price: self.default,
            },
        }
    }
}

/// A model name without a provider prefix (`openai/`, `anthropic/`, ...) and
/// without a date suffix (`-20241022`, `-2024-08-06`, `@20240620`).
#[must_use]
pub fn normalize_model_name(model: &str) -> String {
    let name = model.trim();
    let name = name.rsplit_once('/').map_or(name, |(_, rest)| rest).trim();
    let bytes = name.as_bytes();
    let is_digits = |range: std::ops::Range<usize>| bytes[range].iter().all(u8::is_ascii_digit);
    let len = bytes.len();
    // -YYYYMMDD or @YYYYMMDD
    if len > 9 && matches!(bytes[len - 9], b'-' | b'@') && is_digits(len - 8..len) {
        return name[..len - 9].trim_end().to_owned();
    }
    // -YYYY-MM-DD
    if len > 11
        && bytes[len - 11] == b'-'
        && is_digits(len - 10..len - 6)
        && bytes[len - 6] == b'-'
        && is_digits(len - 5..len - 3)
        && bytes[len - 3] == b'-'
        && is_digits(len - 2..len)
    {
        return name[..len - 11].trim_end().to_owned();
    }
    name.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Decimal {
        text.parse().unwrap_or_default()
    }

    fn entry(cache_write: Option<&str>, cache_write_1h: Option<&str>) -> PriceEntry {
        PriceEntry {
            input: "3".to_owned(),
            output: "15".to_owned(),
            cache_read: Some("0.30".to_owned()),
            cache_write: cache_write.map(str::to_owned),
            cache_write_1h: cache_write_1h.map(str::to_owned),
        }
    }

    fn writes(all: i128, one_hour: i128) -> Usage {
        Usage {
            requests: 1,
            cache_write_tokens: all,
            cache_write_1h_tokens: one_hour,
            ..Usage::default()
        }
    }

    #[test]
    fn one_hour_writes_are_priced_at_their_own_rate_and_the_rest_at_cache_write() {
        let price = Price::from_entry(&entry(Some("3.75"), Some("6")), "m").unwrap_or_else(|e| {
            panic!("{e}");
        });
        // 1,000,000 writes, 400,000 of them for an hour:
        // 600,000 x 3.75 + 400,000 x 6 = 2.25 + 2.40 dollars.
        assert_eq!(price.cost(&writes(1_000_000, 400_000)), d("4.65"));
        // Only 5-minute writes; only 1-hour writes.
        assert_eq!(price.cost(&writes(2_000_000, 0)), d("7.5"));
        assert_eq!(price.cost(&writes(500_000, 500_000)), d("3"));
        // Every kind at once, each at its own rate:
        // 1,000 x 3 + 2,000 x 15 + 10,000 x 0.30 + 300 x 3.75 + 700 x 6, per million.
        let usage = Usage {
            requests: 1,
            input_tokens: 1_000,
            output_tokens: 2_000,
            cache_read_tokens: 10_000,
            cache_write_tokens: 1_000,
            cache_write_1h_tokens: 700,
        };
        assert_eq!(price.cost(&usage), d("0.041325"));
    }

    #[test]
    fn without_a_one_hour_price_the_cache_write_price_applies_then_the_input_price() {
        let price = Price::from_entry(&entry(Some("3.75"), None), "m").unwrap_or_else(|e| {
            panic!("{e}");
        });
        assert_eq!(price.cache_write_1h, d("3.75"));
        assert_eq!(
            price.cost(&writes(1_000_000, 400_000)),
            price.cost(&writes(1_000_000, 0))
        );
        let price = Price::from_entry(&entry(None, None), "m").unwrap_or_else(|e| {
            panic!("{e}");
        });
        assert_eq!((price.cache_write, price.cache_write_1h), (d("3"), d("3")));
    }

    #[test]
    fn the_cost_of_a_sum_is_the_sum_of_the_costs() {
        let price = Price::from_entry(&entry(Some("3.75"), Some("6")), "m").unwrap_or_else(|e| {
            panic!("{e}");
        });
        let rows = [writes(1_234, 1_000), writes(77, 0), writes(5_000, 5_000)];
        let summed: Usage = rows.iter().copied().sum();
        let each: Decimal = rows.iter().map(|row| price.cost(row)).sum();
        assert_eq!(price.cost(&summed), each);
    }

    #[test]
    fn a_bad_one_hour_price_names_its_key() {
        let error = Price::from_entry(&entry(Some("3.75"), Some("-1")), "models.\"m\"")
            .err()
            .and_then(|error| error.key().map(str::to_owned));
        assert_eq!(error.as_deref(), Some("models.\"m\".cache_write_1h"));
    }

    #[test]
    fn the_shipped_claude_prices_charge_twice_the_input_for_one_hour_writes() {
        let table = PriceTable::with_overrides(&PriceFile::default(), "pricing")
            .unwrap_or_else(|e| panic!("{e}"));
        for model in [
            "claude-sonnet-4-5",
            "claude-opus-4-6",
            "claude-haiku-4-5",
            "claude-3-opus",
        ] {
            let price = table.resolve(model).price;
            assert_eq!(price.cache_write_1h, price.input * Decimal::TWO, "{model}");
            assert!(price.cache_write_1h > price.cache_write, "{model}");
        }
        // OpenAI has no cache-write charge of its own: the fallback holds.
        let gpt = table.resolve("gpt-4o").price;
        assert_eq!(gpt.cache_write_1h, gpt.cache_write);
    }
}
