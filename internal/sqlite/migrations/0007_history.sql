-- 0007: the history of each connection (tether.History). Triggers store
-- every new version of a connection in the transaction of the write that
-- makes it (create, update, a restore), sealed as the live record is, and
-- drop that connection's versions beyond the history kept: each write adds
-- one version and drops what falls out, so storage stays bounded per
-- connection. Deleting a connection (or its namespace) purges its history.
-- A re-wrap (same version, new sealed and key_id) re-wraps the live version.

-- history_settings holds how many versions of each connection are kept.
CREATE TABLE history_settings (
    id   INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    keep INTEGER NOT NULL CHECK (keep > 0)
) STRICT;

INSERT INTO history_settings (id, keep) VALUES (1, 10);

CREATE TABLE connection_versions (
    namespace  TEXT    NOT NULL,
    id         TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    type       TEXT    NOT NULL,
    vital      INTEGER NOT NULL,
    spec       BLOB    NOT NULL,
    sealed     BLOB,
    key_id     TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (namespace, id, version)
) STRICT, WITHOUT ROWID;

-- A version already kept (a restore that carries the history writes it
-- before the live record) is left as it is.
CREATE TRIGGER connections_history_insert AFTER INSERT ON connections
BEGIN
    INSERT OR IGNORE INTO connection_versions
        (namespace, id, version, type, vital, spec, sealed, key_id, created_at, updated_at)
    VALUES (NEW.namespace, NEW.id, NEW.version, NEW.type, NEW.vital, NEW.spec, NEW.sealed,
            NEW.key_id, NEW.created_at, NEW.updated_at);
    DELETE FROM connection_versions WHERE namespace = NEW.namespace AND id = NEW.id
        AND version <= NEW.version - (SELECT keep FROM history_settings);
END;

CREATE TRIGGER connections_history_update AFTER UPDATE ON connections
WHEN OLD.version IS NOT NEW.version
BEGIN
    INSERT OR REPLACE INTO connection_versions
        (namespace, id, version, type, vital, spec, sealed, key_id, created_at, updated_at)
    VALUES (NEW.namespace, NEW.id, NEW.version, NEW.type, NEW.vital, NEW.spec, NEW.sealed,
            NEW.key_id, NEW.created_at, NEW.updated_at);
    DELETE FROM connection_versions WHERE namespace = NEW.namespace AND id = NEW.id
        AND version <= NEW.version - (SELECT keep FROM history_settings);
END;

CREATE TRIGGER connections_history_rewrap AFTER UPDATE OF sealed, key_id ON connections
WHEN OLD.version IS NEW.version
BEGIN
    UPDATE connection_versions SET sealed = NEW.sealed, key_id = NEW.key_id
        WHERE namespace = NEW.namespace AND id = NEW.id AND version = NEW.version;
END;

CREATE TRIGGER connections_history_delete AFTER DELETE ON connections
BEGIN
    DELETE FROM connection_versions WHERE namespace = OLD.namespace AND id = OLD.id;
END;

-- The live version of every connection is its first kept version.
INSERT INTO connection_versions
    (namespace, id, version, type, vital, spec, sealed, key_id, created_at, updated_at)
SELECT namespace, id, version, type, vital, spec, sealed, key_id, created_at, updated_at
FROM connections;
