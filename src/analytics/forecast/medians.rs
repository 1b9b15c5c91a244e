//! The robust first estimate of the daily model, from medians only:
//! weekday factors (per weekday, the median share of the centred 7-day mean
//! around each day, which a trend does not tilt), a Theil-Sen slope of the
//! deseasonalised logs, the median level of the last weeks carried along
//! that slope, and the last lasting change of level found in the residuals
//! (binary segmentation: the days since one are searched again). It is
//! the start of the weighted fit (`regression`) and, alone, one of the
//! candidates the benchmark measures. Pure numeric code on daily amounts.

/// A first estimate on the complete days `0..n`, in logs.
#[derive(Debug, Clone, PartialEq)]
pub struct Start {
    /// Weekday factors by day index modulo 7 (mean 1; 0 for a weekday without usage).
    pub season: [f64; 7],
    /// Log of the deseasonalised level on the last complete day.
    pub level: f64,
    /// Trend in log units per day.
    pub slope: f64,
    /// Robust spread of one day's log residual.
    pub sigma: f64,
    /// The first day of a lasting change of level, if one was found (the
    /// last of them).
    pub shift: Option<usize>,
    /// The first day of an earlier change of level before `shift`, when
    /// one was found: the fit leaves out the days before it.
    pub earlier: Option<usize>,
    /// The first day the trend was fitted from.
    pub from: usize,
    /// Days the level rests on.
    pub level_support: usize,
}

/// What counts as a lasting change of level (`level_shift`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shift {
    /// Days it must have lasted (0: none looked for).
    pub min_after: usize,
    /// How far back it is looked for, in days.
    pub max_after: usize,
    /// Days of history it needs before it.
    pub min_before: usize,
    /// How many standard errors apart the medians before and after must be.
    pub score: f64,
    /// Of the splits that pass, the most recent whose fit is within this
    /// share of the best one's is taken (0: the best fit).
    pub recent: f64,
    /// Look again in the days since a change of level for a later one
    /// (binary segmentation), and follow the last one found.
    pub segments: bool,
    /// How many standard errors apart a later change of level must be.
    pub later_score: f64,
}

