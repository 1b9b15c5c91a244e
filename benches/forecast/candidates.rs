//! The candidates the forecast was chosen from, measured on the same
//! histories and origins: variants of the weekday-trend model (longer or
//! shorter windows, no damping, no change-of-level detection, the rest of
//! today by the hours left instead of the hour-of-day profile) and a
//! hand-written Holt-Winters (additive on logs, i.e. multiplicative, with a
//! weekly season and a damped trend; parameters by grid search on one-step
//! errors). Prints the mean absolute percentage error per kind.

use chrono::{Days, NaiveDate};
use usagetop::analytics::forecast::backtest::{origins, profile_days, replay, Ledger, Scores};
use usagetop::analytics::forecast::model::Params;
use usagetop::analytics::forecast::outlook::usage_share;
use usagetop::analytics::forecast::synth::{History, Kind};
use usagetop::period::{month_of, shift_month};

use super::{ledger, now};

/// A candidate: the forecast and the actual month end at one origin.
type Candidate<'a> = &'a dyn Fn(&History, &Ledger, NaiveDate) -> Option<(f64, f64)>;

/// Holt-Winters on log amounts: level, damped trend, weekly season.
fn holt_winters(values: &[f64], ahead: usize) -> Vec<f64> {
    let logs: Vec<f64> = values.iter().map(|v| v.max(1e-9).ln()).collect();
    if logs.len() < 14 {
        let mean = values.iter().sum::<f64>() / values.len().max(1) as f64;
        return vec![mean; ahead];
    }
    let phi = 0.98;
    let mut best = (f64::INFINITY, 0.0, 0.0, 0.0);
    for alpha in [0.05, 0.1, 0.2, 0.3, 0.5] {
        for beta in [0.0, 0.01, 0.03, 0.1] {
            for gamma in [0.05, 0.1, 0.2, 0.3] {
                let (sse, _) = run_hw(&logs, alpha, beta, gamma, phi, 0);
                if sse < best.0 {
                    best = (sse, alpha, beta, gamma);
                }
            }
        }
    }
    let (_, forecast) = run_hw(&logs, best.1, best.2, best.3, phi, ahead);
    // Back from logs with the residual variance (a lognormal mean).
    let (sse, _) = run_hw(&logs, best.1, best.2, best.3, phi, 0);
    let var = sse / (logs.len() as f64 - 7.0);
    forecast
        .into_iter()
        .map(|f| (f + var / 2.0).exp())
        .collect()
}

fn run_hw(
    logs: &[f64],
    alpha: f64,
    beta: f64,
    gamma: f64,
    phi: f64,
    ahead: usize,
) -> (f64, Vec<f64>) {
    let first_week = &logs[..7];
    let mut level = first_week.iter().sum::<f64>() / 7.0;
    let mut trend = (logs[7..14].iter().sum::<f64>() / 7.0 - level) / 7.0;
    let mut season: Vec<f64> = first_week.iter().map(|v| v - level).collect();
    let mut sse = 0.0;
    for (t, y) in logs.iter().enumerate().skip(7) {
        let s = season[t % 7];
        let predicted = level + phi * trend + s;
        sse += (y - predicted).powi(2);
        let new_level = alpha * (y - s) + (1.0 - alpha) * (level + phi * trend);
        trend = beta * (new_level - level) + (1.0 - beta) * phi * trend;
        level = new_level;
        season[t % 7] = gamma * (y - level) + (1.0 - gamma) * s;
    }
    let n = logs.len();
    let mut out = Vec::with_capacity(ahead);
    let mut damp = 0.0;
    let mut factor = 1.0;
    for h in 1..=ahead {
        factor *= phi;
        damp += factor;
        out.push(level + damp * trend + season[(n + h - 1) % 7]);
    }
    (sse, out)
}

/// What a daily model needs at `today` (cost only): the complete days of
/// the lookback, the month to date, the share of today still to come (by the
/// hour-of-day profile), and the days after today in the month.
pub struct Origin {
    /// Complete days, oldest first, ending yesterday.
    pub history: Vec<f64>,
    /// Month to date, today so far included.
    pub month_to_date: f64,
    /// Share of today still to come.
    pub rest_of_today: f64,
    /// Days after today through the month's end.
    pub later: usize,
}

impl Origin {
    /// The inputs at `today` with `hours_gone` of it gone.
    pub fn new(book: &Ledger, today: NaiveDate, hours_gone: f64) -> Self {
        let month_start = month_of(today);
        let month_end = shift_month(month_start, 1) - Days::new(1);
        let later = usize::try_from((month_end - today).num_days()).unwrap();
        let history: Vec<f64> = book.history(today).iter().map(|d| d[0]).collect();
        let day = |date: NaiveDate| book.days.get(&date).map_or(0.0, |d| d[0]);
        let so_far = book.before.get(&today).map_or(0.0, |d| d[0]);
        let month_to_date: f64 = month_start
            .iter_days()
            .take_while(|d| *d < today)
            .map(day)
            .sum::<f64>()
            + so_far;
        let samples: Vec<_> = profile_days(today)
            .into_iter()
            .filter_map(|d| {
                book.before
                    .get(&d)
                    .map(|p| (*p, book.days.get(&d).copied().unwrap_or_default()))
            })
            .collect();
        let share = usage_share(&samples).map_or(hours_gone, |s| s[0]);
        Self {
            history,
            month_to_date,
            rest_of_today: 1.0 - share,
            later,
        }
    }

