//! The month-end prediction against numbers known in advance: a history that
//! repeats one week exactly is forecast exactly (by hand and as a property),
//! the rest of today follows the hour-of-day profile, short histories use
//! the median of their days then today's rate, growth is followed, one burst
//! day is ignored, and the band holds the point.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use chrono_tz::Tz;
use proptest::prelude::*;
use rust_decimal::Decimal;
use usagetop::analytics::forecast::{predict, Method, Prediction};
use usagetop::analytics::{QueryPlan, Totals};
use usagetop::period::{Calendar, WeekStart};
use usagetop::usage::Usage;

fn d(text: &str) -> Decimal {
    text.parse().unwrap()
}

fn date(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

fn day(cost: Decimal, requests: i64, tokens: i64) -> Totals {
    Totals {
        usage: Usage {
            requests,
            input_tokens: tokens.into(),
            ..Usage::default()
        },
        cost,
        ..Totals::default()
    }
}

fn run(
    tz: Tz,
    now: &str,
    per_day: &BTreeMap<NaiveDate, Totals>,
    first_day: Option<NaiveDate>,
    before: &BTreeMap<NaiveDate, Totals>,
) -> Prediction {
    let calendar = Calendar::new(tz, WeekStart::Monday);
    let plan = QueryPlan::new(utc(now), &calendar);
    predict(&plan, &calendar, per_day, first_day, before)
}

/// Cost 1..7 for Monday..Sunday, requests 10x, tokens 100x.
fn constant_weekday(date: NaiveDate) -> Totals {
    let n = i64::from(date.weekday().number_from_monday());
    day(Decimal::from(n), 10 * n, 100 * n)
}

fn days_between(from: NaiveDate, to: NaiveDate) -> impl Iterator<Item = NaiveDate> {
    from.iter_days().take_while(move |day| *day <= to)
}

#[test]
fn a_repeating_week_is_forecast_exactly() {
    // Wednesday 2026-06-17 12:00 UTC; history since May 1; today so far 1.5.
    let today = date(2026, 6, 17);
    let mut per_day: BTreeMap<NaiveDate, Totals> =
        days_between(date(2026, 5, 1), date(2026, 6, 16))
            .map(|day| (day, constant_weekday(day)))
            .collect();
    per_day.insert(today, day(d("1.5"), 15, 150));
    let p = run(
        chrono_tz::UTC,
        "2026-06-17T12:00:00Z",
        &per_day,
        Some(date(2026, 5, 1)),
        &BTreeMap::new(),
    );
    assert_eq!(p.method, Method::WeekdayTrend);
    assert_eq!(p.method.code(), "weekday_trend");
    // Month to date 60.5; rest of today half a Wednesday (no profile: the
    // hours left) 1.5; Jun 18..30 (Thu..Tue) 53. Total 115.
    assert_eq!(p.month_to_date.cost, d("60.5"));
    assert_eq!(p.cost.point, d("115"));
    assert_eq!(p.requests.point, d("1150"));
    assert_eq!(p.tokens.point, d("11500"));
    // The band holds the point and never dips below the month to date.
    assert!(p.cost.low < p.cost.point && p.cost.point < p.cost.high);
    assert!(p.cost.low >= p.month_to_date.cost);
    // The projection: the rest of today, then each day to the end of June
    // (the week ends on Sunday Jun 21, before the month does).
    assert_eq!(p.projection[0], (today, d("1.5")));
    assert_eq!(p.projection[1], (date(2026, 6, 18), d("4")));
    assert_eq!(p.projection.last().unwrap(), &(date(2026, 6, 30), d("2")));
}

#[test]
fn the_rest_of_today_follows_the_hour_of_day_profile() {
    // Recent days had used only a fifth of their usage by noon: four fifths
    // of a Wednesday (3) are still to come, not half of it.
    let today = date(2026, 6, 17);
    let mut per_day: BTreeMap<NaiveDate, Totals> =
        days_between(date(2026, 5, 1), date(2026, 6, 16))
            .map(|day| (day, constant_weekday(day)))
            .collect();
    per_day.insert(today, day(d("0.6"), 6, 60));
    let before: BTreeMap<NaiveDate, Totals> =
        [date(2026, 6, 16), date(2026, 6, 10), date(2026, 5, 17)]
            .into_iter()
            .map(|sample| {
                let whole = constant_weekday(sample);
                (
                    sample,
                    day(
                        whole.cost / d("5"),
                        whole.usage.requests / 5,
                        100 * i64::from(sample.weekday().number_from_monday()) / 5,
                    ),
                )
            })
            .collect();
    let p = run(
        chrono_tz::UTC,
        "2026-06-17T12:00:00Z",
        &per_day,
        Some(date(2026, 5, 1)),
        &before,
    );
    assert_eq!(p.projection[0], (today, d("2.4")));
    // 59 + 0.6 + 2.4 + 53.
    assert_eq!(p.cost.point, d("115"));
}

#[test]
fn steady_growth_is_followed_and_a_burst_day_ignored() {
    // 1 % more every day and one day at four times normal: the forecast
    // follows the growth and takes no notice of the burst.
    let first = date(2026, 4, 1);
    let today = date(2026, 6, 10);
    let value =
        |day: NaiveDate| 100.0 * 1.01_f64.powi(i32::try_from((day - first).num_days()).unwrap());
    let mut per_day: BTreeMap<NaiveDate, Totals> = days_between(first, today - Days::new(1))
        .map(|day| (day, day_f(value(day))))
        .collect();
    per_day.insert(date(2026, 6, 3), day_f(4.0 * value(date(2026, 6, 3))));
    let p = run(
        chrono_tz::UTC,
        "2026-06-10T00:00:00Z",
        &per_day,
        Some(first),
        &BTreeMap::new(),
    );
    let month_to_date: f64 = days_between(date(2026, 6, 1), today - Days::new(1))
        .map(value)
        .sum::<f64>()
        + 3.0 * value(date(2026, 6, 3));
    let rest: f64 = days_between(today, date(2026, 6, 30)).map(value).sum();
    let expected = month_to_date + rest;
    let point: f64 = p.cost.point.to_string().parse().unwrap();
    assert!(
        (point - expected).abs() / expected < 0.002,
        "{point} against {expected}"
    );
}

fn day_f(cost: f64) -> Totals {
    let cost = Decimal::try_from(cost).unwrap().round_dp(6);
    day(cost, 1, 1)
}

#[test]
fn short_histories_fall_back_and_say_so() {
    // Five complete days: their median (3), for each day left.
    let mut per_day = BTreeMap::new();
    for (dd, cost) in [
        (12, "1"),
        (13, "2"),
        (14, "40"),
        (15, "3"),
        (16, "5"),
        (17, "0"),
    ] {
        per_day.insert(date(2026, 6, dd), day(d(cost), 1, 1));
    }
    let p = run(
        chrono_tz::UTC,
        "2026-06-17T00:00:00Z",
        &per_day,
        Some(date(2026, 6, 12)),
        &BTreeMap::new(),
    );
    assert_eq!(p.method, Method::ShortMedian(5));
    assert_eq!(p.method.code(), "median_of_5_complete_days");
    // 51 so far + 14 days (Jun 17..30) x 3.
    assert_eq!(p.cost.point, d("93"));

    // First event today: today's rate. 08:00 is a third of the day: 2.4 so
    // far makes 7.2 a day: 2.4 + 4.8 + 13 x 7.2 = 100.8.
    let mut per_day = BTreeMap::new();
    per_day.insert(date(2026, 6, 17), day(d("2.4"), 12, 900));
    let p = run(
        chrono_tz::UTC,
        "2026-06-17T08:00:00Z",
        &per_day,
        Some(date(2026, 6, 17)),
        &BTreeMap::new(),
    );
    assert_eq!(p.method, Method::TodayRate);
    assert_eq!(p.cost.point, d("100.8"));
    assert_eq!(p.requests.point, d("504"));

    // Nothing at all.
    let p = run(
        chrono_tz::UTC,
        "2026-06-17T12:00:00Z",
        &BTreeMap::new(),
        None,
        &BTreeMap::new(),
    );
    assert_eq!(p.method, Method::NoData);
    assert_eq!(p.cost.point, Decimal::ZERO);
    assert_eq!(p.cost.high, Decimal::ZERO);
}

#[test]
fn a_twenty_three_hour_day_counts_its_hours() {
    // Sunday 2026-03-29 in Berlin has 23 hours; 10:00Z is 11 hours in.
    let mut per_day = BTreeMap::new();
    per_day.insert(date(2026, 3, 29), day(d("2.2"), 11, 1100));
    let p = run(
        chrono_tz::Europe::Berlin,
        "2026-03-29T10:00:00Z",
        &per_day,
        Some(date(2026, 3, 29)),
        &BTreeMap::new(),
    );
    assert_eq!(p.method, Method::TodayRate);
    // 4.6 a day: 2.2 + 4.6 x 12/23 + 2 x 4.6 = 13.8.
    assert_eq!(p.cost.point, d("13.8"));
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 48,
        rng_seed: proptest::test_runner::RngSeed::Fixed(14),
        .. ProptestConfig::default()
    })]

    /// A history that repeats one week exactly is forecast exactly, at any
    /// quarter of the day, for cost, requests and tokens.
    #[test]
    fn a_history_that_repeats_one_week_is_forecast_exactly(
        week in proptest::collection::vec((1_i64..5_000_000_000, 1_i64..100_000, 1_i64..1_000_000_000), 7),
        weeks in 2_u64..9,
        quarter in 0_u32..4,
        day_of_month in 1_u32..29,
    ) {
        let today = date(2026, 7, day_of_month);
        let first = today - Days::new(7 * weeks);
        let amount = |date: NaiveDate| {
            let (micros, requests, tokens) = week[date.weekday().num_days_from_monday() as usize];
            [Decimal::new(micros, 6), Decimal::from(requests), Decimal::from(tokens)]
        };
        let gone = Decimal::from(quarter) / Decimal::from(4);
        let mut per_day: BTreeMap<NaiveDate, Totals> = days_between(first, today - Days::new(1))
            .map(|date| {
                let [cost, requests, tokens] = amount(date);
                (date, day(cost, requests.try_into().unwrap(), tokens.try_into().unwrap()))
            })
            .collect();
        let [cost, requests, tokens] = amount(today).map(|v| v * gone);
        if quarter > 0 {
            per_day.insert(today, day(cost, requests.round().try_into().unwrap(), tokens.round().try_into().unwrap()));
        }
        let now = format!("{}T{:02}:00:00Z", today, quarter * 6);
        let p = run(chrono_tz::UTC, &now, &per_day, Some(first), &BTreeMap::new());
        prop_assert_eq!(p.method, Method::WeekdayTrend);
        let month_start = date(2026, 7, 1);
        let mut expected = [Decimal::ZERO; 3];
        for date in days_between(month_start, date(2026, 7, 31)) {
            if date < first {
                continue;
            }
            for (k, value) in amount(date).into_iter().enumerate() {
                expected[k] += value;
            }
        }
        // Requests and tokens so far are whole numbers: the rest of today is
        // the weekday's amount times the share of the day left, exactly.
        let so_far = [cost, requests.round(), tokens.round()];
        for k in 0..3 {
            expected[k] += so_far[k] - amount(today)[k] * gone;
        }
        prop_assert_eq!(p.cost.point, expected[0].round_dp(6).normalize());
        prop_assert_eq!(p.requests.point, expected[1].round_dp(0).normalize());
        prop_assert_eq!(p.tokens.point, expected[2].round_dp(0).normalize());
    }
}
