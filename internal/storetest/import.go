package storetest

import (
	"testing"
	"time"

	"github.com/tether-ml/tether"
)

// importTarget makes s a store that is fresh but for what a server adds
// before a restore: a bootstrap token, its own key check, and (on a store
// in use) a namespace and a binding. It returns them.
func importTarget(t *testing.T, s tether.Store) (*tether.Token, *tether.Namespace, *tether.RoleBinding) {
	t.Helper()
	own := NewToken("own")
	if err := s.CreateToken(t.Context(), own); err != nil {
		t.Fatal(err)
	}
	if err := s.PutKeyCheck(t.Context(), "key-1", []byte("own check")); err != nil {
		t.Fatal(err)
	}
	ns := &tether.Namespace{Name: "team", CreatedAt: base().Add(-time.Hour)}
	if err := s.CreateNamespace(t.Context(), ns); err != nil {
		t.Fatal(err)
	}
	rb := NewRoleBinding("rb-own", "user:own", tether.RoleAdmin, tether.AllNamespaces)
	createBindings(t, s, rb)
	return own, ns, rb
}

// testImport: a dump goes in whole, its audit log appended in order; what
// the store already has in the same form (the same token, a key check by
// key id, a namespace by name, a binding by id or by subject, role and
// namespace) is kept as stored, a namespace with the earlier creation time.
func testImport(t *testing.T, s tether.Store) {
	own, team, rb := importTarget(t, s)
	def, err := s.GetNamespace(t.Context(), tether.DefaultNamespace)
	if err != nil {
		t.Fatal(err)
	}
	records := []*tether.Record{NewRecord("default", "a", "s3"), NewRecord("team", "b", "gcs")}
	imported := NewRoleBinding("rb-imported", "user:ann", tether.RoleEditor, "team")
	sameKey := NewRoleBinding("rb-same-key", rb.Subject, rb.Role, rb.Namespace)
	events := []*tether.AuditEvent{NewAuditEvent("connection.reveal", "team", "b", 5), NewAuditEvent("backup", "", "", -5)}
	dump := &tether.Dump{
		KeyChecks:    map[string][]byte{"key-1": []byte("check:key-1"), "key-9": []byte("check:key-9")},
		Tokens:       []*tether.Token{NewToken("imported"), own},
		Namespaces:   []*tether.Namespace{NewNamespace("default"), NewNamespace("restored"), NewNamespace("team")},
		RoleBindings: []*tether.RoleBinding{rb, imported, sameKey},
		RecordCount:  len(records),
		Records:      seq(records),
		Audit:        seq(events),
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
	namespaces, err := s.ListNamespaces(t.Context())
	// default takes the dump's earlier creation time, team keeps its own.
	def.CreatedAt = base()
	if d := diff([]*tether.Namespace{def, NewNamespace("restored"), team}, namespaces); err != nil || d != "" {
		t.Errorf("namespaces after import (%v) (-want +got):\n%s", err, d)
	}
	wantBindings(t, s, rb, imported)
	got := listAudit(t, s, tether.AuditFilter{})
	if len(got) == 2 && got[0].ID < got[1].ID {
		events[0].ID, events[1].ID = got[0].ID, got[1].ID
	}
	wantAudit(t, "audit log after import, in the dump's order", events, got)
}

func testImportRefused(t *testing.T, s tether.Store) {
	create(t, s, NewRecord("default", "held", "s3"))
	dump := &tether.Dump{Tokens: []*tether.Token{NewToken("new")}, KeyChecks: map[string][]byte{"key-5": []byte("x")},
		Namespaces:   []*tether.Namespace{NewNamespace("x")},
		RoleBindings: []*tether.RoleBinding{NewRoleBinding("rb-x", "user:x", tether.RoleAdmin, "x")},
		RecordCount:  1, Records: seq([]*tether.Record{NewRecord("default", "other", "s3")})}
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

// assertUntouched fails t if a refused import wrote its token, key check,
// namespace, role binding or records.
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
	wantNamespaces(t, s, tether.DefaultNamespace)
	wantBindings(t, s)
}
