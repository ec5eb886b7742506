package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/tether-ml/tether"
)

// versionOf returns the version of r as the history keeps it: r without
// LastTest and Expiry.
func versionOf(r *tether.Record) *tether.Record {
	v := *r
	v.LastTest, v.Expiry = nil, nil
	return &v
}

// update stores r as the next version of the stored record, or fails t.
func nextVersion(t *testing.T, s tether.Store, r *tether.Record, uri string) *tether.Record {
	t.Helper()
	n := *r
	n.Version = r.Version + 1
	n.Spec = fmt.Appendf(nil, `{"type":%q,"uri":%q}`, r.Type, uri)
	n.Sealed = append([]byte{0x00, 0xff}, uri...)
	n.UpdatedAt = r.UpdatedAt.Add(time.Duration(n.Version) * time.Second)
	if err := s.UpdateRecord(t.Context(), &n, r.Version); err != nil {
		t.Fatalf("UpdateRecord(%s, %d): %v", r.ID, r.Version, err)
	}
	return &n
}

// versions reads a whole page of the history of (ns, id), or fails t.
func versions(t *testing.T, s tether.Store, ns, id string, before int64, limit int) []*tether.Record {
	t.Helper()
	out, err := s.ListVersions(t.Context(), ns, id, before, limit)
	if err != nil {
		t.Fatalf("ListVersions(%s/%s, %d, %d): %v", ns, id, before, limit, err)
	}
	return out
}

// testHistory: every write that makes a version keeps it, sealed as
// written; the history reads newest first, in keyset pages; a version
// reads alone; a last test makes no version; a failed write keeps none.
func testHistory(t *testing.T, s tether.Store) {
	v1 := NewRecord("default", "h", "s3")
	create(t, s, v1, NewRecord("default", "other", "s3"))
	v2 := nextVersion(t, s, v1, "s3://two")
	v3 := nextVersion(t, s, v2, "s3://three")
	if ok, err := s.SetLastTest(t.Context(), "default", "h", 3, []byte(`{"ok":true}`)); !ok || err != nil {
		t.Fatalf("SetLastTest = %v, %v", ok, err)
	}
	stale := *v3
	stale.Version = 9
	wantCode(t, "UpdateRecord at a stale version", s.UpdateRecord(t.Context(), &stale, 2), tether.ECONFLICT)
	want := []*tether.Record{versionOf(v3), versionOf(v2), versionOf(v1)}
	if d := diff(want, versions(t, s, "default", "h", 0, 10)); d != "" {
		t.Errorf("history (-want +got):\n%s", d)
	}
	if d := diff(want[1:2], versions(t, s, "default", "h", 3, 1)); d != "" {
		t.Errorf("page before 3 (-want +got):\n%s", d)
	}
	if d := diff(want[2:], versions(t, s, "default", "h", 2, 5)); d != "" {
		t.Errorf("page before 2 (-want +got):\n%s", d)
	}
	got, err := s.GetVersion(t.Context(), "default", "h", 2)
	if err != nil {
		t.Fatalf("GetVersion(2): %v", err)
	}
	if d := diff(versionOf(v2), got); d != "" {
		t.Errorf("GetVersion(2) (-want +got):\n%s", d)
	}
	_, err = s.GetVersion(t.Context(), "default", "h", 4)
	wantCode(t, "GetVersion of a version never written", err, tether.ENOTFOUND)
	_, err = s.GetVersion(t.Context(), "other-ns", "h", 1)
	wantCode(t, "GetVersion in another namespace", err, tether.ENOTFOUND)
	if got := versions(t, s, "default", "absent", 0, 10); len(got) != 0 {
		t.Errorf("history of a missing connection: %d versions", len(got))
	}
}

// testHistoryPage: pages a store cannot serve are refused alike.
func testHistoryPage(t *testing.T, s tether.Store) {
	for _, tc := range []struct {
		before int64
		limit  int
	}{{-1, 10}, {0, 0}, {0, -1}, {0, tether.MaxHistoryPage + 1}} {
		_, err := s.ListVersions(t.Context(), "default", "h", tc.before, tc.limit)
		wantCode(t, fmt.Sprintf("ListVersions(before %d, limit %d)", tc.before, tc.limit), err, tether.EINVALID)
	}
}

// testHistoryDelete: deleting a connection, or its namespace, purges its
// history; an id created again starts a new one.
func testHistoryDelete(t *testing.T, s tether.Store) {
	a := NewRecord("default", "a", "s3")
	create(t, s, a)
	nextVersion(t, s, a, "s3://two")
	if err := s.DeleteRecord(t.Context(), "default", "a"); err != nil {
		t.Fatal(err)
	}
	if got := versions(t, s, "default", "a", 0, 10); len(got) != 0 {
		t.Errorf("history after delete: %d versions", len(got))
	}
	create(t, s, a)
	if got := versions(t, s, "default", "a", 0, 10); len(got) != 1 || got[0].Version != 1 {
		t.Errorf("history of an id created again: %v", got)
	}
	if err := s.CreateNamespace(t.Context(), &tether.Namespace{Name: "team", CreatedAt: base()}); err != nil {
		t.Fatal(err)
	}
	b := NewRecord("team", "b", "s3")
	create(t, s, b)
	nextVersion(t, s, b, "s3://two")
	if err := s.DeleteNamespace(t.Context(), "team", true); err != nil {
		t.Fatal(err)
	}
	if got := versions(t, s, "team", "b", 0, 10); len(got) != 0 {
		t.Errorf("history after the namespace's deletion: %d versions", len(got))
	}
}

