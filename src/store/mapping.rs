//! The source mapping: which table and columns hold each role (timestamp,
//! model, token kinds, requests, stored cost, dimensions), from the config
//! file's `[source]` table and its presets, checked against the database's
//! catalog. Pure: the stores fetch the catalog and hand it in.

use std::fmt;

use serde::Deserialize;

/// How timestamps are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum TimestampFormat {
    /// From the column type, and for integers from the magnitude.
    #[default]
    Auto,
    /// Integer unix seconds.
    #[serde(alias = "unix-s")]
    #[value(alias = "unix_s")]
    UnixS,
    /// Integer unix milliseconds.
    #[serde(alias = "unix-ms")]
    #[value(alias = "unix_ms")]
    UnixMs,
    /// ISO-8601 text (a date alone means a UTC day).
    Iso8601,
    /// The database's own date or timestamp type.
    Native,
}

/// Layouts people have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Preset {
    /// usagetop's own `usage_events` table.
    Native,
    /// The LiteLLM proxy's per-request `"LiteLLM_SpendLogs"`.
    Litellm,
    /// The LiteLLM proxy's per-day `"LiteLLM_DailyUserSpend"` (UTC days).
    LitellmDaily,
    /// Helicone's ClickHouse `request_response_rmt` (one row per request).
    Helicone,
    /// Langfuse's (v3) ClickHouse `observations`, its generations.
    Langfuse,
}

/// The `[source]` table as written; every key optional.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    /// A preset whose defaults the other keys override.
    pub preset: Option<Preset>,
    /// Table, optionally schema-qualified.
    pub table: Option<String>,
    /// Timestamp column.
    pub timestamp: Option<String>,
    /// How the timestamp is stored.
    pub timestamp_format: Option<TimestampFormat>,
    /// Model column (empty: none; every row is `default_model`).
    pub model: Option<String>,
    /// The model of rows whose model is NULL or empty, and of every row
    /// when there is no model column (default: `(unknown)`).
    pub default_model: Option<String>,
    /// A total token count column, for tables without an input/output split
    /// (priced as input, marked estimated).
    pub total_tokens: Option<String>,
    /// Input tokens column.
    pub input_tokens: Option<String>,
    /// Output tokens column.
    pub output_tokens: Option<String>,
    /// Cache-read tokens column (empty: none).
    pub cache_read_tokens: Option<String>,
    /// Cache-write tokens column (empty: none).
    pub cache_write_tokens: Option<String>,
    /// The part of the cache writes written for one hour, priced at the
    /// 1-hour rate (empty: none; every write is priced as a 5-minute one).
    pub cache_write_1h_tokens: Option<String>,
    /// True when input tokens already include cached ones.
    pub input_includes_cache: Option<bool>,
    /// Requests-per-row column (empty: each row is one request).
    pub requests: Option<String>,
    /// Stored cost column (empty: price the tokens).
    pub cost: Option<String>,
    /// User column.
    pub user: Option<String>,
    /// Endpoint column.
    pub endpoint: Option<String>,
    /// Project column (usagetop's own layout: `project`).
    pub project: Option<String>,
    /// Session column (usagetop's own layout: `session`).
    pub session: Option<String>,
    /// Column naming where an event came from (usagetop's own layout: `source`).
    pub source: Option<String>,
    /// Extra SQL predicate.
    #[serde(rename = "where")]
    pub filter: Option<String>,
    /// ClickHouse: read the table with `FINAL` (the rows of a
    /// `ReplacingMergeTree` merged to their latest version).
    #[serde(rename = "final")]
    pub read_final: Option<bool>,
}

