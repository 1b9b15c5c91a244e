-- usagetop's own schema: one row per API request.
-- input_tokens excludes cache reads and writes (Anthropic-style counts).
CREATE TABLE IF NOT EXISTS usage_events (
    id                 INTEGER PRIMARY KEY,
    ts                 INTEGER NOT NULL,              -- unix seconds, UTC
    user_id            TEXT,
    model              TEXT    NOT NULL,
    endpoint           TEXT,
    input_tokens       INTEGER NOT NULL DEFAULT 0,
    output_tokens      INTEGER NOT NULL DEFAULT 0,
    cache_read_tokens  INTEGER NOT NULL DEFAULT 0,
    cache_write_tokens INTEGER NOT NULL DEFAULT 0
);

-- Every query is a range on ts grouped by (day, model).
CREATE INDEX IF NOT EXISTS usage_events_ts ON usage_events (ts);
