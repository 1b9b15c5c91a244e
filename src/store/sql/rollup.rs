//! The statements that feed usagetop's rollup cache: usage per (15-minute
//! UTC slot, model) for a part of the table, the table's time bounds, its
//! physical extent (to scan it in chunks with progress), and a row count
//! that verifies the cache.

use super::{Bind, Dialect, SqlBuilder, Statement};
use crate::period::{SECONDS_PER_DAY, SLOT_SECONDS};
use crate::store::mapping::TimeKind;

/// Slots added before dividing, so that division floors before 1970 too.
const FLOOR_SHIFT_SECONDS: i64 = 1_000_000 * SECONDS_PER_DAY;

/// The latest instant an incremental scan reads (year 5138): beyond any real
/// usage, within every engine's range.
pub const SCAN_END_SECONDS: i64 = 100_000_000_000;

/// The last page number a PostgreSQL `tid` can name.
const MAX_PAGE: i64 = 4_294_967_295;

/// The statements answering a rollup of one part of the table.
#[derive(Debug, Clone)]
pub struct RollupStatements {
    /// One pass whose answer is exact when no row counts as rejected.
    pub optimistic: Option<Statement>,
    /// The statements that are always exact, their rows added together.
    pub exact: Vec<Statement>,
    /// Each statement returns one row holding a JSON array of the rows.
    pub json: bool,
}

/// Which rows one rollup statement reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scan {
    /// Every row.
    All,
    /// Rows at physical positions `[start, end)`: SQLite rowids, PostgreSQL pages.
    Physical {
        /// First position.
        start: i64,
        /// First position after.
        end: i64,
    },
    /// Rows whose timestamp lies in `[start, SCAN_END_SECONDS)` (unix seconds).
    Since(i64),
}

impl SqlBuilder {
    /// True when the raw timestamp orders like the instant, so `MIN`/`MAX`
    /// can run on the raw column and be converted once per group.
    fn raw_orders_like_seconds(&self) -> bool {
        matches!(
            self.checked.time,
            TimeKind::UnixSeconds
                | TimeKind::UnixUnknown
                | TimeKind::UnixMillis
                | TimeKind::Timestamp
                | TimeKind::TimestampTz
        )
    }

    /// The slot expression inside the grouped query, and its conversion to
    /// unix seconds outside it.
    fn slot_expressions(&self) -> (String, String) {
        let ts = self.column(&self.checked.mapping.timestamp);
        match (self.checked.time, self.dialect) {
            (TimeKind::TimestampTz, Dialect::Postgres) => (
                format!(
                    "date_bin('{SLOT_SECONDS} seconds', {ts}, TIMESTAMPTZ '1970-01-01 00:00:00+00')"
                ),
                self.seconds_of("usagetop_slot"),
            ),
            (TimeKind::Timestamp, Dialect::Postgres) => (
                format!(
                    "date_bin('{SLOT_SECONDS} seconds', {ts}, TIMESTAMP '1970-01-01 00:00:00')"
                ),
                self.seconds_of("usagetop_slot"),
            ),
            _ => (
                format!(
                    "((({seconds}) + {FLOOR_SHIFT_SECONDS}) / {SLOT_SECONDS} - {shift}) * {SLOT_SECONDS}",
                    seconds = self.seconds(),
                    shift = FLOOR_SHIFT_SECONDS / SLOT_SECONDS
                ),
                "usagetop_slot".to_owned(),
            ),
        }
    }

    /// `MIN` and `MAX` of the timestamp inside the grouped query, a NULL of
    /// the same type, and the conversions to unix seconds outside it.
    fn extremes(&self) -> [String; 5] {
        let ts = self.column(&self.checked.mapping.timestamp);
        if self.raw_orders_like_seconds() {
            [
                format!("MIN({ts})"),
                format!("MAX({ts})"),
                format!("MIN(CASE WHEN 1 = 0 THEN {ts} END)"),
                self.seconds_of("usagetop_first"),
                self.seconds_of("usagetop_last"),
            ]
        } else {
            let seconds = self.seconds();
            [
                format!("MIN({seconds})"),
                format!("MAX({seconds})"),
                format!("MIN(CASE WHEN 1 = 0 THEN {seconds} END)"),
                "usagetop_first".to_owned(),
                "usagetop_last".to_owned(),
            ]
        }
    }