impl SourceConfig {
    /// `self` with every key `other` sets taken from `other`.
    #[must_use]
    pub fn overridden_by(&self, other: &SourceConfig) -> SourceConfig {
        SourceConfig {
            preset: other.preset.or(self.preset),
            table: other.table.clone().or_else(|| self.table.clone()),
            timestamp: other.timestamp.clone().or_else(|| self.timestamp.clone()),
            timestamp_format: other.timestamp_format.or(self.timestamp_format),
            model: other.model.clone().or_else(|| self.model.clone()),
            default_model: other
                .default_model
                .clone()
                .or_else(|| self.default_model.clone()),
            total_tokens: other
                .total_tokens
                .clone()
                .or_else(|| self.total_tokens.clone()),
            input_tokens: other
                .input_tokens
                .clone()
                .or_else(|| self.input_tokens.clone()),
            output_tokens: other
                .output_tokens
                .clone()
                .or_else(|| self.output_tokens.clone()),
            cache_read_tokens: other
                .cache_read_tokens
                .clone()
                .or_else(|| self.cache_read_tokens.clone()),
            cache_write_tokens: other
                .cache_write_tokens
                .clone()
                .or_else(|| self.cache_write_tokens.clone()),
            cache_write_1h_tokens: other
                .cache_write_1h_tokens
                .clone()
                .or_else(|| self.cache_write_1h_tokens.clone()),
            input_includes_cache: other.input_includes_cache.or(self.input_includes_cache),
            requests: other.requests.clone().or_else(|| self.requests.clone()),
            cost: other.cost.clone().or_else(|| self.cost.clone()),
            user: other.user.clone().or_else(|| self.user.clone()),
            endpoint: other.endpoint.clone().or_else(|| self.endpoint.clone()),
            project: other.project.clone().or_else(|| self.project.clone()),
            session: other.session.clone().or_else(|| self.session.clone()),
            source: other.source.clone().or_else(|| self.source.clone()),
            filter: other.filter.clone().or_else(|| self.filter.clone()),
            read_final: other.read_final.or(self.read_final),
        }
    }
}

/// A mapping that cannot be used, said so that the user can fix it.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("{0}")]
pub struct MappingError(pub String);

/// A column, or a number inside a JSON column (`metadata->usage_object->key`),
/// or the value of a key in a ClickHouse `Map` column (`usage_details['input']`),
/// or the first of several that is present and not zero (`a | b`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnRef {
    /// The first of these that holds a value other than 0.
    First(Vec<ColumnRef>),
    /// A plain column.
    Plain(String),
    /// A key path inside a JSON column.
    Json {
        /// The JSON column.
        column: String,
        /// Keys from the top, each `[A-Za-z0-9_]+`.
        path: Vec<String>,
    },
    /// The value of one key in a map column (ClickHouse's `Map`).
    MapKey {
        /// The map column.
        column: String,
        /// The key, `[A-Za-z0-9_.-]+`.
        key: String,
    },
}

impl ColumnRef {
    fn parse(text: &str, role: &str) -> Result<Self, MappingError> {
        if text.contains('|') {
            let choices = text
                .split('|')
                .map(|choice| Self::parse_one(choice.trim(), role))
                .collect::<Result<Vec<_>, _>>()?;
            return Ok(Self::First(choices));
        }
        Self::parse_one(text, role)
    }

