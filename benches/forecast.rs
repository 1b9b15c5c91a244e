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
//! `cargo bench --bench forecast` (add `-- --seeds 40 --candidates` for more)
#![allow(clippy::unwrap_used, clippy::print_stdout)]

#[path = "forecast/candidates.rs"]
mod candidates;

use chrono::{Datelike, Days, NaiveDate};
use usagetop::analytics::forecast::backtest::{origins, replay, Ledger, Replayed, Scores};
use usagetop::analytics::forecast::model::Params;
use usagetop::analytics::forecast::synth::{self, History, Kind};
use usagetop::period::{month_of, shift_month};

/// "Now" of every history: mid-month, so six complete months lie behind it.
fn now() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 14).unwrap()
}

/// Days generated: the six months plus the lookback before them.
const DAYS: u32 = 300;

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

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let seeds: u64 = args
        .iter()
        .position(|a| a == "--seeds")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let with_candidates = args.iter().any(|a| a == "--candidates");
    let params = Params::default();
    let histories: Vec<History> = Kind::ALL
        .iter()
        .flat_map(|kind| (1..=seeds).map(move |seed| synth::generate(*kind, seed, now(), DAYS)))
        .collect();

    println!(
        "{seeds} histories of each kind, {} days each, forecasts on days 5/10/15/20/25 of May-Oct 2026\n",
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

    if with_candidates {
        candidates::compare(&histories, &params);
    }
}
