//! Numbers for people: compact counts (`1.2M`), money (`$1,234.56`), grouped
//! integers and percentage changes. Display only: money is rounded here and
//! nowhere else.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};

/// `1234` as `1.2k`, `1_234_567` as `1.2M`; below 1000 as is.
#[must_use]
pub fn compact(value: impl Into<i128>) -> String {
    const UNITS: [(u128, &str); 9] = [
        (1, ""),
        (1_000, "k"),
        (1_000_000, "M"),
        (1_000_000_000, "B"),
        (1_000_000_000_000, "T"),
        (1_000_000_000_000_000, "P"),
        (1_000_000_000_000_000_000, "E"),
        (1_000_000_000_000_000_000_000, "Z"),
        (1_000_000_000_000_000_000_000_000, "Y"),
    ];
    let value: i128 = value.into();
    let magnitude = value.unsigned_abs();
    if magnitude < 1_000 {
        return value.to_string();
    }
    let sign = if value < 0 { "-" } else { "" };
    // The largest unit the value reaches once rounded to a tenth of it
    // (999,950 rounds to 1.0M, not 1000k).
    // Tenths of `size` in the magnitude, rounded (truncated past u128).
    let tenths_of = |size: u128| match magnitude.checked_mul(10) {
        Some(times_ten) => times_ten.saturating_add(size / 2) / size,
        None => magnitude / (size / 10).max(1),
    };
    let chosen = (1..UNITS.len())
        .rev()
        .find(|&index| tenths_of(UNITS[index - 1].0) >= 10_000)
        .unwrap_or(1);
    let (size, suffix) = UNITS[chosen];
    let tenths = tenths_of(size);
    if tenths >= 1000 {
        format!("{sign}{}{suffix}", tenths / 10)
    } else {
        format!("{sign}{}.{}{suffix}", tenths / 10, tenths % 10)
    }
}

/// `12345` as `12,345`.
#[must_use]
pub fn grouped(value: impl Into<i128>) -> String {
    let value: i128 = value.into();
    group_digits(&value.unsigned_abs().to_string(), value < 0)
}

fn group_digits(digits: &str, negative: bool) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    if negative {
        format!("-{out}")
    } else {
        out
    }
}

/// Dollars rounded to cents with grouping: `$1,234.56`. Amounts that round
/// to zero but are not zero show as `<$0.01`.
#[must_use]
pub fn money(amount: Decimal) -> String {
    let cents = amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    if cents.is_zero() && !amount.is_zero() {
        return if amount.is_sign_negative() {
            "-<$0.01".to_owned()
        } else {
            "<$0.01".to_owned()
        };
    }
    let negative = cents.is_sign_negative() && !cents.is_zero();
    let text = format!("{:.2}", cents.abs());
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, "00"));
    let sign = if negative { "-" } else { "" };
    format!("{sign}${}.{fraction}", group_digits(whole, false))
}

/// Dollars in a few characters for axis labels, at the precision `scale`
/// (the largest label) needs: `$0.42`, `$12`, `$1.2k`.
#[must_use]
pub fn money_short(amount: Decimal, scale: Decimal) -> String {
    let sign = if amount.is_sign_negative() && !amount.is_zero() {
        "-"
    } else {
        ""
    };
    let amount = amount.abs();
    let whole = amount
        .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
        .to_i128()
        .unwrap_or(i128::MAX);
    if scale.abs() < Decimal::from(10) {
        format!(
            "{sign}${:.2}",
            amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
        )
    } else if whole < 1000 {
        format!("{sign}${whole}")
    } else {
        format!("{sign}${}", compact(whole))
    }
}

/// `1 day`, `3 days`: a count with its noun, plural when it is not one.
#[must_use]
pub fn plural(count: impl Into<i128>, noun: &str) -> String {
    let count: i128 = count.into();
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{} {noun}s", grouped(count))
    }
}

/// An estimate of money: `~$12.34`, or `under $0.01` (never `~<$0.01`).
#[must_use]
pub fn approx_money(amount: Decimal) -> String {
    let text = money(amount);
    match text.strip_prefix("<") {
        Some(rest) => format!("under {rest}"),
        None => format!("~{text}"),
    }
}

