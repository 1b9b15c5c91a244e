//! The weighted fit of the daily model: from the median-based first estimate
//! (`medians`), a regression of the log amounts on one level per weekday, a
//! trend, and a step at a lasting change of level, solved by iteratively
//! reweighted least squares with Tukey's biweight (burst days and holiday
//! dips get no weight), optionally favouring recent days, with the trend
//! shrunk towards flat by its own uncertainty and the weekday levels towards
//! their mean. It also gives the covariance of the fitted values, which the
//! band uses. Pure numeric code; no money.

use super::medians::{count, mad_sigma, median, Start};

/// Tukey's biweight tuning constant (95 % efficiency under normal noise).
const BIWEIGHT: f64 = 4.685;

/// Which columns the regression has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Design {
    /// Weekdays (by index modulo 7) that have usage.
    pub on: [bool; 7],
    /// The first day of the step, when there is one.
    pub step_from: Option<usize>,
}

impl Design {
    /// Number of coefficients: seven weekday levels, the trend, the step.
    #[must_use]
    pub fn width(&self) -> usize {
        8 + usize::from(self.step_from.is_some())
    }

    /// The row of day `index` (of `n` days) at `ahead` trend steps from the
    /// last complete day (negative in the past).
    fn row(&self, index: usize, steps: f64, out: &mut [f64]) {
        out.fill(0.0);
        out[index % 7] = 1.0;
        out[7] = steps;
        if let Some(from) = self.step_from {
            out[8] = if index >= from { 1.0 } else { 0.0 };
        }
    }
}

/// Settings of the weighted fit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// Half-life of a day's weight, in days (0: all days alike).
    pub half_life: f64,
    /// Shrinkage of the trend: it is multiplied by `max(0, 1 - k / t^2)`,
    /// with t its estimate over its standard error (0: none).
    pub trend_shrink: f64,
    /// Pull of the weekday levels towards their mean, in days of weight.
    pub season_shrink: f64,
    /// Largest trend allowed, in log units per day.
    pub max_slope: f64,
    /// Keep the trend's variance when it is shrunk (else it shrinks with it).
    pub trend_variance_kept: bool,
}

/// A fitted regression.
#[derive(Debug, Clone, PartialEq)]
pub struct Regression {
    /// The columns.
    pub design: Design,
    /// Log level of each weekday on the last complete day, the trend per
    /// day, and the step (already in the levels; kept for the covariance).
    pub coef: Vec<f64>,
    /// Covariance of `coef`, row-major.
    pub cov: Vec<f64>,
    /// Robust spread of one day's log residual.
    pub sigma: f64,
    /// Share of days far above the fit (bursts), and their mean excess
    /// over the fit as a share of it.
    pub bursts: (f64, f64),
    /// Share of days far below the fit (dips), and their mean shortfall as
    /// a share of it.
    pub dips: (f64, f64),
    /// Days with weight in the fit.
    pub support: usize,
    /// `(day, residual, weight)` of every point (weight 0 for bursts and dips).
    pub residuals: Vec<(usize, f64, f64)>,
}

impl Regression {
    /// The log level of the day `ahead` days after the last complete day
    /// `n - 1`, after `steps` (damped) days of trend.
    #[must_use]
    pub fn log_level(&self, n: usize, ahead: usize, steps: f64) -> f64 {
        let index = n - 1 + ahead;
        let step = if self.design.step_from.is_some() {
            self.coef[8]
        } else {
            0.0
        };
        self.coef[index % 7] + self.coef[7] * steps + step
    }

    /// Variance of `sum_h weight_h * log level_h` over days ahead given as
    /// `(index, steps, weight)`: the uncertainty the fit shares across days.
    #[must_use]
    pub fn variance(&self, days: &[(usize, f64, f64)]) -> f64 {
        let m = self.design.width();
        let mut c = vec![0.0; m];
        let mut row = vec![0.0; m];
        for &(index, steps, weight) in days {
            self.design.row(index, steps, &mut row);
            for (ci, ri) in c.iter_mut().zip(&row) {
                *ci += weight * ri;
            }
        }
        let mut total = 0.0;
        for a in 0..m {
            for b in 0..m {
                total += c[a] * self.cov[a * m + b] * c[b];
            }
        }
        total.max(0.0)
    }
}

