package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/sqlrow"
)

// CreateNamespace stores n; ECONFLICT if a namespace of that name exists.
func (db *DB) CreateNamespace(ctx context.Context, n *tether.Namespace) error {
	const op = "sqlite.CreateNamespace"
	err := insertNamespace(ctx, db.write, n, "")
	if isUnique(err) {
		return tether.NamespaceExists(op, n.Name)
	}
	return storeErr(ctx, op, err)
}

// insertNamespace inserts n; onConflict is "" or an ON CONFLICT clause.
func insertNamespace(ctx context.Context, e execer, n *tether.Namespace, onConflict string) error {
	_, err := e.ExecContext(ctx, `INSERT INTO namespaces (`+sqlrow.NamespaceColumns+`) VALUES (?, ?) `+onConflict,
		n.Name, toMicros(n.CreatedAt))
	return err
}

// GetNamespace returns the namespace, or ENOTFOUND.
func (db *DB) GetNamespace(ctx context.Context, name string) (*tether.Namespace, error) {
	const op = "sqlite.GetNamespace"
	n, err := sqlrow.Namespace[times](db.read.QueryRowContext(ctx,
		`SELECT `+sqlrow.NamespaceColumns+` FROM namespaces WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tether.NamespaceNotFound(op, name)
	}
	if err != nil {
		return nil, storeErr(ctx, op, err)
	}
	return n, nil
}

// ListNamespaces returns every namespace, ordered by name.
func (db *DB) ListNamespaces(ctx context.Context) ([]*tether.Namespace, error) {
	return queryNamespaces(ctx, "sqlite.ListNamespaces", db.read)
}

// queryNamespaces reads every namespace through q, in name order.
func queryNamespaces(ctx context.Context, op string, q querier) ([]*tether.Namespace, error) {
	return queryAll(ctx, op, q, sqlrow.Namespace[times], `SELECT `+sqlrow.NamespaceColumns+` FROM namespaces ORDER BY name`)
}

// DeleteNamespace removes the namespace and its role bindings, and with
// force its connections, in one write transaction; see
// tether.NamespaceStore. A vital connection refuses the deletion whether
// force is given or not: telling the caller to use force would only lead to
// that refusal. The checks and the deletes share the transaction, and
// SQLite has one writer at a time, so no write can slip in between.
func (db *DB) DeleteNamespace(ctx context.Context, name string, force bool) error {
	const op = "sqlite.DeleteNamespace"
	if name == tether.DefaultNamespace {
		return tether.DefaultUndeletable(op)
	}
	defer db.cache.forgetAll()
	defer db.changed()
	return db.inTx(ctx, op, func(tx *sql.Tx) error {
		if err := checkNamespaceDeletable(ctx, op, tx, name, force); err != nil {
			return err
		}
		for _, q := range []string{
			`DELETE FROM connections WHERE namespace = ?`,
			`DELETE FROM role_bindings WHERE namespace = ?`,
			`DELETE FROM namespaces WHERE name = ?`,
		} {
			if _, err := tx.ExecContext(ctx, q, name); err != nil {
				return storeErr(ctx, op, err)
			}
		}
		return nil
	})
}

// checkNamespaceDeletable returns the error that refuses deleting the
// namespace name, as tx sees it, or nil if it may go.
func checkNamespaceDeletable(ctx context.Context, op string, tx *sql.Tx, name string, force bool) error {
	var found bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM namespaces WHERE name = ?)`, name).
		Scan(&found); err != nil {
		return storeErr(ctx, op, err)
	}
	if !found {
		return tether.NamespaceNotFound(op, name)
	}
	var count int
	var vital sql.NullString
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*), MIN(CASE WHEN vital THEN id END)
		FROM connections WHERE namespace = ?`, name).Scan(&count, &vital); err != nil {
		return storeErr(ctx, op, err)
	}
	switch {
	case vital.Valid:
		return tether.VitalInNamespace(op, name, vital.String)
	case count > 0 && !force:
		return tether.NamespaceNotEmpty(op, name, count)
	}
	return nil
}
