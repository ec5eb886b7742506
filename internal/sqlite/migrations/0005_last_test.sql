-- 0005: the last connection test run on the server, kept with the
-- connection: the JSON of a tether.ProbeResult, NULL when none. It is no
-- part of the connection: setting it changes neither version nor
-- updated_at, so the change log's update trigger ignores it.
ALTER TABLE connections ADD COLUMN last_test BLOB;