    fn parse_one(text: &str, role: &str) -> Result<Self, MappingError> {
        if let Some(open) = text.find('[') {
            return Self::parse_map_key(text, open, role);
        }
        let parts: Vec<&str> = text.split("->").map(str::trim).collect();
        if parts.iter().any(|part| part.is_empty()) {
            return Err(MappingError(format!(
                "[source] {role} = {text:?} has an empty part"
            )));
        }
        match parts.as_slice() {
            [column] => Ok(Self::Plain((*column).to_owned())),
            [column, path @ ..] => {
                if let Some(bad) = path
                    .iter()
                    .find(|key| !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
                {
                    return Err(MappingError(format!(
                        "[source] {role}: the JSON key {bad:?} may only hold letters, digits and _"
                    )));
                }
                Ok(Self::Json {
                    column: (*column).to_owned(),
                    path: path.iter().map(|key| (*key).to_owned()).collect(),
                })
            }
            [] => Err(MappingError(format!("[source] {role} is empty"))),
        }
    }

    /// `column['key']`: a key of a map column, quoted with single quotes.
    fn parse_map_key(text: &str, open: usize, role: &str) -> Result<Self, MappingError> {
        let column = text[..open].trim();
        let key = text[open..]
            .strip_prefix("['")
            .and_then(|rest| rest.strip_suffix("']"));
        let key = match key {
            Some(key) if !column.is_empty() && !key.is_empty() => key,
            _ => {
                return Err(MappingError(format!(
                    "[source] {role} = {text:?} is not a map key; write column['key'], \
                     such as usage_details['input']"
                )))
            }
        };
        if !key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        {
            return Err(MappingError(format!(
                "[source] {role}: the map key {key:?} may only hold letters, digits, _, . and -"
            )));
        }
        Ok(Self::MapKey {
            column: column.to_owned(),
            key: key.to_owned(),
        })
    }

    /// True when the reference reads a key of a map column.
    #[must_use]
    pub fn reads_map(&self) -> bool {
        match self {
            Self::MapKey { .. } => true,
            Self::First(choices) => choices.iter().any(Self::reads_map),
            Self::Plain(_) | Self::Json { .. } => false,
        }
    }

    /// The columns the reference reads.
    #[must_use]
    pub fn columns(&self) -> Vec<&str> {
        match self {
            Self::Plain(column) | Self::Json { column, .. } | Self::MapKey { column, .. } => {
                vec![column]
            }
            Self::First(choices) => choices.iter().flat_map(Self::columns).collect(),
        }
    }
}

impl fmt::Display for ColumnRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Plain(column) => f.write_str(column),
            Self::Json { column, path } => write!(f, "{column}->{}", path.join("->")),
            Self::MapKey { column, key } => write!(f, "{column}['{key}']"),
            Self::First(choices) => {
                let texts: Vec<String> = choices.iter().map(ToString::to_string).collect();
                f.write_str(&texts.join(" | "))
            }
        }
    }
}

/// A table name, optionally with its schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableName {
    /// Schema, when given.
    pub schema: Option<String>,
    /// Table.
    pub name: String,
}

impl fmt::Display for TableName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.schema {
            Some(schema) => write!(f, "{schema}.{}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

/// How tokens are counted: apart, or only as a total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tokens {
    /// Input and output (and the cache kinds) apart.
    Split {
        /// Input tokens.
        input: ColumnRef,
        /// Output tokens.
        output: ColumnRef,
    },
    /// One total count: priced as input, marked estimated.
    Total(ColumnRef),
}

/// The roles, resolved from presets and keys (not yet checked against a database).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    /// The preset in use.
    pub preset: Preset,
    /// The table.
    pub table: TableName,
    /// Timestamp column.
    pub timestamp: String,
    /// How it is stored.
    pub timestamp_format: TimestampFormat,
    /// Model column, if any.
    pub model: Option<String>,
    /// The model of rows without one (and of every row without a model column).
    pub default_model: Option<String>,
    /// Token counts.
    pub tokens: Tokens,
    /// Cache reads.
    pub cache_read_tokens: Option<ColumnRef>,
    /// Cache writes.
    pub cache_write_tokens: Option<ColumnRef>,
    /// The part of the cache writes written for one hour.
    pub cache_write_1h_tokens: Option<ColumnRef>,
    /// Input tokens include cache reads and writes (subtracted).
    pub input_includes_cache: bool,
    /// Requests per row.
    pub requests: Option<String>,
    /// Stored cost.
    pub cost: Option<String>,
    /// User dimension.
    pub user: Option<String>,
    /// Endpoint dimension.
    pub endpoint: Option<String>,
    /// Project dimension.
    pub project: Option<String>,
    /// Session dimension.
    pub session: Option<String>,
    /// Source dimension (where an imported event came from).
    pub source: Option<String>,
    /// Extra predicate, checked to be one expression.
    pub filter: Option<String>,
    /// Read the table with `FINAL` (ClickHouse only).
    pub read_final: bool,
    /// The roles the config (or a flag) named itself, not the preset: a
    /// missing column is an error for these, and read as absent for the rest.
    pub explicit: Vec<&'static str>,
}

