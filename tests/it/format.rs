//! Numbers for people: compact counts, grouped integers, money, axis money
//! and percentage changes, at their rounding boundaries.
#![allow(clippy::unwrap_used)]

use rust_decimal::Decimal;
use usagetop::format::{change, compact, grouped, money, money_short};

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
