-- 0004: the change log, the bounded history of connection writes that
-- watches read (tether.ChangeLog). Triggers append a change in the
-- transaction of every write to connections, whichever statement makes it
-- (create, update, delete, the forced deletion of a namespace, a restore),
-- and drop the changes beyond the history kept. resource_version is
-- AUTOINCREMENT: never reused, even after the oldest rows are dropped, and,
-- with SQLite's single writer, in commit order.

-- change_log_settings holds how many changes are kept (Options).
CREATE TABLE change_log_settings (
    id   INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    keep INTEGER NOT NULL CHECK (keep > 0)
) STRICT;

INSERT INTO change_log_settings (id, keep) VALUES (1, 10000);

-- changes holds each change with the record's plain columns (its masked
-- spec), or for a deletion its last state. It keeps no sealed value: a
-- watch shows masked connections only, and a key rotation, which re-wraps
-- every record, must leave no copy sealed with the old key behind.
CREATE TABLE changes (
    resource_version INTEGER PRIMARY KEY AUTOINCREMENT,
    event      TEXT    NOT NULL CHECK (event IN ('ADDED', 'MODIFIED', 'DELETED')),
    namespace  TEXT    NOT NULL,
    id         TEXT    NOT NULL,
    type       TEXT    NOT NULL,
    vital      INTEGER NOT NULL,
    spec       BLOB    NOT NULL,
    version    INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

CREATE TRIGGER connections_log_insert AFTER INSERT ON connections
BEGIN
    INSERT INTO changes (event, namespace, id, type, vital, spec, version, created_at, updated_at)
    VALUES ('ADDED', NEW.namespace, NEW.id, NEW.type, NEW.vital, NEW.spec,
            NEW.version, NEW.created_at, NEW.updated_at);
    DELETE FROM changes WHERE resource_version <=
        (SELECT MAX(resource_version) FROM changes) - (SELECT keep FROM change_log_settings);
END;

-- A re-wrap (new sealed and key_id, same version and times) is no change.
CREATE TRIGGER connections_log_update AFTER UPDATE ON connections
WHEN OLD.version IS NOT NEW.version OR OLD.updated_at IS NOT NEW.updated_at
BEGIN
    INSERT INTO changes (event, namespace, id, type, vital, spec, version, created_at, updated_at)
    VALUES ('MODIFIED', NEW.namespace, NEW.id, NEW.type, NEW.vital, NEW.spec,
            NEW.version, NEW.created_at, NEW.updated_at);
    DELETE FROM changes WHERE resource_version <=
        (SELECT MAX(resource_version) FROM changes) - (SELECT keep FROM change_log_settings);
END;

CREATE TRIGGER connections_log_delete AFTER DELETE ON connections
BEGIN
    INSERT INTO changes (event, namespace, id, type, vital, spec, version, created_at, updated_at)
    VALUES ('DELETED', OLD.namespace, OLD.id, OLD.type, OLD.vital, OLD.spec,
            OLD.version, OLD.created_at, OLD.updated_at);
    DELETE FROM changes WHERE resource_version <=
        (SELECT MAX(resource_version) FROM changes) - (SELECT keep FROM change_log_settings);
END;
