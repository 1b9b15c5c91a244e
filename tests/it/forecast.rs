//! The month-end prediction against hand-computed numbers: same-weekday
//! means over 28 complete days, the mean of fewer complete days, today's
//! rate, no data, and days of 23 and 25 hours.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc, Weekday};
use chrono_tz::Tz;
use rust_decimal::Decimal;
use usagetop::analytics::forecast::{predict, Estimate, Method, Prediction};
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

/// One day's totals; `tokens` are input, output, cache read, cache write.
fn day(cost: Decimal, requests: i64, tokens: [i64; 4]) -> Totals {
    Totals {
        usage: Usage {
            requests,
            input_tokens: tokens[0].into(),
            output_tokens: tokens[1].into(),
            cache_read_tokens: tokens[2].into(),
            cache_write_tokens: tokens[3].into(),
        },
        cost,
        estimated_cost: Decimal::ZERO,
    }
}

fn est(point: &str, low: &str, high: &str) -> Estimate {
    Estimate {
        point: d(point),
        low: d(low),
        high: d(high),
    }
}

fn run(
    tz: Tz,
    now: &str,
    per_day: &BTreeMap<NaiveDate, Totals>,
    first_day: Option<NaiveDate>,
) -> Prediction {
    let calendar = Calendar::new(tz, WeekStart::Monday);
    let plan = QueryPlan::new(utc(now), &calendar);
    predict(&plan, &calendar, per_day, first_day)
}

/// Cost 1..7 for Monday..Sunday, requests 10x that, tokens 100x that split
/// over the four kinds.
fn constant_weekday(date: NaiveDate) -> Totals {
    let n = i64::from(date.weekday().number_from_monday());
    day(Decimal::from(n), 10 * n, [40 * n, 30 * n, 20 * n, 10 * n])
}

fn days_between(from: NaiveDate, to_inclusive: NaiveDate) -> impl Iterator<Item = NaiveDate> {
    from.iter_days().take_while(move |day| *day <= to_inclusive)
}

// ---- hand-computed, constant weekday amounts ----------------------------------

#[test]
fn weekday_mean_mid_month_at_noon() {
    // Wednesday 2026-06-17 12:00 UTC; history since May 1; today so far 1.5.
    let today = date(2026, 6, 17);
    let mut per_day: BTreeMap<NaiveDate, Totals> =
        days_between(date(2026, 5, 1), date(2026, 6, 16))
            .map(|day| (day, constant_weekday(day)))
            .collect();
    per_day.insert(today, day(d("1.5"), 7, [100, 0, 0, 0]));
    let p = run(
        chrono_tz::UTC,
        "2026-06-17T12:00:00Z",
        &per_day,
        Some(date(2026, 5, 1)),
    );
    assert_eq!(p.method, Method::WeekdayMean);
    assert_eq!(p.month_end, date(2026, 6, 30));
    // June 1 is a Monday. Month to date: two full weeks (28 each) + Mon 1 +
    // Tue 2 + today 1.5 = 60.5. Rest of today: 0.5 x Wed (3) = 1.5. Jun 18..30
    // (Thu..Tue): 4+5+6+7+1+2+3+4+5+6+7+1+2 = 53. Total 115.
    assert_eq!(p.month_to_date.cost, d("60.5"));
    assert_eq!(p.cost, est("115", "115", "115"));
    // Requests: 590 + 7 month to date, 15 for the rest of today, 530 after.
    assert_eq!(p.requests, est("1142", "1142", "1142"));
    // Tokens: 5900 + 100, 150, 5300.
    assert_eq!(p.tokens, est("11450", "11450", "11450"));
}

