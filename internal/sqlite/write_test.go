package sqlite_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
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
		if err := readBack(ctx, s, r.ID, 1, r.KeyID); err != nil {
			return err
		}
		next := *r
		next.Version = 2
		if err := s.UpdateRecord(ctx, &next, 1); err != nil {
			return fmt.Errorf("update %s: %w", r.ID, err)
		}
		if err := readBack(ctx, s, r.ID, 2, r.KeyID); err != nil {
			return err
		}
		if _, err := s.RewrapRecord(ctx, r.Namespace, r.ID, 2, []byte("rewrapped"), "key-2"); err != nil {
			return fmt.Errorf("rewrap %s: %w", r.ID, err)
		}
		if err := readBack(ctx, s, r.ID, 2, "key-2"); err != nil {
			return err
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

// readBack checks that a read of record id returns what the last write
// committed, whatever was read (and perhaps cached) before it.
func readBack(ctx context.Context, s tether.Store, id string, version int64, keyID string) error {
	got, err := s.GetRecord(ctx, "default", id)
	if err != nil {
		return fmt.Errorf("get %s: %w", id, err)
	}
	if got.Version != version || got.KeyID != keyID {
		return fmt.Errorf("get %s: version %d, key %q; want %d, %q", id, got.Version, got.KeyID, version, keyID)
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

// TestOneOwner: a second handle on a file in use is refused, with a message
// that says why, until the first closes; a second server would write
// behind the first's record cache.
func TestOneOwner(t *testing.T) {
	path := tempPath(t)
	a := open(t, path, sqlite.Options{})
	_, err := sqlite.Open(t.Context(), path, sqlite.Options{})
	if tether.ErrorCode(err) != tether.ECONFLICT || !strings.Contains(err.Error(), "in use by another process") {
		t.Fatalf("second Open: %v; want ECONFLICT, in use", err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	b := open(t, path, sqlite.Options{})
	defer b.Close()
}

// TestMigrateNeedsOwnership: "tether migrate status" (NoMigrate) reads a
// file a server owns and writes to; "tether migrate up" is refused while
// the server runs, and applies once it has stopped.
func TestMigrateNeedsOwnership(t *testing.T) {
	path := tempPath(t)
	owner := open(t, path, sqlite.Options{})
	status := open(t, path, sqlite.Options{NoMigrate: true})
	defer status.Close()
	runChurn(t, []tether.Store{owner}, 4, 5)
	if current, latest, err := status.SchemaStatus(t.Context()); err != nil || current != latest {
		t.Errorf("SchemaStatus = %d, %d, %v", current, latest, err)
	}
	if _, err := status.Migrate(t.Context()); tether.ErrorCode(err) != tether.ECONFLICT {
		t.Errorf("Migrate under an owner: %v; want ECONFLICT", err)
	}
	if err := owner.Close(); err != nil {
		t.Fatal(err)
	}
	if applied, err := status.Migrate(t.Context()); err != nil || len(applied) != 0 {
		t.Errorf("Migrate once the owner closed = %v, %v; want nothing to apply", applied, err)
	}
}

// TestReadsSeeEveryWrite races readers of one record against writers of it:
// once a write has returned, no read that starts after it may return an
// older version, however the record cache interleaves fills and writes.
func TestReadsSeeEveryWrite(t *testing.T) {
	db := open(t, tempPath(t), sqlite.Options{})
	defer db.Close()
	ctx := t.Context()
	r := storetest.NewRecord("default", "hot", "s3")
	if err := db.CreateRecord(ctx, r); err != nil {
		t.Fatal(err)
	}
	var committed atomic.Int64
	committed.Store(1)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				floor := committed.Load()
				got, err := db.GetRecord(ctx, "default", "hot")
				if err != nil || got.Version < floor {
					errs <- fmt.Errorf("read after version %d committed: %v, %v", floor, got, err)
					return
				}
			}
		})
	}
	for v := int64(2); v <= 300; v++ {
		next := *r
		next.Version = v
		if err := db.UpdateRecord(ctx, &next, v-1); err != nil {
			t.Fatal(err)
		}
		committed.Store(v)
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
