package storetest

import (
	"testing"
	"time"

	"github.com/tether-ml/tether"
)

// stateOf is the RecordState of r.
func stateOf(r *tether.Record) *tether.RecordState {
	return &tether.RecordState{Namespace: r.Namespace, ID: r.ID, Type: r.Type, Version: r.Version, Expiry: r.Expiry, LastTest: r.LastTest}
}

// expiring returns NewRecord(ns, id, "azureblob") expiring at at.
func expiring(ns, id string, at time.Time) *tether.Record {
	r := NewRecord(ns, id, "azureblob")
	r.Expiry = &tether.Expiry{At: at, What: "SAS token"}
	return r
}

// testExpiringRecords: the records with an expiry, soonest first, then by
// (namespace, id), up to the limit; an update that drops the expiry or a
// deletion takes a record out.
func testExpiringRecords(t *testing.T, s tether.Store) {
	at := base().Add(48 * time.Hour)
	createNamespaces(t, s, "team-a")
	later := expiring("default", "later", at.Add(24*time.Hour))
	soon := expiring("default", "soon", at)
	tie := expiring("team-a", "soon", at)
	gone := expiring("default", "expired", base().Add(-time.Hour))
	create(t, s, later, soon, NewRecord("default", "none", "s3"), tie, gone)
	want := []*tether.RecordState{stateOf(gone), stateOf(soon), stateOf(tie), stateOf(later)}
	for _, limit := range []int{10, 4, 2} {
		got, err := s.ExpiringRecords(t.Context(), limit)
		if err != nil {
			t.Fatalf("ExpiringRecords(%d): %v", limit, err)
		}
		if d := diff(want[:min(limit, len(want))], got); d != "" {
			t.Errorf("ExpiringRecords(%d) (-want +got):\n%s", limit, d)
		}
	}
	v2 := changed(soon) // changed drops an expiry that was set
	if err := s.UpdateRecord(t.Context(), v2, 1); err != nil {
		t.Fatalf("UpdateRecord: %v", err)
	}
	if err := s.DeleteRecord(t.Context(), "default", "expired"); err != nil {
		t.Fatalf("DeleteRecord: %v", err)
	}
	got, err := s.ExpiringRecords(t.Context(), 10)
	if d := diff([]*tether.RecordState{stateOf(tie), stateOf(later)}, got); err != nil || d != "" {
		t.Errorf("ExpiringRecords after an update and a delete (%v) (-want +got):\n%s", err, d)
	}
}

// testTestedRecords: the records with a last test, in (namespace, id)
// order, up to the limit; an update without one takes a record out.
func testTestedRecords(t *testing.T, s tether.Store) {
	createNamespaces(t, s, "team-a")
	x, y, z := NewRecord("default", "x", "s3"), NewRecord("default", "y", "s3"), NewRecord("team-a", "a", "git")
	create(t, s, x, y, z)
	for _, r := range []*tether.Record{z, x} {
		r.LastTest = []byte(`{"ok":false,"message":"access denied","version":1}`)
		setLastTest(t, s, r.Namespace, r.ID, 1, string(r.LastTest))
	}
	for _, tc := range []struct {
		limit int
		want  []*tether.RecordState
	}{{10, []*tether.RecordState{stateOf(x), stateOf(z)}}, {1, []*tether.RecordState{stateOf(x)}}} {
		got, err := s.TestedRecords(t.Context(), tc.limit)
		if d := diff(tc.want, got); err != nil || d != "" {
			t.Errorf("TestedRecords(%d) (%v) (-want +got):\n%s", tc.limit, err, d)
		}
	}
	v2 := changed(x)
	v2.LastTest = nil
	if err := s.UpdateRecord(t.Context(), v2, 1); err != nil {
		t.Fatalf("UpdateRecord: %v", err)
	}
	got, err := s.TestedRecords(t.Context(), 10)
	if d := diff([]*tether.RecordState{stateOf(z)}, got); err != nil || d != "" {
		t.Errorf("TestedRecords after an update without a test (%v) (-want +got):\n%s", err, d)
	}
}

// testDueRecords: the records of the types asked for, in one namespace
// or in all but some, never tested or tested before the time given, the
// oldest test first (never tested before any), then by (namespace, id).
func testDueRecords(t *testing.T, s tether.Store) {
	createNamespaces(t, s, "team-a", "team-b")
	never, first, second := NewRecord("default", "never", "s3"), NewRecord("default", "tested-1", "s3"), NewRecord("default", "tested-2", "s3")
	other, elsewhere, excluded := NewRecord("default", "git", "git"), NewRecord("team-a", "never", "s3"), NewRecord("team-b", "never", "s3")
	create(t, s, second, first, never, other, elsewhere, excluded)
	beforeTests := time.Now()
	time.Sleep(5 * time.Millisecond)
	for _, r := range []*tether.Record{first, second} {
		r.LastTest = []byte(`{"ok":true,"version":1}`)
		setLastTest(t, s, r.Namespace, r.ID, 1, string(r.LastTest))
		time.Sleep(5 * time.Millisecond)
	}
	later := time.Now().Add(time.Hour)
	s3 := []string{"s3"}
	tests := []struct {
		name string
		q    tether.DueQuery
		want []*tether.Record
	}{
		{"namespace", tether.DueQuery{Namespace: "default", Types: s3, Before: later, Limit: 10}, []*tether.Record{never, first, second}},
		{"tested before", tether.DueQuery{Namespace: "default", Types: s3, Before: beforeTests, Limit: 10}, []*tether.Record{never}},
		{"limit", tether.DueQuery{Namespace: "default", Types: s3, Before: later, Limit: 2}, []*tether.Record{never, first}},
		{"types", tether.DueQuery{Namespace: "default", Types: []string{"git", "gcs"}, Before: later, Limit: 10}, []*tether.Record{other}},
		{"no types", tether.DueQuery{Namespace: "default", Before: later, Limit: 10}, nil},
		{"every namespace but", tether.DueQuery{Except: []string{"team-b"}, Types: s3, Before: later, Limit: 10},
			[]*tether.Record{never, elsewhere, first, second}},
		{"every namespace", tether.DueQuery{Types: s3, Before: beforeTests, Limit: 10}, []*tether.Record{never, elsewhere, excluded}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.DueRecords(t.Context(), tc.q)
			if err != nil {
				t.Fatalf("DueRecords: %v", err)
			}
			want := []*tether.RecordState{}
			for _, r := range tc.want {
				want = append(want, stateOf(r))
			}
			if d := diff(want, got); d != "" {
				t.Errorf("DueRecords(%+v) (-want +got):\n%s", tc.q, d)
			}
		})
	}
}
