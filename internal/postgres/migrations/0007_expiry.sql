-- 0007: what the health gauges and the periodic connection tests read; the
-- same columns as the SQLite store's 0006.
--
-- expires_at and expiry_what are when the credential of the version stored
-- stops working and what does (tether.Expiry), NULL and '' when it carries
-- no expiry; they are written with the record. last_test_at is when the
-- store kept last_test, NULL when it has none. None of them is part of the
-- change log's record.
ALTER TABLE connections ADD COLUMN expires_at timestamptz;
ALTER TABLE connections ADD COLUMN expiry_what text NOT NULL DEFAULT '';
ALTER TABLE connections ADD COLUMN last_test_at timestamptz;

-- The expiry gauge reads the records with an expiry, soonest first.
CREATE INDEX connections_expires_at ON connections (expires_at, namespace, id)
    WHERE expires_at IS NOT NULL;

-- The test gauges read the records with a last test.
CREATE INDEX connections_tested ON connections (namespace, id)
    WHERE last_test IS NOT NULL;

-- The periodic tests read the records tested the longest ago (NULL, never
-- tested, first), in every namespace or in one.
CREATE INDEX connections_last_test_at ON connections (last_test_at NULLS FIRST, namespace, id);
CREATE INDEX connections_namespace_last_test_at ON connections (namespace, last_test_at NULLS FIRST, id);

-- Written before this migration, the last tests have no time: the
-- migration's.
UPDATE connections SET last_test_at = now() WHERE last_test IS NOT NULL;