    /// The outer `SELECT` list of every rollup statement (the twelve
    /// columns, timestamps converted to unix seconds), and the inner
    /// aggregates of the usage sums named as the outer list reads them.
    fn rollup_columns(&self) -> (String, String) {
        let (_, outer_slot) = self.slot_expressions();
        let [_, _, _, outer_first, outer_last] = self.extremes();
        let outer = format!(
            "SELECT {outer_slot} AS usagetop_slot_s, usagetop_model, usagetop_requests, usagetop_input, \
                    usagetop_output, usagetop_cache_read, usagetop_cache_write, usagetop_cost, \
                    usagetop_kept, usagetop_rejected, {outer_first} AS usagetop_first_s, \
                    {outer_last} AS usagetop_last_s"
        );
        let names = [
            "usagetop_requests",
            "usagetop_input",
            "usagetop_output",
            "usagetop_cache_read",
            "usagetop_cache_write",
            "usagetop_cost",
        ];
        let measures = self
            .summed_measures(None)
            .into_iter()
            .zip(names)
            .map(|(value, name)| format!("{value} AS {name}"))
            .collect::<Vec<_>>()
            .join(", ");
        (outer, measures)
    }

    /// The two statements of a rollup of the rows `scan` selects: usage per
    /// (slot, model) of the rows kept, and the count per (slot, model) of
    /// rows left out for a negative token count. Both return: slot start
    /// (unix seconds, NULL for rows whose timestamp cannot be read), model,
    /// requests, four token sums, stored cost (nano-dollars), rows kept,
    /// rows rejected, first and last timestamp (unix seconds). Two plain
    /// passes cost less than one pass testing every sum.
    #[must_use]
    pub fn rollup(&self, scan: Scan) -> Vec<Statement> {
        let negative = self.negative();
        let (inner_slot, _) = self.slot_expressions();
        let [first, last, no_first, _, _] = self.extremes();
        let (count, zero, zero_cost) = match self.dialect {
            Dialect::Sqlite => ("COUNT(*)", "0", "NULL"),
            Dialect::Postgres => ("COUNT(*)::bigint", "0::bigint", "NULL::bigint"),
        };
        let (predicate, binds) = self.scan_predicate(scan);
        let filter = self.user_where("AND");
        let (outer, measures) = self.rollup_columns();
        let table = self.table();
        let model = self.model();
        let kept = format!(
            "{outer} FROM (SELECT {inner_slot} AS usagetop_slot, {model} AS usagetop_model, {measures}, \
                    {count} AS usagetop_kept, {zero} AS usagetop_rejected, \
                    {first} AS usagetop_first, {last} AS usagetop_last \
                   FROM {table} WHERE {predicate}{filter} AND NOT ({negative}) GROUP BY 1, 2) AS usagetop_rollup"
        );
        let rejected = format!(
            "{outer} FROM (SELECT {inner_slot} AS usagetop_slot, {model} AS usagetop_model, \
                    {zero} AS usagetop_requests, {zero} AS usagetop_input, {zero} AS usagetop_output, \
                    {zero} AS usagetop_cache_read, {zero} AS usagetop_cache_write, {zero_cost} AS usagetop_cost, \
                    {zero} AS usagetop_kept, {count} AS usagetop_rejected, \
                    {no_first} AS usagetop_first, {last} AS usagetop_last \
                   FROM {table} WHERE {predicate}{filter} AND ({negative}) GROUP BY 1, 2) AS usagetop_rollup"
        );
        vec![
            Statement {
                sql: kept,
                binds: binds.clone(),
            },
            Statement {
                sql: rejected,
                binds,
            },
        ]
    }

    /// One pass over the rows `scan` selects, summing every row and counting
    /// those with a negative token count as `usagetop_rejected`: the same
    /// columns as [`Self::rollup`], and its exact answer whenever no row
    /// counts as rejected (almost always). Otherwise [`Self::rollup`] must
    /// answer. One plain pass costs about 20 % less than the two.
    #[must_use]
    pub fn rollup_optimistic(&self, scan: Scan) -> Statement {
        let negative = self.negative();
        let (inner_slot, _) = self.slot_expressions();
        let [first, last, _, _, _] = self.extremes();
        let rejected = match self.dialect {
            Dialect::Sqlite => format!("COUNT(*) FILTER (WHERE {negative})"),
            Dialect::Postgres => format!("(COUNT(*) FILTER (WHERE {negative}))::bigint"),
        };
        let kept = match self.dialect {
            Dialect::Sqlite => "COUNT(*)",
            Dialect::Postgres => "COUNT(*)::bigint",
        };
        let (predicate, binds) = self.scan_predicate(scan);
        let filter = self.user_where("AND");
        let (outer, measures) = self.rollup_columns();
        let sql = format!(
            "{outer} FROM (SELECT {inner_slot} AS usagetop_slot, {model} AS usagetop_model, {measures}, \
                    {kept} AS usagetop_kept, {rejected} AS usagetop_rejected, \
                    {first} AS usagetop_first, {last} AS usagetop_last \
                   FROM {table} WHERE {predicate}{filter} GROUP BY 1, 2) AS usagetop_rollup",
            model = self.model(),
            table = self.table(),
        );
        Statement { sql, binds }
    }

