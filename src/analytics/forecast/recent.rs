//! What the last days and today's usage so far say that the fit cannot yet
//! see: a lasting step up of the level a day or more old (the fit adopts a
//! change of level only after `Params::shift_days`, and may place it
//! elsewhere), and how busy today is
//! (the rest of today expected from the part already used). Both compare
//! log amounts with the fit's expected level of the day: the complete days'
//! residuals, and today's usage so far over the share of a day's usage that
//! recent days had reached by this time of day. Pure numeric code.

/// Settings of the fast step and of today's evidence (from `model::Params`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// Spread (log) of the share of a day used by its middle: how far today's
    /// usage so far may stray from its usual share of the day; 0: today's
    /// usage so far is not used as evidence.
    pub today_spread: f64,
    /// Smallest step up (log) adopted before the fit sees it (0: none).
    pub min_step: f64,
    /// How many standard deviations above the fit every recent observation
    /// must be.
    pub score: f64,
    /// How unlikely a run of burst days must be (the history's burst rate to
    /// the power of the observations) before a run is taken for a step.
    pub step_prior: f64,
    /// Extra uncertainty of a fast step, as a share of its size (the band).
    pub band: f64,
}

/// A lasting step up adopted from the last days and today so far.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Step {
    /// Its size in logs.
    pub size: f64,
    /// The variance of that size, for the band.
    pub variance: f64,
    /// Complete days since it began.
    pub days: usize,
}

/// Smallest burst rate assumed, however few bursts the history has had.
const MIN_BURST_RATE: f64 = 0.01;
/// Smallest day spread assumed when testing for a step (a history that
/// repeats exactly has none).
const MIN_SIGMA: f64 = 0.05;

/// Variance (logs) of today's whole day as read from `share` of it: the
/// spread of the share grows as less of the day has gone by.
#[must_use]
pub fn share_variance(share: f64, spread: f64) -> f64 {
    let share = share.clamp(1e-3, 1.0);
    spread * spread * (1.0 - share) / share
}

/// A step up begun some days ago: `recent` are the residuals (logs,
/// against the fit) of the last complete days, oldest first (`None` for a
/// day the fit did not see), `today` today's log departure from the fit as
/// read from its usage so far, with variance `today_variance` on top of
/// the day spread `sigma`. Every complete day since the step must stand
/// `score` deviations and `min_step` above the fit; today must too, or, when
/// too little of it has gone by to tell, at least not contradict them; and
/// a run of as many burst days (today counted when it stands out) at the
/// history's `burst_rate` must be less likely than `step_prior`. The
/// longest such run wins; the size is the precision-weighted mean of its
/// observations, today's included.
#[must_use]
pub fn step(
    recent: &[Option<f64>],
    today: f64,
    today_variance: f64,
    sigma: f64,
    burst_rate: f64,
    settings: &Settings,
) -> Option<Step> {
    if settings.min_step <= 0.0 || !today.is_finite() {
        return None;
    }
    let sigma = sigma.max(MIN_SIGMA);
    let day_variance = sigma * sigma;
    let today_variance = day_variance + today_variance.max(0.0);
    let passes =
        |x: f64, variance: f64| x >= settings.min_step && x >= settings.score * variance.sqrt();
    let today_counts = passes(today, today_variance);
    let rate = burst_rate.max(MIN_BURST_RATE);
    for days in (1..=recent.len()).rev() {
        let run = &recent[recent.len() - days..];
        let observations = i32::try_from(days + usize::from(today_counts)).unwrap_or(i32::MAX);
        if rate.powi(observations) > settings.step_prior {
            continue;
        }
        if !run
            .iter()
            .all(|r| r.is_some_and(|r| passes(r, day_variance)))
        {
            continue;
        }
        let mut weight = 0.0;
        let mut total = 0.0;
        for r in run.iter().flatten() {
            weight += 1.0 / day_variance;
            total += r / day_variance;
        }
        // Today below what the run says by more than chance allows: a burst.
        let gap = settings.score * (today_variance + 1.0 / weight).sqrt();
        if !today_counts && today < total / weight - gap {
            continue;
        }
        weight += 1.0 / today_variance;
        total += today / today_variance;
        let size = total / weight;
        return Some(Step {
            size,
            variance: 1.0 / weight + (settings.band * size).powi(2),
            days,
        });
    }
    None
}

