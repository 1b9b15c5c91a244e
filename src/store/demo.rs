//! Demo data: a deterministic generator of realistic usage (weekday and
//! hour-of-day rhythm, growth, a few spikes, models of three providers with
//! cache reads and writes) and the writer that puts it into usagetop's own
//! SQLite database, refusing a database that already holds events.

use std::path::Path;

use chrono::{DateTime, Datelike, Duration, Timelike, Utc, Weekday};
use sqlx::AssertSqlSafe;

use super::sqlite::SqliteStore;
use super::StoreError;
use crate::period::Calendar;

/// One generated request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoEvent {
    /// Unix seconds.
    pub ts: i64,
    /// Who made it.
    pub user_id: &'static str,
    /// Model name as a gateway would log it.
    pub model: &'static str,
    /// API endpoint.
    pub endpoint: &'static str,
    /// Input tokens, cache excluded.
    pub input_tokens: i64,
    /// Output tokens.
    pub output_tokens: i64,
    /// Cache reads.
    pub cache_read_tokens: i64,
    /// Cache writes.
    pub cache_write_tokens: i64,
}

/// A small, fast, seedable generator (`SplitMix64`): demo data must be the
/// same for the same seed on every machine.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    #[allow(clippy::cast_precision_loss)]
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [low, high].
    #[allow(clippy::cast_possible_truncation)]
    fn between(&mut self, low: i64, high: i64) -> i64 {
        let span = (high - low + 1).max(1).unsigned_abs();
        low + i64::try_from(self.next() % span).unwrap_or(0)
    }
}

/// Provider families: how their token counts look.
#[derive(Clone, Copy)]
enum Family {
    Anthropic,
    OpenAi,
    Google,
}

/// (model, share of requests, family, endpoint)
const MODELS: &[(&str, f64, Family, &str)] = &[
    (
        "claude-sonnet-4-5-20250929",
        0.30,
        Family::Anthropic,
        "/v1/messages",
    ),
    ("claude-haiku-4-5", 0.14, Family::Anthropic, "/v1/messages"),
    (
        "claude-opus-4-1-20250805",
        0.03,
        Family::Anthropic,
        "/v1/messages",
    ),
    (
        "gpt-4o-2024-08-06",
        0.17,
        Family::OpenAi,
        "/v1/chat/completions",
    ),
    ("gpt-4o-mini", 0.20, Family::OpenAi, "/v1/chat/completions"),
    ("gpt-5", 0.06, Family::OpenAi, "/v1/responses"),
    (
        "gemini-2.5-flash",
        0.08,
        Family::Google,
        "/v1beta/generateContent",
    ),
    (
        "acme-llama-70b-internal",
        0.02,
        Family::OpenAi,
        "/v1/chat/completions",
    ),
];

const USERS: &[&str] = &[
    "alice",
    "bob",
    "carol",
    "dave",
    "svc-batch",
    "svc-support-bot",
];

/// Requests per hour at the busiest hour of a weekday, at the end of the range.
const PEAK_PER_HOUR: f64 = 40.0;

fn hour_factor(hour: u32) -> f64 {
    const SHAPE: [f64; 24] = [
        0.10, 0.07, 0.05, 0.05, 0.05, 0.08, 0.15, 0.30, 0.60, 0.85, 1.00, 0.95, //
        0.80, 0.90, 1.00, 0.95, 0.85, 0.70, 0.50, 0.40, 0.35, 0.30, 0.20, 0.15,
    ];
    SHAPE[usize::try_from(hour).unwrap_or(0) % 24]
}

fn weekday_factor(weekday: Weekday) -> f64 {
    match weekday {
        Weekday::Sat => 0.30,
        Weekday::Sun => 0.25,
        Weekday::Mon => 0.95,
        Weekday::Fri => 0.85,
        _ => 1.0,
    }
}

/// Generates `days` days of usage ending at `end`, deterministic for `seed`.
#[must_use]
#[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
pub fn generate(seed: u64, days: u32, end: DateTime<Utc>, calendar: &Calendar) -> Vec<DemoEvent> {
    let mut rng = SplitMix(seed ^ 0x005E_ED0F_DA7A);
    let start = end - Duration::days(i64::from(days));
    let first_day = calendar.local_date(start);
    // A few spike days, chosen by the seed.
    let spikes: Vec<u64> = (0..(days / 20).max(1))
        .map(|_| rng.next() % u64::from(days.max(1)))
        .collect();
    let mut events = Vec::new();
    let mut hour_start = start - Duration::seconds(start.timestamp().rem_euclid(3600));
    while hour_start < end {
        let local = hour_start.with_timezone(&calendar.tz());
        let day_index = (local.date_naive() - first_day)
            .num_days()
            .max(0)
            .unsigned_abs();
        let growth = 0.55 + 0.45 * (day_index as f64 / f64::from(days.max(1)));
        let spike = if spikes.contains(&day_index) {
            3.0
        } else {
            1.0
        };
        let expected = PEAK_PER_HOUR
            * growth
            * spike
            * hour_factor(local.hour())
            * weekday_factor(local.weekday());
        let count = (expected * (0.6 + 0.8 * rng.unit())).round() as i64;
        for _ in 0..count {
            let ts = hour_start.timestamp() + rng.between(0, 3599);
            if ts < start.timestamp() || ts >= end.timestamp() {
                continue;
            }
            events.push(event_at(ts, &mut rng));
        }
        hour_start += Duration::hours(1);
    }
    events.sort_by_key(|event| event.ts);
    events
}

