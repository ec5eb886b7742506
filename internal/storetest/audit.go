package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tether-ml/tether"
)

// NewAuditEvent returns an event with every field set, at base() plus
// minutes.
func NewAuditEvent(action, ns, conn string, minutes int) *tether.AuditEvent {
	return &tether.AuditEvent{
		Time:       base().Add(time.Duration(minutes)*time.Minute + 7*time.Microsecond),
		Subject:    "user:ann",
		Action:     action,
		Namespace:  ns,
		Connection: conn,
		Job:        "job-" + conn,
		Outcome:    tether.OutcomeSuccess,
		Remote:     "10.0.0.1:4321",
		Detail:     "hmac:" + action,
	}
}

// auditFixture appends the events testAuditFilters queries, and returns
// them with their ids set. Event 6 is the earliest in time but appended
// last, so that time order and id order differ.
func auditFixture(t *testing.T, s tether.Store) []*tether.AuditEvent {
	t.Helper()
	sparse := &tether.AuditEvent{Time: base().Add(30 * time.Minute), Action: "auth.failed", Outcome: tether.OutcomeDenied}
	events := []*tether.AuditEvent{
		NewAuditEvent("connection.reveal", "team-a", "conn-1", 0),  // 0
		NewAuditEvent("connection.update", "team-a", "conn-1", 10), // 1
		NewAuditEvent("connection.reveal", "team-a", "conn-2", 20), // 2
		NewAuditEvent("connection.reveal", "team-b", "conn-1", 40), // 3
		sparse, // 4: no subject, namespace, connection, job, remote or detail
		NewAuditEvent("connection.reveal", "team-a", "conn-1", 50),  // 5
		NewAuditEvent("connection.reveal", "team-a", "conn-1", -60), // 6
	}
	var last int64
	for i, e := range events {
		if err := s.AppendAudit(t.Context(), e); err != nil {
			t.Fatalf("AppendAudit(%d): %v", i, err)
		}
		if e.ID <= last {
			t.Errorf("event %d got id %d, not greater than the previous %d", i, e.ID, last)
		}
		last = e.ID
	}
	return events
}

// pick returns the events at the given indexes, in that order.
func pick(events []*tether.AuditEvent, indexes ...int) []*tether.AuditEvent {
	out := []*tether.AuditEvent{}
	for _, i := range indexes {
		out = append(out, events[i])
	}
	return out
}

// listAudit returns ListAudit(f) or fails t.
func listAudit(t *testing.T, s tether.Store, f tether.AuditFilter) []*tether.AuditEvent {
	t.Helper()
	got, err := s.ListAudit(t.Context(), f)
	if err != nil {
		t.Fatalf("ListAudit(%+v): %v", f, err)
	}
	return got
}

// wantAudit fails t unless got is want, in order.
func wantAudit(t *testing.T, what string, want, got []*tether.AuditEvent) {
	t.Helper()
	if len(want) == 0 && len(got) == 0 {
		return
	}
	if d := diff(want, got); d != "" {
		t.Errorf("%s (-want +got):\n%s", what, d)
	}
}

// testAuditAppend: a fresh store's log is empty; events come back as
// appended, with their ids, oldest first.
func testAuditAppend(t *testing.T, s tether.Store) {
	wantAudit(t, "ListAudit of a fresh store", nil, listAudit(t, s, tether.AuditFilter{}))
	events := auditFixture(t, s)
	wantAudit(t, "ListAudit of everything", events, listAudit(t, s, tether.AuditFilter{}))
	batch := []*tether.AuditEvent{
		NewAuditEvent("connection.reveal", "team-a", "conn-7", 70),
		NewAuditEvent("connection.reveal", "team-b", "conn-8", 71),
		NewAuditEvent("connection.update", "team-a", "conn-9", 72),
	}
	if err := s.AppendAudit(t.Context(), batch...); err != nil {
		t.Fatalf("AppendAudit of 3 events: %v", err)
	}
	last := events[len(events)-1].ID
	for i, e := range batch {
		if e.ID <= last {
			t.Errorf("batched event %d got id %d, not greater than the previous %d", i, e.ID, last)
		}
		last = e.ID
	}
	events = append(events, batch...)
	wantAudit(t, "ListAudit after a batch", events, listAudit(t, s, tether.AuditFilter{}))

	// A group larger than one statement carries (the SQLite store inserts
	// 64 rows at a time) keeps its order and ids across the pieces.
	large := make([]*tether.AuditEvent, 133)
	for i := range large {
		large[i] = NewAuditEvent("connection.reveal", "team-c", fmt.Sprintf("conn-%d", i%7), 80+i)
	}
	if err := s.AppendAudit(t.Context(), large...); err != nil {
		t.Fatalf("AppendAudit of %d events: %v", len(large), err)
	}
	for i, e := range large {
		if e.ID <= last {
			t.Fatalf("event %d of the large batch got id %d, not greater than the previous %d", i, e.ID, last)
		}
		last = e.ID
	}
	wantAudit(t, "ListAudit after a large batch", append(events, large...), listAudit(t, s, tether.AuditFilter{}))
}

