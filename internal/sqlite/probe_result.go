package sqlite

import (
	"context"

	"github.com/tether-ml/tether/internal/sqlrow"
)

// SetLastTest stores result as the last test of the record (ns, id) if its
// version is still version, leaving its version and timestamps alone: a
// test result says how the connection fared, it does not change it. It
// reports false, without error, if the record changed or disappeared.
func (db *DB) SetLastTest(ctx context.Context, ns, id string, version int64, result []byte) (bool, error) {
	const op = "sqlite.SetLastTest"
	defer db.cache.forget(ns, id)
	res, err := db.write.ExecContext(ctx, `UPDATE connections SET last_test = ?
		WHERE namespace = ? AND id = ? AND version = ?`, sqlrow.Blob(result), ns, id, version)
	n, err := affected(res, err)
	if err != nil {
		return false, storeErr(ctx, op, err)
	}
	return n == 1, nil
}
