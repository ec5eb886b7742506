package storetest

import (
	"fmt"
	"sync"
	"testing"

	"github.com/tether-ml/tether"
)

// changeKey is what a test compares of a change: its type, record and the
// record's version.
type changeKey struct {
	Type, Namespace, ID string
	Version             int64
}

// changes reads every change after after, or fails t.
func changes(t *testing.T, s tether.Store, after int64) []*tether.Change {
	t.Helper()
	out, err := s.Changes(t.Context(), after, 100000)
	if err != nil {
		t.Fatalf("Changes(%d): %v", after, err)
	}
	return out
}

// keysOf returns what a test compares of each change, failing t unless
// their resource versions increase.
func keysOf(t *testing.T, list []*tether.Change) []changeKey {
	t.Helper()
	out := []changeKey{}
	for i, c := range list {
		if i > 0 && c.ResourceVersion <= list[i-1].ResourceVersion {
			t.Errorf("change %d has resource version %d after %d", i, c.ResourceVersion, list[i-1].ResourceVersion)
		}
		out = append(out, changeKey{c.Type, c.Record.Namespace, c.Record.ID, c.Record.Version})
	}
	return out
}

// wantLatest fails t unless the store's resource version is want.
func wantLatest(t *testing.T, s tether.Store, want int64) {
	t.Helper()
	got, err := s.ResourceVersion(t.Context())
	if err != nil || got != want {
		t.Errorf("ResourceVersion = %d, %v; want %d", got, err, want)
	}
}

// testChangeLog: each kind of connection write appends one change, with
// the record as stored (the last state for a deletion); a re-wrap and
// failed writes append none.
func testChangeLog(t *testing.T, s tether.Store) {
	wantLatest(t, s, 0)
	a := NewRecord("default", "a", "s3")
	create(t, s, a)
	if err := s.CreateRecord(t.Context(), a); tether.ErrorCode(err) != tether.ECONFLICT {
		t.Fatalf("CreateRecord twice: %v", err)
	}
	a2 := changed(a)
	a2.Vital = false // deleted below
	if err := s.UpdateRecord(t.Context(), a2, 1); err != nil {
		t.Fatalf("UpdateRecord: %v", err)
	}
	if err := s.UpdateRecord(t.Context(), changed(a), 1); tether.ErrorCode(err) != tether.ECONFLICT {
		t.Fatalf("stale UpdateRecord: %v", err)
	}
	if ok, err := s.RewrapRecord(t.Context(), "default", "a", a2.Version, []byte("rewrapped"), "key-2"); !ok || err != nil {
		t.Fatalf("RewrapRecord = %v, %v", ok, err)
	}
	if err := s.DeleteRecord(t.Context(), "default", "a"); err != nil {
		t.Fatalf("DeleteRecord: %v", err)
	}
	got := changes(t, s, 0)
	want := []changeKey{{tether.ChangeAdded, "default", "a", 1}, {tether.ChangeModified, "default", "a", a2.Version},
		{tether.ChangeDeleted, "default", "a", a2.Version}}
	if d := diff(want, keysOf(t, got)); d != "" {
		t.Fatalf("changes (-want +got):\n%s", d)
	}
	for _, c := range got {
		if c.Record.Sealed != nil || c.Record.KeyID != "" {
			t.Errorf("the %s change keeps sealed values (key %q): the change log must hold none", c.Type, c.Record.KeyID)
		}
	}
	added := *a
	added.Sealed, added.KeyID = nil, ""
	if d := diff(&added, got[0].Record); d != "" {
		t.Errorf("ADDED record (-want +got):\n%s", d)
	}
	deleted := *a2
	deleted.Sealed, deleted.KeyID = nil, ""
	deleted.LastTest = nil // a test result is not part of the connection
	deleted.Expiry = nil   // nor is the expiry the change log's
	if d := diff(&deleted, got[2].Record); d != "" {
		t.Errorf("DELETED record, its last state (-want +got):\n%s", d)
	}
	wantLatest(t, s, got[2].ResourceVersion)
	if rest := changes(t, s, got[2].ResourceVersion); len(rest) != 0 {
		t.Errorf("Changes(latest) = %d changes, want none", len(rest))
	}
	if rest := changes(t, s, got[2].ResourceVersion+5); len(rest) != 0 {
		t.Errorf("Changes(after the latest) = %d changes, want none", len(rest))
	}
	for _, bad := range []struct {
		after int64
		limit int
	}{{-1, 10}, {0, 0}, {0, -1}} {
		if _, err := s.Changes(t.Context(), bad.after, bad.limit); tether.ErrorCode(err) != tether.EINVALID {
			t.Errorf("Changes(%d, %d) = %v, want EINVALID", bad.after, bad.limit, err)
		}
	}
}

