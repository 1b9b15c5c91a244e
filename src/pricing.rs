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
    /// Cache writes; missing falls back to the input price.
    pub cache_write: Option<String>,
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
    /// Cache writes.
    pub cache_write: Decimal,
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
        Ok(Self {
            input,
            output,
            cache_read,
            cache_write,
        })
    }

    /// The cost of `usage` at this price, unrounded.
    #[must_use]
    pub fn cost(&self, usage: &Usage) -> Decimal {
        let per_million = Decimal::from(1_000_000);
        // Past Decimal's 96 bits (about 7.9e28 dollars, never a real bill)
        // the cost saturates rather than wrapping or panicking.
        [
            (usage.input_tokens, self.input),
            (usage.output_tokens, self.output),
            (usage.cache_read_tokens, self.cache_read),
            (usage.cache_write_tokens, self.cache_write),
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
