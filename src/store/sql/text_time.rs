//! Text timestamps, read alike on every engine:
//! `YYYY-MM-DD[( |T)HH:MM[:SS[.fff]]][Z|±HH[[:]MM]]` (PostgreSQL prints
//! `2026-11-30 10:00:00.123456+00`), a day past the end of its month rolling
//! into the next (`2026-02-30` is March 2), anything else NULL. PostgreSQL
//! reads them by arithmetic on a regular expression's captures (a plain
//! `::timestamptz` cast would fail the whole query on the first unreadable
//! value and accept forms SQLite refuses); SQLite by its date functions,
//! held to the same form by [`SQLITE_DATE_GLOB`], after writing the short
//! offsets `±HH` and `±HHMM` as `±HH:MM`, which is all it reads.

/// The accepted form, with captures: year, month, day, hour, minute,
/// second, offset sign, offset hours, offset minutes. As in SQLite, any run
/// of spaces and `T`s may separate the date from the time (or end the
/// date), an offset only follows a time, and spaces may surround it.
const ISO_PATTERN: &str = "^([0-9]{4})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[ T]*\
(?:([01][0-9]|2[0-4]):([0-5][0-9])(?::([0-5][0-9])(?:[.][0-9]+)?)?[[:space:]]*\
(?:(?:[zZ]|([+-])(0[0-9]|1[0-4])(?::?([0-5][0-9]))?)[[:space:]]*)?)?$";

/// SQLite's own test that a text starts like a date: without it SQLite
/// would also read `now`, a bare time of day (as 2000-01-01) and numbers
/// (as Julian days).
const SQLITE_DATE_GLOB: &str = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*";

/// A day's leading `YYYY-MM-DD`, with captures year, month, day.
const DAY_PATTERN: &str = "^([0-9]{4})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])";

/// Days since 1970-01-01 of the civil date `(y, m, d)` (SQL integer
/// expressions, years 0 to 9999), by H. Hinnant's `days_from_civil`,
/// shifted 400 years so every division is of a non-negative number.
fn days_from_civil(y: &str, m: &str, d: &str) -> String {
    civil_days(y, m, d, "/", |era| format!("{era}::bigint"))
}

/// [`days_from_civil`] with the engine's integer division operator (`/`,
/// or MySQL's `DIV`) and its cast of the era to a 64-bit integer.
#[must_use]
pub fn civil_days(y: &str, m: &str, d: &str, div: &str, wide: impl Fn(&str) -> String) -> String {
    civil_days_by(y, m, d, |a, b| format!("({a} {div} {b})"), wide)
}

/// [`civil_days`] with integer division (of non-negative numbers) written
/// by `div(dividend, divisor)`, for engines without an infix operator.
#[must_use]
pub fn civil_days_by(
    y: &str,
    m: &str,
    d: &str,
    div: impl Fn(&str, &str) -> String,
    wide: impl Fn(&str) -> String,
) -> String {
    // Years counted from March; 400 years added.
    let year = format!("({y} - CASE WHEN {m} <= 2 THEN 1 ELSE 0 END + 400)");
    let era = div(&year, "400");
    let year_of_era = format!("({year} - {era} * 400)");
    let day_of_year = format!(
        "({} + {d} - 1)",
        div(&format!("(153 * (({m} + 9) % 12) + 2)"), "5")
    );
    let day_of_era = format!(
        "({year_of_era} * 365 + {} - {} + {day_of_year})",
        div(&year_of_era, "4"),
        div(&year_of_era, "100")
    );
    format!("({} * 146097 + {day_of_era} - 719468 - 146097)", wide(&era))
}

/// The accepted form (see the module's documentation) as a regular
/// expression without captures' numbering needs: engines that validate with
/// `REGEXP` and take the parts by position use it.
pub const ISO_FORM: &str = ISO_PATTERN;

/// A day's leading `YYYY-MM-DD`, for engines that validate with `REGEXP`.
pub const DAY_FORM: &str = DAY_PATTERN;

