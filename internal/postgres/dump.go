package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/tether-ml/tether"
)

// CountRecords counts the records of every namespace.
func (db *DB) CountRecords(ctx context.Context) (int, error) {
	const op = "postgres.CountRecords"
	var n int
	if err := db.pool.QueryRow(ctx, `SELECT COUNT(*) FROM connections`).Scan(&n); err != nil {
		return 0, storeErr(ctx, op, err)
	}
	return n, nil
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
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM connections`).Scan(&d.RecordCount); err != nil {
		return storeErr(ctx, op, err)
	}
	s := &recordStream{ctx: ctx, op: op, tx: tx}
	defer s.end()
	d.Records = s.records
	d.Audit = s.audit
	return fn(d)
}

// recordStream is the Records sequence of an export: one query in the
// export's transaction, which may run once, and only while Export runs (the
// transaction ends with it). It is not safe for concurrent use.
type recordStream struct {
	ctx        context.Context
	op         string
	tx         pgx.Tx
	used, done bool
	auditUsed  bool
}

// end marks the export over: the records can no longer be read.
func (s *recordStream) end() { s.done = true }

// records yields every record in (namespace, id) order; an error, including
// one for a second iteration or one after Export returned, ends it.
func (s *recordStream) records(yield func(*tether.Record, error) bool) {
	if s.used || s.done {
		yield(nil, tether.Internal(s.op, errors.New("a dump's records were read twice, or after Export returned")))
		return
	}
	s.used = true
	rows, err := s.tx.Query(s.ctx, `SELECT `+recordColumns+` FROM connections ORDER BY namespace, id`)
	if err != nil {
		yield(nil, storeErr(s.ctx, s.op, err))
		return
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			yield(nil, storeErr(s.ctx, s.op, err))
			return
		}
		if !yield(r, nil) {
			return
		}
	}
	if err := rows.Err(); err != nil {
		yield(nil, storeErr(s.ctx, s.op, err))
	}
}

// audit yields the audit log, oldest first, in the export's transaction;
// like records, once and only while Export runs.
func (s *recordStream) audit(yield func(*tether.AuditEvent, error) bool) {
	if s.auditUsed || s.done {
		yield(nil, tether.Internal(s.op, errors.New("a dump's audit log was read twice, or after Export returned")))
		return
	}
	s.auditUsed = true
	rows, err := s.tx.Query(s.ctx, `SELECT `+auditColumns+` FROM audit_events ORDER BY id`)
	if err != nil {
		yield(nil, storeErr(s.ctx, s.op, err))
		return
	}
	defer rows.Close()
	for rows.Next() {
		var e tether.AuditEvent
		if err := rows.Scan(&e.ID, &e.Time, &e.Subject, &e.Action, &e.Namespace, &e.Connection,
			&e.Job, &e.Outcome, &e.Remote, &e.Detail); err != nil {
			yield(nil, storeErr(s.ctx, s.op, err))
			return
		}
		e.Time = e.Time.UTC()
		if !yield(&e, nil) {
			return
		}
	}
	if err := rows.Err(); err != nil {
		yield(nil, storeErr(s.ctx, s.op, err))
	}
}
