-- Requests per event: an imported usage-report bucket (`usagetop import
-- openai-usage`, `anthropic-usage`) stands for many requests, so each event
-- carries its request count (1 for one request; 0 where the source gives no
-- count). The rollup triggers add it up instead of counting rows; every
-- existing row counts 1, as before, so usage_slots stays right as it is.
ALTER TABLE usage_events ADD COLUMN requests INTEGER NOT NULL DEFAULT 1;

-- The usage reports' rows (a few per day), to find the days on which a
-- provider's usage also comes from another kind of source (a note of the
-- report). Partial: the agents' logs' rows are not in it.
CREATE INDEX IF NOT EXISTS usage_events_reports ON usage_events (source, ts)
    WHERE source IN ('openai-usage', 'anthropic-usage');

DROP TRIGGER IF EXISTS usage_events_slots_insert;
DROP TRIGGER IF EXISTS usage_events_slots_delete;
DROP TRIGGER IF EXISTS usage_events_slots_update;

CREATE TRIGGER usage_events_slots_insert AFTER INSERT ON usage_events
BEGIN
    INSERT INTO usage_slots (slot, model, requests, input, output, cache_read, cache_write,
                             kept, rejected, first_ts, last_ts)
    SELECT ((NEW.ts + 86400000000) / 900 - 96000000) * 900, NEW.model,
           CASE WHEN neg THEN 0 ELSE NEW.requests END, CASE WHEN neg THEN 0 ELSE NEW.input_tokens END,
           CASE WHEN neg THEN 0 ELSE NEW.output_tokens END,
           CASE WHEN neg THEN 0 ELSE NEW.cache_read_tokens END,
           CASE WHEN neg THEN 0 ELSE NEW.cache_write_tokens END,
           neg = 0, neg, CASE WHEN neg THEN NULL ELSE NEW.ts END, NEW.ts
    FROM (SELECT (NEW.input_tokens < 0 OR NEW.output_tokens < 0 OR NEW.cache_read_tokens < 0
                  OR NEW.cache_write_tokens < 0) AS neg)
    WHERE true
    ON CONFLICT (slot, model) DO UPDATE SET
        requests = requests + excluded.requests, input = input + excluded.input,
        output = output + excluded.output, cache_read = cache_read + excluded.cache_read,
        cache_write = cache_write + excluded.cache_write, kept = kept + excluded.kept,
        rejected = rejected + excluded.rejected,
        first_ts = CASE WHEN first_ts IS NULL THEN excluded.first_ts
                        WHEN excluded.first_ts IS NULL THEN first_ts
                        ELSE MIN(first_ts, excluded.first_ts) END,
        last_ts = MAX(last_ts, excluded.last_ts);
END;

CREATE TRIGGER usage_events_slots_delete AFTER DELETE ON usage_events
BEGIN
    UPDATE usage_slots SET
        requests = requests - CASE WHEN neg THEN 0 ELSE OLD.requests END,
        input = input - CASE WHEN neg THEN 0 ELSE OLD.input_tokens END,
        output = output - CASE WHEN neg THEN 0 ELSE OLD.output_tokens END,
        cache_read = cache_read - CASE WHEN neg THEN 0 ELSE OLD.cache_read_tokens END,
        cache_write = cache_write - CASE WHEN neg THEN 0 ELSE OLD.cache_write_tokens END,
        kept = kept - (neg = 0),
        rejected = rejected - neg,
        first_ts = (SELECT MIN(ts) FROM usage_events
                    WHERE ts >= usage_slots.slot AND ts < usage_slots.slot + 900 AND model = OLD.model
                      AND NOT (input_tokens < 0 OR output_tokens < 0 OR cache_read_tokens < 0 OR cache_write_tokens < 0)),
        last_ts = (SELECT MAX(ts) FROM usage_events
                   WHERE ts >= usage_slots.slot AND ts < usage_slots.slot + 900 AND model = OLD.model)
    FROM (SELECT (OLD.input_tokens < 0 OR OLD.output_tokens < 0 OR OLD.cache_read_tokens < 0
                  OR OLD.cache_write_tokens < 0) AS neg)
    WHERE slot = ((OLD.ts + 86400000000) / 900 - 96000000) * 900 AND model = OLD.model;
    DELETE FROM usage_slots
    WHERE slot = ((OLD.ts + 86400000000) / 900 - 96000000) * 900 AND model = OLD.model
      AND kept = 0 AND rejected = 0;
