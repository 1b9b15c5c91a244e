//! Checking a mapping against the database's catalog: what each column
//! holds, whether it can serve its role, and how timestamps are stored.
//! Pure: the stores fetch the catalog and hand it in.

use super::mapping::{ColumnRef, Mapping, MappingError, Preset, TimestampFormat, Tokens};

/// What a catalog says a column holds, simplified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnKind {
    /// Whole numbers.
    Integer,
    /// Fractional numbers (numeric, decimal, real, double).
    Fractional,
    /// Text.
    Text,
    /// A date.
    Date,
    /// A timestamp without zone (taken as UTC).
    Timestamp,
    /// A timestamp with zone.
    TimestampTz,
    /// JSON or JSONB.
    Json,
    /// SQLite's untyped column: anything.
    Any,
    /// Something else (the catalog's name).
    Other(String),
}

impl ColumnKind {
    /// Classifies a PostgreSQL `information_schema.columns.data_type`.
    #[must_use]
    pub fn from_postgres(data_type: &str) -> Self {
        match data_type {
            "smallint" | "integer" | "bigint" => Self::Integer,
            "numeric" | "real" | "double precision" | "money" => Self::Fractional,
            "text" | "character varying" | "character" | "name" | "citext" | "USER-DEFINED" => {
                Self::Text
            }
            "date" => Self::Date,
            "timestamp without time zone" => Self::Timestamp,
            "timestamp with time zone" => Self::TimestampTz,
            "json" | "jsonb" => Self::Json,
            other => Self::Other(other.to_owned()),
        }
    }

    /// Classifies a SQLite declared type by its affinity rules.
    #[must_use]
    pub fn from_sqlite(declared: &str) -> Self {
        let upper = declared.to_ascii_uppercase();
        if upper.is_empty() {
            Self::Any
        } else if upper.contains("INT") {
            Self::Integer
        } else if upper.contains("CHAR")
            || upper.contains("CLOB")
            || upper.contains("TEXT")
            || upper.contains("JSON")
        {
            Self::Text
        } else if upper.contains("REAL") || upper.contains("FLOA") || upper.contains("DOUB") {
            Self::Fractional
        } else if upper.contains("DATETIME") || upper.contains("TIMESTAMP") || upper == "DATE" {
            Self::Text
        } else {
            // NUMERIC affinity: numbers, or text that does not look like one.
            Self::Any
        }
    }

    fn describe(&self) -> String {
        match self {
            Self::Integer => "integer".to_owned(),
            Self::Fractional => "fractional number".to_owned(),
            Self::Text => "text".to_owned(),
            Self::Date => "date".to_owned(),
            Self::Timestamp => "timestamp".to_owned(),
            Self::TimestampTz => "timestamptz".to_owned(),
            Self::Json => "json".to_owned(),
            Self::Any => "untyped".to_owned(),
            Self::Other(name) => name.clone(),
        }
    }
}

/// How the timestamp column turns into instants or days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeKind {
    /// Integer unix seconds.
    UnixSeconds,
    /// Integer unix milliseconds.
    UnixMillis,
    /// Integer: seconds or milliseconds, to be decided from the data.
    UnixUnknown,
    /// ISO-8601 text with a time (no zone suffix: UTC).
    IsoText,
    /// ISO-8601 text: a date or a timestamp, to be decided from the data.
    IsoUnknown,
    /// `YYYY-MM-DD` text: a UTC day.
    DateText,
    /// Timestamp without zone, values in UTC.
    Timestamp,
    /// Timestamp with zone.
    TimestampTz,
    /// A date type: a UTC day.
    Date,
}

impl TimeKind {
    /// True when the source only knows days (UTC days), not instants.
    #[must_use]
    pub fn is_daily(self) -> bool {
        matches!(self, Self::DateText | Self::Date)
    }
}

