package sqlite

import (
	"context"
	"time"

	"github.com/tether-ml/tether"
)

// DeleteAuditBefore deletes up to limit events older than t, oldest first,
// in one statement, and reports how many it deleted. The time-led index
// finds them without reading the rest of the log.
func (db *DB) DeleteAuditBefore(ctx context.Context, t time.Time, limit int) (int, error) {
	const op = "sqlite.DeleteAuditBefore"
	if err := tether.CheckAuditBatch(op, limit); err != nil {
		return 0, err
	}
	res, err := db.write.ExecContext(ctx, `DELETE FROM audit_events WHERE id IN (
		SELECT id FROM audit_events INDEXED BY audit_events_time_namespace_connection
		WHERE time < ? ORDER BY time LIMIT ?)`, toMicros(t), limit)
	if err != nil {
		return 0, storeErr(ctx, op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, storeErr(ctx, op, err)
	}
	return int(n), nil
}
