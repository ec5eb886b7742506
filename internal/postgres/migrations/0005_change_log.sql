-- 0005: the change log, the bounded history of connection writes that
-- watches read (tether.ChangeLog); the same tables as the SQLite store's
-- 0004. A trigger appends a change in the transaction of every write to
-- connections, whichever statement makes it (COPY included), and drops the
-- changes beyond the history kept.
--
-- Versions must be taken in commit order, so that a reader of "the changes
-- after N" never misses one that commits later with a smaller number. The
-- trigger takes a transaction-scoped advisory lock before it takes a
-- version from the sequence: writers of connections log one at a time, and
-- the lock is released only once the transaction is committed and visible.
-- (A one-row counter would do the same, but a restore that writes many
-- records in one transaction would update that row once per record.) A
-- rolled-back write leaves a gap in the versions, which readers ignore.

CREATE TABLE change_log_settings (
    id   boolean NOT NULL PRIMARY KEY DEFAULT true CHECK (id),
    keep bigint  NOT NULL CHECK (keep > 0)
);

INSERT INTO change_log_settings (id, keep) VALUES (true, 10000);

CREATE SEQUENCE changes_resource_version;

-- changes keeps no sealed value: a watch shows masked connections only, and
-- a key rotation must leave no copy sealed with the old key behind.
CREATE TABLE changes (
    resource_version bigint           NOT NULL PRIMARY KEY,
    event            text             NOT NULL CHECK (event IN ('ADDED', 'MODIFIED', 'DELETED')),
    namespace        text COLLATE "C" NOT NULL,
    id               text COLLATE "C" NOT NULL,
    type             text COLLATE "C" NOT NULL,
    vital            boolean          NOT NULL,
    spec             bytea            NOT NULL,
    version          bigint           NOT NULL,
    created_at       timestamptz      NOT NULL,
    updated_at       timestamptz      NOT NULL
);

CREATE FUNCTION tether_log_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    r  connections;
    rv bigint;
BEGIN
    -- The first key is "chng" in ASCII; the second the schema's hash, as
    -- for the locks of migrations and of the audit log.
    PERFORM pg_advisory_xact_lock(1667788391, hashtext(COALESCE(current_schema(), '')));
    rv := nextval('changes_resource_version');
    IF TG_OP = 'DELETE' THEN
        r := OLD;
    ELSE
        r := NEW;
    END IF;
    INSERT INTO changes VALUES (rv,
        CASE TG_OP WHEN 'INSERT' THEN 'ADDED' WHEN 'UPDATE' THEN 'MODIFIED' ELSE 'DELETED' END,
        r.namespace, r.id, r.type, r.vital, r.spec, r.version,
        r.created_at, r.updated_at);
    DELETE FROM changes WHERE resource_version <= rv - (SELECT keep FROM change_log_settings);
    RETURN NULL;
END;
$$;

CREATE TRIGGER connections_log_write
AFTER INSERT OR DELETE ON connections
FOR EACH ROW EXECUTE FUNCTION tether_log_change();

-- A re-wrap (new sealed and key_id, same version and times) is no change.
CREATE TRIGGER connections_log_update
AFTER UPDATE ON connections
FOR EACH ROW
WHEN (OLD.version IS DISTINCT FROM NEW.version OR OLD.updated_at IS DISTINCT FROM NEW.updated_at)
EXECUTE FUNCTION tether_log_change();
