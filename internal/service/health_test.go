package service_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/service"
	"github.com/tether-ml/tether/internal/sqlite"
	"github.com/tether-ml/tether/internal/storetest"
)

// TestHealthReport: the report lists the connections with an expiry
// (soonest first) and with a last test, up to the cap, says when a list
// was cut, is read again only once its TTL has passed, and is refused to a
// caller who cannot read every namespace.
func TestHealthReport(t *testing.T) {
	eachProbeStore(t, func(t *testing.T, open storeOpener) {
		st := open(t)
		at := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
		for i, ns := range []string{"default", "default", "default"} {
			r := storetest.NewRecord(ns, fmt.Sprintf("c%d", i), "s3")
			r.Expiry = &tether.Expiry{At: at.Add(time.Duration(3-i) * time.Hour), What: "SAS token"}
			if err := st.CreateRecord(t.Context(), r); err != nil {
				t.Fatal(err)
			}
		}
		result := `{"ok":true,"message":"listed","latencyMs":3,"at":"2030-01-01T00:00:00Z","from":"server","version":1}`
		if _, err := st.SetLastTest(t.Context(), "default", "c1", 1, []byte(result)); err != nil {
			t.Fatal(err)
		}
		now := at
		h := service.NewHealth(st, service.NewRBAC(st), service.HealthOptions{Cap: 2, TTL: time.Minute, Clock: func() time.Time { return now }})
		admin := as(tether.BootstrapSubject, "")
		got, err := h.Report(admin)
		if err != nil {
			t.Fatal(err)
		}
		expiry := func(hours int) *tether.Expiry {
			return &tether.Expiry{At: at.Add(time.Duration(hours) * time.Hour), What: "SAS token"}
		}
		want := &tether.HealthReport{At: at, ExpiringCapped: true,
			Expiring: []tether.ConnectionHealth{{Namespace: "default", ID: "c2", Type: "s3", Expiry: expiry(1)},
				{Namespace: "default", ID: "c1", Type: "s3", Expiry: expiry(2)}},
			Tested: []tether.ConnectionHealth{{Namespace: "default", ID: "c1", Type: "s3", LastTest: &tether.ProbeResult{
				OK: true, Message: "listed", LatencyMS: 3, At: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), From: "server", Version: 1}}}}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("report (-want +got):\n%s", d)
		}
		if err := st.DeleteRecord(t.Context(), "default", "c2"); err != nil {
			t.Fatal(err)
		}
		now = at.Add(59 * time.Second)
		if again, err := h.Report(admin); err != nil || again != got {
			t.Errorf("report within the TTL was read again (%v)", err)
		}
		now = at.Add(time.Minute)
		if fresh, err := h.Report(admin); err != nil || fresh.ExpiringCapped || len(fresh.Expiring) != 2 || fresh.Expiring[0].ID != "c1" {
			t.Errorf("report after the TTL = %+v, %v; want c1 and c0, not capped", fresh, err)
		}
		if _, err := h.Report(as("user:nobody", "")); tether.ErrorCode(err) != tether.EFORBIDDEN {
			t.Errorf("report for a caller without roles: %v, want EFORBIDDEN", err)
		}
	})
}

// BenchmarkHealthReport reads a report (no TTL: a store read each time)
// from a SQLite store of n connections, every one with an expiry and a
// last test: the cost of the reads of a scrape, which the cap bounds.
func BenchmarkHealthReport(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		b.Run(fmt.Sprintf("connections=%d", n), func(b *testing.B) {
			st, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "db"), sqlite.Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			seedHealth(b, st, n)
			tick := time.Now()
			h := service.NewHealth(st, service.NewRBAC(st), service.HealthOptions{Clock: func() time.Time {
				tick = tick.Add(time.Hour) // past the TTL: every report reads the store
				return tick
			}})
			admin := as(tether.BootstrapSubject, "")
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := h.Report(admin); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// seedHealth imports n records, each with an expiry and a last test.
func seedHealth(b *testing.B, st tether.Store, n int) {
	b.Helper()
	at := time.Now().Add(24 * time.Hour)
	result := []byte(`{"ok":true,"message":"listed","latencyMs":3,"at":"2030-01-01T00:00:00Z","from":"server","version":1}`)
	records := func(yield func(*tether.Record, error) bool) {
		for i := range n {
			r := storetest.NewRecord("default", fmt.Sprintf("c%07d", i), "s3")
			r.Expiry = &tether.Expiry{At: at.Add(time.Duration(i) * time.Second), What: "SAS token"}
			r.LastTest = result
			if !yield(r, nil) {
				return
			}
		}
	}
	if err := st.Import(context.Background(), &tether.Dump{RecordCount: n, Records: records}); err != nil {
		b.Fatal(err)
	}
}
