package postgres

import (
	"context"
	"errors"
	"fmt"
	"iter"

	"github.com/jackc/pgx/v5"
	"github.com/tether-ml/tether"
)

// Import writes d in one transaction: all of it or nothing; see
// tether.Store. It fails with ECONFLICT, writing nothing, if the store holds
// a record, or if the dump holds one twice. Tokens, key checks, namespaces
// and role bindings the store already has (a token by id or hash, a key
// check by key id, a namespace by name, a binding by id or by subject, role
// and namespace) are kept as stored.
//
// The connections table is locked against writes (readers carry on) for the
// whole import, so the emptiness check stays true until the commit: a
// replica cannot create a record in between, and two imports run one after
// the other. Records are sent with COPY, streamed from d.Records as the
// server takes them: 100,000 records import in seconds, in bounded memory.
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
			return &tether.Error{Code: tether.ECONFLICT, Op: op,
				Message: "the store already holds connections: a restore needs a store without any"}
		}
		if err := importSmall(ctx, op, tx, d); err != nil {
			return err
		}
		if d.Records == nil {
			return nil
		}
		return importRecords(ctx, op, tx, d.Records)
	})
}

// importSmall writes the key checks, tokens, namespaces and role bindings
// of d, in one round trip, keeping those the store already has: ON CONFLICT
// DO NOTHING without a target skips a row that breaks any uniqueness
// constraint (a token's id or hash; a binding's id or its subject, role and
// namespace).
func importSmall(ctx context.Context, op string, tx pgx.Tx, d *tether.Dump) error {
	b := &pgx.Batch{}
	for keyID, sealed := range d.KeyChecks {
		b.Queue(`INSERT INTO key_checks (key_id, sealed) VALUES ($1, $2) ON CONFLICT (key_id) DO NOTHING`,
			keyID, nonNil(sealed))
	}
	for _, t := range d.Tokens {
		b.Queue(insertToken+` ON CONFLICT DO NOTHING`, tokenValues(t)...)
	}
	for _, n := range d.Namespaces {
		b.Queue(insertNamespace+` ON CONFLICT (name) DO NOTHING`, n.Name, n.CreatedAt)
	}
	for _, rb := range d.RoleBindings {
		b.Queue(insertRoleBinding+` ON CONFLICT DO NOTHING`, roleBindingValues(rb)...)
	}
	if b.Len() == 0 {
		return nil
	}
	return storeErr(ctx, op, tx.SendBatch(ctx, b).Close())
}

// importRecords copies records into the connections table. An error of the
// sequence itself is returned as is.
func importRecords(ctx context.Context, op string, tx pgx.Tx, records iter.Seq2[*tether.Record, error]) error {
	next, stop := iter.Pull2(records)
	defer stop()
	src := &recordSource{op: op, next: next}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"connections"}, recordColumnNames(), src)
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
		s.err = &tether.Error{Code: tether.ECONFLICT, Op: s.op,
			Message: fmt.Sprintf("the dump holds connection %q twice", r.ID)}
		return false
	}
	s.r = r
	return true
}

// Values returns the current record's columns; see pgx.CopyFromSource.
func (s *recordSource) Values() ([]any, error) { return recordValues(s.r), nil }

// Err reports that the sequence stopped early; see pgx.CopyFromSource.
func (s *recordSource) Err() error {
	if s.err != nil {
		return errSourceFailed
	}
	return nil
}
