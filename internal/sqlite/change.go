package sqlite

import (
	"context"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/sqlrow"
)

// Changes returns up to limit changes after the resource version after,
// oldest first, or EGONE if the log no longer holds the first of them.
// The triggers of migration 0004 write the log.
func (db *DB) Changes(ctx context.Context, after int64, limit int) ([]*tether.Change, error) {
	const op = "sqlite.Changes"
	if err := tether.CheckChangesAfter(op, after, 0); err != nil {
		return nil, err
	}
	if err := tether.CheckChangeLimit(op, limit); err != nil {
		return nil, err
	}
	out, err := queryAll(ctx, op, db.read, sqlrow.Change[times], sqlrow.ChangesAfter("?", "?"), after, limit)
	if err != nil {
		return nil, err
	}
	// The oldest is read after the changes: see tether.CheckChangesAfter.
	var oldest int64
	if err := db.read.QueryRowContext(ctx, sqlrow.OldestChange).Scan(&oldest); err != nil {
		return nil, storeErr(ctx, op, err)
	}
	if err := tether.CheckChangesAfter(op, after, oldest); err != nil {
		return nil, err
	}
	return out, nil
}

// ResourceVersion returns the version of the latest change, 0 before the
// first.
func (db *DB) ResourceVersion(ctx context.Context) (int64, error) {
	var v int64
	if err := db.read.QueryRowContext(ctx, sqlrow.LatestChange).Scan(&v); err != nil {
		return 0, storeErr(ctx, "sqlite.ResourceVersion", err)
	}
	return v, nil
}

// setChangeHistory makes the log keep the last keep changes; 0 leaves the
// setting as stored.
func setChangeHistory(ctx context.Context, e execer, keep int) error {
	if keep == 0 {
		return nil
	}
	_, err := e.ExecContext(ctx, `UPDATE change_log_settings SET keep = ?`, keep)
	return storeErr(ctx, "sqlite.Open", err)
}
