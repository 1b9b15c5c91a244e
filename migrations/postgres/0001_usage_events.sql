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

-- A B-tree on ts: the rollup cache asks for the first and the newest rows on
-- every refresh (one index step each; a BRIN index cannot answer MIN/MAX and
-- would make both a full scan), and re-reads a short range of recent rows.
CREATE INDEX IF NOT EXISTS usage_events_ts ON usage_events (ts);
