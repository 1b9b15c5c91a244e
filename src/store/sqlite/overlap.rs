//! One provider's usage from two kinds of source for the same days, in
//! usagetop's own database: a provider's usage report (`openai-usage`,
//! `anthropic-usage`) and the agents' logs or other events of that
//! provider's models (Claude Code used with an API key is in both). The
//! report counts them both; this says so, per provider, with the days.
//! The report's days come from a partial index of report rows
//! (migration 0004), the other events from a `ts` range of those days.

use std::collections::{BTreeMap, BTreeSet};

use sqlx::SqlitePool;

/// A provider whose usage report usagetop imports.
struct Provider {
    name: &'static str,
    source: &'static str,
    /// A SQLite predicate on `model` for the provider's models.
    models: &'static str,
}

const PROVIDERS: [Provider; 2] = [
    Provider {
        name: "Anthropic",
        source: "anthropic-usage",
        models: "lower(model) GLOB '*claude*'",
    },
    Provider {
        name: "OpenAI",
        source: "openai-usage",
        models: "(lower(model) GLOB 'gpt*' OR lower(model) GLOB 'o[1-9]*' \
                 OR lower(model) GLOB '*codex*' OR lower(model) GLOB 'chatgpt*' \
                 OR lower(model) GLOB 'openai/*')",
    },
];

const DAY: i64 = 86_400;

fn date(day: i64) -> String {
    chrono::DateTime::from_timestamp(day * DAY, 0)
        .map(|at| at.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// The note for one provider: the report's days that other sources cover too.
fn note(provider: &str, report: &str, others: &BTreeMap<String, BTreeSet<i64>>) -> Option<String> {
    let all: BTreeSet<i64> = others.values().flatten().copied().collect();
    let (first, last) = (all.first()?, all.last()?);
    let names: Vec<&str> = others.keys().map(String::as_str).collect();
    let span = if first == last {
        format!("on {}", date(*first))
    } else {
        format!(
            "on {} days from {} to {}",
            all.len(),
            date(*first),
            date(*last)
        )
    };
    Some(format!(
        "{provider} usage comes from two kinds of source {span}: {report} and {}; the same \
         requests may be counted twice (filter or break down by source: [source] endpoint = \"source\")",
        names.join(", ")
    ))
}

/// The notes of a database with a `source` column; none when it has none.
pub async fn notes(pool: &SqlitePool) -> Vec<String> {
    let mut notes = Vec::new();
    for provider in &PROVIDERS {
        // The report's UTC days (the partial index holds only report rows).
        let days: Result<Vec<(i64,)>, _> = sqlx::query_as(
            "SELECT DISTINCT (ts + 86400000000) / 86400 - 1000000 FROM usage_events \
             WHERE source IN ('openai-usage', 'anthropic-usage') AND source = ?",
        )
        .bind(provider.source)
        .fetch_all(pool)
        .await;
        let Ok(days) = days else {
            return Vec::new();
        };
        let days: BTreeSet<i64> = days.into_iter().map(|(day,)| day).collect();
        let (Some(first), Some(last)) = (days.first(), days.last()) else {
            continue;
        };
        let sql = format!(
            "SELECT COALESCE(source, '(not imported)'), (ts + 86400000000) / 86400 - 1000000 \
             FROM usage_events \
             WHERE ts >= ? AND ts < ? AND (source IS NULL OR source NOT IN ('openai-usage', 'anthropic-usage')) \
             AND {} GROUP BY 1, 2",
            provider.models
        );
        let rows: Result<Vec<(String, i64)>, _> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(first * DAY)
            .bind((last + 1) * DAY)
            .fetch_all(pool)
            .await;
        let Ok(rows) = rows else {
            continue;
        };
        let mut others: BTreeMap<String, BTreeSet<i64>> = BTreeMap::new();
        for (source, day) in rows {
            if days.contains(&day) {
                others.entry(source).or_default().insert(day);
            }
        }
        notes.extend(note(provider.name, provider.source, &others));
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_note_names_both_sources_and_the_days() {
        let mut others = BTreeMap::new();
        others.insert(
            "claude-code".to_owned(),
            BTreeSet::from([1_795_132_800 / DAY, 1_795_219_200 / DAY]),
        );
        let text = note("Anthropic", "anthropic-usage", &others);
        assert_eq!(
            text.as_deref(),
            Some(
                "Anthropic usage comes from two kinds of source on 2 days from 2026-11-20 to \
                 2026-11-21: anthropic-usage and claude-code; the same requests may be counted \
                 twice (filter or break down by source: [source] endpoint = \"source\")"
            )
        );
        assert_eq!(note("OpenAI", "openai-usage", &BTreeMap::new()), None);
    }
}
