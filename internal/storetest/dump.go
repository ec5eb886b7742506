package storetest

import (
	"fmt"
	"slices"
	"testing"

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

// seed fills s with records in two namespaces, tokens and key checks.
func seed(t *testing.T, s tether.Store) []*tether.Record {
	t.Helper()
	var records []*tether.Record
	for _, ns := range []string{"team-b", "default"} {
		for i := range 5 {
			records = append(records, NewRecord(ns, fmt.Sprintf("conn-%02d", 4-i), "s3"))
		}
	}
	plain := NewRecord("default", "plain", "git")
	plain.Sealed, plain.KeyID, plain.Vital = nil, "", true
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
}

// testExportSnapshot: writes made while an export runs are not in it.
func testExportSnapshot(t *testing.T, s tether.Store) {
	want := seed(t, s)
	var got []*tether.Record
	err := s.Export(t.Context(), func(d *tether.Dump) error {
		for r, err := range d.Records {
			if err != nil {
				return err
			}
			if len(got) == 0 {
				create(t, s, NewRecord("default", "zz-late", "s3"), NewRecord("aaa", "early-ns", "s3"))
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
}

func testImport(t *testing.T, s tether.Store) {
	// A store that is fresh but for a bootstrap token and its own key check.
	own := NewToken("own")
	if err := s.CreateToken(t.Context(), own); err != nil {
		t.Fatal(err)
	}
	if err := s.PutKeyCheck(t.Context(), "key-1", []byte("own check")); err != nil {
		t.Fatal(err)
	}
	records := []*tether.Record{NewRecord("default", "a", "s3"), NewRecord("team", "b", "gcs")}
	dump := &tether.Dump{
		KeyChecks:   map[string][]byte{"key-1": []byte("check:key-1"), "key-9": []byte("check:key-9")},
		Tokens:      []*tether.Token{NewToken("imported"), own},
		RecordCount: len(records),
		Records:     seq(records),
	}
	if err := s.Import(t.Context(), dump); err != nil {
		t.Fatalf("Import: %v", err)
	}
	for _, r := range records {
		wantStored(t, s, r)
	}
	checks, err := s.KeyChecks(t.Context())
	if err != nil || string(checks["key-1"]) != "own check" || string(checks["key-9"]) != "check:key-9" {
		t.Errorf("key checks after import: %q, %v", checks, err)
	}
	if n, err := s.CountTokens(t.Context()); err != nil || n != 2 {
		t.Errorf("tokens after import: %d, %v; want 2", n, err)
	}
}

func testImportRefused(t *testing.T, s tether.Store) {
	create(t, s, NewRecord("default", "held", "s3"))
	dump := &tether.Dump{Tokens: []*tether.Token{NewToken("new")}, KeyChecks: map[string][]byte{"key-5": []byte("x")},
		RecordCount: 1, Records: seq([]*tether.Record{NewRecord("default", "other", "s3")})}
	wantCode(t, "Import into a store holding a record", s.Import(t.Context(), dump), tether.ECONFLICT)
	assertUntouched(t, s)

	// A failure in the middle of the records writes nothing either.
	fresh := []*tether.Record{NewRecord("x", "one", "s3"), NewRecord("x", "one", "s3")}
	if err := s.DeleteRecord(t.Context(), "default", "held"); err != nil {
		t.Fatal(err)
	}
	dump.Records = seq(fresh)
	wantCode(t, "Import of a duplicate record", s.Import(t.Context(), dump), tether.ECONFLICT)
	assertUntouched(t, s)
	broken := func(yield func(*tether.Record, error) bool) {
		if yield(NewRecord("x", "one", "s3"), nil) {
			yield(nil, tether.Errorf(tether.EINVALID, "backup is truncated"))
		}
	}
	dump.Records = broken
	wantCode(t, "Import of a broken sequence", s.Import(t.Context(), dump), tether.EINVALID)
	assertUntouched(t, s)
}

// assertUntouched fails t if a refused import wrote its token, key check or
// records.
func assertUntouched(t *testing.T, s tether.Store) {
	t.Helper()
	if n, _ := s.CountTokens(t.Context()); n != 0 {
		t.Errorf("a refused import wrote %d tokens", n)
	}
	if checks, _ := s.KeyChecks(t.Context()); len(checks) != 0 {
		t.Errorf("a refused import wrote key checks %v", checks)
	}
	if _, err := s.GetRecord(t.Context(), "x", "one"); tether.ErrorCode(err) != tether.ENOTFOUND {
		t.Errorf("a refused import wrote a record: %v", err)
	}
}

// seq yields records without error.
func seq(records []*tether.Record) func(func(*tether.Record, error) bool) {
	return func(yield func(*tether.Record, error) bool) {
		for _, r := range records {
			if !yield(r, nil) {
				return
			}
		}
	}
}