#[test]
fn weekday_mean_on_day_one_at_six() {
    // Wednesday 2026-07-01 06:00 UTC, 28+ days of June history, 0.25 so far.
    let today = date(2026, 7, 1);
    let mut per_day: BTreeMap<NaiveDate, Totals> =
        days_between(date(2026, 5, 20), date(2026, 6, 30))
            .map(|day| (day, constant_weekday(day)))
            .collect();
    per_day.insert(today, day(d("0.25"), 3, [10, 0, 0, 0]));
    let p = run(
        chrono_tz::UTC,
        "2026-07-01T06:00:00Z",
        &per_day,
        Some(date(2026, 5, 20)),
    );
    assert_eq!(p.method, Method::WeekdayMean);
    assert_eq!(p.month_end, date(2026, 7, 31));
    // June is not this month: month to date is today alone.
    assert_eq!(p.month_to_date.cost, d("0.25"));
    assert_eq!(p.month_to_date.usage.requests, 3);
    // 0.25 + 0.75 x 3 + (Jul 2..29: 4 weeks = 112) + Thu 30 (4) + Fri 31 (5) = 123.5.
    assert_eq!(p.cost, est("123.5", "123.5", "123.5"));
    // 3 + 22.5 + 1120 + 40 + 50 = 1235.5 -> the code rounds to even: 1236 either way.
    assert_eq!(p.requests.point, d("1236"));
    // 10 + 225 + 11200 + 400 + 500 = 12335.
    assert_eq!(p.tokens.point, d("12335"));
}

// ---- varied samples: low and high ---------------------------------------------

/// Amounts that differ between the four same-weekday samples.
fn varied(date: NaiveDate) -> Totals {
    let n = i64::from(date.weekday().number_from_monday());
    let o = i64::from(date.ordinal());
    let cost = Decimal::from(n) * d("1.1") + Decimal::from(o % 5) * d("0.0101");
    day(
        cost,
        10 * n + o % 3,
        [1000 * n + o % 7, 100 + o % 11, (7 * o) % 13, 3],
    )
}

#[derive(Default)]
struct Expected {
    cost: [Decimal; 3],
    requests: [Decimal; 3],
    tokens: [Decimal; 3],
}

/// The prediction worked out independently: month to date, then for each day
/// left (today weighted by `remaining`) the mean/min/max of the same weekday
/// among the 28 days before today.
fn weekday_expectation(
    per_day: &BTreeMap<NaiveDate, Totals>,
    today: NaiveDate,
    remaining: Decimal,
    month_end: NaiveDate,
) -> Expected {
    let amounts = |t: &Totals| {
        [
            t.cost,
            Decimal::from(t.usage.requests),
            Decimal::from(
                t.usage.input_tokens
                    + t.usage.output_tokens
                    + t.usage.cache_read_tokens
                    + t.usage.cache_write_tokens,
            ),
        ]
    };
    let mut totals = [[Decimal::ZERO; 3]; 3]; // [kind][point, low, high]
    let month_start = today.with_day(1).unwrap();
    for (date, t) in per_day {
        if *date >= month_start && *date <= today {
            for (kind, value) in amounts(t).into_iter().enumerate() {
                for slot in &mut totals[kind] {
                    *slot += value;
                }
            }
        }
    }
    let samples_of = |weekday: Weekday| -> Vec<[Decimal; 3]> {
        (1..=28u64)
            .map(|back| today - Days::new(back))
            .filter(|date| date.weekday() == weekday)
            .map(|date| per_day.get(&date).map(amounts).unwrap_or_default())
            .collect()
    };
    let mut add = |date: NaiveDate, weight: Decimal| {
        let samples = samples_of(date.weekday());
        assert_eq!(samples.len(), 4);
        for kind in 0..3 {
            let values: Vec<Decimal> = samples.iter().map(|s| s[kind]).collect();
            let mean = values.iter().copied().sum::<Decimal>() / Decimal::from(4);
            let low = values.iter().copied().min().unwrap();
            let high = values.iter().copied().max().unwrap();
            totals[kind][0] += mean * weight;
            totals[kind][1] += low * weight;
            totals[kind][2] += high * weight;
        }
    };
    add(today, remaining);
    let mut next = today.succ_opt().unwrap();
    while next <= month_end {
        add(next, Decimal::ONE);
        next = next.succ_opt().unwrap();
    }
    let round = |values: [Decimal; 3], places: u32| values.map(|v| v.round_dp(places));
    Expected {
        cost: round(totals[0], 6),
        requests: round(totals[1], 0),
        tokens: round(totals[2], 0),
    }
}