/// Today's whole-day departure from the fit (logs) given `observed`, the
/// departure read from its usage so far with variance `share_variance`,
/// and the day spread `sigma`: the observation shrunk towards the fit by
/// their variances, and the variance left.
#[must_use]
pub fn nowcast(observed: f64, sigma: f64, share_variance: f64) -> (f64, f64) {
    let prior = sigma * sigma;
    let total = prior + share_variance;
    if total <= 0.0 || !observed.is_finite() {
        return (0.0, prior);
    }
    (observed * prior / total, prior * share_variance / total)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        Settings {
            today_spread: 0.1,
            min_step: 0.2,
            score: 2.5,
            step_prior: 0.002,
            band: 0.0,
        }
    }

    #[test]
    fn two_days_and_today_up_are_a_step() {
        let found = step(&[Some(0.7), Some(0.7)], 0.7, 0.01, 0.1, 0.0, &settings());
        let found = found.unwrap_or_else(|| panic!("no step"));
        assert_eq!(found.days, 2);
        assert!((found.size - 0.7).abs() < 1e-12);
        assert!(found.variance > 0.0 && found.variance < 0.01);
    }

    #[test]
    fn one_day_up_then_today_normal_is_a_burst() {
        assert_eq!(
            step(&[Some(0.0), Some(1.2)], 0.02, 0.01, 0.1, 0.0, &settings()),
            None
        );
        // Today up alone is not enough either.
        assert_eq!(
            step(&[Some(0.0), Some(0.0)], 0.9, 0.01, 0.1, 0.0, &settings()),
            None
        );
    }

    #[test]
    fn early_in_the_day_two_complete_days_suffice() {
        // So little of today has gone by that its pace says little either way.
        let early = step(&[Some(0.7), Some(0.7)], 0.3, 0.5, 0.1, 0.0, &settings());
        assert_eq!(early.map(|s| s.days), Some(2));
        // One complete day does not.
        assert_eq!(
            step(&[Some(0.0), Some(0.7)], 0.3, 0.5, 0.1, 0.0, &settings()),
            None
        );
        // Today far below the run, however early: bursts.
        assert_eq!(
            step(&[Some(0.7), Some(0.7)], -2.0, 0.1, 0.1, 0.0, &settings()),
            None
        );
    }

    #[test]
    fn frequent_bursts_need_a_longer_run() {
        // Yesterday and today up: a step when bursts are rare...
        let rare = step(&[Some(0.0), Some(0.6)], 0.6, 0.01, 0.1, 0.01, &settings());
        assert_eq!(rare.map(|s| s.days), Some(1));
        // ...but two bursts in a row are likely enough at one day in twelve.
        let common = step(
            &[Some(0.0), Some(0.6)],
            0.6,
            0.01,
            0.1,
            1.0 / 12.0,
            &settings(),
        );
        assert_eq!(common, None);
        let longer = step(
            &[Some(0.6), Some(0.6)],
            0.6,
            0.01,
            0.1,
            1.0 / 12.0,
            &settings(),
        );
        assert_eq!(longer.map(|s| s.days), Some(2));
    }

    #[test]
    fn drops_and_small_rises_are_left_to_the_fit() {
        assert_eq!(
            step(&[Some(-0.7), Some(-0.7)], -0.7, 0.01, 0.1, 0.0, &settings()),
            None
        );
        assert_eq!(
            step(&[Some(0.15), Some(0.15)], 0.15, 0.0, 0.01, 0.0, &settings()),
            None
        );
    }

    #[test]
    fn the_nowcast_weighs_the_observation_by_its_spread() {
        let (departure, variance) = nowcast(0.3, 0.1, 0.01);
        assert!((departure - 0.15).abs() < 1e-12);
        assert!((variance - 0.005).abs() < 1e-12);
        // A history without spread: today's usage so far changes nothing.
        assert_eq!(nowcast(0.3, 0.0, 0.01), (0.0, 0.0));
        // Half the day gone: the spread given; less gone, more spread.
        assert!((share_variance(0.5, 0.1) - 0.01).abs() < 1e-12);
        assert!(share_variance(0.1, 0.1) > share_variance(0.5, 0.1));
        assert_eq!(share_variance(1.0, 0.1), 0.0);
    }
}
