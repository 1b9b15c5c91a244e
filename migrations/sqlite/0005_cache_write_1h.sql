-- The 1-hour part of the cache writes in the write-time rollup: usage_slots
-- gains `cache_write_1h` (the sum of usage_events.cache_write_1h_tokens, a
-- part of `cache_write`), so the rollup cache of usagetop's own database
-- prices 1-hour writes at their own rate as a direct query does. A row with
-- a negative 1-hour count is left out like one with any negative token
-- count, so the slots are summed again from the events (every column: the
-- test of a row left out changed), and the triggers are written anew.
ALTER TABLE usage_slots ADD COLUMN cache_write_1h INTEGER NOT NULL DEFAULT 0;

DELETE FROM usage_slots;

INSERT INTO usage_slots (slot, model, requests, input, output, cache_read, cache_write,
                         cache_write_1h, kept, rejected, first_ts, last_ts)
SELECT ((ts + 86400000000) / 900 - 96000000) * 900, model,
       SUM(CASE WHEN neg THEN 0 ELSE requests END),
       SUM(CASE WHEN neg THEN 0 ELSE input_tokens END),
       SUM(CASE WHEN neg THEN 0 ELSE output_tokens END),
       SUM(CASE WHEN neg THEN 0 ELSE cache_read_tokens END),
       SUM(CASE WHEN neg THEN 0 ELSE cache_write_tokens END),
       SUM(CASE WHEN neg THEN 0 ELSE cache_write_1h_tokens END),
       SUM(neg = 0), SUM(neg), MIN(CASE WHEN neg THEN NULL ELSE ts END), MAX(ts)
FROM (SELECT ts, model, requests, input_tokens, output_tokens, cache_read_tokens,
             cache_write_tokens, cache_write_1h_tokens,
             (input_tokens < 0 OR output_tokens < 0 OR cache_read_tokens < 0
              OR cache_write_tokens < 0 OR cache_write_1h_tokens < 0) AS neg
      FROM usage_events)
GROUP BY 1, 2;

DROP TRIGGER IF EXISTS usage_events_slots_insert;
DROP TRIGGER IF EXISTS usage_events_slots_delete;
DROP TRIGGER IF EXISTS usage_events_slots_update;

