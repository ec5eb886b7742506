package service

import (
	"context"

	"github.com/tether-ml/tether"
)

// Admins is the authorizer of a single-team server: the listed subjects
// hold every permission in every namespace, and nobody else holds any.
// Role bindings replace it when namespaces and roles arrive; callers only
// see the tether.Authorizer seam.
type Admins []string

var _ tether.Authorizer = Admins(nil)

// Authorize allows admins and refuses everyone else, naming the permission.
func (a Admins) Authorize(_ context.Context, who *tether.Identity, perm tether.Permission, ns string) error {
	for _, s := range a {
		if who.Subject == s {
			return nil
		}
	}
	where := "namespace " + ns
	if ns == "" {
		where = "this server"
	}
	return tether.Errorf(tether.EFORBIDDEN, "%s lacks permission %s in %s", who.Subject, perm, where)
}
