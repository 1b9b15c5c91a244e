//! The daily model behind every forecast: robust weekday factors on a
//! log-linear trend fitted to recent weeks, with honest fallbacks for short
//! histories, the expected amount of any day ahead, and the spread of its
//! errors. Pure and numeric: amounts come in as `f64` (converted from
//! `Decimal` at the boundary by the caller, which converts back) because the
//! fit takes logarithms and medians; no money is ever summed here.
//!
//! Days are numbered from the first complete day given (index 0); the
//! weekday of a day is its index modulo 7, so the caller need not know it.

/// Complete days needed before weekday factors are estimated (two weeks).
pub const MIN_WEEKDAY_DAYS: usize = 14;

/// Settings of the fit, chosen by backtest (`cargo bench --bench forecast`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    /// Days the weekday factors are taken from (whole weeks, ending yesterday).
    pub season_days: usize,
    /// Days the trend is fitted to.
    pub trend_days: usize,
    /// Days whose median sets the level at the end.
    pub level_days: usize,
    /// Damping of the trend per day ahead (1 = none).
    pub damping: f64,
    /// Largest trend allowed, as growth per day in log units (about +/-3 % a day).
    pub max_slope: f64,
    /// Days of residuals above or below the trend that make a lasting change of level.
    pub shift_days: usize,
    /// Shrink the trend towards flat by its uncertainty (positive-part James-Stein).
    pub shrink: bool,
    /// Widening of the model's standard deviation in the 80 % band.
    pub band_scale: f64,
    /// Relative spread of the expected remaining amount added to the band
    /// (what the model cannot see: bursts, wander of the level).
    pub band_floor: f64,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            season_days: 56,
            trend_days: 56,
            level_days: 28,
            damping: 1.0,
            max_slope: 0.03,
            shift_days: 2,
            shrink: false,
            band_scale: 1.0,
            band_floor: 0.2,
        }
    }
}

/// Which model a fit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Weekday factors on a robust log-linear trend.
    WeekdayTrend,
    /// Fewer than two weeks: the median of the complete days, no weekday pattern.
    ShortMedian,
    /// No complete day.
    Empty,
}

/// A fitted daily model.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    /// The model used.
    pub kind: Kind,
    /// Complete days the fit saw.
    pub days: usize,
    /// Log of the deseasonalised level on the last complete day.
    level: f64,
    /// Trend in log units per day.
    slope: f64,
    /// Weekday factors by day index modulo 7 (mean 1).
    season: [f64; 7],
    /// Robust spread of one day's log residual.
    pub sigma: f64,
    /// Days the level rests on.
    level_support: usize,
    /// Days the trend rests on.
    trend_support: usize,
    damping: f64,
}

impl Fit {
    /// Fits `values`: complete days, oldest first, ending yesterday.
    #[must_use]
    pub fn new(values: &[f64], params: &Params) -> Self {
        let values: Vec<f64> = values
            .iter()
            .map(|value| {
                if value.is_finite() {
                    value.max(0.0)
                } else {
                    0.0
                }
            })
            .collect();
        let n = values.len();
        if n == 0 {
            return Self::empty(0);
        }
        if n < MIN_WEEKDAY_DAYS {
            return short_median(&values);
        }
        weekday_trend(&values, params)
    }

    fn empty(days: usize) -> Self {
        Self {
            kind: Kind::Empty,
            days,
            level: f64::NEG_INFINITY,
            slope: 0.0,
            season: [1.0; 7],
            sigma: 0.0,
            level_support: 0,
            trend_support: 0,
            damping: 1.0,
        }
    }

    /// Expected amount of the day `ahead` days after the last complete day
    /// (1 is today).
    #[must_use]
    pub fn expected(&self, ahead: usize) -> f64 {
        if self.kind == Kind::Empty {
            return 0.0;
        }
        let index = self.days + ahead - 1;
        let season = self.season[index % 7];
        let value = season * (self.level + self.slope * self.trend_steps(ahead)).exp();
        if value.is_finite() {
            value
        } else {
            0.0
        }
    }

