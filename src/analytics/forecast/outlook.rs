//! What the forecast knows at one instant, and what it expects: the daily
//! model fitted to cost, requests and tokens apart (so that a shift in the
//! model mix shows in cost), today's usage so far read as evidence of how
//! busy today is and of a fresh step up of the level (`recent`), the rest
//! of today by the hour-of-day profile of recent days, each later day, and
//! the 80 % band of any sum of them (its upper end reaching further by the
//! history's own burst days).
//! Numeric (`f64`) like the model; the caller converts to and from `Decimal`.

use super::model::{Fit, Kind, Params};

/// Two-sided 80 % normal quantile.
const Z80: f64 = 1.281_551_6;

/// Which method a forecast used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Weekday factors on a robust trend of the recent weeks.
    WeekdayTrend,
    /// The median of the given number (1 to 13) of complete days.
    ShortMedian(u32),
    /// No complete day yet: today's rate so far.
    TodayRate,
    /// No usage at all.
    NoData,
}

/// Amounts as the model sees them: cost, requests, tokens.
pub type Triple = [f64; 3];

/// What a forecast at one instant knows.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    /// Complete days before today, oldest first, ending yesterday (no gaps:
    /// days without usage are zeros); empty when the history starts today.
    pub days: &'a [Triple],
    /// Today up to now.
    pub today_so_far: Triple,
    /// Share of today's hours gone (DST days included).
    pub hours_gone: f64,
    /// Share of a day's usage that recent days had reached by this time of
    /// day, per amount, when known (the hour-of-day profile).
    pub usage_share: Option<Triple>,
}

/// The expected usage of the rest of today and of each later day.
#[derive(Debug, Clone)]
pub struct Outlook {
    /// How it was made.
    pub method: Method,
    fits: [Fit; 3],
    /// Share of today's usage still to come, per amount.
    today_left: Triple,
    /// Expected rest of today.
    rest_of_today: Triple,
    /// Today's rate over a whole day, when it is all there is to go by.
    daily_rate: Triple,
    band: (f64, f64, f64),
}

/// Expected amounts of some days ahead and their 80 % band.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sum {
    /// Expected amounts.
    pub point: Triple,
    /// How far below `point` the band reaches.
    pub below: Triple,
    /// How far above `point` the band reaches.
    pub above: Triple,
}

/// Relative spread of later days when only today's rate is known.
const RATE_SIGMA: f64 = 0.5;

impl Outlook {
    /// Fits the model to `inputs`.
    #[must_use]
    pub fn new(inputs: &Inputs<'_>, params: &Params) -> Self {
        let mut fits: [Fit; 3] = std::array::from_fn(|k| {
            let series: Vec<f64> = inputs.days.iter().map(|day| day[k]).collect();
            Fit::new(&series, params)
        });
        let any_usage = inputs.days.iter().any(|day| day.iter().any(|v| *v > 0.0))
            || inputs.today_so_far.iter().any(|v| *v > 0.0);
        let hours_gone = inputs.hours_gone.clamp(0.0, 1.0);
        let share: Triple = std::array::from_fn(|k| {
            inputs
                .usage_share
                .map_or(hours_gone, |share| share[k])
                .clamp(0.0, 1.0)
        });
        let today_left = share.map(|gone| 1.0 - gone);
        // Today's usage so far, read by the hour-of-day profile (by the
        // hours alone it would mistake a quiet morning for a quiet day).
        if let Some(profile) = inputs.usage_share {
            for (k, fit) in fits.iter_mut().enumerate() {
                fit.observe_today(inputs.today_so_far[k], profile[k], params);
            }
        }
        let method = if !any_usage {
            Method::NoData
        } else if fits[0].kind == Kind::WeekdayTrend {
            Method::WeekdayTrend
        } else if fits[0].days > 0 {
            Method::ShortMedian(u32::try_from(fits[0].days).unwrap_or(u32::MAX))
        } else {
            Method::TodayRate
        };
        // Today's rate, by the hours gone (a profile needs past days).
        let daily_rate: Triple = std::array::from_fn(|k| {
            if method == Method::TodayRate && hours_gone > 0.0 {
                inputs.today_so_far[k] / hours_gone
            } else {
                0.0
            }
        });
        let rest_of_today: Triple = std::array::from_fn(|k| match method {
            Method::NoData => 0.0,
            Method::TodayRate => daily_rate[k] * (1.0 - hours_gone),
            _ => fits[k].expected(1) * today_left[k],
        });
        Self {
            method,
            fits,
            today_left,
            rest_of_today,
            daily_rate,
            band: (params.band_scale, params.band_floor, params.band_bursts),
        }
    }

    /// Expected amounts of the day `ahead` days after today (0: the rest of today).
    #[must_use]
    pub fn day(&self, ahead: usize) -> Triple {
        if ahead == 0 {
            return self.rest_of_today;
        }
        std::array::from_fn(|k| match self.method {
            Method::NoData => 0.0,
            Method::TodayRate => self.daily_rate[k],
            _ => self.fits[k].expected(ahead + 1),
        })
    }