#[allow(clippy::cast_precision_loss)]
pub(super) fn count(value: usize) -> f64 {
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
#[must_use]
pub fn mad_sigma(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    let center = median(&mut sorted);
    let mut deviations: Vec<f64> = values.iter().map(|v| (v - center).abs()).collect();
    1.4826 * median(&mut deviations)
}

/// Weekday factors: per weekday, the median over the last `days` days of
/// each day's share of the centred 7-day mean around it, normalised to mean 1.
#[must_use]
pub fn weekday_factors(values: &[f64], days: usize) -> [f64; 7] {
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

/// The first estimate of `values` (complete days, oldest first; at least
/// one with usage on a weekday that has usage), with the trend over the last
/// `trend_days`, the weekday factors over `season_days`, the level over
/// `level_days`, the slope within `max_slope` and a change of level as
/// `shift` says.
#[must_use]
pub fn start(
    values: &[f64],
    season_days: usize,
    trend_days: usize,
    level_days: usize,
    max_slope: f64,
    shift: &Shift,
) -> Option<Start> {
    let n = values.len();
    let season = weekday_factors(values, season_days);
    // Deseasonalised logs of the days that have usage on a weekday that does.
    let logs = deseasonalised(values, &season);
    let mut from = n.saturating_sub(trend_days);
    let mut window: Vec<(usize, f64)> = logs.iter().copied().filter(|(i, _)| *i >= from).collect();
    if window.is_empty() {
        return None;
    }
    let mut slope = theil_sen(&window).clamp(-max_slope, max_slope);
    let mut level = end_level(&window, slope, n, level_days);
    // Looked for along the slope of week-on-week changes, which a step
    // tilts far less than it tilts the slope of all pairs.
    let weekly = weekly_slope(&window).clamp(-max_slope, max_slope);
    let settings = shift;
    let mut shift = level_shift(
        &window,
        end_level(&window, weekly, n, level_days),
        weekly,
        n,
        settings,
    );
    // Binary segmentation along the days since: a later change of level
    // there is the one the days ahead follow, and the days before the
    // earlier one are left out (a single step cannot join three levels).
    let mut earlier = None;
    while let (true, Some(at)) = (settings.segments, shift) {
        let since: Vec<(usize, f64)> = window.iter().copied().filter(|(i, _)| *i >= at).collect();
        let weekly = weekly_slope(&since).clamp(-max_slope, max_slope);
        let later = Shift {
            score: settings.later_score.max(settings.score),
            ..*settings
        };
        match level_shift(
            &since,
            end_level(&since, weekly, n, level_days),
            weekly,
            n,
            &later,
        ) {
            Some(later) if later > at => {
                earlier = Some(at);
                shift = Some(later);
            }
            _ => break,
        }
    }
    if let Some(first) = earlier {
        window.retain(|(i, _)| *i >= first);
    }
    // A lasting change of level: the trend is then taken from the days
    // before (when enough) and the level from the days since.
    if let Some(start) = shift {
        let before: Vec<(usize, f64)> =
            window.iter().copied().filter(|(i, _)| *i < start).collect();
        slope = if before.len() >= 14 {
            theil_sen(&before).clamp(-max_slope, max_slope)
        } else {
            0.0
        };
        window.retain(|(i, _)| *i >= start);
        from = start;
        level = end_level(&window, slope, n, level_days);
    }
    let residuals: Vec<f64> = window
        .iter()
        .map(|p| residual(*p, level, slope, n))
        .collect();
    let sigma = if residuals.len() < 2 {
        0.0
    } else {
        mad_sigma(&residuals)
    };
    Some(Start {
        season,
        level,
        slope,
        sigma,
        shift,
        earlier,
        from,
        level_support: window.len().min(level_days),
    })
}

/// `(day, log of amount / weekday factor)` of the days with usage on a weekday that has usage.
#[must_use]
pub fn deseasonalised(values: &[f64], season: &[f64; 7]) -> Vec<(usize, f64)> {
    (0..values.len())
        .filter(|&i| values[i] > 0.0 && season[i % 7] > 0.0)
        .map(|i| (i, (values[i] / season[i % 7]).ln()))
        .collect()
}

/// The median of pairwise slopes (Theil-Sen): robust to a few burst days.
#[must_use]
pub fn theil_sen(points: &[(usize, f64)]) -> f64 {
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

/// The median of the week-on-week changes per day: a step moves only the
/// seven changes across it. Theil-Sen's slope when there are too few.
#[must_use]
pub fn weekly_slope(points: &[(usize, f64)]) -> f64 {
    let mut changes = Vec::with_capacity(points.len());
    for (a, &(i, y)) in points.iter().enumerate() {
        if let Some(&(_, z)) = points[a + 1..].iter().find(|(j, _)| *j == i + 7) {
            changes.push((z - y) / 7.0);
        }
    }
    if changes.len() < 7 {
        return theil_sen(points);
    }
    median(&mut changes)
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

/// The first day of a lasting change of level in `points`, if any: the
/// split (at least `min_after` and at most `max_after` days back, with
/// `min_before` days before it) whose days after differ from those before,
/// in medians of the residuals, by `score` standard errors or more, with
/// most days after on its side; of those, the one closest to both medians
/// (or the most recent nearly as close, by `recent`). A drop must last a
/// week: holidays are dips, not changes of level.
#[must_use]
pub fn level_shift(
    points: &[(usize, f64)],
    level: f64,
    slope: f64,
    n: usize,
    shift: &Shift,
) -> Option<usize> {
    let min_before = shift.min_before.max(7);
    if shift.min_after == 0 || points.len() < min_before + 7 {
        return None;
    }
    let (min_after, max_after, min_score) = (shift.min_after, shift.max_after, shift.score);
    let residuals: Vec<f64> = points
        .iter()
        .map(|p| residual(*p, level, slope, n))
        .collect();
    let sigma = mad_sigma(&residuals).max(0.02);
    let mut passing: Vec<(f64, usize)> = Vec::new();
    let len = points.len();
    for after in min_after.min(len - min_before)..=max_after.min(len - min_before) {
        let split = len - after;
        let mut pre = residuals[..split].to_vec();
        let pre_median = median(&mut pre);
        let mut post = residuals[split..].to_vec();
        let step = median(&mut post) - pre_median;
        let spread = 1.25 * sigma * (1.0 / count(after) + 1.0 / count(split)).sqrt();
        let same_side = residuals[split..]
            .iter()
            .filter(|r| {
                (**r - pre_median) * step > 0.0 && (**r - pre_median).abs() > step.abs() / 2.0
            })
            .count();
        let score = step.abs() / spread;
        // Of the splits that pass, the one that leaves the least absolute
        // deviation from the two medians (a balanced split need not be it).
        let post_median = pre_median + step;
        let cost: f64 = residuals[..split]
            .iter()
            .map(|r| (r - pre_median).abs())
            .chain(residuals[split..].iter().map(|r| (r - post_median).abs()))
            .sum();
        if score > min_score
            && step.abs() > 0.12
            && (step > 0.0 || after >= 7)
            && same_side * 5 >= after * 4
        {
            passing.push((cost, split));
        }
    }
    // The best fit, or the most recent split that fits nearly as well.
    let best = passing
        .iter()
        .map(|(cost, _)| *cost)
        .fold(f64::INFINITY, f64::min);
    passing
        .iter()
        .filter(|(cost, _)| *cost <= best * (1.0 + shift.recent))
        .map(|(_, split)| *split)
        .max()
        .map(|split| points[split].0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shift(min_after: usize, max_after: usize) -> Shift {
        Shift {
            min_after,
            max_after,
            min_before: 7,
            score: 3.5,
            recent: 0.0,
            segments: false,
            later_score: 0.0,
        }
    }

    #[test]
    fn a_step_does_not_tilt_the_weekly_slope() {
        // Flat, then twice as high from day 30: all pairs see a slope, week-on-week changes do not.
        let points: Vec<(usize, f64)> = (0..60)
            .map(|i| (i, if i >= 30 { 2.0_f64.ln() } else { 0.0 }))
            .collect();
        assert!(theil_sen(&points) > 0.0);
        assert!(weekly_slope(&points).abs() < 1e-12);
        let values: Vec<f64> = points.iter().map(|p| 100.0 * p.1.exp()).collect();
        let start =
            start(&values, 56, 60, 28, 0.03, &shift(2, 60)).unwrap_or_else(|| panic!("no start"));
        assert_eq!(start.shift, Some(30));
        assert!((start.level - 200.0_f64.ln()).abs() < 1e-9);
    }

    /// 100 a day, then 200 from `first`, then 400 from `second` (of `n`),
    /// with a small wobble that no weekday pattern explains.
    fn two_steps(first: usize, second: usize, n: usize) -> Vec<f64> {
        let wobble = [1.0, 1.03, 0.97, 1.02, 0.98];
        (0..n)
            .map(|i| {
                let level = if i >= second {
                    400.0
                } else if i >= first {
                    200.0
                } else {
                    100.0
                };
                level * wobble[i % 5]
            })
            .collect()
    }

    #[test]
    fn of_two_changes_of_level_the_most_recent_is_taken() {
        let values = two_steps(60, 100, 120);
        let settings = |segments: bool| Shift {
            recent: 0.05,
            segments,
            ..shift(3, 120)
        };
        // One split alone falls near the first change (it parts the days best).
        let one = start(&values, 56, 120, 28, 0.03, &settings(false))
            .unwrap_or_else(|| panic!("no start"));
        assert!(
            one.shift.is_some_and(|day| (58..=64).contains(&day)),
            "{:?}",
            one.shift
        );
        // Looking again in the days since finds the second, and the days
        // before the first are left out.
        let found = start(&values, 56, 120, 28, 0.03, &settings(true))
            .unwrap_or_else(|| panic!("no start"));
        assert_eq!(found.shift, Some(100));
        assert!(
            found.earlier.is_some_and(|day| (58..=64).contains(&day)),
            "{:?}",
            found.earlier
        );
        assert!(
            (found.level - 400.0_f64.ln()).abs() < 0.03,
            "{}",
            found.level
        );
        assert_eq!(found.from, 100);
    }

    #[test]
    fn a_change_of_level_is_placed_with_two_weeks_before_it() {
        // Twice as high from day 10 of 40: too little before it to tell.
        let values: Vec<f64> = (0..40)
            .map(|i| if i >= 10 { 200.0 } else { 100.0 })
            .collect();
        let found = |min_before: usize| {
            let shift = Shift {
                min_before,
                ..shift(3, 40)
            };
            start(&values, 56, 40, 28, 0.03, &shift).map(|s| s.shift)
        };
        assert_eq!(found(7), Some(Some(10)));
        // With two weeks needed before it, it is placed at day 14 at the
        // earliest, and the level after it is still right.
        assert_eq!(found(14), Some(Some(14)));
        let shift = Shift {
            min_before: 14,
            ..shift(3, 40)
        };
        let level = start(&values, 56, 40, 28, 0.03, &shift).map(|s| s.level);
        assert!(level.is_some_and(|level| (level - 200.0_f64.ln()).abs() < 1e-9));
    }

    #[test]
    fn a_short_dip_is_no_change_of_level() {
        let mut values = vec![100.0; 50];
        for value in values.iter_mut().skip(45) {
            *value = 30.0;
        }
        let found = start(&values, 56, 50, 28, 0.03, &shift(2, 50)).map(|s| s.shift);
        assert_eq!(found, Some(None));
    }
}
