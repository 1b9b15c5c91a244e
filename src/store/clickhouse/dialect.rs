//! ClickHouse's SQL for the builder, written for servers from 18.16 on:
//! `?` placeholders that `clickhouse::literal` fills with escaped literals,
//! `toInt64`/`toString` casts, `intDiv` for integer division (`/` gives
//! floats there), token sums always exact as the text of a 128-bit decimal
//! sum (a 64-bit `sum` wraps silently), GROUP BY by alias (old servers read
//! `GROUP BY 1` as a constant), `DateTime` and `Date` columns through their
//! unix seconds and day numbers, text timestamps checked with `match` and
//! read by position, and local days from the zone's offset spans (exact
//! whatever time-zone data the server was built with).

use crate::period::{Calendar, SECONDS_PER_DAY};
use crate::store::mapping::{ColumnKind, TimeKind};
use crate::store::sql::{offset_case, text_time, Bind, Reading, SqlDialect, Statement};
use crate::store::SecondsRange;

use super::literal::text_literal;

/// The ClickHouse dialect.
#[derive(Debug)]
pub struct ClickhouseDialect;

/// The one instance.
pub static CLICKHOUSE: ClickhouseDialect = ClickhouseDialect;

/// The last second a `DateTime` holds (2106-02-07).
const DATETIME_MAX: i64 = 4_294_967_295;

/// The last day a `Date` holds.
const DATE_MAX: i64 = 65_535;

/// Days added before dividing, so that division floors before 1970 too.
const FLOOR_SHIFT_DAYS: i64 = 1_000_000;

/// Seconds added to milliseconds before dividing, for the same reason.
const FLOOR_SHIFT_MILLIS_S: i64 = 100_000_000_000;

/// `substring(text, start, length)` as a whole number (0 when empty).
fn part(text: &str, start: usize, length: usize) -> String {
    format!("toInt64OrZero(substring({text}, {start}, {length}))")
}

/// Days since 1970-01-01 of the `YYYY-MM-DD` a text starts with (not checked).
fn leading_days(ts: &str) -> String {
    text_time::civil_days_by(
        &part(ts, 1, 4),
        &part(ts, 6, 2),
        &part(ts, 9, 2),
        |dividend, divisor| format!("intDiv({dividend}, {divisor})"),
        |era| format!("toInt64({era})"),
    )
}

/// A number stored as text, read as a float (NULL when it is not one).
fn float_of(column: &str, kind: &ColumnKind) -> String {
    match kind {
        ColumnKind::Integer | ColumnKind::Fractional => format!("toFloat64({column})"),
        _ => format!("toFloat64OrNull(toString({column}))"),
    }
}

/// A reading of a float below `limit` in magnitude.
fn bounded(value: &str, column: &str, limit: &str) -> Reading {
    Reading {
        value: format!("(CASE WHEN abs({value}) < {limit} THEN {value} END)"),
        unreadable: Some(format!(
            "({column} IS NOT NULL AND NOT COALESCE(abs({value}) < {limit}, 0))"
        )),
        shown: format!("toString({column})"),
    }
}

impl SqlDialect for ClickhouseDialect {
    fn placeholder(&self, _index: usize) -> String {
        "?".to_owned()
    }

    fn integer(&self, expression: &str) -> String {
        format!("toInt64({expression})")
    }

    fn text(&self, expression: &str) -> String {
        format!("toString({expression})")
    }

    fn literal(&self, text: &str) -> String {
        text_literal(text)
    }

    fn trim(&self, expression: &str) -> String {
        format!("replaceRegexpAll({expression}, '^ +| +$', '')")
    }

    fn nullable(&self, column: &str) -> String {
        format!("toNullable({column})")
    }