    /// The trend's days ahead after damping: sum of `damping^i` for i in 1..=ahead.
    fn trend_steps(&self, ahead: usize) -> f64 {
        if (self.damping - 1.0).abs() < f64::EPSILON {
            return count(ahead);
        }
        let mut steps = 0.0;
        let mut factor = 1.0;
        for _ in 0..ahead {
            factor *= self.damping;
            steps += factor;
        }
        steps
    }

    /// Standard deviation of the error of a sum of days ahead, given their
    /// expected amounts (index 0 is today, with `today_share` of it still to
    /// come): independent day noise plus the uncertainty of the level and
    /// of the trend, which is shared by every day.
    #[must_use]
    pub fn sum_sd(&self, expected: &[f64], today_share: f64) -> f64 {
        if self.kind == Kind::Empty || expected.is_empty() {
            return 0.0;
        }
        let sigma = self.sigma;
        let mut noise = 0.0;
        let mut level = 0.0;
        let mut trend = 0.0;
        for (i, amount) in expected.iter().enumerate() {
            let weight = if i == 0 { today_share } else { 1.0 };
            let amount = amount * weight;
            noise += (amount * sigma).powi(2) * weight.max(0.0);
            level += amount;
            trend += amount * self.trend_steps(i + 1);
        }
        let level_var = sigma.powi(2) / count(self.level_support.max(1));
        let support = count(self.trend_support.max(2));
        let trend_var = 12.0 * sigma.powi(2) / (support.powi(3) - support);
        (noise + level.powi(2) * level_var + trend.powi(2) * trend_var).sqrt()
    }
}

#[allow(clippy::cast_precision_loss)]
fn count(value: usize) -> f64 {
    value as f64
}

/// The median of `values` (NaN-free); 0 when empty.
#[must_use]
pub fn median(values: &mut [f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    }
}

/// Robust spread: 1.4826 x the median absolute deviation from the median.
fn mad_sigma(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    let center = median(&mut sorted);
    let mut deviations: Vec<f64> = values.iter().map(|v| (v - center).abs()).collect();
    1.4826 * median(&mut deviations)
}

fn short_median(values: &[f64]) -> Fit {
    let n = values.len();
    let mut sorted = values.to_vec();
    let center = median(&mut sorted);
    if center <= 0.0 {
        let mean = values.iter().sum::<f64>() / count(n);
        if mean <= 0.0 {
            return Fit {
                kind: Kind::ShortMedian,
                ..Fit::empty(n)
            };
        }
    }
    let center = if center > 0.0 {
        center
    } else {
        values.iter().sum::<f64>() / count(n)
    };
    let logs: Vec<f64> = values
        .iter()
        .filter(|v| **v > 0.0)
        .map(|v| (v / center).ln())
        .collect();
    // With a handful of days the spread is itself uncertain: never below 15 %.
    let sigma = if logs.len() >= 3 {
        mad_sigma(&logs).max(0.15)
    } else {
        0.3
    };
    Fit {
        kind: Kind::ShortMedian,
        days: n,
        level: center.ln(),
        slope: 0.0,
        season: [1.0; 7],
        sigma,
        level_support: n,
        trend_support: n.max(2),
        damping: 1.0,
    }
}

/// Weekday factors: per weekday, the median over the last `days` days of
/// each day's share of the centred 7-day mean around it (which a trend does
/// not tilt), normalised to mean 1.
fn weekday_factors(values: &[f64], days: usize) -> [f64; 7] {
    let n = values.len();
    let mut ratios: [Vec<f64>; 7] = Default::default();
    for index in n.saturating_sub(days).max(3)..n.saturating_sub(3) {
        let mean = values[index - 3..=index + 3].iter().sum::<f64>() / 7.0;
        if mean > 0.0 {
            ratios[index % 7].push(values[index] / mean);
        }
    }
    let mut season = [1.0; 7];
    for (factor, samples) in season.iter_mut().zip(ratios.iter_mut()) {
        if !samples.is_empty() {
            *factor = median(samples);
        }
    }
    let total: f64 = season.iter().sum();
    if total > 0.0 {
        for factor in &mut season {
            *factor *= 7.0 / total;
        }
    } else {
        season = [1.0; 7];
    }
    season
}

