package storetest

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"

	"github.com/tether-ml/tether"
)

// benchRecords is how many records BenchHistory loads:
// TETHER_BENCH_RECORDS, default 100,000 (1,000,000 is the target scale,
// which takes long to load on a small machine).
func benchRecords(b *testing.B) int {
	n := 100_000
	if v := os.Getenv("TETHER_BENCH_RECORDS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 100 {
			b.Fatalf("TETHER_BENCH_RECORDS=%q: want a number of records, at least 100", v)
		}
	}
	return n
}

// BenchHistory measures, at benchRecords records holding 1 and then 10
// versions each, the reads of Bench, an update (which stores a version and
// drops the oldest beyond the history kept) and the first page of one
// connection's history: the history must not slow reads or writes down.
// open must return a fresh, empty store keeping at least 10 versions.
func BenchHistory(b *testing.B, open func(tb testing.TB) tether.Store) {
	n := benchRecords(b)
	for _, versions := range []int{1, 10} {
		s := open(b)
		loadVersions(b, s, n, versions)
		b.Run(fmt.Sprintf("records=%d/versions=%d", n, versions), func(b *testing.B) {
			benchReads(b, s, n)
			b.Run("update", func(b *testing.B) { benchUpdates(b, s, n) })
			b.Run("history", func(b *testing.B) {
				for b.Loop() {
					if got, err := s.ListVersions(b.Context(), "default", benchID(rand.IntN(n)), 0, 20); err != nil || len(got) == 0 {
						b.Fatalf("ListVersions: %d, %v", len(got), err)
					}
				}
			})
		})
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// benchUpdates updates random records to their next version.
func benchUpdates(b *testing.B, s tether.Store, n int) {
	for b.Loop() {
		r, err := s.GetRecord(b.Context(), "default", benchID(rand.IntN(n)))
		if err != nil {
			b.Fatal(err)
		}
		next := *r
		next.Version++
		if err := s.UpdateRecord(b.Context(), &next, r.Version); err != nil {
			b.Fatal(err)
		}
	}
}

// loadVersions fills s with n records in one import, each at version
// versions with that many versions in its history.
func loadVersions(b *testing.B, s tether.Store, n, versions int) {
	b.Helper()
	record := func(i, v int) *tether.Record {
		r := NewRecord("default", benchID(i), "s3")
		if i%max(n/100, 1) == 0 {
			r.Type = "gcs"
		}
		r.Version = int64(v)
		return r
	}
	records := func(yield func(*tether.Record, error) bool) {
		for i := range n {
			if !yield(record(i, versions), nil) {
				return
			}
		}
	}
	history := func(yield func(*tether.Record, error) bool) {
		for i := range n {
			for v := 1; v < versions; v++ {
				if !yield(record(i, v), nil) {
					return
				}
			}
		}
	}
	if err := s.Import(b.Context(), &tether.Dump{RecordCount: n, Records: records, Versions: history}); err != nil {
		b.Fatalf("loading %d records of %d versions: %v", n, versions, err)
	}
}
