//! `usagetop backtest` output: per month and day the replayed forecast, its
//! 80 % band, the actual month end and the error, then the mean absolute
//! percentage error and the band's coverage beside the run-rate and the
//! same-weekday mean; as a text table or as JSON for scripts.

use std::fmt::Write as _;

use rust_decimal::prelude::FromPrimitive;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::accuracy::Measured;
use crate::analytics::forecast::backtest::ORIGIN_DAYS;
use crate::format::money;

fn dec(value: f64, places: u32) -> Decimal {
    Decimal::from_f64(value)
        .unwrap_or_default()
        .round_dp(places)
        .normalize()
}

fn pct(value: f64) -> String {
    format!("{value:.1} %")
}

fn signed(value: f64) -> String {
    format!("{value:+.1} %")
}

/// The backtest as a text table.
#[must_use]
pub fn text(measured: &Measured, timezone: &str) -> String {
    let mut out = String::new();
    let days: Vec<String> = ORIGIN_DAYS.iter().map(ToString::to_string).collect();
    let _ = writeln!(
        out,
        "Backtest of the month-end cost estimate: made at {} ({timezone}) on days {} of the last {} complete months",
        measured.time_of_day.format("%H:%M"),
        days.join(", "),
        measured.months
    );
    if measured.replayed.is_empty() {
        let _ = writeln!(
            out,
            "\nNo forecast to replay: the history holds no usage in those months. \
             Try again when a whole month of usage is recorded, or pass --months with a larger number."
        );
        return out;
    }
    let _ = writeln!(
        out,
        "\n{:<10} {:>14}  {:>29}  {:>14} {:>8}  {:>14} {:>14}  method",
        "day", "forecast", "80 % band", "actual", "error", "run-rate", "weekday mean"
    );
    for r in &measured.replayed {
        let band = format!("{} – {}", money(dec(r.low, 2)), money(dec(r.high, 2)));
        let _ = writeln!(
            out,
            "{:<10} {:>14}  {:>29}  {:>14} {:>8}  {:>14} {:>14}  {}",
            r.day.format("%Y-%m-%d"),
            money(dec(r.forecast, 2)),
            band,
            money(dec(r.actual, 2)),
            signed(r.error()),
            money(dec(r.run_rate, 2)),
            money(dec(r.weekday_mean, 2)),
            r.method.code()
        );
    }
    let s = &measured.scores;
    let _ = writeln!(
        out,
        "\n{} forecasts in {} months{}",
        s.count,
        measured.months_with_data,
        if measured.months_with_data < measured.months {
            " (the others hold no usage)"
        } else {
            ""
        }
    );
    let _ = writeln!(
        out,
        "{:<36} {:>8} {:>10} {:>12} {:>8}",
        "", "MAPE", "coverage", "band width", "worst"
    );
    let _ = writeln!(
        out,
        "{:<36} {:>8} {:>10} {:>12} {:>8}",
        "usagetop (80 % band)",
        pct(s.mape),
        pct(s.coverage),
        pct(s.band_width),
        pct(s.worst)
    );
    let _ = writeln!(
        out,
        "{:<36} {:>8} {:>10} {:>12} {:>8}",
        "month-to-date run-rate",
        pct(s.run_rate_mape),
        "",
        "",
        ""
    );
    let _ = writeln!(
        out,
        "{:<36} {:>8} {:>10} {:>12} {:>8}",
        "same-weekday mean, 28 days (min–max)",
        pct(s.weekday_mean_mape),
        pct(s.weekday_coverage),
        pct(s.weekday_band_width),
        ""
    );
    out
}

#[derive(Serialize)]
struct JsonForecast {
    date: String,
    method: String,
    forecast: Decimal,
    low: Decimal,
    high: Decimal,
    actual: Decimal,
    error_percent: f64,
    run_rate: Decimal,
    weekday_mean: Decimal,
}

#[derive(Serialize)]
struct JsonBaseline {
    mape: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    coverage: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    band_width: Option<f64>,
}

#[derive(Serialize)]
struct JsonSummary {
    forecasts: usize,
    months: u32,
    mape: f64,
    coverage: f64,
    band_width: f64,
    worst: f64,
    run_rate: JsonBaseline,
    weekday_mean_28d: JsonBaseline,
}

#[derive(Serialize)]
struct JsonBacktest<'a> {
    timezone: &'a str,
    time_of_day: String,
    months: u32,
    interval: f64,
    currency: &'static str,
    forecasts: Vec<JsonForecast>,
    summary: JsonSummary,
}

/// The backtest as pretty-printed JSON: money as decimal strings (to the
/// micro-dollar), percentages as numbers to two places.
///
/// # Errors
/// Serialization fails (it does not for these types).
pub fn json(measured: &Measured, timezone: &str) -> Result<String, serde_json::Error> {
    let money = |value: f64| dec(value, 6);
    let percent = |value: f64| (value * 100.0).round() / 100.0;
    let s = &measured.scores;
    let value = JsonBacktest {
        timezone,
        time_of_day: measured.time_of_day.format("%H:%M:%S").to_string(),
        months: measured.months,
        interval: crate::analytics::forecast::INTERVAL_F64,
        currency: "USD",
        forecasts: measured
            .replayed
            .iter()
            .map(|r| JsonForecast {
                date: r.day.format("%Y-%m-%d").to_string(),
                method: r.method.code(),
                forecast: money(r.forecast),
                low: money(r.low),
                high: money(r.high),
                actual: money(r.actual),
                error_percent: percent(r.error()),
                run_rate: money(r.run_rate),
                weekday_mean: money(r.weekday_mean),
            })
            .collect(),
        summary: JsonSummary {
            forecasts: s.count,
            months: measured.months_with_data,
            mape: percent(s.mape),
            coverage: percent(s.coverage),
            band_width: percent(s.band_width),
            worst: percent(s.worst),
            run_rate: JsonBaseline {
                mape: percent(s.run_rate_mape),
                coverage: None,
                band_width: None,
            },
            weekday_mean_28d: JsonBaseline {
                mape: percent(s.weekday_mean_mape),
                coverage: Some(percent(s.weekday_coverage)),
                band_width: Some(percent(s.weekday_band_width)),
            },
        },
    };
    serde_json::to_string_pretty(&value)
}
