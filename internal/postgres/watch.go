package postgres

import (
	"context"
	"time"
)

// changeChannel is the channel the triggers of migrations 0002 and 0003
// notify on every write to connections, namespaces and role_bindings.
const changeChannel = "tether_changes"

// WatchChanges calls fn after every write committed to the connections,
// namespaces or role_bindings table by any replica, until ctx is done. It holds one connection of the
// pool for LISTEN. If that connection breaks, it reconnects (retrying with
// backoff) and calls fn once, since notifications sent meanwhile are lost.
func (db *DB) WatchChanges(ctx context.Context, fn func()) error {
	backoff := 100 * time.Millisecond
	for {
		err := db.listen(ctx, fn)
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
		fn()
	}
}

// listen LISTENs on one connection and calls fn per notification until the
// connection fails or ctx is done.
func (db *DB) listen(ctx context.Context, fn func()) error {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "LISTEN "+changeChannel); err != nil {
		return err
	}
	defer func() {
		// The connection goes back to the pool: stop listening on it.
		uctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, _ = conn.Exec(uctx, "UNLISTEN "+changeChannel)
	}()
	for {
		if _, err := conn.Conn().WaitForNotification(ctx); err != nil {
			return err
		}
		fn()
	}
}
