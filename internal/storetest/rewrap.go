package storetest

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tether-ml/tether"
)

func testRewrap(t *testing.T, s tether.Store) {
	ctx := t.Context()
	r := NewRecord("default", "wrapped", "s3")
	create(t, s, r, NewRecord("team-a", "other", "s3"))
	rewrap := func(ns, id string, version int64, keyID string) bool {
		t.Helper()
		ok, err := s.RewrapRecord(ctx, ns, id, version, []byte("rewrapped by "+keyID), keyID)
		if err != nil {
			t.Fatalf("RewrapRecord(%s/%s, %d): %v", ns, id, version, err)
		}
		return ok
	}
	if !rewrap("default", "wrapped", 1, "key-2") {
		t.Fatal("RewrapRecord at the stored version reported false")
	}
	want := *r // same version and timestamps
	want.Sealed, want.KeyID = []byte("rewrapped by key-2"), "key-2"
	wantStored(t, s, &want)

	if rewrap("default", "wrapped", 2, "key-3") {
		t.Error("RewrapRecord at a version never stored reported true")
	}
	if rewrap("default", "missing", 1, "key-3") || rewrap("team-a", "wrapped", 1, "key-3") {
		t.Error("RewrapRecord of a missing record reported true")
	}
	wantStored(t, s, &want)
	testRewrapChanged(t, s, &want, rewrap)
}

// testRewrapChanged checks that a rewrap started before an update or a
// delete of the record reports false and changes nothing.
func testRewrapChanged(t *testing.T, s tether.Store, r *tether.Record, rewrap func(ns, id string, version int64, keyID string) bool) {
	ctx := t.Context()
	v2 := changed(r)
	v2.Vital = false
	if err := s.UpdateRecord(ctx, v2, 1); err != nil {
		t.Fatalf("UpdateRecord: %v", err)
	}
	if rewrap("default", "wrapped", 1, "key-3") {
		t.Error("RewrapRecord after an update reported true")
	}
	wantStored(t, s, v2)
	if err := s.DeleteRecord(ctx, "default", "wrapped"); err != nil {
		t.Fatalf("DeleteRecord: %v", err)
	}
	if rewrap("default", "wrapped", 2, "key-3") {
		t.Error("RewrapRecord after a delete reported true")
	}
}

// wrapFixture creates records across namespaces, wrapped by several keys or
// holding no sealed values, and returns the ones not wrapped by "key-new",
// as "namespace/id" in walk order.
func wrapFixture(t *testing.T, s tether.Store) []string {
	t.Helper()
	rec := func(ns, id, keyID string, sealed bool) *tether.Record {
		r := NewRecord(ns, id, "s3")
		r.KeyID = keyID
		if !sealed {
			r.Sealed = nil
		}
		return r
	}
	create(t, s,
		rec("default", "conn-03", "key-old", true),
		rec("default", "conn-02", "key-new", true),
		rec("default", "conn-01", "key-old", true),
		rec("beta", "b3", "key-old", false), // a key id but nothing sealed
		rec("beta", "b2", "key-older", true),
		rec("beta", "b1", "key-old", true),
		rec("alpha", "a3", "", false),
		rec("alpha", "a2", "key-new", true),
		rec("alpha", "a1", "key-old", true))
	return []string{"alpha/a1", "beta/b1", "beta/b2", "default/conn-01", "default/conn-03"}
}

// walkNotWrapped pages through RecordsNotWrappedBy from (afterNS, afterID)
// with the given page size, and returns what it saw as "namespace/id".
func walkNotWrapped(t *testing.T, s tether.Store, keyID, afterNS, afterID string, limit int) []string {
	t.Helper()
	seen := []string{}
	for range 100 {
		page, err := s.RecordsNotWrappedBy(t.Context(), keyID, afterNS, afterID, limit)
		if err != nil {
			t.Fatalf("RecordsNotWrappedBy: %v", err)
		}
		if len(page) > limit {
			t.Fatalf("RecordsNotWrappedBy returned %d records, limit %d", len(page), limit)
		}
		if len(page) == 0 {
			return seen
		}
		for _, r := range page {
			seen = append(seen, r.Namespace+"/"+r.ID)
		}
		afterNS, afterID = page[len(page)-1].Namespace, page[len(page)-1].ID
	}
	t.Fatal("RecordsNotWrappedBy never ran out of records")
	return nil
}

func testNotWrappedBy(t *testing.T, s tether.Store) {
	want := wrapFixture(t, s)
	for _, limit := range []int{1, 2, 3, 100} {
		got := walkNotWrapped(t, s, "key-new", "", "", limit)
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("walk with limit %d (-want +got):\n%s", limit, d)
		}
	}
	cursors := []struct {
		ns, id string
		want   []string
	}{
		{"beta", "b1", want[2:]},
		{"beta", "", want[1:]},
		{"alpha", "zzz", want[1:]},
		{"default", "conn-03", []string{}},
		{"zzz", "", []string{}},
	}
	for _, c := range cursors {
		got := walkNotWrapped(t, s, "key-new", c.ns, c.id, 2)
		if d := cmp.Diff(c.want, got); d != "" {
			t.Errorf("walk after (%q, %q) (-want +got):\n%s", c.ns, c.id, d)
		}
	}
	page, err := s.RecordsNotWrappedBy(t.Context(), "key-new", "", "", 1)
	if err != nil || len(page) != 1 {
		t.Fatalf("RecordsNotWrappedBy: %d records, %v", len(page), err)
	}
	wantStored(t, s, page[0]) // whole records, not just keys
	wantCount(t, s, "key-new", len(want))
	wantCount(t, s, "key-old", 3)
	wantCount(t, s, "key-unused", 7)
	rotate(t, s, "key-new")
	wantCount(t, s, "key-new", 0)
}

// rotate walks the records not wrapped by keyID and rewraps each one, as key
// rotation does.
func rotate(t *testing.T, s tether.Store, keyID string) {
	t.Helper()
	for afterNS, afterID := "", ""; ; {
		page, err := s.RecordsNotWrappedBy(t.Context(), keyID, afterNS, afterID, 2)
		if err != nil {
			t.Fatalf("RecordsNotWrappedBy: %v", err)
		}
		if len(page) == 0 {
			return
		}
		for _, r := range page {
			sealed := fmt.Appendf(nil, "%s by %s", r.Sealed, keyID)
			if ok, err := s.RewrapRecord(t.Context(), r.Namespace, r.ID, r.Version, sealed, keyID); !ok || err != nil {
				t.Fatalf("RewrapRecord(%s/%s) = %v, %v", r.Namespace, r.ID, ok, err)
			}
		}
		afterNS, afterID = page[len(page)-1].Namespace, page[len(page)-1].ID
	}
}

// wantCount fails t unless CountRecordsNotWrappedBy(keyID) is want.
func wantCount(t *testing.T, s tether.Store, keyID string, want int) {
	t.Helper()
	got, err := s.CountRecordsNotWrappedBy(t.Context(), keyID)
	if err != nil || got != want {
		t.Errorf("CountRecordsNotWrappedBy(%q) = %d, %v; want %d", keyID, got, err, want)
	}
}
