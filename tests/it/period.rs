//! Calendar maths in explicit zones: local dates, the UTC start of local days
//! across DST changes (including zones where midnight itself is skipped or
//! repeated), half- and quarter-hour zones, weeks, months and the offset
//! table a store uses to group by local day. Every expectation is written out
//! by hand (checked against the tz database with chrono-tz directly).
#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;
use usagetop::period::{
    date_from_day_number, day_number, days_in_month, month_of, shift_month, Calendar, OffsetSpan,
    WeekStart, SECONDS_PER_DAY,
};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

fn cal(tz: Tz) -> Calendar {
    Calendar::new(tz, WeekStart::Monday)
}

fn hours_in_day(calendar: &Calendar, day: NaiveDate) -> i64 {
    let next = day.succ_opt().unwrap();
    (calendar.start_of_day(next) - calendar.start_of_day(day)).num_seconds()
}

// ---- local_date ---------------------------------------------------------

#[test]
fn local_date_across_midnight_east_of_utc() {
    let berlin = cal(chrono_tz::Europe::Berlin);
    // 22:59:59Z in winter is 23:59:59 CET, 23:00:00Z is already the next day.
    assert_eq!(
        berlin.local_date(utc("2026-01-01T22:59:59Z")),
        date(2026, 1, 1)
    );
    assert_eq!(
        berlin.local_date(utc("2026-01-01T23:00:00Z")),
        date(2026, 1, 2)
    );
    // In summer (CEST, +2) the day changes at 22:00Z.
    assert_eq!(
        berlin.local_date(utc("2026-07-01T21:59:59Z")),
        date(2026, 7, 1)
    );
    assert_eq!(
        berlin.local_date(utc("2026-07-01T22:00:00Z")),
        date(2026, 7, 2)
    );
    let tokyo = cal(chrono_tz::Asia::Tokyo);
    assert_eq!(
        tokyo.local_date(utc("2026-12-31T15:00:00Z")),
        date(2027, 1, 1)
    );
    assert_eq!(
        tokyo.local_date(utc("2026-12-31T14:59:59Z")),
        date(2026, 12, 31)
    );
}

#[test]
fn local_date_across_midnight_west_of_utc() {
    let new_york = cal(chrono_tz::America::New_York);
    // 03:00Z on Jan 2 is 22:00 EST on Jan 1.
    assert_eq!(
        new_york.local_date(utc("2026-01-02T03:00:00Z")),
        date(2026, 1, 1)
    );
    assert_eq!(
        new_york.local_date(utc("2026-01-02T04:59:59Z")),
        date(2026, 1, 1)
    );
    assert_eq!(
        new_york.local_date(utc("2026-01-02T05:00:00Z")),
        date(2026, 1, 2)
    );
    // EDT (-4): the day changes at 04:00Z.
    assert_eq!(
        new_york.local_date(utc("2026-07-02T03:59:59Z")),
        date(2026, 7, 1)
    );
    assert_eq!(
        new_york.local_date(utc("2026-07-02T04:00:00Z")),
        date(2026, 7, 2)
    );
}

#[test]
fn local_date_in_utc_is_the_utc_date() {
    let utc_cal = cal(chrono_tz::UTC);
    assert_eq!(
        utc_cal.local_date(utc("2026-03-01T00:00:00Z")),
        date(2026, 3, 1)
    );
    assert_eq!(
        utc_cal.local_date(utc("2026-02-28T23:59:59Z")),
        date(2026, 2, 28)
    );
}

// ---- half-hour and 45-minute zones --------------------------------------

#[test]
fn kolkata_half_hour_offset() {
    let kolkata = cal(chrono_tz::Asia::Kolkata);
    assert_eq!(
        kolkata.local_date(utc("2026-01-01T18:29:59Z")),
        date(2026, 1, 1)
    );
    assert_eq!(
        kolkata.local_date(utc("2026-01-01T18:30:00Z")),
        date(2026, 1, 2)
    );
    assert_eq!(
        kolkata.start_of_day(date(2026, 1, 2)),
        utc("2026-01-01T18:30:00Z")
    );
    assert_eq!(
        kolkata.start_of_day(date(2026, 7, 15)),
        utc("2026-07-14T18:30:00Z")
    );
    assert_eq!(
        kolkata.offset_at(utc("2026-07-15T00:00:00Z").timestamp()),
        19_800
    );
    assert_eq!(hours_in_day(&kolkata, date(2026, 3, 29)), SECONDS_PER_DAY);
}