impl Mapping {
    /// The model's display name when no column holds one.
    #[must_use]
    pub fn fallback_model(&self) -> &str {
        self.default_model.as_deref().unwrap_or("(unknown)")
    }

    /// The token references that read a key of a map column.
    #[must_use]
    pub fn map_keys(&self) -> Vec<&ColumnRef> {
        let mut references: Vec<&ColumnRef> = match &self.tokens {
            Tokens::Split { input, output } => vec![input, output],
            Tokens::Total(total) => vec![total],
        };
        references.extend(self.cache_read_tokens.iter());
        references.extend(self.cache_write_tokens.iter());
        references.retain(|reference| reference.reads_map());
        references
    }
}

impl Default for Mapping {
    fn default() -> Self {
        Self::resolve(&SourceConfig::default()).unwrap_or_else(|_| unreachable_native())
    }
}

fn unreachable_native() -> Mapping {
    Mapping {
        preset: Preset::Native,
        table: TableName {
            schema: None,
            name: "usage_events".to_owned(),
        },
        timestamp: "ts".to_owned(),
        timestamp_format: TimestampFormat::Auto,
        model: Some("model".to_owned()),
        default_model: None,
        tokens: Tokens::Split {
            input: ColumnRef::Plain("input_tokens".to_owned()),
            output: ColumnRef::Plain("output_tokens".to_owned()),
        },
        cache_read_tokens: Some(ColumnRef::Plain("cache_read_tokens".to_owned())),
        cache_write_tokens: Some(ColumnRef::Plain("cache_write_tokens".to_owned())),
        cache_write_1h_tokens: Some(ColumnRef::Plain("cache_write_1h_tokens".to_owned())),
        input_includes_cache: false,
        requests: Some("requests".to_owned()),
        cost: None,
        user: Some("user_id".to_owned()),
        endpoint: Some("endpoint".to_owned()),
        project: Some("project".to_owned()),
        session: Some("session".to_owned()),
        source: Some("source".to_owned()),
        filter: None,
        read_final: false,
        explicit: Vec::new(),
    }
}

