//! The robust first estimate of the daily model, from medians only:
//! weekday factors (per weekday, the median share of the centred 7-day mean
//! around each day, which a trend does not tilt), a Theil-Sen slope of the
//! deseasonalised logs, the median level of the last weeks carried along
//! that slope, and a lasting change of level found in the residuals. It is
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
    /// The first day of a lasting change of level, if one was found.
    pub shift: Option<usize>,
    /// The first day the trend was fitted from.
    pub from: usize,
    /// Days the level rests on.
    pub level_support: usize,
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
/// `level_days`, the slope within `max_slope` and changes of level lasting
/// at least `shift_days` (0: none looked for) and at most `shift_max_days`,
/// `shift_score` standard errors apart.
#[must_use]
#[allow(clippy::too_many_arguments)] // the settings of `model::Params` it uses, by name
pub fn start(
    values: &[f64],
    season_days: usize,
    trend_days: usize,
    level_days: usize,
    max_slope: f64,
    shift_days: usize,
    shift_max_days: usize,
    shift_score: f64,
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
    let shift = level_shift(
        &window,
        end_level(&window, weekly, n, level_days),
        weekly,
        n,
        (shift_days, shift_max_days),
        shift_score,
    );
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
/// split (at least `min_after` and at most `max_after` days back, with a
/// week before it) whose days after differ from those before, in medians of
/// the residuals, by `min_score` standard errors or more, with most days
/// after on its side; of those, the one closest to both medians. A drop must last a week:
/// holidays are dips, not changes of level.
#[must_use]
pub fn level_shift(
    points: &[(usize, f64)],
    level: f64,
    slope: f64,
    n: usize,
    (min_after, max_after): (usize, usize),
    min_score: f64,
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
    for after in min_after.min(len - 7)..=max_after.min(len - 7) {
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
            && best.is_none_or(|(best_cost, _)| cost < best_cost)
        {
            best = Some((cost, split));
        }
    }
    best.map(|(_, split)| points[split].0)
}

#[cfg(test)]
mod tests {
    use super::*;

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
            start(&values, 56, 60, 28, 0.03, 2, 60, 3.5).unwrap_or_else(|| panic!("no start"));
        assert_eq!(start.shift, Some(30));
        assert!((start.level - 200.0_f64.ln()).abs() < 1e-9);
    }

    #[test]
    fn a_short_dip_is_no_change_of_level() {
        let mut values = vec![100.0; 50];
        for value in values.iter_mut().skip(45) {
            *value = 30.0;
        }
        let found = start(&values, 56, 50, 28, 0.03, 2, 50, 3.5).map(|s| s.shift);
        assert_eq!(found, Some(None));
    }
}
