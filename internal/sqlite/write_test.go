package sqlite_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/sqlite"
	"github.com/tether-ml/tether/internal/storetest"
)

// churn creates, updates, rewraps and deletes its own records, and reads
// while doing so, returning the first error of any kind. Under contention an
// SQLITE_BUSY ("database is locked") would surface here as an internal error.
func churn(ctx context.Context, s tether.Store, worker, rounds int) error {
	for i := range rounds {
		r := storetest.NewRecord("default", fmt.Sprintf("w%02d-r%03d", worker, i), "s3")
		if err := s.CreateRecord(ctx, r); err != nil {
			return fmt.Errorf("create %s: %w", r.ID, err)
		}
		next := *r
		next.Version = 2
		if err := s.UpdateRecord(ctx, &next, 1); err != nil {
			return fmt.Errorf("update %s: %w", r.ID, err)
		}
		if _, err := s.RewrapRecord(ctx, r.Namespace, r.ID, 2, []byte("rewrapped"), "key-2"); err != nil {
			return fmt.Errorf("rewrap %s: %w", r.ID, err)
		}
		if _, err := s.ListRecords(ctx, "default", tether.ListOptions{Limit: 20}); err != nil {
			return fmt.Errorf("list: %w", err)
		}
		if err := s.PutKeyCheck(ctx, fmt.Sprintf("key-%d", worker), []byte("check")); err != nil {
			return fmt.Errorf("put key check: %w", err)
		}
		if i%2 == 0 {
			if err := s.DeleteRecord(ctx, r.Namespace, r.ID); err != nil {
				return fmt.Errorf("delete %s: %w", r.ID, err)
			}
		}
	}
	return nil
}

// runChurn runs workers goroutines of churn, spread over the stores, and
// fails t with every error.
func runChurn(t *testing.T, stores []tether.Store, workers, rounds int) {
	t.Helper()
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() { errs[w] = churn(t.Context(), stores[w%len(stores)], w, rounds) })
	}
	wg.Wait()
	for w, err := range errs {
		if err != nil {
			t.Errorf("worker %d: %v", w, err)
		}
	}
}

// TestConcurrentWritersNeverBusy runs with a busy timeout of 1ms: writers of
// one process must queue for the one write connection, not rely on SQLite's
// busy handler.
func TestConcurrentWritersNeverBusy(t *testing.T) {
	db := open(t, tempPath(t), sqlite.Options{BusyTimeout: time.Millisecond})
	defer db.Close()
	const workers, rounds = 32, 20
	runChurn(t, []tether.Store{db}, workers, rounds)
	n, err := db.CountRecordsNotWrappedBy(t.Context(), "key-2")
	if err != nil || n != 0 {
		t.Errorf("CountRecordsNotWrappedBy = %d, %v; want 0", n, err)
	}
	got, err := db.ListRecords(t.Context(), "default", tether.ListOptions{})
	if err != nil || len(got) != workers*rounds/2 {
		t.Errorf("ListRecords: %d records, %v; want %d", len(got), err, workers*rounds/2)
	}
}

// TestTwoHandlesShareAFile stands in for two processes on one file (a
// server and the CLI): the one-writer pool no longer serialises them, so
// this relies on BEGIN IMMEDIATE and busy_timeout.
func TestTwoHandlesShareAFile(t *testing.T) {
	path := tempPath(t)
	a := open(t, path, sqlite.Options{})
	defer a.Close()
	b := open(t, path, sqlite.Options{})
	defer b.Close()
	runChurn(t, []tether.Store{a, b}, 8, 20)
}
