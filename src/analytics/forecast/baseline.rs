//! The forecasts usagetop's is measured against in backtests: the plain
//! month-to-date run-rate (what most tools show), and the mean of the same
//! weekday over the last 28 complete days with its min..max band (usagetop's
//! method before issue 14). Numeric, like the model; remaining amounts only:
//! the caller adds the month to date.

/// The run-rate's month end: the month to date scaled to the whole month.
/// `elapsed` is the days of the month gone, today's hours included.
#[must_use]
pub fn run_rate(month_to_date: f64, elapsed: f64, days_in_month: f64) -> f64 {
    if elapsed <= 0.0 {
        return month_to_date;
    }
    month_to_date / elapsed * days_in_month
}

/// The same-weekday mean of the last 28 complete days for the rest of today
/// (in proportion to the hours left) and the `later` days after it: the
/// expected remaining amount, and its low and high from the smallest and
/// largest samples. With fewer than 28 complete days, the mean of those
/// there are; with none, today's rate so far.
#[must_use]
pub fn weekday_mean(days: &[f64], today_so_far: f64, hours_gone: f64, later: usize) -> [f64; 3] {
    let n = days.len();
    let left = (1.0 - hours_gone).clamp(0.0, 1.0);
    let stats = |samples: &[f64]| -> [f64; 3] {
        if samples.is_empty() {
            return [0.0; 3];
        }
        let mean = samples.iter().sum::<f64>() / count(samples.len());
        let low = samples.iter().copied().fold(f64::INFINITY, f64::min);
        let high = samples.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        [mean, low, high]
    };
    let for_day = |index: usize| -> [f64; 3] {
        if n >= 28 {
            let samples: Vec<f64> = (n - 28..n)
                .filter(|i| i % 7 == index % 7)
                .map(|i| days[i])
                .collect();
            stats(&samples)
        } else if n > 0 {
            stats(days)
        } else if hours_gone > 0.0 {
            [today_so_far / hours_gone; 3]
        } else {
            [0.0; 3]
        }
    };
    let mut total = for_day(n).map(|value| value * left);
    for ahead in 1..=later {
        let day = for_day(n + ahead);
        for k in 0..3 {
            total[k] += day[k];
        }
    }
    total
}

#[allow(clippy::cast_precision_loss)]
fn count(value: usize) -> f64 {
    value as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_rate_scales_the_month_to_date() {
        assert!((run_rate(150.0, 15.0, 30.0) - 300.0).abs() < 1e-9);
        assert!((run_rate(10.0, 0.0, 30.0) - 10.0).abs() < 1e-9);
    }

    #[test]
    fn weekday_mean_by_hand() {
        // 28 days of 1..7; today is index 28 (weekday 0: value 1), half gone.
        let days: Vec<f64> = (0..28).map(|i| f64::from(i % 7 + 1)).collect();
        let [point, low, high] = weekday_mean(&days, 0.4, 0.5, 2);
        assert!((point - (0.5 + 2.0 + 3.0)).abs() < 1e-9);
        assert!((low - point).abs() < 1e-9 && (high - point).abs() < 1e-9);
        // Five days: their mean; none: today's rate.
        let [point, low, high] = weekday_mean(&[1.0, 2.0, 3.0, 4.0, 5.0], 0.0, 0.0, 1);
        assert!(
            (point - 6.0).abs() < 1e-9 && (low - 2.0).abs() < 1e-9 && (high - 10.0).abs() < 1e-9
        );
        assert!((weekday_mean(&[], 2.0, 0.25, 1)[0] - 14.0).abs() < 1e-9);
    }
}
