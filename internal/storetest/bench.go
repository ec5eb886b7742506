package storetest

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/tether-ml/tether"
)

// BenchSizes are the store sizes Bench compares: a read must cost the same
// at each.
var BenchSizes = []int{100, 100_000}

// Bench measures, at each of BenchSizes records, the reads that must not
// slow down as a store grows: get by id, the first list page, the last list
// page (by keyset cursor, as the service pages, and by offset, for
// comparison), a full page of a type filter whose 100 matches are spread
// over the whole store, and the last page of a two-type filter.
// open must return a fresh, empty store.
func Bench(b *testing.B, open func(tb testing.TB) tether.Store) {
	for _, n := range BenchSizes {
		s := open(b)
		load(b, s, n)
		b.Run(fmt.Sprintf("records=%d", n), func(b *testing.B) { benchReads(b, s, n) })
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// benchID is the id of the i-th record of a bench store.
func benchID(i int) string { return fmt.Sprintf("conn-%07d", i) }

// load fills s with n records in one import; 100 of them, evenly spread,
// are of type gcs.
func load(b *testing.B, s tether.Store, n int) {
	b.Helper()
	records := func(yield func(*tether.Record, error) bool) {
		for i := range n {
			typ := "s3"
			if i%max(n/100, 1) == 0 {
				typ = "gcs"
			}
			if !yield(NewRecord("default", benchID(i), typ), nil) {
				return
			}
		}
	}
	if err := s.Import(b.Context(), &tether.Dump{RecordCount: n, Records: records}); err != nil {
		b.Fatalf("loading %d records: %v", n, err)
	}
}

func benchReads(b *testing.B, s tether.Store, n int) {
	const page = 100
	list := func(b *testing.B, opts tether.ListOptions, want int) {
		for b.Loop() {
			recs, err := s.ListRecords(b.Context(), "default", opts)
			if err != nil || len(recs) != want {
				b.Fatalf("ListRecords(%+v): %d records, %v", opts, len(recs), err)
			}
		}
	}
	lastStart := max(n-page, 0)
	after := ""
	if lastStart > 0 {
		after = benchID(lastStart - 1)
	}
	b.Run("get", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.GetRecord(b.Context(), "default", benchID(rand.IntN(n))); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("list-first", func(b *testing.B) { list(b, tether.ListOptions{Limit: page}, min(page, n)) })
	b.Run("list-last-keyset", func(b *testing.B) { list(b, tether.ListOptions{After: after, Limit: page}, min(page, n)) })
	b.Run("list-last-offset", func(b *testing.B) { list(b, tether.ListOptions{Offset: lastStart, Limit: page}, min(page, n)) })
	b.Run("list-type", func(b *testing.B) {
		list(b, tether.ListOptions{Types: []string{"gcs"}, Limit: page}, min(page, n))
	})
	b.Run("list-two-types", func(b *testing.B) {
		list(b, tether.ListOptions{Types: []string{"gcs", "s3"}, After: after, Limit: page}, min(page, n))
	})
}

// BenchAudit measures AppendAudit with batches of 1, 8 and 32 events, the
// sizes the service's group commit produces under load, each event naming
// one of 10,000 connections at random, as reveals under load do
// (go test -bench Audit -run ^$ ./internal/sqlite/). open must return a
// fresh, empty store.
func BenchAudit(b *testing.B, open func(tb testing.TB) tether.Store) {
	for _, n := range []int{1, 8, 32} {
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) {
			s := open(b)
			defer s.Close()
			events := make([]*tether.AuditEvent, n)
			for b.Loop() {
				now := time.Now()
				for i := range events {
					events[i] = &tether.AuditEvent{Time: now, Subject: "token:bench", Action: "connection.reveal",
						Namespace: "default", Connection: benchID(rand.IntN(10_000)), Outcome: tether.OutcomeSuccess,
						Remote: "127.0.0.1:40000", Detail: "fingerprint sha256:0123456789abcdef"}
				}
				if err := s.AppendAudit(b.Context(), events...); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n)/1e3, "µs/event")
		})
	}
}

// BenchAuditQueries measures reading the audit log of 100,000 events naming
// 1,000 connections over ten days: the usage of one connection over the
// last day (a window, as conn usage asks) and the first page of one
// connection's events over all time (audit get --id without --since).
// open must return a fresh, empty store.
func BenchAuditQueries(b *testing.B, open func(tb testing.TB) tether.Store) {
	const events, conns, days = 100_000, 1000, 10
	s := open(b)
	defer s.Close()
	start := time.Now().Add(-days * 24 * time.Hour)
	batch := make([]*tether.AuditEvent, 0, 1000)
	for i := range events {
		batch = append(batch, &tether.AuditEvent{Time: start.Add(time.Duration(i) * (days * 24 * time.Hour / events)),
			Subject: "token:bench", Action: "connection.reveal", Namespace: "default", Connection: benchID(i % conns),
			Outcome: tether.OutcomeSuccess})
		if len(batch) == cap(batch) {
			if err := s.AppendAudit(b.Context(), batch...); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	query := func(b *testing.B, f tether.AuditFilter) {
		for b.Loop() {
			got, err := s.ListAudit(b.Context(), f)
			if err != nil || len(got) == 0 {
				b.Fatalf("ListAudit(%+v) = %d events, %v", f, len(got), err)
			}
		}
	}
	b.Run("usage-last-day", func(b *testing.B) {
		query(b, tether.AuditFilter{Namespace: "default", Connection: benchID(7), Actions: []string{"connection.reveal"},
			Since: time.Now().Add(-24 * time.Hour)})
	})
	b.Run("connection-first-page", func(b *testing.B) {
		query(b, tether.AuditFilter{Namespace: "default", Connection: benchID(7), Limit: 100})
	})
}
