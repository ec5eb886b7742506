package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/sqlrow"
)

// insertNamespace is the statement that stores a namespace; a suffix such
// as ON CONFLICT (name) DO NOTHING may follow it.
const insertNamespace = `INSERT INTO namespaces (` + sqlrow.NamespaceColumns + `) VALUES ($1, $2)`

// CreateNamespace stores n; ECONFLICT if a namespace of that name exists.
func (db *DB) CreateNamespace(ctx context.Context, n *tether.Namespace) error {
	const op = "postgres.CreateNamespace"
	_, err := db.pool.Exec(ctx, insertNamespace, n.Name, n.CreatedAt)
	if isUnique(err) {
		return tether.NamespaceExists(op, n.Name)
	}
	return storeErr(ctx, op, err)
}

// GetNamespace returns the namespace, or ENOTFOUND.
func (db *DB) GetNamespace(ctx context.Context, name string) (*tether.Namespace, error) {
	const op = "postgres.GetNamespace"
	n, err := sqlrow.Namespace[times](db.pool.QueryRow(ctx,
		`SELECT `+sqlrow.NamespaceColumns+` FROM namespaces WHERE name = $1`, name))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, tether.NamespaceNotFound(op, name)
	}
	if err != nil {
		return nil, storeErr(ctx, op, err)
	}
	return n, nil
}

// ListNamespaces returns every namespace, ordered by name.
func (db *DB) ListNamespaces(ctx context.Context) ([]*tether.Namespace, error) {
	return queryNamespaces(ctx, "postgres.ListNamespaces", db.pool)
}

// queryNamespaces reads every namespace through q, in name order.
func queryNamespaces(ctx context.Context, op string, q querier) ([]*tether.Namespace, error) {
	return queryAll(ctx, op, q, sqlrow.Namespace[times], `SELECT `+sqlrow.NamespaceColumns+` FROM namespaces ORDER BY name`)
}

// DeleteNamespace removes the namespace and its role bindings, and with
// force its connections, in one transaction; see tether.NamespaceStore. A
// vital connection refuses the deletion whether force is given or not:
// telling the caller to use force would only lead to that refusal.
//
// The connections table is locked against writes (readers carry on) for
// the transaction, so that neither a connection made vital nor one created
// meanwhile can slip between the checks and the deletes; it is locked
// before the namespace's row, in the order Import takes them, so the two
// cannot deadlock. Deleting a namespace is rare; connection writes wait for
// it.
func (db *DB) DeleteNamespace(ctx context.Context, name string, force bool) error {
	const op = "postgres.DeleteNamespace"
	if name == tether.DefaultNamespace {
		return tether.DefaultUndeletable(op)
	}
	return db.inTx(ctx, op, pgx.TxOptions{}, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `LOCK TABLE connections IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			return storeErr(ctx, op, err)
		}
		if err := checkNamespaceDeletable(ctx, op, tx, name, force); err != nil {
			return err
		}
		b := &pgx.Batch{}
		b.Queue(`DELETE FROM connections WHERE namespace = $1`, name)
		b.Queue(`DELETE FROM role_bindings WHERE namespace = $1`, name)
		b.Queue(`DELETE FROM namespaces WHERE name = $1`, name)
		return storeErr(ctx, op, tx.SendBatch(ctx, b).Close())
	})
}

// checkNamespaceDeletable locks the namespace's row and returns the error
// that refuses deleting it, or nil if it may go.
func checkNamespaceDeletable(ctx context.Context, op string, tx pgx.Tx, name string, force bool) error {
	var found bool
	err := tx.QueryRow(ctx, `SELECT true FROM namespaces WHERE name = $1 FOR UPDATE`, name).Scan(&found)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return tether.NamespaceNotFound(op, name)
	case err != nil:
		return storeErr(ctx, op, err)
	}
	var count int
	var vital *string
	if err := tx.QueryRow(ctx, `SELECT COUNT(*), MIN(id) FILTER (WHERE vital)
		FROM connections WHERE namespace = $1`, name).Scan(&count, &vital); err != nil {
		return storeErr(ctx, op, err)
	}
	switch {
	case vital != nil:
		return tether.VitalInNamespace(op, name, *vital)
	case count > 0 && !force:
		return tether.NamespaceNotEmpty(op, name, count)
	}
	return nil
}
