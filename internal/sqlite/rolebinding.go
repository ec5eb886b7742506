package sqlite

import (
	"context"
	"database/sql"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/sqlrow"
)

// CreateRoleBinding stores b; ECONFLICT if its ID exists, or if a binding
// of the same subject, role and namespace does, with a message saying
// which. The lookup that picks the message shares the insert's transaction.
func (db *DB) CreateRoleBinding(ctx context.Context, b *tether.RoleBinding) error {
	const op = "sqlite.CreateRoleBinding"
	defer db.changed()
	return db.inTx(ctx, op, func(tx *sql.Tx) error {
		err := insertRoleBinding(ctx, tx, b, "")
		if !isUnique(err) {
			return storeErr(ctx, op, err)
		}
		var sameID bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM role_bindings WHERE id = ?)`, b.ID).
			Scan(&sameID); err != nil {
			return storeErr(ctx, op, err)
		}
		return tether.RoleBindingConflict(op, b, sameID)
	})
}

// insertRoleBinding inserts b; onConflict is "" or an ON CONFLICT clause.
func insertRoleBinding(ctx context.Context, e execer, b *tether.RoleBinding, onConflict string) error {
	_, err := e.ExecContext(ctx, `INSERT INTO role_bindings (`+sqlrow.RoleBindingColumns+`)
		VALUES (?, ?, ?, ?, ?) `+onConflict, sqlrow.RoleBindingValues[times](b)...)
	return err
}

// ListRoleBindings returns every role binding, ordered by (namespace,
// subject, role).
func (db *DB) ListRoleBindings(ctx context.Context) ([]*tether.RoleBinding, error) {
	return queryRoleBindings(ctx, "sqlite.ListRoleBindings", db.read)
}

// queryRoleBindings reads every role binding through q, in (namespace,
// subject, role) order.
func queryRoleBindings(ctx context.Context, op string, q querier) ([]*tether.RoleBinding, error) {
	return queryAll(ctx, op, q, sqlrow.RoleBinding[times], `SELECT `+sqlrow.RoleBindingColumns+`
		FROM role_bindings ORDER BY namespace, subject, role`)
}

// DeleteRoleBinding removes the binding; ENOTFOUND if absent.
func (db *DB) DeleteRoleBinding(ctx context.Context, id string) error {
	const op = "sqlite.DeleteRoleBinding"
	defer db.changed()
	res, err := db.write.ExecContext(ctx, `DELETE FROM role_bindings WHERE id = ?`, id)
	n, err := affected(res, err)
	if err != nil {
		return storeErr(ctx, op, err)
	}
	if n == 0 {
		return tether.RoleBindingNotFound(op, id)
	}
	return nil
}