/// The `[source]` defaults of a preset.
#[must_use]
pub fn preset_defaults(preset: Preset) -> SourceConfig {
    let text = |value: &str| Some(value.to_owned());
    match preset {
        Preset::Native => SourceConfig {
            preset: Some(Preset::Native),
            table: text("usage_events"),
            timestamp: text("ts"),
            timestamp_format: Some(TimestampFormat::Auto),
            model: text("model"),
            default_model: None,
            total_tokens: None,
            input_tokens: text("input_tokens"),
            output_tokens: text("output_tokens"),
            cache_read_tokens: text("cache_read_tokens"),
            cache_write_tokens: text("cache_write_tokens"),
            // The imports' column (migration 0003); older tables of this
            // layout have none and price every write at `cache_write`.
            cache_write_1h_tokens: text("cache_write_1h_tokens"),
            input_includes_cache: Some(false),
            // Imported usage-report buckets stand for many requests
            // (migration 0004); older tables of this layout have no such
            // column and count one request per row.
            requests: text("requests"),
            cost: text(""),
            user: text("user_id"),
            endpoint: text("endpoint"),
            // Written by `usagetop import` (migration 0003); a table of this
            // layout without them simply has no such dimensions.
            project: text("project"),
            session: text("session"),
            source: text("source"),
            filter: text(""),
            read_final: Some(false),
        },
        Preset::Litellm => SourceConfig {
            preset: Some(Preset::Litellm),
            table: text("LiteLLM_SpendLogs"),
            timestamp: text("startTime"),
            timestamp_format: Some(TimestampFormat::Auto),
            model: text("model"),
            default_model: None,
            total_tokens: None,
            input_tokens: text("prompt_tokens"),
            output_tokens: text("completion_tokens"),
            cache_read_tokens: text(
                "metadata->usage_object->cache_read_input_tokens \
                 | metadata->usage_object->prompt_tokens_details->cached_tokens",
            ),
            cache_write_tokens: text("metadata->usage_object->cache_creation_input_tokens"),
            cache_write_1h_tokens: text(""),
            input_includes_cache: Some(true),
            requests: text(""),
            cost: text("spend"),
            user: text("user"),
            endpoint: text("call_type"),
            project: None,
            session: None,
            source: None,
            filter: text(""),
            read_final: Some(false),
        },
        Preset::LitellmDaily => SourceConfig {
            preset: Some(Preset::LitellmDaily),
            table: text("LiteLLM_DailyUserSpend"),
            timestamp: text("date"),
            timestamp_format: Some(TimestampFormat::Iso8601),
            model: text("model"),
            default_model: None,
            total_tokens: None,
            input_tokens: text("prompt_tokens"),
            output_tokens: text("completion_tokens"),
            cache_read_tokens: text("cache_read_input_tokens"),
            cache_write_tokens: text("cache_creation_input_tokens"),
            cache_write_1h_tokens: text(""),
            input_includes_cache: Some(true),
            requests: text("api_requests"),
            cost: text("spend"),
            user: text("user_id"),
            endpoint: text("endpoint"),
            project: None,
            session: None,
            source: None,
            filter: text(""),
            read_final: Some(false),
        },
        // Helicone's ClickHouse migrations: the table of
        // 20200101000041_request_response_replacing_merge_tree.sql with the
        // cache tokens of schema_43_cache_tokens.sql. Its `cost` is an
        // integer of nano-dollars, not dollars: tokens are priced instead.
        Preset::Helicone => SourceConfig {
            preset: Some(Preset::Helicone),
            table: text("request_response_rmt"),
            timestamp: text("request_created_at"),
            timestamp_format: Some(TimestampFormat::Auto),
            model: text("model"),
            default_model: None,
            total_tokens: None,
            input_tokens: text("prompt_tokens"),
            output_tokens: text("completion_tokens"),
            cache_read_tokens: text("prompt_cache_read_tokens"),
            cache_write_tokens: text("prompt_cache_write_tokens"),
            cache_write_1h_tokens: text(""),
            input_includes_cache: Some(true),
            requests: text(""),
            cost: text(""),
            user: text("user_id"),
            endpoint: text("provider"),
            project: None,
            session: None,
            source: None,
            filter: text(""),
            read_final: Some(false),
        },
        // Langfuse v3's ClickHouse migrations: `observations` of
        // packages/shared/clickhouse/migrations/unclustered/0002_observations.up.sql
        // (unchanged in the columns read here through migration 0034). Each
        // usage key is priced apart there, so `input` holds no cached
        // tokens; OpenAI's cached reads are `input_cached_tokens` (older
        // SDKs) or `input_cache_read`, Anthropic's `input_cache_read` and
        // `input_cache_creation` (or their API names). A `ReplacingMergeTree`
        // that keeps every version of an observation until merges: read FINAL.
        Preset::Langfuse => SourceConfig {
            preset: Some(Preset::Langfuse),
            table: text("observations"),
            timestamp: text("start_time"),
            timestamp_format: Some(TimestampFormat::Auto),
            model: text("provided_model_name"),
            default_model: None,
            total_tokens: None,
            input_tokens: text("usage_details['input']"),
            output_tokens: text("usage_details['output']"),
            cache_read_tokens: text(
                "usage_details['input_cache_read'] | usage_details['input_cached_tokens'] \
                 | usage_details['cache_read_input_tokens']",
            ),
            cache_write_tokens: text(
                "usage_details['input_cache_creation'] | usage_details['cache_creation_input_tokens']",
            ),
            cache_write_1h_tokens: text(""),
            input_includes_cache: Some(false),
            requests: text(""),
            cost: text("total_cost"),
            user: text(""),
            endpoint: text("name"),
            project: text("project_id"),
            session: None,
            source: None,
            filter: text("type = 'GENERATION' AND is_deleted = 0"),
            read_final: Some(true),
        },
    }
}

