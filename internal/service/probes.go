package service

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/egress"
)

// Defaults of ProbeOptions' zero fields.
const (
	// DefaultProbeTimeout bounds one connection test, its wait for the
	// target included.
	DefaultProbeTimeout = 30 * time.Second
	// DefaultProbeConcurrency is how many connection tests run at once.
	DefaultProbeConcurrency = 8
	// DefaultProbeQueueWait is how long a test waits for a free slot
	// before it is refused with ETHROTTLED.
	DefaultProbeQueueWait = 2 * time.Second
)

// ProbeOptions configure the connection tests run on the server. A zero
// field takes its default.
type ProbeOptions struct {
	// Policy says which addresses a test may reach; nil refuses every
	// address that is not public (egress.NewPolicy(nil)).
	Policy *egress.Policy
	// Resolver resolves the targets' names; nil means the system's.
	Resolver egress.Resolver
	// Limiter caps the tests that run at once; nil means a limiter of
	// DefaultProbeConcurrency slots.
	Limiter *egress.Limiter
	// Timeout bounds one test (DefaultProbeTimeout).
	Timeout time.Duration
	// QueueWait bounds the wait for a slot of Limiter (DefaultProbeQueueWait).
	QueueWait time.Duration
	// Clock gives the time of a result (time.Now).
	Clock func() time.Time
	// Host, if set, names this server in a result's From ("server HOST").
	Host string
}

