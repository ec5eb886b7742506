package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/tether-ml/tether"
)

// CreateRoleBinding stores b; ECONFLICT if its ID exists, or if a binding
// of the same subject, role and namespace does, with a message saying
// which. The lookup that picks the message shares the insert's transaction.
func (db *DB) CreateRoleBinding(ctx context.Context, b *tether.RoleBinding) error {
	const op = "sqlite.CreateRoleBinding"
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
	_, err := e.ExecContext(ctx, `INSERT INTO role_bindings (id, subject, role, namespace, created_at)
		VALUES (?, ?, ?, ?, ?) `+onConflict, b.ID, b.Subject, string(b.Role), b.Namespace, toMicros(b.CreatedAt))
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
	rows, err := q.QueryContext(ctx, `SELECT id, subject, role, namespace, created_at
		FROM role_bindings ORDER BY namespace, subject, role`)
	if err != nil {
		return nil, storeErr(ctx, op, err)
	}
	defer rows.Close()
	out := []*tether.RoleBinding{}
	for rows.Next() {
		var b tether.RoleBinding
		var created int64
		if err := rows.Scan(&b.ID, &b.Subject, &b.Role, &b.Namespace, &created); err != nil {
			return nil, storeErr(ctx, op, err)
		}
		b.CreatedAt = fromMicros(created)
		out = append(out, &b)
	}
	if err := rows.Err(); err != nil {
		return nil, storeErr(ctx, op, err)
	}
	return out, nil
}

// DeleteRoleBinding removes the binding; ENOTFOUND if absent.
func (db *DB) DeleteRoleBinding(ctx context.Context, id string) error {
	const op = "sqlite.DeleteRoleBinding"
	res, err := db.write.ExecContext(ctx, `DELETE FROM role_bindings WHERE id = ?`, id)
	n, err := affected(res, err)
	if err != nil {
		return storeErr(ctx, op, err)
	}
	if n == 0 {
		return &tether.Error{Code: tether.ENOTFOUND, Op: op, Message: fmt.Sprintf("role binding %q not found", id)}
	}
	return nil
}