    /// The month end from daily forecasts of today and the days after it.
    pub fn month_end(&self, daily: &[f64]) -> f64 {
        self.month_to_date + daily[0] * self.rest_of_today + daily[1..].iter().sum::<f64>()
    }
}

/// Holt-Winters' month end at `today`, cost only.
fn hw_month_end(book: &Ledger, today: NaiveDate, hours_gone: f64) -> f64 {
    let origin = Origin::new(book, today, hours_gone);
    origin.month_end(&holt_winters(&origin.history, origin.later + 1))
}

/// Writes every origin of every history as a CSV line (kind, seed, date,
/// month to date, share of today to come, days after today, actual, oracle,
/// then the complete days), for measuring models outside this crate.
pub fn export(histories: &[History], path: &str) {
    use std::fmt::Write as _;
    let mut out =
        String::from("kind,seed,date,month_to_date,rest_of_today,later,actual,oracle,days...\n");
    let mut seeds = std::collections::HashMap::new();
    for history in histories {
        let seed = seeds.entry(format!("{:?}", history.kind)).or_insert(0);
        *seed += 1;
        let book = ledger(history, None);
        for today in origins(now(), 6) {
            let hours = history.hour / 24.0;
            let Some(replayed) = replay(&book, today, hours, &Params::default(), 0) else {
                continue;
            };
            let origin = Origin::new(&book, today, hours);
            let month_end = shift_month(month_of(today), 1) - Days::new(1);
            let oracle = usagetop::analytics::forecast::synth::oracle(history, today, month_end, 0);
            write!(
                out,
                "{:?},{},{},{},{},{},{},{}",
                history.kind,
                seed,
                today,
                origin.month_to_date,
                origin.rest_of_today,
                origin.later,
                replayed.actual,
                oracle
            )
            .unwrap();
            for value in &origin.history {
                write!(out, ",{value}").unwrap();
            }
            out.push('\n');
        }
    }
    std::fs::write(path, out).unwrap();
}

/// MAPE of one candidate over the histories of `kind`.
fn mape(histories: &[History], kind: Kind, candidate: Candidate<'_>) -> f64 {
    let mut errors = Vec::new();
    for history in histories.iter().filter(|h| h.kind == kind) {
        let book = ledger(history, None);
        for today in origins(now(), 6) {
            if let Some((forecast, actual)) = candidate(history, &book, today) {
                errors.push(100.0 * (forecast - actual).abs() / actual);
            }
        }
    }
    errors.iter().sum::<f64>() / errors.len().max(1) as f64
}

/// The variants of the model measured beside the chosen settings.
fn variants(params: &Params) -> Vec<(&'static str, Params)> {
    let previous = Params {
        refine: false,
        trend_days: 56,
        shift_max_days: 21,
        trend_shrink: 0.0,
        mean_correction: false,
        ..*params
    };
    vec![
        ("chosen", *params),
        ("medians only (the model before this change)", previous),
        (
            "medians only, mean-corrected",
            Params {
                mean_correction: true,
                ..previous
            },
        ),
        (
            "no trend shrinkage",
            Params {
                trend_shrink: 0.0,
                ..*params
            },
        ),
        (
            "trend shrinkage k = 2",
            Params {
                trend_shrink: 2.0,
                ..*params
            },
        ),
        (
            "trend shrinkage k = 4",
            Params {
                trend_shrink: 4.0,
                ..*params
            },
        ),
        (
            "no trend",
            Params {
                max_slope: 0.0,
                ..*params
            },
        ),
        (
            "no mean correction",
            Params {
                mean_correction: false,
                ..*params
            },
        ),
        (
            "recent days weigh more (half-life 28 days)",
            Params {
                half_life: 28.0,
                ..*params
            },
        ),
        (
            "recent days weigh more (half-life 56 days)",
            Params {
                half_life: 56.0,
                ..*params
            },
        ),
        (
            "weekday levels pulled together (2 days)",
            Params {
                season_shrink: 2.0,
                ..*params
            },
        ),
        (
            "weekday levels pulled together (5 days)",
            Params {
                season_shrink: 5.0,
                ..*params
            },
        ),
        (
            "no recent departure",
            Params {
                departure_half_life: 0.0,
                ..*params
            },
        ),
        (
            "recent departure, half-life 7 days",
            Params {
                departure_half_life: 7.0,
                ..*params
            },
        ),
        (
            "recent departure, half-life 14 days",
            Params {
                departure_half_life: 14.0,
                ..*params
            },
        ),
        (
            "recent departure kept 0.9 a day",
            Params {
                departure_keep: 0.9,
                ..*params
            },
        ),
        (
            "recent departure kept whole",
            Params {
                departure_keep: 1.0,
                ..*params
            },
        ),
        (
            "window 42 days",
            Params {
                trend_days: 42,
                ..*params
            },
        ),
        (
            "window 63 days",
            Params {
                trend_days: 63,
                ..*params
            },
        ),
        (
            "window 91 days",
            Params {
                trend_days: 91,
                ..*params
            },
        ),
        (
            "window 126 days",
            Params {
                trend_days: 126,
                ..*params
            },
        ),
        (
            "trend damping 0.97",
            Params {
                damping: 0.97,
                ..*params
            },
        ),
        (
            "no change-of-level detection",
            Params {
                shift_days: 0,
                ..*params
            },
        ),
        (
            "change of level after 2 days (not 3)",
            Params {
                shift_days: 2,
                ..*params
            },
        ),
        (
            "change of level within 21 days only",
            Params {
                shift_max_days: 21,
                ..*params
            },
        ),
        (
            "change of level at 2.5 standard errors",
            Params {
                shift_score: 2.5,
                ..*params
            },
        ),
        (
            "change of level at 5 standard errors",
            Params {
                shift_score: 5.0,
                ..*params
            },
        ),
        (
            "change of level: the best split, not the most recent within 5 %",
            Params {
                shift_recent: 0.0,
                ..*params
            },
        ),
        (
            "change of level: the most recent split within 10 %",
            Params {
                shift_recent: 0.1,
                ..*params
            },
        ),
        (
            "no step up from the last days and today so far",
            Params {
                fast_step: 0.0,
                ..*params
            },
        ),
    ]
}

