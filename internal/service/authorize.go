package service

import (
	"context"

	"github.com/tether-ml/tether"
)

// authorizeGlobal checks a permission that is not about one namespace.
func authorizeGlobal(ctx context.Context, authz tether.Authorizer, perm tether.Permission) error {
	return authorize(ctx, authz, perm, "")
}

// authorize checks that the caller in ctx holds perm in ns.
func authorize(ctx context.Context, authz tether.Authorizer, perm tether.Permission, ns string) error {
	who := tether.IdentityFrom(ctx)
	if who == nil {
		return tether.Errorf(tether.EUNAUTHORIZED, "authentication required")
	}
	return authz.Authorize(ctx, who, perm, ns)
}

// notFoundAs turns an authorizer's "namespace not found" (the caller
// cannot see the namespace) into the not-found of the resource asked for,
// so that the answer is the same whether the resource exists or not.
func notFoundAs(err error, kind, id string) error {
	if tether.ErrorCode(err) == tether.ENOTFOUND {
		return tether.Errorf(tether.ENOTFOUND, "%s %q not found", kind, id)
	}
	return err
}
