package storetest

import (
	"testing"
	"time"

	"github.com/tether-ml/tether"
)

// state is what an import may change, read out of a store.
type state struct {
	Records      []*tether.Record
	Tokens       []*tether.Token
	Namespaces   []*tether.Namespace
	RoleBindings []*tether.RoleBinding
	KeyChecks    map[string][]byte
	Audit        []*tether.AuditEvent
}

func readState(t *testing.T, s tether.Store) state {
	t.Helper()
	d, records := collect(t, s)
	return state{Records: records, Tokens: d.Tokens, Namespaces: d.Namespaces, RoleBindings: d.RoleBindings,
		KeyChecks: d.KeyChecks, Audit: listAudit(t, s, tether.AuditFilter{})}
}

// testImportConflict: a token or role binding of the dump that contradicts
// one the store holds, or a failure in the dump's last section (the audit
// log), fails the import with nothing written.
func testImportConflict(t *testing.T, s tether.Store) {
	own, _, rb := importTarget(t, s)
	if err := s.AppendAudit(t.Context(), NewAuditEvent("connection.reveal", "team", "x", 0)); err != nil {
		t.Fatal(err)
	}
	before := readState(t, s)
	otherHash := NewToken(own.ID)
	otherHash.Hash = NewToken("else").Hash
	sameHash := NewToken("other-id")
	sameHash.Hash = own.Hash
	otherSubject := NewToken(own.ID)
	otherSubject.Subject = "user:mallory"
	brokenAudit := func(yield func(*tether.AuditEvent, error) bool) {
		if yield(NewAuditEvent("backup", "", "", 1), nil) {
			yield(nil, tether.Errorf(tether.EINVALID, "the backup's checksum does not match"))
		}
	}
	cases := []struct {
		name     string
		tokens   []*tether.Token
		bindings []*tether.RoleBinding
		audit    func(func(*tether.AuditEvent, error) bool)
		code     string
	}{
		{"token of the same id, another hash", []*tether.Token{NewToken("fine"), otherHash}, nil, nil, tether.ECONFLICT},
		{"token of the same hash, another id", []*tether.Token{sameHash}, nil, nil, tether.ECONFLICT},
		{"token of the same id and hash, another subject", []*tether.Token{otherSubject}, nil, nil, tether.ECONFLICT},
		{"binding of the same id, another grant", nil, []*tether.RoleBinding{
			NewRoleBinding("rb-fine", "user:ann", tether.RoleViewer, "restored"),
			NewRoleBinding(rb.ID, "user:mallory", tether.RoleAdmin, tether.AllNamespaces)}, nil, tether.ECONFLICT},
		{"audit log broken at its end", nil, nil, brokenAudit, tether.EINVALID},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dump := &tether.Dump{
				KeyChecks:    map[string][]byte{"key-7": []byte("check:key-7")},
				Namespaces:   []*tether.Namespace{NewNamespace("restored")},
				Tokens:       tc.tokens,
				RoleBindings: tc.bindings,
				RecordCount:  1,
				Records:      seq([]*tether.Record{NewRecord("restored", "one", "s3")}),
				Audit:        tc.audit,
			}
			wantCode(t, "Import", s.Import(t.Context(), dump), tc.code)
			if d := diff(before, readState(t, s)); d != "" {
				t.Errorf("a refused import changed the store (-before +after):\n%s", d)
			}
		})
	}
}

// testImportRecordNamespaces: a dump that lists no namespace (as read from
// an older backup format) leaves none of its records in a namespace that
// does not exist: each is created as with its first record.
func testImportRecordNamespaces(t *testing.T, s tether.Store) {
	early := NewRecord("legacy", "b", "s3")
	early.CreatedAt = base().Add(-time.Hour)
	records := []*tether.Record{NewRecord("default", "a", "s3"), NewRecord("legacy", "a", "s3"), early}
	dump := &tether.Dump{RecordCount: len(records), Records: seq(records)}
	if err := s.Import(t.Context(), dump); err != nil {
		t.Fatalf("Import: %v", err)
	}
	wantNamespaces(t, s, "default", "legacy")
	ns, err := s.GetNamespace(t.Context(), "legacy")
	if err != nil || !ns.CreatedAt.Equal(early.CreatedAt) {
		t.Errorf("namespace legacy: %+v, %v; want it created at %v", ns, err, early.CreatedAt)
	}
}

// testExportAudit: an export carries the audit log, oldest first, read
// only when iterated.
func testExportAudit(t *testing.T, s tether.Store) {
	events := auditFixture(t, s)
	var got []*tether.AuditEvent
	err := s.Export(t.Context(), func(d *tether.Dump) error {
		for range d.Records {
		}
		if d.Audit == nil {
			t.Fatal("an export has no audit log")
		}
		for e, err := range d.Audit {
			if err != nil {
				return err
			}
			got = append(got, e)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Export: %v", err)
	}
	wantAudit(t, "exported audit log", events, got)
}
