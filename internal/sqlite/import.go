package sqlite

import (
	"context"
	"database/sql"
	"iter"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/sqlrow"
)

// Import writes d in one transaction; see tether.Store.
func (db *DB) Import(ctx context.Context, d *tether.Dump) error {
	const op = "sqlite.Import"
	defer db.cache.forgetAll()
	defer db.changed()
	return db.inTx(ctx, op, func(tx *sql.Tx) error {
		var held bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM connections)`).Scan(&held); err != nil {
			return storeErr(ctx, op, err)
		}
		if held {
			return tether.ImportNotEmpty(op)
		}
		if err := importSmall(ctx, op, tx, d); err != nil {
			return err
		}
		if d.Records != nil {
			if err := importRecords(ctx, op, tx, d.Records); err != nil {
				return err
			}
		}
		if d.Versions != nil {
			if err := importVersions(ctx, op, tx, d.Versions); err != nil {
				return err
			}
		}
		if err := recordNamespaces(ctx, tx); err != nil {
			return storeErr(ctx, op, err)
		}
		if d.Audit == nil {
			return nil
		}
		return importAudit(ctx, op, tx, d.Audit)
	})
}

// importSmall writes the key checks, namespaces, tokens and role bindings
// of d, keeping those the store already has in the same form, and refusing
// a token or binding that contradicts one it has; see tether.Store.
func importSmall(ctx context.Context, op string, tx *sql.Tx, d *tether.Dump) error {
	for keyID, sealed := range d.KeyChecks {
		if _, err := tx.ExecContext(ctx, `INSERT INTO key_checks (key_id, sealed) VALUES (?, ?)
			ON CONFLICT (key_id) DO NOTHING`, keyID, sqlrow.NonNil(sealed)); err != nil {
			return storeErr(ctx, op, err)
		}
	}
	for _, n := range d.Namespaces {
		// A namespace both hold has existed since the earlier of the two.
		if err := insertNamespace(ctx, tx, n, `ON CONFLICT (name) DO UPDATE
			SET created_at = MIN(namespaces.created_at, excluded.created_at)`); err != nil {
			return storeErr(ctx, op, err)
		}
	}
	for _, t := range d.Tokens {
		if err := importToken(ctx, op, tx, t); err != nil {
			return err
		}
	}
	for _, b := range d.RoleBindings {
		if err := importRoleBinding(ctx, op, tx, b); err != nil {
			return err
		}
	}
	return nil
}

// importToken inserts t unless the store holds it: ON CONFLICT DO NOTHING
// without a target skips a row that breaks any uniqueness constraint (id
// or hash); the token of t's id must then be t.
func importToken(ctx context.Context, op string, tx *sql.Tx, t *tether.Token) error {
	if err := insertToken(ctx, tx, t, `ON CONFLICT DO NOTHING`); err != nil {
		return storeErr(ctx, op, err)
	}
	var same bool
	err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM tokens WHERE id = ? AND hash = ? AND subject = ?)`,
		t.ID, sqlrow.NonNil(t.Hash), t.Subject).Scan(&same)
	if err != nil {
		return storeErr(ctx, op, err)
	}
	if !same {
		return tether.ImportTokenConflict(op, t)
	}
	return nil
}

// importRoleBinding inserts b unless the store holds its grant (by id or
// by subject, role and namespace); a binding of b's id must grant b's.
func importRoleBinding(ctx context.Context, op string, tx *sql.Tx, b *tether.RoleBinding) error {
	if err := insertRoleBinding(ctx, tx, b, `ON CONFLICT DO NOTHING`); err != nil {
		return storeErr(ctx, op, err)
	}
	var other bool
	err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM role_bindings
		WHERE id = ? AND (subject <> ? OR role <> ? OR namespace <> ?))`,
		b.ID, b.Subject, string(b.Role), b.Namespace).Scan(&other)
	if err != nil {
		return storeErr(ctx, op, err)
	}
	if other {
		return tether.ImportRoleBindingConflict(op, b)
	}
	return nil
}

// importRecords inserts records; a record the dump holds twice is
// ECONFLICT, and an error of the sequence itself is returned as is.
func importRecords(ctx context.Context, op string, tx *sql.Tx, records iter.Seq2[*tether.Record, error]) error {
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO connections (`+sqlrow.RecordColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return storeErr(ctx, op, err)
	}
	defer stmt.Close()
	for r, err := range records {
		if err != nil {
			return err
		}
		if _, err := stmt.ExecContext(ctx, sqlrow.RecordValues[times](r)...); err != nil {
			if isUnique(err) {
				return tether.ImportDuplicateRecord(op, r.ID)
			}
			return storeErr(ctx, op, err)
		}
	}
	return nil
}

// recordNamespaces creates the namespaces that hold records but are not
// listed (a dump of an older backup format has none), as created with
// their first record.
func recordNamespaces(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO namespaces (name, created_at)
		SELECT namespace, MIN(created_at) FROM connections WHERE true GROUP BY namespace
		ON CONFLICT (name) DO NOTHING`)
	return err
}

// importAudit appends the events in order; the log numbers them.
func importAudit(ctx context.Context, op string, tx *sql.Tx, events iter.Seq2[*tether.AuditEvent, error]) error {
	stmt, err := tx.PrepareContext(ctx, auditInsertSQL(1))
	if err != nil {
		return storeErr(ctx, op, err)
	}
	defer stmt.Close()
	for e, err := range events {
		if err != nil {
			return err
		}
		if _, err := stmt.ExecContext(ctx, sqlrow.AuditValues[times](e)...); err != nil {
			return storeErr(ctx, op, err)
		}
	}
	return nil
}
