package service_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/service"
)

// TestDeniedFloodGrowsStoreBoundedly floods the store with denied reveals
// of 500 KB ids from one subject and from many unauthenticated addresses:
// the events stored stay within the budget (a burst, then a rate over the
// flood's duration), each bounded in size, the rest are counted as
// dropped and summarised.
func TestDeniedFloodGrowsStoreBoundedly(t *testing.T) {
	for _, open := range auditStores() {
		s := open(t)
		t.Run(s.name, func(t *testing.T) {
			const flood = 200
			big := strings.Repeat("x", 500_000)
			start := time.Now()
			var wg sync.WaitGroup
			for w := range 4 {
				wg.Go(func() {
					for i := range flood / 4 {
						_, _ = s.set.Connections.Reveal(as("user:mallory", "10.6.6.6"), "default", big)
						e := tether.AuditEvent{Action: service.ActionAuthFailed, Outcome: tether.OutcomeFailed, Detail: big}
						ctx := tether.WithRequestInfo(t.Context(), tether.RequestInfo{Remote: fmt.Sprintf("10.7.%d.%d", w, i)})
						_ = s.set.Audit.Record(ctx, e)
					}
				})
			}
			wg.Wait()
			seconds := int(time.Since(start).Seconds()) + 1
			if err := s.set.Audit.SummarizeDropped(t.Context()); err != nil {
				t.Fatal(err)
			}
			all := s.events(t, tether.AuditFilter{})
			var bytes int
			for _, e := range all {
				if !wantStorable(t, e) {
					break
				}
				bytes += len(e.Subject + e.Action + e.Namespace + e.Connection + e.Job + e.Outcome + e.Remote + e.Detail)
			}
			// The global budget: a burst of 200, then 20 a second; and at
			// most 101 summaries.
			if max := 200 + 20*seconds + 101; len(all) > max {
				t.Errorf("%d events stored for %d refused requests, over the budget of %d", len(all), 2*flood, max)
			}
			if max := len(all) * 2048; bytes > max {
				t.Errorf("%d bytes stored in %d events, over %d", bytes, len(all), max)
			}
			wantDropSummary(t, s, all, flood)
		})
	}
}

// wantDropSummary checks that every refused request is either stored or
// counted as dropped, and that mallory's drops are summarised.
func wantDropSummary(t *testing.T, s *auditStore, all []*tether.AuditEvent, perKind int) {
	t.Helper()
	stored, summary := 0, ""
	for _, e := range all {
		switch {
		case e.Action == service.ActionAuditDropped && e.Subject == "user:mallory":
			summary = e.Detail
		case e.Action != service.ActionAuditDropped:
			stored++
		}
	}
	dropped := s.set.Audit.Dropped()
	if stored+int(dropped) != 2*perKind {
		t.Errorf("%d events stored and %d dropped, want %d in all", stored, dropped, 2*perKind)
	}
	mallory := 0
	for _, e := range all {
		if e.Subject == "user:mallory" && e.Action == service.ActionReveal {
			mallory++
		}
	}
	if want := fmt.Sprintf("%d denied events from user:mallory dropped", perKind-mallory); summary != want {
		t.Errorf("summary %q, want %q", summary, want)
	}
}

// TestRetentionDeletesOldEvents appends events older and newer than the
// retention and checks that only the older go, in batches, on both stores.
func TestRetentionDeletesOldEvents(t *testing.T) {
	for _, open := range auditStores() {
		s := open(t)
		t.Run(s.name, func(t *testing.T) {
			now := time.Now().UTC().Truncate(time.Microsecond)
			var events []*tether.AuditEvent
			for i := range 2500 { // more than one batch
				events = append(events, &tether.AuditEvent{Time: now.Add(-48*time.Hour - time.Duration(i)*time.Second),
					Action: "old", Outcome: tether.OutcomeSuccess})
			}
			events = append(events, &tether.AuditEvent{Time: now.Add(-time.Hour), Action: "new", Outcome: tether.OutcomeSuccess})
			if err := s.store.AppendAudit(t.Context(), events...); err != nil {
				t.Fatal(err)
			}
			if n, err := s.set.Audit.DeleteExpired(t.Context(), 0); n != 0 || err != nil {
				t.Fatalf("retention 0 deleted %d events (%v), want none", n, err)
			}
			n, err := s.set.Audit.DeleteExpired(t.Context(), 24*time.Hour)
			if err != nil || n != 2500 {
				t.Fatalf("DeleteExpired deleted %d events (%v), want 2500", n, err)
			}
			left := s.events(t, tether.AuditFilter{})
			if len(left) != 1 || left[0].Action != "new" {
				t.Errorf("left %d events, want the new one", len(left))
			}
		})
	}
}