    /// The rest of today plus `days` later days: expected amounts, and how
    /// far below and above them their 80 % band reaches: the model's spread
    /// (day noise, its persistence, and the fit's uncertainty), widened above
    /// by the burst days and below by the dips this history has had, at their
    /// own rate and size.
    #[must_use]
    pub fn sum(&self, days: usize) -> Sum {
        let mut point = [0.0; 3];
        let expected: Vec<Triple> = (0..=days).map(|ahead| self.day(ahead)).collect();
        for day in &expected {
            for k in 0..3 {
                point[k] += day[k];
            }
        }
        let mut below = [0.0; 3];
        let mut above = [0.0; 3];
        for k in 0..3 {
            match self.method {
                Method::NoData => {}
                Method::TodayRate => {
                    below[k] = Z80 * RATE_SIGMA * point[k];
                    above[k] = below[k];
                }
                _ => {
                    // The model's full-day amounts; today's share is applied inside.
                    let fit = &self.fits[k];
                    let full: Vec<f64> = (0..=days).map(|ahead| fit.expected(ahead + 1)).collect();
                    let (scale, floor, burst_weight) = self.band;
                    let sd =
                        (scale * fit.sum_sd(&full, self.today_left[k])).hypot(floor * point[k]);
                    // Bursts: a compound Poisson count of excess amounts.
                    let (rate, size) = fit.bursts;
                    let squares: f64 = expected.iter().map(|day| day[k] * day[k]).sum();
                    let burst_mean = burst_weight * rate * size * point[k];
                    let burst_sd = burst_weight * (rate * size * size * squares).sqrt();
                    // Dips (holidays, outages) likewise below.
                    let (rate, size) = fit.dips;
                    let dip_mean = burst_weight * rate * size * point[k];
                    let dip_sd = burst_weight * (rate * size * size * squares).sqrt();
                    below[k] = dip_mean + Z80 * sd.hypot(dip_sd);
                    above[k] = burst_mean + Z80 * sd.hypot(burst_sd);
                }
            }
        }
        Sum {
            point,
            below,
            above,
        }
    }

    /// The fitted model of cost (0), requests (1) or tokens (2).
    #[must_use]
    pub fn fit(&self, which: usize) -> &Fit {
        &self.fits[which.min(2)]
    }
}

/// The share of a day's usage reached by this time of day on recent days:
/// per amount, the sum of the parts before it over the sum of the whole days.
#[must_use]
pub fn usage_share(samples: &[(Triple, Triple)]) -> Option<Triple> {
    let mut before = [0.0; 3];
    let mut whole = [0.0; 3];
    for (part, day) in samples {
        for k in 0..3 {
            if day[k] > 0.0 {
                before[k] += part[k].clamp(0.0, day[k]);
                whole[k] += day[k];
            }
        }
    }
    if whole.iter().any(|total| *total <= 0.0) {
        return None;
    }
    Some(std::array::from_fn(|k| before[k] / whole[k]))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 91 days around 100 (a small wobble), with every tenth day changed by `odd`.
    fn history(odd: f64) -> Vec<Triple> {
        let wobble = [1.0, 1.04, 0.97, 1.02, 0.98];
        (0..91)
            .map(|i| {
                let value = 100.0 * wobble[i % 5] * if i % 10 == 4 { odd } else { 1.0 };
                [value, value, value]
            })
            .collect()
    }

    fn band(odd: f64) -> Sum {
        let days = history(odd);
        let inputs = Inputs {
            days: &days,
            today_so_far: [50.0; 3],
            hours_gone: 0.5,
            usage_share: Some([0.5; 3]),
        };
        Outlook::new(&inputs, &Params::default()).sum(20)
    }

    #[test]
    fn bursts_widen_the_band_above_and_dips_below() {
        let plain = band(1.0);
        let bursts = band(3.0);
        let dips = band(0.2);
        // The expected amount ignores both: about 20.5 days of 100.
        for sum in [plain, bursts, dips] {
            assert!((sum.point[0] - 2050.0).abs() < 40.0, "{sum:?}");
        }
        assert!((plain.above[0] - plain.below[0]).abs() < 1e-9);
        assert!(bursts.above[0] > bursts.below[0] + 100.0, "{bursts:?}");
        assert!(dips.below[0] > dips.above[0] + 100.0, "{dips:?}");
    }

    #[test]
    fn today_rate_when_no_day_is_complete() {
        let inputs = Inputs {
            days: &[],
            today_so_far: [30.0, 3.0, 300.0],
            hours_gone: 0.25,
            usage_share: None,
        };
        let outlook = Outlook::new(&inputs, &Params::default());
        assert_eq!(outlook.method, Method::TodayRate);
        let sum = outlook.sum(2);
        // 90 for the rest of today and 120 for each of two days.
        assert!((sum.point[0] - 330.0).abs() < 1e-9);
        assert!((sum.below[0] - Z80 * RATE_SIGMA * 330.0).abs() < 1e-9);
    }
}
