// Package storetest is the one conformance suite that every tether.Store
// (SQLite, PostgreSQL) must pass. It tests the contract documented on
// tether.Store and nothing about how a store keeps its data, so a store that
// passes it can replace another without the service noticing.
//
// A store's test calls Run with a function that opens a fresh, empty store:
//
//	func TestStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) tether.Store { return openEmpty(t) })
//	}
//
// Timestamps are compared with microsecond precision (PostgreSQL's) and
// regardless of time zone; ids are chosen so that their order is the same
// under byte-wise and locale collations.
package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tether-ml/tether"
)

// Run runs the suite. Each subtest gets its own store from open, which must
// return a fresh, empty store or fail t. Run closes each store when its
// subtest ends, before any cleanup that open registered with t.Cleanup.
func Run(t *testing.T, open func(t *testing.T) tether.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s tether.Store)
	}{
		{"CreateGet", testCreateGet},
		{"CreateDuplicate", testCreateDuplicate},
		{"Namespaces", testNamespaces},
		{"NotFound", testNotFound},
		{"Update", testUpdate},
		{"UpdateStale", testUpdateStale},
		{"UpdateConcurrent", testUpdateConcurrent},
		{"Delete", testDelete},
		{"DeleteVital", testDeleteVital},
		{"List", testList},
		{"ListNamespace", testListNamespace},
		{"Rewrap", testRewrap},
		{"NotWrappedBy", testNotWrappedBy},
		{"LastTest", testLastTest},
		{"LastTestStale", testLastTestStale},
		{"ExpiringRecords", testExpiringRecords},
		{"TestedRecords", testTestedRecords},
		{"DueRecords", testDueRecords},
		{"KeyChecks", testKeyChecks},
		{"Tokens", testTokens},
		{"TokenConflict", testTokenConflict},
		{"TokenListDelete", testTokenListDelete},
		{"DefaultNamespace", testDefaultNamespace},
		{"NamespaceCreate", testNamespaceCreate},
		{"NamespaceDeleteEmpty", testNamespaceDeleteEmpty},
		{"NamespaceDeleteRefused", testNamespaceDeleteRefused},
		{"NamespaceDeleteForce", testNamespaceDeleteForce},
		{"RoleBindings", testRoleBindings},
		{"RoleBindingConflict", testRoleBindingConflict},
		{"AuditAppend", testAuditAppend},
		{"AuditFilters", testAuditFilters},
		{"AuditPaging", testAuditPaging},
		{"AuditConcurrent", testAuditConcurrent},
		{"AuditRetention", testAuditRetention},
		{"Export", testExport},
		{"ExportSnapshot", testExportSnapshot},
		{"Import", testImport},
		{"ImportRefused", testImportRefused},
		{"ImportConflict", testImportConflict},
		{"ImportRecordNamespaces", testImportRecordNamespaces},
		{"ExportAudit", testExportAudit},
		{"ChangeLog", testChangeLog},
		{"ChangeLogWrites", testChangeLogWrites},
		{"ChangeLogConcurrent", testChangeLogConcurrent},
		{"ChangeLogPaging", testChangeLogPaging},
		{"History", testHistory},
		{"HistoryPage", testHistoryPage},
		{"HistoryDelete", testHistoryDelete},
		{"HistoryRewrap", testHistoryRewrap},
		{"HistoryRestore", testHistoryRestore},
		{"Ping", testPing},
		{"CancelledContext", testCancelledContext},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			tc.fn(t, s)
		})
	}
}

// base is the creation time of the records NewRecord builds: microsecond
// precision, in a zone other than UTC, so a store must keep the instant,
// not the wall clock of one zone.
func base() time.Time {
	return time.Date(2024, 5, 17, 10, 30, 45, 123456000, time.FixedZone("CEST", 2*60*60))
}

// NewRecord returns a valid record (ns, id) of type typ at version 1, with
// every field set: sealed bytes (binary, including 0x00 and 0xff) wrapped
// by "key-1", and distinct creation and update times.
func NewRecord(ns, id, typ string) *tether.Record {
	return &tether.Record{
		Namespace: ns,
		ID:        id,
		Type:      typ,
		Spec:      fmt.Appendf(nil, `{"type":%q,"uri":"s3://bucket/%s"}`, typ, id),
		Sealed:    append([]byte{0x00, 0x01, 0xfe, 0xff}, "sealed:"+ns+"/"+id...),
		KeyID:     "key-1",
		Version:   1,
		CreatedAt: base(),
		UpdatedAt: base().Add(90*time.Minute + 7*time.Microsecond),
	}
}

// NewToken returns a token with the given id, a 32-byte hash derived from
// it, and no expiry.
func NewToken(id string) *tether.Token {
	hash := make([]byte, 32)
	copy(hash, "hash:"+id)
	hash[31] = 0xff
	return &tether.Token{ID: id, Hash: hash, Subject: "user:" + id, CreatedAt: base()}
}

// diff compares want and got, treating times as equal when they are the same
// instant, and nil and empty slices as different.
func diff(want, got any) string {
	return cmp.Diff(want, got, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) }))
}

// create creates the records or fails t.
func create(t *testing.T, s tether.Store, records ...*tether.Record) {
	t.Helper()
	for _, r := range records {
		if err := s.CreateRecord(t.Context(), r); err != nil {
			t.Fatalf("CreateRecord(%s/%s): %v", r.Namespace, r.ID, err)
		}
	}
}

// get returns the record or fails t.
func get(t *testing.T, s tether.Store, ns, id string) *tether.Record {
	t.Helper()
	r, err := s.GetRecord(t.Context(), ns, id)
	if err != nil {
		t.Fatalf("GetRecord(%s/%s): %v", ns, id, err)
	}
	return r
}

// wantStored fails t unless the stored record equals want.
func wantStored(t *testing.T, s tether.Store, want *tether.Record) {
	t.Helper()
	got := get(t, s, want.Namespace, want.ID)
	if d := diff(want, got); d != "" {
		t.Errorf("stored %s/%s mismatch (-want +got):\n%s", want.Namespace, want.ID, d)
	}
}

// wantCode fails t unless err has the error code code.
func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := tether.ErrorCode(err); got != code {
		t.Errorf("%s: error code %q (%v), want %q", what, got, err, code)
	}
}
