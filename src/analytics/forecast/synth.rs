//! Synthetic daily usage histories of known shape, for measuring forecasts:
//! steady growth, flat and noisy days, fast growth with a lasting jump, burst
//! days, holiday dips, and short histories. Each day carries its actual
//! amounts (cost, requests, tokens), the part used before a time of day, and
//! the shape without noise, bursts or holidays, from which the "oracle"
//! forecast (the floor no method can beat on average) is made. Seeded and
//! deterministic on every machine; pure (no I/O, no clock).

use chrono::{Datelike, Days, NaiveDate, Weekday};

/// A kind of history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Steady growth with weekday and hour-of-day seasonality, moderate noise.
    Steady,
    /// Flat usage with 20 % day-to-day spread.
    Noisy,
    /// Fast growth with one lasting jump of volume in the replayed months.
    Jump,
    /// Steady usage with frequent single burst days of 2.5 to 5 times normal.
    Bursts,
    /// Steady usage with holiday dips of a few days.
    Holiday,
}

impl Kind {
    /// Every kind, in report order.
    pub const ALL: [Kind; 5] = [
        Kind::Steady,
        Kind::Noisy,
        Kind::Jump,
        Kind::Bursts,
        Kind::Holiday,
    ];

    /// A short name.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Kind::Steady => "steady growth",
            Kind::Noisy => "flat, noisy",
            Kind::Jump => "fast growth + jump",
            Kind::Bursts => "burst days",
            Kind::Holiday => "holiday dips",
        }
    }
}

/// One generated day.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Day {
    /// The local date.
    pub date: NaiveDate,
    /// Cost, requests, tokens of the whole day.
    pub actual: [f64; 3],
    /// Cost, requests, tokens before the history's time of day.
    pub before: [f64; 3],
    /// The shape: the expected amounts without noise, bursts or holidays.
    pub shape: [f64; 3],
    /// The share of the shape's day that lies before the time of day.
    pub shape_share: f64,
    /// The lasting jump so far, as factors of cost, requests, tokens.
    pub jump: [f64; 3],
}

/// A generated history.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    /// The kind.
    pub kind: Kind,
    /// Consecutive days, oldest first.
    pub days: Vec<Day>,
    /// The time of day forecasts are made at, in hours after midnight.
    pub hour: f64,
}

/// `SplitMix64`: small, fast and the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    #[allow(clippy::cast_precision_loss)]
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1_u64 << 53) as f64
    }

    fn between(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.unit()
    }

    /// Standard normal (Box-Muller).
    fn normal(&mut self) -> f64 {
        let u = self.unit().max(1e-12);
        let v = self.unit();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

/// Share of a workday's usage in each hour (office hours, a long evening tail).
const WORKDAY_HOURS: [f64; 24] = [
    0.4, 0.3, 0.2, 0.2, 0.2, 0.3, 0.8, 1.6, 3.0, 4.6, 5.4, 5.6, 4.8, 5.2, 5.6, 5.4, 5.0, 4.2, 3.0,
    2.4, 2.0, 1.6, 1.2, 0.8,
];
/// Share of a weekend day's usage in each hour (later and flatter).
const WEEKEND_HOURS: [f64; 24] = [
    1.0, 0.8, 0.6, 0.4, 0.3, 0.3, 0.4, 0.7, 1.2, 2.0, 2.8, 3.2, 3.4, 3.4, 3.3, 3.2, 3.1, 3.0, 2.9,
    2.8, 2.6, 2.2, 1.8, 1.4,
];

/// The share of a day's usage before `hour` (fractional hours) on `weekday`.
#[must_use]
pub fn share_before(hour: f64, weekday: Weekday) -> f64 {
    let profile = if matches!(weekday, Weekday::Sat | Weekday::Sun) {
        &WEEKEND_HOURS
    } else {
        &WORKDAY_HOURS
    };
    let total: f64 = profile.iter().sum();
    let mut before = 0.0;
    for (h, weight) in profile.iter().enumerate() {
        let start = f64::from(u32::try_from(h).unwrap_or(0));
        before += weight * (hour - start).clamp(0.0, 1.0);
    }
    before / total
}

/// The recipe of a kind of history: the ranges its shape is drawn from
/// and the sizes of what the shape does not know (noise, wander, bursts).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Recipe {
    /// Growth per 30 days, in log units, drawn between these.
    pub growth: (f64, f64),
    /// Weekend level against weekdays, drawn between these.
    pub weekend: (f64, f64),
    /// Standard deviation of one day's log noise (independent day to day).
    pub noise: f64,
    /// Standard deviation of the daily step of the level's slow wander
    /// (an AR(1) on logs: weeks of more or less work).
    pub wander: f64,
    /// How much of the wander a day keeps from the day before.
    pub wander_keep: f64,
    /// Chance of a burst day (2.5 to 5 times normal) on any day.
    pub burst_rate: f64,
    /// One lasting jump of volume in the replayed months, of a size drawn
    /// between these (none when `None`).
    pub jump: Option<(f64, f64)>,
    /// Holiday dips of 2 to 6 days to 15-45 %, every 25 to 60 days.
    pub holidays: bool,
}