#[test]
fn kathmandu_45_minute_offset() {
    let kathmandu = cal(chrono_tz::Asia::Kathmandu);
    assert_eq!(
        kathmandu.local_date(utc("2026-01-01T18:14:59Z")),
        date(2026, 1, 1)
    );
    assert_eq!(
        kathmandu.local_date(utc("2026-01-01T18:15:00Z")),
        date(2026, 1, 2)
    );
    assert_eq!(
        kathmandu.start_of_day(date(2026, 1, 2)),
        utc("2026-01-01T18:15:00Z")
    );
    assert_eq!(
        kathmandu.offset_at(utc("2026-06-01T12:00:00Z").timestamp()),
        20_700
    );
    assert_eq!(
        hours_in_day(&kathmandu, date(2026, 10, 25)),
        SECONDS_PER_DAY
    );
}

// ---- start_of_day across DST --------------------------------------------

#[test]
fn berlin_spring_forward_day_is_23_hours() {
    let berlin = cal(chrono_tz::Europe::Berlin);
    // Midnight still exists (the gap is 02:00-03:00) and is CET (+1).
    assert_eq!(
        berlin.start_of_day(date(2026, 3, 29)),
        utc("2026-03-28T23:00:00Z")
    );
    // The next day starts in CEST (+2).
    assert_eq!(
        berlin.start_of_day(date(2026, 3, 30)),
        utc("2026-03-29T22:00:00Z")
    );
    assert_eq!(hours_in_day(&berlin, date(2026, 3, 29)), 23 * 3600);
    assert_eq!(hours_in_day(&berlin, date(2026, 3, 28)), 24 * 3600);
}

#[test]
fn berlin_fall_back_day_is_25_hours() {
    let berlin = cal(chrono_tz::Europe::Berlin);
    assert_eq!(
        berlin.start_of_day(date(2026, 10, 25)),
        utc("2026-10-24T22:00:00Z")
    );
    assert_eq!(
        berlin.start_of_day(date(2026, 10, 26)),
        utc("2026-10-25T23:00:00Z")
    );
    assert_eq!(hours_in_day(&berlin, date(2026, 10, 25)), 25 * 3600);
    assert_eq!(hours_in_day(&berlin, date(2026, 10, 26)), 24 * 3600);
}

#[test]
fn new_york_dst_days() {
    let new_york = cal(chrono_tz::America::New_York);
    assert_eq!(
        new_york.start_of_day(date(2026, 3, 8)),
        utc("2026-03-08T05:00:00Z")
    );
    assert_eq!(
        new_york.start_of_day(date(2026, 3, 9)),
        utc("2026-03-09T04:00:00Z")
    );
    assert_eq!(hours_in_day(&new_york, date(2026, 3, 8)), 23 * 3600);
    assert_eq!(
        new_york.start_of_day(date(2026, 11, 1)),
        utc("2026-11-01T04:00:00Z")
    );
    assert_eq!(
        new_york.start_of_day(date(2026, 11, 2)),
        utc("2026-11-02T05:00:00Z")
    );
    assert_eq!(hours_in_day(&new_york, date(2026, 11, 1)), 25 * 3600);
}

