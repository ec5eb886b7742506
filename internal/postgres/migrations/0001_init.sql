-- 0001: the initial schema, the same as the SQLite store's 0001.
--
-- Ids, namespaces, types and key ids use the "C" collation: comparisons and
-- ORDER BY are byte order, as in SQLite, whatever the database's locale, and
-- the keyset cursors of lists and key rotation walk the same order the
-- indexes hold. Times are timestamptz (microseconds, an instant, not a wall
-- clock). Spec is bytea, not jsonb: the store keeps the bytes it is given.

-- connections is keyed by (namespace, id) from the start, so namespaces never
-- need a key migration. sealed is NULL when the connection has no secret;
-- key_id names the key that wraps sealed's data key ('' when sealed is NULL).
CREATE TABLE connections (
    namespace  text COLLATE "C" NOT NULL,
    id         text COLLATE "C" NOT NULL,
    type       text COLLATE "C" NOT NULL,
    vital      boolean          NOT NULL DEFAULT false,
    spec       bytea            NOT NULL,
    sealed     bytea,
    key_id     text COLLATE "C" NOT NULL DEFAULT '',
    version    bigint           NOT NULL,
    created_at timestamptz      NOT NULL,
    updated_at timestamptz      NOT NULL,
    PRIMARY KEY (namespace, id)
);

-- The type filter of a list is an indexed range scan, not a table scan.
CREATE INDEX connections_namespace_type_id ON connections (namespace, type, id);

-- Key rotation looks records up by the key that wraps them.
CREATE INDEX connections_key_id ON connections (key_id);

-- tokens keeps only the SHA-256 hash of each API token.
CREATE TABLE tokens (
    id         text COLLATE "C" NOT NULL PRIMARY KEY,
    hash       bytea            NOT NULL UNIQUE,
    subject    text             NOT NULL,
    created_at timestamptz      NOT NULL,
    expires_at timestamptz
);

-- key_checks holds, per key id, a value sealed with that key, proving that a
-- keyring can open this database's data.
CREATE TABLE key_checks (
    key_id text COLLATE "C" NOT NULL PRIMARY KEY,
    sealed bytea            NOT NULL
);
