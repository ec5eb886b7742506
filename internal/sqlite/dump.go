package sqlite

import (
	"context"
	"database/sql"
	"iter"

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
	d.Audit = exportAudit(ctx, op, tx)
	return fn(d)
}

// exportAudit streams the audit log, oldest first, when iterated.
func exportAudit(ctx context.Context, op string, q querier) iter.Seq2[*tether.AuditEvent, error] {
	return func(yield func(*tether.AuditEvent, error) bool) {
		rows, err := q.QueryContext(ctx, `SELECT `+auditColumns+` FROM audit_events ORDER BY id`)
		if err != nil {
			yield(nil, storeErr(ctx, op, err))
			return
		}
		defer rows.Close()
		for rows.Next() {
			var e tether.AuditEvent
			var t int64
			if err := rows.Scan(&e.ID, &t, &e.Subject, &e.Action, &e.Namespace, &e.Connection,
				&e.Job, &e.Outcome, &e.Remote, &e.Detail); err != nil {
				yield(nil, storeErr(ctx, op, err))
				return
			}
			e.Time = fromMicros(t)
			if !yield(&e, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(nil, storeErr(ctx, op, err))
		}
	}
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
