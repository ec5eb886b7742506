package http_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tether-ml/tether"
	thttp "github.com/tether-ml/tether/http"
	"github.com/tether-ml/tether/internal/conntype"
	"github.com/tether-ml/tether/internal/postgres"
	"github.com/tether-ml/tether/internal/seal"
	"github.com/tether-ml/tether/internal/service"
)

// missingPostgres explains how to give the PostgreSQL tests a server.
const missingPostgres = "TETHER_TEST_POSTGRES_URL is not set: run ./scripts/test.sh, which starts PostgreSQL, " +
	"or start one with `./scripts/testenv/postgres.sh start` and export the URL it prints " +
	"(TETHER_TEST_SKIP_POSTGRES=1 skips these tests)"

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
	st, err := postgres.Open(ctx, freshPostgresDB(t), postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return serveStore(t, st, dir)
}

// serveStore wires the services on st, with a new key file and admin token
// in dir, as newStack does, and serves them.
func serveStore(t *testing.T, st tether.Store, dir string) *stack {
	t.Helper()
	ctx := context.Background()
	kr, err := seal.Create(filepath.Join(dir, "tether.key"))
	if err != nil {
		t.Fatal(err)
	}
	if err := service.VerifyKeys(ctx, st, kr, "tether.key"); err != nil {
		t.Fatal(err)
	}
	if err := service.NewTokens(st).Bootstrap(ctx, "", filepath.Join(dir, "admin.token")); err != nil {
		t.Fatal(err)
	}
	logs := &bytes.Buffer{}
	log := slog.New(slog.NewJSONHandler(logs, nil))
	set := service.New(st, kr, conntype.New(), log)
	h := thttp.NewServer(thttp.Deps{
		Connections: set.Connections, Keys: set.Keys, Backups: set.Backups, Namespaces: set.Namespaces,
		RoleBindings: set.RoleBindings, Tokens: set.Tokens, Audit: set.Audit, Auth: set.Authn,
		Ready: st.Ping, Logger: log,
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &stack{t: t, srv: srv, token: readFile(t, filepath.Join(dir, "admin.token")), logs: logs, dir: dir}
}

// freshPostgresDB creates an empty database with a unique name on the test
// server and returns its URL; the database is dropped when t ends.
func freshPostgresDB(t *testing.T) string {
	t.Helper()
	if os.Getenv("TETHER_TEST_SKIP_POSTGRES") == "1" {
		t.Skip("TETHER_TEST_SKIP_POSTGRES=1")
	}
	base := os.Getenv("TETHER_TEST_POSTGRES_URL")
	if base == "" {
		t.Fatal(missingPostgres)
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("TETHER_TEST_POSTGRES_URL must be a postgres:// URL: %v", err)
	}
	suffix := make([]byte, 6)
	_, _ = rand.Read(suffix)
	name := "tether_http_" + hex.EncodeToString(suffix)
	admin, err := pgx.Connect(t.Context(), base)
	if err != nil {
		t.Fatalf("connect to the test PostgreSQL server: %v", err)
	}
	if _, err := admin.Exec(t.Context(), `CREATE DATABASE `+name); err != nil {
		t.Fatalf("CREATE DATABASE: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.Exec(ctx, `DROP DATABASE `+name+` WITH (FORCE)`); err != nil {
			t.Errorf("DROP DATABASE %s: %v", name, err)
		}
		_ = admin.Close(ctx)
	})
	u.Path = "/" + name
	return u.String()
}
