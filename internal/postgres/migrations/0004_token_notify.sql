-- Replicas remember the tokens they have checked: revoking one (a delete)
-- notifies tether_changes, as 0002 does for connections, so that every
-- replica forgets it at once.
CREATE TRIGGER tokens_notify_change
AFTER DELETE OR TRUNCATE ON tokens
FOR EACH STATEMENT EXECUTE FUNCTION tether_notify_change();
