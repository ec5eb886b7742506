-- 0008: the history of each connection (tether.History); the same table as
-- the SQLite store's 0007. Triggers store every new version of a connection
-- in the transaction of the write that makes it (create, update, COPY of a
-- restore), sealed as the live record is, and drop that connection's
-- versions beyond the history kept: each write adds one version and drops
-- what falls out, so storage stays bounded per connection. Deleting a
-- connection (or its namespace) purges its history. A re-wrap (same
-- version, new sealed and key_id) re-wraps the live version.

CREATE TABLE history_settings (
    id   boolean NOT NULL PRIMARY KEY DEFAULT true CHECK (id),
    keep bigint  NOT NULL CHECK (keep > 0)
);

INSERT INTO history_settings (id, keep) VALUES (true, 10);

CREATE TABLE connection_versions (
    namespace  text COLLATE "C" NOT NULL,
    id         text COLLATE "C" NOT NULL,
    version    bigint           NOT NULL,
    type       text COLLATE "C" NOT NULL,
    vital      boolean          NOT NULL,
    spec       bytea            NOT NULL,
    sealed     bytea,
    key_id     text COLLATE "C" NOT NULL DEFAULT '',
    created_at timestamptz      NOT NULL,
    updated_at timestamptz      NOT NULL,
    PRIMARY KEY (namespace, id, version)
);

-- The prune runs only once a connection has more versions than are kept:
-- a restore's COPY (versions 1 mostly) then writes without it. Its plan,
-- cached by plpgsql, could otherwise be one made while the table was empty
-- (a sequential scan) and repeated for every row of a large transaction.
CREATE FUNCTION tether_keep_version() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    k bigint;
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM connection_versions WHERE namespace = OLD.namespace AND id = OLD.id;
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.version IS NOT DISTINCT FROM NEW.version THEN
        UPDATE connection_versions SET sealed = NEW.sealed, key_id = NEW.key_id
            WHERE namespace = NEW.namespace AND id = NEW.id AND version = NEW.version;
        RETURN NULL;
    END IF;
    INSERT INTO connection_versions
        (namespace, id, version, type, vital, spec, sealed, key_id, created_at, updated_at)
    VALUES (NEW.namespace, NEW.id, NEW.version, NEW.type, NEW.vital, NEW.spec, NEW.sealed,
            NEW.key_id, NEW.created_at, NEW.updated_at)
    ON CONFLICT (namespace, id, version) DO UPDATE SET type = excluded.type,
        vital = excluded.vital, spec = excluded.spec, sealed = excluded.sealed,
        key_id = excluded.key_id, created_at = excluded.created_at,
        updated_at = excluded.updated_at;
    SELECT keep INTO k FROM history_settings;
    IF NEW.version > k THEN
        DELETE FROM connection_versions WHERE namespace = NEW.namespace AND id = NEW.id
            AND version <= NEW.version - k;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER connections_history_write
AFTER INSERT OR DELETE ON connections
FOR EACH ROW EXECUTE FUNCTION tether_keep_version();

-- Only a new version, or a re-wrap, touches the history: not a last test.
CREATE TRIGGER connections_history_update
AFTER UPDATE ON connections
FOR EACH ROW
WHEN (OLD.version IS DISTINCT FROM NEW.version OR OLD.sealed IS DISTINCT FROM NEW.sealed
      OR OLD.key_id IS DISTINCT FROM NEW.key_id)
EXECUTE FUNCTION tether_keep_version();

-- The live version of every connection is its first kept version.
INSERT INTO connection_versions
    (namespace, id, version, type, vital, spec, sealed, key_id, created_at, updated_at)
SELECT namespace, id, version, type, vital, spec, sealed, key_id, created_at, updated_at
FROM connections;
