package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/postgres"
	"github.com/tether-ml/tether/internal/postgres/pgtest"
	"github.com/tether-ml/tether/internal/storetest"
)

// generated yields n records in (namespace, id) order, made on the fly so
// that the dump is never held in memory.
func generated(n int) func(yield func(*tether.Record, error) bool) {
	return func(yield func(*tether.Record, error) bool) {
		for i := range n {
			ns := fmt.Sprintf("ns-%d", i*10/n) // ten namespaces, in order
			if !yield(storetest.NewRecord(ns, fmt.Sprintf("conn-%07d", i), "s3"), nil) {
				return
			}
		}
	}
}

// TestLargeDump imports and exports 100,000 records, and reports how long
// each took.
func TestLargeDump(t *testing.T) {
	const n = 100_000
	db := open(t, pgtest.FreshDatabase(t, ""), postgres.Options{})
	defer db.Close()
	start := time.Now()
	err := db.Import(t.Context(), &tether.Dump{RecordCount: n, Records: generated(n)})
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	t.Logf("Import of %d records: %v", n, time.Since(start))
	if got, err := db.CountRecords(t.Context()); err != nil || got != n {
		t.Fatalf("CountRecords = %d, %v; want %d", got, err, n)
	}
	start = time.Now()
	if seen := exportAll(t, db, n); seen != n {
		t.Fatalf("Export yielded %d records, want %d", seen, n)
	}
	t.Logf("Export of %d records: %v", n, time.Since(start))
	page, err := db.ListRecords(t.Context(), "ns-5", tether.ListOptions{After: "conn-0055000", Limit: 2})
	if got := ids(page); err != nil || len(got) != 2 || got[0] != "conn-0055001" {
		t.Errorf("ListRecords after an imported id = %v, %v", got, err)
	}
}

// exportAll exports db, checking that the records come in strictly
// increasing (namespace, id) order and that RecordCount is want, and
// returns how many records it read.
func exportAll(t *testing.T, db *postgres.DB, want int) int {
	t.Helper()
	var seen int
	var last string
	err := db.Export(t.Context(), func(d *tether.Dump) error {
		if d.RecordCount != want {
			t.Errorf("RecordCount %d, want %d", d.RecordCount, want)
		}
		for r, err := range d.Records {
			if err != nil {
				return err
			}
			key := r.Namespace + "/" + r.ID
			if key <= last {
				return fmt.Errorf("record %s after %s", key, last)
			}
			last = key
			seen++
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Export: %v", err)
	}
	return seen
}

// TestRecordsReadOnce: a dump's records can be read once, and only inside
// the function given to Export.
func TestRecordsReadOnce(t *testing.T) {
	db := open(t, pgtest.FreshDatabase(t, ""), postgres.Options{})
	defer db.Close()
	if err := db.CreateRecord(t.Context(), storetest.NewRecord("default", "one", "s3")); err != nil {
		t.Fatal(err)
	}
	var kept *tether.Dump
	err := db.Export(t.Context(), func(d *tether.Dump) error {
		kept = d
		for _, err := range d.Records {
			if err != nil {
				return err
			}
		}
		for _, err := range d.Records {
			if err == nil {
				t.Error("a second iteration yielded a record")
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Export: %v", err)
	}
	for r, err := range kept.Records {
		if err == nil || r != nil {
			t.Errorf("iteration after Export returned yielded %v, %v; want an error", r, err)
		}
	}
}

// TestImportCancelled: cancelling the context while the records are being
// copied aborts the import, with the context's error, and writes nothing.
func TestImportCancelled(t *testing.T) {
	db := open(t, pgtest.FreshDatabase(t, ""), postgres.Options{})
	defer db.Close()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	records := func(yield func(*tether.Record, error) bool) {
		for i := range 50_000 {
			if i == 20_000 {
				cancel()
			}
			if !yield(storetest.NewRecord("default", fmt.Sprintf("conn-%07d", i), "s3"), nil) {
				return
			}
		}
	}
	err := db.Import(ctx, &tether.Dump{Tokens: []*tether.Token{storetest.NewToken("t")}, Records: records})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Import with a context cancelled midway: %v, want context.Canceled", err)
	}
	if n, err := db.CountRecords(t.Context()); err != nil || n != 0 {
		t.Errorf("CountRecords after a cancelled import = %d, %v; want 0", n, err)
	}
	if n, err := db.CountTokens(t.Context()); err != nil || n != 0 {
		t.Errorf("CountTokens after a cancelled import = %d, %v; want 0", n, err)
	}
}
