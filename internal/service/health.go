package service

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/tether-ml/tether"
)

// Defaults of HealthOptions' zero fields.
const (
	// DefaultHealthCap bounds each list of a health report: the
	// connections with an expiry, those with a last test.
	DefaultHealthCap = 10000
	// DefaultHealthTTL is how long a report is served before the store is
	// read again: scrapes by several Prometheus servers cost one read.
	DefaultHealthTTL = 15 * time.Second
)

// HealthOptions configure the health report. A zero field takes its
// default.
type HealthOptions struct {
	Cap   int
	TTL   time.Duration
	Clock func() time.Time
}

// Health implements tether.HealthService over the store's indexed reads
// of the records with an expiry and with a last test (each capped), and
// keeps the report for a short while.
type Health struct {
	store tether.Store
	authz tether.Authorizer
	opts  HealthOptions

	mu     sync.Mutex // held while the store is read: one read at a time
	report *tether.HealthReport
}

var _ tether.HealthService = (*Health)(nil)

// NewHealth returns the health report of the connections in store.
func NewHealth(store tether.Store, authz tether.Authorizer, opts HealthOptions) *Health {
	if opts.Cap <= 0 {
		opts.Cap = DefaultHealthCap
	}
	if opts.TTL <= 0 {
		opts.TTL = DefaultHealthTTL
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	return &Health{store: store, authz: authz, opts: opts}
}

// Report returns how the connections fare, read from the store at most
// once per TTL. It needs the read permission in every namespace. The
// report is shared: callers must not modify it.
func (h *Health) Report(ctx context.Context) (*tether.HealthReport, error) {
	if err := authorizeGlobal(ctx, h.authz, tether.PermRead); err != nil {
		return nil, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	now := h.opts.Clock()
	if h.report != nil && now.Sub(h.report.At) < h.opts.TTL && !now.Before(h.report.At) {
		return h.report, nil
	}
	r, err := h.read(ctx, now)
	if err != nil {
		return nil, err
	}
	h.report = r
	return r, nil
}

// read reads a report from the store: one more record than the cap tells
// whether a list was cut.
func (h *Health) read(ctx context.Context, now time.Time) (*tether.HealthReport, error) {
	expiring, err := h.store.ExpiringRecords(ctx, h.opts.Cap+1)
	if err != nil {
		return nil, err
	}
	tested, err := h.store.TestedRecords(ctx, h.opts.Cap+1)
	if err != nil {
		return nil, err
	}
	r := &tether.HealthReport{At: now, ExpiringCapped: len(expiring) > h.opts.Cap, TestedCapped: len(tested) > h.opts.Cap}
	for _, s := range expiring[:min(len(expiring), h.opts.Cap)] {
		r.Expiring = append(r.Expiring, tether.ConnectionHealth{Namespace: s.Namespace, ID: s.ID, Type: s.Type, Expiry: s.Expiry})
	}
	for _, s := range tested[:min(len(tested), h.opts.Cap)] {
		var res tether.ProbeResult
		if err := json.Unmarshal(s.LastTest, &res); err != nil {
			return nil, tether.Internal("service.Health", err)
		}
		r.Tested = append(r.Tested, tether.ConnectionHealth{Namespace: s.Namespace, ID: s.ID, Type: s.Type, LastTest: &res})
	}
	return r, nil
}