    fn false_value(&self) -> &'static str {
        "0"
    }

    fn group_by(&self, aliases: &[&str]) -> String {
        format!(" GROUP BY {}", aliases.join(", "))
    }

    fn div(&self, dividend: &str, divisor: i64) -> String {
        // intDiv truncates toward zero, as SQLite's and PostgreSQL's `/`.
        format!("intDiv({dividend}, {divisor})")
    }

    fn null_integer(&self) -> String {
        "CAST(NULL AS Nullable(Int64))".to_owned()
    }

    fn token_sum(&self, expression: &str) -> String {
        // A 64-bit sum would wrap without an error: always the exact sum.
        self.wide_sum(expression)
    }

    fn wide_sum(&self, expression: &str) -> String {
        format!("ifNull(toString(sum(toDecimal128({expression}, 0))), '0')")
    }

    fn sum(&self, expression: &str) -> String {
        format!("toInt64(ifNull(sum({expression}), 0))")
    }

    fn count_where(&self, condition: &str) -> String {
        format!("toInt64(countIf(COALESCE({condition}, 0) != 0))")
    }

    fn nanos(&self, dollars: &str) -> String {
        // Half away from zero, in the same double arithmetic as elsewhere.
        let nanos = format!("({dollars} * 1000000000)");
        format!(
            "toInt64(CASE WHEN {nanos} < 0 THEN -floor(0.5 - {nanos}) ELSE floor({nanos} + 0.5) END)"
        )
    }

    fn number(&self, column: &str, kind: &ColumnKind) -> Reading {
        match kind {
            ColumnKind::Integer => Reading {
                value: format!("toInt64({column})"),
                unreadable: None,
                shown: format!("toString({column})"),
            },
            _ => bounded(&float_of(column, kind), column, "9.2e18"),
        }
    }

    fn json_number(&self, column: &str, path: &[String]) -> Reading {
        // Servers from 18.16 on read a field by name (`visitParamExtractRaw`,
        // the first field of that name); nested paths name their last key.
        let key = path.last().map_or("", String::as_str);
        let raw = format!(
            "visitParamExtractRaw(toString({column}), {})",
            text_literal(key)
        );
        let value = format!("toFloat64OrNull({raw})");
        Reading {
            value: format!("(CASE WHEN abs({value}) < 9.2e18 THEN {value} END)"),
            unreadable: Some(format!(
                "({raw} NOT IN ('', 'null') AND NOT COALESCE(abs({value}) < 9.2e18, 0))"
            )),
            shown: format!("toString({column})"),
        }
    }

    fn map_number(&self, column: &str, key: &str, value_type: &str) -> Reading {
        // A key the map lacks reads as the value type's default: 0.
        let value = format!("{column}[{}]", text_literal(key));
        self.number(&value, &super::column_kind(value_type))
    }

    fn dollars(&self, column: &str, kind: &ColumnKind) -> Reading {
        bounded(&float_of(column, kind), column, "9.2e9")
    }

    fn glob(&self, value: &str, placeholder: &str, pattern: &str) -> (String, Bind) {
        (
            format!("lower({value}) LIKE {placeholder}"),
            Bind::Text(crate::filter::to_like(&pattern.to_ascii_lowercase())),
        )
    }

    fn unix_seconds(&self, ts: &str, kind: &ColumnKind) -> String {
        match kind {
            ColumnKind::Integer => format!("toInt64({ts})"),
            _ => format!("toInt64(floor({ts}))"),
        }
    }

    fn unix_millis(&self, ts: &str) -> String {
        // Shifted positive so that intDiv floors; `ts` is written once (it
        // may hold placeholders, filled in order).
        let shift = FLOOR_SHIFT_MILLIS_S * 1000;
        format!("(intDiv(toInt64({ts}) + {shift}, 1000) - {FLOOR_SHIFT_MILLIS_S})")
    }

    fn text_seconds(&self, ts: &str) -> String {
        let text = format!("toString({ts})");
        let rest = format!("substring({text}, 11)");
        let time = format!("extract({rest}, '[0-9]{{2}}:[0-9]{{2}}(?::[0-9]{{2}})?')");
        let offset =
            format!("replaceAll(extract({rest}, '[+-][0-9]{{2}}(?::?[0-9]{{2}})?'), ':', '')");
        format!(
            "(CASE WHEN match({text}, {form}) THEN {days} * 86400 \
             + {hour} * 3600 + {minute} * 60 + {second} \
             - (CASE substring({offset}, 1, 1) WHEN '-' THEN -1 WHEN '+' THEN 1 ELSE 0 END) \
               * ({offset_hours} * 3600 + {offset_minutes} * 60) END)",
            form = text_literal(text_time::ISO_FORM),
            days = leading_days(&text),
            hour = part(&time, 1, 2),
            minute = part(&time, 4, 2),
            second = part(&time, 7, 2),
            offset_hours = part(&offset, 2, 2),
            offset_minutes = part(&offset, 4, 2),
        )
    }

    fn text_day(&self, ts: &str) -> String {
        let text = format!("toString({ts})");
        format!(
            "(CASE WHEN match({text}, {form}) THEN {days} END)",
            form = text_literal(text_time::DAY_FORM),
            days = leading_days(&text)
        )
    }

    fn native_seconds(&self, kind: TimeKind, ts: &str) -> String {
        match kind {
            TimeKind::Date => format!("(toInt64({ts}) * 86400)"),
            _ => format!("toInt64({ts})"),
        }
    }

    fn native_instant(&self, kind: TimeKind, placeholder: &str) -> String {
        // Clamped to what the type holds: the range stays exact.
        match kind {
            TimeKind::Date => format!(
                "CAST(toUInt16(greatest(least(intDiv({placeholder}, 86400), {DATE_MAX}), 0)) AS Date)"
            ),
            _ => format!(
                "toDateTime(toUInt32(greatest(least({placeholder}, {DATETIME_MAX}), 0)))"
            ),
        }
    }

    fn native_cast(&self, kind: TimeKind, text: &str) -> String {
        // `YYYY-MM-DD[ HH:MM:SS]` (UTC), clamped to what the type holds (a
        // cast of 1900-01-01 would wrap); a `DateTime` read by arithmetic.
        match kind {
            // `text` may be a placeholder (the range of a `Date` column):
            // written once, and read through a lambda's parameter.
            TimeKind::Date => format!(
                "arrayMap(usagetop_text -> CAST(toUInt16(greatest(least({days}, {DATE_MAX}), 0)) AS Date), [{text}])[1]",
                days = leading_days("usagetop_text")
            ),
            _ => {
                let days = leading_days(text);
                let seconds = format!(
                    "({days} * 86400 + {} * 3600 + {} * 60 + {})",
                    part(text, 12, 2),
                    part(text, 15, 2),
                    part(text, 18, 2)
                );
                format!("toDateTime(toUInt32(greatest(least({seconds}, {DATETIME_MAX}), 0)))")
            }
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
        format!(
            "(intDiv({seconds} + {offset} + {shift}, {SECONDS_PER_DAY}) - {FLOOR_SHIFT_DAYS})",
            shift = FLOOR_SHIFT_DAYS * SECONDS_PER_DAY
        )
    }

    fn date_day(&self, ts: &str) -> String {
        format!("toInt64({ts})")
    }

    fn physical_range(&self, _start: i64, _end: i64) -> (String, Vec<Bind>) {
        // Never asked: the table is read by time ranges (no positions).
        ("1 = 1".to_owned(), Vec::new())
    }

    fn extent(&self, _table: &str) -> Statement {
        Statement {
            sql: "SELECT CAST(NULL AS Nullable(Int64)), toInt64(0)".to_owned(),
            binds: Vec::new(),
        }
    }
}
