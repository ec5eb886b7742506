package sqlite

import (
	"context"
	"errors"

	"github.com/tether-ml/tether"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// storeErr maps a driver error for operation op; see tether.StoreFailure.
func storeErr(ctx context.Context, op string, err error) error {
	return tether.StoreFailure(ctx, op, err)
}

// isUnique reports whether err is a violation of a PRIMARY KEY or UNIQUE
// constraint, i.e. a duplicate.
func isUnique(err error) bool {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	return e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}
