package service

import (
	"context"
	"fmt"
	"sync"

	"github.com/tether-ml/tether"
)

// RBAC is the authorizer of role bindings: a caller holds, in a namespace,
// the most powerful role bound to its subject or one of its groups there or
// in every namespace ("*"). The bootstrap admin (tether.BootstrapSubject)
// is admin everywhere, so a server can never lock its operator out.
//
// The bindings are kept in memory and reloaded after Invalidate (called
// after every change made through this server, and on the store's change
// notifications for changes made through others), so authorizing a request
// costs no database round trip.
type RBAC struct {
	store tether.RoleBindingStore

	mu       sync.Mutex
	bindings []*tether.RoleBinding
	stale    bool
	// changed, if set, is called after each Invalidate: watches check
	// their callers' access again.
	changed func()
}

// NewRBAC returns the role-binding authorizer.
func NewRBAC(store tether.RoleBindingStore) *RBAC {
	return &RBAC{store: store, stale: true}
}

var _ tether.Authorizer = (*RBAC)(nil)

// Invalidate makes the next authorization reload the bindings.
func (a *RBAC) Invalidate() {
	a.mu.Lock()
	a.stale = true
	a.mu.Unlock()
	if a.changed != nil {
		a.changed()
	}
}

func (a *RBAC) snapshot(ctx context.Context) ([]*tether.RoleBinding, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.stale {
		b, err := a.store.ListRoleBindings(ctx)
		if err != nil {
			return nil, err
		}
		a.bindings, a.stale = b, false
	}
	return a.bindings, nil
}

// RoleIn returns the caller's role in ns ("" for none). ns AllNamespaces
// asks for the role bound in every namespace.
func (a *RBAC) RoleIn(ctx context.Context, who *tether.Identity, ns string) (tether.Role, error) {
	if who.Subject == tether.BootstrapSubject {
		return tether.RoleAdmin, nil
	}
	bindings, err := a.snapshot(ctx)
	if err != nil {
		return "", err
	}
	best := -1
	for _, b := range bindings {
		if (b.Namespace == ns || b.Namespace == tether.AllNamespaces) && holds(who, b.Subject) {
			best = max(best, rank(b.Role))
		}
	}
	if best < 0 {
		return "", nil
	}
	return tether.Roles[best], nil
}

// Authorize allows the caller if its role in ns holds perm. A caller with
// no role at all in a namespace gets ENOTFOUND, so that nothing about that
// namespace leaks; a caller with a weaker role gets EFORBIDDEN naming the
// permission. ns "" (server-wide operations) needs a role bound in every
// namespace.
func (a *RBAC) Authorize(ctx context.Context, who *tether.Identity, perm tether.Permission, ns string) error {
	scope := ns
	if scope == "" {
		scope = tether.AllNamespaces
	}
	role, err := a.RoleIn(ctx, who, scope)
	switch {
	case err != nil:
		return err
	case role == "" && ns != "" && ns != tether.AllNamespaces:
		return tether.Errorf(tether.ENOTFOUND, "namespace %q not found", ns)
	case !role.Has(perm):
		return tether.Errorf(tether.EFORBIDDEN, "%s lacks permission %s in %s", who.Subject, perm, where(ns))
	}
	return nil
}

func where(ns string) string {
	switch ns {
	case "", tether.AllNamespaces:
		return "every namespace"
	}
	return fmt.Sprintf("namespace %s", ns)
}

// holds reports whether subject names the caller or one of its groups.
func holds(who *tether.Identity, subject string) bool {
	if subject == who.Subject {
		return true
	}
	for _, g := range who.Groups {
		if subject == g {
			return true
		}
	}
	return false
}

func rank(r tether.Role) int {
	for i, role := range tether.Roles {
		if role == r {
			return i
		}
	}
	return -1
}