// testHistoryRewrap: re-wrapping a record re-wraps its live version; the
// older versions are walked by VersionsNotWrappedBy and re-wrapped alone.
func testHistoryRewrap(t *testing.T, s tether.Store) {
	a := NewRecord("default", "a", "s3")
	b := NewRecord("default", "b", "s3")
	create(t, s, a, b)
	a2 := nextVersion(t, s, a, "s3://two")
	if ok, err := s.RewrapRecord(t.Context(), "default", "a", 2, []byte("new"), "key-2"); !ok || err != nil {
		t.Fatalf("RewrapRecord = %v, %v", ok, err)
	}
	live, err := s.GetVersion(t.Context(), "default", "a", a2.Version)
	if err != nil || string(live.Sealed) != "new" || live.KeyID != "key-2" {
		t.Fatalf("live version after a re-wrap: %+v, %v", live, err)
	}
	var walked []tether.VersionKey
	after := tether.VersionKey{}
	for {
		page, err := s.VersionsNotWrappedBy(t.Context(), "key-2", after, 1)
		if err != nil {
			t.Fatalf("VersionsNotWrappedBy: %v", err)
		}
		if len(page) == 0 {
			break
		}
		r := page[0]
		after = tether.VersionKey{Namespace: r.Namespace, ID: r.ID, Version: r.Version}
		walked = append(walked, after)
		if ok, err := s.RewrapVersion(t.Context(), r.Namespace, r.ID, r.Version, []byte("re"), "key-2"); !ok || err != nil {
			t.Fatalf("RewrapVersion = %v, %v", ok, err)
		}
	}
	want := []tether.VersionKey{{Namespace: "default", ID: "a", Version: 1}, {Namespace: "default", ID: "b", Version: 1}}
	if d := diff(want, walked); d != "" {
		t.Errorf("versions walked (-want +got):\n%s", d)
	}
	if page, err := s.VersionsNotWrappedBy(t.Context(), "key-2", tether.VersionKey{}, 10); len(page) != 0 || err != nil {
		t.Errorf("after re-wrapping: %d versions left, %v", len(page), err)
	}
	if ok, err := s.RewrapVersion(t.Context(), "default", "a", 7, []byte("x"), "key-2"); ok || err != nil {
		t.Errorf("RewrapVersion of a version never kept = %v, %v", ok, err)
	}
}

// RunHistoryKeep tests that a store keeps the last keep versions of each
// connection, dropping the older ones as writes add versions, and that a
// restore keeps what the history would keep. open returns a fresh, empty
// store that keeps keep versions.
func RunHistoryKeep(t *testing.T, open func(t *testing.T, keep int) tether.Store) {
	s := open(t, 3)
	defer s.Close()
	r := NewRecord("default", "k", "s3")
	create(t, s, r, NewRecord("default", "j", "s3"))
	for i := range 6 {
		r = nextVersion(t, s, r, fmt.Sprintf("s3://v%d", i+2))
	}
	var got []int64
	for _, v := range versions(t, s, "default", "k", 0, 100) {
		got = append(got, v.Version)
	}
	if d := diff([]int64{7, 6, 5}, got); d != "" {
		t.Errorf("versions kept (-want +got):\n%s", d)
	}
	if got := versions(t, s, "default", "j", 0, 100); len(got) != 1 {
		t.Errorf("another connection's history: %d versions, want 1", len(got))
	}
}

// versionAt returns r at version v, its spec and sealed values naming v.
func versionAt(r *tether.Record, v int64) *tether.Record {
	n := *r
	n.Version = v
	n.Spec = fmt.Appendf(nil, `{"type":%q,"uri":"s3://v%d"}`, r.Type, v)
	n.Sealed = fmt.Appendf(nil, "sealed v%d", v)
	return &n
}

// testHistoryRestore: an export carries every kept version; an import
// keeps those of the dump's records (not of a record it lacks), and a
// restored record's live version is the record.
func testHistoryRestore(t *testing.T, s tether.Store) {
	a := NewRecord("default", "a", "s3")
	history := []*tether.Record{versionAt(a, 1), versionAt(a, 2), versionAt(a, 3),
		versionAt(NewRecord("default", "gone", "s3"), 1)}
	live := versionAt(a, 3)
	dump := &tether.Dump{RecordCount: 1, Records: seq([]*tether.Record{live}), Versions: seq(history)}
	if err := s.Import(t.Context(), dump); err != nil {
		t.Fatalf("Import: %v", err)
	}
	want := []*tether.Record{history[2], history[1], history[0]}
	if d := diff(want, versions(t, s, "default", "a", 0, 10)); d != "" {
		t.Errorf("history after import (-want +got):\n%s", d)
	}
	if got := versions(t, s, "default", "gone", 0, 10); len(got) != 0 {
		t.Errorf("history of a record the dump lacks: %d versions", len(got))
	}
	var exported []*tether.Record
	err := s.Export(t.Context(), func(d *tether.Dump) error {
		for range d.Records {
		}
		for v, err := range d.Versions {
			if err != nil {
				return err
			}
			exported = append(exported, v)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Export: %v", err)
	}
	if d := diff(history[:3], exported); d != "" {
		t.Errorf("exported versions (-want +got):\n%s", d)
	}
}