fn weekday_trend(values: &[f64], params: &Params) -> Fit {
    let n = values.len();
    let season = weekday_factors(values, params.season_days);
    // Deseasonalised logs of the days that have usage on a weekday that does.
    let logs: Vec<(usize, f64)> = (0..n)
        .filter(|&i| values[i] > 0.0 && season[i % 7] > 0.0)
        .map(|i| (i, (values[i] / season[i % 7]).ln()))
        .collect();
    if logs.is_empty() {
        return Fit {
            kind: Kind::WeekdayTrend,
            season,
            ..Fit::empty(n)
        };
    }
    let mut from = n.saturating_sub(params.trend_days);
    let mut window: Vec<(usize, f64)> = logs.iter().copied().filter(|(i, _)| *i >= from).collect();
    let mut slope = theil_sen(&window).clamp(-params.max_slope, params.max_slope);
    let mut level = end_level(&window, slope, n, params.level_days);

    // A lasting change of level: the days since it sit apart from those
    // before by more than chance allows. The trend is then taken from the
    // days before (when enough) and the level from the days since.
    if let Some(start) = level_shift(&window, level, slope, n, params.shift_days) {
        let before: Vec<(usize, f64)> =
            window.iter().copied().filter(|(i, _)| *i < start).collect();
        slope = if before.len() >= MIN_WEEKDAY_DAYS {
            theil_sen(&before).clamp(-params.max_slope, params.max_slope)
        } else {
            0.0
        };
        window.retain(|(i, _)| *i >= start);
        from = start;
        level = end_level(&window, slope, n, params.level_days);
    }
    let mut sigma = residual_sigma(&window, level, slope, n);
    if params.shrink && slope != 0.0 {
        let support = count(window.len().max(3));
        let se = 1.1 * sigma * (12.0 / (support.powi(3) - support)).sqrt();
        let factor = (1.0 - (se / slope).powi(2)).max(0.0);
        if factor < 1.0 {
            slope *= factor;
            level = end_level(&window, slope, n, params.level_days);
            sigma = residual_sigma(&window, level, slope, n);
        }
    }
    Fit {
        kind: Kind::WeekdayTrend,
        days: n,
        level,
        slope,
        season,
        sigma,
        level_support: window.len().min(params.level_days),
        trend_support: n - from,
        damping: params.damping,
    }
}

/// The median of pairwise slopes (Theil-Sen): robust to a few burst days.
fn theil_sen(points: &[(usize, f64)]) -> f64 {
    let mut slopes = Vec::with_capacity(points.len() * points.len() / 2);
    for (a, &(i, y)) in points.iter().enumerate() {
        for &(j, z) in &points[a + 1..] {
            if j > i {
                slopes.push((z - y) / count(j - i));
            }
        }
    }
    median(&mut slopes)
}

/// The level on the last complete day: the median over the last `days`
/// points of each point carried forward along the trend.
fn end_level(points: &[(usize, f64)], slope: f64, n: usize, days: usize) -> f64 {
    let last = n - 1;
    let mut carried: Vec<f64> = points
        .iter()
        .filter(|(i, _)| *i + days > last)
        .map(|&(i, y)| y + slope * count(last - i))
        .collect();
    if carried.is_empty() {
        carried = points
            .iter()
            .rev()
            .take(days)
            .map(|&(i, y)| y + slope * count(last - i))
            .collect();
    }
    median(&mut carried)
}

fn residual(point: (usize, f64), level: f64, slope: f64, n: usize) -> f64 {
    point.1 - (level - slope * count(n - 1 - point.0))
}

fn residual_sigma(points: &[(usize, f64)], level: f64, slope: f64, n: usize) -> f64 {
    let residuals: Vec<f64> = points
        .iter()
        .map(|p| residual(*p, level, slope, n))
        .collect();
    if residuals.len() < 2 {
        return 0.0;
    }
    mad_sigma(&residuals)
}

