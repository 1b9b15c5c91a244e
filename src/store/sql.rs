//! The one SQL builder: turns a checked mapping into the grouped queries of
//! every engine, written once against [`SqlDialect`]. Every identifier is
//! quoted; every value is a bound parameter or an integer computed here; the
//! user's `where` (checked to be one expression under every engine's lexer)
//! is the only text copied in, and only stores running read-only sessions
//! execute it. Rows that cannot be used (a timestamp that cannot be read or
//! lies outside 1900 to 2199, a token count or cost that cannot be read, a
//! negative token count) are left out of every sum and counted by `quality`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use super::mapping::CheckedMapping;
use super::SecondsRange;
use crate::filter::{Dimension, Filter};
use crate::period::Calendar;

mod days;
pub mod dialect;
mod probes;
mod rollup;
pub mod text_time;
mod time;
mod values;

pub use days::{local_day_by_offsets, offset_case};
pub use dialect::{Reading, SqlDialect};
pub use probes::UNIT_SAMPLE;
pub use rollup::{RollupStatements, Scan};

/// The SQL flavour of a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite: `?` placeholders, no zone database.
    Sqlite,
    /// PostgreSQL: `$n` placeholders.
    Postgres,
    /// MySQL and MariaDB: `?` placeholders, `DIV`, no zone tables needed.
    Mysql,
    /// ClickHouse: `?` filled with literals, `intDiv`, GROUP BY aliases.
    Clickhouse,
}

impl Dialect {
    /// The engine's SQL.
    #[must_use]
    pub fn rules(self) -> &'static dyn SqlDialect {
        match self {
            Self::Sqlite => &super::sqlite::dialect::SQLITE,
            Self::Postgres => &super::postgres::dialect::POSTGRES,
            Self::Mysql => &super::mysql::dialect::MYSQL,
            Self::Clickhouse => &super::clickhouse::dialect::CLICKHOUSE,
        }
    }
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
#[must_use]
pub fn quote_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// Builds the queries of one checked mapping.
#[derive(Debug, Clone)]
pub struct SqlBuilder {
    dialect: Dialect,
    checked: CheckedMapping,
    /// Token sums are returned in wide form (see [`crate::store::wide`]):
    /// set for the rest of the session once a 64-bit sum has overflowed.
    wide: Arc<AtomicBool>,
    /// The integer column whose value ranges a rollup reads in chunks
    /// ([`Scan::Physical`] on MySQL), if the table has one.
    position_key: Option<String>,
}

impl SqlBuilder {
    /// A builder for `checked` in `dialect`.
    #[must_use]
    pub fn new(dialect: Dialect, checked: CheckedMapping) -> Self {
        Self {
            dialect,
            checked,
            wide: Arc::default(),
            position_key: None,
        }
    }

