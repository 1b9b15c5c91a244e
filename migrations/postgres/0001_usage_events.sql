-- usagetop's own schema on PostgreSQL (created only by `usagetop demo`):
-- one row per API request; input_tokens excludes cache reads and writes.
CREATE TABLE IF NOT EXISTS usage_events (
    id                 BIGSERIAL   PRIMARY KEY,
    ts                 TIMESTAMPTZ NOT NULL,
    user_id            TEXT,
    model              TEXT        NOT NULL,
    endpoint           TEXT,
    input_tokens       BIGINT      NOT NULL DEFAULT 0,
    output_tokens      BIGINT      NOT NULL DEFAULT 0,
    cache_read_tokens  BIGINT      NOT NULL DEFAULT 0,
    cache_write_tokens BIGINT      NOT NULL DEFAULT 0
);

-- Time-ordered inserts: a BRIN index serves range scans at a fraction of a B-tree's size.
CREATE INDEX IF NOT EXISTS usage_events_ts ON usage_events USING brin (ts);
