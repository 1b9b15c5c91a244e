//! QueryPlan with a fixed `now`: local today/week/month where the UTC date
//! differs, the day x model window, and the same-span previous ranges
//! (clipped months, same local time of day across DST changes).
#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Duration, NaiveDate, Timelike, Utc};

use chrono_tz::Tz;
use usagetop::analytics::plan::{QueryPlan, UtcRange};
use usagetop::period::{Calendar, WeekStart};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

fn range(start: &str, end: &str) -> UtcRange {
    UtcRange {
        start: utc(start),
        end: utc(end),
    }
}

fn plan(now: &str, tz: Tz, week_start: WeekStart) -> QueryPlan {
    QueryPlan::new(utc(now), &Calendar::new(tz, week_start))
}

#[test]
fn tokyo_is_already_in_december() {
    // 23:30Z on Nov 30 is 08:30 JST on Tuesday, Dec 1.
    let p = plan(
        "2026-11-30T23:30:00Z",
        chrono_tz::Asia::Tokyo,
        WeekStart::Monday,
    );
    assert_eq!(p.now, utc("2026-11-30T23:30:00Z"));
    assert_eq!(p.today, date(2026, 12, 1));
    assert_eq!(p.week_start, date(2026, 11, 30));
    assert_eq!(p.month_start, date(2026, 12, 1));
    // The monthly trend reaches back furthest: 12 months with this one start
    // on 2026-01-01, and the previous-period overlay doubles that to 2025-01-01.
    assert_eq!(p.window_start_day, date(2025, 1, 1));
    assert_eq!(
        p.window,
        range("2024-12-31T15:00:00Z", "2026-11-30T23:30:01Z")
    );
    // Yesterday (Nov 30, JST) from its midnight up to and including 08:30:00 JST.
    assert_eq!(
        p.previous_day,
        range("2026-11-29T15:00:00Z", "2026-11-29T23:30:01Z")
    );
    // Last week: Monday Nov 23 to Tuesday Nov 24 08:30 JST.
    assert_eq!(
        p.previous_week,
        range("2026-11-22T15:00:00Z", "2026-11-23T23:30:01Z")
    );
    // Last month: Nov 1 up to Nov 1 08:30 JST.
    assert_eq!(
        p.previous_month,
        range("2026-10-31T15:00:00Z", "2026-10-31T23:30:01Z")
    );
}

#[test]
fn tokyo_with_sunday_weeks() {
    let p = plan(
        "2026-11-30T23:30:00Z",
        chrono_tz::Asia::Tokyo,
        WeekStart::Sunday,
    );
    assert_eq!(p.today, date(2026, 12, 1));
    assert_eq!(p.week_start, date(2026, 11, 29));
    // Last week: Sunday Nov 22 up to Tuesday Nov 24 08:30 JST.
    assert_eq!(
        p.previous_week,
        range("2026-11-21T15:00:00Z", "2026-11-23T23:30:01Z")
    );
}

#[test]
fn new_york_is_still_in_the_previous_day() {
    // 02:00Z on Jan 1 2027 is 21:00 EST on Thursday, Dec 31 2026.
    let p = plan(
        "2027-01-01T02:00:00Z",
        chrono_tz::America::New_York,
        WeekStart::Monday,
    );
    assert_eq!(p.today, date(2026, 12, 31));
    assert_eq!(p.week_start, date(2026, 12, 28));
    assert_eq!(p.month_start, date(2026, 12, 1));
    assert_eq!(p.window_start_day, date(2025, 1, 1));
    assert_eq!(
        p.window,
        range("2025-01-01T05:00:00Z", "2027-01-01T02:00:01Z")
    );
    assert_eq!(
        p.previous_day,
        range("2026-12-30T05:00:00Z", "2026-12-31T02:00:01Z")
    );
    // Today is the 31st and November has 30 days: all of November.
    assert_eq!(
        p.previous_month,
        range("2026-11-01T04:00:00Z", "2026-12-01T05:00:00Z")
    );
}

