package postgres

import (
	"context"
	"errors"
	"iter"

	"github.com/jackc/pgx/v5"
	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/sqlrow"
)

// CountRecords counts the records of every namespace.
func (db *DB) CountRecords(ctx context.Context) (int, error) {
	return count(ctx, "postgres.CountRecords", db.pool, `SELECT COUNT(*) FROM connections`)
}

// Export passes fn one consistent snapshot of the store: everything is read
// in one REPEATABLE READ, read-only transaction, which sees the database as
// of its first statement while other replicas carry on writing. The records
// are streamed from the server as fn iterates them, in primary key order,
// never all held in memory. fn's error is returned as is.
func (db *DB) Export(ctx context.Context, fn func(*tether.Dump) error) error {
	const op = "postgres.Export"
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return storeErr(ctx, op, err)
	}
	defer func() { _ = tx.Rollback(ctx) }() // read only: nothing to commit
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
	s := &exportStream{ctx: ctx, op: op, tx: tx}
	defer s.end()
	// The records in (namespace, id) order, the audit log oldest first.
	d.Records = streamOnce(s, sqlrow.Record[times], `SELECT `+sqlrow.RecordColumns+` FROM connections ORDER BY namespace, id`,
		errors.New("a dump's records were read twice, or after Export returned"))
	d.Versions = streamOnce(s, sqlrow.Version[times], `SELECT `+sqlrow.VersionColumns+`
		FROM connection_versions ORDER BY namespace, id, version`,
		errors.New("a dump's versions were read twice, or after Export returned"))
	d.Audit = streamOnce(s, sqlrow.AuditEvent[times], `SELECT `+sqlrow.AuditColumns+` FROM audit_events ORDER BY id`,
		errors.New("a dump's audit log was read twice, or after Export returned"))
	return fn(d)
}

// exportStream is what the sequences of an export share: the export's
// transaction, in which they may run only while Export runs (the
// transaction ends with it). It is not safe for concurrent use.
type exportStream struct {
	ctx  context.Context
	op   string
	tx   pgx.Tx
	done bool
}

// end marks the export over: its sequences can no longer be read.
func (s *exportStream) end() { s.done = true }

// streamOnce returns the rows of query, read with scan, as a sequence that
// may be iterated once and only while s's export runs; an error, including
// twice for a second iteration or one after Export returned, ends it.
func streamOnce[T any](s *exportStream, scan sqlrow.Func[T], query string, twice error) iter.Seq2[T, error] {
	used := false
	return func(yield func(T, error) bool) {
		var zero T
		if used || s.done {
			yield(zero, tether.Internal(s.op, twice))
			return
		}
		used = true
		rows, err := s.tx.Query(s.ctx, query)
		if err != nil {
			yield(zero, storeErr(s.ctx, s.op, err))
			return
		}
		defer rows.Close()
		if err := sqlrow.Yield(rows, scan, yield); err != nil {
			yield(zero, storeErr(s.ctx, s.op, err))
		}
	}
}
