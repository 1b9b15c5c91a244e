//! The cache file's layout: its tables as numbered steps of the one schema
//! runner (`store::migrate`), and what empties a file of another layout.

use crate::store::migrate::{Migration, Schema};

/// The cache's tables, as steps of the schema runner every usagetop schema
/// goes through (`store::migrate`), recorded in the file's own ledger. A step
/// is added when the tables change. A file of another layout (another
/// `schema` in `meta`) is emptied first and built anew: the cache holds
/// nothing that cannot be rebuilt, so the steps only ever run on an empty
/// file (or find their tables there). The steps start at 2: layout 1 was
/// written before the ledger existed.
pub(super) const SCHEMA: Schema = Schema {
    ledger: "cache_migrations",
    steps: &[
        Migration {
            version: 2,
            description: "slots, zones, checks, days",
            sql: "
CREATE TABLE IF NOT EXISTS slots (
    slot INTEGER NOT NULL, model TEXT NOT NULL, estimated INTEGER NOT NULL,
    requests INTEGER NOT NULL, input INTEGER NOT NULL, output INTEGER NOT NULL,
    cache_read INTEGER NOT NULL, cache_write INTEGER NOT NULL, cost INTEGER,
    kept INTEGER NOT NULL, rejected INTEGER NOT NULL, adjusted INTEGER NOT NULL,
    first_ts INTEGER, last_ts INTEGER,
    PRIMARY KEY (slot, model, estimated)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS zones (zone TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS checks (day INTEGER PRIMARY KEY, verified_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS days (
    zone TEXT NOT NULL, day INTEGER NOT NULL, model TEXT NOT NULL, estimated INTEGER NOT NULL,
    requests INTEGER NOT NULL, input INTEGER NOT NULL, output INTEGER NOT NULL,
    cache_read INTEGER NOT NULL, cache_write INTEGER NOT NULL, cost INTEGER,
    PRIMARY KEY (zone, day, model, estimated)) WITHOUT ROWID;
",
        },
        // The 1-hour part of the cache writes (priced at its own rate) in
        // the slots and days. The tables are made anew, empty, with the
        // build facts and checks: run again on a file whose ledger was lost,
        // the step leaves an empty cache that is built from the source,
        // never sums without their 1-hour part.
        Migration {
            version: 3,
            description: "1-hour cache writes in slots and days",
            sql: "
DROP TABLE IF EXISTS slots;
DROP TABLE IF EXISTS days;
CREATE TABLE slots (
    slot INTEGER NOT NULL, model TEXT NOT NULL, estimated INTEGER NOT NULL,
    requests INTEGER NOT NULL, input INTEGER NOT NULL, output INTEGER NOT NULL,
    cache_read INTEGER NOT NULL, cache_write INTEGER NOT NULL,
    cache_write_1h INTEGER NOT NULL, cost INTEGER,
    kept INTEGER NOT NULL, rejected INTEGER NOT NULL, adjusted INTEGER NOT NULL,
    first_ts INTEGER, last_ts INTEGER,
    PRIMARY KEY (slot, model, estimated)) WITHOUT ROWID;
CREATE TABLE days (
    zone TEXT NOT NULL, day INTEGER NOT NULL, model TEXT NOT NULL, estimated INTEGER NOT NULL,
    requests INTEGER NOT NULL, input INTEGER NOT NULL, output INTEGER NOT NULL,
    cache_read INTEGER NOT NULL, cache_write INTEGER NOT NULL,
    cache_write_1h INTEGER NOT NULL, cost INTEGER,
    PRIMARY KEY (zone, day, model, estimated)) WITHOUT ROWID;
DELETE FROM checks;
DELETE FROM meta WHERE key <> 'schema';
",
        },
    ],
};

/// Drops the tables of another layout (and the record of their steps).
pub(super) const DROP_OLD: &str = "DROP TABLE IF EXISTS slots; DROP TABLE IF EXISTS days; \
                        DROP TABLE IF EXISTS zones; DROP TABLE IF EXISTS checks; \
                        DROP TABLE IF EXISTS cache_migrations; DELETE FROM meta;";
