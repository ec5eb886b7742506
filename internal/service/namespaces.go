package service

import (
	"context"
	"fmt"
	"time"

	"github.com/tether-ml/tether"
)

// Namespaces manages namespaces. Creating and deleting one needs the
// namespaces permission in every namespace; callers see the namespaces in
// which they hold a role.
type Namespaces struct {
	store tether.Store
	authz *RBAC
	audit tether.AuditLog
	clock func() time.Time
	// changed is called after every change, e.g. to drop cached state.
	changed func()
}

// NewNamespaces returns the namespace service; changed (may be nil) is
// called after every change.
func NewNamespaces(store tether.Store, authz *RBAC, audit tether.AuditLog, changed func()) *Namespaces {
	if changed == nil {
		changed = func() {}
	}
	return &Namespaces{store: store, authz: authz, audit: audit, clock: time.Now, changed: changed}
}

// Create creates the namespace name.
func (s *Namespaces) Create(ctx context.Context, name string) (*tether.Namespace, error) {
	if err := authorize(ctx, s.authz, tether.PermNamespaces, ""); err != nil {
		return nil, err
	}
	if msg := tether.TextProblem(name, 63); msg != "" {
		return nil, tether.Errorf(tether.EINVALID, "namespace name %s", msg)
	}
	if !tether.NamespacePattern.MatchString(name) {
		return nil, tether.Errorf(tether.EINVALID, "namespace name %q is invalid: at most 63 characters, "+
			"only lowercase alphanumerics and '-', starting and ending with an alphanumeric", name)
	}
	n := &tether.Namespace{Name: name, CreatedAt: now(s.clock)}
	if err := s.store.CreateNamespace(ctx, n); err != nil {
		return nil, err
	}
	s.changed()
	if err := recordWrite(ctx, s.audit, tether.AuditEvent{Action: ActionNamespaceCreate, Namespace: name},
		fmt.Sprintf("namespace %q was created", name)); err != nil {
		return nil, err
	}
	return n, nil
}

// Get returns the namespace if the caller holds a role in it.
func (s *Namespaces) Get(ctx context.Context, name string) (*tether.Namespace, error) {
	if err := authorize(ctx, s.authz, tether.PermRead, name); err != nil {
		return nil, err
	}
	return s.store.GetNamespace(ctx, name)
}

// List returns the namespaces in which the caller holds a role.
func (s *Namespaces) List(ctx context.Context) ([]*tether.Namespace, error) {
	who := tether.IdentityFrom(ctx)
	if who == nil {
		return nil, tether.Errorf(tether.EUNAUTHORIZED, "authentication required")
	}
	all, err := s.store.ListNamespaces(ctx)
	if err != nil {
		return nil, err
	}
	out := []*tether.Namespace{}
	for _, n := range all {
		if role, err := s.authz.RoleIn(ctx, who, n.Name); err != nil {
			return nil, err
		} else if role != "" {
			out = append(out, n)
		}
	}
	return out, nil
}

// Delete deletes the namespace and its role bindings; with force also its
// connections, unless one of them is vital.
func (s *Namespaces) Delete(ctx context.Context, name string, force bool) error {
	if err := authorize(ctx, s.authz, tether.PermNamespaces, ""); err != nil {
		return err
	}
	if err := s.store.DeleteNamespace(ctx, name, force); err != nil {
		return err
	}
	s.changed()
	return recordWrite(ctx, s.audit, tether.AuditEvent{Action: ActionNamespaceDelete, Namespace: name},
		fmt.Sprintf("namespace %q was deleted", name))
}
