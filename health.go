package tether

import (
	"context"
	"time"
)

// ConnectionHealth is how one connection fares: when its credential
// expires, and how its last test on the server went.
type ConnectionHealth struct {
	Namespace string
	ID        string
	Type      string
	Expiry    *Expiry      // nil if its credential carries none
	LastTest  *ProbeResult // nil if it was never tested on the server
}

// HealthReport is how the connections fare, as the server's metrics show
// it. Each list is capped, so that a scrape costs the same however many
// connections there are; a capped list says so.
type HealthReport struct {
	// Expiring are the connections with an expiry, the soonest first.
	Expiring []ConnectionHealth
	// Tested are the connections with a last test, by (namespace, id).
	Tested []ConnectionHealth
	// ExpiringCapped and TestedCapped report that their list was cut at
	// the cap: more connections have an expiry, or a last test.
	ExpiringCapped, TestedCapped bool
	// At is when the store was read.
	At time.Time
}

// HealthService reports how the connections of every namespace fare. It
// needs the read permission in every namespace: the report names them.
type HealthService interface {
	Report(ctx context.Context) (*HealthReport, error)
}
