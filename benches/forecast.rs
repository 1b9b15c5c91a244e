//! Forecast accuracy benchmark: generates synthetic usage histories of each
//! kind (`usagetop::analytics::forecast::synth`), replays the month-end
//! forecast on days 5, 10, 15, 20 and 25 of the last six complete months at
//! each history's time of day, and prints per kind of history: usagetop's
//! mean absolute percentage error, the oracle's floor (it knows the shape:
//! growth, weekday pattern and past jumps, not future bursts or noise), the
//! month-to-date run-rate, the same-weekday mean of 28 days, and the 80 %
//! band's coverage and mean width. `--candidates` also measures the methods
//! the model was chosen from. The figures in README's "month-end estimate"
//! section come from:
//!
//! `cargo bench --bench forecast` (add `-- --seeds 40 --candidates` for more,
//! `--seed-from N` for other histories, `--set FIELD=VALUE` to try a setting)
#![allow(clippy::unwrap_used, clippy::print_stdout)]

#[path = "forecast/candidates.rs"]
mod candidates;

use chrono::{Datelike, Days, NaiveDate};
use usagetop::analytics::forecast::backtest::{origins, replay, Ledger, Replayed, Scores};
use usagetop::analytics::forecast::model::Params;
use usagetop::analytics::forecast::synth::{self, History, Kind, Recipe};
use usagetop::period::{month_of, shift_month};

/// "Now" of every history: mid-month, so six complete months lie behind it.
fn now() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 14).unwrap()
}

/// Days generated: the six months plus the lookback before them.
const DAYS: u32 = 400;

fn ledger(history: &History, first: Option<NaiveDate>) -> Ledger {
    let keep = |date: NaiveDate| first.is_none_or(|first| date >= first);
    Ledger {
        days: history
            .days
            .iter()
            .filter(|day| keep(day.date))
            .map(|day| (day.date, day.actual))
            .collect(),
        before: history
            .days
            .iter()
            .filter(|day| keep(day.date))
            .map(|day| (day.date, day.before))
            .collect(),
        first_day: Some(first.unwrap_or(history.days[0].date)),
    }
}

/// One scored forecast, with the oracle's.
struct Scored {
    replayed: Replayed,
    oracle: f64,
}

/// Replays every origin of `history`; with `short`, as if the history
/// started that many days before each origin.
fn run(history: &History, params: &Params, short: Option<u64>) -> Vec<Scored> {
    let whole = ledger(history, None);
    let mut out = Vec::new();
    for today in origins(now(), 6) {
        let book = match short {
            Some(days) => ledger(history, Some(today - Days::new(days))),
            None => whole.clone(),
        };
        let Some(replayed) = replay(&book, today, history.hour / 24.0, params, 0) else {
            continue;
        };
        let month_end = shift_month(month_of(today), 1) - Days::new(1);
        let mut oracle = synth::oracle(history, today, month_end, 0);
        if let Some(days) = short {
            // The oracle's month to date starts with the history too.
            let first = today - Days::new(days);
            oracle -= history
                .days
                .iter()
                .filter(|day| day.date < first && day.date >= today.with_day(1).unwrap())
                .map(|day| day.actual[0])
                .sum::<f64>();
        }
        out.push(Scored { replayed, oracle });
    }
    out
}

fn floor(scored: &[Scored]) -> f64 {
    let n = scored.len().max(1) as f64;
    scored
        .iter()
        .map(|s| 100.0 * (s.oracle - s.replayed.actual).abs() / s.replayed.actual)
        .sum::<f64>()
        / n
}

struct Row {
    name: String,
    scores: Scores,
    floor: f64,
}

fn row(name: &str, scored: &[Scored]) -> Row {
    let replayed: Vec<Replayed> = scored.iter().map(|s| s.replayed).collect();
    Row {
        name: name.to_owned(),
        scores: Scores::of(&replayed),
        floor: floor(scored),
    }
}

fn print_table(rows: &[Row]) {
    println!("| history | forecasts | usagetop | floor | usagetop / floor | run-rate | same-weekday mean | coverage (80 % band) | mean band width | worst |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for row in rows {
        let s = &row.scores;
        println!(
            "| {} | {} | {:.2} % | {:.2} % | {:.2} | {:.2} % | {:.2} % | {:.1} % | {:.1} % | {:.1} % |",
            row.name,
            s.count,
            s.mape,
            row.floor,
            s.mape / row.floor,
            s.run_rate_mape,
            s.weekday_mean_mape,
            s.coverage,
            s.band_width,
            s.worst
        );
    }
}