fn as_array(estimate: Estimate) -> [Decimal; 3] {
    [estimate.point, estimate.low, estimate.high]
}

#[test]
fn weekday_mean_low_and_high_from_varied_samples() {
    let today = date(2026, 6, 17);
    let mut per_day: BTreeMap<NaiveDate, Totals> =
        days_between(date(2026, 5, 20), date(2026, 6, 16))
            .map(|day| (day, varied(day)))
            .collect();
    // Days before the 28-day lookback are large, so using them would show.
    for day_ in days_between(date(2026, 5, 1), date(2026, 5, 19)) {
        per_day.insert(day_, day(d("1000"), 5000, [90_000, 0, 0, 0]));
    }
    per_day.insert(today, day(d("0.777"), 5, [123, 45, 6, 7]));
    let p = run(
        chrono_tz::UTC,
        "2026-06-17T12:00:00Z",
        &per_day,
        Some(date(2026, 5, 1)),
    );
    assert_eq!(p.method, Method::WeekdayMean);
    let expected = weekday_expectation(&per_day, today, d("0.5"), date(2026, 6, 30));
    assert_eq!(as_array(p.cost), expected.cost);
    assert_eq!(as_array(p.requests), expected.requests);
    assert_eq!(as_array(p.tokens), expected.tokens);
    assert!(p.cost.low < p.cost.point && p.cost.point < p.cost.high);
    assert!(p.requests.low < p.requests.high);
    assert!(p.tokens.low < p.tokens.high);

    // A spot check by hand: the four Wednesdays before Jun 17 are May 20, 27,
    // Jun 3, 10 (ordinals 140, 147, 154, 161; mod 5 = 0, 2, 4, 1), so their
    // costs are 3.3 + 0, 0.0202, 0.0404, 0.0101 and the low Wednesday is 3.3.
    let wednesdays = [
        date(2026, 5, 20),
        date(2026, 5, 27),
        date(2026, 6, 3),
        date(2026, 6, 10),
    ];
    let costs: Vec<Decimal> = wednesdays.iter().map(|w| per_day[w].cost).collect();
    assert_eq!(costs, vec![d("3.3"), d("3.3202"), d("3.3404"), d("3.3101")]);
}

#[test]
fn weekday_mean_on_day_one_with_varied_samples() {
    let today = date(2026, 7, 1);
    let mut per_day: BTreeMap<NaiveDate, Totals> =
        days_between(date(2026, 5, 1), date(2026, 6, 30))
            .map(|day| (day, varied(day)))
            .collect();
    per_day.insert(today, day(d("0.3"), 2, [10, 20, 30, 40]));
    let p = run(
        chrono_tz::UTC,
        "2026-07-01T06:00:00Z",
        &per_day,
        Some(date(2026, 5, 1)),
    );
    assert_eq!(p.method, Method::WeekdayMean);
    assert_eq!(p.month_to_date.cost, d("0.3"));
    let expected = weekday_expectation(&per_day, today, d("0.75"), date(2026, 7, 31));
    assert_eq!(as_array(p.cost), expected.cost);
    assert_eq!(as_array(p.requests), expected.requests);
    assert_eq!(as_array(p.tokens), expected.tokens);
}

// ---- shorter histories ------------------------------------------------------------