impl Regression {
    /// How far the recent days sit above (+) or below the fit, in logs: the
    /// weighted median of the residuals of the days the fit kept (not
    /// bursts or dips), with weights halving every `half_life` days back,
    /// and the variance of that estimate.
    #[must_use]
    pub fn departure(&self, n: usize, half_life: f64) -> (f64, f64) {
        let mut weighted: Vec<(f64, f64)> = self
            .residuals
            .iter()
            .filter(|(_, _, w)| *w > 0.0)
            .map(|&(i, r, _)| (r, 0.5_f64.powf(count(n - 1 - i) / half_life)))
            .collect();
        let total: f64 = weighted.iter().map(|(_, w)| w).sum();
        if total <= 0.0 {
            return (0.0, 0.0);
        }
        let squares: f64 = weighted.iter().map(|(_, w)| w * w).sum();
        weighted.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut below = 0.0;
        let mut middle = 0.0;
        for (r, w) in &weighted {
            below += w;
            if below >= total / 2.0 {
                middle = *r;
                break;
            }
        }
        // A median's variance is pi/2 times a mean's under normal noise.
        let variance =
            std::f64::consts::FRAC_PI_2 * self.sigma * self.sigma * squares / (total * total);
        (middle, variance)
    }

    /// How much more the residuals of a week add up to than those of seven
    /// independent days would (1: not at all; above 1 when the level wanders
    /// for days on end), from the weeks of the fit counted back from its last
    /// day, pulled towards `prior` as if three more weeks had shown it (a
    /// history too short to show how its residuals persist is assumed to
    /// persist as `prior` says).
    #[must_use]
    pub fn persistence(&self, prior: f64) -> f64 {
        let Some(&(last, _, _)) = self.residuals.last() else {
            return prior;
        };
        let mut weeks: Vec<(f64, usize)> = Vec::new();
        for &(i, r, w) in self.residuals.iter().rev() {
            if w <= 0.0 {
                continue;
            }
            let week = (last - i) / 7;
            if weeks.len() <= week {
                weeks.resize(week + 1, (0.0, 0));
            }
            weeks[week].0 += r;
            weeks[week].1 += 1;
        }
        let full: Vec<&(f64, usize)> = weeks.iter().filter(|(_, c)| *c >= 4).collect();
        let sigma2 = self.sigma * self.sigma;
        if full.len() < 3 || sigma2 <= 0.0 {
            return prior;
        }
        let squares: f64 = full.iter().map(|(s, _)| s * s).sum();
        let days: usize = full.iter().map(|(_, c)| *c).sum();
        let ratio = squares / (count(days) * sigma2);
        let weeks = count(full.len());
        ((weeks * ratio + 3.0 * prior) / (weeks + 3.0)).clamp(0.5, 10.0)
    }
}