CREATE TRIGGER usage_events_slots_insert AFTER INSERT ON usage_events
BEGIN
    INSERT INTO usage_slots (slot, model, requests, input, output, cache_read, cache_write,
                             cache_write_1h, kept, rejected, first_ts, last_ts)
    SELECT ((NEW.ts + 86400000000) / 900 - 96000000) * 900, NEW.model,
           CASE WHEN neg THEN 0 ELSE NEW.requests END, CASE WHEN neg THEN 0 ELSE NEW.input_tokens END,
           CASE WHEN neg THEN 0 ELSE NEW.output_tokens END,
           CASE WHEN neg THEN 0 ELSE NEW.cache_read_tokens END,
           CASE WHEN neg THEN 0 ELSE NEW.cache_write_tokens END,
           CASE WHEN neg THEN 0 ELSE NEW.cache_write_1h_tokens END,
           neg = 0, neg, CASE WHEN neg THEN NULL ELSE NEW.ts END, NEW.ts
    FROM (SELECT (NEW.input_tokens < 0 OR NEW.output_tokens < 0 OR NEW.cache_read_tokens < 0
                  OR NEW.cache_write_tokens < 0 OR NEW.cache_write_1h_tokens < 0) AS neg)
    WHERE true
    ON CONFLICT (slot, model) DO UPDATE SET
        requests = requests + excluded.requests, input = input + excluded.input,
        output = output + excluded.output, cache_read = cache_read + excluded.cache_read,
        cache_write = cache_write + excluded.cache_write,
        cache_write_1h = cache_write_1h + excluded.cache_write_1h, kept = kept + excluded.kept,
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
        cache_write_1h = cache_write_1h - CASE WHEN neg THEN 0 ELSE OLD.cache_write_1h_tokens END,
        kept = kept - (neg = 0),
        rejected = rejected - neg,
        first_ts = (SELECT MIN(ts) FROM usage_events
                    WHERE ts >= usage_slots.slot AND ts < usage_slots.slot + 900 AND model = OLD.model
                      AND NOT (input_tokens < 0 OR output_tokens < 0 OR cache_read_tokens < 0 OR cache_write_tokens < 0
                               OR cache_write_1h_tokens < 0)),
        last_ts = (SELECT MAX(ts) FROM usage_events
                   WHERE ts >= usage_slots.slot AND ts < usage_slots.slot + 900 AND model = OLD.model)
    FROM (SELECT (OLD.input_tokens < 0 OR OLD.output_tokens < 0 OR OLD.cache_read_tokens < 0
                  OR OLD.cache_write_tokens < 0 OR OLD.cache_write_1h_tokens < 0) AS neg)
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
        cache_write_1h = cache_write_1h - CASE WHEN neg THEN 0 ELSE OLD.cache_write_1h_tokens END,
        kept = kept - (neg = 0),
        rejected = rejected - neg
    FROM (SELECT (OLD.input_tokens < 0 OR OLD.output_tokens < 0 OR OLD.cache_read_tokens < 0
                  OR OLD.cache_write_tokens < 0 OR OLD.cache_write_1h_tokens < 0) AS neg)
    WHERE slot = ((OLD.ts + 86400000000) / 900 - 96000000) * 900 AND model = OLD.model;
    INSERT INTO usage_slots (slot, model, requests, input, output, cache_read, cache_write,
                             cache_write_1h, kept, rejected, first_ts, last_ts)
    SELECT ((NEW.ts + 86400000000) / 900 - 96000000) * 900, NEW.model,
           CASE WHEN neg THEN 0 ELSE NEW.requests END, CASE WHEN neg THEN 0 ELSE NEW.input_tokens END,
           CASE WHEN neg THEN 0 ELSE NEW.output_tokens END,
           CASE WHEN neg THEN 0 ELSE NEW.cache_read_tokens END,
           CASE WHEN neg THEN 0 ELSE NEW.cache_write_tokens END,
           CASE WHEN neg THEN 0 ELSE NEW.cache_write_1h_tokens END,
           neg = 0, neg, NULL, NULL
    FROM (SELECT (NEW.input_tokens < 0 OR NEW.output_tokens < 0 OR NEW.cache_read_tokens < 0
                  OR NEW.cache_write_tokens < 0 OR NEW.cache_write_1h_tokens < 0) AS neg)
    WHERE true
    ON CONFLICT (slot, model) DO UPDATE SET
        requests = requests + excluded.requests, input = input + excluded.input,
        output = output + excluded.output, cache_read = cache_read + excluded.cache_read,
        cache_write = cache_write + excluded.cache_write,
        cache_write_1h = cache_write_1h + excluded.cache_write_1h, kept = kept + excluded.kept,
        rejected = rejected + excluded.rejected;
    -- First and last timestamps of both slots, looked up again.
    UPDATE usage_slots SET
        first_ts = (SELECT MIN(ts) FROM usage_events
                    WHERE ts >= usage_slots.slot AND ts < usage_slots.slot + 900 AND model = usage_slots.model
                      AND NOT (input_tokens < 0 OR output_tokens < 0 OR cache_read_tokens < 0 OR cache_write_tokens < 0
                               OR cache_write_1h_tokens < 0)),
        last_ts = (SELECT MAX(ts) FROM usage_events
                   WHERE ts >= usage_slots.slot AND ts < usage_slots.slot + 900 AND model = usage_slots.model)
    WHERE (slot = ((OLD.ts + 86400000000) / 900 - 96000000) * 900 AND model = OLD.model)
       OR (slot = ((NEW.ts + 86400000000) / 900 - 96000000) * 900 AND model = NEW.model);
    DELETE FROM usage_slots
    WHERE slot = ((OLD.ts + 86400000000) / 900 - 96000000) * 900 AND model = OLD.model
      AND kept = 0 AND rejected = 0;
END;