#[test]
fn mean_of_five_complete_days() {
    // First event on Jun 12; now Wednesday Jun 17 16:00 UTC (a third of today left).
    let mut per_day = BTreeMap::new();
    for (dd, cost, requests, tokens) in [
        (12, "1.0", 12, [100, 50, 30, 20]),
        (13, "2.0", 20, [200, 100, 60, 40]),
        (14, "4.0", 40, [150, 75, 45, 30]),
        (15, "3.0", 30, [300, 150, 90, 60]),
        (16, "5.0", 58, [250, 125, 75, 50]),
        (17, "0.6", 6, [10, 10, 10, 0]),
    ] {
        per_day.insert(date(2026, 6, dd), day(d(cost), requests, tokens));
    }
    let p = run(
        chrono_tz::UTC,
        "2026-06-17T16:00:00Z",
        &per_day,
        Some(date(2026, 6, 12)),
    );
    assert_eq!(p.method, Method::CompleteDayMean(5));
    assert_eq!(p.method.code(), "mean_of_5_complete_days");
    // Cost: mean 3, low 1, high 5; month to date 15.6; 13 days after today.
    //   point 15.6 + 3/3 + 39 = 55.6
    //   low   15.6 + 1/3 + 13 = 28.9333333...
    //   high  15.6 + 5/3 + 65 = 82.2666666...
    assert_eq!(p.month_to_date.cost, d("15.6"));
    assert_eq!(p.cost, est("55.6", "28.933333", "82.266667"));
    // Requests: mean 32, low 12, high 58; month to date 166.
    //   166 + 32/3 + 416 = 592.67; 166 + 4 + 156 = 326; 166 + 19.33 + 754 = 939.33
    assert_eq!(p.requests, est("593", "326", "939"));
    // Tokens: mean 400, low 200, high 600; month to date 2030.
    //   2030 + 133.33 + 5200; 2030 + 66.67 + 2600; 2030 + 200 + 7800
    assert_eq!(p.tokens, est("7363", "4697", "10030"));
}

#[test]
fn twenty_seven_days_is_a_plain_mean_and_twenty_eight_are_by_weekday() {
    let today = date(2026, 6, 17);
    let per_day: BTreeMap<NaiveDate, Totals> = days_between(date(2026, 5, 20), date(2026, 6, 16))
        .map(|day| (day, constant_weekday(day)))
        .collect();
    let p = run(
        chrono_tz::UTC,
        "2026-06-17T00:00:00Z",
        &per_day,
        Some(today - Days::new(27)),
    );
    assert_eq!(p.method, Method::CompleteDayMean(27));
    let p = run(
        chrono_tz::UTC,
        "2026-06-17T00:00:00Z",
        &per_day,
        Some(today - Days::new(28)),
    );
    assert_eq!(p.method, Method::WeekdayMean);
    // At midnight all of today is left: 59 so far + Wed 3 + 53 = 115.
    assert_eq!(p.cost.point, d("115"));
}

#[test]
fn first_event_today_uses_todays_rate() {
    // Wednesday Jun 17 08:00 UTC: a third of the day has gone.
    let mut per_day = BTreeMap::new();
    per_day.insert(date(2026, 6, 17), day(d("2.4"), 12, [500, 300, 100, 0]));
    let p = run(
        chrono_tz::UTC,
        "2026-06-17T08:00:00Z",
        &per_day,
        Some(date(2026, 6, 17)),
    );
    assert_eq!(p.method, Method::TodayRate);
    // Rate 2.4 / (1/3) = 7.2 a day: 2.4 + 7.2 x 2/3 + 13 x 7.2 = 100.8.
    assert_eq!(p.cost, est("100.8", "100.8", "100.8"));
    // 12 + 24 + 468.
    assert_eq!(p.requests, est("504", "504", "504"));
    // 900 + 1800 + 35100.
    assert_eq!(p.tokens, est("37800", "37800", "37800"));

    // At 06:00 on the last day of the month: 0.5 so far, rate 2 a day.
    let mut per_day = BTreeMap::new();
    per_day.insert(date(2026, 6, 30), day(d("0.5"), 1, [0, 0, 0, 0]));
    let p = run(
        chrono_tz::UTC,
        "2026-06-30T06:00:00Z",
        &per_day,
        Some(date(2026, 6, 30)),
    );
    assert_eq!(p.method, Method::TodayRate);
    assert_eq!(p.cost.point, d("2"));
    assert_eq!(p.requests.point, d("4"));
}