END;

CREATE TRIGGER usage_events_slots_update AFTER UPDATE ON usage_events
BEGIN
    UPDATE usage_slots SET
        requests = requests - CASE WHEN neg THEN 0 ELSE OLD.requests END,
        input = input - CASE WHEN neg THEN 0 ELSE OLD.input_tokens END,
        output = output - CASE WHEN neg THEN 0 ELSE OLD.output_tokens END,
        cache_read = cache_read - CASE WHEN neg THEN 0 ELSE OLD.cache_read_tokens END,
        cache_write = cache_write - CASE WHEN neg THEN 0 ELSE OLD.cache_write_tokens END,
        kept = kept - (neg = 0),
        rejected = rejected - neg
    FROM (SELECT (OLD.input_tokens < 0 OR OLD.output_tokens < 0 OR OLD.cache_read_tokens < 0
                  OR OLD.cache_write_tokens < 0) AS neg)
    WHERE slot = ((OLD.ts + 86400000000) / 900 - 96000000) * 900 AND model = OLD.model;
    INSERT INTO usage_slots (slot, model, requests, input, output, cache_read, cache_write,
                             kept, rejected, first_ts, last_ts)
    SELECT ((NEW.ts + 86400000000) / 900 - 96000000) * 900, NEW.model,
           CASE WHEN neg THEN 0 ELSE NEW.requests END, CASE WHEN neg THEN 0 ELSE NEW.input_tokens END,
           CASE WHEN neg THEN 0 ELSE NEW.output_tokens END,
           CASE WHEN neg THEN 0 ELSE NEW.cache_read_tokens END,
           CASE WHEN neg THEN 0 ELSE NEW.cache_write_tokens END,
           neg = 0, neg, NULL, NULL
    FROM (SELECT (NEW.input_tokens < 0 OR NEW.output_tokens < 0 OR NEW.cache_read_tokens < 0
                  OR NEW.cache_write_tokens < 0) AS neg)
    WHERE true
    ON CONFLICT (slot, model) DO UPDATE SET
        requests = requests + excluded.requests, input = input + excluded.input,
        output = output + excluded.output, cache_read = cache_read + excluded.cache_read,
        cache_write = cache_write + excluded.cache_write, kept = kept + excluded.kept,
        rejected = rejected + excluded.rejected;
    -- First and last timestamps of both slots, looked up again.
    UPDATE usage_slots SET
        first_ts = (SELECT MIN(ts) FROM usage_events
                    WHERE ts >= usage_slots.slot AND ts < usage_slots.slot + 900 AND model = usage_slots.model
                      AND NOT (input_tokens < 0 OR output_tokens < 0 OR cache_read_tokens < 0 OR cache_write_tokens < 0)),
        last_ts = (SELECT MAX(ts) FROM usage_events
                   WHERE ts >= usage_slots.slot AND ts < usage_slots.slot + 900 AND model = usage_slots.model)
    WHERE (slot = ((OLD.ts + 86400000000) / 900 - 96000000) * 900 AND model = OLD.model)
       OR (slot = ((NEW.ts + 86400000000) / 900 - 96000000) * 900 AND model = NEW.model);
    DELETE FROM usage_slots
    WHERE slot = ((OLD.ts + 86400000000) / 900 - 96000000) * 900 AND model = OLD.model
      AND kept = 0 AND rejected = 0;
END;
