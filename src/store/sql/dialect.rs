//! How one SQL engine spells what the builder needs: placeholders, casts,
//! sums, reading numbers that may be unreadable, instants, local days and
//! physical scans. Each engine implements [`SqlDialect`] in its own module
//! (`store::sqlite::dialect`, `store::postgres::dialect`); the builder is
//! written once against this trait, so a new engine is one module.

use super::{Bind, Statement};
use crate::period::Calendar;
use crate::store::mapping::{ColumnKind, TimeKind};
use crate::store::SecondsRange;

/// A value read from a row, and the test that the stored value is present
/// but cannot be read (text where a number belongs, NaN, out of range).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reading {
    /// The value: never fails, NULL when absent or unreadable.
    pub value: String,
    /// True for a row whose stored value cannot be read (never NULL), if
    /// the column's type allows such values at all.
    pub unreadable: Option<String>,
    /// The stored value as text, to show an example of one that cannot be read.
    pub shown: String,
}

/// An engine's SQL.
pub trait SqlDialect: Send + Sync + std::fmt::Debug {
    /// The placeholder of parameter `index` (from 1).
    fn placeholder(&self, index: usize) -> String;

    /// `expression` as a 64-bit integer.
    fn integer(&self, expression: &str) -> String;

    /// `expression` as text.
    fn text(&self, expression: &str) -> String;

    /// A text literal (a value usagetop computed, or the configured default model).
    fn literal(&self, text: &str) -> String {
        super::quote_literal(text)
    }

    /// `expression` with the spaces at both ends removed (SQL's `TRIM`).
    fn trim(&self, expression: &str) -> String {
        format!("TRIM({expression})")
    }

    /// `column` as an aggregate's argument whose `MIN` or `MAX` over no
    /// rows is NULL (ClickHouse gives the type's default for a column
    /// that is not `Nullable`).
    fn nullable(&self, column: &str) -> String {
        column.to_owned()
    }