/// The first day of a lasting change of level near the end of `points`,
/// if any: the split (at least 2 and at most 21 days back) whose days after
/// differ most from those before, in medians of the residuals, when that
/// difference is well beyond their spread and most days after share its sign.
fn level_shift(
    points: &[(usize, f64)],
    level: f64,
    slope: f64,
    n: usize,
    min_after: usize,
) -> Option<usize> {
    if min_after == 0 || points.len() < 14 {
        return None;
    }
    let residuals: Vec<f64> = points
        .iter()
        .map(|p| residual(*p, level, slope, n))
        .collect();
    let sigma = mad_sigma(&residuals).max(0.02);
    let mut best: Option<(f64, usize)> = None;
    let len = points.len();
    for after in min_after.min(len - 7)..=21.min(len - 7) {
        let split = len - after;
        let mut pre = residuals[..split].to_vec();
        let mut post = residuals[split..].to_vec();
        let step = median(&mut post) - median(&mut pre);
        let spread = 1.25 * sigma * (1.0 / count(after) + 1.0 / count(split)).sqrt();
        let same_side = residuals[split..]
            .iter()
            .filter(|r| {
                (**r - median(&mut pre)) * step > 0.0
                    && (**r - median(&mut pre)).abs() > step.abs() / 2.0
            })
            .count();
        let score = step.abs() / spread;
        // A drop must last a week: holidays are dips, not changes of level.
        if score > 3.5
            && step.abs() > 0.12
            && (step > 0.0 || after >= 7)
            && same_side * 5 >= after * 4
            && best.is_none_or(|(best_score, _)| score > best_score)
        {
            best = Some((score, split));
        }
    }
    best.map(|(_, split)| points[split].0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeating_week_is_exact() {
        let week = [10.0, 12.0, 11.0, 13.0, 9.0, 3.0, 2.0];
        let values: Vec<f64> = (0..35).map(|i| week[i % 7]).collect();
        let fit = Fit::new(&values, &Params::default());
        assert_eq!(fit.kind, Kind::WeekdayTrend);
        for ahead in 1..=30 {
            let expected = week[(35 + ahead - 1) % 7];
            assert!((fit.expected(ahead) - expected).abs() < 1e-9, "{ahead}");
        }
        assert!(fit.sigma.abs() < 1e-12);
    }

    #[test]
    fn steady_growth_is_followed() {
        // 2 % a day, flat weekdays: tomorrow is 1.02 x today.
        let values: Vec<f64> = (0..42).map(|i| 100.0 * 1.02_f64.powi(i)).collect();
        let params = Params {
            damping: 1.0,
            ..Params::default()
        };
        let fit = Fit::new(&values, &params);
        let close = |a: f64, b: f64| (a - b).abs() / b < 0.002;
        assert!(close(fit.expected(1), 100.0 * 1.02_f64.powi(42)), "{fit:?}");
        assert!(close(fit.expected(10), 100.0 * 1.02_f64.powi(51)));
    }

    #[test]
    fn a_burst_day_does_not_move_the_forecast() {
        let mut values = vec![50.0; 28];
        values[20] = 250.0;
        let fit = Fit::new(&values, &Params::default());
        assert!((fit.expected(1) - 50.0).abs() < 1e-9);
    }

    #[test]
    fn a_lasting_jump_is_adopted() {
        let mut values = vec![100.0; 35];
        for value in values.iter_mut().skip(27) {
            *value = 180.0;
        }
        let fit = Fit::new(&values, &Params::default());
        assert!(
            (fit.expected(1) - 180.0).abs() < 1e-6,
            "{}",
            fit.expected(1)
        );
        assert!((fit.expected(20) - 180.0).abs() < 1e-6);
    }

    #[test]
    fn short_history_uses_the_median() {
        let fit = Fit::new(&[4.0, 100.0, 6.0, 5.0], &Params::default());
        assert_eq!(fit.kind, Kind::ShortMedian);
        assert!((fit.expected(3) - 5.5).abs() < 1e-9);
        assert_eq!(Fit::new(&[], &Params::default()).expected(1), 0.0);
    }

    #[test]
    fn zero_weekdays_stay_zero() {
        let week = [10.0, 10.0, 10.0, 10.0, 10.0, 0.0, 0.0];
        let values: Vec<f64> = (0..28).map(|i| week[i % 7]).collect();
        let fit = Fit::new(&values, &Params::default());
        assert_eq!(fit.expected(6), 0.0); // index 33 -> 33 % 7 = 5
        assert!((fit.expected(1) - 10.0).abs() < 1e-9);
    }
}
