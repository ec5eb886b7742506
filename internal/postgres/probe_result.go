package postgres

import (
	"context"

	"github.com/tether-ml/tether/internal/sqlrow"
)

// SetLastTest stores result as the last test of the record (ns, id) if its
// version is still version, leaving its version and timestamps alone: a
// test result says how the connection fared, it does not change it. It
// reports false, without error, if the record changed or disappeared.
func (db *DB) SetLastTest(ctx context.Context, ns, id string, version int64, result []byte) (bool, error) {
	const op = "postgres.SetLastTest"
	tag, err := db.pool.Exec(ctx, `UPDATE connections SET last_test = $1
		WHERE namespace = $2 AND id = $3 AND version = $4`, sqlrow.Blob(result), ns, id, version)
	if err != nil {
		return false, storeErr(ctx, op, err)
	}
	return tag.RowsAffected() == 1, nil
}