#[test]
fn santiago_skipped_midnight_starts_at_one() {
    // Chile springs forward at 24:00 on Saturday: 2026-09-06 00:00 does not
    // exist, the day starts at 01:00 -03 = 04:00Z.
    let santiago = cal(chrono_tz::America::Santiago);
    assert_eq!(
        santiago.start_of_day(date(2026, 9, 6)),
        utc("2026-09-06T04:00:00Z")
    );
    // The day before started at 00:00 -04, also 04:00Z: a 24-hour day.
    assert_eq!(
        santiago.start_of_day(date(2026, 9, 5)),
        utc("2026-09-05T04:00:00Z")
    );
    // The short day runs to 00:00 -03 on the 7th.
    assert_eq!(
        santiago.start_of_day(date(2026, 9, 7)),
        utc("2026-09-07T03:00:00Z")
    );
    assert_eq!(hours_in_day(&santiago, date(2026, 9, 6)), 23 * 3600);
    // Every instant of the short day maps back to it.
    assert_eq!(
        santiago.local_date(utc("2026-09-06T04:00:00Z")),
        date(2026, 9, 6)
    );
    assert_eq!(
        santiago.local_date(utc("2026-09-06T03:59:59Z")),
        date(2026, 9, 5)
    );
}

#[test]
fn santiago_fall_back_repeats_the_last_hour_of_saturday() {
    // 2026-04-04 24:00 -03 becomes 23:00 -04: Saturday is 25 hours.
    let santiago = cal(chrono_tz::America::Santiago);
    assert_eq!(
        santiago.start_of_day(date(2026, 4, 4)),
        utc("2026-04-04T03:00:00Z")
    );
    assert_eq!(
        santiago.start_of_day(date(2026, 4, 5)),
        utc("2026-04-05T04:00:00Z")
    );
    assert_eq!(hours_in_day(&santiago, date(2026, 4, 4)), 25 * 3600);
}

#[test]
fn havana_skipped_and_repeated_midnight() {
    let havana = cal(chrono_tz::America::Havana);
    // Spring: 00:00 -> 01:00 on 2026-03-08; the day starts at 01:00 CDT = 05:00Z.
    assert_eq!(
        havana.start_of_day(date(2026, 3, 8)),
        utc("2026-03-08T05:00:00Z")
    );
    assert_eq!(
        havana.start_of_day(date(2026, 3, 7)),
        utc("2026-03-07T05:00:00Z")
    );
    assert_eq!(hours_in_day(&havana, date(2026, 3, 8)), 23 * 3600);
    // Autumn: 01:00 -> 00:00 on 2026-11-01, so midnight happens twice; the
    // day starts at the earlier one (00:00 CDT = 04:00Z).
    assert_eq!(
        havana.start_of_day(date(2026, 11, 1)),
        utc("2026-11-01T04:00:00Z")
    );
    assert_eq!(
        havana.start_of_day(date(2026, 11, 2)),
        utc("2026-11-02T05:00:00Z")
    );
    assert_eq!(hours_in_day(&havana, date(2026, 11, 1)), 25 * 3600);
}

#[test]
fn beirut_skipped_midnight() {
    // Lebanon: 2026-03-29 00:00 -> 01:00, the day starts at 01:00 EEST = 22:00Z.
    let beirut = cal(chrono_tz::Asia::Beirut);
    assert_eq!(
        beirut.start_of_day(date(2026, 3, 29)),
        utc("2026-03-28T22:00:00Z")
    );
    assert_eq!(
        beirut.start_of_day(date(2026, 3, 28)),
        utc("2026-03-27T22:00:00Z")
    );
    assert_eq!(hours_in_day(&beirut, date(2026, 3, 28)), 24 * 3600);
    assert_eq!(hours_in_day(&beirut, date(2026, 3, 29)), 23 * 3600);
}

#[test]
fn start_of_local_resolves_gaps_forward_and_ambiguity_early() {
    let berlin = cal(chrono_tz::Europe::Berlin);
    let half_past_two = NaiveTime::from_hms_opt(2, 30, 0).unwrap();
    // 02:30 does not exist on 2026-03-29: the first time that does is 03:00 CEST.
    assert_eq!(
        berlin.start_of_local(date(2026, 3, 29), half_past_two),
        utc("2026-03-29T01:00:00Z")
    );
    // 02:30 happens twice on 2026-10-25: the earlier is 02:30 CEST.
    assert_eq!(
        berlin.start_of_local(date(2026, 10, 25), half_past_two),
        utc("2026-10-25T00:30:00Z")
    );
    // An ordinary time.
    assert_eq!(
        berlin.start_of_local(date(2026, 7, 1), half_past_two),
        utc("2026-07-01T00:30:00Z")
    );
    // Lord Howe's gap is only half an hour: 02:00 -> 02:30 (+11).
    let lord_howe = cal(chrono_tz::Australia::Lord_Howe);
    assert_eq!(
        lord_howe.start_of_local(date(2026, 10, 4), NaiveTime::from_hms_opt(2, 0, 0).unwrap()),
        utc("2026-10-03T15:30:00Z")
    );
}