/// A mapping checked against a table's columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedMapping {
    /// The roles, without the optional ones whose column is missing.
    pub mapping: Mapping,
    /// How to read the timestamp.
    pub time: TimeKind,
    /// The kinds of the columns the roles read.
    pub kinds: Vec<(String, ColumnKind)>,
    /// What people should know about the check (optional columns missing).
    pub notes: Vec<String>,
}

impl CheckedMapping {
    /// What a store tells its callers about this source once prepared.
    #[must_use]
    pub fn source_info(&self) -> super::SourceInfo {
        super::SourceInfo {
            daily_utc: self.time.is_daily(),
            stored_cost: self.mapping.cost.is_some(),
            unix_seconds: self.time == TimeKind::UnixSeconds,
            notes: self.notes.clone(),
            dimensions: self.mapping.dimensions(),
        }
    }
}

impl CheckedMapping {
    /// The kind of `column`, if the table has it.
    #[must_use]
    pub fn kind(&self, column: &str) -> Option<&ColumnKind> {
        self.kinds
            .iter()
            .find(|(name, _)| name == column)
            .map(|(_, kind)| kind)
    }
}

/// Checks every role against `columns` (name, kind) of the mapped table. An
/// optional role the preset filled in and the table lacks (an older version
/// of a gateway) is read as absent, with a note; a column the config named
/// itself must exist.
///
/// # Errors
/// A missing table or column, or a column of a kind that cannot serve its role.
pub fn check(
    mapping: &Mapping,
    columns: &[(String, ColumnKind)],
) -> Result<CheckedMapping, MappingError> {
    let table = &mapping.table;
    if columns.is_empty() {
        return Err(MappingError(format!(
            "there is no table {} (or it is not readable); set [source] table (or --table) to the table that holds your usage",
            crate::text::sanitize(&table.to_string(), 80)
        )));
    }
    let listing = || {
        columns
            .iter()
            .map(|(name, kind)| {
                format!("{} ({})", crate::text::sanitize(name, 60), kind.describe())
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let shown_table = crate::text::sanitize(&table.to_string(), 80);
    let lookup = |column: &str| {
        columns
            .iter()
            .find(|(name, _)| name == column)
            .map(|(_, kind)| kind)
    };
    let missing = |column: &str, role: &str| {
        MappingError(format!(
            "table {shown_table} has no column {:?} for [source] {role}; its columns are: {}",
            crate::text::sanitize(column, 60),
            listing()
        ))
    };
    let find = |column: &str, role: &str| -> Result<&ColumnKind, MappingError> {
        lookup(column).ok_or_else(|| missing(column, role))
    };
    let wrong = |column: &str, role: &str, kind: &ColumnKind, needs: &str| {
        MappingError(format!(
            "column {:?} of table {shown_table} is {} and cannot serve as [source] {role}: it needs {needs}",
            crate::text::sanitize(column, 60),
            kind.describe()
        ))
    };
    let numeric = |reference: &ColumnRef, role: &str| -> Result<(), MappingError> {
        match reference {
            ColumnRef::First(choices) => choices
                .iter()
                .try_for_each(|choice| numeric_one(choice, role, &find, &wrong)),
            _ => numeric_one(reference, role, &find, &wrong),
        }
    };
    let mut checked = mapping.clone();
    let mut notes = Vec::new();
    // Optional roles the preset filled in: absent when the table lacks them.
    let mut absent = |role: &'static str, columns_of: Vec<&str>| -> bool {
        let gone: Vec<&str> = columns_of
            .into_iter()
            .filter(|column| lookup(column).is_none())
            .collect();
        if gone.is_empty() || mapping.is_explicit(role) {
            return false;
        }
        // usagetop's own layout before migration 0004 (and its PostgreSQL,
        // MySQL and ClickHouse tables): one request per row, nothing to say;
        // before migration 0003 no 1-hour cache writes, nothing to say either.
        if matches!(role, "requests" | "cache_write_1h_tokens") && mapping.preset == Preset::Native
        {
            return true;
        }
        notes.push(format!(
            "table {shown_table} has no column {} for {role} (an older version of its schema?): read as absent",
            gone.iter()
                .map(|column| format!("{:?}", crate::text::sanitize(column, 60)))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        true
    };
    if checked
        .cache_read_tokens
        .as_ref()
        .is_some_and(|reference| absent("cache_read_tokens", reference.columns()))
    {
        checked.cache_read_tokens = None;
    }
    if checked
        .cache_write_tokens
        .as_ref()
        .is_some_and(|reference| absent("cache_write_tokens", reference.columns()))
    {
        checked.cache_write_tokens = None;
    }
    if checked
        .cache_write_1h_tokens
        .as_ref()
        .is_some_and(|reference| absent("cache_write_1h_tokens", reference.columns()))
    {
        checked.cache_write_1h_tokens = None;
    }
    if checked.cache_write_tokens.is_none() {
        // A part of the cache writes, without them: nothing to price apart.
        checked.cache_write_1h_tokens = None;
    }
    if checked
        .requests
        .as_deref()
        .is_some_and(|column| absent("requests", vec![column]))
    {
        checked.requests = None;
    }
    if checked
        .user
        .as_deref()
        .is_some_and(|column| absent("user", vec![column]))
    {
        checked.user = None;
    }
    if checked
        .endpoint
        .as_deref()
        .is_some_and(|column| absent("endpoint", vec![column]))
    {
        checked.endpoint = None;
    }
    // The import's columns (migration 0003): usagetop's own tables on the
    // servers, and its SQLite files of before, have none; nothing to say.
    for role in ["project", "session", "source"] {
        let slot = match role {
            "project" => &mut checked.project,
            "session" => &mut checked.session,
            _ => &mut checked.source,
        };
        if let Some(column) = slot.as_deref() {
            let missing = lookup(column).is_none();
            if missing && !mapping.is_explicit(role) {
                *slot = None;
            }
        }
    }
    match &checked.tokens {
        Tokens::Split { input, output } => {
            numeric(input, "input_tokens")?;
            numeric(output, "output_tokens")?;
        }
        Tokens::Total(total) => numeric(total, "total_tokens")?,
    }
    for (reference, role) in [
        (&checked.cache_read_tokens, "cache_read_tokens"),
        (&checked.cache_write_tokens, "cache_write_tokens"),
        (&checked.cache_write_1h_tokens, "cache_write_1h_tokens"),
    ] {
        if let Some(reference) = reference {
            numeric(reference, role)?;
        }
    }
    if let Some(column) = checked.requests.clone() {
        let checked_requests = numeric(&ColumnRef::Plain(column), "requests");
        if checked_requests.is_err()
            && checked.preset == Preset::Native
            && !mapping.is_explicit("requests")
        {
            // A column of that name in a table of one's own that is not a count.
            checked.requests = None;
        } else {
            checked_requests?;
        }
    }
    if let Some(column) = &checked.cost {
        numeric(&ColumnRef::Plain(column.clone()), "cost")?;
    }
    // Names of any type but JSON are read as text (uuid, integer, enum ids).
    for (column, role) in [
        (checked.model.as_ref(), "model"),
        (checked.user.as_ref(), "user"),
        (checked.endpoint.as_ref(), "endpoint"),
        (checked.project.as_ref(), "project"),
        (checked.session.as_ref(), "session"),
        (checked.source.as_ref(), "source"),
    ] {
        if let Some(column) = column {
            let kind = find(column, role)?;
            if matches!(kind, ColumnKind::Json) {
                return Err(wrong(
                    column,
                    role,
                    kind,
                    "a text column (or any type read as text)",
                ));
            }
        }
    }
    let kind = find(&checked.timestamp, "timestamp")?;
    let time = time_kind(&checked, kind).ok_or_else(|| {
        wrong(
            &checked.timestamp,
            &format!(
                "timestamp (timestamp_format = {:?})",
                checked.timestamp_format
            ),
            kind,
            "integer unix seconds or milliseconds, ISO-8601 text, a date or a timestamp",
        )
    })?;
    Ok(CheckedMapping {
        mapping: checked,
        time,
        kinds: columns.to_vec(),
        notes,
    })
}

/// Checks one column reference that must hold numbers.
fn numeric_one<'c>(
    reference: &ColumnRef,
    role: &str,
    find: &dyn Fn(&str, &str) -> Result<&'c ColumnKind, MappingError>,
    wrong: &dyn Fn(&str, &str, &ColumnKind, &str) -> MappingError,
) -> Result<(), MappingError> {
    match reference {
        ColumnRef::Plain(column) => match find(column, role)? {
            ColumnKind::Integer | ColumnKind::Fractional | ColumnKind::Any => Ok(()),
            kind => Err(wrong(column, role, kind, "a numeric column")),
        },
        ColumnRef::Json { column, .. } => match find(column, role)? {
            ColumnKind::Json | ColumnKind::Text | ColumnKind::Any => Ok(()),
            kind => Err(wrong(column, role, kind, "a JSON column")),
        },
        ColumnRef::MapKey { column, .. } => match find(column, role)? {
            kind if map_value_type(kind).is_some() => Ok(()),
            kind => Err(wrong(
                column,
                role,
                kind,
                "a Map column (ClickHouse 21.8 or later) to read a key of",
            )),
        },
        ColumnRef::First(choices) => choices
            .iter()
            .try_for_each(|choice| numeric_one(choice, role, find, wrong)),
    }
}

/// The value type of a map column's type (`Map(K, V)`: `V`), if it is one.
#[must_use]
pub fn map_value_type(kind: &ColumnKind) -> Option<&str> {
    let ColumnKind::Other(text) = kind else {
        return None;
    };
    let inner = text.trim().strip_prefix("Map(")?.strip_suffix(')')?;
    // The comma after the key type, outside its parentheses.
    let mut depth = 0_i32;
    let comma = inner.char_indices().find_map(|(index, c)| {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => return Some(index),
            _ => {}
        }
        None
    })?;
    Some(inner[comma + 1..].trim())
}

fn time_kind(mapping: &Mapping, kind: &ColumnKind) -> Option<TimeKind> {
    use TimestampFormat as F;
    // Fractional seconds (Python's `time.time()`) are seconds.
    let integer = matches!(
        kind,
        ColumnKind::Integer | ColumnKind::Any | ColumnKind::Fractional
    );
    let text = matches!(kind, ColumnKind::Text | ColumnKind::Any);
    Some(match (mapping.timestamp_format, kind) {
        (F::UnixS, _) if integer => TimeKind::UnixSeconds,
        (F::UnixMs, _) if integer => TimeKind::UnixMillis,
        (F::Iso8601, _) if text => TimeKind::IsoUnknown,
        (F::Auto | F::Native, ColumnKind::Date) => TimeKind::Date,
        (F::Auto | F::Native, ColumnKind::Timestamp) => TimeKind::Timestamp,
        (F::Auto | F::Native, ColumnKind::TimestampTz) => TimeKind::TimestampTz,
        (F::Native, ColumnKind::Integer | ColumnKind::Any | ColumnKind::Fractional) => {
            TimeKind::UnixSeconds
        }
        (F::Auto, ColumnKind::Integer | ColumnKind::Any | ColumnKind::Fractional) => {
            TimeKind::UnixUnknown
        }
        (F::Auto, ColumnKind::Text) => TimeKind::IsoUnknown,
        _ => return None,
    })
}

/// Integers above this are milliseconds (1e11 seconds is the year 5138).
pub const MILLIS_THRESHOLD: i64 = 100_000_000_000;