    fn rules(&self) -> &'static dyn SqlDialect {
        self.dialect.rules()
    }

    /// After `error`, whether to ask again with wide token sums: true (and
    /// wide from now on) when a 64-bit sum overflowed and sums were narrow.
    #[must_use]
    pub fn widen_after(&self, error: &sqlx::Error) -> bool {
        crate::store::wide::is_overflow(error) && !self.wide.swap(true, Ordering::SeqCst)
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
        let name = match &table.schema {
            Some(schema) => format!("{}.{}", quote_ident(schema), quote_ident(&table.name)),
            None => quote_ident(&table.name),
        };
        // ClickHouse only (the other engines refuse `final` before this).
        if self.checked.mapping.read_final {
            format!("{name} FINAL")
        } else {
            name
        }
    }

    fn column(name: &str) -> String {
        quote_ident(name)
    }

    fn placeholder(&self, index: usize) -> String {
        self.rules().placeholder(index)
    }

    /// The model of a row: the trimmed name, or the default model.
    fn model(&self) -> String {
        self.model_of(&self.model_as_stored())
    }

    /// The model column as stored (the fallback literal without one).
    fn model_as_stored(&self) -> String {
        match &self.checked.mapping.model {
            Some(column) => Self::column(column),
            None => self.rules().literal(self.checked.mapping.fallback_model()),
        }
    }

    /// The model name of a stored `value`: trimmed text, the fallback when
    /// empty or NULL.
    fn model_of(&self, value: &str) -> String {
        let fallback = self.rules().literal(self.checked.mapping.fallback_model());
        format!(
            "COALESCE(NULLIF({}, ''), {fallback})",
            self.rules().trim(&self.rules().text(value))
        )
    }

    /// The quoted column of a dimension, if the mapping has one.
    #[must_use]
    pub fn dimension_column(&self, dimension: Dimension) -> Option<String> {
        if dimension == Dimension::Model {
            return Some(self.model());
        }
        self.checked.mapping.dimension(dimension).map(Self::column)
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

    /// The user's `where`, the usable-row test and the glob filter, as
    /// ` AND ...` conditions with their binds, numbered from `first`.
    fn conditions(&self, selection: &Filter, first: usize) -> (String, Vec<Bind>) {
        let mut sql = self.user_where("AND");
        sql.push_str(&format!(" AND NOT ({})", self.unusable()));
        let mut binds = Vec::new();
        for (dimension, patterns) in selection.active() {
            let Some(column) = self.dimension_column(dimension) else {
                continue;
            };
            let text = if dimension == Dimension::Model {
                column
            } else {
                self.rules().text(&column)
            };
            let mut including = Vec::new();
            let mut excluding = Vec::new();
            for pattern in patterns {
                let (glob, exclude) = match pattern.strip_prefix('!') {
                    Some(rest) => (rest, true),
                    None => (pattern.as_str(), false),
                };
                let placeholder = self.placeholder(first + binds.len());
                let (test, bind) = self.rules().glob(&text, &placeholder, glob);
                binds.push(bind);
                if exclude {
                    excluding.push(test);
                } else {
                    including.push(test);
                }
            }
            if !including.is_empty() {
                sql.push_str(&format!(" AND ({})", including.join(" OR ")));
            }
            if !excluding.is_empty() {
                sql.push_str(&format!(
                    " AND NOT (COALESCE({}, {}))",
                    excluding.join(" OR "),
                    self.rules().false_value()
                ));
            }
        }
        (sql, binds)
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
        let (conditions, more) = self.conditions(selection, 1 + binds.len());
        binds.extend(more);
        let sql = format!(
            "SELECT {select} FROM {table} WHERE {predicate}{conditions}{tail}",
            table = self.table()
        );
        Statement { sql, binds }
    }

    /// Usage per (local day, model, estimated) in `range`.
    #[must_use]
    pub fn day_model(
        &self,
        range: SecondsRange,
        calendar: &Calendar,
        selection: &Filter,
    ) -> Statement {
        let select = format!(
            "{day} AS usagetop_day, {model} AS usagetop_model, {estimated} AS usagetop_estimated, {measures}",
            day = self.day(calendar, range),
            model = self.model(),
            estimated = self.estimated(),
            measures = self.measures(),
        );
        let group =
            self.rules()
                .group_by(&["usagetop_day", "usagetop_model", "usagetop_estimated"]);
        self.statement(&select, range, calendar, selection, &group)
    }

    /// Usage per (local day, dimension value, model, estimated) in `range`;
    /// the dimension value is `(none)` where the column is NULL.
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
        let key = if dimension == Dimension::Model {
            column
        } else {
            format!("COALESCE({}, '(none)')", self.rules().text(&column))
        };
        let select = format!(
            "{day} AS usagetop_day, {key} AS usagetop_key, {model} AS usagetop_model, \
             {estimated} AS usagetop_estimated, {measures}",
            day = self.day(calendar, range),
            model = self.model(),
            estimated = self.estimated(),
            measures = self.measures(),
        );
        let group = self.rules().group_by(&[
            "usagetop_day",
            "usagetop_key",
            "usagetop_model",
            "usagetop_estimated",
        ]);
        Ok(self.statement(&select, range, calendar, selection, &group))
    }

    /// Usage per (model, estimated) in `range`.
    #[must_use]
    pub fn model_totals(
        &self,
        range: SecondsRange,
        calendar: &Calendar,
        selection: &Filter,
    ) -> Statement {
        let select = format!(
            "{model} AS usagetop_model, {estimated} AS usagetop_estimated, {measures}",
            model = self.model(),
            estimated = self.estimated(),
            measures = self.measures()
        );
        let group = self
            .rules()
            .group_by(&["usagetop_model", "usagetop_estimated"]);
        self.statement(&select, range, calendar, selection, &group)
    }

    /// The earliest usable row before `end`: unix seconds, or for daily
    /// sources the day number.
    #[must_use]
    pub fn first(&self, end: i64, calendar: &Calendar, selection: &Filter) -> Statement {
        let value = if self.checked.time.is_daily() {
            format!(
                "MIN({})",
                self.day(calendar, SecondsRange { start: 0, end })
            )
        } else if self.raw_orders_like_seconds() {
            // The minimum of the raw column, converted once: an index (or at
            // least no per-row conversion) serves it.
            let ts = Self::column(&self.checked.mapping.timestamp);
            self.seconds_of(&format!("MIN({})", self.rules().nullable(&ts)))
        } else {
            format!("MIN({})", self.seconds())
        };
        let range = SecondsRange {
            start: super::EARLIEST_SECONDS,
            end,
        };
        self.statement(
            &self.rules().integer(&value),
            range,
            calendar,
            selection,
            "",
        )
    }
}
