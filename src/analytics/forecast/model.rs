//! The daily model behind every forecast: one level per weekday on a
//! log-linear trend of recent weeks, with a step at a lasting change of
//! level, fitted robustly (a median-based start, `medians`, refined by a
//! biweight-weighted regression, `regression`); honest fallbacks for short
//! histories; the expected amount of any day ahead, and the spread of the
//! error of any sum of days. Pure and numeric: amounts come in as `f64`
//! (converted from `Decimal` at the boundary by the caller, which converts
//! back) because the fit takes logarithms; no money is ever summed here.
//!
//! Days are numbered from the first complete day given (index 0); the
//! weekday of a day is its index modulo 7, so the caller need not know it.

use super::medians::{self, count, mad_sigma, median};
use super::recent;
use super::regression::{self, Design, Regression, Settings};

/// Complete days needed before weekday levels are estimated (two weeks).
pub const MIN_WEEKDAY_DAYS: usize = 14;

/// Settings of the fit, chosen by backtest (`cargo bench --bench forecast -- --candidates`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    /// Days the first estimate's weekday factors are taken from.
    pub season_days: usize,
    /// Days the trend and the weekday levels are fitted to.
    pub trend_days: usize,
    /// Days whose median sets the first estimate's level at the end.
    pub level_days: usize,
    /// Damping of the trend per day ahead (1 = none).
    pub damping: f64,
    /// Largest trend allowed, as growth per day in log units (about +/-3 % a day).
    pub max_slope: f64,
    /// Days a lasting change of level must have lasted to be adopted (0: never).
    pub shift_days: usize,
    /// How far back a lasting change of level is looked for, in days.
    pub shift_max_days: usize,
    /// How many standard errors apart the levels before and after a change
    /// of level must be.
    pub shift_score: f64,
    /// Refine the median-based first estimate by the weighted regression.
    pub refine: bool,
    /// Half-life of a day's weight in the regression, in days (0: all alike).
    pub half_life: f64,
    /// Half-life in days of the weights of the recent departure from the
    /// fit that is carried into the days ahead (0: none).
    pub departure_half_life: f64,
    /// Share of that departure each day ahead keeps from the day before.
    pub departure_keep: f64,
    /// Shrinkage of the trend towards flat by its uncertainty (0: none).
    pub trend_shrink: f64,
    /// Pull of the weekday levels towards their mean, in days of weight.
    pub season_shrink: f64,
    /// Correct the fit of the logs to the mean amount (lognormal day noise).
    pub mean_correction: bool,
    /// Widening of the model's standard deviation in the 80 % band.
    pub band_scale: f64,
    /// Relative spread of the expected remaining amount added to the band
    /// (what the model cannot see: the level's wander).
    pub band_floor: f64,
    /// Widen the band by how much the history's residuals persist from day
    /// to day (`Regression::persistence`).
    pub band_persistence: bool,
    /// Weight of the history's own burst days (their rate and size) in the
    /// band's upper end.
    pub band_bursts: f64,
    /// Spread (log) of the share of a day used by its middle, for reading
    /// today's usage so far as evidence of today's level (0: not read).
    pub today_spread: f64,
    /// Smallest step up (log) adopted from a run of the last days and
    /// today so far, before the fit sees it (0: never).
    pub fast_step: f64,
    /// How many complete days back such a step is looked for (a step the
    /// fit has not taken up, however old, shows as a run of days above it).
    pub fast_days: usize,
    /// How many standard deviations above the fit each of those days must be.
    pub fast_score: f64,
    /// How unlikely a run of that many burst days must be to be taken for a step.
    pub fast_prior: f64,
    /// Extra uncertainty of such a step in the band, as a share of its size.
    pub fast_band: f64,
    /// Look again for a later change of level in the days since one
    /// (binary segmentation), and follow the last.
    pub shift_segments: bool,
    /// How many standard errors apart a later change of level must be.
    pub shift_later_score: f64,
    /// Days of history a change of level needs before it.
    pub shift_before: usize,
    /// Of the changes of level that pass, take the most recent whose fit
    /// is within this share of the best one's (0: the best fit).
    pub shift_recent: f64,
    /// Keep the trend's own variance in the band when the trend is shrunk
    /// towards flat (a trend set to flat is not known to be flat).
    pub trend_variance_kept: bool,
    /// Widen the day noise in the band by the degrees of freedom the fit
    /// used (`sqrt(days / (days - coefficients))`).
    pub band_dof: bool,
    /// Below this many complete days, the trend is shrunk harder: by
    /// `trend_shrink * short_trend_days / days` (0: as on long histories).
    pub short_trend_days: f64,
    /// Standard deviation of the unknown trend (log per day) in the band of
    /// the short-history median (0: from the days' own spread).
    pub short_trend_sd: f64,
    /// Smallest standard deviation (log) of the short-history median's
    /// level when less than a week was seen (the weekday pattern unseen).
    pub short_level_sd: f64,
    /// How much the residuals of a week are assumed to persist before the
    /// history shows it (`Regression::persistence`; 1: not at all).
    pub persistence_prior: f64,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            season_days: 56,
            trend_days: 182,
            level_days: 28,
            damping: 1.0,
            max_slope: 0.03,
            shift_days: 3,
            shift_max_days: 182,
            shift_score: 3.5,
            refine: true,
            half_life: 0.0,
            departure_half_life: 7.0,
            departure_keep: 0.95,
            trend_shrink: 1.0,
            season_shrink: 0.0,
            mean_correction: true,
            band_scale: 1.3,
            band_floor: 0.01,
            band_bursts: 1.0,
            band_persistence: true,
            today_spread: 0.15,
            fast_step: 0.2,
            fast_days: 7,
            fast_score: 2.5,
            fast_prior: 0.002,
            fast_band: 0.2,
            shift_segments: true,
            shift_later_score: 10.0,
            shift_before: 14,
            shift_recent: 0.05,
            trend_variance_kept: true,
            band_dof: true,
            short_trend_days: 60.0,
            short_trend_sd: 0.005,
            short_level_sd: 0.3,
            persistence_prior: 3.0,
        }
    }
}

