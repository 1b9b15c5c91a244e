//! MySQL's and MariaDB's SQL for the builder: `?` placeholders, `CAST(..
//! AS SIGNED)`, `DIV` for integer division (`/` gives decimals there), token
//! sums always exact in text (a 64-bit cast of a larger `SUM` would clamp
//! silently), JSON read with `JSON_TYPE`, instants of `DATETIME` and
//! `TIMESTAMP` columns (the session's zone is UTC) by `TIMESTAMPDIFF`, text
//! timestamps checked with `REGEXP` and read by position, and local days
//! from the zone's offset spans: the server's own zone tables are often not
//! loaded, and never needed.

use crate::period::Calendar;
use crate::store::mapping::{ColumnKind, TimeKind};
use crate::store::sql::{
    offset_case, quote_literal, text_time, Bind, Reading, SqlDialect, Statement,
};
use crate::store::SecondsRange;

/// The MySQL and MariaDB dialect.
#[derive(Debug)]
pub struct MysqlDialect;

/// The one instance.
pub static MYSQL: MysqlDialect = MysqlDialect;

const EPOCH: &str = "'1970-01-01 00:00:00'";

/// `SUBSTRING(text, start, length)` as a whole number (0 when empty).
fn part(text: &str, start: usize, length: usize) -> String {
    format!("CAST(CONCAT('0', SUBSTRING({text}, {start}, {length})) AS SIGNED)")
}

impl SqlDialect for MysqlDialect {
    fn placeholder(&self, _index: usize) -> String {
        "?".to_owned()
    }

    fn integer(&self, expression: &str) -> String {
        format!("CAST({expression} AS SIGNED)")
    }

    fn text(&self, expression: &str) -> String {
        // Compared and grouped byte by byte, as on SQLite and PostgreSQL:
        // the usual collations would make `GPT-4o` and `gpt-4o` one group.
        format!("(CAST({expression} AS CHAR CHARACTER SET utf8mb4) COLLATE utf8mb4_bin)")
    }

    fn div(&self, dividend: &str, divisor: i64) -> String {
        format!("(({dividend}) DIV {divisor})")
    }

    fn token_sum(&self, expression: &str) -> String {
        // SUM of integers is an exact DECIMAL here; its text is read exactly.
        self.wide_sum(expression)
    }

    fn wide_sum(&self, expression: &str) -> String {
        // Whole tokens, the total rounded half away from zero as
        // PostgreSQL's numeric to bigint (a JSON value is a DECIMAL(40, 6)).
        format!("CAST(CAST(COALESCE(SUM({expression}), 0) AS DECIMAL(65, 0)) AS CHAR)")
    }

