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
mod tests {
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
}