/// Which model a fit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Weekday levels on a robust log-linear trend.
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
    /// Log level of each weekday (by day index modulo 7) on the last
    /// complete day; minus infinity for a weekday without usage.
    log_day: [f64; 7],
    /// Trend in log units per day.
    slope: f64,
    /// Robust spread of one day's log residual.
    pub sigma: f64,
    /// Factor from the fit of the logs to the mean amount.
    bias: f64,
    /// The recent departure from the fit (logs), its variance, and the
    /// share of it each day ahead keeps.
    departure: (f64, f64, f64),
    /// Share of days far above the fit, and their mean excess as a share of it.
    pub bursts: (f64, f64),
    /// Share of days far below the fit (dips: holidays, outages), and their
    /// mean shortfall as a share of it.
    pub dips: (f64, f64),
    /// Factor of the variance of sums of days for residuals that persist.
    persistence: f64,
    /// The weighted regression, when it was fitted (its covariance).
    regression: Option<Regression>,
    /// Days the level rests on (without a regression).
    level_support: usize,
    /// Days the trend rests on (without a regression).
    trend_support: usize,
    damping: f64,
    /// A step up of the level seen in the last days and today so far, not
    /// yet in the fit: its size and variance (logs).
    step: (f64, f64),
    /// Today's departure from the fit read from its usage so far, and the
    /// variance left (logs).
    today: Option<(f64, f64)>,
    /// Factor of the variance of the fit and of the day noise in the band
    /// (degrees of freedom; the short median's calibration).
    band_factor: f64,
    /// Standard deviation of the trend assumed without a regression (0:
    /// from the days' spread).
    trend_prior: f64,
    /// Smallest standard deviation of the level without a regression.
    level_prior: f64,
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
            return short_median(&values, params);
        }
        weekday_trend(&values, params)
    }

    fn empty(days: usize) -> Self {
        Self {
            kind: Kind::Empty,
            days,
            log_day: [f64::NEG_INFINITY; 7],
            slope: 0.0,
            sigma: 0.0,
            bias: 1.0,
            departure: (0.0, 0.0, 1.0),
            bursts: (0.0, 0.0),
            dips: (0.0, 0.0),
            persistence: 1.0,
            regression: None,
            level_support: 0,
            trend_support: 0,
            damping: 1.0,
            step: (0.0, 0.0),
            today: None,
            band_factor: 1.0,
            trend_prior: 0.0,
            level_prior: 0.0,
        }
    }

    /// Trend per day in log units.
    #[must_use]
    pub fn slope(&self) -> f64 {
        self.slope
    }

    /// The first day of the change of level the fit has, if any.
    #[must_use]
    pub fn step_from(&self) -> Option<usize> {
        self.regression
            .as_ref()
            .and_then(|regression| regression.design.step_from)
    }

    /// The size (logs) of the step up adopted from the last days and today.
    #[must_use]
    pub fn recent_step(&self) -> f64 {
        self.step.0
    }

    /// Reads today's usage so far (`so_far`, which recent days had reached
    /// `share` of their usage by) as evidence: of a step up of the level
    /// begun in the last `fast_days` days, which the fit has not taken up
    /// (`recent::step`), and of how busy today is (`recent::nowcast`),
    /// which sets the expected rest of today.
    pub fn observe_today(&mut self, so_far: f64, share: f64, params: &Params) {
        if self.kind == Kind::Empty
            || params.today_spread <= 0.0
            || !(0.02..0.999).contains(&share)
            || !(so_far.is_finite() && so_far > 0.0)
        {
            return;
        }
        let base = self.log_day[self.days % 7] + self.slope * self.trend_steps(1);
        if !base.is_finite() {
            return;
        }
        let spread = recent::share_variance(share, params.today_spread);
        let observed = (so_far / share).ln();
        if let Some(regression) = &self.regression {
            let recent: Vec<Option<f64>> = (self.days.saturating_sub(params.fast_days)..self.days)
                .map(|day| {
                    regression
                        .residuals
                        .iter()
                        .rev()
                        .find(|(i, _, _)| *i == day)
                        .map(|(_, r, _)| *r)
                })
                .collect();
            let settings = recent::Settings {
                today_spread: params.today_spread,
                min_step: params.fast_step,
                score: params.fast_score,
                step_prior: params.fast_prior,
                band: params.fast_band,
            };
            if let Some(step) = recent::step(
                &recent,
                observed - base,
                spread,
                self.sigma,
                self.bursts.0,
                &settings,
            ) {
                self.step = (step.size, step.variance);
                self.departure = (0.0, 0.0, self.departure.2);
            }
        }
        let (departure, _, keep) = self.departure;
        let prior = base + self.step.0 + departure * keep;
        self.today = Some(recent::nowcast(observed - prior, self.sigma, spread));
    }

    /// Expected amount of the day `ahead` days after the last complete day
    /// (1 is today).
    #[must_use]
    pub fn expected(&self, ahead: usize) -> f64 {
        if self.kind == Kind::Empty {
            return 0.0;
        }
        let index = self.days + ahead - 1;
        let (departure, _, keep) = self.departure;
        let log = self.log_day[index % 7]
            + self.slope * self.trend_steps(ahead)
            + departure * keep.powi(i32::try_from(ahead).unwrap_or(i32::MAX))
            + self.step.0;
        let value = match self.today {
            // Today, as read from its usage so far: the mean of what is left.
            Some((today, variance)) if ahead == 1 => {
                let bias = if self.bias > 1.0 {
                    (variance / 2.0).exp()
                } else {
                    1.0
                };
                bias * (log + today).exp()
            }
            _ => self.bias * log.exp(),
        };
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
    /// come), without bursts: independent day noise plus the uncertainty of
    /// the fit (levels, trend, step), which every day shares.
    #[must_use]
    pub fn sum_sd(&self, expected: &[f64], today_share: f64) -> f64 {
        if self.kind == Kind::Empty || expected.is_empty() {
            return 0.0;
        }
        let sigma = self.sigma;
        let mut noise = 0.0;
        let mut level = 0.0;
        let mut trend = 0.0;
        let mut days = Vec::with_capacity(expected.len());
        let (_, departure_var, keep) = self.departure;
        let mut kept = 0.0;
        for (i, amount) in expected.iter().enumerate() {
            let weight = if i == 0 { today_share } else { 1.0 };
            let amount = amount * weight;
            let sigma = match self.today {
                Some((_, variance)) if i == 0 => variance.sqrt(),
                _ => sigma,
            };
            noise += (amount * sigma).powi(2) * weight.max(0.0);
            level += amount;
            trend += amount * self.trend_steps(i + 1);
            days.push((self.days + i, self.trend_steps(i + 1), amount));
            kept += amount * keep.powi(i32::try_from(i + 1).unwrap_or(i32::MAX));
        }
        let shared = if let Some(regression) = &self.regression {
            regression.variance(&days)
        } else {
            let level_var =
                (sigma.powi(2) / count(self.level_support.max(1))).max(self.level_prior.powi(2));
            let support = count(self.trend_support.max(2));
            let mut trend_var = 12.0 * sigma.powi(2) / (support.powi(3) - support);
            if self.trend_prior > 0.0 {
                trend_var = trend_var.min(self.trend_prior.powi(2));
            }
            level.powi(2) * level_var + trend.powi(2) * trend_var
        };
        (self.band_factor * self.persistence * (noise + shared)
            + kept * kept * departure_var
            + level * level * self.step.1)
            .sqrt()
    }
}