    /// `statement` (twelve rollup columns) as one row holding a JSON array
    /// of arrays: SQLite hands over one text instead of a row per group,
    /// which the driver decodes far more slowly.
    #[must_use]
    pub fn as_json_array(statement: Statement) -> Statement {
        Statement {
            sql: format!(
                "WITH usagetop_rows (c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12) AS ({}) \
                 SELECT COALESCE(json_group_array(json_array(c1, c2, c3, c4, c5, c6, c7, c8, c9, \
                 c10, c11, c12)), '[]') FROM usagetop_rows",
                statement.sql
            ),
            binds: statement.binds,
        }
    }

    /// The predicate selecting `scan`'s rows, with its binds.
    fn scan_predicate(&self, scan: Scan) -> (String, Vec<Bind>) {
        match (scan, self.dialect) {
            (Scan::All, _) => ("1 = 1".to_owned(), Vec::new()),
            (Scan::Physical { start, end }, Dialect::Sqlite) => (
                "rowid >= ? AND rowid < ?".to_owned(),
                vec![Bind::Int(start), Bind::Int(end)],
            ),
            (Scan::Physical { start, end }, Dialect::Postgres) => (
                "ctid >= $1::text::tid AND ctid < $2::text::tid".to_owned(),
                vec![
                    Bind::Text(format!("({},0)", start.clamp(0, MAX_PAGE))),
                    Bind::Text(format!("({},0)", end.clamp(0, MAX_PAGE))),
                ],
            ),
            (Scan::Since(start), _) => {
                let calendar =
                    crate::period::Calendar::new(chrono_tz::UTC, crate::period::WeekStart::Monday);
                self.range(
                    crate::store::SecondsRange {
                        start,
                        end: SCAN_END_SECONDS,
                    },
                    &calendar,
                    1,
                )
            }
        }
    }

    /// The first and last timestamps of the table (unix seconds), and its row count.
    #[must_use]
    pub fn bounds(&self) -> Statement {
        let ts = self.column(&self.checked.mapping.timestamp);
        let filter = self.user_where("WHERE");
        let table = self.table();
        // One aggregate per subquery: each is then one step down the index.
        let (first, last) = if self.raw_orders_like_seconds() {
            (
                self.seconds_of(&format!("(SELECT MIN({ts}) FROM {table}{filter})")),
                self.seconds_of(&format!("(SELECT MAX({ts}) FROM {table}{filter})")),
            )
        } else {
            let seconds = self.seconds();
            (
                format!("(SELECT MIN({seconds}) FROM {table}{filter})"),
                format!("(SELECT MAX({seconds}) FROM {table}{filter})"),
            )
        };
        let count = match self.dialect {
            Dialect::Sqlite => "INTEGER",
            Dialect::Postgres => "BIGINT",
        };
        Statement {
            sql: format!("SELECT CAST({first} AS {count}), CAST({last} AS {count})"),
            binds: Vec::new(),
        }
    }

    /// How many rows have a timestamp before `end` (unix seconds).
    #[must_use]
    pub fn count_before(&self, end: i64) -> Statement {
        let calendar =
            crate::period::Calendar::new(chrono_tz::UTC, crate::period::WeekStart::Monday);
        let (predicate, binds) = self.range(
            crate::store::SecondsRange {
                start: crate::store::EARLIEST_SECONDS,
                end,
            },
            &calendar,
            1,
        );
        let filter = self.user_where("AND");
        let count = match self.dialect {
            Dialect::Sqlite => "COUNT(*)",
            Dialect::Postgres => "COUNT(*)::bigint",
        };
        Statement {
            sql: format!(
                "SELECT {count} FROM {table} WHERE {predicate}{filter}",
                table = self.table()
            ),
            binds,
        }
    }

    /// The table's physical extent: the largest rowid (SQLite), or the
    /// number of pages and the server version (PostgreSQL).
    #[must_use]
    pub fn extent(&self) -> Statement {
        match self.dialect {
            Dialect::Sqlite => Statement {
                sql: format!(
                    "SELECT CAST(MAX(rowid) AS INTEGER), 0 FROM {}",
                    self.table()
                ),
                binds: Vec::new(),
            },
            Dialect::Postgres => Statement {
                sql: "SELECT (COALESCE(pg_relation_size(to_regclass($1)), 0) \
                      / current_setting('block_size')::bigint)::bigint, \
                      current_setting('server_version_num')::bigint"
                    .to_owned(),
                binds: vec![Bind::Text(self.table())],
            },
        }
    }
}
