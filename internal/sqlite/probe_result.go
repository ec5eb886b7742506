package sqlite

import (
	"context"
	"strings"
	"time"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/sqlrow"
)

// SetLastTest stores result as the last test of the record (ns, id) if its
// version is still version, leaving its version and timestamps alone: a
// test result says how the connection fared, it does not change it. It
// reports false, without error, if the record changed or disappeared.
func (db *DB) SetLastTest(ctx context.Context, ns, id string, version int64, result []byte) (bool, error) {
	const op = "sqlite.SetLastTest"
	defer db.cache.forget(ns, id)
	var kept any // NULL with no result
	if result != nil {
		kept = toMicros(time.Now())
	}
	res, err := db.write.ExecContext(ctx, `UPDATE connections SET last_test = ?, last_test_at = ?
		WHERE namespace = ? AND id = ? AND version = ?`, sqlrow.Blob(result), kept, ns, id, version)
	n, err := affected(res, err)
	if err != nil {
		return false, storeErr(ctx, op, err)
	}
	return n == 1, nil
}

// ExpiringRecords returns the states of up to limit records with an
// expiry, soonest first: a walk of the partial index connections_expires_at.
func (db *DB) ExpiringRecords(ctx context.Context, limit int) ([]*tether.RecordState, error) {
	const op = "sqlite.ExpiringRecords"
	return queryAll(ctx, op, db.read, sqlrow.State[times], `SELECT `+sqlrow.StateColumns+`
		FROM connections INDEXED BY connections_expires_at WHERE expires_at IS NOT NULL
		ORDER BY expires_at, namespace, id LIMIT ?`, positive(limit))
}

// TestedRecords returns the states of up to limit records with a last
// test, in (namespace, id) order: a walk of the partial index
// connections_tested.
func (db *DB) TestedRecords(ctx context.Context, limit int) ([]*tether.RecordState, error) {
	const op = "sqlite.TestedRecords"
	return queryAll(ctx, op, db.read, sqlrow.State[times], `SELECT `+sqlrow.StateColumns+`
		FROM connections INDEXED BY connections_tested WHERE last_test IS NOT NULL
		ORDER BY namespace, id LIMIT ?`, positive(limit))
}

// DueRecords returns the states of the records q selects, tested the
// longest ago first: a walk of the index on (namespace, last_test_at) for
// one namespace, or on last_test_at for all, which stops at q.Before.
func (db *DB) DueRecords(ctx context.Context, q tether.DueQuery) ([]*tether.RecordState, error) {
	const op = "sqlite.DueRecords"
	types := q.Types
	if len(types) == 0 {
		return []*tether.RecordState{}, nil
	}
	where, index, args := `namespace = ?`, `connections_namespace_last_test_at`, []any{q.Namespace}
	if q.Namespace == "" {
		where, index, args = `namespace NOT IN (`+marks(len(q.Except))+`)`, `connections_last_test_at`, nil
		for _, ns := range q.Except {
			args = append(args, ns)
		}
	}
	for _, t := range types {
		args = append(args, t)
	}
	args = append(args, toMicros(q.Before), positive(q.Limit))
	return queryAll(ctx, op, db.read, sqlrow.State[times], `SELECT `+sqlrow.StateColumns+`
		FROM connections INDEXED BY `+index+` WHERE `+where+` AND type IN (`+marks(len(types))+`)
		AND (last_test_at IS NULL OR last_test_at < ?)
		ORDER BY last_test_at, namespace, id LIMIT ?`, args...)
}

// marks returns n comma-separated placeholders.
func marks(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// positive returns limit, or 0 (no record) for a limit below 1.
func positive(limit int) int { return max(limit, 0) }
