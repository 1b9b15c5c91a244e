//! PostgreSQL for the report benchmark: usagetop's own table (timestamptz,
//! B-tree on the timestamp) filled by `generate_series` for the uniform
//! shape, or an application's table loaded with COPY for the realistic one.

use chrono::DateTime;
use sqlx::{AssertSqlSafe, Connection};

use crate::{realistic, Shape, DAYS, END, MODELS};

/// Realistically shaped rows in a PostgreSQL table of the application's
/// own (timestamptz, B-tree on the timestamp only), loaded with COPY.
async fn pg_realistic(url: &str, rows: i64) {
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    sqlx::raw_sql(
        "CREATE TABLE usage_events (id BIGSERIAL PRIMARY KEY, ts TIMESTAMPTZ NOT NULL, user_id TEXT, \
         model TEXT NOT NULL, endpoint TEXT, input_tokens BIGINT NOT NULL DEFAULT 0, \
         output_tokens BIGINT NOT NULL DEFAULT 0, cache_read_tokens BIGINT NOT NULL DEFAULT 0, \
         cache_write_tokens BIGINT NOT NULL DEFAULT 0)",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    let mut text = String::new();
    let mut chunks: Vec<String> = Vec::new();
    realistic::generate(rows, DAYS, END, 7, |event| {
        use std::fmt::Write as _;
        let _ = writeln!(
            text,
            "{}\tu{}\t{}\t/v1/messages\t{}\t{}\t{}\t{}",
            DateTime::from_timestamp(event.ts, 0).unwrap().to_rfc3339(),
            event.user,
            MODELS[event.model],
            event.input,
            event.output,
            event.cache_read,
            event.cache_write
        );
        if text.len() > 8_000_000 {
            chunks.push(std::mem::take(&mut text));
        }
    });
    chunks.push(text);
    for chunk in chunks {
        let mut copy = conn
            .copy_in_raw(
                "COPY usage_events (ts, user_id, model, endpoint, input_tokens, output_tokens, \
                 cache_read_tokens, cache_write_tokens) FROM STDIN",
            )
            .await
            .unwrap();
        copy.send(chunk.as_bytes()).await.unwrap();
        copy.finish().await.unwrap();
    }
    // Two statements: VACUUM cannot run inside the implicit transaction of
    // a multi-statement query.
    sqlx::raw_sql("CREATE INDEX usage_events_ts ON usage_events (ts)")
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::raw_sql("VACUUM ANALYZE usage_events")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
}

pub async fn pg_fixture(admin: &str, rows: i64, shape: Shape) -> String {
    let mut conn = sqlx::PgConnection::connect(admin).await.unwrap();
    sqlx::raw_sql("DROP DATABASE IF EXISTS usagetop_bench WITH (FORCE)")
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::raw_sql("CREATE DATABASE usagetop_bench")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    let options: sqlx::postgres::PgConnectOptions = admin.parse().unwrap();
    let url = format!(
        "postgres://{}@{}:{}/usagetop_bench",
        options.get_username(),
        options.get_host(),
        options.get_port()
    );
    if shape == Shape::Realistic {
        pg_realistic(&url, rows).await;
        return url;
    }
    let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
    sqlx::raw_sql(include_str!(
        "../../migrations/postgres/0001_usage_events.sql"
    ))
    .execute(&mut conn)
    .await
    .unwrap();
    let models = MODELS
        .iter()
        .map(|m| format!("'{m}'"))
        .collect::<Vec<_>>()
        .join(",");
    let insert = format!(
        "INSERT INTO usage_events (ts, user_id, model, endpoint, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens)
         SELECT to_timestamp({start} + (g * {span}::bigint) / {rows}), 'u' || (g % 50), (ARRAY[{models}])[1 + g % 8],
                '/v1/messages', 100 + (g * 7919::bigint) % 3900, 10 + (g * 104729::bigint) % 990, (g * 31) % 5000, (g * 17) % 300
         FROM generate_series(0, {rows} - 1) AS g",
        start = END - DAYS * 86_400,
        span = DAYS * 86_400,
    );
    sqlx::raw_sql(AssertSqlSafe(insert))
        .execute(&mut conn)
        .await
        .unwrap();
    // What autovacuum does to a real table: statistics, and the BRIN
    // index's summaries of the pages just written.
    sqlx::raw_sql("VACUUM ANALYZE usage_events")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    url
}
