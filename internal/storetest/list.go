package storetest

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tether-ml/tether"
)

// listFixture creates conn-00 ... conn-09 in "default", of types s3, gcs,
// git in turn (conn-00 s3, conn-01 gcs, conn-02 git, conn-03 s3, ...), and
// records in "other" with some of the same ids and types, created first and
// in reverse order so that insertion order differs from id order.
func listFixture(t *testing.T, s tether.Store) []*tether.Record {
	t.Helper()
	types := []string{"s3", "gcs", "git"}
	create(t, s,
		NewRecord("other", "conn-07", "s3"),
		NewRecord("other", "conn-045", "s3"),
		NewRecord("other", "aaa", "gcs"),
		NewRecord("other", "zzz", "docker"))
	var records []*tether.Record
	for i := 9; i >= 0; i-- {
		r := NewRecord("default", fmt.Sprintf("conn-%02d", i), types[i%3])
		create(t, s, r)
		records = append([]*tether.Record{r}, records...)
	}
	return records
}

// ids returns the ids of records, in order.
func ids(records []*tether.Record) []string {
	out := []string{}
	for _, r := range records {
		out = append(out, r.ID)
	}
	return out
}

// listCase is one ListRecords query on listFixture's "default" namespace
// and the ids it must return.
type listCase struct {
	name string
	opts tether.ListOptions
	want []string
}

// listCases returns the queries testList runs; all is listFixture's result.
func listCases(all []*tether.Record) []listCase {
	return []listCase{
		{"one type", tether.ListOptions{Types: []string{"s3"}},
			[]string{"conn-00", "conn-03", "conn-06", "conn-09"}},
		{"two types", tether.ListOptions{Types: []string{"git", "s3"}},
			[]string{"conn-00", "conn-02", "conn-03", "conn-05", "conn-06", "conn-08", "conn-09"}},
		{"no type matches", tether.ListOptions{Types: []string{"docker"}}, []string{}},
		{"after an id", tether.ListOptions{After: "conn-04"},
			[]string{"conn-05", "conn-06", "conn-07", "conn-08", "conn-09"}},
		{"after a missing id", tether.ListOptions{After: "conn-045"},
			[]string{"conn-05", "conn-06", "conn-07", "conn-08", "conn-09"}},
		{"after the last", tether.ListOptions{After: "conn-09"}, []string{}},
		{"offset", tether.ListOptions{Offset: 7}, []string{"conn-07", "conn-08", "conn-09"}},
		{"offset past the end", tether.ListOptions{Offset: 10}, []string{}},
		{"limit", tether.ListOptions{Limit: 3}, []string{"conn-00", "conn-01", "conn-02"}},
		{"limit over the count", tether.ListOptions{Limit: 50}, ids(all)},
		{"offset and limit", tether.ListOptions{Offset: 2, Limit: 3},
			[]string{"conn-02", "conn-03", "conn-04"}},
		{"after and limit", tether.ListOptions{After: "conn-06", Limit: 2}, []string{"conn-07", "conn-08"}},
		{"everything", tether.ListOptions{Types: []string{"s3", "gcs"}, After: "conn-01", Offset: 1, Limit: 2},
			[]string{"conn-04", "conn-06"}},
	}
}

func testList(t *testing.T, s tether.Store) {
	all := listFixture(t, s)
	got, err := s.ListRecords(t.Context(), "default", tether.ListOptions{})
	if err != nil {
		t.Fatalf("ListRecords: %v", err)
	}
	if d := diff(all, got); d != "" {
		t.Errorf("ListRecords returned other records (-want +got):\n%s", d)
	}
	for _, tc := range listCases(all) {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.ListRecords(t.Context(), "default", tc.opts)
			if err != nil {
				t.Fatalf("ListRecords(%+v): %v", tc.opts, err)
			}
			if d := cmp.Diff(tc.want, ids(got)); d != "" {
				t.Errorf("ListRecords(%+v) ids (-want +got):\n%s", tc.opts, d)
			}
		})
	}
}

// testListNamespace checks that a list sees only its namespace, and that
// walking pages with the keyset cursor visits every record once.
func testListNamespace(t *testing.T, s tether.Store) {
	listFixture(t, s)
	got, err := s.ListRecords(t.Context(), "other", tether.ListOptions{})
	if err != nil {
		t.Fatalf("ListRecords: %v", err)
	}
	if d := cmp.Diff([]string{"aaa", "conn-045", "conn-07", "zzz"}, ids(got)); d != "" {
		t.Errorf("namespace other (-want +got):\n%s", d)
	}
	got, err = s.ListRecords(t.Context(), "nobody", tether.ListOptions{})
	if err != nil || len(got) != 0 {
		t.Errorf("empty namespace: %d records, %v; want none", len(got), err)
	}
	var walked []string
	for after := ""; ; {
		page, err := s.ListRecords(t.Context(), "default", tether.ListOptions{After: after, Limit: 3})
		if err != nil {
			t.Fatalf("ListRecords after %q: %v", after, err)
		}
		if len(page) == 0 {
			break
		}
		walked = append(walked, ids(page)...)
		after = page[len(page)-1].ID
	}
	if len(walked) != 10 || walked[0] != "conn-00" || walked[9] != "conn-09" {
		t.Errorf("keyset walk visited %v, want conn-00 ... conn-09", walked)
	}
}
