-- 0002: every committed write to connections notifies channel
-- tether_changes, so that replicas drop what they remember of the data
-- (list page boundaries, caches). One notification per statement: NOTIFY
-- collapses duplicates within a transaction anyway.
CREATE FUNCTION tether_notify_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('tether_changes', '');
    RETURN NULL;
END;
$$;

CREATE TRIGGER connections_notify_change
AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON connections
FOR EACH STATEMENT EXECUTE FUNCTION tether_notify_change();
