package postgres_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/postgres"
	"github.com/tether-ml/tether/internal/postgres/pgtest"
	"github.com/tether-ml/tether/internal/storetest"
)

// TestMain fails the package at once, with one message, when no server is
// given: every test here needs one, and a suite skipped in CI would hide a
// missing install.
func TestMain(m *testing.M) {
	if os.Getenv("TETHER_TEST_SKIP_POSTGRES") != "1" && os.Getenv("TETHER_TEST_POSTGRES_URL") == "" {
		fmt.Fprintln(os.Stderr, "FAIL: "+pgtest.Missing)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// connect opens a plain connection to dbURL, closed when t ends.
func connect(t testing.TB, dbURL string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), dbURL)
	if err != nil {
		t.Fatalf("connect to the test server: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

// open opens the store at dbURL, failing t on error. The caller closes it.
func open(t *testing.T, dbURL string, opts postgres.Options) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(t.Context(), dbURL, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return db
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) tether.Store {
		return open(t, pgtest.FreshDatabase(t, ""), postgres.Options{})
	})
}

func TestPersistsAcrossReopen(t *testing.T) {
	dbURL := pgtest.FreshDatabase(t, "")
	want := storetest.NewRecord("default", "kept", "s3")
	db := open(t, dbURL, postgres.Options{})
	if err := db.CreateRecord(t.Context(), want); err != nil {
		t.Fatalf("CreateRecord: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	db = open(t, dbURL, postgres.Options{MaxConns: 1})
	defer db.Close()
	got, err := db.GetRecord(t.Context(), "default", "kept")
	if err != nil {
		t.Fatalf("GetRecord after reopen: %v", err)
	}
	if d := cmp.Diff(want, got, cmp.Comparer(time.Time.Equal)); d != "" {
		t.Errorf("after reopen (-want +got):\n%s", d)
	}
}

func TestOpenInvalid(t *testing.T) {
	base := pgtest.ServerURL(t)
	tests := []struct {
		name string
		url  string
		opts postgres.Options
	}{
		{"not a URL", "postgres://user:s3cr3t-pw@host:notaport/db", postgres.Options{}},
		{"unknown sslmode", "postgres://user:s3cr3t-pw@localhost/db?sslmode=sometimes", postgres.Options{}},
		{"negative pool", base, postgres.Options{MaxConns: -1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db, err := postgres.Open(t.Context(), tc.url, tc.opts)
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded")
			}
			if code := tether.ErrorCode(err); code != tether.EINVALID {
				t.Errorf("error code %q (%v), want %q", code, err, tether.EINVALID)
			}
			if strings.Contains(err.Error(), "s3cr3t") {
				t.Errorf("error %q reveals the password", err)
			}
		})
	}
}

// TestOpenUnreachable: a server that is down is EUNAVAILABLE, at once, and
// the password stays out of the error.
func TestOpenUnreachable(t *testing.T) {
	pgtest.ServerURL(t)
	start := time.Now()
	db, err := postgres.Open(t.Context(), "postgres://tether:s3cr3t-pw@127.0.0.1:1/tether?sslmode=disable", postgres.Options{})
	if err == nil {
		db.Close()
		t.Fatal("Open of a closed port succeeded")
	}
	if code := tether.ErrorCode(err); code != tether.EUNAVAILABLE {
		t.Errorf("error code %q (%v), want %q", code, err, tether.EUNAVAILABLE)
	}
	if strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("error %q reveals the password", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Open took %v to fail", d)
	}
}

// withSchema returns dbURL with search_path set to schema.
func withSchema(t *testing.T, dbURL, schema string) string {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// TestSchemas: search_path in the URL puts a store in its own schema, so
// stores side by side in one database neither see nor block each other.
func TestSchemas(t *testing.T) {
	dbURL := pgtest.FreshDatabase(t, "")
	if _, err := connect(t, dbURL).Exec(t.Context(), `CREATE SCHEMA team_a; CREATE SCHEMA team_b`); err != nil {
		t.Fatal(err)
	}
	a := open(t, withSchema(t, dbURL, "team_a"), postgres.Options{})
	defer a.Close()
	b := open(t, withSchema(t, dbURL, "team_b"), postgres.Options{})
	defer b.Close()
	if err := a.CreateRecord(t.Context(), storetest.NewRecord("default", "only-in-a", "s3")); err != nil {
		t.Fatalf("CreateRecord: %v", err)
	}
	if _, err := b.GetRecord(t.Context(), "default", "only-in-a"); tether.ErrorCode(err) != tether.ENOTFOUND {
		t.Errorf("GetRecord through the other schema: %v, want %s", err, tether.ENOTFOUND)
	}
	var tables int
	err := connect(t, dbURL).QueryRow(t.Context(),
		`SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public'`).Scan(&tables)
	if err != nil || tables != 0 {
		t.Errorf("public holds %d tables (%v), want none", tables, err)
	}
}

// BenchmarkStore compares reads at 100 and 100,000 records
// (go test -bench Store -run ^$ ./internal/postgres/).
func BenchmarkStore(b *testing.B) { storetest.Bench(b, openBench) }

// BenchmarkAudit measures appending audit events
// (go test -bench Audit -run ^$ ./internal/postgres/).
func BenchmarkAudit(b *testing.B) { storetest.BenchAudit(b, openBench) }

// BenchmarkAuditQueries measures reading the audit log by connection
// (go test -bench AuditQueries -run ^$ ./internal/postgres/).
func BenchmarkAuditQueries(b *testing.B) { storetest.BenchAuditQueries(b, openBench) }

// openBench opens a store on a fresh database for a benchmark.
func openBench(tb testing.TB) tether.Store {
	db, err := postgres.Open(tb.Context(), pgtest.FreshDatabase(tb, ""), postgres.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	return db
}

func TestChangeHistory(t *testing.T) {
	storetest.RunChangeHistory(t, func(t *testing.T, history int) tether.Store {
		return open(t, pgtest.FreshDatabase(t, ""), postgres.Options{ChangeHistory: history})
	})
}

func TestHistoryKeep(t *testing.T) {
	storetest.RunHistoryKeep(t, func(t *testing.T, keep int) tether.Store {
		return open(t, pgtest.FreshDatabase(t, ""), postgres.Options{HistoryKeep: keep})
	})
}

// BenchmarkHistory: go test -bench History -run '^$' ./internal/postgres/
// (TETHER_BENCH_RECORDS sets the scale).
func BenchmarkHistory(b *testing.B) { storetest.BenchHistory(b, openBench) }
