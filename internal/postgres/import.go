package postgres

import (
	"context"
	"errors"
	"iter"

	"github.com/jackc/pgx/v5"
	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/sqlrow"
)

// Import writes d in one transaction: all of it or nothing; see
// tether.Store. It fails with ECONFLICT, writing nothing, if the store holds
// a record, if the dump holds one twice, or if a token or role binding of
// the dump contradicts one the store holds.
//
// The connections table is locked against writes (readers carry on) for the
// whole import, so the emptiness check stays true until the commit: a
// replica cannot create a record in between, and two imports run one after
// the other. Records and audit events are sent with COPY, streamed from the
// dump as the server takes them: 100,000 records import in seconds, in
// bounded memory.
func (db *DB) Import(ctx context.Context, d *tether.Dump) error {
	const op = "postgres.Import"
	return db.inTx(ctx, op, pgx.TxOptions{}, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `LOCK TABLE connections IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			return storeErr(ctx, op, err)
		}
		var held bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM connections)`).Scan(&held); err != nil {
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
		// Namespaces holding records but not listed (an older backup
		// format lists none) are created as with their first record.
		if _, err := tx.Exec(ctx, `INSERT INTO namespaces (name, created_at)
			SELECT namespace, MIN(created_at) FROM connections GROUP BY namespace
			ON CONFLICT (name) DO NOTHING`); err != nil {
			return storeErr(ctx, op, err)
		}
		if d.Audit == nil {
			return nil
		}
		return importAudit(ctx, op, tx, d.Audit)
	})
}

// importSmall writes the key checks, namespaces, tokens and role bindings
// of d in one round trip, keeping those the store already has in the same
// form: ON CONFLICT DO NOTHING without a target skips a row that breaks any
// uniqueness constraint (a token's id or hash; a binding's id or its
// subject, role and namespace). A query after each token and binding then
// checks that what stands under its id is it (a binding: grants the same).
func importSmall(ctx context.Context, op string, tx pgx.Tx, d *tether.Dump) error {
	b := &pgx.Batch{}
	for keyID, sealed := range d.KeyChecks {
		b.Queue(`INSERT INTO key_checks (key_id, sealed) VALUES ($1, $2) ON CONFLICT (key_id) DO NOTHING`,
			keyID, sqlrow.NonNil(sealed))
	}
	for _, n := range d.Namespaces {
		// A namespace both hold has existed since the earlier of the two.
		b.Queue(insertNamespace+` ON CONFLICT (name) DO UPDATE
			SET created_at = LEAST(namespaces.created_at, excluded.created_at)`, n.Name, n.CreatedAt)
	}
	var conflict error
	check := func(fail error) func(pgx.Row) error {
		return func(row pgx.Row) error {
			var ok bool
			if err := row.Scan(&ok); err != nil {
				return err
			}
			if !ok && conflict == nil {
				conflict = fail
			}
			return nil
		}
	}
	for _, t := range d.Tokens {
		b.Queue(insertToken+` ON CONFLICT DO NOTHING`, sqlrow.TokenValues[times](t)...)
		b.Queue(`SELECT EXISTS (SELECT 1 FROM tokens WHERE id = $1 AND hash = $2 AND subject = $3)`,
			t.ID, sqlrow.NonNil(t.Hash), t.Subject).QueryRow(check(tether.ImportTokenConflict(op, t)))
	}
	for _, rb := range d.RoleBindings {
		b.Queue(insertRoleBinding+` ON CONFLICT DO NOTHING`, sqlrow.RoleBindingValues[times](rb)...)
		b.Queue(`SELECT NOT EXISTS (SELECT 1 FROM role_bindings
			WHERE id = $1 AND (subject <> $2 OR role <> $3 OR namespace <> $4))`,
			rb.ID, rb.Subject, string(rb.Role), rb.Namespace).QueryRow(check(tether.ImportRoleBindingConflict(op, rb)))
	}
	if b.Len() == 0 {
		return nil
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return storeErr(ctx, op, err)
	}
	return conflict
}

// importRecords copies records into the connections table. An error of the
// sequence itself is returned as is.
func importRecords(ctx context.Context, op string, tx pgx.Tx, records iter.Seq2[*tether.Record, error]) error {
	next, stop := iter.Pull2(records)
	defer stop()
	src := &recordSource{op: op, next: next}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"connections"}, sqlrow.ColumnNames(sqlrow.RecordColumns), src)
	switch {
	case src.err != nil:
		return src.err
	case isUnique(err):
		// The store was empty: the dump holds a record twice, out of order.
		return &tether.Error{Code: tether.ECONFLICT, Op: op, Message: "the dump holds a connection twice"}
	}
	return storeErr(ctx, op, err)
}

// errSourceFailed is what COPY is told when the dump's records fail: the
// reason, which pgx would send to the server (and its log), stays in the
// process.
var errSourceFailed = errors.New("reading the records of the dump failed")

// recordSource feeds COPY from a pulled record sequence. It stops at the
// sequence's first error, or at a record equal to the one before it (the
// one duplicate it can name, since dumps come in key order).
type recordSource struct {
	op   string
	next func() (*tether.Record, error, bool)
	r    *tether.Record
	err  error
}

// Next advances to the next record; see pgx.CopyFromSource.
func (s *recordSource) Next() bool {
	r, err, ok := s.next()
	switch {
	case !ok:
		return false
	case err != nil:
		s.err = err
		return false
	case r == nil:
		s.err = &tether.Error{Code: tether.EINVALID, Op: s.op, Message: "the dump holds an empty record"}
		return false
	case s.r != nil && s.r.Namespace == r.Namespace && s.r.ID == r.ID:
		s.err = tether.ImportDuplicateRecord(s.op, r.ID)
		return false
	}
	s.r = r
	return true
}

// Values returns the current record's columns; see pgx.CopyFromSource.
func (s *recordSource) Values() ([]any, error) { return sqlrow.RecordValues[times](s.r), nil }

// Err reports that the sequence stopped early; see pgx.CopyFromSource.
func (s *recordSource) Err() error {
	if s.err != nil {
		return errSourceFailed
	}
	return nil
}
