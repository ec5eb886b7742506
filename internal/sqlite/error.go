package sqlite

import (
	"context"
	"errors"
	"fmt"

	"github.com/tether-ml/tether"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// storeErr maps a driver error for operation op. A cancelled or expired
// context is returned as such (errors.Is(err, context.Canceled) holds), so
// callers can tell "the client went away" from a failure; anything else is
// an internal error whose cause is kept for the log and hidden from the
// caller. Expected conditions (not found, conflict) are detected by the
// callers, which know the id to name in the message.
func storeErr(ctx context.Context, op string, err error) error {
	if err == nil {
		return nil
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("%s: %w", op, ctxErr)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: %w", op, err)
	}
	return tether.Internal(op, err)
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
