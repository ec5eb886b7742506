-- 0003: access control and the audit log: namespaces, role bindings and
-- audit events; the same tables as the SQLite store's 0002 (PostgreSQL's
-- 0002 has no SQLite counterpart). Text keys use the "C" collation, times
-- are timestamptz, as in 0001.

-- namespaces lists the namespaces that exist. connections.namespace does
-- not reference it: the service checks that a namespace exists before it
-- writes into it, and DeleteNamespace removes a namespace's connections
-- itself. The namespace "default" always exists: it is created here, at
-- the time of the migration, and the store refuses to delete it.
CREATE TABLE namespaces (
    name       text COLLATE "C" NOT NULL PRIMARY KEY,
    created_at timestamptz      NOT NULL
);

INSERT INTO namespaces (name, created_at) VALUES ('default', now());

-- role_bindings grants role to subject in namespace ('*': in every
-- namespace). A subject holds a role in a namespace at most once.
CREATE TABLE role_bindings (
    id         text COLLATE "C" NOT NULL PRIMARY KEY,
    subject    text COLLATE "C" NOT NULL,
    role       text COLLATE "C" NOT NULL,
    namespace  text COLLATE "C" NOT NULL,
    created_at timestamptz      NOT NULL,
    UNIQUE (subject, role, namespace)
);

-- Deleting a namespace deletes its bindings; the list is in this order.
CREATE INDEX role_bindings_namespace ON role_bindings (namespace, subject, role);

-- audit_events is the append-only audit log. Empty strings stand for
-- absent optional fields.
CREATE TABLE audit_events (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    time       timestamptz      NOT NULL,
    subject    text             NOT NULL DEFAULT '',
    action     text COLLATE "C" NOT NULL,
    namespace  text COLLATE "C" NOT NULL DEFAULT '',
    connection text COLLATE "C" NOT NULL DEFAULT '',
    job        text             NOT NULL DEFAULT '',
    outcome    text             NOT NULL,
    remote     text             NOT NULL DEFAULT '',
    detail     text             NOT NULL DEFAULT ''
);

-- The usage of one connection over a window of days, and the log since a time.
CREATE INDEX audit_events_namespace_connection_time ON audit_events (namespace, connection, time);
CREATE INDEX audit_events_time ON audit_events (time);

-- Replicas cache role bindings (and what depends on namespaces) in memory:
-- writes to these tables notify tether_changes too, as 0002 does for
-- connections.
CREATE TRIGGER namespaces_notify_change
AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON namespaces
FOR EACH STATEMENT EXECUTE FUNCTION tether_notify_change();

CREATE TRIGGER role_bindings_notify_change
AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON role_bindings
FOR EACH STATEMENT EXECUTE FUNCTION tether_notify_change();
