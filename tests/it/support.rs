//! Helpers shared by the integration tests: the PostgreSQL test server and
//! databases of a test's own, and the binary run in a sandbox.

pub mod clickhouse;
pub mod mysql;
pub mod pg;
pub mod sandbox;
