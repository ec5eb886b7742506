package sqlite

import (
	"context"
	"database/sql"
	"time"
)

// walResetFrames is the WAL size, in frames (pages), past which the
// checkpointer finishes a checkpoint on the writer, so that the WAL
// restarts from its beginning: 32 MiB of 4 KiB pages. A variable for tests.
var walResetFrames = 8192

// checkpointer copies committed WAL frames back into the database file
// from a connection of its own, off the write path.
//
// SQLite's automatic checkpoint runs inside the commit that crosses its
// threshold (1000 frames): that commit, and every write queued behind it
// on the one writer connection, waits for the copy and for the fsync of
// the database file. A reveal waits for its audit event's commit, so those
// pauses were the tail of reveal latency. The writer therefore runs with
// wal_autocheckpoint=0, and this goroutine runs PASSIVE checkpoints, which
// take no lock that writers or readers wait for, every interval. A
// checkpoint with nothing to copy returns at once without syncing, so an
// idle database costs a query per interval.
//
// A checkpoint from another connection cannot restart the WAL: only a
// writer can, at the first commit after a checkpoint that left nothing
// behind, and under a steady stream of writes a checkpoint running beside
// them always leaves the frames committed meanwhile. So once the WAL is
// longer than walResetFrames, the checkpointer runs one more checkpoint on
// the writer connection, between two writes: it copies only what the last
// interval added, and the next write starts the WAL over. Without it the
// WAL would grow for as long as writes keep coming.
type checkpointer struct {
	pool   *sql.DB // a connection of its own
	writer *sql.DB // the writer pool, to finish a long WAL
	stop   chan struct{}
	done   chan struct{}
}

// startCheckpointer checkpoints on pool every interval until stopped.
func startCheckpointer(pool, writer *sql.DB, interval time.Duration) *checkpointer {
	c := &checkpointer{pool: pool, writer: writer, stop: make(chan struct{}), done: make(chan struct{})}
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
			c.checkpoint(context.Background())
		}
	}
}

// checkpoint copies what it can from its own connection, then, if the WAL
// is long, finishes on the writer. A failed checkpoint loses nothing: the
// frames stay in the WAL and the next tick copies them. SQLITE_BUSY
// (another process checkpointing) is the expected failure.
func (c *checkpointer) checkpoint(ctx context.Context) {
	var busy, frames, copied int
	err := c.pool.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &frames, &copied)
	if err != nil || frames < walResetFrames {
		return
	}
	_, _ = c.writer.ExecContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`)
}

// close stops the goroutine, waits for a running checkpoint, and closes
// the pool.
func (c *checkpointer) close() error {
	close(c.stop)
	<-c.done
	return c.pool.Close()
}