impl Kind {
    /// The recipe of this kind of history.
    #[must_use]
    pub fn recipe(self) -> Recipe {
        let steady = Recipe {
            growth: (0.05, 0.15),
            weekend: (0.3, 0.6),
            noise: 0.10,
            wander: 0.02,
            wander_keep: 0.9,
            burst_rate: 1.0 / 60.0,
            jump: None,
            holidays: false,
        };
        match self {
            Kind::Steady => steady,
            Kind::Noisy => Recipe {
                growth: (-0.03, 0.03),
                weekend: (0.6, 0.9),
                noise: 0.20,
                wander: 0.042,
                wander_keep: 0.95,
                ..steady
            },
            Kind::Jump => Recipe {
                growth: (0.20, 0.40),
                jump: Some((1.5, 2.5)),
                ..steady
            },
            Kind::Bursts => Recipe {
                burst_rate: 1.0 / 12.0,
                ..steady
            },
            Kind::Holiday => Recipe {
                holidays: true,
                ..steady
            },
        }
    }
}

/// Generates `days` days of `kind` ending on `last` (inclusive).
#[must_use]
pub fn generate(kind: Kind, seed: u64, last: NaiveDate, days: u32) -> History {
    generate_with(kind, &kind.recipe(), seed, last, days)
}

/// Generates `days` days of `kind` by `recipe` ending on `last` (inclusive).
/// The lasting jump falls in the last 200 to 30 days (the months a
/// backtest replays), so forecasts are made before, across and after it.
#[must_use]
pub fn generate_with(
    kind: Kind,
    recipe: &Recipe,
    seed: u64,
    last: NaiveDate,
    days: u32,
) -> History {
    let mut rng = Rng(seed ^ (kind as u64).wrapping_mul(0x5851_F42D_4C95_7F2D));
    let hour = (rng.between(8.0, 22.0) * 4.0).floor() / 4.0;
    // Weekday pattern: weekdays near 1, weekends lower; perturbed per history.
    let weekend = rng.between(recipe.weekend.0, recipe.weekend.1);
    let mut weekday_factor = [1.0; 7];
    for (i, factor) in weekday_factor.iter_mut().enumerate() {
        *factor = if i >= 5 {
            weekend * rng.between(0.9, 1.1)
        } else {
            rng.between(0.85, 1.15)
        };
    }
    // Growth per day in log units.
    let growth = rng.between(recipe.growth.0, recipe.growth.1) / 30.0;
    let noise = recipe.noise;
    let requests0 = rng.between(300.0, 5_000.0);
    let tokens_per_request = rng.between(2_000.0, 12_000.0);
    let mut dollars_per_mtok = rng.between(1.0, 8.0);
    let mix_drift = rng.between(-0.004, 0.004);

    let jump = recipe.jump.map(|(low, high)| {
        let span = f64::from(days);
        let at = rng.between((span - 200.0).max(14.0), (span - 30.0).max(15.0));
        (to_day(at), rng.between(low, high))
    });
    // Holidays: a dip of 2 to 6 days to 15-45 % every 25 to 60 days.
    let mut holidays: Vec<(u32, u32, f64)> = Vec::new();
    if recipe.holidays {
        let mut at = rng.between(5.0, 40.0);
        while at < f64::from(days) {
            let length = to_day(rng.between(2.0, 7.0));
            holidays.push((to_day(at), length, rng.between(0.15, 0.45)));
            at += rng.between(25.0, 60.0);
        }
    }

    let first = last - Days::new(u64::from(days.saturating_sub(1)));
    let mut out = Vec::with_capacity(days as usize);
    let mut log_wander = 0.0;
    let mut jump_level = 1.0;
    for index in 0..days {
        let date = first + Days::new(u64::from(index));
        let t = f64::from(index);
        if let Some((at, size)) = jump {
            if at == index {
                jump_level *= size;
            }
        }
        dollars_per_mtok *= (mix_drift + 0.002 * rng.normal()).exp();
        log_wander = recipe.wander_keep * log_wander + recipe.wander * rng.normal();
        let weekday = date.weekday();
        let base_requests = requests0
            * (growth * t).exp()
            * weekday_factor[weekday.num_days_from_monday() as usize]
            * jump_level;
        let shape = amounts(base_requests, tokens_per_request, dollars_per_mtok);
        let mut multiplier = (log_wander + noise * rng.normal() - noise * noise / 2.0).exp();
        if rng.unit() < recipe.burst_rate {
            multiplier *= rng.between(2.5, 5.0);
        }
        for (start, length, level) in &holidays {
            if index >= *start && index < start + length {
                multiplier *= level;
            }
        }
        // Tokens per request and the model mix wobble a little day to day.
        let day_tokens = tokens_per_request * (0.05 * rng.normal()).exp();
        let day_price = dollars_per_mtok * (0.03 * rng.normal()).exp();
        let actual = amounts(base_requests * multiplier, day_tokens, day_price);
        let shape_share = share_before(hour, weekday);
        // Intraday: the share before the hour wobbles a little.
        let share = (shape_share * (0.06 * rng.normal()).exp()).min(1.0);
        let before = actual.map(|value| value * share);
        out.push(Day {
            date,
            actual,
            before,
            shape,
            shape_share,
            jump: [jump_level; 3],
        });
    }
    History {
        kind,
        days: out,
        hour,
    }
}

