package sqlrow

import "github.com/tether-ml/tether"

// AuditColumns are the columns of the audit_events table that AuditEvent
// reads, in its order.
const AuditColumns = `id, time, subject, action, namespace, connection, job, outcome, remote, detail`

// AuditInsertColumns are the columns an append writes, in AuditValues
// order: every one but the id, which the log draws.
const AuditInsertColumns = `time, subject, action, namespace, connection, job, outcome, remote, detail`

// AuditEvent reads one row of AuditColumns.
func AuditEvent[T Times](s Scanner) (*tether.AuditEvent, error) {
	var tm T
	var e tether.AuditEvent
	if err := s.Scan(&e.ID, tm.Dest(&e.Time), &e.Subject, &e.Action, &e.Namespace, &e.Connection,
		&e.Job, &e.Outcome, &e.Remote, &e.Detail); err != nil {
		return nil, err
	}
	e.Time = e.Time.UTC()
	return &e, nil
}

// AuditValues returns e's values in AuditInsertColumns order.
func AuditValues[T Times](e *tether.AuditEvent) []any {
	var tm T
	return []any{tm.Value(e.Time), e.Subject, e.Action, e.Namespace, e.Connection, e.Job, e.Outcome, e.Remote, e.Detail}
}
