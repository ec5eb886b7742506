package sqlite

import (
	"context"
	"database/sql"
	"iter"
	"strconv"

	"github.com/tether-ml/tether"
)

// querier is what a *sql.DB and a *sql.Tx share.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// CountRecords counts the records of every namespace.
func (db *DB) CountRecords(ctx context.Context) (int, error) {
	const op = "sqlite.CountRecords"
	var n int
	if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM connections`).Scan(&n); err != nil {
		return 0, storeErr(ctx, op, err)
	}
	return n, nil
}

// Export passes fn one consistent snapshot of the store: everything is read
// in one read transaction, which in WAL mode sees the database as of its
// first read while writers carry on.
func (db *DB) Export(ctx context.Context, fn func(*tether.Dump) error) error {
	const op = "sqlite.Export"
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return storeErr(ctx, op, err)
	}
	defer func() { _ = tx.Rollback() }()
	d := &tether.Dump{}
	if d.KeyChecks, err = queryKeyChecks(ctx, op, tx); err != nil {
		return err
	}
	if d.Tokens, err = queryTokens(ctx, op, tx); err != nil {
		return err
	}
	if d.Namespaces, err = queryNamespaces(ctx, op, tx); err != nil {
		return err
	}
	if d.RoleBindings, err = queryRoleBindings(ctx, op, tx); err != nil {
		return err
	}
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM connections`).Scan(&d.RecordCount); err != nil {
		return storeErr(ctx, op, err)
	}
	d.Records = exportRecords(ctx, op, tx)
	return fn(d)
}

// exportRecords streams every record in (namespace, id) order.
func exportRecords(ctx context.Context, op string, q querier) iter.Seq2[*tether.Record, error] {
	return func(yield func(*tether.Record, error) bool) {
		rows, err := q.QueryContext(ctx, `SELECT `+recordColumns+` FROM connections ORDER BY namespace, id`)
		if err != nil {
			yield(nil, storeErr(ctx, op, err))
			return
		}
		defer rows.Close()
		for rows.Next() {
			r, err := scanRecord(rows)
			if err != nil {
				yield(nil, storeErr(ctx, op, err))
				return
			}
			if !yield(r, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(nil, storeErr(ctx, op, err))
		}
	}
}

// Import writes d in one transaction; see tether.Store.
func (db *DB) Import(ctx context.Context, d *tether.Dump) error {
	const op = "sqlite.Import"
	defer db.cache.forgetAll()
	return db.inTx(ctx, op, func(tx *sql.Tx) error {
		var held bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM connections)`).Scan(&held); err != nil {
			return storeErr(ctx, op, err)
		}
		if held {
			return &tether.Error{Code: tether.ECONFLICT, Op: op,
				Message: "the store already holds connections: a restore needs a store without any"}
		}
		if err := importSmall(ctx, tx, d); err != nil {
			return storeErr(ctx, op, err)
		}
		if d.Records == nil {
			return nil
		}
		return importRecords(ctx, op, tx, d.Records)
	})
}

// importSmall writes the key checks, tokens, namespaces and role bindings
// of d, keeping those the store already has: ON CONFLICT DO NOTHING without
// a target skips a row that breaks any uniqueness constraint (a token's id
// or hash; a binding's id or its subject, role and namespace).
func importSmall(ctx context.Context, tx *sql.Tx, d *tether.Dump) error {
	for keyID, sealed := range d.KeyChecks {
		if _, err := tx.ExecContext(ctx, `INSERT INTO key_checks (key_id, sealed) VALUES (?, ?)
			ON CONFLICT (key_id) DO NOTHING`, keyID, nonNil(sealed)); err != nil {
			return err
		}
	}
	for _, t := range d.Tokens {
		if err := insertToken(ctx, tx, t, `ON CONFLICT DO NOTHING`); err != nil {
			return err
		}
	}
	for _, n := range d.Namespaces {
		if err := insertNamespace(ctx, tx, n, `ON CONFLICT (name) DO NOTHING`); err != nil {
			return err
		}
	}
	for _, b := range d.RoleBindings {
		if err := insertRoleBinding(ctx, tx, b, `ON CONFLICT DO NOTHING`); err != nil {
			return err
		}
	}
	return nil
}

// importRecords inserts records; a record the dump holds twice is
// ECONFLICT, and an error of the sequence itself is returned as is.
func importRecords(ctx context.Context, op string, tx *sql.Tx, records iter.Seq2[*tether.Record, error]) error {
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO connections (`+recordColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return storeErr(ctx, op, err)
	}
	defer stmt.Close()
	for r, err := range records {
		if err != nil {
			return err
		}
		if _, err := stmt.ExecContext(ctx, r.Namespace, r.ID, r.Type, r.Vital, nonNil(r.Spec), blob(r.Sealed),
			r.KeyID, r.Version, toMicros(r.CreatedAt), toMicros(r.UpdatedAt)); err != nil {
			if isUnique(err) {
				return &tether.Error{Code: tether.ECONFLICT, Op: op, Message: "the dump holds connection " + strconv.Quote(r.ID) + " twice"}
			}
			return storeErr(ctx, op, err)
		}
	}
	return nil
}