fn to_day(value: f64) -> u32 {
    // Values here are small and positive.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let day = value.max(0.0) as u32;
    day
}

fn amounts(requests: f64, tokens_per_request: f64, dollars_per_mtok: f64) -> [f64; 3] {
    let tokens = requests * tokens_per_request;
    [tokens * dollars_per_mtok / 1e6, requests, tokens]
}

/// The oracle's month-end forecast at the history's hour on `today`: the
/// actual month to date, then the shape (no noise, bursts or holidays, and
/// no jump later than yesterday) for the rest of today and each later day.
#[must_use]
pub fn oracle(history: &History, today: NaiveDate, month_end: NaiveDate, which: usize) -> f64 {
    let month_start = today.with_day(1).unwrap_or(today);
    // Jumps up to yesterday are known (a whole day of them has been seen).
    let known = history
        .days
        .iter()
        .take_while(|day| day.date < today)
        .last()
        .map_or(1.0, |day| day.jump[which]);
    let mut total = 0.0;
    for day in &history.days {
        if day.date >= month_start && day.date < today {
            total += day.actual[which];
        } else if day.date == today {
            total += day.before[which]
                + day.shape[which] * known / day.jump[which] * (1.0 - day.shape_share);
        } else if day.date > today && day.date <= month_end {
            total += day.shape[which] * known / day.jump[which];
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_history() {
        let last = NaiveDate::from_ymd_opt(2026, 6, 30).unwrap_or_default();
        let a = generate(Kind::Jump, 7, last, 200);
        let b = generate(Kind::Jump, 7, last, 200);
        assert_eq!(a, b);
        assert_ne!(a, generate(Kind::Jump, 8, last, 200));
        assert_eq!(a.days.len(), 200);
        assert_eq!(a.days[199].date, last);
    }

    #[test]
    fn shares_run_from_zero_to_one() {
        assert!(share_before(0.0, Weekday::Mon).abs() < 1e-12);
        assert!((share_before(24.0, Weekday::Sun) - 1.0).abs() < 1e-12);
        // Office hours: by noon less than half the day has gone, though half the hours have.
        assert!(share_before(12.0, Weekday::Wed) < 0.45);
    }

    #[test]
    fn one_lasting_jump_known_to_the_oracle_from_the_next_day() {
        let last = NaiveDate::from_ymd_opt(2026, 11, 14).unwrap_or_default();
        let history = generate(Kind::Jump, 3, last, 400);
        let changes: Vec<usize> = (1..history.days.len())
            .filter(|&i| history.days[i].jump[1] != history.days[i - 1].jump[1])
            .collect();
        assert_eq!(changes.len(), 1);
        let j = changes[0];
        assert!((200..=370).contains(&j), "{j}");
        let size = history.days[j].jump[1] / history.days[j - 1].jump[1];
        assert!((1.5..=2.5).contains(&size), "{size}");
        // What the oracle adds for tomorrow, on the jump's day and the day after.
        let tomorrow = |i: usize| {
            let day = history.days[i].date;
            oracle(&history, day, day + Days::new(1), 1) - oracle(&history, day, day, 1)
        };
        assert!((tomorrow(j) - history.days[j + 1].shape[1] / size).abs() < 1e-6);
        assert!((tomorrow(j + 1) - history.days[j + 2].shape[1]).abs() < 1e-6);
    }
}
