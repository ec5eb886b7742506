package sqlite

import (
	"context"
	"database/sql"
	"time"
)

// checkpointer copies committed WAL frames back into the database file
// from a connection of its own, off the write path.
//
// SQLite's automatic checkpoint runs inside the commit that crosses its
// threshold: that commit, and every write queued behind it on the one
// writer connection, waits for the copy and for the fsync of the database
// file. A reveal waits for its audit event's commit, so those pauses were
// the tail of reveal latency. The writer therefore runs with
// wal_autocheckpoint=0, and this goroutine runs PASSIVE checkpoints, which
// take no lock that writers or readers wait for. A checkpoint with nothing
// to copy returns at once without syncing, so an idle database costs a
// query per interval.
type checkpointer struct {
	pool *sql.DB
	stop chan struct{}
	done chan struct{}
}

// startCheckpointer runs a checkpoint on pool every interval until stopped.
func startCheckpointer(pool *sql.DB, interval time.Duration) *checkpointer {
	c := &checkpointer{pool: pool, stop: make(chan struct{}), done: make(chan struct{})}
	go c.run(interval)
	return c
}

func (c *checkpointer) run(interval time.Duration) {
	defer close(c.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
			// A failed checkpoint loses nothing: the frames stay in the WAL
			// and the next tick copies them. SQLITE_BUSY (another process
			// checkpointing) is the expected failure.
			_, _ = c.pool.ExecContext(context.Background(), `PRAGMA wal_checkpoint(PASSIVE)`)
		}
	}
}

// close stops the goroutine, waits for a running checkpoint, and closes
// the pool.
func (c *checkpointer) close() error {
	close(c.stop)
	<-c.done
	return c.pool.Close()
}
