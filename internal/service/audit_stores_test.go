package service_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/conntype"
	"github.com/tether-ml/tether/internal/postgres"
	"github.com/tether-ml/tether/internal/postgres/pgtest"
	"github.com/tether-ml/tether/internal/seal"
	"github.com/tether-ml/tether/internal/service"
	"github.com/tether-ml/tether/internal/sqlite"
)

// auditStore is a real store with the services over it, and a way to run
// SQL on its database beside the store (to make it refuse some events).
type auditStore struct {
	name  string
	store tether.Store
	set   *service.Set
	exec  func(t *testing.T, stmt string)
}

// auditStores returns the stores to run an audit test on: SQLite, and
// PostgreSQL on a fresh database of TETHER_TEST_POSTGRES_URL (failing
// without one unless TETHER_TEST_SKIP_POSTGRES=1).
func auditStores() []func(t *testing.T) *auditStore {
	return []func(t *testing.T) *auditStore{sqliteAuditStore, postgresAuditStore}
}

func sqliteAuditStore(t *testing.T) *auditStore {
	dir := t.TempDir()
	path := filepath.Join(dir, "db")
	st, err := sqlite.Open(context.Background(), path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	exec := func(t *testing.T, stmt string) {
		t.Helper()
		raw, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		if _, err := raw.ExecContext(t.Context(), stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	return newAuditStore(t, "sqlite", st, exec)
}

func postgresAuditStore(t *testing.T) *auditStore {
	dbURL := pgtest.FreshDatabase(t, "")
	st, err := postgres.Open(context.Background(), dbURL, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	exec := func(t *testing.T, stmt string) {
		t.Helper()
		conn, err := pgx.Connect(t.Context(), dbURL)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(t.Context(), stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	return newAuditStore(t, "postgres", st, exec)
}

func newAuditStore(t *testing.T, name string, st tether.Store, exec func(*testing.T, string)) *auditStore {
	t.Helper()
	kr, err := seal.Create(filepath.Join(t.TempDir(), "key"))
	if err != nil {
		t.Fatal(err)
	}
	return &auditStore{name: name, store: st, set: service.New(st, kr, conntype.New(), nil), exec: exec}
}

// as returns a context acting as subject, from address remote.
func as(subject, remote string) context.Context {
	ctx := tether.WithRequestInfo(context.Background(), tether.RequestInfo{Remote: remote})
	return tether.WithIdentity(ctx, &tether.Identity{Subject: subject})
}

// events returns the stored events matching f.
func (s *auditStore) events(t *testing.T, f tether.AuditFilter) []*tether.AuditEvent {
	t.Helper()
	got, err := s.store.ListAudit(t.Context(), f)
	if err != nil {
		t.Fatalf("ListAudit: %v", err)
	}
	return got
}
