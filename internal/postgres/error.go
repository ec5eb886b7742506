package postgres

import (
	"context"
	"errors"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/tether-ml/tether"
)

// uniqueViolation is PostgreSQL's SQLSTATE for a duplicate key.
const uniqueViolation = "23505"

// storeErr maps a driver error for operation op as tether.StoreFailure
// does, but for a server that cannot be reached, or that is shutting down:
// that is EUNAVAILABLE, so that clients of a replicated deployment know a
// retry may succeed. PostgreSQL's error text never holds the values of a
// statement (the DETAIL that may quote a key is not part of
// PgError.Error()).
func storeErr(ctx context.Context, op string, err error) error {
	if err != nil && ctx.Err() == nil && unavailable(err) {
		return &tether.Error{Code: tether.EUNAVAILABLE, Op: op, Message: "the database is unavailable", Err: err}
	}
	return tether.StoreFailure(ctx, op, err)
}

// unavailable reports whether err means the server is out of reach rather
// than the request wrong: a failed connection attempt, a network error, a
// connection exception (SQLSTATE class 08) or an operator intervention
// such as a shutdown (57P*).
func unavailable(err error) bool {
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	if errors.As(err, &connectErr) || errors.As(err, &netErr) {
		return true
	}
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (strings.HasPrefix(pgErr.Code, "08") || strings.HasPrefix(pgErr.Code, "57P"))
}

// isUnique reports whether err is a violation of a PRIMARY KEY or UNIQUE
// constraint, i.e. a duplicate.
func isUnique(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == uniqueViolation
}

// constraintOf returns the name of the constraint err violated, or "".
func constraintOf(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.ConstraintName
	}
	return ""
}