    fn nanos(&self, dollars: &str) -> String {
        // Half away from zero, in the same double arithmetic as elsewhere.
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
            _ => Reading {
                value: format!("CASE WHEN ABS({column}) < 9.2e18 THEN {column} END"),
                unreadable: Some(format!(
                    "({column} IS NOT NULL AND NOT (ABS({column}) < 9.2e18))"
                )),
                shown: column.to_owned(),
            },
        }
    }

    fn json_number(&self, column: &str, path: &[String]) -> Reading {
        let path = quote_literal(&format!("$.{}", path.join(".")));
        let value = format!("JSON_EXTRACT({column}, {path})");
        // JSON_TYPE names numbers INTEGER, DOUBLE, DECIMAL (MySQL also
        // UNSIGNED INTEGER); an invalid document is never parsed.
        let kind = format!("CASE WHEN JSON_VALID({column}) THEN UPPER(JSON_TYPE({value})) END");
        let number = format!("({kind}) IN ('INTEGER', 'UNSIGNED INTEGER', 'DOUBLE', 'DECIMAL')");
        let decimal = format!("CAST(JSON_UNQUOTE({value}) AS DECIMAL(40, 6))");
        Reading {
            value: format!("CASE WHEN {number} AND ABS({decimal}) < 9.2e18 THEN {decimal} END"),
            unreadable: Some(format!(
                "(CASE WHEN {column} IS NULL THEN 0 WHEN NOT JSON_VALID({column}) THEN 1 \
                 WHEN COALESCE({kind}, 'NULL') NOT IN ('INTEGER', 'UNSIGNED INTEGER', 'DOUBLE', 'DECIMAL', 'NULL') THEN 1 \
                 WHEN {number} THEN NOT (ABS({decimal}) < 9.2e18) ELSE 0 END)"
            )),
            shown: format!("CASE WHEN JSON_VALID({column}) THEN {value} ELSE {column} END"),
        }
    }

    fn dollars(&self, column: &str, _kind: &ColumnKind) -> Reading {
        Reading {
            value: format!("CASE WHEN ABS({column}) < 9.2e9 THEN {column} END"),
            unreadable: Some(format!(
                "({column} IS NOT NULL AND NOT (ABS({column}) < 9.2e9))"
            )),
            shown: column.to_owned(),
        }
    }

    fn glob(&self, value: &str, _placeholder: &str, pattern: &str) -> (String, Bind) {
        (
            format!("LOWER({value}) LIKE ?"),
            Bind::Text(crate::filter::to_like(&pattern.to_ascii_lowercase())),
        )
    }

    fn unix_seconds(&self, ts: &str, kind: &ColumnKind) -> String {
        match kind {
            ColumnKind::Integer => ts.to_owned(),
            _ => format!("CAST(FLOOR({ts}) AS SIGNED)"),
        }
    }

    fn unix_millis(&self, ts: &str) -> String {
        format!("CAST(FLOOR({ts} / 1000) AS SIGNED)")
    }

    fn text_seconds(&self, ts: &str) -> String {
        let rest = format!("SUBSTRING({ts}, 11)");
        let time = format!("REGEXP_SUBSTR({rest}, '[0-9]{{2}}:[0-9]{{2}}(:[0-9]{{2}})?')");
        let offset = format!(
            "REPLACE(COALESCE(REGEXP_SUBSTR({rest}, '[+-][0-9]{{2}}(:?[0-9]{{2}})?'), ''), ':', '')"
        );
        let days = text_time::civil_days(
            &part(ts, 1, 4),
            &part(ts, 6, 2),
            &part(ts, 9, 2),
            "DIV",
            |era| format!("CAST({era} AS SIGNED)"),
        );
        format!(
            "(CASE WHEN {ts} REGEXP '(?-i){form}' THEN {days} * 86400 \
             + {hour} * 3600 + {minute} * 60 + {second} \
             - (CASE SUBSTRING({offset}, 1, 1) WHEN '-' THEN -1 WHEN '+' THEN 1 ELSE 0 END) \
               * ({offset_hours} * 3600 + {offset_minutes} * 60) END)",
            form = text_time::ISO_FORM.replace('\\', "\\\\"),
            hour = part(&format!("COALESCE({time}, '')"), 1, 2),
            minute = part(&format!("COALESCE({time}, '')"), 4, 2),
            second = part(&format!("COALESCE({time}, '')"), 7, 2),
            offset_hours = part(&offset, 2, 2),
            offset_minutes = part(&offset, 4, 2),
        )
    }

    fn text_day(&self, ts: &str) -> String {
        let days = text_time::civil_days(
            &part(ts, 1, 4),
            &part(ts, 6, 2),
            &part(ts, 9, 2),
            "DIV",
            |era| format!("CAST({era} AS SIGNED)"),
        );
        format!(
            "(CASE WHEN {ts} REGEXP '(?-i){form}' THEN {days} END)",
            form = text_time::DAY_FORM
        )
    }

    fn native_seconds(&self, kind: TimeKind, ts: &str) -> String {
        match kind {
            TimeKind::Date => format!("(DATEDIFF({ts}, {EPOCH}) * 86400)"),
            _ => format!("TIMESTAMPDIFF(SECOND, {EPOCH}, {ts})"),
        }
    }

    fn native_instant(&self, _kind: TimeKind, placeholder: &str) -> String {
        format!("TIMESTAMPADD(SECOND, {placeholder}, {EPOCH})")
    }

    fn native_cast(&self, kind: TimeKind, text: &str) -> String {
        match kind {
            TimeKind::Date => format!("CAST({text} AS DATE)"),
            _ => format!("CAST({text} AS DATETIME)"),
        }
    }

    fn local_day(
        &self,
        _kind: TimeKind,
        _ts: &str,
        seconds: &str,
        calendar: &Calendar,
        range: SecondsRange,
    ) -> String {
        let offset = offset_case(seconds, calendar, range);
        format!("CAST(FLOOR(({seconds} + {offset}) / 86400) AS SIGNED)")
    }

    fn date_day(&self, ts: &str) -> String {
        format!("DATEDIFF({ts}, '1970-01-01')")
    }

    fn physical_range(&self, _start: i64, _end: i64) -> (String, Vec<Bind>) {
        // Never asked: chunks are ranges of the primary key's values, which
        // the builder writes itself (it knows the key column).
        ("1 = 1".to_owned(), Vec::new())
    }

    fn extent(&self, _table: &str) -> Statement {
        Statement {
            sql: "SELECT CAST(NULL AS SIGNED), CAST(0 AS SIGNED)".to_owned(),
            binds: Vec::new(),
        }
    }
}