/// Fits the regression to `points` (`(day, log amount)` of days with usage
/// on weekdays that have it, among `n` days), starting from `start`.
#[must_use]
pub fn fit(
    points: &[(usize, f64)],
    n: usize,
    start: &Start,
    design: Design,
    settings: &Settings,
) -> Option<Regression> {
    if points.len() < 8 {
        return None;
    }
    let m = design.width();
    let time: Vec<f64> = points
        .iter()
        .map(|(i, _)| {
            if settings.half_life > 0.0 {
                0.5_f64.powf(count(n - 1 - i) / settings.half_life)
            } else {
                1.0
            }
        })
        .collect();
    // Residuals of the first estimate; before its change of level, from the
    // median level there.
    let first = |i: usize| {
        let season = start.season[i % 7];
        let season = if season > 0.0 { season.ln() } else { 0.0 };
        season + start.level - start.slope * count(n - 1 - i)
    };
    let mut residuals: Vec<f64> = points.iter().map(|&(i, y)| y - first(i)).collect();
    if let Some(from) = design.step_from {
        let mut before: Vec<f64> = points
            .iter()
            .zip(&residuals)
            .filter(|((i, _), _)| *i < from)
            .map(|(_, r)| *r)
            .collect();
        let offset = median(&mut before);
        for ((i, _), r) in points.iter().zip(residuals.iter_mut()) {
            if *i < from {
                *r -= offset;
            }
        }
    }
    let mut sigma = mad_sigma(&residuals);
    let mut solved = None;
    for round in 0..8 {
        // The first round trusts the first estimate only so far: no
        // narrower than 5 % in logs, so that a weekday it got wrong is kept.
        let scale = if round == 0 { sigma.max(0.05) } else { sigma };
        let weights: Vec<f64> = residuals
            .iter()
            .zip(&time)
            .map(|(r, t)| t * biweight(*r, scale))
            .collect();
        let Some(next) = solve(points, n, &design, &weights, settings, None) else {
            break;
        };
        residuals = points
            .iter()
            .map(|&(i, y)| y - predict(&design, &next.0, i, n))
            .collect();
        let next_sigma = mad_sigma(&residuals);
        let settled = (next_sigma - sigma).abs() <= 1e-9 + 1e-6 * sigma;
        sigma = next_sigma;
        solved = Some((next, weights));
        if settled {
            break;
        }
    }
    let ((mut coef, mut cov), weights) = solved?;
    // The trend, shrunk by its uncertainty and kept within bounds.
    let slope = coef[7];
    let variance = cov[7 * m + 7];
    let mut kept = slope.clamp(-settings.max_slope, settings.max_slope);
    if settings.trend_shrink > 0.0 && slope != 0.0 {
        let t2 = slope * slope / variance.max(1e-300);
        kept *= (1.0 - settings.trend_shrink / t2).max(0.0);
    }
    if (kept - slope).abs() > 1e-15 {
        let fixed = solve(points, n, &design, &weights, settings, Some(kept))?;
        coef = fixed.0;
        let factor = if slope == 0.0 { 0.0 } else { kept / slope };
        let mut cov_fixed = fixed.1;
        cov_fixed[7 * m + 7] = if settings.trend_variance_kept {
            variance
        } else {
            variance * factor * factor
        };
        cov = cov_fixed;
        residuals = points
            .iter()
            .map(|&(i, y)| y - predict(&design, &coef, i, n))
            .collect();
        sigma = mad_sigma(&residuals);
    }
    let bursts = outliers(&residuals, sigma, 1.0);
    let dips = outliers(&residuals, sigma, -1.0);
    let residuals = points
        .iter()
        .zip(&residuals)
        .map(|(&(i, _), &r)| (i, r, biweight(r, sigma)))
        .collect();
    Some(Regression {
        design,
        coef,
        cov,
        sigma,
        bursts,
        dips,
        support: weights.iter().filter(|w| **w > 0.0).count(),
        residuals,
    })
}

/// Share of residuals beyond three spreads (at least 0.15 in logs) on the
/// side of `sign`, and their mean distance from the fit as a share of it.
fn outliers(residuals: &[f64], sigma: f64, sign: f64) -> (f64, f64) {
    let far: Vec<f64> = residuals
        .iter()
        .filter(|r| sign * **r > 3.0 * sigma.max(0.05))
        .map(|r| (r.exp() - 1.0).abs())
        .collect();
    if far.is_empty() {
        return (0.0, 0.0);
    }
    (
        count(far.len()) / count(residuals.len()),
        far.iter().sum::<f64>() / count(far.len()),
    )
}

fn biweight(residual: f64, sigma: f64) -> f64 {
    if sigma <= 1e-12 {
        return if residual.abs() <= 1e-9 { 1.0 } else { 0.0 };
    }
    let u = residual / (BIWEIGHT * sigma);
    if u.abs() >= 1.0 {
        0.0
    } else {
        (1.0 - u * u).powi(2)
    }
}

