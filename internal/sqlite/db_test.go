package sqlite_test

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/sqlite"
	"github.com/tether-ml/tether/internal/storetest"
)

// open opens a database at path, failing t on error. The caller closes it.
func open(t *testing.T, path string, opts sqlite.Options) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(t.Context(), path, opts)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	return db
}

// tempPath returns the path of a database file in a fresh directory. The
// name has characters that would break a naively built connection string.
func tempPath(t *testing.T) string {
	return filepath.Join(t.TempDir(), "tether? #1%.db")
}

// raw opens the file with the driver directly, to inspect or tamper with
// what the store wrote.
func raw(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatalf("sql.Open: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) tether.Store {
		return open(t, filepath.Join(t.TempDir(), "tether.db"), sqlite.Options{})
	})
}

func TestWAL(t *testing.T) {
	path := tempPath(t)
	db := open(t, path, sqlite.Options{})
	defer db.Close()
	if db.Path() != path {
		t.Errorf("Path() = %q, want %q", db.Path(), path)
	}
	var mode string
	if err := raw(t, "file:"+escape(path)).QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil {
		t.Fatalf("PRAGMA journal_mode: %v", err)
	}
	if mode != "wal" {
		t.Errorf("journal_mode = %q, want wal", mode)
	}
}

// escape percent-encodes the characters that SQLite's file: URIs reserve.
func escape(path string) string {
	return strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
}

func TestPersistsAcrossReopen(t *testing.T) {
	path := tempPath(t)
	want := storetest.NewRecord("default", "kept", "s3")
	db := open(t, path, sqlite.Options{Synchronous: "FULL"})
	if err := db.CreateRecord(t.Context(), want); err != nil {
		t.Fatalf("CreateRecord: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	db = open(t, path, sqlite.Options{Synchronous: "full"})
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
	tests := []struct {
		name string
		path string
		opts sqlite.Options
	}{
		{"no path", "", sqlite.Options{}},
		{"in memory", ":memory:", sqlite.Options{}},
		{"bad synchronous", filepath.Join(t.TempDir(), "x.db"), sqlite.Options{Synchronous: "SOMETIMES"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db, err := sqlite.Open(t.Context(), tc.path, tc.opts)
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded")
			}
			if code := tether.ErrorCode(err); code != tether.EINVALID {
				t.Errorf("error code %q (%v), want %q", code, err, tether.EINVALID)
			}
		})
	}
}

func TestOpenUnwritableDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing", "dir", "tether.db")
	db, err := sqlite.Open(t.Context(), path, sqlite.Options{})
	if err == nil {
		db.Close()
		t.Fatal("Open in a missing directory succeeded")
	}
}

// BenchmarkStore compares reads at 100 and 100,000 records
// (go test -bench Store -run ^$ ./internal/sqlite/).
func BenchmarkStore(b *testing.B) { storetest.Bench(b, openBench) }

// BenchmarkAudit measures appending audit events
// (go test -bench Audit -run ^$ ./internal/sqlite/).
func BenchmarkAudit(b *testing.B) { storetest.BenchAudit(b, openBench) }

// BenchmarkAuditQueries measures reading the audit log by connection
// (go test -bench AuditQueries -run ^$ ./internal/sqlite/).
func BenchmarkAuditQueries(b *testing.B) { storetest.BenchAuditQueries(b, openBench) }

// openBench opens a fresh store for a benchmark.
func openBench(tb testing.TB) tether.Store {
	db, err := sqlite.Open(tb.Context(), filepath.Join(tb.TempDir(), "bench.db"), sqlite.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	return db
}

func TestChangeHistory(t *testing.T) {
	storetest.RunChangeHistory(t, func(t *testing.T, history int) tether.Store {
		return open(t, filepath.Join(t.TempDir(), "tether.db"), sqlite.Options{ChangeHistory: history})
	})
}

func TestHistoryKeep(t *testing.T) {
	storetest.RunHistoryKeep(t, func(t *testing.T, keep int) tether.Store {
		return open(t, filepath.Join(t.TempDir(), "tether.db"), sqlite.Options{HistoryKeep: keep})
	})
}

// BenchmarkHistory: go test -bench History -run '^$' ./internal/sqlite/
// (TETHER_BENCH_RECORDS sets the scale).
func BenchmarkHistory(b *testing.B) { storetest.BenchHistory(b, openBench) }