/// A share (0 to 1) as a whole percentage: `0.374` is `37`.
#[must_use]
pub fn percent_of(share: Decimal) -> i64 {
    share
        .saturating_mul(Decimal::ONE_HUNDRED)
        .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
        .to_i64()
        .unwrap_or(i64::MAX)
}

/// Money in few characters with the cents that matter: cents below $100
/// (`$1.25`, `$99.50`), whole dollars to $1,000 (`$312`), then short (`$1.2k`).
#[must_use]
pub fn money_brief(amount: Decimal) -> String {
    if amount.abs() < Decimal::ONE_HUNDRED {
        money(amount)
    } else {
        money_short(amount, amount)
    }
}

/// The change from `previous` to `current` as a signed percentage (`+12%`,
/// `-5%`), `new` when there was nothing before, and `=` when both are zero.
#[must_use]
pub fn change(current: Decimal, previous: Decimal) -> String {
    if previous.is_zero() {
        return if current.is_zero() {
            "=".to_owned()
        } else {
            "new".to_owned()
        };
    }
    // Past Decimal's range (never a real bill) the change saturates.
    let rise = current.saturating_sub(previous);
    let ratio = rise
        .checked_div(previous)
        .unwrap_or(if rise.is_sign_negative() {
            Decimal::MIN
        } else {
            Decimal::MAX
        });
    let percent = ratio
        .saturating_mul(Decimal::ONE_HUNDRED)
        .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
        .to_i64()
        .unwrap_or(if ratio.is_sign_negative() {
            i64::MIN
        } else {
            i64::MAX
        });
    match percent {
        0 => "±0%".to_owned(),
        p if p > 0 => format!("+{p}%"),
        p => format!("{p}%"),
    }
}

/// `building the cache: 1.2M rows read, 34%, about 8 s left`, from the rows
/// read, the share done (0 to 1) and the time left, when known.
#[must_use]
pub fn progress_line(rows: i64, fraction: f64, remaining: Option<std::time::Duration>) -> String {
    let percent = (fraction.clamp(0.0, 1.0) * 100.0).floor();
    let left = remaining.map_or_else(String::new, |left| {
        let seconds = left.as_secs();
        if seconds >= 120 {
            format!(", about {} min left", seconds.div_ceil(60))
        } else {
            format!(", about {} s left", seconds.max(1))
        }
    });
    format!(
        "building the cache: {} rows read, {percent:.0}%{left}",
        compact(rows)
    )
}

/// How far an import has read: `12.3 of 45.6 MB (27%)`.
#[must_use]
#[allow(clippy::cast_precision_loss)]
pub fn import_progress(done: u64, total: u64) -> String {
    let share = if total == 0 {
        100.0
    } else {
        (done as f64 * 100.0 / total as f64)
            .clamp(0.0, 100.0)
            .floor()
    };
    format!(
        "{:.1} of {:.1} MB ({share:.0}%)",
        done as f64 / 1e6,
        total as f64 / 1e6
    )
}

