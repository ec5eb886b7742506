package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/tether-ml/tether"
)

// NewNamespace returns a namespace named name, created at base().
func NewNamespace(name string) *tether.Namespace {
	return &tether.Namespace{Name: name, CreatedAt: base()}
}

// createNamespaces creates the namespaces or fails t.
func createNamespaces(t *testing.T, s tether.Store, names ...string) {
	t.Helper()
	for _, name := range names {
		if err := s.CreateNamespace(t.Context(), NewNamespace(name)); err != nil {
			t.Fatalf("CreateNamespace(%s): %v", name, err)
		}
	}
}

// namespaceNames lists the namespaces of s by name, in the store's order.
func namespaceNames(t *testing.T, s tether.Store) []string {
	t.Helper()
	list, err := s.ListNamespaces(t.Context())
	if err != nil {
		t.Fatalf("ListNamespaces: %v", err)
	}
	out := []string{}
	for _, n := range list {
		out = append(out, n.Name)
	}
	return out
}

// wantNamespaces fails t unless the namespaces of s are want, in order.
func wantNamespaces(t *testing.T, s tether.Store, want ...string) {
	t.Helper()
	if d := diff(want, namespaceNames(t, s)); d != "" {
		t.Errorf("ListNamespaces names (-want +got):\n%s", d)
	}
}

// testDefaultNamespace: a fresh store holds the namespace "default",
// created when the store was (by its migration), and nothing else.
func testDefaultNamespace(t *testing.T, s tether.Store) {
	wantNamespaces(t, s, tether.DefaultNamespace)
	n, err := s.GetNamespace(t.Context(), tether.DefaultNamespace)
	if err != nil {
		t.Fatalf("GetNamespace(default): %v", err)
	}
	if age := time.Since(n.CreatedAt); age < -time.Minute || age > time.Hour {
		t.Errorf("default namespace created at %v, %v ago; want about when the store was made", n.CreatedAt, age)
	}
	err = s.CreateNamespace(t.Context(), NewNamespace(tether.DefaultNamespace))
	wantCode(t, "CreateNamespace(default)", err, tether.ECONFLICT)
	err = s.DeleteNamespace(t.Context(), tether.DefaultNamespace, true)
	wantCode(t, "DeleteNamespace(default, force)", err, tether.EINVALID)
	wantNamespaces(t, s, tether.DefaultNamespace)
}

func testNamespaceCreate(t *testing.T, s tether.Store) {
	ctx := t.Context()
	utc := &tether.Namespace{Name: "team-b", CreatedAt: time.Date(2030, 1, 2, 3, 4, 5, 678901000, time.UTC)}
	for _, n := range []*tether.Namespace{NewNamespace("team-c"), utc, NewNamespace("aaa")} {
		if err := s.CreateNamespace(ctx, n); err != nil {
			t.Fatalf("CreateNamespace(%s): %v", n.Name, err)
		}
	}
	wantNamespaces(t, s, "aaa", "default", "team-b", "team-c")
	got, err := s.GetNamespace(ctx, "team-b")
	if err != nil {
		t.Fatalf("GetNamespace: %v", err)
	}
	if d := diff(utc, got); d != "" {
		t.Errorf("GetNamespace(team-b) (-want +got):\n%s", d)
	}
	again := NewNamespace("team-b")
	err = s.CreateNamespace(ctx, again)
	wantCode(t, "CreateNamespace of an existing name", err, tether.ECONFLICT)
	if msg := tether.ErrorMessage(err); !strings.Contains(msg, "team-b") {
		t.Errorf("message %q does not name the namespace", msg)
	}
	if got, _ := s.GetNamespace(ctx, "team-b"); got == nil || !got.CreatedAt.Equal(utc.CreatedAt) {
		t.Errorf("a failed create changed the namespace: %+v", got)
	}
	_, err = s.GetNamespace(ctx, "missing")
	wantCode(t, "GetNamespace of a missing namespace", err, tether.ENOTFOUND)
	err = s.DeleteNamespace(ctx, "missing", true)
	wantCode(t, "DeleteNamespace of a missing namespace", err, tether.ENOTFOUND)
	if msg := tether.ErrorMessage(err); !strings.Contains(msg, "missing") {
		t.Errorf("message %q does not name the namespace", msg)
	}
}

// testNamespaceDeleteEmpty: an empty namespace goes with its role bindings
// and nothing else, without force.
func testNamespaceDeleteEmpty(t *testing.T, s tether.Store) {
	createNamespaces(t, s, "team-a", "team-b")
	doomed := NewRoleBinding("rb-doomed", "user:ann", tether.RoleEditor, "team-a")
	kept := bindingsFixture(t, s, doomed)
	if err := s.DeleteNamespace(t.Context(), "team-a", false); err != nil {
		t.Fatalf("DeleteNamespace of an empty namespace: %v", err)
	}
	wantNamespaces(t, s, "default", "team-b")
	_, err := s.GetNamespace(t.Context(), "team-a")
	wantCode(t, "GetNamespace after delete", err, tether.ENOTFOUND)
	wantBindings(t, s, kept...)
	err = s.DeleteNamespace(t.Context(), "team-a", false)
	wantCode(t, "second DeleteNamespace", err, tether.ENOTFOUND)
}