fn predict(design: &Design, coef: &[f64], index: usize, n: usize) -> f64 {
    let mut row = vec![0.0; design.width()];
    design.row(index, -count(n - 1 - index), &mut row);
    row.iter().zip(coef).map(|(x, b)| x * b).sum()
}

/// Weighted least squares (with the weekday levels pulled towards their
/// mean), the trend fixed at `slope` when given: coefficients and their
/// sandwich covariance under the residual spread.
fn solve(
    points: &[(usize, f64)],
    n: usize,
    design: &Design,
    weights: &[f64],
    settings: &Settings,
    slope: Option<f64>,
) -> Option<(Vec<f64>, Vec<f64>)> {
    let m = design.width();
    let mut xtwx = vec![0.0; m * m];
    let mut xtw2x = vec![0.0; m * m];
    let mut xtwy = vec![0.0; m];
    let mut row = vec![0.0; m];
    let mut used = 0.0;
    let mut sum_w = 0.0;
    for (&(i, y), &w) in points.iter().zip(weights) {
        if w <= 0.0 {
            continue;
        }
        design.row(i, -count(n - 1 - i), &mut row);
        let target = match slope {
            Some(b) => y - b * row[7],
            None => y,
        };
        if slope.is_some() {
            row[7] = 0.0;
        }
        for a in 0..m {
            xtwy[a] += w * row[a] * target;
            for b in 0..m {
                xtwx[a * m + b] += w * row[a] * row[b];
                xtw2x[a * m + b] += w * w * row[a] * row[b];
            }
        }
        used += 1.0;
        sum_w += w;
    }
    if used < 2.0 {
        return None;
    }
    // Weekday levels pulled towards their mean; a weekday whose days all
    // lost their weight takes the mean of the others; a fixed trend and
    // weekdays without usage are held at zero.
    let on: Vec<usize> = (0..7).filter(|d| design.on[*d]).collect();
    let k = count(on.len().max(1));
    if settings.season_shrink > 0.0 {
        for &a in &on {
            for &b in &on {
                let identity = if a == b { 1.0 } else { 0.0 };
                xtwx[a * m + b] += settings.season_shrink * (identity - 1.0 / k);
            }
        }
    }
    for &a in &on {
        if xtwx[a * m + a] <= 0.0 && on.len() > 1 {
            for &b in &on {
                xtwx[a * m + b] = if a == b { 1.0 } else { -1.0 / (k - 1.0) };
            }
        }
    }
    for a in 0..m {
        if xtwx[a * m + a] <= 0.0 {
            xtwx[a * m + a] = 1.0;
        }
    }
    let inverse = invert(&xtwx, m)?;
    let mut coef = vec![0.0; m];
    for a in 0..m {
        coef[a] = (0..m).map(|b| inverse[a * m + b] * xtwy[b]).sum();
    }
    if let Some(b) = slope {
        coef[7] = b;
    }
    // Residual variance with the weights' own normalisation.
    let mut rss = 0.0;
    for (&(i, y), &w) in points.iter().zip(weights) {
        if w > 0.0 {
            let r = y - predict(design, &coef, i, n);
            rss += w * r * r;
        }
    }
    let sigma2 = rss / (sum_w * (1.0 - count(m) / used).max(0.1));
    // Sandwich: A^-1 (X' W^2 X) A^-1 sigma^2.
    let mut middle = vec![0.0; m * m];
    for a in 0..m {
        for b in 0..m {
            middle[a * m + b] = (0..m).map(|c| xtw2x[a * m + c] * inverse[c * m + b]).sum();
        }
    }
    let mut cov = vec![0.0; m * m];
    for a in 0..m {
        for b in 0..m {
            cov[a * m + b] = sigma2
                * (0..m)
                    .map(|c| inverse[a * m + c] * middle[c * m + b])
                    .sum::<f64>();
        }
    }
    if slope.is_some() {
        for c in 0..m {
            cov[7 * m + c] = 0.0;
            cov[c * m + 7] = 0.0;
        }
    }
    Some((coef, cov))
}

