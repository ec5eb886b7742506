package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/tether-ml/tether"
)

// collect exports s and returns the dump with its records read out.
func collect(t *testing.T, s tether.Store) (*tether.Dump, []*tether.Record) {
	t.Helper()
	var dump *tether.Dump
	var records []*tether.Record
	err := s.Export(t.Context(), func(d *tether.Dump) error {
		dump = d
		for r, err := range d.Records {
			if err != nil {
				return err
			}
			records = append(records, r)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Export: %v", err)
	}
	return dump, records
}

// seedBindings are the role bindings seed creates, in list order.
func seedBindings() []*tether.RoleBinding {
	return []*tether.RoleBinding{
		NewRoleBinding("rb-all", "group:ops", tether.RoleAdmin, tether.AllNamespaces),
		NewRoleBinding("rb-default", "user:ann", tether.RoleUser, "default"),
		NewRoleBinding("rb-team-b", "user:ann", tether.RoleEditor, "team-b"),
	}
}

// seed fills s with the namespace team-b, records in it and in default,
// tokens, key checks and seedBindings (created in reverse order).
func seed(t *testing.T, s tether.Store) []*tether.Record {
	t.Helper()
	createNamespaces(t, s, "team-b")
	bindings := seedBindings()
	for i := len(bindings) - 1; i >= 0; i-- {
		createBindings(t, s, bindings[i])
	}
	var records []*tether.Record
	for _, ns := range []string{"team-b", "default"} {
		for i := range 5 {
			records = append(records, NewRecord(ns, fmt.Sprintf("conn-%02d", 4-i), "s3"))
		}
	}
	plain := NewRecord("default", "plain", "git")
	plain.Sealed, plain.KeyID, plain.Vital = nil, "", true
	plain.Expiry = &tether.Expiry{At: base().Add(24 * time.Hour), What: `caBundle certificate "CN=git"`}
	records = append(records, plain)
	create(t, s, records...)
	for _, id := range []string{"tok-1", "tok-2"} {
		if err := s.CreateToken(t.Context(), NewToken(id)); err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range []string{"key-1", "key-2"} {
		if err := s.PutKeyCheck(t.Context(), k, []byte("check:"+k)); err != nil {
			t.Fatal(err)
		}
	}
	slices.SortFunc(records, func(a, b *tether.Record) int {
		if a.Namespace != b.Namespace {
			return compare(a.Namespace, b.Namespace)
		}
		return compare(a.ID, b.ID)
	})
	return records
}

func compare(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func testExport(t *testing.T, s tether.Store) {
	want := seed(t, s)
	dump, got := collect(t, s)
	if d := diff(want, got); d != "" {
		t.Errorf("exported records, in (namespace, id) order (-want +got):\n%s", d)
	}
	if dump.RecordCount != len(want) {
		t.Errorf("RecordCount %d, want %d", dump.RecordCount, len(want))
	}
	if n, err := s.CountRecords(t.Context()); err != nil || n != len(want) {
		t.Errorf("CountRecords = %d, %v; want %d", n, err, len(want))
	}
	if len(dump.Tokens) != 2 || dump.KeyChecks["key-2"] == nil || len(dump.KeyChecks) != 2 {
		t.Errorf("dump holds %d tokens and key checks %v", len(dump.Tokens), dump.KeyChecks)
	}
	namespaces, err := s.ListNamespaces(t.Context())
	if err != nil {
		t.Fatalf("ListNamespaces: %v", err)
	}
	if d := diff(namespaces, dump.Namespaces); d != "" || len(namespaces) != 2 {
		t.Errorf("exported namespaces, in name order (-listed +exported):\n%s", d)
	}
	if d := diff(seedBindings(), dump.RoleBindings); d != "" {
		t.Errorf("exported role bindings, in (namespace, subject, role) order (-want +got):\n%s", d)
	}
}

// testExportSnapshot: writes made while an export runs (records,
// namespaces, role bindings) are not in it.
func testExportSnapshot(t *testing.T, s tether.Store) {
	want := seed(t, s)
	var got []*tether.Record
	var snapshot *tether.Dump
	err := s.Export(t.Context(), func(d *tether.Dump) error {
		snapshot = d
		for r, err := range d.Records {
			if err != nil {
				return err
			}
			if len(got) == 0 {
				create(t, s, NewRecord("default", "zz-late", "s3"), NewRecord("aaa", "early-ns", "s3"))
				createNamespaces(t, s, "aaa")
				createBindings(t, s, NewRoleBinding("rb-late", "user:bob", tether.RoleViewer, "aaa"))
				if err := s.DeleteRecord(t.Context(), want[len(want)-1].Namespace, want[len(want)-1].ID); err != nil {
					return err
				}
			}
			got = append(got, r)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Export: %v", err)
	}
	if d := diff(want, got); d != "" {
		t.Errorf("export is not one snapshot (-want +got):\n%s", d)
	}
	if len(snapshot.Namespaces) != 2 || len(snapshot.RoleBindings) != 3 {
		t.Errorf("export holds %d namespaces and %d bindings, want those of before it: 2 and 3",
			len(snapshot.Namespaces), len(snapshot.RoleBindings))
	}
	if later, _ := collect(t, s); len(later.Namespaces) != 3 || len(later.RoleBindings) != 4 {
		t.Errorf("a later export holds %d namespaces and %d bindings, want 3 and 4",
			len(later.Namespaces), len(later.RoleBindings))
	}
}

// seq yields items without error.
func seq[T any](items []T) func(func(T, error) bool) {
	return func(yield func(T, error) bool) {
		for _, r := range items {
			if !yield(r, nil) {
				return
			}
		}
	}
}
