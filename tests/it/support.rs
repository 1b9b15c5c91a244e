//! Helpers shared by the integration tests: the PostgreSQL test server and
//! databases of a test's own.

pub mod pg;