/// Unix seconds of the text timestamp `ts`, or NULL when it is not in the
/// accepted form.
#[must_use]
pub fn iso_seconds(ts: &str) -> String {
    let part = |index: usize| format!("usagetop_t[{index}]::int");
    let or_zero = |index: usize| format!("COALESCE(usagetop_t[{index}]::int, 0)");
    let days = days_from_civil(&part(1), &part(2), &part(3));
    format!(
        "(SELECT {days} * 86400 + {hour} * 3600 + {minute} * 60 + {second} \
         - CASE usagetop_t[7] WHEN '-' THEN -1 WHEN '+' THEN 1 ELSE 0 END \
           * ({offset_hours} * 3600 + {offset_minutes} * 60) \
         FROM (SELECT regexp_match(({ts})::text, '{ISO_PATTERN}') AS usagetop_t) AS usagetop_parsed)",
        hour = or_zero(4),
        minute = or_zero(5),
        second = or_zero(6),
        offset_hours = or_zero(8),
        offset_minutes = or_zero(9),
    )
}

/// Unix seconds of the text timestamp `ts` on SQLite, or NULL when it is not
/// in the accepted form.
#[must_use]
pub fn sqlite_seconds(ts: &str) -> String {
    // A time, then an offset of hours alone or of hours and minutes without a colon.
    let timed = format!("{ts} GLOB '????-??-??*[0-9]:[0-9][0-9]*'");
    let normalized = format!(
        "CASE WHEN {timed} AND trim({ts}) GLOB '*[0-9][+-][0-9][0-9]' THEN trim({ts}) || ':00' \
              WHEN {timed} AND trim({ts}) GLOB '*[0-9][+-][0-9][0-9][0-9][0-9]' \
                   THEN substr(trim({ts}), 1, length(trim({ts})) - 2) || ':' || substr(trim({ts}), -2) \
              ELSE {ts} END"
    );
    format!(
        "CASE WHEN {ts} GLOB '{SQLITE_DATE_GLOB}' THEN CAST(strftime('%s', {normalized}) AS INTEGER) END"
    )
}

/// Days since 1970-01-01 of the date that text `ts` starts with, or NULL.
#[must_use]
pub fn date_days(ts: &str) -> String {
    let part = |index: usize| format!("usagetop_t[{index}]::int");
    format!(
        "(SELECT {days} FROM (SELECT regexp_match(({ts})::text, '{DAY_PATTERN}') AS usagetop_t) AS usagetop_parsed)",
        days = days_from_civil(&part(1), &part(2), &part(3))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same arithmetic, in Rust, against chrono.
    fn days(y: i64, m: i64, d: i64) -> i64 {
        let year = y - i64::from(m <= 2) + 400;
        let era = year / 400;
        let year_of_era = year - era * 400;
        let day_of_year = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
        let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
        era * 146_097 + day_of_era - 719_468 - 146_097
    }

    #[test]
    fn civil_days_match_chrono_from_year_0_to_9999() {
        let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch");
        let mut date = chrono::NaiveDate::from_ymd_opt(0, 1, 1).expect("year 0");
        let last = chrono::NaiveDate::from_ymd_opt(9999, 12, 31).expect("year 9999");
        while date <= last {
            use chrono::Datelike;
            let expected = (date - epoch).num_days();
            let got = days(
                i64::from(date.year()),
                i64::from(date.month()),
                i64::from(date.day()),
            );
            assert_eq!(got, expected, "{date}");
            date = date.succ_opt().expect("next day");
        }
        // Past the end of a month rolls on, as in SQLite.
        assert_eq!(days(2026, 2, 30), days(2026, 3, 2));
    }

    #[test]
    fn the_expressions_read_the_column_once_per_row() {
        assert_eq!(iso_seconds("\"ts\"").matches("\"ts\"").count(), 1);
        assert_eq!(date_days("\"day\"").matches("\"day\"").count(), 1);
    }
}
