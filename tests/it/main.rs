//! The integration tests: one test binary (one link of sqlx, ratatui and tokio),
//! one module per area, helpers shared through `support`. The PostgreSQL restart
//! and soak tests are binaries of their own (they must not run beside others).

#![allow(clippy::unwrap_used, clippy::expect_used)]
// Tests start the binary and helper programs and listen as fake webhooks,
// which clippy.toml forbids usagetop's own code.
#![allow(clippy::disallowed_types)]

mod support;

mod alerts;
mod app;
mod as_of;
mod backtest_cli;
mod cache;
mod cache_cli;
mod cache_write_1h;
mod cli;
mod cli_output;
mod clickhouse_current;
mod clickhouse_langfuse;
mod dimensions;
mod e2e_pty;
mod engines_agree;
mod features;
mod forecast;
mod fuzz;
mod headless;
mod hostile;
mod import;
mod layers;
mod period;
mod plan;
mod pricing;
mod properties;
mod properties_store;
mod real_tables;
mod reports;
mod security;
mod sql_builder;
mod store_clickhouse;
mod store_clickhouse_stream;
mod store_mysql;
mod store_postgres;
mod store_sqlite;
mod ui_snapshots;
