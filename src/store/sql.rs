//! The one SQL builder: turns a checked mapping into the grouped queries of
//! both backends. Every identifier is quoted; every value is a bound
//! parameter or an integer computed here; the user's `where` (checked to be
//! one expression) is the only text copied in, and only stores running
//! read-only sessions execute it.

use super::mapping::{CheckedMapping, ColumnRef, TimeKind};
use super::SecondsRange;
use crate::filter::{self, Dimension, Filter};
use crate::period::Calendar;

/// The SQL flavour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite: `?` placeholders.
    Sqlite,
    /// PostgreSQL: `$n` placeholders.
    Postgres,
}

/// Seconds added (as milliseconds) before turning milliseconds into seconds.
const FLOOR_SHIFT_MILLIS_S: i64 = 100_000_000_000;
/// The same shift in milliseconds.
const FLOOR_SHIFT_MILLIS: i64 = FLOOR_SHIFT_MILLIS_S * 1000;

mod days;
mod probes;
mod rollup;
pub mod text_time;

pub use rollup::{RollupStatements, Scan, SCAN_END_SECONDS};

use days::day_bounds;
pub use days::local_day_by_offsets;

/// Per-row expressions of the measures, before summing.
struct RowMeasures {
    /// Requests of a row, when a column holds them (otherwise each row is one).
    requests: Option<String>,
    /// Input, output, cache-read and cache-write tokens.
    tokens: [String; 4],
    /// Stored cost in nano-dollars, when a column holds it.
    cost: Option<String>,
}

/// A value to bind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bind {
    /// An integer.
    Int(i64),
    /// Text.
    Text(String),
}

/// A statement and its parameters, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Statement {
    /// The SQL.
    pub sql: String,
    /// The parameters.
    pub binds: Vec<Bind>,
}

