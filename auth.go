package tether

import "context"

// Identity is an authenticated caller.
type Identity struct {
	// Subject names the caller: "user:NAME", "group:NAME" or
	// "serviceaccount:NS:NAME".
	Subject string
	// TokenID identifies the credential used, for audit; never the token.
	TokenID string
}

// BootstrapSubject is the subject of the admin token the server creates on
// first start.
const BootstrapSubject = "user:admin"

// Permission is one thing a caller may be allowed to do in a namespace.
type Permission string

// Permissions checked by the services.
const (
	PermRead       Permission = "connections.read"   // list, get masked
	PermReveal     Permission = "connections.reveal" // get decrypted
	PermWrite      Permission = "connections.write"  // create, update, delete
	PermVital      Permission = "connections.vital"  // clear the vital flag
	PermRotateKeys Permission = "keys.rotate"
	PermBackup     Permission = "backup" // back up and restore the whole store
)

// Authenticator maps a bearer token to an identity; EUNAUTHORIZED if the
// token is unknown or expired.
type Authenticator interface {
	Authenticate(ctx context.Context, token string) (*Identity, error)
}

// Authorizer decides whether an identity holds a permission in a namespace;
// it returns nil or an EFORBIDDEN error naming the missing permission.
type Authorizer interface {
	Authorize(ctx context.Context, who *Identity, perm Permission, ns string) error
}

type identityKey struct{}

// WithIdentity returns a context carrying the caller's identity.
func WithIdentity(ctx context.Context, id *Identity) context.Context {
	return context.WithValue(ctx, identityKey{}, id)
}

// IdentityFrom returns the caller's identity, or nil.
func IdentityFrom(ctx context.Context) *Identity {
	id, _ := ctx.Value(identityKey{}).(*Identity)
	return id
}