fn short_median(values: &[f64], params: &Params) -> Fit {
    let n = values.len();
    let mut sorted = values.to_vec();
    let center = median(&mut sorted);
    let mean = values.iter().sum::<f64>() / count(n);
    let center = if center > 0.0 { center } else { mean };
    if center <= 0.0 {
        return Fit {
            kind: Kind::ShortMedian,
            ..Fit::empty(n)
        };
    }
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
        log_day: [center.ln(); 7],
        slope: 0.0,
        sigma,
        bias: 1.0,
        departure: (0.0, 0.0, 1.0),
        bursts: (0.0, 0.0),
        dips: (0.0, 0.0),
        persistence: 1.0,
        regression: None,
        level_support: n,
        trend_support: n.max(2),
        damping: 1.0,
        step: (0.0, 0.0),
        today: None,
        band_factor: 1.0,
        trend_prior: params.short_trend_sd,
        level_prior: if n < 7 { params.short_level_sd } else { 0.0 },
    }
}

fn weekday_trend(values: &[f64], params: &Params) -> Fit {
    let n = values.len();
    let Some(start) = medians::start(
        values,
        params.season_days,
        params.trend_days,
        params.level_days,
        params.max_slope,
        &medians::Shift {
            min_after: params.shift_days,
            max_after: params.shift_max_days,
            min_before: params.shift_before,
            score: params.shift_score,
            recent: params.shift_recent,
            segments: params.shift_segments,
            later_score: params.shift_later_score,
        },
    ) else {
        return Fit {
            kind: Kind::WeekdayTrend,
            ..Fit::empty(n)
        };
    };
    let mut fit = Fit {
        kind: Kind::WeekdayTrend,
        days: n,
        log_day: start.season.map(|factor| {
            if factor > 0.0 {
                factor.ln() + start.level
            } else {
                f64::NEG_INFINITY
            }
        }),
        slope: start.slope,
        sigma: start.sigma,
        bias: 1.0,
        departure: (0.0, 0.0, 1.0),
        bursts: (0.0, 0.0),
        dips: (0.0, 0.0),
        persistence: 1.0,
        regression: None,
        level_support: start.level_support,
        trend_support: n - start.from,
        damping: params.damping,
        step: (0.0, 0.0),
        today: None,
        band_factor: 1.0,
        trend_prior: 0.0,
        level_prior: 0.0,
    };
    if params.refine {
        // Not before an earlier change of level than the step's.
        let from = n
            .saturating_sub(params.trend_days)
            .max(start.earlier.unwrap_or(0));
        // A weekday has usage when most of its days in the window do.
        let mut on = [false; 7];
        for (day, flag) in on.iter_mut().enumerate() {
            let (used, unused) = (from..n)
                .filter(|i| i % 7 == day)
                .fold((0, 0), |(u, z), i| {
                    if values[i] > 0.0 {
                        (u + 1, z)
                    } else {
                        (u, z + 1)
                    }
                });
            *flag = used > 0 && used >= unused;
        }
        let points: Vec<(usize, f64)> = (from..n)
            .filter(|&i| values[i] > 0.0 && on[i % 7])
            .map(|i| (i, values[i].ln()))
            .collect();
        let design = Design {
            on,
            step_from: start.shift.filter(|s| *s > from),
        };
        // Fewer days: the trend must stand out further to be kept.
        let short = if params.short_trend_days > 0.0 {
            (params.short_trend_days / count(n)).max(1.0)
        } else {
            1.0
        };
        let settings = Settings {
            half_life: params.half_life,
            trend_shrink: params.trend_shrink * short,
            trend_variance_kept: params.trend_variance_kept,
            season_shrink: params.season_shrink,
            max_slope: params.max_slope,
        };
        if let Some(regression) = regression::fit(&points, n, &start, design, &settings) {
            let step = if design.step_from.is_some() {
                regression.coef[8]
            } else {
                0.0
            };
            for (day, log) in fit.log_day.iter_mut().enumerate() {
                *log = if on[day] {
                    regression.coef[day] + step
                } else {
                    f64::NEG_INFINITY
                };
            }
            fit.slope = regression.coef[7];
            fit.sigma = regression.sigma;
            let width = count(design.width());
            let support = count(regression.support);
            if params.band_dof && support > width + 1.0 {
                fit.band_factor = support / (support - width);
            }
            if params.departure_half_life > 0.0 {
                let (departure, variance) = regression.departure(n, params.departure_half_life);
                fit.departure = (departure, variance, params.departure_keep);
            }
            fit.bursts = regression.bursts;
            fit.dips = regression.dips;
            if params.band_persistence {
                fit.persistence = regression.persistence(params.persistence_prior);
            }
            fit.regression = Some(regression);
        }
    }
    if params.mean_correction {
        fit.bias = (fit.sigma * fit.sigma / 2.0).exp();
    }
    fit
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
    fn a_step_up_seen_yesterday_and_today_is_adopted_at_once() {
        let wobble = [1.0, 1.03, 0.97, 1.02, 0.98];
        let mut values: Vec<f64> = (0..56).map(|i| 100.0 * wobble[i % 5]).collect();
        values[55] = 200.0;
        let params = Params::default();
        let plain = Fit::new(&values, &params);
        // Half of a day's usage is gone by now: today so far at twice the usual pace.
        let mut step = plain.clone();
        step.observe_today(100.0, 0.5, &params);
        let ratio = step.expected(5) / plain.expected(5);
        assert!((ratio - 2.0).abs() < 0.1, "{ratio}");
        assert!(step.recent_step() > 0.6);
        // The band widens by the step's uncertainty.
        let days: Vec<f64> = (1..=10).map(|ahead| step.expected(ahead)).collect();
        let plain_days: Vec<f64> = (1..=10).map(|ahead| plain.expected(ahead)).collect();
        assert!(step.sum_sd(&days, 0.5) / 2.0 > plain.sum_sd(&plain_days, 0.5));
        // Yesterday a burst, today at the usual pace: nothing changes after today.
        let mut burst = plain.clone();
        burst.observe_today(50.0, 0.5, &params);
        assert_eq!(burst.recent_step(), 0.0);
        assert!((burst.expected(5) - plain.expected(5)).abs() < 1e-9);
        // Without today's evidence, one high day is a burst too.
        let mut off = plain.clone();
        off.observe_today(
            100.0,
            0.5,
            &Params {
                today_spread: 0.0,
                ..params
            },
        );
        assert!((off.expected(5) - plain.expected(5)).abs() < 1e-9);
    }

    #[test]
    fn a_busy_morning_raises_the_rest_of_today_only() {
        // Day-to-day spread that no weekday pattern explains.
        let noise = [1.0, 1.1, 0.9, 1.05, 0.95];
        let values: Vec<f64> = (0..63).map(|i| 100.0 * noise[i % 5]).collect();
        let params = Params::default();
        let plain = Fit::new(&values, &params);
        let mut busy = plain.clone();
        // 30 % above the usual pace by mid-day.
        busy.observe_today(0.5 * 1.3 * plain.expected(1), 0.5, &params);
        let today = busy.expected(1) / plain.expected(1);
        assert!(today > 1.02 && today < 1.3, "{today}");
        assert!((busy.expected(2) - plain.expected(2)).abs() < 1e-9);
        // Nothing used yet, or no profile share: nothing read.
        let mut quiet = plain.clone();
        quiet.observe_today(0.0, 0.5, &params);
        assert_eq!(quiet.expected(1), plain.expected(1));
    }

    #[test]
    fn two_changes_of_level_end_at_the_last_level() {
        let wobble = [1.0, 1.03, 0.97, 1.02, 0.98];
        let values: Vec<f64> = (0..120)
            .map(|i| {
                let level = match i {
                    0..60 => 100.0,
                    60..100 => 200.0,
                    _ => 400.0,
                };
                level * wobble[i % 5]
            })
            .collect();
        let fit = Fit::new(&values, &Params::default());
        assert_eq!(fit.step_from(), Some(100));
        // The mean of the wobble is 1: tomorrow and later days at 400.
        for ahead in [1, 10, 25] {
            let expected = fit.expected(ahead);
            assert!((expected / 400.0 - 1.0).abs() < 0.03, "{ahead}: {expected}");
        }
    }

    #[test]
    fn short_histories_have_honest_bands() {
        let band = |values: &[f64]| {
            let fit = Fit::new(values, &Params::default());
            let days: Vec<f64> = (1..=20).map(|ahead| fit.expected(ahead)).collect();
            fit.sum_sd(&days, 0.5) / days.iter().sum::<f64>()
        };
        // Three days alike: a week's pattern unseen, so the level is
        // uncertain by 30 % however alike they are.
        let three = band(&[100.0, 100.0, 100.0]);
        assert!(three > 0.25 && three < 0.6, "{three}");
        // Ten days: the unknown trend is taken at 0.5 % a day at most, not
        // from the spread of ten days over their own length.
        let wobble = [1.0, 1.1, 0.9, 1.05, 0.95];
        let ten: Vec<f64> = (0..10).map(|i| 100.0 * wobble[i % 5]).collect();
        let narrow = band(&ten);
        let wide = {
            let fit = Fit::new(
                &ten,
                &Params {
                    short_trend_sd: 0.0,
                    ..Params::default()
                },
            );
            let days: Vec<f64> = (1..=20).map(|ahead| fit.expected(ahead)).collect();
            fit.sum_sd(&days, 0.5) / days.iter().sum::<f64>()
        };
        assert!(narrow < wide / 2.0, "{narrow} {wide}");
        assert!(narrow > 0.05, "{narrow}");
    }

    #[test]
    fn a_short_weekday_fit_has_a_wider_band() {
        // Three weeks of noise around a flat level: the band holds the
        // uncertainty of the trend even when it is shrunk to flat, the
        // degrees of freedom the fit used, and persistence as typical.
        let noise = [
            1.0, 1.12, 0.9, 1.05, 0.93, 1.08, 0.97, 1.1, 0.88, 1.02, 0.95,
        ];
        let values: Vec<f64> = (0..21).map(|i| 100.0 * noise[i % 11]).collect();
        let sd = |params: &Params| {
            let fit = Fit::new(&values, params);
            let days: Vec<f64> = (1..=25).map(|ahead| fit.expected(ahead)).collect();
            (fit.slope(), fit.sum_sd(&days, 0.5))
        };
        let (_, kept) = sd(&Params::default());
        let (_, dropped) = sd(&Params {
            trend_variance_kept: false,
            band_dof: false,
            persistence_prior: 1.0,
            ..Params::default()
        });
        assert!(kept > 1.5 * dropped, "{kept} {dropped}");
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

    #[test]
    fn a_recent_departure_is_carried_and_fades() {
        // Flat at 100 with a small wobble; the last ten days 4 % higher
        // (too little for a change of level).
        let wobble = [1.0, 1.02, 0.98, 1.01, 0.99];
        let mut values: Vec<f64> = (0..70).map(|i| 100.0 * wobble[i % 5]).collect();
        for value in values.iter_mut().skip(60) {
            *value *= 1.04;
        }
        let fit = Fit::new(&values, &Params::default());
        let flat = Fit::new(
            &values,
            &Params {
                departure_half_life: 0.0,
                ..Params::default()
            },
        );
        let near = fit.expected(1) / flat.expected(1);
        let far = fit.expected(30) / flat.expected(30);
        assert!(near > 1.005 && near < 1.04, "{near}");
        assert!(far > 1.0 && far < near, "{far}");
    }

    #[test]
    fn the_band_grows_with_the_spread_of_the_history() {
        // Wobbles of five days, which no weekday pattern explains.
        let noisy = [0.8, 1.2, 0.9, 1.1, 1.0];
        let calm = [0.98, 1.02, 0.99, 1.01, 1.0];
        let sd = |pattern: &[f64; 5]| {
            let values: Vec<f64> = (0..63).map(|i| 100.0 * pattern[i % 5]).collect();
            let fit = Fit::new(&values, &Params::default());
            let expected: Vec<f64> = (1..=20).map(|ahead| fit.expected(ahead)).collect();
            fit.sum_sd(&expected, 0.5)
        };
        assert!(sd(&noisy) > 5.0 * sd(&calm), "{} {}", sd(&noisy), sd(&calm));
    }
}
