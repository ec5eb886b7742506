-- 0002: access control and the audit log: namespaces, role bindings and
-- audit events. Times are INTEGER Unix microseconds (UTC), as in 0001.

-- namespaces lists the namespaces that exist. connections.namespace does
-- not reference it: the service checks that a namespace exists before it
-- writes into it, and DeleteNamespace removes a namespace's connections
-- itself. The namespace "default" always exists: it is created here, at
-- the time of the migration, and the store refuses to delete it.
CREATE TABLE namespaces (
    name       TEXT    NOT NULL PRIMARY KEY,
    created_at INTEGER NOT NULL
) STRICT;

INSERT INTO namespaces (name, created_at)
VALUES ('default', CAST(unixepoch('subsec') * 1000000 AS INTEGER));

-- role_bindings grants role to subject in namespace ('*': in every
-- namespace). A subject holds a role in a namespace at most once.
CREATE TABLE role_bindings (
    id         TEXT    NOT NULL PRIMARY KEY,
    subject    TEXT    NOT NULL,
    role       TEXT    NOT NULL,
    namespace  TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (subject, role, namespace)
) STRICT;

-- Deleting a namespace deletes its bindings; the list is in this order.
CREATE INDEX role_bindings_namespace ON role_bindings (namespace, subject, role);

-- audit_events is the append-only audit log. AUTOINCREMENT: an id is never
-- reused, so a reader paging by id never sees an id twice. Empty strings
-- stand for absent optional fields.
CREATE TABLE audit_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    time       INTEGER NOT NULL,
    subject    TEXT    NOT NULL DEFAULT '',
    action     TEXT    NOT NULL,
    namespace  TEXT    NOT NULL DEFAULT '',
    connection TEXT    NOT NULL DEFAULT '',
    job        TEXT    NOT NULL DEFAULT '',
    outcome    TEXT    NOT NULL,
    remote     TEXT    NOT NULL DEFAULT '',
    detail     TEXT    NOT NULL DEFAULT ''
) STRICT;

-- The usage of one connection over a window of days, and the log since a time.
CREATE INDEX audit_events_namespace_connection_time ON audit_events (namespace, connection, time);
CREATE INDEX audit_events_time ON audit_events (time);
