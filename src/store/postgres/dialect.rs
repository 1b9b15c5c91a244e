//! PostgreSQL's SQL for the builder: `$n` placeholders, `::bigint` casts,
//! typed columns (only fractional numbers and JSON can hold values that
//! cannot be read), text timestamps by regular expression and arithmetic
//! (never a failing cast), local days from the server's zone database, page
//! ranges read by TID range scans, and exact numeric sums as text.

use crate::period::{Calendar, SLOT_SECONDS};
use crate::store::mapping::{ColumnKind, TimeKind};
use crate::store::sql::{quote_literal, text_time, Bind, Reading, SqlDialect, Statement};
use crate::store::SecondsRange;

/// Seconds added (as milliseconds) before turning milliseconds into seconds.
const FLOOR_SHIFT_MILLIS_S: i64 = 100_000_000_000;

/// The last page number a PostgreSQL `tid` can name.
const MAX_PAGE: i64 = 4_294_967_295;

/// The PostgreSQL dialect.
#[derive(Debug)]
pub struct PostgresDialect;

/// The one instance.
pub static POSTGRES: PostgresDialect = PostgresDialect;

impl SqlDialect for PostgresDialect {
    fn placeholder(&self, index: usize) -> String {
        format!("${index}")
    }

    fn integer(&self, expression: &str) -> String {
        format!("({expression})::bigint")
    }

    fn text(&self, expression: &str) -> String {
        format!("({expression})::text")
    }

    fn null_integer(&self) -> String {
        "NULL::bigint".to_owned()
    }

    fn count_where(&self, condition: &str) -> String {
        format!("(COUNT(*) FILTER (WHERE {condition}))::bigint")
    }

    fn sum(&self, expression: &str) -> String {
        format!("COALESCE(SUM({expression}), 0)::bigint")
    }

    fn wide_sum(&self, expression: &str) -> String {
        format!("COALESCE(SUM({expression}), 0)::text")
    }

    fn nanos(&self, dollars: &str) -> String {
        // Half away from zero (PostgreSQL's round(float8) rounds half to even).
        let nanos = format!("({dollars} * 1000000000)");
        format!("CASE WHEN {nanos} < 0 THEN -FLOOR(0.5 - {nanos}) ELSE FLOOR({nanos} + 0.5) END")
    }

    fn number(&self, column: &str, kind: &ColumnKind) -> Reading {
        match kind {
            ColumnKind::Integer => Reading {
                value: column.to_owned(),
                unreadable: None,
                shown: column.to_owned(),
            },
            // numeric, real, double precision: NaN, infinities and sizes
            // past 64 bits cannot be read.
            _ => Reading {
                value: format!("CASE WHEN abs({column}) < 9.2e18 THEN {column} END"),
                unreadable: Some(format!(
                    "({column} IS NOT NULL AND NOT (abs({column}) < 9.2e18))"
                )),
                shown: column.to_owned(),
            },
        }
    }

    fn json_number(&self, column: &str, path: &[String]) -> Reading {
        let keys = path
            .iter()
            .map(|key| key.as_str())
            .collect::<Vec<_>>()
            .join(",");
        let value = format!(
            "({column}::jsonb #> {})",
            quote_literal(&format!("{{{keys}}}"))
        );
        let number = format!("jsonb_typeof({value}) = 'number'");
        Reading {
            value: format!(
                "CASE WHEN {number} AND abs(({value})::numeric) < 9.2e18 THEN ({value})::numeric END"
            ),
            unreadable: Some(format!(
                "COALESCE(jsonb_typeof({value}) NOT IN ('number', 'null') \
                 OR ({number} AND NOT (abs(({value})::numeric) < 9.2e18)), FALSE)"
            )),
            shown: format!("({value})::text"),
        }
    }

    fn dollars(&self, column: &str, kind: &ColumnKind) -> Reading {
        match kind {
            ColumnKind::Integer => Reading {
                value: column.to_owned(),
                unreadable: Some(format!(
                    "({column} IS NOT NULL AND NOT (abs({column}::numeric) < 9200000000))"
                )),
                shown: column.to_owned(),
            },
            _ => Reading {
                value: format!("CASE WHEN abs({column}) < 9.2e9 THEN {column} END"),
                unreadable: Some(format!(
                    "({column} IS NOT NULL AND NOT (abs({column}) < 9.2e9))"
                )),
                shown: column.to_owned(),
            },
        }
    }

