-- Imported usage (`usagetop import`): where each event came from, and what
-- each imported file has contributed so far.
--
-- source                 claude-code, codex, csv, jsonl, ... (NULL: written otherwise)
-- source_key             the event's identity across files and machines (the
--                        message id of a Claude Code response, the counters of a
--                        Codex token event, ...); unique, so one request is
--                        stored once however often it is imported
-- project, session       the agent's project folder and session id
-- cache_write_1h_tokens  the part of cache_write_tokens written with the 1-hour
--                        TTL (cache_write_tokens holds 5-minute and 1-hour writes)
-- cost_usd               the cost the log recorded itself (Claude Code costUSD)
-- import_file            the import_files row whose line gave the stored values
ALTER TABLE usage_events ADD COLUMN source TEXT;
ALTER TABLE usage_events ADD COLUMN source_key TEXT;
ALTER TABLE usage_events ADD COLUMN project TEXT;
ALTER TABLE usage_events ADD COLUMN session TEXT;
ALTER TABLE usage_events ADD COLUMN cache_write_1h_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE usage_events ADD COLUMN cost_usd REAL;
ALTER TABLE usage_events ADD COLUMN import_file INTEGER;

CREATE UNIQUE INDEX IF NOT EXISTS usage_events_source_key ON usage_events (source_key);
CREATE INDEX IF NOT EXISTS usage_events_import_file ON usage_events (import_file)
    WHERE import_file IS NOT NULL;

-- One row per file read by `usagetop import`: its identity, how far it has
-- been read (the byte after the last complete line), and the reader's state
-- at that point (Codex: the running totals and the model in force).
CREATE TABLE IF NOT EXISTS import_files (
    id          INTEGER PRIMARY KEY,
    source      TEXT    NOT NULL,
    path        TEXT    NOT NULL,
    device      INTEGER NOT NULL,
    inode       INTEGER NOT NULL,
    size        INTEGER NOT NULL,   -- size when last read
    read_bytes  INTEGER NOT NULL,   -- bytes consumed: complete lines only
    read_lines  INTEGER NOT NULL,   -- complete lines consumed
    fingerprint INTEGER NOT NULL,   -- FNV-1a of the head and the tail of the consumed part
    state       TEXT,               -- the reader's state after `read_bytes` (JSON)
    imported_at INTEGER NOT NULL,   -- unix seconds of the last read
    UNIQUE (source, path)
);