    /// False, as a value.
    fn false_value(&self) -> &'static str {
        "FALSE"
    }

    /// ` GROUP BY` the first select columns, whose aliases are `aliases`
    /// (by position where the engine allows it).
    fn group_by(&self, aliases: &[&str]) -> String {
        let positions: Vec<String> = (1..=aliases.len()).map(|n| n.to_string()).collect();
        format!(" GROUP BY {}", positions.join(", "))
    }

    /// Integer division of a whole-number expression by a positive constant,
    /// truncating toward zero as SQLite's and PostgreSQL's `/` do.
    fn div(&self, dividend: &str, divisor: i64) -> String {
        format!("({dividend}) / {divisor}")
    }

    /// A token sum, exact: 64-bit where the engine raises an error on
    /// overflow (and is then asked again for [`Self::wide_sum`]).
    fn token_sum(&self, expression: &str) -> String {
        self.sum(expression)
    }

    /// A NULL of the 64-bit integer type.
    fn null_integer(&self) -> String {
        self.integer("NULL")
    }

    /// A condition as 0 or 1.
    fn flag(&self, condition: &str) -> String {
        format!("(CASE WHEN {condition} THEN 1 ELSE 0 END)")
    }

    /// Rows of a group for which `condition` holds, as a 64-bit integer.
    fn count_where(&self, condition: &str) -> String {
        self.integer(&format!(
            "COALESCE(SUM(CASE WHEN {condition} THEN 1 ELSE 0 END), 0)"
        ))
    }

    /// A 64-bit sum, 0 for no rows.
    fn sum(&self, expression: &str) -> String {
        self.integer(&format!("COALESCE(SUM({expression}), 0)"))
    }

    /// An exact sum in the text forms `store::wide::WideSum` reads.
    fn wide_sum(&self, expression: &str) -> String;

    /// Dollars as nano-dollars rounded half away from zero (a 64-bit integer).
    fn nanos(&self, dollars: &str) -> String;

    /// A whole number stored in `column` of `kind`.
    fn number(&self, column: &str, kind: &ColumnKind) -> Reading;

    /// An aggregate over a group's rows that is true when a row of the group
    /// may hold, in `column` of `kind` (a request count), a value
    /// [`Self::number`] cannot read, computed from aggregates rather than row
    /// by row: a cheap first look that a one-pass rollup uses to decide
    /// whether its answer is exact. `None` where the engine has no such test
    /// (rows are then counted one by one).
    fn number_suspect(&self, _column: &str, _kind: &ColumnKind) -> Option<String> {
        None
    }

    /// As [`Self::number_suspect`] for all the token-count `columns` of a
    /// mapping at once, a negative count flagged too (one aggregate for the
    /// sign of all of them where the engine can: each aggregate is a step
    /// per row).
    fn tokens_suspect(&self, _columns: &[(String, ColumnKind)]) -> Option<String> {
        None
    }

    /// As [`Self::number_suspect`], for dollars stored in `column`.
    fn dollars_suspect(&self, _column: &str) -> Option<String> {
        None
    }

    /// A number at `path` (keys) inside the JSON in `column`.
    fn json_number(&self, column: &str, path: &[String]) -> Reading;

    /// The number under `key` of the map `column`, whose values are of
    /// `value_type` (the engine's name). Only ClickHouse has maps; the
    /// catalog check refuses a map key elsewhere, and an engine without
    /// them leaves every row out as unreadable rather than guess.
    fn map_number(&self, column: &str, _key: &str, _value_type: &str) -> Reading {
        Reading {
            value: "NULL".to_owned(),
            unreadable: Some("1 = 1".to_owned()),
            shown: column.to_owned(),
        }
    }

    /// Dollars stored in `column` of `kind` (finite, under $9.2e9).
    fn dollars(&self, column: &str, kind: &ColumnKind) -> Reading;

    /// A case-insensitive test of text `value` against the glob `pattern`
    /// (bound at `placeholder`).
    fn glob(&self, value: &str, placeholder: &str, pattern: &str) -> (String, Bind);

    /// Unix seconds (floored) of a number of seconds in `ts`, NULL when it
    /// is not a number.
    fn unix_seconds(&self, ts: &str, kind: &ColumnKind) -> String;

    /// Unix seconds (floored) of a number of milliseconds in `ts`.
    fn unix_millis(&self, ts: &str) -> String;

    /// Unix seconds of a text timestamp in the accepted form, else NULL.
    fn text_seconds(&self, ts: &str) -> String;

    /// Days since 1970-01-01 of the date a text starts with, else NULL.
    fn text_day(&self, ts: &str) -> String;

    /// Unix seconds of the engine's own date or timestamp type.
    fn native_seconds(&self, kind: TimeKind, ts: &str) -> String;

    /// A bound instant (unix seconds at `placeholder`) as a value of the
    /// column's own type, for range tests that use its index.
    fn native_instant(&self, kind: TimeKind, placeholder: &str) -> String;

    /// A text value (a literal or a placeholder holding `YYYY-MM-DD[ HH:MM:SS]`,
    /// UTC) as a value of the column's own type.
    fn native_cast(&self, kind: TimeKind, text: &str) -> String;

    /// The local day number of a row whose unix seconds are `seconds` (and
    /// whose column of `kind` is `ts`), in `calendar`'s zone over `range`.
    fn local_day(
        &self,
        kind: TimeKind,
        ts: &str,
        seconds: &str,
        calendar: &Calendar,
        range: SecondsRange,
    ) -> String;

    /// Days since 1970-01-01 of a date column.
    fn date_day(&self, ts: &str) -> String;

    /// The start of the 15-minute slot of a native timestamp, computed in
    /// the column's own type (cheaper than converting every row), if the
    /// engine can.
    fn native_slot(&self, _kind: TimeKind, _ts: &str) -> Option<String> {
        None
    }

    /// The rows at physical positions `[start, end)`.
    fn physical_range(&self, start: i64, end: i64) -> (String, Vec<Bind>);

    /// The table's physical extent and the server's version (0 for none).
    fn extent(&self, table: &str) -> Statement;
}