// ---- weeks ----------------------------------------------------------------

#[test]
fn week_of_monday_start() {
    let c = Calendar::new(chrono_tz::UTC, WeekStart::Monday);
    assert_eq!(c.week_start(), WeekStart::Monday);
    // 2026-06-17 is a Wednesday.
    assert_eq!(c.week_of(date(2026, 6, 17)), date(2026, 6, 15));
    assert_eq!(c.week_of(date(2026, 6, 15)), date(2026, 6, 15));
    assert_eq!(c.week_of(date(2026, 6, 21)), date(2026, 6, 15));
    assert_eq!(c.week_of(date(2026, 6, 22)), date(2026, 6, 22));
    // Across a month and a year end.
    assert_eq!(c.week_of(date(2026, 3, 1)), date(2026, 2, 23));
    assert_eq!(c.week_of(date(2025, 1, 1)), date(2024, 12, 30));
}

#[test]
fn week_of_sunday_start() {
    let c = Calendar::new(chrono_tz::UTC, WeekStart::Sunday);
    assert_eq!(c.week_start(), WeekStart::Sunday);
    assert_eq!(c.week_of(date(2026, 6, 17)), date(2026, 6, 14));
    assert_eq!(c.week_of(date(2026, 6, 14)), date(2026, 6, 14));
    assert_eq!(c.week_of(date(2026, 6, 20)), date(2026, 6, 14));
    assert_eq!(c.week_of(date(2026, 6, 21)), date(2026, 6, 21));
    assert_eq!(c.week_of(date(2026, 1, 1)), date(2025, 12, 28));
}

#[test]
fn iso_week_53_of_2026() {
    let thursday = date(2026, 12, 31);
    let iso = thursday.iso_week();
    assert_eq!((iso.year(), iso.week()), (2026, 53));
    let monday = Calendar::new(chrono_tz::UTC, WeekStart::Monday);
    assert_eq!(monday.week_of(thursday), date(2026, 12, 28));
    // The Sunday after New Year still belongs to ISO week 53 of 2026.
    let sunday = date(2027, 1, 3);
    assert_eq!(sunday.iso_week().week(), 53);
    assert_eq!(sunday.iso_week().year(), 2026);
    assert_eq!(monday.week_of(sunday), date(2026, 12, 28));
    assert_eq!(monday.week_of(date(2027, 1, 4)), date(2027, 1, 4));
    // With Sunday starts, 2027-01-03 opens a new week.
    let sunday_cal = Calendar::new(chrono_tz::UTC, WeekStart::Sunday);
    assert_eq!(sunday_cal.week_of(thursday), date(2026, 12, 27));
    assert_eq!(sunday_cal.week_of(sunday), date(2027, 1, 3));
}

#[test]
fn week_of_agrees_with_iso_weeks_for_several_years() {
    let monday = Calendar::new(chrono_tz::UTC, WeekStart::Monday);
    let sunday = Calendar::new(chrono_tz::UTC, WeekStart::Sunday);
    let mut day = date(2024, 12, 1);
    while day < date(2028, 2, 1) {
        let start = monday.week_of(day);
        assert_eq!(start.weekday(), Weekday::Mon, "{day}");
        assert_eq!(start.iso_week(), day.iso_week(), "{day}");
        let back = (day - start).num_days();
        assert!((0..7).contains(&back), "{day}");

        let start = sunday.week_of(day);
        assert_eq!(start.weekday(), Weekday::Sun, "{day}");
        let back = (day - start).num_days();
        assert!((0..7).contains(&back), "{day}");
        day = day.succ_opt().unwrap();
    }
}

