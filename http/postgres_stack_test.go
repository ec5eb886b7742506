package http_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"github.com/tether-ml/tether"
	thttp "github.com/tether-ml/tether/http"
	"github.com/tether-ml/tether/internal/conntype"
	"github.com/tether-ml/tether/internal/egress"
	"github.com/tether-ml/tether/internal/postgres"
	"github.com/tether-ml/tether/internal/postgres/pgtest"
	"github.com/tether-ml/tether/internal/service"
)

// storeStack is a way to start a stack on one of the stores.
type storeStack struct {
	name string
	open func(t *testing.T) *stack
}

// bothStores are the stores every edge test runs against: what one store
// refuses, the other must refuse too, with the same answer.
func bothStores() []storeStack {
	return []storeStack{{"sqlite", newStack}, {"postgres", newPostgresStack}}
}

// newPostgresStack is newStack on a fresh database of the test PostgreSQL
// server (TETHER_TEST_POSTGRES_URL), dropped when t ends. It fails t when
// no server is given, and skips it with TETHER_TEST_SKIP_POSTGRES=1.
func newPostgresStack(t *testing.T) *stack {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := postgres.Open(ctx, pgtest.FreshDatabase(t, ""), postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return serveStore(t, st, dir, "")
}

// serveStore wires the services on st, with a key file (a copy of keyFile,
// or a new one if keyFile is "") and an admin token in dir, and serves them.
func serveStore(t *testing.T, st tether.Store, dir, keyFile string) *stack {
	t.Helper()
	return serveStoreWith(t, st, dir, keyFile, conntype.New())
}

// serveStoreWith is serveStore with the connection types of types.
func serveStoreWith(t *testing.T, st tether.Store, dir, keyFile string, types *conntype.Registry) *stack {
	t.Helper()
	return serveReplica(t, st, dir, keyFile, "", types)
}

// serveReplica is serveStoreWith that accepts the admin token in
// tokenFile if given (so that replicas on one database share it), and
// wakes watches, and drops caches, on the store's notifications, as the
// server does. Watches send a bookmark every 200ms.
func serveReplica(t testing.TB, st tether.Store, dir, keyFile, tokenFile string, types *conntype.Registry) *stack {
	t.Helper()
	return serveReplicaProbing(t, st, dir, keyFile, tokenFile, types, localProbes())
}

// localProbes are the connection test options of the stacks: 127.0.0.1,
// where the test services listen, is allowed; the rest are the defaults.
func localProbes() service.ProbeOptions {
	return service.ProbeOptions{Policy: egress.NewPolicy([]netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")})}
}

// serveReplicaProbing is serveReplica with the connection tests run with
// probeOpts.
func serveReplicaProbing(t testing.TB, st tether.Store, dir, keyFile, tokenFile string, types *conntype.Registry, probeOpts service.ProbeOptions) *stack {
	t.Helper()
	ctx := context.Background()
	kr, err := openKeyring(filepath.Join(dir, "tether.key"), keyFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := service.VerifyKeys(ctx, st, kr, "tether.key"); err != nil {
		t.Fatal(err)
	}
	writeTo := filepath.Join(dir, "admin.token")
	if tokenFile != "" {
		writeTo = ""
	}
	if err := service.NewTokens(st).Bootstrap(ctx, tokenFile, writeTo); err != nil {
		t.Fatal(err)
	}
	logs := &bytes.Buffer{}
	log := slog.New(slog.NewJSONHandler(logs, nil))
	set := service.New(st, kr, types, log)
	followStore(t, st, set)
	h := thttp.NewServer(thttp.Deps{
		Connections: set.Connections, Keys: set.Keys, Backups: set.Backups, Namespaces: set.Namespaces,
		RoleBindings: set.RoleBindings, Tokens: set.Tokens, Audit: set.Audit, Auth: set.Authn,
		Ready: st.Ping, Logger: log, AuditDropped: set.Audit.Dropped, Types: types,
		Watch: set.Connections, WatchBookmark: 200 * time.Millisecond, Health: set.Health,
		Probes: service.NewProbes(st, kr, types, set.RBAC, set.Audit, probeOpts),
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	t.Cleanup(h.CloseWatches)
	if tokenFile == "" {
		tokenFile = filepath.Join(dir, "admin.token")
	}
	return &stack{t: t, srv: srv, token: readFile(t, tokenFile), logs: logs, dir: dir, api: h}
}

// followStore wakes the watches of set, and for a store that several
// servers share drops what set caches, on the store's notifications,
// until t ends.
func followStore(t testing.TB, st tether.Store, set *service.Set) {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	switch w := st.(type) {
	case tether.KeyWatcher:
		go func() { _ = w.WatchChangesAndKeys(ctx, set.Invalidate, nil) }()
	case tether.ChangeWatcher:
		go func() { _ = w.WatchChanges(ctx, set.Connections.Wake) }()
	}
}