/// Share as a whole percentage.
#[must_use]
pub fn percent(share: Decimal) -> i64 {
    share
        .saturating_mul(Decimal::ONE_HUNDRED)
        .round()
        .to_i64()
        .unwrap_or(i64::MAX)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    //! Numbers for people at their rounding boundaries: compact counts,
    //! grouped integers, money, axis money, percentage changes, progress.
    use super::*;
    use std::time::Duration;

    #[test]
    fn progress_says_rows_share_and_time_left() {
        let line = progress_line(1_234_567, 0.345, Some(Duration::from_secs(8)));
        assert_eq!(
            line,
            "building the cache: 1.2M rows read, 34%, about 8 s left"
        );
        let line = progress_line(10, 0.01, Some(Duration::from_secs(600)));
        assert!(line.ends_with("1%, about 10 min left"), "{line}");
    }

    fn d(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    // ---- compact ---------------------------------------------------------------------

    #[test]
    fn compact_below_a_thousand_is_plain() {
        assert_eq!(compact(0), "0");
        assert_eq!(compact(7), "7");
        assert_eq!(compact(999), "999");
        assert_eq!(compact(-999), "-999");
    }

    #[test]
    fn compact_units() {
        assert_eq!(compact(1000), "1.0k");
        assert_eq!(compact(1049), "1.0k");
        assert_eq!(compact(1050), "1.1k");
        assert_eq!(compact(1234), "1.2k");
        assert_eq!(compact(12_345), "12.3k");
        assert_eq!(compact(99_949), "99.9k");
        // From 100 units on, no decimal.
        assert_eq!(compact(99_950), "100k");
        assert_eq!(compact(123_456), "123k");
        assert_eq!(compact(999_949), "999k");
        assert_eq!(compact(1_000_000), "1.0M");
        assert_eq!(compact(1_234_567), "1.2M");
        assert_eq!(compact(1_250_000), "1.3M");
        assert_eq!(compact(1_000_000_000), "1.0B");
        assert_eq!(compact(2_500_000_000_000_i64), "2.5T");
        assert_eq!(compact(i64::MAX), "9.2E");
        // Sums past 2^63 (128-bit token counts).
        assert_eq!(compact(i128::from(i64::MAX) * 5), "46.1E");
        assert_eq!(compact(4_000_000_000_000_000_000_000_i128), "4.0Z");
        assert_eq!(compact(i128::MAX), "170141183460469Y");
    }

    #[test]
    fn compact_negatives_mirror_positives() {
        assert_eq!(compact(-1000), "-1.0k");
        assert_eq!(compact(-1050), "-1.1k");
        assert_eq!(compact(-1_234_567), "-1.2M");
        assert_eq!(compact(-99_950), "-100k");
        assert_eq!(compact(i64::MIN), "-9.2E");
        for value in [
            1,
            999,
            1000,
            1049,
            1050,
            45_678,
            1_234_567,
            987_654_321_000_i64,
        ] {
            assert_eq!(compact(-value), format!("-{}", compact(value)), "{value}");
        }
    }

    #[test]
    fn compact_rounds_up_into_the_next_unit() {
        // 999,950 rounds to 1000.0k, which is 1.0M.
        assert_eq!(compact(999_950), "1.0M");
        assert_eq!(compact(999_999), "1.0M");
        assert_eq!(compact(-999_950), "-1.0M");
        assert_eq!(compact(999_950_000), "1.0B");
        assert_eq!(compact(999_999_999_999_i64), "1.0T");
    }

    // ---- grouped ----------------------------------------------------------------------

    #[test]
    fn grouped_inserts_commas_every_three_digits() {
        assert_eq!(grouped(0), "0");
        assert_eq!(
            grouped(i128::from(i64::MAX) * 5),
            "46,116,860,184,273,879,035"
        );
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(12_345), "12,345");
        assert_eq!(grouped(100_000), "100,000");
        assert_eq!(grouped(1_234_567), "1,234,567");
        assert_eq!(grouped(-1_234_567), "-1,234,567");
        assert_eq!(grouped(-999), "-999");
        assert_eq!(grouped(i64::MIN), "-9,223,372,036,854,775,808");
        assert_eq!(grouped(i64::MAX), "9,223,372,036,854,775,807");
    }

    // ---- money -------------------------------------------------------------------------

    #[test]
    fn money_rounds_half_away_from_zero() {
        assert_eq!(money(d("1234.565")), "$1,234.57");
        assert_eq!(money(d("1234.575")), "$1,234.58");
        assert_eq!(money(d("0.125")), "$0.13");
        assert_eq!(money(d("0.135")), "$0.14");
        assert_eq!(money(d("0.005")), "$0.01");
        assert_eq!(money(d("2.994999")), "$2.99");
        assert_eq!(money(d("2.995")), "$3.00");
        assert_eq!(money(d("-1234.565")), "-$1,234.57");
        assert_eq!(money(d("-0.005")), "-$0.01");
    }

    #[test]
    fn money_pads_and_groups() {
        assert_eq!(money(Decimal::ZERO), "$0.00");
        assert_eq!(money(d("0.1")), "$0.10");
        assert_eq!(money(d("7")), "$7.00");
        assert_eq!(money(d("999.999")), "$1,000.00");
        assert_eq!(money(d("1000000")), "$1,000,000.00");
        assert_eq!(money(d("123456789.01")), "$123,456,789.01");
        assert_eq!(money(d("-42.5")), "-$42.50");
    }

    #[test]
    fn money_marks_tiny_amounts() {
        assert_eq!(money(d("0.004999")), "<$0.01");
        assert_eq!(money(d("0.000000075")), "<$0.01");
        assert_eq!(money(d("-0.004")), "-<$0.01");
        // Zero written with a scale is still zero.
        assert_eq!(money(d("0.000")), "$0.00");
        assert_eq!(money(d("-0.00")), "$0.00");
    }

    // ---- money_short ----------------------------------------------------------------------

    #[test]
    fn money_short_small_scale_shows_cents() {
        assert_eq!(money_short(d("0.42"), d("5")), "$0.42");
        assert_eq!(money_short(Decimal::ZERO, d("9.99")), "$0.00");
        assert_eq!(money_short(d("4.5"), d("9")), "$4.50");
        assert_eq!(money_short(d("0.421"), d("1")), "$0.42");
    }

    #[test]
    fn money_short_large_scale_shows_whole_dollars() {
        assert_eq!(money_short(d("12"), d("10")), "$12");
        assert_eq!(money_short(d("12.5"), d("50")), "$13");
        assert_eq!(money_short(d("12.49"), d("50")), "$12");
        assert_eq!(money_short(d("0.4"), d("50")), "$0");
        assert_eq!(money_short(d("999.4"), d("999.4")), "$999");
        assert_eq!(money_short(d("999.5"), d("1000")), "$1.0k");
        assert_eq!(money_short(d("1234"), d("2000")), "$1.2k");
        assert_eq!(money_short(d("25000"), d("50000")), "$25.0k");
        assert_eq!(money_short(d("2500000"), d("5000000")), "$2.5M");
    }

    #[test]
    fn money_short_rounds_cents_like_money() {
        // The same amount must not read $0.12 on an axis and $0.13 in a summary.
        assert_eq!(money(d("0.125")), "$0.13");
        assert_eq!(money_short(d("0.125"), d("1")), "$0.13");
        assert_eq!(money_short(d("2.345"), d("5")), "$2.35");
    }

    // ---- change ---------------------------------------------------------------------------

    #[test]
    fn change_from_nothing() {
        assert_eq!(change(Decimal::ZERO, Decimal::ZERO), "=");
        assert_eq!(change(d("0.00"), d("0.000")), "=");
        assert_eq!(change(d("5"), Decimal::ZERO), "new");
        assert_eq!(change(d("0.000001"), Decimal::ZERO), "new");
    }

    #[test]
    fn change_as_signed_percent() {
        assert_eq!(change(d("112"), d("100")), "+12%");
        assert_eq!(change(d("95"), d("100")), "-5%");
        assert_eq!(change(d("100"), d("100")), "±0%");
        assert_eq!(change(d("100.4"), d("100")), "±0%");
        assert_eq!(change(d("99.6"), d("100")), "±0%");
        assert_eq!(change(Decimal::ZERO, d("10")), "-100%");
        assert_eq!(change(d("30"), d("10")), "+200%");
        assert_eq!(change(d("1"), d("3")), "-67%");
        assert_eq!(change(d("2"), d("3")), "-33%");
    }

    #[test]
    fn change_rounds_half_away_from_zero() {
        assert_eq!(change(d("100.5"), d("100")), "+1%");
        assert_eq!(change(d("99.5"), d("100")), "-1%");
        assert_eq!(change(d("102.5"), d("100")), "+3%");
        assert_eq!(change(d("97.5"), d("100")), "-3%");
    }
}
