package postgres

import (
	"context"
	"time"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/sqlrow"
)

// SetLastTest stores result as the last test of the record (ns, id) if its
// version is still version, leaving its version and timestamps alone: a
// test result says how the connection fared, it does not change it. It
// reports false, without error, if the record changed or disappeared.
func (db *DB) SetLastTest(ctx context.Context, ns, id string, version int64, result []byte) (bool, error) {
	const op = "postgres.SetLastTest"
	var kept *time.Time // NULL with no result
	if result != nil {
		now := time.Now()
		kept = &now
	}
	tag, err := db.pool.Exec(ctx, `UPDATE connections SET last_test = $1, last_test_at = $2
		WHERE namespace = $3 AND id = $4 AND version = $5`, sqlrow.Blob(result), kept, ns, id, version)
	if err != nil {
		return false, storeErr(ctx, op, err)
	}
	return tag.RowsAffected() == 1, nil
}

// ExpiringRecords returns the states of up to limit records with an
// expiry, soonest first: a walk of the partial index connections_expires_at.
func (db *DB) ExpiringRecords(ctx context.Context, limit int) ([]*tether.RecordState, error) {
	const op = "postgres.ExpiringRecords"
	return queryAll(ctx, op, db.pool, sqlrow.State[times], `SELECT `+sqlrow.StateColumns+`
		FROM connections WHERE expires_at IS NOT NULL
		ORDER BY expires_at, namespace, id LIMIT $1`, max(limit, 0))
}

// TestedRecords returns the states of up to limit records with a last
// test, in (namespace, id) order: a walk of the partial index
// connections_tested.
func (db *DB) TestedRecords(ctx context.Context, limit int) ([]*tether.RecordState, error) {
	const op = "postgres.TestedRecords"
	return queryAll(ctx, op, db.pool, sqlrow.State[times], `SELECT `+sqlrow.StateColumns+`
		FROM connections WHERE last_test IS NOT NULL
		ORDER BY namespace, id LIMIT $1`, max(limit, 0))
}

// DueRecords returns the states of the records q selects, tested the
// longest ago first: a walk of the index on (namespace, last_test_at) for
// one namespace, or on last_test_at for all, which stops at q.Before.
func (db *DB) DueRecords(ctx context.Context, q tether.DueQuery) ([]*tether.RecordState, error) {
	const op = "postgres.DueRecords"
	if len(q.Types) == 0 {
		return []*tether.RecordState{}, nil
	}
	where, first := `namespace = $1`, any(q.Namespace)
	if q.Namespace == "" {
		except := q.Except
		if except == nil {
			except = []string{}
		}
		where, first = `namespace <> ALL($1)`, except
	}
	return queryAll(ctx, op, db.pool, sqlrow.State[times], `SELECT `+sqlrow.StateColumns+`
		FROM connections WHERE `+where+` AND type = ANY($2)
		AND (last_test_at IS NULL OR last_test_at < $3)
		ORDER BY last_test_at NULLS FIRST, namespace, id LIMIT $4`,
		first, q.Types, q.Before, max(q.Limit, 0))
}