#[test]
fn previous_month_is_whole_when_today_is_past_its_length() {
    let p = plan("2026-12-31T15:45:00Z", chrono_tz::UTC, WeekStart::Monday);
    assert_eq!(p.today, date(2026, 12, 31));
    assert_eq!(
        p.previous_month,
        range("2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z")
    );
    // In Berlin the same month boundaries are local midnights (CET).
    let p = plan(
        "2026-12-31T14:45:00Z",
        chrono_tz::Europe::Berlin,
        WeekStart::Monday,
    );
    assert_eq!(
        p.previous_month,
        range("2026-10-31T23:00:00Z", "2026-11-30T23:00:00Z")
    );
    // March 29..31 are all past February's 28 days.
    for day in 29..=31 {
        let p = QueryPlan::new(
            date(2026, 3, day).and_hms_opt(9, 0, 0).unwrap().and_utc(),
            &Calendar::new(chrono_tz::UTC, WeekStart::Monday),
        );
        assert_eq!(
            p.previous_month,
            range("2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z"),
            "March {day}"
        );
    }
}

#[test]
fn previous_month_same_day_when_it_exists() {
    // March 28: Feb 28 exists.
    let p = plan("2026-03-28T10:00:00Z", chrono_tz::UTC, WeekStart::Monday);
    assert_eq!(
        p.previous_month,
        range("2026-02-01T00:00:00Z", "2026-02-28T10:00:01Z")
    );
    // 2028 is a leap year: March 29 maps to Feb 29.
    let p = plan("2028-03-29T10:00:00Z", chrono_tz::UTC, WeekStart::Monday);
    assert_eq!(
        p.previous_month,
        range("2028-02-01T00:00:00Z", "2028-02-29T10:00:01Z")
    );
    // Dec 30 maps to Nov 30 (Nov's last day), not the whole month.
    let p = plan("2026-12-30T10:00:00Z", chrono_tz::UTC, WeekStart::Monday);
    assert_eq!(
        p.previous_month,
        range("2026-11-01T00:00:00Z", "2026-11-30T10:00:01Z")
    );
    // January maps to December of the year before.
    let p = plan("2027-01-15T10:00:00Z", chrono_tz::UTC, WeekStart::Monday);
    assert_eq!(
        p.previous_month,
        range("2026-12-01T00:00:00Z", "2026-12-15T10:00:01Z")
    );
}

#[test]
fn previous_day_ends_at_the_same_local_time_on_a_23_hour_day() {
    // 10:00Z on 2026-03-29 is 12:00 CEST; yesterday 12:00 was CET = 11:00Z,
    // not now - 24h (10:00Z).
    let p = plan(
        "2026-03-29T10:00:00Z",
        chrono_tz::Europe::Berlin,
        WeekStart::Monday,
    );
    assert_eq!(p.today, date(2026, 3, 29));
    assert_eq!(
        p.previous_day,
        range("2026-03-27T23:00:00Z", "2026-03-28T11:00:01Z")
    );
}

#[test]
fn previous_day_ends_at_the_same_local_time_on_a_25_hour_day() {
    // 11:00Z on 2026-10-25 is 12:00 CET; yesterday 12:00 was CEST = 10:00Z.
    let p = plan(
        "2026-10-25T11:00:00Z",
        chrono_tz::Europe::Berlin,
        WeekStart::Monday,
    );
    assert_eq!(p.today, date(2026, 10, 25));
    assert_eq!(
        p.previous_day,
        range("2026-10-23T22:00:00Z", "2026-10-24T10:00:01Z")
    );
}

#[test]
fn previous_day_when_yesterdays_time_fell_in_the_gap() {
    // 00:30Z on 2026-03-30 is 02:30 CEST; 02:30 did not exist on Mar 29, so
    // the range ends at 03:00 CEST (01:00Z) plus the inclusive second.
    let p = plan(
        "2026-03-30T00:30:00Z",
        chrono_tz::Europe::Berlin,
        WeekStart::Monday,
    );
    assert_eq!(
        p.previous_day,
        range("2026-03-28T23:00:00Z", "2026-03-29T01:00:01Z")
    );
}

