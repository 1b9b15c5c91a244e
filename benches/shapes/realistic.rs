//! Usage shaped like real traffic, generated reproducibly: volume growing
//! threefold over the days, a weekday and an hour-of-day rhythm, burst days
//! of 2.5 to 5 times the usual, 250 users picked with Zipf popularity, and 8
//! models whose mix drifts (a new model takes over from an old one). Rows
//! come in time order, as a gateway appends them.

/// One event.
pub struct Event {
    pub ts: i64,
    pub user: u32,
    pub model: usize,
    pub input: i64,
    pub output: i64,
    pub cache_read: i64,
    pub cache_write: i64,
}

/// SplitMix64: the same numbers on every machine.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1_u64 << 53) as f64
    }

    /// Picks an index from cumulative weights ending at 1.
    fn pick(&mut self, cumulative: &[f64]) -> usize {
        let x = self.unit();
        cumulative
            .iter()
            .position(|edge| x < *edge)
            .unwrap_or(cumulative.len() - 1)
    }
}

fn cumulative(weights: &[f64]) -> Vec<f64> {
    let total: f64 = weights.iter().sum();
    let mut sum = 0.0;
    weights
        .iter()
        .map(|weight| {
            sum += weight / total;
            sum
        })
        .collect()
}

/// Weekday factors, Monday first: busy weekdays, quiet weekends.
const WEEKDAY: [f64; 7] = [1.15, 1.2, 1.2, 1.15, 1.0, 0.45, 0.35];

/// Requests per hour of the day (UTC), a working-day curve.
const HOURS: [f64; 24] = [
    0.2, 0.15, 0.1, 0.1, 0.15, 0.3, 0.6, 1.0, 1.6, 2.1, 2.3, 2.2, 1.8, 2.0, 2.3, 2.2, 2.0, 1.6,
    1.2, 0.9, 0.7, 0.5, 0.4, 0.3,
];

/// Calls `emit` with `rows` events over `days` days ending at `end` (unix
/// seconds), in time order.
pub fn generate(rows: i64, days: i64, end: i64, seed: u64, mut emit: impl FnMut(Event)) {
    let mut random = Random(seed);
    let start = end - days * 86_400;
    // Day weights: growth, weekday, and a burst day about every 23 days.
    let weights: Vec<f64> = (0..days)
        .map(|day| {
            let growth = 1.0 + 2.0 * day as f64 / days as f64;
            let weekday = WEEKDAY[usize::try_from((day + 3) % 7).unwrap_or(0)];
            let burst = if random.next().is_multiple_of(23) {
                2.5 + 2.5 * random.unit()
            } else {
                1.0
            };
            let noise = 0.85 + 0.3 * random.unit();
            growth * weekday * burst * noise
        })
        .collect();
    let total: f64 = weights.iter().sum();
    let users = cumulative(
        &(1..=250)
            .map(|rank| 1.0 / f64::from(rank))
            .collect::<Vec<_>>(),
    );
    let hours = cumulative(&HOURS);
    let mut emitted = 0_i64;
    let mut carry = 0.0;
    for (day, weight) in weights.iter().enumerate() {
        let day = i64::try_from(day).unwrap_or(0);
        let exact = rows as f64 * weight / total + carry;
        let mut count = exact.floor() as i64;
        carry = exact - count as f64;
        if day == days - 1 {
            count = rows - emitted;
        }
        // The model mix drifts: model 7 fades out as model 6 (new) grows.
        let progress = day as f64 / days as f64;
        let mix = cumulative(&[
            3.0,
            2.0,
            1.5,
            1.2,
            0.8 + progress,
            0.6,
            0.05 + 1.5 * progress,
            1.2 * (1.0 - progress) + 0.01,
        ]);
        let mut seconds: Vec<i64> = (0..count)
            .map(|_| {
                let hour = i64::try_from(random.pick(&hours)).unwrap_or(0);
                hour * 3_600 + i64::try_from(random.next() % 3_600).unwrap_or(0)
            })
            .collect();
        seconds.sort_unstable();
        for second in seconds {
            let model = random.pick(&mix);
            let size = 1.0 + 9.0 * random.unit() * random.unit();
            let input = (200.0 * size) as i64 + i64::try_from(random.next() % 50).unwrap_or(0);
            emit(Event {
                ts: start + day * 86_400 + second,
                user: u32::try_from(random.pick(&users)).unwrap_or(0),
                model,
                input,
                output: input / 4 + i64::try_from(random.next() % 100).unwrap_or(0),
                cache_read: if random.next().is_multiple_of(3) {
                    input * 3
                } else {
                    0
                },
                cache_write: if random.next().is_multiple_of(17) {
                    input
                } else {
                    0
                },
            });
            emitted += 1;
        }
    }
}