fn non_empty(value: Option<String>) -> Option<String> {
    value
        .map(|text| text.trim().to_owned())
        .filter(|text| !text.is_empty())
}

fn required(value: Option<String>, role: &str) -> Result<String, MappingError> {
    let what = if role == "table" {
        "a table"
    } else {
        "a column"
    };
    non_empty(value).ok_or_else(|| MappingError(format!("[source] {role} must name {what}")))
}

impl Mapping {
    /// Applies the preset's defaults, then the keys set.
    ///
    /// # Errors
    /// A required role left empty, a bad JSON path, a `where` that is not one expression.
    pub fn resolve(config: &SourceConfig) -> Result<Self, MappingError> {
        let preset = config.preset.unwrap_or(Preset::Native);
        let merged = preset_defaults(preset).overridden_by(config);
        let table_text = required(merged.table, "table")?;
        let table = match table_text.split_once('.') {
            Some((schema, name)) if !schema.is_empty() && !name.is_empty() && !name.contains('.') => {
                TableName { schema: Some(schema.to_owned()), name: name.to_owned() }
            }
            Some(_) => {
                return Err(MappingError(format!(
                    "[source] table = {table_text:?} is not a table name; write \"table\" or \"schema.table\""
                )))
            }
            None => TableName { schema: None, name: table_text },
        };
        let optional_ref =
            |value: Option<String>, role: &str| -> Result<Option<ColumnRef>, MappingError> {
                non_empty(value)
                    .map(|text| ColumnRef::parse(&text, role))
                    .transpose()
            };
        let filter = non_empty(merged.filter);
        if let Some(text) = &filter {
            check_filter(text)?;
        }
        let total = optional_ref(merged.total_tokens, "total_tokens")?;
        let split_named = config.input_tokens.is_some() || config.output_tokens.is_some();
        let tokens = match total {
            Some(total) if !split_named => Tokens::Total(total),
            _ => Tokens::Split {
                input: ColumnRef::parse(
                    &required(merged.input_tokens, "input_tokens")?,
                    "input_tokens",
                )?,
                output: ColumnRef::parse(
                    &required(merged.output_tokens, "output_tokens")?,
                    "output_tokens",
                )?,
            },
        };
        let no_cache_writes = non_empty(merged.cache_write_tokens.clone()).is_none();
        if no_cache_writes && non_empty(config.cache_write_1h_tokens.clone()).is_some() {
            return Err(MappingError(
                "[source] cache_write_1h_tokens names the part of the cache writes written for one hour: \
                 it needs cache_write_tokens, the column of all cache writes"
                    .to_owned(),
            ));
        }
        let mut explicit = Vec::new();
        for (role, named) in [
            ("table", config.table.is_some()),
            ("timestamp", config.timestamp.is_some()),
            ("model", config.model.is_some()),
            ("input_tokens", config.input_tokens.is_some()),
            ("output_tokens", config.output_tokens.is_some()),
            ("total_tokens", config.total_tokens.is_some()),
            ("cache_read_tokens", config.cache_read_tokens.is_some()),
            ("cache_write_tokens", config.cache_write_tokens.is_some()),
            (
                "cache_write_1h_tokens",
                config.cache_write_1h_tokens.is_some(),
            ),
            ("requests", config.requests.is_some()),
            ("cost", config.cost.is_some()),
            ("user", config.user.is_some()),
            ("endpoint", config.endpoint.is_some()),
            ("project", config.project.is_some()),
            ("session", config.session.is_some()),
            ("source", config.source.is_some()),
        ] {
            if named {
                explicit.push(role);
            }
        }
        Ok(Self {
            preset,
            table,
            timestamp: required(merged.timestamp, "timestamp")?,
            timestamp_format: merged.timestamp_format.unwrap_or_default(),
            model: non_empty(merged.model),
            default_model: non_empty(merged.default_model),
            tokens,
            cache_read_tokens: optional_ref(merged.cache_read_tokens, "cache_read_tokens")?,
            cache_write_tokens: optional_ref(merged.cache_write_tokens, "cache_write_tokens")?,
            // A part of the cache writes: none without them (a preset's
            // default left behind when `cache_write_tokens` is emptied).
            cache_write_1h_tokens: if no_cache_writes {
                None
            } else {
                optional_ref(merged.cache_write_1h_tokens, "cache_write_1h_tokens")?
            },
            input_includes_cache: merged.input_includes_cache.unwrap_or(false),
            requests: non_empty(merged.requests),
            cost: non_empty(merged.cost),
            user: non_empty(merged.user),
            endpoint: non_empty(merged.endpoint),
            project: non_empty(merged.project),
            session: non_empty(merged.session),
            source: non_empty(merged.source),
            filter,
            read_final: merged.read_final.unwrap_or(false),
            explicit,
        })
    }

