//! SQLite's SQL for the builder: `?` placeholders, `CAST`, values typed per
//! row (`typeof`: any column may hold text or reals), text timestamps read
//! by `strftime`, local days from the zone's offset spans (SQLite has no
//! zone database), rowid ranges, and sums past 2^63 as the sums of their
//! upper and lower 32 bits.

use crate::period::Calendar;
use crate::store::mapping::{ColumnKind, TimeKind};
use crate::store::sql::{
    local_day_by_offsets, quote_literal, text_time, Bind, Reading, SqlDialect, Statement,
};
use crate::store::SecondsRange;

/// Seconds added (as milliseconds) before turning milliseconds into seconds.
const FLOOR_SHIFT_MILLIS_S: i64 = 100_000_000_000;

/// The SQLite dialect.
#[derive(Debug)]
pub struct SqliteDialect;

/// The one instance.
pub static SQLITE: SqliteDialect = SqliteDialect;

/// NULL-safe test that a stored number cannot be read: 1 for text, blobs,
/// and numbers not under `limit` in size (infinities included), else 0.
fn unreadable_number(value: &str, limit: &str) -> String {
    format!(
        "(CASE typeof({value}) WHEN 'integer' THEN ({value} >= {limit} OR {value} <= -{limit}) \
         WHEN 'real' THEN NOT (abs({value}) < {limit}) WHEN 'null' THEN 0 ELSE 1 END)"
    )
}

impl SqlDialect for SqliteDialect {
    fn placeholder(&self, _index: usize) -> String {
        "?".to_owned()
    }

    fn integer(&self, expression: &str) -> String {
        format!("CAST({expression} AS INTEGER)")
    }

    fn text(&self, expression: &str) -> String {
        format!("CAST({expression} AS TEXT)")
    }

    fn null_integer(&self) -> String {
        "NULL".to_owned()
    }

    fn count_where(&self, condition: &str) -> String {
        format!("COUNT(*) FILTER (WHERE {condition})")
    }

    fn sum(&self, expression: &str) -> String {
        format!("CAST(COALESCE(SUM({expression}), 0) AS INTEGER)")
    }

    fn wide_sum(&self, expression: &str) -> String {
        format!(
            "(CAST(COALESCE(SUM(CAST(({expression}) AS INTEGER) >> 32), 0) AS TEXT) || ':' || \
              CAST(COALESCE(SUM(CAST(({expression}) AS INTEGER) & 4294967295), 0) AS TEXT))"
        )
    }

    fn nanos(&self, dollars: &str) -> String {
        // Rounded half away from zero with double arithmetic, as on PostgreSQL.
        let nanos = format!("({dollars} * 1000000000)");
        format!(
            "CASE WHEN {nanos} < 0 THEN -CAST(0.5 - {nanos} AS INTEGER) \
             ELSE CAST({nanos} + 0.5 AS INTEGER) END"
        )
    }

    fn number(&self, column: &str, _kind: &ColumnKind) -> Reading {
        Reading {
            value: column.to_owned(),
            unreadable: Some(unreadable_number(column, "9.2e18")),
            shown: column.to_owned(),
        }
    }

    fn number_suspect(&self, column: &str, kind: &ColumnKind) -> Option<String> {
        // A column of INTEGER affinity stores text only when it does not look
        // like a number, and SUM turns fractional as soon as it meets text, a
        // blob or a real: an integral SUM means only integers (or NULLs). The
        // SUM is the measure's own (SQLite computes it once).
        if *kind != ColumnKind::Integer {
            return None;
        }
        let sum = format!("SUM(COALESCE({column}, 0))");
        Some(format!(
            "(typeof({sum}) <> 'integer' OR COALESCE(MIN({column}), 0) <= -9.2e18 \
             OR COALESCE(MAX({column}), 0) >= 9.2e18)"
        ))
    }

    fn tokens_suspect(&self, columns: &[(String, ColumnKind)]) -> Option<String> {
        // An integral SUM as in `number_suspect`; whole numbers none of which
        // is negative are each at most their SUM; and the sign of every
        // column at once: a bitwise OR of integers is negative exactly when
        // one of them is (a real, text or blob already makes its SUM
        // fractional), so one MIN per row instead of one per column.
        if columns.is_empty() {
            return None;
        }
        let mut tests = Vec::with_capacity(columns.len() + 1);
        let mut signs = Vec::with_capacity(columns.len());
        for (column, kind) in columns {
            if *kind != ColumnKind::Integer {
                return None;
            }
            let sum = format!("SUM(COALESCE({column}, 0))");
            tests.push(format!("typeof({sum}) <> 'integer' OR {sum} >= 9.2e18"));
            signs.push(format!("COALESCE({column}, 0)"));
        }
        tests.push(format!("COALESCE(MIN({}), 0) < 0", signs.join(" | ")));
        Some(format!("({})", tests.join(" OR ")))
    }