#[test]
fn no_data_is_all_zero() {
    let p = run(
        chrono_tz::UTC,
        "2026-06-17T12:00:00Z",
        &BTreeMap::new(),
        None,
    );
    assert_eq!(p.method, Method::NoData);
    assert_eq!(p.method.code(), "no_data");
    assert_eq!(p.cost, Estimate::default());
    assert_eq!(p.requests, Estimate::default());
    assert_eq!(p.tokens, Estimate::default());
    assert_eq!(p.month_to_date, Totals::default());
    assert_eq!(p.month_end, date(2026, 6, 30));
    let p = run(
        chrono_tz::UTC,
        "2028-02-10T12:00:00Z",
        &BTreeMap::new(),
        None,
    );
    assert_eq!(p.month_end, date(2028, 2, 29));
}

// ---- DST days ------------------------------------------------------------------------

#[test]
fn twenty_five_hour_day_leaves_12_of_25_hours() {
    // Sunday 2026-10-25 in Berlin has 25 hours; 11:00Z is 12:00 CET, 12 hours
    // before the next midnight (23:00Z): 12/25 = 0.48 of the day is left.
    let mut per_day = BTreeMap::new();
    for (dd, cost, requests) in [
        (20, "1", 10),
        (21, "2", 20),
        (22, "3", 30),
        (23, "2", 20),
        (24, "2", 20),
        (25, "0.5", 5),
    ] {
        per_day.insert(
            date(2026, 10, dd),
            day(d(cost), requests, [100 * requests, 0, 0, 0]),
        );
    }
    let p = run(
        chrono_tz::Europe::Berlin,
        "2026-10-25T11:00:00Z",
        &per_day,
        Some(date(2026, 10, 20)),
    );
    assert_eq!(p.method, Method::CompleteDayMean(5));
    // Mean 2, low 1, high 3; month to date 10.5; Oct 26..31 = 6 days.
    //   10.5 + 0.48 x 2 + 12 = 23.46; 10.5 + 0.48 + 6 = 16.98; 10.5 + 1.44 + 18 = 29.94
    assert_eq!(p.cost, est("23.46", "16.98", "29.94"));
    // 105 + 9.6 + 120 = 234.6; 105 + 4.8 + 60 = 169.8; 105 + 14.4 + 180 = 299.4
    assert_eq!(p.requests, est("235", "170", "299"));
    assert_eq!(p.tokens, est("23460", "16980", "29940"));
}

#[test]
fn twenty_three_hour_day_rate() {
    // Sunday 2026-03-29 in Berlin has 23 hours; 10:00Z is 12:00 CEST, 11 hours
    // after midnight (23:00Z) and 12 before the next (22:00Z).
    let mut per_day = BTreeMap::new();
    per_day.insert(date(2026, 3, 29), day(d("2.2"), 11, [1100, 0, 0, 0]));
    let p = run(
        chrono_tz::Europe::Berlin,
        "2026-03-29T10:00:00Z",
        &per_day,
        Some(date(2026, 3, 29)),
    );
    assert_eq!(p.method, Method::TodayRate);
    // Rate 2.2 x 23/11 = 4.6 a day: 2.2 + 4.6 x 12/23 + 2 x 4.6 = 13.8.
    assert_eq!(p.cost, est("13.8", "13.8", "13.8"));
    // Requests: rate 23: 11 + 12 + 46 = 69; tokens 100x.
    assert_eq!(p.requests.point, d("69"));
    assert_eq!(p.tokens.point, d("6900"));
}
