package postgres

import (
	"context"
	"time"
)

// changeChannel is the channel the triggers of migrations 0002 and 0003
// notify on every write to connections, namespaces and role_bindings.
const changeChannel = "tether_changes"

// keyChannel is the channel PutKeyCheck notifies, with the key id as
// payload, when a server records the check value of a new primary key.
const keyChannel = "tether_keys"

// WatchChanges calls fn after every write committed to the connections,
// namespaces or role_bindings table by any replica, until ctx is done. It
// holds one connection of the pool for LISTEN. Whenever that connection is
// (re)established it calls fn once, since notifications sent while it was
// not listening are lost; if it breaks, it reconnects with backoff.
func (db *DB) WatchChanges(ctx context.Context, fn func()) error {
	return db.WatchChangesAndKeys(ctx, fn, nil)
}

// WatchChangesAndKeys is WatchChanges that, on the same connection, also
// calls onKey with the id of every new primary key whose check value a
// replica records (a key rotation), in commit order, and with "" whenever
// the connection is (re)established, since rotations may have been missed.
// A nil onKey watches changes only.
func (db *DB) WatchChangesAndKeys(ctx context.Context, onChange func(), onKey func(keyID string)) error {
	backoff := 100 * time.Millisecond
	for {
		err := db.listen(ctx, onChange, onKey)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		_ = err // the connection broke: reconnect below
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 10*time.Second)
	}
}

// listen LISTENs on one connection and dispatches each notification until
// the connection fails or ctx is done.
func (db *DB) listen(ctx context.Context, onChange func(), onKey func(string)) error {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	channels := []string{changeChannel}
	if onKey != nil {
		channels = append(channels, keyChannel)
	}
	defer func() {
		// The connection goes back to the pool: stop listening on it.
		uctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, _ = conn.Exec(uctx, "UNLISTEN *")
	}()
	for _, ch := range channels {
		if _, err := conn.Exec(ctx, "LISTEN "+ch); err != nil {
			return err
		}
	}
	// Listening now: catch up with whatever happened before.
	onChange()
	if onKey != nil {
		onKey("")
	}
	for {
		n, err := conn.Conn().WaitForNotification(ctx)
		if err != nil {
			return err
		}
		if n.Channel == keyChannel {
			onKey(n.Payload)
		} else {
			onChange()
		}
	}
}
