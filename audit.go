package tether

import (
	"context"
	"time"
)

// AuditEvent is one entry of the audit log. It never holds a secret value;
// where a credential must be correlated, Detail holds a keyed HMAC of it.
type AuditEvent struct {
	ID         int64     `json:"id"`
	Time       time.Time `json:"time"`
	Subject    string    `json:"subject,omitempty"` // empty when unauthenticated
	Action     string    `json:"action"`            // e.g. "connection.reveal"
	Namespace  string    `json:"namespace,omitempty"`
	Connection string    `json:"connection,omitempty"`
	Job        string    `json:"job,omitempty"`    // from X-Tether-Job
	Outcome    string    `json:"outcome"`          // "success", "denied" or "failed"
	Remote     string    `json:"remote,omitempty"` // client address
	Detail     string    `json:"detail,omitempty"` // safe detail: missing permission, token fingerprint
}

// Audit outcomes.
const (
	OutcomeSuccess = "success"
	OutcomeDenied  = "denied"
	OutcomeFailed  = "failed"
)

// AuditFilter selects audit events. Zero fields select everything.
type AuditFilter struct {
	Namespace  string
	Connection string
	Actions    []string
	Since      time.Time // events at or after
	AfterID    int64     // events with a greater ID (paging)
	Limit      int       // at most this many; 0 means no limit
}

// Check returns the EINVALID error every store gives for f, for operation
// op, or nil if it can be listed.
func (f AuditFilter) Check(op string) error {
	if f.Limit < 0 {
		return &Error{Code: EINVALID, Op: op, Message: "limit must not be negative"}
	}
	return nil
}

// DistinctActions returns the distinct values of Actions, in their first
// order.
func (f AuditFilter) DistinctActions() []string { return distinct(f.Actions) }

// CheckAuditBatch returns the EINVALID error every store gives for
// deleting old audit events limit at a time, for operation op, or nil if
// limit is positive.
func CheckAuditBatch(op string, limit int) error {
	if limit <= 0 {
		return &Error{Code: EINVALID, Op: op, Message: "limit must be positive"}
	}
	return nil
}

// AuditLog records what callers did and tried.
type AuditLog interface {
	// Record appends e, completing its time, subject, job and remote
	// address from ctx where e leaves them empty.
	Record(ctx context.Context, e AuditEvent) error
}
