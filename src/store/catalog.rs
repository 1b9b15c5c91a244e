//! Checking a mapping against the database's catalog: what each column
//! holds, whether it can serve its role, and how timestamps are stored.
//! Pure: the stores fetch the catalog and hand it in.

use super::mapping::{ColumnRef, Mapping, MappingError, TimestampFormat};

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
    /// The roles.
    pub mapping: Mapping,
    /// How to read the timestamp.
    pub time: TimeKind,
}

/// Checks every role against `columns` (name, kind) of the mapped table.
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
            "there is no table {table} (or it is not readable); set [source] table (or --table) to the table that holds your usage"
        )));
    }
    let listing = || {
        columns
            .iter()
            .map(|(name, kind)| format!("{name} ({})", kind.describe()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let find = |column: &str, role: &str| -> Result<&ColumnKind, MappingError> {
        columns
            .iter()
            .find(|(name, _)| name == column)
            .map(|(_, kind)| kind)
            .ok_or_else(|| {
                MappingError(format!(
                "table {table} has no column {column:?} for [source] {role}; its columns are: {}",
                listing()
            ))
            })
    };
    let wrong = |column: &str, role: &str, kind: &ColumnKind, needs: &str| {
        MappingError(format!(
            "column {column:?} of table {table} is {} and cannot serve as [source] {role}: it needs {needs}",
            kind.describe()
        ))
    };
    let numeric = |reference: &ColumnRef, role: &str| -> Result<(), MappingError> {
        let kind = find(reference.column(), role)?;
        match (reference, kind) {
            (
                ColumnRef::Plain(_),
                ColumnKind::Integer | ColumnKind::Fractional | ColumnKind::Any,
            )
            | (ColumnRef::Json { .. }, ColumnKind::Json | ColumnKind::Text | ColumnKind::Any) => {
                Ok(())
            }
            (ColumnRef::Plain(column), kind) => Err(wrong(column, role, kind, "a numeric column")),
            (ColumnRef::Json { column, .. }, kind) => {
                Err(wrong(column, role, kind, "a JSON column"))
            }
        }
    };
    numeric(&mapping.input_tokens, "input_tokens")?;
    numeric(&mapping.output_tokens, "output_tokens")?;
    for (reference, role) in [
        (&mapping.cache_read_tokens, "cache_read_tokens"),
        (&mapping.cache_write_tokens, "cache_write_tokens"),
    ] {
        if let Some(reference) = reference {
            numeric(reference, role)?;
        }
    }
    if let Some(column) = &mapping.requests {
        numeric(&ColumnRef::Plain(column.clone()), "requests")?;
    }
    if let Some(column) = &mapping.cost {
        numeric(&ColumnRef::Plain(column.clone()), "cost")?;
    }
    for (column, role) in [
        (Some(&mapping.model), "model"),
        (mapping.user.as_ref(), "user"),
        (mapping.endpoint.as_ref(), "endpoint"),
    ] {
        if let Some(column) = column {
            let kind = find(column, role)?;
            if matches!(kind, ColumnKind::Json | ColumnKind::Other(_)) {
                return Err(wrong(column, role, kind, "a text column"));
            }
        }
    }
    let kind = find(&mapping.timestamp, "timestamp")?;
    let time = time_kind(mapping, kind).ok_or_else(|| {
        wrong(
            &mapping.timestamp,
            &format!(
                "timestamp (timestamp_format = {:?})",
                mapping.timestamp_format
            ),
            kind,
            "integer unix seconds or milliseconds, ISO-8601 text, a date or a timestamp",
        )
    })?;
    Ok(CheckedMapping {
        mapping: mapping.clone(),
        time,
    })
}

fn time_kind(mapping: &Mapping, kind: &ColumnKind) -> Option<TimeKind> {
    use TimestampFormat as F;
    let integer = matches!(kind, ColumnKind::Integer | ColumnKind::Any);
    let text = matches!(kind, ColumnKind::Text | ColumnKind::Any);
    Some(match (mapping.timestamp_format, kind) {
        (F::UnixS, _) if integer => TimeKind::UnixSeconds,
        (F::UnixMs, _) if integer => TimeKind::UnixMillis,
        (F::Iso8601, _) if text => TimeKind::IsoUnknown,
        (F::Auto | F::Native, ColumnKind::Date) => TimeKind::Date,
        (F::Auto | F::Native, ColumnKind::Timestamp) => TimeKind::Timestamp,
        (F::Auto | F::Native, ColumnKind::TimestampTz) => TimeKind::TimestampTz,
        (F::Native, ColumnKind::Integer | ColumnKind::Any) => TimeKind::UnixSeconds,
        (F::Auto, ColumnKind::Integer | ColumnKind::Any) => TimeKind::UnixUnknown,
        (F::Auto, ColumnKind::Text) => TimeKind::IsoUnknown,
        _ => return None,
    })
}

/// Integers above this are milliseconds (1e11 seconds is the year 5138).
pub const MILLIS_THRESHOLD: i64 = 100_000_000_000;
