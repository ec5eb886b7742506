package tether

import "context"

// Identity is an authenticated caller.
type Identity struct {
	// Subject names the caller: "user:NAME" (an API token's user, or an
	// OIDC user), "serviceaccount:NS:NAME" (a Kubernetes service account),
	// or a built-in identity ("system:tether:NAME", see BootstrapSubject).
	Subject string
	// Groups are the groups the caller belongs to, as subjects
	// ("group:NAME"); role bindings to a group apply to its members.
	Groups []string
	// Method is how the caller authenticated: "token", "oidc" or
	// "kubernetes".
	Method string
	// TokenID identifies the credential used, for audit; never the token.
	TokenID string
}

// Authentication methods, as Identity.Method.
const (
	MethodToken      = "token"
	MethodOIDC       = "oidc"
	MethodKubernetes = "kubernetes"
)

// BuiltinSubjectPrefix starts the subjects of Tether's built-in identities.
// Identity providers' names are always given a prefix of their own
// ("user:", "group:", "serviceaccount:"), so no claim of an OIDC issuer
// and no Kubernetes username can reach a built-in subject.
const BuiltinSubjectPrefix = "system:tether:"

// BootstrapSubject is the built-in admin: the subject of the admin token
// the server creates on first start (or reads from --admin-token-file). It
// holds the admin role in every namespace, whatever the role bindings say.
const BootstrapSubject = BuiltinSubjectPrefix + "admin"

// LegacyBootstrapSubject is the subject under which stores written by
// earlier versions hold the bootstrap admin's API tokens. An API token
// stored with it is the built-in admin; no new token may be issued for it,
// and, like any "user:" subject, it means nothing more when an identity
// provider names a user "admin".
const LegacyBootstrapSubject = "user:admin"

// Authenticator maps a bearer token to an identity; EUNAUTHORIZED if the
// token is unknown, expired, or otherwise not valid. An authenticator that
// does not recognise the kind of token at all (an API token given to the
// OIDC verifier, say) returns ErrNotMine, so that a chain can try the next.
type Authenticator interface {
	Authenticate(ctx context.Context, token string) (*Identity, error)
}

// ErrNotMine is returned by an Authenticator for a token of a kind it does
// not handle.
var ErrNotMine = Errorf(EUNAUTHORIZED, "invalid or expired token")

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

// RequestInfo describes the request a call serves, for the audit log.
type RequestInfo struct {
	Job    string // the job the caller acts for (X-Tether-Job, --job)
	Remote string // the client's address
}

type requestInfoKey struct{}

// WithRequestInfo returns a context carrying the request's description.
func WithRequestInfo(ctx context.Context, info RequestInfo) context.Context {
	return context.WithValue(ctx, requestInfoKey{}, info)
}

// RequestInfoFrom returns the request's description, or the zero value.
func RequestInfoFrom(ctx context.Context) RequestInfo {
	info, _ := ctx.Value(requestInfoKey{}).(RequestInfo)
	return info
}