/// Prints each candidate's MAPE per kind.
pub fn compare(histories: &[History], params: &Params) {
    println!("\nCandidates: MAPE of the month-end cost per kind of history\n");
    print!("| candidate |");
    for kind in Kind::ALL {
        print!(" {} |", kind.name());
    }
    println!(" mean of the first three |");
    println!("| --- |{}", " ---: |".repeat(Kind::ALL.len() + 1));
    let print_row = |name: &str, candidate: Candidate<'_>| {
        print!("| {name} |");
        let mut sum = 0.0;
        for kind in Kind::ALL {
            let value = mape(histories, kind, candidate);
            if matches!(kind, Kind::Steady | Kind::Noisy | Kind::Jump) {
                sum += value;
            }
            print!(" {value:.2} % |");
        }
        println!(" {:.2} % |", sum / 3.0);
    };
    for (name, variant) in &variants(params) {
        print_row(name, &|h, book, today| {
            replay(book, today, h.hour / 24.0, variant, 0).map(|r| (r.forecast, r.actual))
        });
    }
    print_row("rest of today by hours left", &|h, book, today| {
        let mut linear = book.clone();
        linear.before.retain(|day, _| *day == today);
        replay(&linear, today, h.hour / 24.0, params, 0).map(|r| (r.forecast, r.actual))
    });
    print_row("Holt-Winters (damped, weekly season)", &|h, book, today| {
        let actual = replay(book, today, h.hour / 24.0, params, 0)?.actual;
        Some((hw_month_end(book, today, h.hour / 24.0), actual))
    });
    print_row("run-rate", &|h, book, today| {
        replay(book, today, h.hour / 24.0, params, 0).map(|r| (r.run_rate, r.actual))
    });
    print_row("same-weekday mean, 28 days", &|h, book, today| {
        replay(book, today, h.hour / 24.0, params, 0).map(|r| (r.weekday_mean, r.actual))
    });
    println!("\nThe band: coverage / mean width per kind, per setting\n");
    print!("| persistence | band_scale | band_floor | band_bursts |");
    for kind in Kind::ALL {
        print!(" {} |", kind.name());
    }
    println!();
    println!(
        "| --- | ---: | ---: | ---: |{}",
        " ---: |".repeat(Kind::ALL.len())
    );
    let mut settings = Vec::new();
    for scale in [1.2, 1.4, 1.6] {
        for floor in [0.0, 0.03] {
            settings.push((true, scale, floor, 1.0));
        }
    }
    settings.push((false, 1.4, 0.03, 1.0));
    settings.push((true, 1.4, 0.03, 0.0));
    settings.push((true, 1.4, 0.03, 0.5));
    for (persistence, scale, floor, bursts) in settings {
        let variant = Params {
            band_persistence: persistence,
            band_scale: scale,
            band_floor: floor,
            band_bursts: bursts,
            ..*params
        };
        print!("| {persistence} | {scale} | {floor} | {bursts} |");
        for kind in Kind::ALL {
            let replayed: Vec<_> = histories
                .iter()
                .filter(|h| h.kind == kind)
                .flat_map(|h| {
                    let book = ledger(h, None);
                    origins(now(), 6)
                        .into_iter()
                        .filter_map(move |today| replay(&book, today, h.hour / 24.0, &variant, 0))
                })
                .collect();
            let scores = Scores::of(&replayed);
            print!(" {:.0} % / {:.1} % |", scores.coverage, scores.band_width);
        }
        println!();
    }
}
