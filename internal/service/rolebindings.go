package service

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/tether-ml/tether"
)

// RoleBindings manages role bindings. Binding a role in a namespace needs
// the bindings permission there (an admin of the namespace); binding one in
// every namespace ("*") needs it in every namespace.
type RoleBindings struct {
	store tether.Store
	authz *RBAC
	audit tether.AuditLog
	clock func() time.Time
}

// NewRoleBindings returns the role-binding service.
func NewRoleBindings(store tether.Store, authz *RBAC, audit tether.AuditLog) *RoleBindings {
	return &RoleBindings{store: store, authz: authz, audit: audit, clock: time.Now}
}

// Create binds b.Role to b.Subject in b.Namespace.
func (s *RoleBindings) Create(ctx context.Context, b tether.RoleBinding) (*tether.RoleBinding, error) {
	if err := authorize(ctx, s.authz, tether.PermBindings, b.Namespace); err != nil {
		return nil, err
	}
	if err := s.validate(ctx, &b); err != nil {
		return nil, err
	}
	b.ID, b.CreatedAt = "rb-"+randomHex(6), now(s.clock)
	if err := s.store.CreateRoleBinding(ctx, &b); err != nil {
		return nil, err
	}
	s.authz.Invalidate()
	if err := recordWrite(ctx, s.audit, tether.AuditEvent{Action: ActionBindingCreate, Namespace: b.Namespace,
		Detail: fmt.Sprintf("%s %s", b.Subject, b.Role)}, fmt.Sprintf("role binding %q was created", b.ID)); err != nil {
		return nil, err
	}
	return &b, nil
}

func (s *RoleBindings) validate(ctx context.Context, b *tether.RoleBinding) error {
	var p tether.Problems
	if msg := tether.TextProblem(b.Subject, 0); msg != "" {
		p.Add("subject", msg)
	} else if !tether.SubjectPattern.MatchString(b.Subject) {
		p.Add("subject", "must be user:NAME, group:NAME or serviceaccount:NAMESPACE:NAME")
	}
	if b.Role.Permissions() == nil {
		p.Add("role", fmt.Sprintf("must be one of %v", tether.Roles))
	}
	switch {
	case b.Namespace == "":
		p.Add("namespace", `required: a namespace, or "*" for every namespace`)
	case b.Namespace != tether.AllNamespaces && !tether.NamespacePattern.MatchString(b.Namespace):
		p.Add("namespace", `must be a namespace name, or "*" for every namespace`)
	}
	if err := p.Err("role binding"); err != nil {
		return err
	}
	if b.Namespace == tether.AllNamespaces {
		return nil
	}
	_, err := s.store.GetNamespace(ctx, b.Namespace)
	return err
}

// List returns the bindings of ns ("" for every namespace) that the caller
// may manage.
func (s *RoleBindings) List(ctx context.Context, ns string) ([]*tether.RoleBinding, error) {
	scope := ns
	if scope == "" {
		scope = tether.AllNamespaces
	}
	if err := authorize(ctx, s.authz, tether.PermBindings, scope); err != nil {
		return nil, err
	}
	all, err := s.store.ListRoleBindings(ctx)
	if err != nil {
		return nil, err
	}
	out := []*tether.RoleBinding{}
	for _, b := range all {
		if ns == "" || b.Namespace == ns {
			out = append(out, b)
		}
	}
	return out, nil
}

// Delete removes the binding with that id.
func (s *RoleBindings) Delete(ctx context.Context, id string) error {
	all, err := s.store.ListRoleBindings(ctx)
	if err != nil {
		return err
	}
	for _, b := range all {
		if b.ID != id {
			continue
		}
		if err := authorize(ctx, s.authz, tether.PermBindings, b.Namespace); err != nil {
			return notFoundAs(err, "role binding", id)
		}
		if err := s.store.DeleteRoleBinding(ctx, id); err != nil {
			return err
		}
		s.authz.Invalidate()
		return recordWrite(ctx, s.audit, tether.AuditEvent{Action: ActionBindingDelete, Namespace: b.Namespace,
			Detail: fmt.Sprintf("%s %s", b.Subject, b.Role)}, fmt.Sprintf("role binding %q was deleted", id))
	}
	return tether.Errorf(tether.ENOTFOUND, "role binding %q not found", id)
}

// randomHex returns n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