#[test]
fn previous_day_keeps_the_local_time_of_day_everywhere() {
    for tz in [
        chrono_tz::Europe::Berlin,
        chrono_tz::America::New_York,
        chrono_tz::Asia::Kathmandu,
        chrono_tz::Australia::Lord_Howe,
    ] {
        let calendar = Calendar::new(tz, WeekStart::Monday);
        // Every 37 minutes through the spring and autumn changes of 2026.
        for start in [
            "2026-03-06T00:00:00Z",
            "2026-03-27T00:00:00Z",
            "2026-10-01T00:00:00Z",
            "2026-10-23T00:00:00Z",
        ] {
            let mut now = utc(start);
            let stop = now + Duration::days(4);
            while now < stop {
                let p = QueryPlan::new(now, &calendar);
                let local_now = now.with_timezone(&tz);
                let yesterday = p.today.pred_opt().unwrap();
                let second = Duration::seconds(1);
                // The window runs to the end of now's second, never past today.
                let tomorrow = calendar.start_of_day(p.today.succ_opt().unwrap());
                assert_eq!(p.window.end, (now + second).min(tomorrow), "{tz} {now}");
                assert_eq!(p.previous_day.start, calendar.start_of_day(yesterday));
                // Yesterday's end: the end of the second of the same wall
                // time yesterday (or the first time after a gap).
                let point = calendar.start_of_local(yesterday, local_now.time());
                let local_point = point.with_timezone(&tz);
                assert_eq!(local_point.date_naive(), yesterday, "{tz} {now}");
                let same = local_point.time() == local_now.time();
                let after_gap = local_point.time() > local_now.time()
                    && local_point.time().minute().is_multiple_of(30)
                    && local_point.time().second() == 0;
                assert!(
                    same || after_gap,
                    "{tz} {now}: {local_point} vs {local_now}"
                );
                let end = p.previous_day.end;
                assert_eq!(
                    end,
                    (point + second).min(calendar.start_of_day(p.today)),
                    "{tz} {now}: {end} vs {point}"
                );
                now += Duration::minutes(37);
            }
        }
    }
}

#[test]
fn previous_week_matches_the_point_in_the_week() {
    // Wednesday 2026-06-17 15:20 UTC, Monday weeks: last Monday Jun 8 to
    // Wednesday Jun 10 up to and including 15:20:00.
    let p = plan("2026-06-17T15:20:00Z", chrono_tz::UTC, WeekStart::Monday);
    assert_eq!(p.week_start, date(2026, 6, 15));
    assert_eq!(
        p.previous_week,
        range("2026-06-08T00:00:00Z", "2026-06-10T15:20:01Z")
    );
    // On the first day of the week the span is just last week's first day so far.
    let p = plan("2026-06-15T03:00:00Z", chrono_tz::UTC, WeekStart::Monday);
    assert_eq!(p.week_start, date(2026, 6, 15));
    assert_eq!(
        p.previous_week,
        range("2026-06-08T00:00:00Z", "2026-06-08T03:00:01Z")
    );
}

#[test]
fn window_covers_every_trend_and_the_forecast() {
    // Mid-month in June: the monthly trend starts July 1 of the year before,
    // and the window holds twice that (for the previous-period overlay).
    let p = plan("2026-06-17T12:00:00Z", chrono_tz::UTC, WeekStart::Monday);
    assert_eq!(p.window_start_day, date(2024, 7, 1));
    assert_eq!(p.window.start, utc("2024-07-01T00:00:00Z"));
    // Kathmandu: local midnight is 18:15Z the day before.
    let p = plan(
        "2026-06-17T12:00:00Z",
        chrono_tz::Asia::Kathmandu,
        WeekStart::Monday,
    );
    assert_eq!(p.window.start, utc("2024-06-30T18:15:00Z"));
}