func testAuditFilters(t *testing.T, s tether.Store) {
	ev := auditFixture(t, s)
	reveal := []string{"connection.reveal"}
	tests := []struct {
		name string
		f    tether.AuditFilter
		want []int
	}{
		{"namespace", tether.AuditFilter{Namespace: "team-a"}, []int{0, 1, 2, 5, 6}},
		{"unknown namespace", tether.AuditFilter{Namespace: "team-z"}, nil},
		{"connection in any namespace", tether.AuditFilter{Connection: "conn-1"}, []int{0, 1, 3, 5, 6}},
		{"namespace and connection", tether.AuditFilter{Namespace: "team-a", Connection: "conn-1"}, []int{0, 1, 5, 6}},
		{"one action", tether.AuditFilter{Actions: []string{"auth.failed"}}, []int{4}},
		{"any of two actions", tether.AuditFilter{Actions: []string{"auth.failed", "connection.update"}}, []int{1, 4}},
		{"unknown action", tether.AuditFilter{Actions: []string{"nothing"}}, nil},
		{"since, inclusive", tether.AuditFilter{Since: ev[2].Time}, []int{2, 3, 4, 5}},
		{"since, in another zone", tether.AuditFilter{Since: ev[3].Time.In(time.UTC)}, []int{3, 5}},
		{"after id", tether.AuditFilter{AfterID: ev[4].ID}, []int{5, 6}},
		{"limit", tether.AuditFilter{Limit: 2}, []int{0, 1}},
		{"limit over the count", tether.AuditFilter{Limit: 100}, []int{0, 1, 2, 3, 4, 5, 6}},
		{"combined", tether.AuditFilter{Namespace: "team-a", Connection: "conn-1", Actions: reveal,
			Since: ev[0].Time, AfterID: ev[0].ID, Limit: 5}, []int{5}},
		{"combined with a limit", tether.AuditFilter{Namespace: "team-a", Actions: reveal, Limit: 2}, []int{0, 2}},
		{"usage window", tether.AuditFilter{Namespace: "team-a", Connection: "conn-1", Actions: reveal,
			Since: ev[6].Time}, []int{0, 5, 6}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := listAudit(t, s, tc.f)
			wantAudit(t, fmt.Sprintf("ListAudit(%+v)", tc.f), pick(ev, tc.want...), got)
		})
	}
}

// testAuditPaging walks the log by AfterID and Limit, as a reader
// following it does, while events are appended between pages.
func testAuditPaging(t *testing.T, s tether.Store) {
	events := auditFixture(t, s)
	var walked []*tether.AuditEvent
	var after int64
	for page := 0; page < 20; page++ {
		got := listAudit(t, s, tether.AuditFilter{AfterID: after, Limit: 3})
		if len(got) == 0 {
			break
		}
		if page == 1 {
			more := NewAuditEvent("connection.delete", "team-a", "conn-3", 90)
			if err := s.AppendAudit(t.Context(), more); err != nil {
				t.Fatal(err)
			}
			events = append(events, more)
		}
		walked = append(walked, got...)
		after = got[len(got)-1].ID
	}
	wantAudit(t, "events walked by AfterID", events, walked)
}

// testAuditConcurrent: concurrent appends get distinct ids, and the log
// lists each once, in id order.
func testAuditConcurrent(t *testing.T, s tether.Store) {
	const writers = 16
	events := make([]*tether.AuditEvent, writers)
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for i := range writers {
		events[i] = NewAuditEvent("connection.reveal", "default", fmt.Sprintf("conn-%02d", i), i)
		wg.Go(func() { errs[i] = s.AppendAudit(t.Context(), events[i]) })
	}
	wg.Wait()
	ids := map[int64]bool{}
	for i, err := range errs {
		if err != nil {
			t.Fatalf("AppendAudit(%d): %v", i, err)
		}
		ids[events[i].ID] = true
	}
	got := listAudit(t, s, tether.AuditFilter{})
	if len(ids) != writers || len(got) != writers {
		t.Fatalf("%d distinct ids, %d events listed; want %d", len(ids), len(got), writers)
	}
	for i := 1; i < len(got); i++ {
		if got[i].ID <= got[i-1].ID {
			t.Errorf("event %d listed after %d", got[i].ID, got[i-1].ID)
		}
	}
	if n := len(listAudit(t, s, tether.AuditFilter{Namespace: "default"})); n != writers {
		t.Errorf("%d events listed in default, want %d", n, writers)
	}
}
