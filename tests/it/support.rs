//! Helpers shared by the integration tests: the PostgreSQL, MariaDB and
//! ClickHouse test servers and databases of a test's own, what the tests
//! comparing an engine's reports with SQLite's share (`reports`), and the
//! binary run in a sandbox.

pub mod clickhouse;
pub mod mysql;
pub mod pg;
pub mod reports;
pub mod sandbox;