/// `"name"` with inner quotes doubled.
#[must_use]
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A text literal (for values computed by usagetop only, such as zone names).
fn quote_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// Builds the queries of one checked mapping.
#[derive(Debug, Clone)]
pub struct SqlBuilder {
    dialect: Dialect,
    checked: CheckedMapping,
    /// Token sums are returned in wide form (see [`crate::store::wide`]):
    /// set for the rest of the session once a 64-bit sum has overflowed.
    wide: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl SqlBuilder {
    /// A builder for `checked` in `dialect`.
    #[must_use]
    pub fn new(dialect: Dialect, checked: CheckedMapping) -> Self {
        Self {
            dialect,
            checked,
            wide: std::sync::Arc::default(),
        }
    }

    /// After `error`, whether to ask again with wide token sums: true (and
    /// wide from now on) when a 64-bit sum overflowed and sums were narrow.
    #[must_use]
    pub fn widen_after(&self, error: &sqlx::Error) -> bool {
        crate::store::wide::is_overflow(error)
            && !self.wide.swap(true, std::sync::atomic::Ordering::SeqCst)
    }

    /// The checked mapping.
    #[must_use]
    pub fn checked(&self) -> &CheckedMapping {
        &self.checked
    }

    /// The quoted table.
    #[must_use]
    pub fn table(&self) -> String {
        let table = &self.checked.mapping.table;
        match &table.schema {
            Some(schema) => format!("{}.{}", quote_ident(schema), quote_ident(&table.name)),
            None => quote_ident(&table.name),
        }
    }

    fn column(&self, name: &str) -> String {
        quote_ident(name)
    }

    fn placeholder(&self, index: usize) -> String {
        match self.dialect {
            Dialect::Sqlite => "?".to_owned(),
            Dialect::Postgres => format!("${index}"),
        }
    }

    /// A token count: a column, or a number inside a JSON column; NULL counts as 0.
    fn number(&self, reference: &ColumnRef) -> String {
        match (reference, self.dialect) {
            (ColumnRef::Plain(column), _) => format!("COALESCE({}, 0)", self.column(column)),
            (ColumnRef::Json { column, path }, Dialect::Sqlite) => format!(
                "COALESCE(CAST(json_extract({}, {}) AS INTEGER), 0)",
                self.column(column),
                quote_literal(&format!("$.{}", path.join(".")))
            ),
            (ColumnRef::Json { column, path }, Dialect::Postgres) => {
                let (last, parents) = path
                    .split_last()
                    .map_or((String::new(), &[][..]), |(last, rest)| {
                        (last.clone(), rest)
                    });
                let mut expression = format!("{}::jsonb", self.column(column));
                for key in parents {
                    expression = format!("{expression} -> {}", quote_literal(key));
                }
                format!(
                    "COALESCE(({expression} ->> {})::numeric::bigint, 0)",
                    quote_literal(&last)
                )
            }
        }
    }

    fn sum(&self, expression: &str) -> String {
        match self.dialect {
            Dialect::Sqlite => format!("CAST(COALESCE(SUM({expression}), 0) AS INTEGER)"),
            Dialect::Postgres => format!("COALESCE(SUM({expression}), 0)::bigint"),
        }
    }

    /// A token sum: 64-bit, or in wide form once one has overflowed.
    fn token_sum(&self, expression: &str) -> String {
        if !self.wide.load(std::sync::atomic::Ordering::SeqCst) {
            return self.sum(expression);
        }
        match self.dialect {
            Dialect::Sqlite => format!(
                "(CAST(COALESCE(SUM(CAST(({expression}) AS INTEGER) >> 32), 0) AS TEXT) || ':' || \
                  CAST(COALESCE(SUM(CAST(({expression}) AS INTEGER) & 4294967295), 0) AS TEXT))"
            ),
            Dialect::Postgres => format!("COALESCE(SUM({expression}), 0)::text"),
        }
    }

    /// The per-row values behind the measures.
    fn row_measures(&self) -> RowMeasures {
        let mapping = &self.checked.mapping;
        let cache_read = mapping
            .cache_read_tokens
            .as_ref()
            .map_or_else(|| "0".to_owned(), |c| self.number(c));
        let cache_write = mapping
            .cache_write_tokens
            .as_ref()
            .map_or_else(|| "0".to_owned(), |c| self.number(c));
        let input = if mapping.input_includes_cache {
            format!(
                "({} - {cache_read} - {cache_write})",
                self.number(&mapping.input_tokens)
            )
        } else {
            self.number(&mapping.input_tokens)
        };
        // Stored cost in nano-dollars, rounded half away from zero with the
        // same double (or numeric) arithmetic on both engines, so they agree
        // to the nano-dollar (PostgreSQL's round(float8) rounds half to even).
        let cost = mapping.cost.as_ref().map(|column| {
            let nanos = format!("(COALESCE({}, 0) * 1000000000)", self.column(column));
            match self.dialect {
                Dialect::Sqlite => format!(
                    "CASE WHEN {nanos} < 0 THEN -CAST(0.5 - {nanos} AS INTEGER) \
                     ELSE CAST({nanos} + 0.5 AS INTEGER) END"
                ),
                Dialect::Postgres => format!(
                    "CASE WHEN {nanos} < 0 THEN -FLOOR(0.5 - {nanos}) ELSE FLOOR({nanos} + 0.5) END"
                ),
            }
        });
        RowMeasures {
            requests: mapping
                .requests
                .as_ref()
                .map(|column| format!("COALESCE({}, 0)", self.column(column))),
            tokens: [
                input,
                self.number(&mapping.output_tokens),
                cache_read,
                cache_write,
            ],
            cost,
        }
    }

    /// `requests, input, output, cache_read, cache_write, stored cost in
    /// nano-dollars`, summed; with `skip`, rows for which it holds count as 0.
    fn summed_measures(&self, skip: Option<&str>) -> Vec<String> {
        let parts = self.row_measures();
        let guard = |value: &str| match skip {
            Some(test) => format!("CASE WHEN {test} THEN 0 ELSE {value} END"),
            None => value.to_owned(),
        };
        let requests = match (&parts.requests, skip) {
            (Some(value), _) => self.sum(&guard(value)),
            (None, Some(_)) => self.sum(&guard("1")),
            (None, None) => match self.dialect {
                Dialect::Sqlite => "COUNT(*)".to_owned(),
                Dialect::Postgres => "COUNT(*)::bigint".to_owned(),
            },
        };
        let cost = match (&parts.cost, self.dialect) {
            (Some(value), Dialect::Sqlite) => format!("CAST(SUM({}) AS INTEGER)", guard(value)),
            (Some(value), Dialect::Postgres) => format!("SUM({})::bigint", guard(value)),
            (None, Dialect::Sqlite) => "NULL".to_owned(),
            (None, Dialect::Postgres) => "NULL::bigint".to_owned(),
        };
        let mut list = vec![requests];
        list.extend(
            parts
                .tokens
                .iter()
                .map(|value| self.token_sum(&guard(value))),
        );
        list.push(cost);
        list
    }

    /// `requests, input, output, cache_read, cache_write, stored cost in nano-dollars`.
    fn measures(&self) -> String {
        self.summed_measures(None).join(", ")
    }

    fn model(&self) -> String {
        let model = self.column(&self.checked.mapping.model);
        match self.dialect {
            Dialect::Sqlite => format!("COALESCE(CAST({model} AS TEXT), '(unknown)')"),
            Dialect::Postgres => format!("COALESCE({model}::text, '(unknown)')"),
        }
    }

    /// Unix seconds of the timestamp (instant sources only), floored as
    /// SQLite's `strftime('%s')` does, never rounded up into the next second.
    fn seconds(&self) -> String {
        self.seconds_of(&self.column(&self.checked.mapping.timestamp))
    }

    /// Unix seconds of `ts`, an expression of the timestamp column's type.
    fn seconds_of(&self, ts: &str) -> String {
        match (self.checked.time, self.dialect) {
            (TimeKind::UnixSeconds | TimeKind::UnixUnknown, _) => ts.to_owned(),
            (TimeKind::UnixMillis, Dialect::Sqlite) => {
                format!("(({ts} + {FLOOR_SHIFT_MILLIS}) / 1000 - {FLOOR_SHIFT_MILLIS_S})")
            }
            (TimeKind::UnixMillis, Dialect::Postgres) => {
                format!("(({ts} + {FLOOR_SHIFT_MILLIS}) / 1000 - {FLOOR_SHIFT_MILLIS_S})::bigint")
            }
            (TimeKind::IsoText | TimeKind::IsoUnknown | TimeKind::DateText, Dialect::Sqlite) => {
                text_time::sqlite_seconds(ts)
            }
            (TimeKind::IsoText | TimeKind::IsoUnknown | TimeKind::DateText, Dialect::Postgres) => {
                text_time::iso_seconds(ts)
            }
            (TimeKind::Timestamp, _) => {
                format!("FLOOR(EXTRACT(EPOCH FROM ({ts} AT TIME ZONE 'UTC')))::bigint")
            }
            (TimeKind::TimestampTz, _) => format!("FLOOR(EXTRACT(EPOCH FROM {ts}))::bigint"),
            (TimeKind::Date, Dialect::Sqlite) => format!("CAST(strftime('%s', {ts}) AS INTEGER)"),
            (TimeKind::Date, Dialect::Postgres) => {
                format!("(({ts} - DATE '1970-01-01') * 86400)::bigint")
            }
        }
    }

    /// The local day number of a row (days since 1970-01-01 in `calendar`'s
    /// zone; for daily sources the stored UTC day itself).
    fn day(&self, calendar: &Calendar, range: SecondsRange) -> String {
        let ts = self.column(&self.checked.mapping.timestamp);
        let zone = quote_literal(calendar.tz().name());
        match (self.checked.time, self.dialect) {
            (TimeKind::DateText | TimeKind::Date, Dialect::Sqlite) => {
                format!("CAST(julianday(substr({ts}, 1, 10)) - 2440587.5 AS INTEGER)")
            }
            (TimeKind::DateText, Dialect::Postgres) => text_time::date_days(&ts),
            (TimeKind::Date, Dialect::Postgres) => format!("({ts} - DATE '1970-01-01')::bigint"),
            (TimeKind::TimestampTz, Dialect::Postgres) => {
                format!("(({ts} AT TIME ZONE {zone})::date - DATE '1970-01-01')::bigint")
            }
            (TimeKind::Timestamp, Dialect::Postgres) => {
                format!("((({ts} AT TIME ZONE 'UTC') AT TIME ZONE {zone})::date - DATE '1970-01-01')::bigint")
            }
            (_, Dialect::Postgres) => {
                format!(
                    "((to_timestamp({}) AT TIME ZONE {zone})::date - DATE '1970-01-01')::bigint",
                    self.seconds()
                )
            }
            (_, Dialect::Sqlite) => local_day_by_offsets(&self.seconds(), calendar, range),
        }
    }

    /// The range predicate and its binds, numbered from `first`.
    fn range(&self, range: SecondsRange, calendar: &Calendar, first: usize) -> (String, Vec<Bind>) {
        let ts = self.column(&self.checked.mapping.timestamp);
        let (p1, p2) = (self.placeholder(first), self.placeholder(first + 1));
        let ints = |start: i64, end: i64| vec![Bind::Int(start), Bind::Int(end)];
        match (self.checked.time, self.dialect) {
            (TimeKind::UnixSeconds | TimeKind::UnixUnknown, _) => {
                (format!("{ts} >= {p1} AND {ts} < {p2}"), ints(range.start, range.end))
            }
            (TimeKind::UnixMillis, _) => (
                format!("{ts} >= {p1} AND {ts} < {p2}"),
                ints(range.start.saturating_mul(1000), range.end.saturating_mul(1000)),
            ),
            (TimeKind::DateText | TimeKind::Date, _) => {
                let (first_day, last_day) = day_bounds(range, calendar);
                let cast = if self.checked.time == TimeKind::Date && self.dialect == Dialect::Postgres { "::date" } else { "" };
                (
                    format!("{ts} >= {p1}{cast} AND {ts} <= {p2}{cast}"),
                    vec![Bind::Text(first_day), Bind::Text(last_day)],
                )
            }
            (TimeKind::TimestampTz, Dialect::Postgres) => (
                format!("{ts} >= to_timestamp({p1}) AND {ts} < to_timestamp({p2})"),
                ints(range.start, range.end),
            ),
            (TimeKind::Timestamp, Dialect::Postgres) => (
                format!(
                    "{ts} >= (to_timestamp({p1}) AT TIME ZONE 'UTC') AND {ts} < (to_timestamp({p2}) AT TIME ZONE 'UTC')"
                ),
                ints(range.start, range.end),
            ),
            _ => {
                let seconds = self.seconds();
                (format!("{seconds} >= {p1} AND {seconds} < {p2}"), ints(range.start, range.end))
            }
        }
    }

    /// The mapping's `where` (checked to be one expression) as
    /// ` {keyword} (...)`, or nothing.
    fn user_where(&self, keyword: &str) -> String {
        self.checked
            .mapping
            .filter
            .as_ref()
            .map_or_else(String::new, |filter| format!(" {keyword} ({filter})"))
    }

    /// The user's `where` and the glob filter, as ` AND ...` conditions with
    /// their binds (numbered after the range's two).
    fn conditions(&self, selection: &Filter) -> (String, Vec<Bind>) {
        let mut sql = self.user_where("AND");
        // Rows with a negative token count are left out (and counted by `quality`).
        sql.push_str(&format!(" AND NOT ({})", self.negative()));
        let mut binds = Vec::new();
        for (dimension, patterns) in selection.active() {
            let Some(column) = self.dimension_column(dimension) else {
                continue;
            };
            let tests: Vec<String> = patterns
                .iter()
                .map(|pattern| {
                    let index = 3 + binds.len();
                    match self.dialect {
                        Dialect::Sqlite => {
                            binds.push(Bind::Text(filter::to_sqlite_glob(pattern)));
                            format!("CAST({column} AS TEXT) GLOB ?")
                        }
                        Dialect::Postgres => {
                            binds.push(Bind::Text(filter::to_like(pattern)));
                            format!("{column}::text LIKE ${index}")
                        }
                    }
                })
                .collect();
            sql.push_str(&format!(" AND ({})", tests.join(" OR ")));
        }
        (sql, binds)
    }

    /// The quoted column of a dimension, if the mapping has one.
    #[must_use]
    pub fn dimension_column(&self, dimension: Dimension) -> Option<String> {
        let mapping = &self.checked.mapping;
        match dimension {
            Dimension::Model => Some(&mapping.model),
            Dimension::Endpoint => mapping.endpoint.as_ref(),
            Dimension::User => mapping.user.as_ref(),
        }
        .map(|name| self.column(name))
    }

    fn statement(
        &self,
        select: &str,
        range: SecondsRange,
        calendar: &Calendar,
        selection: &Filter,
        tail: &str,
    ) -> Statement {
        let (predicate, mut binds) = self.range(range, calendar, 1);
        let (conditions, more) = self.conditions(selection);
        binds.extend(more);
        let sql = format!(
            "SELECT {select} FROM {table} WHERE {predicate}{conditions}{tail}",
            table = self.table()
        );
        Statement { sql, binds }
    }

    /// Usage per (local day, model) in `range`.
    #[must_use]
    pub fn day_model(
        &self,
        range: SecondsRange,
        calendar: &Calendar,
        selection: &Filter,
    ) -> Statement {
        let select = format!(
            "{day} AS usagetop_day, {model} AS usagetop_model, {measures}",
            day = self.day(calendar, range),
            model = self.model(),
            measures = self.measures(),
        );
        self.statement(&select, range, calendar, selection, " GROUP BY 1, 2")
    }

    /// Usage per (local day, dimension value, model) in `range`; the
    /// dimension value is `(none)` where the column is NULL.
    ///
    /// # Errors
    /// The mapping has no column for `dimension`.
    pub fn day_dimension(
        &self,
        range: SecondsRange,
        calendar: &Calendar,
        selection: &Filter,
        dimension: Dimension,
    ) -> Result<Statement, super::mapping::MappingError> {
        let column = self.dimension_column(dimension).ok_or_else(|| {
            super::mapping::MappingError(format!(
                "a breakdown by {0} needs a {0} column; set [source] {0} to the column that holds it",
                dimension.name()
            ))
        })?;
        let key = match self.dialect {
            Dialect::Sqlite => format!("COALESCE(CAST({column} AS TEXT), '(none)')"),
            Dialect::Postgres => format!("COALESCE({column}::text, '(none)')"),
        };
        let select = format!(
            "{day} AS usagetop_day, {key} AS usagetop_key, {model} AS usagetop_model, {measures}",
            day = self.day(calendar, range),
            model = self.model(),
            measures = self.measures(),
        );
        Ok(self.statement(&select, range, calendar, selection, " GROUP BY 1, 2, 3"))
    }

    /// Usage per model in `range`.
    #[must_use]
    pub fn model_totals(
        &self,
        range: SecondsRange,
        calendar: &Calendar,
        selection: &Filter,
    ) -> Statement {
        let select = format!(
            "{model} AS usagetop_model, {measures}",
            model = self.model(),
            measures = self.measures()
        );
        self.statement(&select, range, calendar, selection, " GROUP BY 1")
    }

    /// The earliest row before `end`: unix seconds, or for daily sources the day number.
    #[must_use]
    pub fn first(&self, end: i64, calendar: &Calendar, selection: &Filter) -> Statement {
        let value = if self.checked.time.is_daily() {
            format!(
                "MIN({})",
                self.day(calendar, SecondsRange { start: 0, end })
            )
        } else {
            // The minimum of the raw column, converted once: an index (or at
            // least no per-row conversion) serves it.
            let ts = self.column(&self.checked.mapping.timestamp);
            match (self.checked.time, self.dialect) {
                (TimeKind::TimestampTz, _) => {
                    format!("FLOOR(EXTRACT(EPOCH FROM MIN({ts})))::bigint")
                }
                (TimeKind::Timestamp, _) => {
                    format!("FLOOR(EXTRACT(EPOCH FROM (MIN({ts}) AT TIME ZONE 'UTC')))::bigint")
                }
                (TimeKind::UnixMillis, Dialect::Sqlite) => {
                    format!("((MIN({ts}) + {FLOOR_SHIFT_MILLIS}) / 1000 - {FLOOR_SHIFT_MILLIS_S})")
                }
                (TimeKind::UnixMillis, Dialect::Postgres) => format!(
                    "((MIN({ts}) + {FLOOR_SHIFT_MILLIS}) / 1000 - {FLOOR_SHIFT_MILLIS_S})::bigint"
                ),
                _ => format!("MIN({})", self.seconds()),
            }
        };
        let range = SecondsRange {
            start: super::EARLIEST_SECONDS,
            end,
        };
        self.statement(&value, range, calendar, selection, "")
    }

    /// True for a row with any negative token count.
    fn negative(&self) -> String {
        let mapping = &self.checked.mapping;
        let refs = [
            Some(&mapping.input_tokens),
            Some(&mapping.output_tokens),
            mapping.cache_read_tokens.as_ref(),
            mapping.cache_write_tokens.as_ref(),
        ];
        let tests: Vec<String> = refs
            .into_iter()
            .flatten()
            .map(|reference| format!("{} < 0", self.number(reference)))
            .collect();
        tests.join(" OR ")
    }
}
