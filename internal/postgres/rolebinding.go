package postgres

import (
	"context"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/sqlrow"
)

// insertRoleBinding is the statement that stores a role binding; a suffix
// such as ON CONFLICT DO NOTHING may follow it.
const insertRoleBinding = `INSERT INTO role_bindings (` + sqlrow.RoleBindingColumns + `) VALUES ($1, $2, $3, $4, $5)`

// roleBindingPkey is the name PostgreSQL gives role_bindings' primary key:
// a violation of it is a duplicate id, any other a duplicate
// (subject, role, namespace).
const roleBindingPkey = "role_bindings_pkey"

// CreateRoleBinding stores b; ECONFLICT if its ID exists, or if a binding
// of the same subject, role and namespace does, with a message saying
// which.
func (db *DB) CreateRoleBinding(ctx context.Context, b *tether.RoleBinding) error {
	const op = "postgres.CreateRoleBinding"
	_, err := db.pool.Exec(ctx, insertRoleBinding, sqlrow.RoleBindingValues[times](b)...)
	if isUnique(err) {
		return tether.RoleBindingConflict(op, b, constraintOf(err) == roleBindingPkey)
	}
	return storeErr(ctx, op, err)
}

// ListRoleBindings returns every role binding, ordered by (namespace,
// subject, role).
func (db *DB) ListRoleBindings(ctx context.Context) ([]*tether.RoleBinding, error) {
	return queryRoleBindings(ctx, "postgres.ListRoleBindings", db.pool)
}

// queryRoleBindings reads every role binding through q, in (namespace,
// subject, role) order.
func queryRoleBindings(ctx context.Context, op string, q querier) ([]*tether.RoleBinding, error) {
	return queryAll(ctx, op, q, sqlrow.RoleBinding[times],
		`SELECT `+sqlrow.RoleBindingColumns+` FROM role_bindings ORDER BY namespace, subject, role`)
}

// DeleteRoleBinding removes the binding; ENOTFOUND if absent.
func (db *DB) DeleteRoleBinding(ctx context.Context, id string) error {
	const op = "postgres.DeleteRoleBinding"
	tag, err := db.pool.Exec(ctx, `DELETE FROM role_bindings WHERE id = $1`, id)
	if err != nil {
		return storeErr(ctx, op, err)
	}
	if tag.RowsAffected() == 0 {
		return tether.RoleBindingNotFound(op, id)
	}
	return nil
}