#[test]
fn ends_are_the_second_after_now_and_never_pass_midnight() {
    // 23:59:59 local in zones 5:45 and 5:30 ahead of UTC: the second after
    // it is local midnight, where the window stops.
    for (now, tz, midnight) in [
        (
            "2026-11-28T18:14:59Z",
            chrono_tz::Asia::Kathmandu,
            "2026-11-28T18:15:00Z",
        ),
        (
            "2026-11-28T18:29:59Z",
            chrono_tz::Asia::Kolkata,
            "2026-11-28T18:30:00Z",
        ),
    ] {
        let p = plan(now, tz, WeekStart::Monday);
        assert_eq!(p.window.end, utc(midnight), "{tz}");
        assert_eq!(
            p.previous_day.end,
            utc(midnight) - Duration::days(1),
            "{tz}"
        );
    }
    // Mid-quarter in Kathmandu: 10:07:13 local (04:22:13Z) runs to 10:07:14.
    let p = plan(
        "2026-11-28T04:22:13Z",
        chrono_tz::Asia::Kathmandu,
        WeekStart::Monday,
    );
    assert_eq!(p.window.end, utc("2026-11-28T04:22:14Z"));
    assert_eq!(p.previous_day.end, utc("2026-11-27T04:22:14Z"));
}

#[test]
fn comparison_spans_a_year_before_and_the_baseline() {
    use usagetop::analytics::compare::Compare;
    // Wednesday 2026-03-04 10:07 in Berlin (UTC+1).
    let calendar = Calendar::new(chrono_tz::Europe::Berlin, WeekStart::Monday);
    let p = QueryPlan::new(utc("2026-03-04T09:07:00Z"), &calendar);
    // (1, 1, 1) is exactly the previous-period ranges.
    assert_eq!(
        p.spans_back(&calendar, 1, 1, 1),
        [p.previous_day, p.previous_week, p.previous_month]
    );
    let [day, week, month] = Compare::Year.spans(&p, &calendar);
    // 52 weeks before: Wednesday 2025-03-05, to the same time of day (through its second).
    assert_eq!(day[0].first_day, date(2025, 3, 5));
    assert_eq!(
        day[0].range,
        range("2025-03-04T23:00:00Z", "2025-03-05T09:07:01Z")
    );
    assert_eq!(week[0].first_day, date(2025, 3, 3));
    assert_eq!(
        week[0].range,
        range("2025-03-02T23:00:00Z", "2025-03-05T09:07:01Z")
    );
    // 12 months before: March 2025 up to the 4th at the same time.
    assert_eq!(month[0].first_day, date(2025, 3, 1));
    assert_eq!(
        month[0].range,
        range("2025-02-28T23:00:00Z", "2025-03-04T09:07:01Z")
    );
    let [days, weeks, months] = Compare::Baseline(3).spans(&p, &calendar);
    assert_eq!(
        days.iter().map(|span| span.first_day).collect::<Vec<_>>(),
        [date(2026, 3, 3), date(2026, 3, 2), date(2026, 3, 1)]
    );
    assert_eq!(
        weeks.iter().map(|span| span.first_day).collect::<Vec<_>>(),
        [date(2026, 2, 23), date(2026, 2, 16), date(2026, 2, 9)]
    );
    // Each month up to its 4th at the same time.
    assert_eq!(
        months.iter().map(|span| span.range.end).collect::<Vec<_>>(),
        [
            utc("2026-02-04T09:07:01Z"),
            utc("2026-01-04T09:07:01Z"),
            utc("2025-12-04T09:07:01Z")
        ]
    );
    // On the 31st, a shorter earlier month counts whole.
    let late = QueryPlan::new(utc("2026-03-31T09:07:00Z"), &calendar);
    let [_, _, months] = Compare::Baseline(2).spans(&late, &calendar);
    assert_eq!(
        months[0].range,
        range("2026-01-31T23:00:00Z", "2026-02-28T23:00:00Z")
    );
    // Summer time by then: 11:07 local is 10:07Z on Jan 31.
    assert_eq!(months[1].range.end, utc("2026-01-31T10:07:01Z"));
    // Covered only when the history reaches the period's start.
    assert!(months[0].covered(Some(date(2026, 2, 1))));
    assert!(!months[0].covered(Some(date(2026, 2, 2))));
    assert!(!months[0].covered(None));
}