/// The recipe of `kind`, with the changes asked for by `--tune KIND.FIELD=VALUE`
/// (KIND: steady, noisy, jump, bursts, holiday or all; for calibrating the generator).
fn tuned(kind: Kind, args: &[String]) -> Recipe {
    let mut recipe = kind.recipe();
    let short = match kind {
        Kind::Steady => "steady",
        Kind::Noisy => "noisy",
        Kind::Jump => "jump",
        Kind::Bursts => "bursts",
        Kind::Holiday => "holiday",
    };
    for pair in args.windows(2).filter(|pair| pair[0] == "--tune") {
        let Some((target, value)) = pair[1].split_once('=') else {
            continue;
        };
        let Some((who, field)) = target.split_once('.') else {
            continue;
        };
        if who != "all" && who != short {
            continue;
        }
        let value: f64 = value.parse().unwrap();
        match field {
            "noise" => recipe.noise = value,
            "wander" => recipe.wander = value,
            "keep" => recipe.wander_keep = value,
            "bursts" => recipe.burst_rate = value,
            "growth_low" => recipe.growth.0 = value,
            "growth_high" => recipe.growth.1 = value,
            "jump_low" => recipe.jump = recipe.jump.map(|(_, high)| (value, high)),
            "jump_high" => recipe.jump = recipe.jump.map(|(low, _)| (low, value)),
            other => panic!("unknown recipe field {other}"),
        }
    }
    recipe
}

/// The model's settings with the changes asked for by `--set FIELD=VALUE`
/// (for measuring a setting without rebuilding).
fn params(args: &[String]) -> Params {
    let mut params = Params::default();
    for pair in args.windows(2).filter(|pair| pair[0] == "--set") {
        let (field, value) = pair[1].split_once('=').unwrap();
        let value: f64 = value.parse().unwrap();
        let whole = value as usize;
        match field {
            "shift_days" => params.shift_days = whole,
            "shift_score" => params.shift_score = value,
            "departure_half_life" => params.departure_half_life = value,
            "departure_keep" => params.departure_keep = value,
            "trend_shrink" => params.trend_shrink = value,
            "trend_days" => params.trend_days = whole,
            "half_life" => params.half_life = value,
            "band_scale" => params.band_scale = value,
            "band_floor" => params.band_floor = value,
            "today_spread" => params.today_spread = value,
            "fast_step" => params.fast_step = value,
            "fast_score" => params.fast_score = value,
            "fast_days" => params.fast_days = whole,
            "fast_prior" => params.fast_prior = value,
            "fast_band" => params.fast_band = value,
            "shift_recent" => params.shift_recent = value,
            "shift_before" => params.shift_before = whole,
            "shift_segments" => params.shift_segments = value != 0.0,
            "shift_later_score" => params.shift_later_score = value,
            "trend_variance_kept" => params.trend_variance_kept = value != 0.0,
            "band_dof" => params.band_dof = value != 0.0,
            "short_trend_days" => params.short_trend_days = value,
            "short_trend_sd" => params.short_trend_sd = value,
            "max_slope" => params.max_slope = value,
            "short_level_sd" => params.short_level_sd = value,
            "persistence_prior" => params.persistence_prior = value,
            "level_days" => params.level_days = whole,
            "season_days" => params.season_days = whole,
            other => panic!("unknown setting {other}"),
        }
    }
    params
}

