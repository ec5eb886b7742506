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

// AuditLog records what callers did and tried.
type AuditLog interface {
	// Record appends e, completing its time, subject, job and remote
	// address from ctx where e leaves them empty.
	Record(ctx context.Context, e AuditEvent) error
}