    fn dollars_suspect(&self, column: &str) -> Option<String> {
        // MIN and MAX have no affinity: text and blobs sort after every number.
        Some(format!(
            "(COALESCE(MIN({column}), 0) <= -9.2e9 OR COALESCE(MAX({column}), 0) >= 9.2e9)"
        ))
    }

    fn json_number(&self, column: &str, path: &[String]) -> Reading {
        let path = quote_literal(&format!("$.{}", path.join(".")));
        let kind = format!("CASE WHEN json_valid({column}) THEN json_type({column}, {path}) END");
        let value = format!("json_extract({column}, {path})");
        Reading {
            value: format!(
                "CASE WHEN ({kind}) IN ('integer', 'real') AND abs({value}) < 9.2e18 THEN {value} END"
            ),
            unreadable: Some(format!(
                "(CASE WHEN {column} IS NULL THEN 0 WHEN NOT json_valid({column}) THEN 1 \
                 WHEN COALESCE(json_type({column}, {path}), 'null') NOT IN ('integer', 'real', 'null') THEN 1 \
                 WHEN json_type({column}, {path}) IN ('integer', 'real') THEN NOT (abs({value}) < 9.2e18) \
                 ELSE 0 END)"
            )),
            shown: format!(
                "CASE WHEN json_valid({column}) THEN {column} -> {path} ELSE {column} END"
            ),
        }
    }

    fn dollars(&self, column: &str, _kind: &ColumnKind) -> Reading {
        Reading {
            // NULL unless a number under $9.2e9 (its nano-dollars fit 64 bits).
            value: format!(
                "CASE WHEN typeof({column}) IN ('integer', 'real') AND {column} > -9.2e9 AND {column} < 9.2e9 THEN {column} END"
            ),
            unreadable: Some(unreadable_number(column, "9.2e9")),
            shown: column.to_owned(),
        }
    }

    fn glob(&self, value: &str, _placeholder: &str, pattern: &str) -> (String, Bind) {
        (
            format!("lower({value}) GLOB ?"),
            Bind::Text(crate::filter::to_sqlite_glob(&pattern.to_ascii_lowercase())),
        )
    }

    fn unix_seconds(&self, ts: &str, _kind: &ColumnKind) -> String {
        // Integers as they are; reals (Python's time.time()) floored; text NULL.
        format!(
            "(CASE typeof({ts}) WHEN 'integer' THEN {ts} \
             WHEN 'real' THEN CAST({ts} AS INTEGER) - ({ts} < CAST({ts} AS INTEGER)) END)"
        )
    }

    fn unix_millis(&self, ts: &str) -> String {
        let shift = FLOOR_SHIFT_MILLIS_S * 1000;
        format!(
            "(CASE WHEN typeof({ts}) IN ('integer', 'real') THEN \
             (CAST({ts} AS INTEGER) + {shift}) / 1000 - {FLOOR_SHIFT_MILLIS_S} END)"
        )
    }

    fn text_seconds(&self, ts: &str) -> String {
        text_time::sqlite_seconds(ts)
    }

    fn text_day(&self, ts: &str) -> String {
        format!("CAST(julianday(substr({ts}, 1, 10)) - 2440587.5 AS INTEGER)")
    }

    fn native_seconds(&self, _kind: TimeKind, ts: &str) -> String {
        format!("CAST(strftime('%s', {ts}) AS INTEGER)")
    }

    fn native_instant(&self, _kind: TimeKind, placeholder: &str) -> String {
        format!("datetime({placeholder}, 'unixepoch')")
    }

    fn native_cast(&self, _kind: TimeKind, text: &str) -> String {
        text.to_owned()
    }

    fn local_day(
        &self,
        _kind: TimeKind,
        _ts: &str,
        seconds: &str,
        calendar: &Calendar,
        range: SecondsRange,
    ) -> String {
        local_day_by_offsets(seconds, calendar, range)
    }

    fn date_day(&self, ts: &str) -> String {
        self.text_day(ts)
    }

    fn physical_range(&self, start: i64, end: i64) -> (String, Vec<Bind>) {
        (
            "rowid >= ? AND rowid < ?".to_owned(),
            vec![Bind::Int(start), Bind::Int(end)],
        )
    }

    fn extent(&self, table: &str) -> Statement {
        Statement {
            sql: format!("SELECT CAST(MAX(rowid) AS INTEGER), 0 FROM {table}"),
            binds: Vec::new(),
        }
    }
}