/// Inverse of the `m` x `m` matrix `a` (row-major) by Gauss-Jordan
/// elimination with partial pivoting; `None` when singular.
fn invert(a: &[f64], m: usize) -> Option<Vec<f64>> {
    let mut work = a.to_vec();
    let mut inverse = vec![0.0; m * m];
    for i in 0..m {
        inverse[i * m + i] = 1.0;
    }
    for col in 0..m {
        let pivot =
            (col..m).max_by(|x, y| work[x * m + col].abs().total_cmp(&work[y * m + col].abs()))?;
        if work[pivot * m + col].abs() < 1e-300 {
            return None;
        }
        if pivot != col {
            for c in 0..m {
                work.swap(pivot * m + c, col * m + c);
                inverse.swap(pivot * m + c, col * m + c);
            }
        }
        let scale = work[col * m + col];
        for c in 0..m {
            work[col * m + c] /= scale;
            inverse[col * m + c] /= scale;
        }
        for r in 0..m {
            if r != col {
                let factor = work[r * m + col];
                if factor != 0.0 {
                    for c in 0..m {
                        work[r * m + c] -= factor * work[col * m + c];
                        inverse[r * m + c] -= factor * inverse[col * m + c];
                    }
                }
            }
        }
    }
    Some(inverse)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::forecast::medians;

    fn settings() -> Settings {
        Settings {
            half_life: 0.0,
            trend_shrink: 0.0,
            season_shrink: 0.0,
            max_slope: 0.03,
            trend_variance_kept: false,
        }
    }

    /// Deterministic noise without a weekly pattern, within +-width/2.
    fn noise(i: usize, width: f64) -> f64 {
        width * (count((i * 7919 + 13) % 101) / 100.0 - 0.5)
    }

    /// Logs of a known shape: weekday levels, 1 % a day, a step of +0.5 on day 40.
    fn shaped(n: usize) -> Vec<(usize, f64)> {
        let week = [0.1, 0.2, 0.0, 0.15, 0.05, -0.6, -0.8];
        (0..n)
            .map(|i| {
                let step = if i >= 40 { 0.5 } else { 0.0 };
                (i, 3.0 + week[i % 7] + 0.01 * count(i) + step)
            })
            .collect()
    }

    fn start_of(points: &[(usize, f64)], n: usize) -> Start {
        let values: Vec<f64> = (0..n)
            .map(|i| points.iter().find(|p| p.0 == i).map_or(0.0, |p| p.1.exp()))
            .collect();
        medians::start(
            &values,
            56,
            n,
            28,
            0.03,
            &medians::Shift {
                min_after: 2,
                max_after: n,
                min_before: 7,
                score: 3.5,
                recent: 0.0,
                segments: false,
                later_score: 0.0,
            },
        )
        .unwrap_or_else(|| panic!("no start"))
    }

    #[test]
    fn recovers_levels_trend_and_step() {
        let n = 70;
        let mut points = shaped(n);
        // Two burst days and a holiday dip get no weight.
        points[20].1 += 1.2;
        points[55].1 += 1.5;
        points[33].1 -= 1.0;
        let start = start_of(&points, n);
        assert_eq!(start.shift, Some(40));
        let design = Design {
            on: [true; 7],
            step_from: start.shift,
        };
        let fit = fit(&points, n, &start, design, &settings()).unwrap_or_else(|| panic!("no fit"));
        assert!((fit.coef[7] - 0.01).abs() < 1e-9, "{:?}", fit.coef);
        assert!((fit.coef[8] - 0.5).abs() < 1e-9);
        // The last day (69, weekday 6): 3 - 0.8 + 0.69, with the step in coef[8].
        assert!(
            (fit.log_level(n, 0, 0.0) - (3.0 - 0.8 + 0.69 + 0.5)).abs() < 1e-9,
            "{}",
            fit.log_level(n, 0, 0.0)
        );
        // Tomorrow (70, weekday 0) one day of trend later.
        assert!((fit.log_level(n, 1, 1.0) - (3.0 + 0.1 + 0.70 + 0.5)).abs() < 1e-9);
        assert!(fit.sigma.abs() < 1e-12);
        assert_eq!(fit.support, n - 3);
    }

    #[test]
    fn a_flat_noisy_trend_is_shrunk_to_nothing() {
        // Alternating +-0.2 around a flat level: a fitted slope is noise.
        let n = 63;
        let points: Vec<(usize, f64)> = (0..n)
            .map(|i| (i, 2.0 + noise(i, 0.4) + 0.0001 * count(i)))
            .collect();
        let start = start_of(&points, n);
        let design = Design {
            on: [true; 7],
            step_from: None,
        };
        let shrunk = Settings {
            trend_shrink: 4.0,
            ..settings()
        };
        let fit = fit(&points, n, &start, design, &shrunk).unwrap_or_else(|| panic!("no fit"));
        assert!(fit.coef[7].abs() < 1e-12, "{}", fit.coef[7]);
        let unshrunk =
            super::fit(&points, n, &start, design, &settings()).unwrap_or_else(|| panic!("no fit"));
        assert!(unshrunk.coef[7].abs() > 1e-6);
        // A trend set to flat is not known to be flat: its variance stays.
        assert!(fit.cov[7 * 8 + 7].abs() < 1e-300);
        let kept = super::fit(
            &points,
            n,
            &start,
            design,
            &Settings {
                trend_variance_kept: true,
                ..shrunk
            },
        )
        .unwrap_or_else(|| panic!("no fit"));
        assert!(kept.coef[7].abs() < 1e-12);
        assert!(
            (kept.cov[7 * 8 + 7] - unshrunk.cov[7 * 8 + 7]).abs() < 1e-6 * unshrunk.cov[7 * 8 + 7]
        );
    }

    #[test]
    fn a_history_too_short_to_show_persistence_takes_the_prior() {
        let n = 16;
        let points: Vec<(usize, f64)> = (0..n).map(|i| (i, 1.0 + noise(i, 0.06))).collect();
        let start = start_of(&points, n);
        let design = Design {
            on: [true; 7],
            step_from: None,
        };
        let fit = fit(&points, n, &start, design, &settings()).unwrap_or_else(|| panic!("no fit"));
        // Two weeks and two days: fewer than three full weeks.
        assert!((fit.persistence(3.0) - 3.0).abs() < 1e-12);
        assert!((fit.persistence(1.0) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn recent_departure_and_persistence() {
        let n = 63;
        // Independent-looking noise, then the last ten days 4 % above.
        let points: Vec<(usize, f64)> = (0..n)
            .map(|i| {
                (
                    i,
                    1.0 + noise(i, 0.06) + if i >= n - 10 { 0.04 } else { 0.0 },
                )
            })
            .collect();
        let start = start_of(&points, n);
        let design = Design {
            on: [true; 7],
            step_from: None,
        };
        let fit = fit(&points, n, &start, design, &settings()).unwrap_or_else(|| panic!("no fit"));
        let (departure, variance) = fit.departure(n, 3.5);
        // Part of the rise tilts the trend; the rest is the departure.
        assert!(departure > 0.005 && departure < 0.04, "{departure}");
        assert!(variance > 0.0);
        // Weeks whose residuals keep one sign add up to more than chance allows.
        assert!(fit.persistence(1.0) > 1.0);
    }

    #[test]
    fn inverse_of_a_known_matrix() {
        let a = [4.0, 7.0, 2.0, 6.0];
        let inverse = invert(&a, 2).unwrap_or_default();
        let expected = [0.6, -0.7, -0.2, 0.4];
        for (x, y) in inverse.iter().zip(expected) {
            assert!((x - y).abs() < 1e-12);
        }
        assert!(invert(&[1.0, 2.0, 2.0, 4.0], 2).is_none());
    }
}