// testChangeLogWrites: the forced deletion of a namespace logs the
// deletion of each of its connections, and an import the addition of
// each record it writes.
func testChangeLogWrites(t *testing.T, s tether.Store) {
	createNamespaces(t, s, "team")
	create(t, s, NewRecord("team", "x", "s3"), NewRecord("team", "y", "s3"))
	if err := s.DeleteNamespace(t.Context(), "team", true); err != nil {
		t.Fatalf("DeleteNamespace(force): %v", err)
	}
	records := []*tether.Record{NewRecord("default", "i1", "s3"), NewRecord("other", "i2", "gcs")}
	if err := s.Import(t.Context(), &tether.Dump{RecordCount: len(records), Records: seq(records)}); err != nil {
		t.Fatalf("Import: %v", err)
	}
	want := []changeKey{{tether.ChangeAdded, "team", "x", 1}, {tether.ChangeAdded, "team", "y", 1},
		{tether.ChangeDeleted, "team", "x", 1}, {tether.ChangeDeleted, "team", "y", 1},
		{tether.ChangeAdded, "default", "i1", 1}, {tether.ChangeAdded, "other", "i2", 1}}
	got := keysOf(t, changes(t, s, 0))
	// The deletions of one namespace are one statement: any order.
	if len(got) == len(want) && got[2].ID == "y" {
		got[2], got[3] = got[3], got[2]
	}
	if d := diff(want, got); d != "" {
		t.Errorf("changes (-want +got):\n%s", d)
	}
}

// testChangeLogConcurrent: 8 writers at once; a reader that follows the
// log while they write, each time from the last version it saw, misses
// nothing: versions are taken in commit order and, as no write fails,
// without gaps.
func testChangeLogConcurrent(t *testing.T, s tether.Store) {
	const writers, each = 8, 15
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				r := NewRecord("default", fmt.Sprintf("w%d-%02d", w, i), "s3")
				if err := s.CreateRecord(t.Context(), r); err != nil {
					t.Errorf("CreateRecord: %v", err)
					return
				}
				if err := s.UpdateRecord(t.Context(), changed(r), 1); err != nil {
					t.Errorf("UpdateRecord: %v", err)
					return
				}
			}
		}()
	}
	defer wg.Wait() // a failed read below ends the test: the writers first
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	var seen []*tether.Change
	for finished := false; !finished; {
		select {
		case <-done:
			finished = true
		default:
		}
		var after int64
		if len(seen) > 0 {
			after = seen[len(seen)-1].ResourceVersion
		}
		seen = append(seen, changes(t, s, after)...)
	}
	all := changes(t, s, 0)
	if len(all) != 2*writers*each {
		t.Fatalf("%d changes, want %d", len(all), 2*writers*each)
	}
	if d := diff(keysOf(t, all), keysOf(t, seen)); d != "" {
		t.Errorf("the follower's changes differ from the log (-log +follower):\n%s", d)
	}
	for i, c := range all {
		if c.ResourceVersion != all[0].ResourceVersion+int64(i) {
			t.Fatalf("change %d has resource version %d: a gap after %d", i, c.ResourceVersion, all[0].ResourceVersion)
		}
	}
}

// testChangeLogPaging: a limit pages the log in order.
func testChangeLogPaging(t *testing.T, s tether.Store) {
	for i := range 5 {
		create(t, s, NewRecord("default", fmt.Sprintf("p%d", i), "s3"))
	}
	all := changes(t, s, 0)
	var paged []*tether.Change
	for after := int64(0); ; {
		page, err := s.Changes(t.Context(), after, 2)
		if err != nil {
			t.Fatalf("Changes(%d, 2): %v", after, err)
		}
		if len(page) == 0 {
			break
		}
		if len(page) > 2 {
			t.Fatalf("Changes(%d, 2) = %d changes", after, len(page))
		}
		paged = append(paged, page...)
		after = page[len(page)-1].ResourceVersion
	}
	if d := diff(keysOf(t, all), keysOf(t, paged)); d != "" {
		t.Errorf("paged (-all +paged):\n%s", d)
	}
}

// RunChangeHistory tests that a store keeps the last history changes and
// answers EGONE for a version older than those. open returns a fresh,
// empty store that keeps the last history changes.
func RunChangeHistory(t *testing.T, open func(t *testing.T, history int) tether.Store) {
	s := open(t, 3)
	defer s.Close()
	for i := range 5 {
		create(t, s, NewRecord("default", fmt.Sprintf("h%d", i), "s3"))
	}
	latest, err := s.ResourceVersion(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for after := latest - 5; after < latest-3; after++ {
		if _, err := s.Changes(t.Context(), after, 10); tether.ErrorCode(err) != tether.EGONE {
			t.Errorf("Changes(%d) with 3 of %d kept = %v, want EGONE", after, latest, err)
		}
	}
	kept := keysOf(t, changes(t, s, latest-3))
	want := []changeKey{{tether.ChangeAdded, "default", "h2", 1}, {tether.ChangeAdded, "default", "h3", 1},
		{tether.ChangeAdded, "default", "h4", 1}}
	if d := diff(want, kept); d != "" {
		t.Errorf("changes kept (-want +got):\n%s", d)
	}
}