// ---- months -----------------------------------------------------------------

#[test]
fn month_of_first_day() {
    assert_eq!(month_of(date(2026, 1, 31)), date(2026, 1, 1));
    assert_eq!(month_of(date(2028, 2, 29)), date(2028, 2, 1));
    assert_eq!(month_of(date(2026, 12, 1)), date(2026, 12, 1));
}

#[test]
fn shift_month_from_month_ends() {
    assert_eq!(shift_month(date(2026, 1, 31), 1), date(2026, 2, 1));
    assert_eq!(shift_month(date(2026, 3, 31), -1), date(2026, 2, 1));
    assert_eq!(shift_month(date(2028, 2, 29), 12), date(2029, 2, 1));
    assert_eq!(shift_month(date(2028, 2, 29), -12), date(2027, 2, 1));
    assert_eq!(shift_month(date(2026, 12, 31), 1), date(2027, 1, 1));
    assert_eq!(shift_month(date(2026, 1, 15), -1), date(2025, 12, 1));
    assert_eq!(shift_month(date(2026, 5, 31), 0), date(2026, 5, 1));
    assert_eq!(shift_month(date(2026, 12, 10), -11), date(2026, 1, 1));
    assert_eq!(shift_month(date(2026, 12, 10), -12), date(2025, 12, 1));
    assert_eq!(shift_month(date(2026, 1, 10), 25), date(2028, 2, 1));
}

#[test]
fn days_in_month_and_leap_years() {
    assert_eq!(days_in_month(date(2026, 1, 31)), 31);
    assert_eq!(days_in_month(date(2026, 2, 1)), 28);
    assert_eq!(days_in_month(date(2028, 2, 29)), 29);
    assert_eq!(days_in_month(date(2028, 2, 1)), 29);
    assert_eq!(days_in_month(date(2100, 2, 10)), 28);
    assert_eq!(days_in_month(date(2000, 2, 10)), 29);
    assert_eq!(days_in_month(date(2026, 4, 30)), 30);
    assert_eq!(days_in_month(date(2026, 12, 31)), 31);
    let table = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    for (index, expected) in table.iter().enumerate() {
        let month = u32::try_from(index).unwrap() + 1;
        assert_eq!(
            days_in_month(date(2027, month, 1)),
            *expected,
            "month {month}"
        );
    }
}

// ---- offsets ------------------------------------------------------------------

#[test]
fn offset_at_switches_on_the_transition_second() {
    let berlin = cal(chrono_tz::Europe::Berlin);
    let spring = utc("2026-03-29T01:00:00Z").timestamp();
    assert_eq!(berlin.offset_at(spring - 1), 3600);
    assert_eq!(berlin.offset_at(spring), 7200);
    let autumn = utc("2026-10-25T01:00:00Z").timestamp();
    assert_eq!(berlin.offset_at(autumn - 1), 7200);
    assert_eq!(berlin.offset_at(autumn), 3600);
    let new_york = cal(chrono_tz::America::New_York);
    assert_eq!(
        new_york.offset_at(utc("2026-01-15T12:00:00Z").timestamp()),
        -5 * 3600
    );
    assert_eq!(
        new_york.offset_at(utc("2026-07-15T12:00:00Z").timestamp()),
        -4 * 3600
    );
}

#[test]
fn offset_spans_finds_berlin_transitions_of_2026() {
    let berlin = cal(chrono_tz::Europe::Berlin);
    let from = utc("2026-01-01T00:00:00Z").timestamp();
    let to = utc("2027-01-01T00:00:00Z").timestamp();
    assert_eq!(
        berlin.offset_spans(from, to),
        vec![
            OffsetSpan {
                start: from,
                offset_seconds: 3600
            },
            OffsetSpan {
                start: utc("2026-03-29T01:00:00Z").timestamp(),
                offset_seconds: 7200
            },
            OffsetSpan {
                start: utc("2026-10-25T01:00:00Z").timestamp(),
                offset_seconds: 3600
            },
        ]
    );
}