    /// The column of a dimension other than the model, if the mapping has one.
    #[must_use]
    pub fn dimension(&self, dimension: crate::filter::Dimension) -> Option<&str> {
        use crate::filter::Dimension;
        match dimension {
            Dimension::Model => self.model.as_deref(),
            Dimension::Endpoint => self.endpoint.as_deref(),
            Dimension::User => self.user.as_deref(),
            Dimension::Project => self.project.as_deref(),
            Dimension::Session => self.session.as_deref(),
            Dimension::Source => self.source.as_deref(),
        }
    }

    /// The dimensions usage can be filtered and broken down by: the model
    /// always (a mapping without a model column has one model), the others
    /// where a column is mapped.
    #[must_use]
    pub fn dimensions(&self) -> Vec<crate::filter::Dimension> {
        crate::filter::Dimension::ALL
            .into_iter()
            .filter(|dimension| {
                *dimension == crate::filter::Dimension::Model
                    || self.dimension(*dimension).is_some()
            })
            .collect()
    }

    /// True when the config named `role` itself.
    #[must_use]
    pub fn is_explicit(&self, role: &str) -> bool {
        self.explicit.contains(&role)
    }
}

/// Checks that a `where` predicate is one expression under every engine's
/// reading of quotes and comments (see `store::condition`).
///
/// # Errors
/// What is wrong with it.
pub fn check_filter(text: &str) -> Result<(), MappingError> {
    super::condition::check(text).map_err(|why| {
        MappingError(format!(
            "[source] where = {:?} {why}; give a single SQL condition such as \"status = 'success'\"",
            crate::text::sanitize(text, 200)
        ))
    })
}

pub use super::catalog::{check, CheckedMapping, ColumnKind, TimeKind, MILLIS_THRESHOLD};

/// What to say about the tables of a database whose mapped table is
/// missing: the ones that match it but for case or schema, else the tables
/// found (names sanitized: they come from the database).
#[must_use]
pub fn likely_tables(wanted: &TableName, tables: &[TableName]) -> String {
    let shown = |table: &TableName| crate::text::sanitize(&table.to_string(), 80);
    let likely: Vec<String> = tables
        .iter()
        .filter(|table| {
            table.name.eq_ignore_ascii_case(&wanted.name)
                && match (&wanted.schema, &table.schema) {
                    (Some(want), Some(have)) => want.eq_ignore_ascii_case(have),
                    _ => true,
                }
        })
        .map(|table| format!("{:?}", shown(table)))
        .collect();
    if !likely.is_empty() {
        return format!(
            "; names are case-sensitive and may need their schema: did you mean table = {}?",
            likely.join(" or ")
        );
    }
    let mut found: Vec<String> = tables.iter().take(30).map(shown).collect();
    if tables.len() > found.len() {
        found.push(format!("and {} more", tables.len() - found.len()));
    }
    if found.is_empty() {
        " (no tables found)".to_owned()
    } else {
        format!(" (tables found: {})", found.join(", "))
    }
}
