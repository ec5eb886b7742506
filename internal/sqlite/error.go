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

// notFound is the ENOTFOUND error for a connection.
func notFound(op, id string) error {
	return &tether.Error{Code: tether.ENOTFOUND, Op: op, Message: fmt.Sprintf("connection %q not found", id)}
}

// namespaceNotFound is the ENOTFOUND error for a namespace.
func namespaceNotFound(op, name string) error {
	return &tether.Error{Code: tether.ENOTFOUND, Op: op, Message: fmt.Sprintf("namespace %q not found", name)}
}

// defaultUndeletable refuses to delete the namespace that always exists.
func defaultUndeletable(op string) error {
	return &tether.Error{Code: tether.EINVALID, Op: op,
		Message: fmt.Sprintf("the namespace %q cannot be deleted", tether.DefaultNamespace)}
}

// vitalInNamespace refuses to delete a namespace holding the vital
// connection id, force or not.
func vitalInNamespace(op, name, id string) error {
	return &tether.Error{Code: tether.EINVALID, Op: op, Message: fmt.Sprintf(
		"namespace %q cannot be deleted: its connection %q is vital", name, id)}
}

// namespaceNotEmpty refuses to delete, without force, a namespace holding
// count connections.
func namespaceNotEmpty(op, name string, count int) error {
	noun, them := "connections", "them"
	if count == 1 {
		noun, them = "connection", "it"
	}
	return &tether.Error{Code: tether.ECONFLICT, Op: op, Message: fmt.Sprintf(
		"namespace %q holds %d %s; delete %s first, or use --force to delete %s with the namespace",
		name, count, noun, them, them)}
}

// bindingConflict is the ECONFLICT error for creating b: its id is taken
// (sameID), or its subject already holds its role in its namespace.
func bindingConflict(op string, b *tether.RoleBinding, sameID bool) error {
	if sameID {
		return &tether.Error{Code: tether.ECONFLICT, Op: op, Message: fmt.Sprintf("role binding %q already exists", b.ID)}
	}
	where := fmt.Sprintf("namespace %q", b.Namespace)
	if b.Namespace == tether.AllNamespaces {
		where = "every namespace"
	}
	return &tether.Error{Code: tether.ECONFLICT, Op: op, Message: fmt.Sprintf(
		"%s already holds role %s in %s", b.Subject, b.Role, where)}
}