    fn glob(&self, value: &str, placeholder: &str, pattern: &str) -> (String, Bind) {
        (
            format!("{value} ILIKE {placeholder}"),
            Bind::Text(crate::filter::to_like(pattern)),
        )
    }

    fn unix_seconds(&self, ts: &str, kind: &ColumnKind) -> String {
        match kind {
            ColumnKind::Integer => ts.to_owned(),
            _ => format!("FLOOR({ts})::bigint"),
        }
    }

    fn unix_millis(&self, ts: &str) -> String {
        let shift = FLOOR_SHIFT_MILLIS_S * 1000;
        format!("FLOOR(({ts} + {shift}) / 1000 - {FLOOR_SHIFT_MILLIS_S})::bigint")
    }

    fn text_seconds(&self, ts: &str) -> String {
        text_time::iso_seconds(ts)
    }

    fn text_day(&self, ts: &str) -> String {
        text_time::date_days(ts)
    }

    fn native_seconds(&self, kind: TimeKind, ts: &str) -> String {
        match kind {
            TimeKind::Timestamp => {
                format!("FLOOR(EXTRACT(EPOCH FROM ({ts} AT TIME ZONE 'UTC')))::bigint")
            }
            TimeKind::Date => format!("(({ts} - DATE '1970-01-01') * 86400)::bigint"),
            _ => format!("FLOOR(EXTRACT(EPOCH FROM {ts}))::bigint"),
        }
    }

    fn native_instant(&self, kind: TimeKind, placeholder: &str) -> String {
        match kind {
            TimeKind::Timestamp => format!("(to_timestamp({placeholder}) AT TIME ZONE 'UTC')"),
            _ => format!("to_timestamp({placeholder})"),
        }
    }

    fn native_cast(&self, kind: TimeKind, text: &str) -> String {
        match kind {
            TimeKind::Timestamp => format!("{text}::timestamp"),
            TimeKind::Date => format!("{text}::date"),
            // A literal read as a UTC timestamp folds to a constant; a text
            // cast to timestamptz depends on the session's zone, so it would
            // be evaluated again for every row.
            _ => format!("({text}::timestamp AT TIME ZONE 'UTC')"),
        }
    }

    fn local_day(
        &self,
        kind: TimeKind,
        ts: &str,
        seconds: &str,
        calendar: &Calendar,
        _range: SecondsRange,
    ) -> String {
        let zone = quote_literal(calendar.tz().name());
        match kind {
            TimeKind::TimestampTz => {
                format!("(({ts} AT TIME ZONE {zone})::date - DATE '1970-01-01')::bigint")
            }
            TimeKind::Timestamp => format!(
                "((({ts} AT TIME ZONE 'UTC') AT TIME ZONE {zone})::date - DATE '1970-01-01')::bigint"
            ),
            _ => format!(
                "((to_timestamp({seconds}) AT TIME ZONE {zone})::date - DATE '1970-01-01')::bigint"
            ),
        }
    }

    fn date_day(&self, ts: &str) -> String {
        format!("({ts} - DATE '1970-01-01')::bigint")
    }

    fn native_slot(&self, kind: TimeKind, ts: &str) -> Option<String> {
        match kind {
            TimeKind::TimestampTz => Some(format!(
                "date_bin('{SLOT_SECONDS} seconds', {ts}, TIMESTAMPTZ '1970-01-01 00:00:00+00')"
            )),
            TimeKind::Timestamp => Some(format!(
                "date_bin('{SLOT_SECONDS} seconds', {ts}, TIMESTAMP '1970-01-01 00:00:00')"
            )),
            _ => None,
        }
    }

    fn physical_range(&self, start: i64, end: i64) -> (String, Vec<Bind>) {
        (
            "ctid >= $1::text::tid AND ctid < $2::text::tid".to_owned(),
            vec![
                Bind::Text(format!("({},0)", start.clamp(0, MAX_PAGE))),
                Bind::Text(format!("({},0)", end.clamp(0, MAX_PAGE))),
            ],
        )
    }

    fn extent(&self, table: &str) -> Statement {
        Statement {
            sql: "SELECT (COALESCE(pg_relation_size(to_regclass($1)), 0) \
                  / current_setting('block_size')::bigint)::bigint, \
                  current_setting('server_version_num')::bigint"
                .to_owned(),
            binds: vec![Bind::Text(table.to_owned())],
        }
    }
}