#[allow(clippy::cast_possible_truncation)]
fn event_at(ts: i64, rng: &mut SplitMix) -> DemoEvent {
    let mut pick = rng.unit();
    let mut chosen = MODELS[0];
    for model in MODELS {
        if pick < model.1 {
            chosen = *model;
            break;
        }
        pick -= model.1;
    }
    let (model, _, family, endpoint) = chosen;
    let prompt = rng.between(300, 4_000) * if rng.unit() < 0.1 { 6 } else { 1 };
    let output_tokens = rng.between(40, 1_200);
    let (input_tokens, cache_read_tokens, cache_write_tokens) = match family {
        Family::Anthropic => {
            let roll = rng.unit();
            if roll < 0.55 {
                (prompt / 4, rng.between(2_000, 24_000), 0)
            } else if roll < 0.70 {
                (prompt / 4, 0, rng.between(1_500, 8_000))
            } else {
                (prompt, 0, 0)
            }
        }
        Family::OpenAi => {
            if rng.unit() < 0.4 {
                let cached = (prompt / 128) * 64;
                (prompt - cached, cached, 0)
            } else {
                (prompt, 0, 0)
            }
        }
        Family::Google => (prompt, 0, 0),
    };
    let user_id = USERS[usize::try_from(rng.next() % USERS.len() as u64).unwrap_or(0)];
    DemoEvent {
        ts,
        user_id,
        model,
        endpoint,
        input_tokens,
        output_tokens,
        cache_read_tokens,
        cache_write_tokens,
    }
}

/// Rows per INSERT statement.
const BATCH: usize = 100;

/// Writes `events` into usagetop's own database at `path`, creating it when
/// missing. Refuses a database that already holds events unless `replace`,
/// which deletes them first. Returns the number of rows written.
///
/// # Errors
/// A database usagetop did not create, one that already holds events, a write failure.
pub async fn write(path: &Path, events: &[DemoEvent], replace: bool) -> Result<u64, StoreError> {
    let url = format!("sqlite://{}", path.display());
    let write_error = |what: &'static str| {
        let url = url.clone();
        move |error: sqlx::Error| StoreError::write(what, &url, &error)
    };
    let pool = SqliteStore::open_writable(path).await?;
    let (existing,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM usage_events")
        .fetch_one(&pool)
        .await
        .map_err(write_error("counting existing events"))?;
    if existing > 0 && !replace {
        pool.close().await;
        return Err(StoreError::Refused(format!(
            "{url} already holds {existing} events; usagetop demo will not mix demo data into them. \
             Pass --force to delete them and write demo data, or give another --database-url"
        )));
    }
    let mut tx = pool
        .begin()
        .await
        .map_err(write_error("starting a transaction"))?;
    sqlx::query("DELETE FROM usage_events")
        .execute(&mut *tx)
        .await
        .map_err(write_error("clearing old events"))?;
    let mut written = 0u64;
    for chunk in events.chunks(BATCH) {
        let placeholders = vec!["(?, ?, ?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ");
        let sql = format!(
            "INSERT INTO usage_events (ts, user_id, model, endpoint, input_tokens, output_tokens, \
             cache_read_tokens, cache_write_tokens) VALUES {placeholders}"
        );
        // Only placeholders are formatted into this statement; every value is bound.
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for event in chunk {
            query = query
                .bind(event.ts)
                .bind(event.user_id)
                .bind(event.model)
                .bind(event.endpoint)
                .bind(event.input_tokens)
                .bind(event.output_tokens)
                .bind(event.cache_read_tokens)
                .bind(event.cache_write_tokens);
        }
        written += query
            .execute(&mut *tx)
            .await
            .map_err(write_error("inserting demo events"))?
            .rows_affected();
    }
    tx.commit()
        .await
        .map_err(write_error("committing demo events"))?;
    pool.close().await;
    Ok(written)
}

/// The newest event in usagetop's own database at `path`, or `None` when the
/// file is missing, empty, or not usagetop's.
///
/// # Errors
/// The file exists but cannot be read.
pub async fn newest_event(path: &Path) -> Result<Option<DateTime<Utc>>, StoreError> {
    if !path.exists() {
        return Ok(None);
    }
    let pool = SqliteStore::open_writable(path).await?;
    let newest: Result<(Option<i64>,), sqlx::Error> =
        sqlx::query_as("SELECT MAX(ts) FROM usage_events")
            .fetch_one(&pool)
            .await;
    pool.close().await;
    let (newest,) = newest.map_err(|error| {
        StoreError::query(
            "the newest demo event",
            &format!("sqlite://{}", path.display()),
            &error,
        )
    })?;
    Ok(newest.and_then(|seconds| DateTime::from_timestamp(seconds, 0)))
}
