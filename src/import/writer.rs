//! Stores imported events in `usage_events` under their source keys: an
//! event already stored is kept, unless the new one is bigger (for agents'
//! logs: more output tokens, the final line of a streamed message beats its
//! placeholders; for usage-report buckets: more requests and tokens, the
//! current day's bucket grows). Rows go through the table's triggers, so
//! `usage_slots` stays right.

use std::collections::HashMap;

use sqlx::query_builder::QueryBuilder;
use sqlx::{Sqlite, SqliteConnection};

use super::{database, Event, ImportError};

/// Rows per statement (16 values each, well under SQLite's bound-value limit).
const ROWS: usize = 100;

/// The number of events in the table.
///
/// # Errors
/// The database cannot be read.
pub async fn count(conn: &mut SqliteConnection) -> Result<i64, ImportError> {
    let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM usage_events")
        .fetch_one(conn)
        .await
        .map_err(database("counting events"))?;
    Ok(count)
}

/// Which of two events with the same key is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bigger {
    /// The one with more output tokens (a streamed message's final line).
    Output,
    /// The one with more requests and tokens in all (a bucket that grew).
    Total,
}

impl Bigger {
    fn size(self, event: &Event) -> i128 {
        match self {
            Self::Output => i128::from(event.output),
            Self::Total => [
                event.requests,
                event.input,
                event.output,
                event.cache_read,
                event.cache_write,
            ]
            .into_iter()
            .map(i128::from)
            .sum(),
        }
    }

    /// The SQL test of the `ON CONFLICT` update: the new row is bigger.
    fn condition(self) -> &'static str {
        match self {
            Self::Output => "excluded.output_tokens > usage_events.output_tokens",
            Self::Total => {
                "excluded.requests + excluded.input_tokens + excluded.output_tokens \
                 + excluded.cache_read_tokens + excluded.cache_write_tokens \
                 > usage_events.requests + usage_events.input_tokens + usage_events.output_tokens \
                 + usage_events.cache_read_tokens + usage_events.cache_write_tokens"
            }
        }
    }
}

/// Of the events with the same key, the biggest (the first of equals), in
/// their order.
fn winners(events: &[Event], bigger: Bigger) -> Vec<&Event> {
    let mut best: HashMap<&str, usize> = HashMap::with_capacity(events.len());
    let mut kept: Vec<&Event> = Vec::with_capacity(events.len());
    for event in events {
        if event.key.is_empty() {
            kept.push(event);
            continue;
        }
        match best.get(event.key.as_str()) {
            Some(&at) => {
                if bigger.size(event) > bigger.size(kept[at]) {
                    kept[at] = event;
                }
            }
            None => {
                best.insert(event.key.as_str(), kept.len());
                kept.push(event);
            }
        }
    }
    kept
}

/// Writes `events` of `source` read from the file `file`; returns the rows
/// inserted or updated.
///
/// # Errors
/// The database refuses a statement.
pub async fn write(
    conn: &mut SqliteConnection,
    source: &str,
    file: Option<i64>,
    events: &[Event],
    bigger: Bigger,
) -> Result<u64, ImportError> {
    let mut changed = 0;
    let kept = winners(events, bigger);
    let mut rest = kept.as_slice();
    while !rest.is_empty() {
        // Statements of three lengths only: SQLite keeps each prepared one.
        let length = [ROWS, 10, 1]
            .into_iter()
            .find(|length| *length <= rest.len())
            .unwrap_or(1);
        let (chunk, after) = rest.split_at(length);
        rest = after;
        let mut builder: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO usage_events (ts, model, input_tokens, output_tokens, cache_read_tokens, \
             cache_write_tokens, cache_write_1h_tokens, source, source_key, project, session, \
             user_id, endpoint, cost_usd, import_file, requests) ",
        );
        builder.push_values(chunk, |mut row, event| {
            row.push_bind(event.ts)
                .push_bind(event.model.as_str())
                .push_bind(event.input)
                .push_bind(event.output)
                .push_bind(event.cache_read)
                .push_bind(event.cache_write)
                .push_bind(event.cache_write_1h)
                .push_bind(source)
                .push_bind((!event.key.is_empty()).then_some(event.key.as_str()))
                .push_bind(event.project.as_deref())
                .push_bind(event.session.as_deref())
                .push_bind(event.user.as_deref())
                .push_bind(event.endpoint.as_deref())
                .push_bind(event.cost_usd)
                .push_bind(file)
                .push_bind(event.requests);
        });
        builder.push(
            " ON CONFLICT (source_key) DO UPDATE SET ts = excluded.ts, model = excluded.model, \
             input_tokens = excluded.input_tokens, output_tokens = excluded.output_tokens, \
             cache_read_tokens = excluded.cache_read_tokens, \
             cache_write_tokens = excluded.cache_write_tokens, \
             cache_write_1h_tokens = excluded.cache_write_1h_tokens, project = excluded.project, \
             session = excluded.session, user_id = excluded.user_id, \
             endpoint = excluded.endpoint, cost_usd = excluded.cost_usd, \
             import_file = excluded.import_file, requests = excluded.requests WHERE ",
        );
        builder.push(bigger.condition());
        changed += builder
            .build()
            .execute(&mut *conn)
            .await
            .map_err(database("storing imported events"))?
            .rows_affected();
    }
    Ok(changed)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn event(key: &str, output: i64) -> Event {
        Event {
            ts: 0,
            model: "m".into(),
            key: key.into(),
            input: 1,
            output,
            cache_read: 0,
            cache_write: 0,
            cache_write_1h: 0,
            project: None,
            session: None,
            user: None,
            endpoint: None,
            requests: 1,
            cost_usd: None,
        }
    }

    #[test]
    fn the_largest_output_of_a_key_wins() {
        let events = [
            event("a", 1),
            event("b", 5),
            event("a", 9),
            event("", 2),
            event("a", 3),
            event("", 2),
        ];
        let kept: Vec<(&str, i64)> = winners(&events, Bigger::Output)
            .into_iter()
            .map(|e| (e.key.as_str(), e.output))
            .collect();
        assert_eq!(kept, vec![("a", 9), ("b", 5), ("", 2), ("", 2)]);
    }
}
