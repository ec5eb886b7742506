-- Appending an audit event must only touch the end of the log. An index led
-- by (namespace, connection) put each event on a page of its own connection,
-- one more page written per event: half the cost of auditing a reveal.
-- Led by time, every index entry goes at the end, like the row itself. It
-- answers "since a time" queries (the log since then, the usage of one
-- connection over a window of days) by its range, filtering namespace and
-- connection in the index before reading any row; a connection's events
-- over all time are found by reading the log.
CREATE INDEX audit_events_time_namespace_connection ON audit_events (time, namespace, connection);
DROP INDEX audit_events_namespace_connection_time;
DROP INDEX audit_events_time;
