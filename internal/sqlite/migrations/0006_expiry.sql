-- 0006: what the health gauges and the periodic connection tests read.
--
-- expires_at (Unix microseconds) and expiry_what are when the credential of
-- the version stored stops working and what does (tether.Expiry), NULL and
-- '' when it carries no expiry; they are written with the record.
-- last_test_at is when the store kept last_test, NULL when it has none.
-- None of them is part of the change log's record.
ALTER TABLE connections ADD COLUMN expires_at INTEGER;
ALTER TABLE connections ADD COLUMN expiry_what TEXT NOT NULL DEFAULT '';
ALTER TABLE connections ADD COLUMN last_test_at INTEGER;

-- The expiry gauge reads the records with an expiry, soonest first.
CREATE INDEX connections_expires_at ON connections (expires_at, namespace, id)
    WHERE expires_at IS NOT NULL;

-- The test gauges read the records with a last test.
CREATE INDEX connections_tested ON connections (namespace, id)
    WHERE last_test IS NOT NULL;

-- The periodic tests read the records tested the longest ago (NULL, never
-- tested, sorts first), in every namespace or in one.
CREATE INDEX connections_last_test_at ON connections (last_test_at, namespace, id);
CREATE INDEX connections_namespace_last_test_at ON connections (namespace, last_test_at, id);

-- Written before this migration, the last tests have no time: the
-- migration's.
UPDATE connections SET last_test_at = CAST(unixepoch('subsec') * 1000000 AS INTEGER)
    WHERE last_test IS NOT NULL;
