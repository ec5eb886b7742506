package postgres

import (
	"context"
	"iter"

	"github.com/jackc/pgx/v5"
	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/sqlrow"
)

// importAudit appends the events, in order, with COPY; the log numbers
// them. It takes the lock AppendAudit takes, so their ids follow the
// commit order as every append's do.
func importAudit(ctx context.Context, op string, tx pgx.Tx, events iter.Seq2[*tether.AuditEvent, error]) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext(COALESCE(current_schema(), '')))`,
		auditLockClass); err != nil {
		return storeErr(ctx, op, err)
	}
	next, stop := iter.Pull2(events)
	defer stop()
	src := &auditSource{next: next}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"audit_events"}, sqlrow.ColumnNames(sqlrow.AuditInsertColumns), src)
	if src.err != nil {
		return src.err
	}
	return storeErr(ctx, op, err)
}

// auditSource feeds COPY from a pulled event sequence, stopping at its
// first error.
type auditSource struct {
	next func() (*tether.AuditEvent, error, bool)
	e    *tether.AuditEvent
	err  error
}

// Next advances to the next event; see pgx.CopyFromSource.
func (s *auditSource) Next() bool {
	e, err, ok := s.next()
	switch {
	case !ok:
		return false
	case err != nil:
		s.err = err
		return false
	case e == nil:
		s.err = tether.Errorf(tether.EINVALID, "the dump holds an empty audit event")
		return false
	}
	s.e = e
	return true
}

// Values returns the current event's columns; see pgx.CopyFromSource.
func (s *auditSource) Values() ([]any, error) {
	return sqlrow.AuditValues[times](s.e), nil
}

// Err reports that the sequence stopped early; see pgx.CopyFromSource.
func (s *auditSource) Err() error {
	if s.err != nil {
		return errSourceFailed
	}
	return nil
}