#[test]
fn offset_spans_starting_in_summer_and_at_odd_seconds() {
    let berlin = cal(chrono_tz::Europe::Berlin);
    let from = utc("2026-06-01T00:00:07Z").timestamp();
    let to = utc("2026-12-01T13:00:00Z").timestamp();
    assert_eq!(
        berlin.offset_spans(from, to),
        vec![
            OffsetSpan {
                start: from,
                offset_seconds: 7200
            },
            OffsetSpan {
                start: utc("2026-10-25T01:00:00Z").timestamp(),
                offset_seconds: 3600
            },
        ]
    );
    // A range that ends a second before the change has none.
    let autumn = utc("2026-10-25T01:00:00Z").timestamp();
    assert_eq!(
        berlin.offset_spans(autumn - 7 * SECONDS_PER_DAY, autumn - 1),
        vec![OffsetSpan {
            start: autumn - 7 * SECONDS_PER_DAY,
            offset_seconds: 7200
        }]
    );
}

#[test]
fn offset_spans_lord_howe_half_hour_dst() {
    // Lord Howe falls back from +11:00 to +10:30 at 02:00 local on 2026-04-05
    // (15:00Z on the 4th) and springs forward at 02:00 on 2026-10-04 (15:30Z on the 3rd).
    let lord_howe = cal(chrono_tz::Australia::Lord_Howe);
    let from = utc("2026-01-01T00:00:00Z").timestamp();
    let to = utc("2027-01-01T00:00:00Z").timestamp();
    assert_eq!(
        lord_howe.offset_spans(from, to),
        vec![
            OffsetSpan {
                start: from,
                offset_seconds: 39_600
            },
            OffsetSpan {
                start: utc("2026-04-04T15:00:00Z").timestamp(),
                offset_seconds: 37_800
            },
            OffsetSpan {
                start: utc("2026-10-03T15:30:00Z").timestamp(),
                offset_seconds: 39_600
            },
        ]
    );
}

#[test]
fn offset_spans_without_transitions() {
    let from = utc("2025-01-01T00:00:00Z").timestamp();
    let to = utc("2027-01-01T00:00:00Z").timestamp();
    for (tz, offset) in [
        (chrono_tz::UTC, 0),
        (chrono_tz::Asia::Kolkata, 19_800),
        (chrono_tz::Asia::Kathmandu, 20_700),
        (chrono_tz::Asia::Tokyo, 32_400),
    ] {
        assert_eq!(
            cal(tz).offset_spans(from, to),
            vec![OffsetSpan {
                start: from,
                offset_seconds: offset
            }],
            "{tz}"
        );
    }
}

// ---- day numbers ----------------------------------------------------------------

#[test]
fn day_numbers_by_hand() {
    assert_eq!(day_number(date(1970, 1, 1)), 0);
    assert_eq!(day_number(date(1970, 1, 2)), 1);
    assert_eq!(day_number(date(1969, 12, 31)), -1);
    // 56 years of 365 days plus 14 leap days (1972..=2024).
    assert_eq!(day_number(date(2026, 1, 1)), 20_454);
    assert_eq!(date_from_day_number(20_454), date(2026, 1, 1));
    assert_eq!(date_from_day_number(0), date(1970, 1, 1));
    assert_eq!(date_from_day_number(-1), date(1969, 12, 31));
    assert_eq!(date_from_day_number(-365), date(1969, 1, 1));
    // 2000-03-01: 30 years of 365 days, 7 leap days (1972..=1996), then Jan + Feb 2000.
    assert_eq!(day_number(date(2000, 3, 1)), 30 * 365 + 7 + 31 + 29);
}

#[test]
fn day_number_round_trip() {
    for day in (-40_000_i64..80_000).step_by(37) {
        let back = day_number(date_from_day_number(day));
        assert_eq!(back, day);
    }
    let mut d = date(2027, 12, 1);
    let mut n = day_number(d);
    while d < date(2029, 3, 31) {
        assert_eq!(date_from_day_number(n), d);
        d = d.succ_opt().unwrap();
        n += 1;
        assert_eq!(day_number(d), n);
    }
}
