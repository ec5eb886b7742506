package storetest

import (
	"testing"

	"github.com/tether-ml/tether"
)

// setLastTest calls SetLastTest and fails t on an error.
func setLastTest(t *testing.T, s tether.Store, ns, id string, version int64, result string) bool {
	t.Helper()
	ok, err := s.SetLastTest(t.Context(), ns, id, version, []byte(result))
	if err != nil {
		t.Fatalf("SetLastTest(%s/%s, %d): %v", ns, id, version, err)
	}
	return ok
}

// testLastTest: a result set at the stored version is kept, read back by
// GetRecord and ListRecords, and changes nothing else: not the version, not
// the timestamps, and no change in the change log.
func testLastTest(t *testing.T, s tether.Store) {
	r := NewRecord("default", "tested", "s3")
	create(t, s, r, NewRecord("team-a", "tested", "s3"))
	rv, err := s.ResourceVersion(t.Context())
	if err != nil {
		t.Fatalf("ResourceVersion: %v", err)
	}
	results := []string{`{"ok":false,"message":"access denied","version":1}`, `{"ok":true,"version":1}`}
	for _, result := range results {
		if !setLastTest(t, s, "default", "tested", 1, result) {
			t.Fatal("SetLastTest at the stored version reported false")
		}
		want := *r
		want.LastTest = []byte(result)
		wantStored(t, s, &want)
		list, err := s.ListRecords(t.Context(), "default", tether.ListOptions{})
		if err != nil || len(list) != 1 {
			t.Fatalf("ListRecords: %d records, %v", len(list), err)
		}
		if d := diff(&want, list[0]); d != "" {
			t.Errorf("listed record (-want +got):\n%s", d)
		}
	}
	wantStored(t, s, NewRecord("team-a", "tested", "s3")) // the other namespace's record is untouched
	if after, err := s.ResourceVersion(t.Context()); err != nil || after != rv {
		t.Errorf("resource version %d after SetLastTest (%v), want %d: a test result is no change", after, err, rv)
	}
}

// testLastTestStale: a result of a version no longer stored (the record
// was updated or deleted meanwhile, or never had it) is dropped.
func testLastTestStale(t *testing.T, s tether.Store) {
	r := NewRecord("default", "tested", "s3")
	create(t, s, r)
	if setLastTest(t, s, "default", "tested", 2, `{"ok":true,"version":2}`) {
		t.Error("SetLastTest at a version never stored reported true")
	}
	if setLastTest(t, s, "default", "missing", 1, `{"ok":true}`) || setLastTest(t, s, "team-a", "tested", 1, `{"ok":true}`) {
		t.Error("SetLastTest of a missing record reported true")
	}
	wantStored(t, s, r)
	setLastTest(t, s, "default", "tested", 1, `{"ok":true,"version":1}`)
	v2 := changed(r)
	v2.LastTest = nil // an update drops the last test of the version it replaces
	if err := s.UpdateRecord(t.Context(), v2, 1); err != nil {
		t.Fatalf("UpdateRecord: %v", err)
	}
	if got := get(t, s, "default", "tested"); got.LastTest != nil {
		t.Errorf("LastTest after an update without one: %s", got.LastTest)
	}
	if setLastTest(t, s, "default", "tested", 1, `{"ok":false,"version":1}`) {
		t.Error("SetLastTest of an older version reported true")
	}
	wantStored(t, s, v2)
}
