-- 0001: the initial schema.
--
-- Times are INTEGER Unix microseconds (UTC): exact, sortable, and the same
-- precision as PostgreSQL's timestamptz, so both stores round-trip alike.
-- Tables are STRICT so a wrongly typed value is an error, not a surprise.

-- connections is keyed by (namespace, id) from the start, so namespaces never
-- need a key migration. sealed is NULL when the connection has no secret;
-- key_id names the key that wraps sealed's data key ('' when sealed is NULL).
CREATE TABLE connections (
    namespace  TEXT    NOT NULL,
    id         TEXT    NOT NULL,
    type       TEXT    NOT NULL,
    vital      INTEGER NOT NULL DEFAULT 0 CHECK (vital IN (0, 1)),
    spec       BLOB    NOT NULL,
    sealed     BLOB,
    key_id     TEXT    NOT NULL DEFAULT '',
    version    INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (namespace, id)
) STRICT, WITHOUT ROWID;

-- The type filter of a list is an indexed range scan, not a table scan.
CREATE INDEX connections_namespace_type_id ON connections (namespace, type, id);

-- Key rotation looks records up by the key that wraps them.
CREATE INDEX connections_key_id ON connections (key_id);

-- tokens keeps only the SHA-256 hash of each API token.
CREATE TABLE tokens (
    id         TEXT    NOT NULL PRIMARY KEY,
    hash       BLOB    NOT NULL UNIQUE,
    subject    TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER
) STRICT;

-- key_checks holds, per key id, a value sealed with that key, proving that a
-- keyring can open this database's data.
CREATE TABLE key_checks (
    key_id TEXT NOT NULL PRIMARY KEY,
    sealed BLOB NOT NULL
) STRICT;
