package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/tether-ml/tether"
)

// NewRoleBinding returns a binding of role to subject in ns, created at
// base().
func NewRoleBinding(id, subject string, role tether.Role, ns string) *tether.RoleBinding {
	return &tether.RoleBinding{ID: id, Subject: subject, Role: role, Namespace: ns, CreatedAt: base()}
}

// createBindings creates the bindings or fails t.
func createBindings(t *testing.T, s tether.Store, bindings ...*tether.RoleBinding) {
	t.Helper()
	for _, b := range bindings {
		if err := s.CreateRoleBinding(t.Context(), b); err != nil {
			t.Fatalf("CreateRoleBinding(%s): %v", b.ID, err)
		}
	}
}

// wantBindings fails t unless ListRoleBindings returns want, in order.
func wantBindings(t *testing.T, s tether.Store, want ...*tether.RoleBinding) {
	t.Helper()
	got, err := s.ListRoleBindings(t.Context())
	if err != nil {
		t.Fatalf("ListRoleBindings: %v", err)
	}
	if len(want) == 0 && len(got) == 0 {
		return
	}
	if d := diff(want, got); d != "" {
		t.Errorf("ListRoleBindings (-want +got):\n%s", d)
	}
}

// testRoleBindings creates bindings in an order other than the list's,
// lists them in (namespace, subject, role) order, and deletes them.
func testRoleBindings(t *testing.T, s tether.Store) {
	wantBindings(t, s)
	utc := NewRoleBinding("rb-5", "group:data", tether.RoleViewer, "team-a")
	utc.CreatedAt = time.Date(2030, 1, 2, 3, 4, 5, 678901000, time.UTC)
	bindings := []*tether.RoleBinding{
		NewRoleBinding("rb-1", "user:zoe", tether.RoleViewer, "team-a"),
		NewRoleBinding("rb-2", "user:ann", tether.RoleViewer, "team-a"),
		NewRoleBinding("rb-3", "user:ann", tether.RoleAdmin, "team-a"),
		NewRoleBinding("rb-4", "serviceaccount:ml:trainer", tether.RoleUser, tether.AllNamespaces),
		utc,
		NewRoleBinding("rb-6", "user:ann", tether.RoleEditor, "default"),
	}
	createBindings(t, s, bindings...)
	// (namespace, subject, role): "*" < "default" < "team-a", "group:" <
	// "user:", "admin" < "viewer".
	byKey := []*tether.RoleBinding{bindings[3], bindings[5], utc, bindings[2], bindings[1], bindings[0]}
	wantBindings(t, s, byKey...)

	if err := s.DeleteRoleBinding(t.Context(), "rb-2"); err != nil {
		t.Fatalf("DeleteRoleBinding: %v", err)
	}
	err := s.DeleteRoleBinding(t.Context(), "rb-2")
	wantCode(t, "second DeleteRoleBinding", err, tether.ENOTFOUND)
	if msg := tether.ErrorMessage(err); !strings.Contains(msg, "rb-2") {
		t.Errorf("message %q does not name the binding", msg)
	}
	wantBindings(t, s, bindings[3], bindings[5], utc, bindings[2], bindings[0])
	// The same subject, role and namespace may be bound again once deleted.
	createBindings(t, s, NewRoleBinding("rb-7", "user:ann", tether.RoleViewer, "team-a"))
}

// testRoleBindingConflict: an id, or a (subject, role, namespace), is
// bound once; a failed create changes nothing.
func testRoleBindingConflict(t *testing.T, s tether.Store) {
	first := NewRoleBinding("rb-1", "user:ann", tether.RoleEditor, "team-a")
	createBindings(t, s, first)
	tests := []struct {
		name string
		b    *tether.RoleBinding
		says string
	}{
		{"same id", NewRoleBinding("rb-1", "user:bob", tether.RoleViewer, "team-b"), "rb-1"},
		{"same subject, role and namespace", NewRoleBinding("rb-2", "user:ann", tether.RoleEditor, "team-a"), "user:ann"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := s.CreateRoleBinding(t.Context(), tc.b)
			wantCode(t, "CreateRoleBinding "+tc.name, err, tether.ECONFLICT)
			if msg := tether.ErrorMessage(err); !strings.Contains(msg, tc.says) {
				t.Errorf("message %q does not contain %q", msg, tc.says)
			}
		})
	}
	wantBindings(t, s, first)
	// Any one of subject, role and namespace differing is another binding.
	others := []*tether.RoleBinding{
		NewRoleBinding("rb-3", "user:bob", tether.RoleEditor, "team-a"),
		NewRoleBinding("rb-4", "user:ann", tether.RoleAdmin, "team-a"),
		NewRoleBinding("rb-5", "user:ann", tether.RoleEditor, "team-b"),
	}
	createBindings(t, s, others...)
	wantBindings(t, s, others[1], first, others[0], others[2])
}