// bindingsFixture creates extra and, around it, bindings of team-b, of
// default and of every namespace that deleting team-a must keep, which it
// returns in list order.
func bindingsFixture(t *testing.T, s tether.Store, extra ...*tether.RoleBinding) []*tether.RoleBinding {
	t.Helper()
	kept := []*tether.RoleBinding{
		NewRoleBinding("rb-all", "user:ann", tether.RoleViewer, tether.AllNamespaces),
		NewRoleBinding("rb-default", "user:ann", tether.RoleEditor, "default"),
		NewRoleBinding("rb-team-b", "user:ann", tether.RoleEditor, "team-b"),
	}
	createBindings(t, s, append(extra, kept...)...)
	return kept
}

// namespaceFixture creates team-a holding conn-1 and conn-2, team-b and
// default holding records of the same ids, and the bindings of
// bindingsFixture plus one in team-a. It returns the records and bindings
// that deleting team-a must keep.
func namespaceFixture(t *testing.T, s tether.Store) ([]*tether.Record, []*tether.RoleBinding) {
	t.Helper()
	createNamespaces(t, s, "team-a", "team-b")
	create(t, s, NewRecord("team-a", "conn-1", "s3"), NewRecord("team-a", "conn-2", "gcs"))
	kept := []*tether.Record{NewRecord("default", "conn-1", "s3"), NewRecord("team-b", "conn-1", "s3")}
	create(t, s, kept...)
	bindings := bindingsFixture(t, s, NewRoleBinding("rb-team-a", "user:ann", tether.RoleAdmin, "team-a"))
	return kept, bindings
}

// wantNamespaceIntact fails t unless team-a, its records conn-1 and conn-2,
// its binding and everything else are all still there.
func wantNamespaceIntact(t *testing.T, s tether.Store, kept []*tether.Record, bindings []*tether.RoleBinding) {
	t.Helper()
	wantNamespaces(t, s, "default", "team-a", "team-b")
	if n, err := s.CountRecords(t.Context()); err != nil || n != 4 {
		t.Errorf("CountRecords = %d, %v; want 4", n, err)
	}
	for _, r := range kept {
		wantStored(t, s, r)
	}
	all := []*tether.RoleBinding{bindings[0], bindings[1],
		NewRoleBinding("rb-team-a", "user:ann", tether.RoleAdmin, "team-a"), bindings[2]}
	wantBindings(t, s, all...)
}

// testNamespaceDeleteRefused: a namespace holding connections is refused
// without force (ECONFLICT, saying how many and to use --force), and one
// holding a vital connection is refused even with force (EINVALID, naming
// it); neither refusal deletes anything.
func testNamespaceDeleteRefused(t *testing.T, s tether.Store) {
	kept, bindings := namespaceFixture(t, s)
	err := s.DeleteNamespace(t.Context(), "team-a", false)
	wantCode(t, "DeleteNamespace of a namespace holding connections", err, tether.ECONFLICT)
	for _, want := range []string{"team-a", "2 connections", "--force"} {
		if msg := tether.ErrorMessage(err); !strings.Contains(msg, want) {
			t.Errorf("message %q does not contain %q", msg, want)
		}
	}
	wantNamespaceIntact(t, s, kept, bindings)

	vital := changed(NewRecord("team-a", "conn-2", "gcs"))
	vital.Vital = true
	if err := s.UpdateRecord(t.Context(), vital, 1); err != nil {
		t.Fatalf("UpdateRecord: %v", err)
	}
	for _, force := range []bool{true, false} {
		err = s.DeleteNamespace(t.Context(), "team-a", force)
		wantCode(t, "DeleteNamespace of a namespace holding a vital connection", err, tether.EINVALID)
		if msg := tether.ErrorMessage(err); !strings.Contains(msg, `"conn-2"`) {
			t.Errorf("message %q does not name the vital connection conn-2", msg)
		}
		wantNamespaceIntact(t, s, kept, bindings)
	}
	wantStored(t, s, vital)
}

// testNamespaceDeleteForce: with force, the namespace goes with its
// connections and bindings, and nothing of other namespaces.
func testNamespaceDeleteForce(t *testing.T, s tether.Store) {
	kept, bindings := namespaceFixture(t, s)
	if err := s.DeleteNamespace(t.Context(), "team-a", true); err != nil {
		t.Fatalf("DeleteNamespace with force: %v", err)
	}
	wantNamespaces(t, s, "default", "team-b")
	if n, err := s.CountRecords(t.Context()); err != nil || n != len(kept) {
		t.Errorf("CountRecords = %d, %v; want %d", n, err, len(kept))
	}
	for _, id := range []string{"conn-1", "conn-2"} {
		_, err := s.GetRecord(t.Context(), "team-a", id)
		wantCode(t, "GetRecord of a connection of the deleted namespace", err, tether.ENOTFOUND)
	}
	for _, r := range kept {
		wantStored(t, s, r)
	}
	wantBindings(t, s, bindings...)
	// A namespace of the same name starts empty.
	createNamespaces(t, s, "team-a")
	if got, err := s.ListRecords(t.Context(), "team-a", tether.ListOptions{}); err != nil || len(got) != 0 {
		t.Errorf("recreated namespace holds %d records, %v", len(got), err)
	}
}
