package sqlite

import (
	"context"
	"database/sql"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/sqlrow"
)

// CountRecords counts the records of every namespace.
func (db *DB) CountRecords(ctx context.Context) (int, error) {
	return count(ctx, "sqlite.CountRecords", db.read, `SELECT COUNT(*) FROM connections`)
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
	if d.RecordCount, err = count(ctx, op, tx, `SELECT COUNT(*) FROM connections`); err != nil {
		return err
	}
	// The audit log oldest first, the records in (namespace, id) order.
	d.Records = queryEach(ctx, op, tx, sqlrow.Record[times],
		`SELECT `+sqlrow.RecordColumns+` FROM connections ORDER BY namespace, id`)
	d.Versions = queryEach(ctx, op, tx, sqlrow.Version[times],
		`SELECT `+sqlrow.VersionColumns+` FROM connection_versions ORDER BY namespace, id, version`)
	d.Audit = queryEach(ctx, op, tx, sqlrow.AuditEvent[times],
		`SELECT `+sqlrow.AuditColumns+` FROM audit_events ORDER BY id`)
	return fn(d)
}
