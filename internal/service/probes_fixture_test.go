package service_test

import (
	"context"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/conntype"
	"github.com/tether-ml/tether/internal/egress"
	"github.com/tether-ml/tether/internal/postgres"
	"github.com/tether-ml/tether/internal/postgres/pgtest"
	"github.com/tether-ml/tether/internal/seal"
	"github.com/tether-ml/tether/internal/service"
	"github.com/tether-ml/tether/internal/sqlite"
)

// probeFunc is a connection type's test, as tether.ConnectionType.Probe.
type probeFunc func(ctx context.Context, c *tether.Connection, env tether.ProbeEnv) (string, error)

// probeRegistry is the real type registry, but for the docker type, whose
// test is the one given (none if nil): the tests control what a probe does
// and returns, whatever tests the types themselves declare.
type probeRegistry struct {
	tether.TypeRegistry
	probe probeFunc
}

// Type implements tether.TypeRegistry.
func (r probeRegistry) Type(name string) *tether.ConnectionType {
	t := r.TypeRegistry.Type(name)
	if t == nil || name != "docker" {
		return t
	}
	c := *t
	c.Probe = r.probe
	return &c
}

// The docker connection the probe tests use; its password is base64 of
// probeSecret.
const (
	probeSecret   = "hunter2-very-secret"
	probeSecret64 = "aHVudGVyMi12ZXJ5LXNlY3JldA=="
)

// probeFixture is the connection and probe services over one real store.
type probeFixture struct {
	store  tether.Store
	keys   *seal.Keyring
	conns  *service.Connections
	probes *service.Probes
	admin  context.Context
	at     time.Time
}

// storeOpener opens a fresh, empty real store.
type storeOpener func(t *testing.T) tether.Store

// eachProbeStore runs fn with each real store's opener: SQLite, and
// PostgreSQL on a fresh database of TETHER_TEST_POSTGRES_URL.
func eachProbeStore(t *testing.T, fn func(t *testing.T, open storeOpener)) {
	stores := []struct {
		name string
		open storeOpener
	}{{"sqlite", func(t *testing.T) tether.Store {
		st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "db"), sqlite.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}}, {"postgres", func(t *testing.T) tether.Store {
		st, err := postgres.Open(context.Background(), pgtest.FreshDatabase(t, ""), postgres.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}}}
	for _, s := range stores {
		t.Run(s.name, func(t *testing.T) { fn(t, s.open) })
	}
}

// newProbeFixture returns the services over a fresh store, with probe as the docker
// type's test, the connection default/reg, and role bindings: viewer,
// user and editor in default. opts' zero fields take the fixture's
// defaults: a limiter of 2, a fixed clock, 127.0.0.1 allowed.
func newProbeFixture(t *testing.T, open storeOpener, probe probeFunc, opts service.ProbeOptions) *probeFixture {
	t.Helper()
	st := open(t)
	kr, err := seal.Create(filepath.Join(t.TempDir(), "key"))
	if err != nil {
		t.Fatal(err)
	}
	types := probeRegistry{TypeRegistry: conntype.New(), probe: probe}
	for _, role := range []tether.Role{tether.RoleViewer, tether.RoleUser, tether.RoleEditor} {
		b := &tether.RoleBinding{ID: "rb-" + string(role), Subject: "user:" + string(role), Role: role,
			Namespace: tether.DefaultNamespace, CreatedAt: time.Now()}
		if err := st.CreateRoleBinding(context.Background(), b); err != nil {
			t.Fatal(err)
		}
	}
	rbac := service.NewRBAC(st)
	audit := service.NewAudit(st, rbac, nil)
	f := &probeFixture{store: st, keys: kr, conns: service.NewConnections(st, kr, types, rbac, audit),
		admin: as(tether.BootstrapSubject, ""), at: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}
	if opts.Policy == nil {
		opts.Policy = egress.NewPolicy([]netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")})
	}
	if opts.Limiter == nil {
		opts.Limiter = egress.NewLimiter(2)
	}
	if opts.Clock == nil {
		opts.Clock = func() time.Time { return f.at }
	}
	f.probes = service.NewProbes(st, kr, types, rbac, audit, opts)
	if _, err := f.conns.Create(f.admin, "default", docker("reg", probeSecret64)); err != nil {
		t.Fatal(err)
	}
	return f
}

// get returns the masked connection ns/id.
func (f *probeFixture) get(t *testing.T, id string) *tether.Connection {
	t.Helper()
	c, err := f.conns.Get(f.admin, "default", id)
	if err != nil {
		t.Fatalf("Get(%s): %v", id, err)
	}
	return c
}

// testEvents returns the audit events of connection tests.
func (f *probeFixture) testEvents(t *testing.T) []*tether.AuditEvent {
	t.Helper()
	got, err := f.store.ListAudit(t.Context(), tether.AuditFilter{Actions: []string{service.ActionTest}})
	if err != nil {
		t.Fatalf("ListAudit: %v", err)
	}
	return got
}