/// Prints every forecast of one kind (`--detail steady|noisy|jump|bursts|holiday`):
/// the error, the oracle's, and the days since the jump (if any).
fn detail(histories: &[History], params: &Params, which: &str) {
    println!("\n| seed | origin | days since jump | method | usagetop | oracle | low | high | slope | true slope | step from | fast step |");
    for (seed, history) in histories
        .iter()
        .filter(|h| {
            h.kind.name().starts_with(which) || format!("{:?}", h.kind).eq_ignore_ascii_case(which)
        })
        .enumerate()
    {
        let jump_day = history
            .days
            .windows(2)
            .find(|pair| pair[1].jump[1] != pair[0].jump[1])
            .map(|pair| pair[1].date);
        let book = ledger(history, None);
        for scored in run(history, params, None) {
            let r = scored.replayed;
            let since = jump_day.map_or(String::new(), |day| (r.day - day).num_days().to_string());
            // The requests' fit against the shape (cost also drifts with the model mix).
            let outlook = book.outlook(r.day, history.hour / 24.0, params);
            let fit = outlook.fit(1);
            let at = history.days.iter().position(|d| d.date == r.day).unwrap();
            let true_slope =
                (history.days[at - 1].shape[1] / history.days[at - 8].shape[1]).ln() / 7.0;
            let first = book.history(r.day).len();
            let step_from = fit
                .step_from()
                .map_or(String::new(), |i| (i as i64 - first as i64).to_string());
            println!(
                "| {} | {} | {} | {:?} | {:+.1} | {:+.1} | {:+.1} | {:+.1} | {:.4} | {:.4} | {} | {:.2} |",
                seed + 1,
                r.day,
                since,
                r.method,
                r.error(),
                100.0 * (scored.oracle - r.actual) / r.actual,
                100.0 * (r.low - r.actual) / r.actual,
                100.0 * (r.high - r.actual) / r.actual,
                fit.slope(),
                true_slope,
                step_from,
                fit.recent_step(),
            );
            if args_verbose() {
                let d = &history.days;
                let ratios: Vec<String> = (at.saturating_sub(21)..at + 3)
                    .map(|i| {
                        format!(
                            "{:.2}",
                            d[i].actual[1] / d[i].shape[1] * d[at - 1].jump[1] / d[i].jump[1]
                        )
                    })
                    .collect();
                println!(
                    "    last 21 days, today, 2 after (of the shape at yesterday's jump): {}",
                    ratios.join(" ")
                );
            }
            if fit.recent_step() != 0.0 || since == "1" || since == "2" {
                let d = &history.days;
                println!(
                    "    sigma {:.3} bursts {:.3}/{:.2}; two days ago {:.2}, yesterday {:.2}, today so far {:.2} (of the shape), whole today {:.2}, tomorrow {:.2}",
                    fit.sigma, fit.bursts.0, fit.bursts.1,
                    d[at - 2].actual[1] / d[at - 2].shape[1],
                    d[at - 1].actual[1] / d[at - 1].shape[1],
                    d[at].before[1] / (d[at].shape[1] * d[at].shape_share),
                    d[at].actual[1] / d[at].shape[1],
                    d[at + 1].actual[1] / d[at + 1].shape[1],
                );
            }
        }
    }
}

/// `--verbose` with `--detail`: each forecast's last 21 days, today and two
/// days after, against the shape at yesterday's jump.
fn args_verbose() -> bool {
    std::env::args().any(|a| a == "--verbose")
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let seeds: u64 = args
        .iter()
        .position(|a| a == "--seeds")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let seed_from: u64 = args
        .iter()
        .position(|a| a == "--seed-from")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let with_candidates = args.iter().any(|a| a == "--candidates");
    let params = params(&args);
    let recipes: Vec<(Kind, Recipe)> = Kind::ALL
        .iter()
        .map(|kind| (*kind, tuned(*kind, &args)))
        .collect();
    let histories: Vec<History> = recipes
        .iter()
        .flat_map(|(kind, recipe)| {
            (seed_from..seed_from + seeds)
                .map(move |seed| synth::generate_with(*kind, recipe, seed, now(), DAYS))
        })
        .collect();

    println!(
        "{seeds} histories of each kind (seeds {seed_from} to {}), {} days each, forecasts on days 5/10/15/20/25 of May-Oct 2026\n",
        seed_from + seeds - 1,
        DAYS
    );
    let mut rows = Vec::new();
    let mut main_three = Vec::new();
    let mut everything = Vec::new();
    for kind in Kind::ALL {
        let scored: Vec<Scored> = histories
            .iter()
            .filter(|h| h.kind == kind)
            .flat_map(|h| run(h, &params, None))
            .collect();
        rows.push(row(kind.name(), &scored));
        if matches!(kind, Kind::Steady | Kind::Noisy | Kind::Jump) {
            main_three.extend(scored.iter().map(|s| Scored {
                replayed: s.replayed,
                oracle: s.oracle,
            }));
        }
        everything.extend(scored);
    }
    for days in [3, 10, 20] {
        let scored: Vec<Scored> = histories
            .iter()
            .filter(|h| h.kind == Kind::Steady)
            .flat_map(|h| run(h, &params, Some(days)))
            .collect();
        rows.push(row(
            &format!("steady, only {days} days of history"),
            &scored,
        ));
    }
    rows.push(row("overall: steady, noisy, jump", &main_three));
    rows.push(row("overall: all five kinds", &everything));
    print_table(&rows);

    if let Some(i) = args.iter().position(|a| a == "--detail") {
        detail(
            &histories,
            &params,
            args.get(i + 1).map_or("jump", String::as_str),
        );
    }
    if let Some(i) = args.iter().position(|a| a == "--export") {
        candidates::export(&histories, &args[i + 1]);
    }
    if with_candidates {
        candidates::compare(&histories, &params);
    }
}