// withDefaults returns o with its zero fields set to their defaults.
func (o ProbeOptions) withDefaults() ProbeOptions {
	if o.Policy == nil {
		o.Policy = egress.NewPolicy(nil)
	}
	if o.Limiter == nil {
		o.Limiter = egress.NewLimiter(DefaultProbeConcurrency)
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultProbeTimeout
	}
	if o.QueueWait <= 0 {
		o.QueueWait = DefaultProbeQueueWait
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	return o
}

// Probes implements tether.ProbeService: it runs the types' connection
// tests on the server, with the stored secrets, which never leave it. Every
// test reaches its target only through the egress policy, runs under a
// timeout and a cap on the tests at once, and is audited.
type Probes struct {
	store  tether.Store
	sealer tether.Sealer
	types  tether.TypeRegistry
	authz  tether.Authorizer
	audit  tether.AuditLog
	opts   ProbeOptions
	env    tether.ProbeEnv
}

var _ tether.ProbeService = (*Probes)(nil)

// NewProbes returns the connection test service over its dependencies: the
// store that keeps the connections and their last results, the sealer that
// opens their secrets, the type registry whose types' Probe functions run,
// the authorizer, and the audit log every test is recorded in. opts gives
// the egress policy, the limiter, the timeout and the clock.
func NewProbes(store tether.Store, sealer tether.Sealer, types tether.TypeRegistry, authz tether.Authorizer, audit tether.AuditLog, opts ProbeOptions) *Probes {
	opts = opts.withDefaults()
	env := EgressEnv(opts)
	return &Probes{store: store, sealer: sealer, types: types, authz: authz, audit: audit, opts: opts, env: env}
}

// EgressEnv returns the environment through which the server reaches
// connection targets, for a test or a credential exchange: an HTTP client
// and a dialer that reach only the addresses opts.Policy permits, each
// name resolved once, under opts.Timeout. Connection tests (NewProbes) and
// deliveries (Connections.UseEgress) take theirs from it.
func EgressEnv(opts ProbeOptions) tether.ProbeEnv {
	opts = opts.withDefaults()
	dialer := egress.NewDialer(opts.Policy, opts.Resolver, opts.Timeout)
	return tether.ProbeEnv{
		HTTP: egress.HTTPClient(dialer, egress.HTTPConfig{Timeout: opts.Timeout}),
		Dial: dialer.DialContext,
	}
}

// Test runs the test of the stored connection ns/id with its secrets and
// keeps the result with the connection, unless the connection changed
// meanwhile (the result is then of a version no longer stored). It needs
// PermTest in ns; a caller who cannot see ns gets ENOTFOUND, as from Get.
func (p *Probes) Test(ctx context.Context, ns, id string) (*tether.ProbeResult, error) {
	if err := p.check(ctx, tether.PermTest, ns, id); err != nil {
		return nil, err
	}
	res, err := p.testStored(ctx, p.acquire, ns, id)
	if err != nil {
		_ = p.record(ctx, ns, id, tether.OutcomeFailed, tether.ErrorMessage(err))
		return nil, err
	}
	if err := p.recordResult(ctx, ns, id, res); err != nil {
		return nil, err
	}
	return res, nil
}

// testStored reads and opens the record ns/id, runs its test in a slot
// that acquire takes, and keeps the result.
func (p *Probes) testStored(ctx context.Context, acquire slotFunc, ns, id string) (*tether.ProbeResult, error) {
	r, err := p.store.GetRecord(ctx, ns, id)
	if err != nil {
		return nil, err
	}
	t, err := p.probeOf(r.Type)
	if err != nil {
		return nil, err
	}
	c, err := openRecord(p.sealer, r)
	if err != nil {
		return nil, err
	}
	res, err := p.run(ctx, acquire, t, c, r.Version)
	if err != nil {
		return nil, err
	}
	result, err := json.Marshal(res)
	if err != nil {
		return nil, tether.Internal("service.Probes.Test", err)
	}
	// The test ran: keep its result even if the caller gave up meanwhile
	// (a test that used up the caller's deadline is worth showing). False
	// means the connection changed while it was tested: the result is
	// still the answer to this request, but not the one to keep.
	keep, cancel := afterTest(ctx)
	defer cancel()
	if _, err := p.store.SetLastTest(keep, ns, id, r.Version, result); err != nil {
		return nil, err
	}
	return res, nil
}

// TestSpec runs the test of c, a connection that is not stored, with the
// secrets as given; nothing is kept. It needs PermTest and PermWrite in ns:
// its caller chooses the target.
func (p *Probes) TestSpec(ctx context.Context, ns string, c *tether.Connection) (*tether.ProbeResult, error) {
	if c == nil {
		return nil, tether.Errorf(tether.EINVALID, "a connection to test is required")
	}
	for _, perm := range []tether.Permission{tether.PermTest, tether.PermWrite} {
		if err := p.check(ctx, perm, ns, c.ID); err != nil {
			return nil, err
		}
	}
	res, err := p.testSpec(ctx, ns, c)
	if err != nil {
		_ = p.record(ctx, ns, c.ID, tether.OutcomeFailed, "unsaved connection: "+tether.ErrorMessage(err))
		return nil, err
	}
	if err := p.recordResult(ctx, ns, c.ID, res); err != nil {
		return nil, err
	}
	return res, nil
}

// testSpec validates c and runs its test.
func (p *Probes) testSpec(ctx context.Context, ns string, c *tether.Connection) (*tether.ProbeResult, error) {
	c = c.Clone()
	if c.Namespace != "" && c.Namespace != ns {
		return nil, tether.Errorf(tether.EINVALID, "namespace in the body (%q) differs from the namespace addressed (%q)", c.Namespace, ns)
	}
	c.Namespace = ""
	if err := p.types.Validate(c); err != nil {
		return nil, err
	}
	c.Namespace = ns
	t, err := p.probeOf(c.Spec.Type)
	if err != nil {
		return nil, err
	}
	return p.run(ctx, p.acquire, t, c, 0)
}

// probeOf returns the named type if it has a connection test.
func (p *Probes) probeOf(name string) (*tether.ConnectionType, error) {
	t := p.types.Type(name)
	if t == nil || t.Probe == nil {
		return nil, tether.Errorf(tether.EINVALID, "type %s has no connection test", name)
	}
	return t, nil
}

// check authorizes the caller for perm in ns, recording a denial in the
// audit log. A caller who cannot see ns gets the not-found of connection
// id, whether it exists or not.
func (p *Probes) check(ctx context.Context, perm tether.Permission, ns, id string) error {
	err := authorize(ctx, p.authz, perm, ns)
	switch tether.ErrorCode(err) {
	case "":
		return nil
	case tether.EFORBIDDEN, tether.ENOTFOUND:
		_ = p.record(ctx, ns, id, tether.OutcomeDenied, tether.ErrorMessage(err))
	}
	return notFoundAs(err, "connection", id)
}

// recordResult audits a test that ran: success if it passed, failed with
// its message if not. The result is not returned if it cannot be recorded.
func (p *Probes) recordResult(ctx context.Context, ns, id string, res *tether.ProbeResult) error {
	outcome := tether.OutcomeSuccess
	if !res.OK {
		outcome = tether.OutcomeFailed
	}
	detail := res.Message
	if res.Version == 0 {
		detail = "unsaved connection: " + detail
	}
	keep, cancel := afterTest(ctx)
	defer cancel()
	return p.record(keep, ns, id, outcome, fmt.Sprintf("%s (%d ms)", detail, res.LatencyMS))
}

// keepResultTimeout bounds the writes that follow a test that ran.
const keepResultTimeout = 5 * time.Second

// afterTest returns the context of the writes that follow a test that ran
// (its result, its audit event): ctx's values, but not its end, which the
// test may have reached, bounded by keepResultTimeout.
func afterTest(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), keepResultTimeout)
}

// record appends a connection test's audit event.
func (p *Probes) record(ctx context.Context, ns, id, outcome, detail string) error {
	return p.audit.Record(ctx, tether.AuditEvent{
		Action: ActionTest, Namespace: ns, Connection: id, Outcome: outcome, Detail: detail})
}
