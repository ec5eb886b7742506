-- 0006: the last connection test run on the server, kept with the
-- connection: the JSON of a tether.ProbeResult, NULL when none; the same
-- column as the SQLite store's 0005. bytea, as spec: the store keeps the
-- bytes it is given. Setting it changes neither version nor updated_at, so
-- the change log's update trigger ignores it.
ALTER TABLE connections ADD COLUMN last_test bytea;
