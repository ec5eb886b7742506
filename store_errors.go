package tether

import (
	"context"
	"errors"
	"fmt"
)

// The errors every Store returns for the same situations, with the same
// messages, so that callers and tests see one wording whatever the store.

// ConnectionNotFound is the ENOTFOUND error for a connection.
func ConnectionNotFound(op, id string) error {
	return &Error{Code: ENOTFOUND, Op: op, Message: fmt.Sprintf("connection %q not found", id)}
}

// NamespaceNotFound is the ENOTFOUND error for a namespace.
func NamespaceNotFound(op, name string) error {
	return &Error{Code: ENOTFOUND, Op: op, Message: fmt.Sprintf("namespace %q not found", name)}
}

// DefaultUndeletable refuses to delete the namespace that always exists.
func DefaultUndeletable(op string) error {
	return &Error{Code: EINVALID, Op: op, Message: fmt.Sprintf("the namespace %q cannot be deleted", DefaultNamespace)}
}

// VitalInNamespace refuses to delete a namespace holding the vital
// connection id, force or not.
func VitalInNamespace(op, name, id string) error {
	return &Error{Code: EINVALID, Op: op, Message: fmt.Sprintf(
		"namespace %q cannot be deleted: its connection %q is vital", name, id)}
}

// NamespaceNotEmpty refuses to delete, without force, a namespace holding
// count connections.
func NamespaceNotEmpty(op, name string, count int) error {
	noun, them := "connections", "them"
	if count == 1 {
		noun, them = "connection", "it"
	}
	return &Error{Code: ECONFLICT, Op: op, Message: fmt.Sprintf(
		"namespace %q holds %d %s; delete %s first, or use --force to delete %s with the namespace",
		name, count, noun, them, them)}
}

// RoleBindingConflict is the ECONFLICT error for creating b: its id is
// taken (sameID), or its subject already holds its role in its namespace.
func RoleBindingConflict(op string, b *RoleBinding, sameID bool) error {
	if sameID {
		return &Error{Code: ECONFLICT, Op: op, Message: fmt.Sprintf("role binding %q already exists", b.ID)}
	}
	where := fmt.Sprintf("namespace %q", b.Namespace)
	if b.Namespace == AllNamespaces {
		where = "every namespace"
	}
	return &Error{Code: ECONFLICT, Op: op, Message: fmt.Sprintf("%s already holds role %s in %s", b.Subject, b.Role, where)}
}

// ImportNotEmpty refuses to import a dump into a store holding records.
func ImportNotEmpty(op string) error {
	return &Error{Code: ECONFLICT, Op: op, Message: "the store already holds connections: a restore needs a store without any"}
}

// ImportTokenConflict refuses to import token t: the store holds another
// token of its id or hash.
func ImportTokenConflict(op string, t *Token) error {
	return &Error{Code: ECONFLICT, Op: op, Message: fmt.Sprintf(
		"token %q of the backup conflicts with a token this server holds (same id or hash, another token): revoke that one first", t.ID)}
}

// ImportRoleBindingConflict refuses to import binding b: the store holds
// a binding of its id that grants something else.
func ImportRoleBindingConflict(op string, b *RoleBinding) error {
	return &Error{Code: ECONFLICT, Op: op, Message: fmt.Sprintf(
		"role binding %q of the backup conflicts with a role binding of that id this server holds, which grants something else: delete that one first", b.ID)}
}

// ImportDuplicateRecord refuses a dump holding the record id twice.
func ImportDuplicateRecord(op, id string) error {
	return &Error{Code: ECONFLICT, Op: op, Message: fmt.Sprintf("the dump holds connection %q twice", id)}
}

// ConnectionExists is the ECONFLICT error for creating a connection whose
// id its namespace already holds.
func ConnectionExists(op, id string) error {
	return &Error{Code: ECONFLICT, Op: op, Message: fmt.Sprintf("connection %q already exists", id)}
}

// ConnectionChanged is the ECONFLICT error for updating connection id
// from version, which another writer has replaced since.
func ConnectionChanged(op, id string, version int64) error {
	return &Error{Code: ECONFLICT, Op: op, Message: fmt.Sprintf(
		"connection %q was changed by someone else since version %d; read it again and retry", id, version)}
}

// VitalUndeletable refuses to delete the vital connection id.
func VitalUndeletable(op, id string) error {
	return &Error{Code: EINVALID, Op: op, Message: fmt.Sprintf("connection %q is vital and cannot be deleted", id)}
}

// NamespaceExists is the ECONFLICT error for creating a namespace whose
// name is taken.
func NamespaceExists(op, name string) error {
	return &Error{Code: ECONFLICT, Op: op, Message: fmt.Sprintf("namespace %q already exists", name)}
}

// TokenExists is the ECONFLICT error for creating a token whose id or hash
// is taken. It names neither: the hash is never shown.
func TokenExists(op string) error {
	return &Error{Code: ECONFLICT, Op: op, Message: "token already exists"}
}

// TokenNotFound is the ENOTFOUND error for the token id.
func TokenNotFound(op, id string) error {
	return &Error{Code: ENOTFOUND, Op: op, Message: fmt.Sprintf("token %q not found", id)}
}

// TokenHashNotFound is the ENOTFOUND error for a token looked up by its
// hash, which the message does not name.
func TokenHashNotFound(op string) error {
	return &Error{Code: ENOTFOUND, Op: op, Message: "token not found"}
}

// RoleBindingNotFound is the ENOTFOUND error for the role binding id.
func RoleBindingNotFound(op, id string) error {
	return &Error{Code: ENOTFOUND, Op: op, Message: fmt.Sprintf("role binding %q not found", id)}
}

// StoreFailure is the error a store returns when its database fails op
// with err (nil for nil). A cancelled or expired context is returned as
// such (errors.Is(err, context.Canceled) holds), so callers can tell "the
// client went away" from a failure; anything else is an internal error
// whose cause is kept for the log and hidden from the caller. Expected
// conditions (not found, conflict) are the store's to detect, since it
// knows the id to name in the message.
func StoreFailure(ctx context.Context, op string, err error) error {
	if err == nil {
		return nil
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("%s: %w", op, ctxErr)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: %w", op, err)
	}
	return Internal(op, err)
}
