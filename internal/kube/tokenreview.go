package kube

import (
	"context"
	"crypto/sha256"
	"errors"
	"slices"
	"strings"
	"time"

	authnv1 "k8s.io/api/authentication/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/tether-ml/tether"
)

// DefaultAudience is the audience Tether asks of Kubernetes service-account
// tokens unless configured otherwise: a pod mounts a projected token with
// `audience: tether`, so that a token meant for Tether is useless to any
// other service, and a token meant for another service (or the API server)
// is useless to Tether.
const DefaultAudience = "tether"

const (
	// defaultCacheTTL is how long a successful review is reused.
	defaultCacheTTL = 10 * time.Second
	// defaultCacheSize bounds the number of reviews remembered.
	defaultCacheSize = 4096
	// reviewTimeout bounds one TokenReview call unless the rest.Config
	// sets its own timeout.
	reviewTimeout = 10 * time.Second
	// credentialIDKey is the user extra in which the API server names the
	// token it verified ("JTI=..."), also recorded in its audit log.
	credentialIDKey = "authentication.kubernetes.io/credential-id"
)

// TokenReviewer is a tether.Authenticator for Kubernetes service-account
// tokens (e.g. a projected token a pod reads from a file). It does not
// verify them itself: it asks the API server, through the TokenReview API,
// which checks the signature, expiry, audience, and that the service
// account (and the pod or secret the token is bound to) still exists.
// The identity it returns is "serviceaccount:NAMESPACE:NAME".
//
// Tether's own credentials must allow `create tokenreviews`
// (authentication.k8s.io); the ClusterRole system:auth-delegator does.
//
// A TokenReviewer is safe for concurrent use.
type TokenReviewer struct {
	reviews  *reviewClient
	audience string
	issuers  []string
	cache    *reviewCache // nil when caching is off
}

// Option configures a TokenReviewer.
type Option func(*options)

type options struct {
	issuers   []string
	cacheTTL  time.Duration
	cacheSize int
}

// WithIssuers names the service-account issuers of the cluster (the API
// server's --service-account-issuer values). A JWT from any other issuer
// is then left to the next authenticator (tether.ErrNotMine) without a
// call to the API server. Without it, every JWT is reviewed, so in a chain
// the TokenReviewer should come after authenticators that recognise their
// own tokens (an OIDC verifier, say): the API server's "no" is final.
func WithIssuers(issuers ...string) Option {
	return func(o *options) { o.issuers = append(o.issuers, issuers...) }
}

// WithCache sets how long a successful review is reused (default 10 s) and
// how many are remembered (default 4096). A ttl of 0 or less turns caching
// off. Failures are never cached. The cost of the cache is that a token
// revoked on the cluster (its service account or pod deleted) is still
// accepted for up to ttl; the API server caches its answers for 10 s too.
func WithCache(ttl time.Duration, size int) Option {
	return func(o *options) { o.cacheTTL, o.cacheSize = ttl, size }
}

// NewTokenReviewer returns a TokenReviewer that reviews tokens with the API
// server of cfg, for the given audience. cfg is copied; unless it sets
// them, calls time out after 10 s and are limited to 50 per second (burst
// 100) instead of client-go's 5.
func NewTokenReviewer(cfg *rest.Config, audience string, opts ...Option) (*TokenReviewer, error) {
	if cfg == nil {
		return nil, tether.Errorf(tether.EINVALID, "no Kubernetes API server configured")
	}
	if audience == "" {
		return nil, tether.Errorf(tether.EINVALID, "the Kubernetes token audience must not be empty")
	}
	o := options{cacheTTL: defaultCacheTTL, cacheSize: defaultCacheSize}
	for _, opt := range opts {
		opt(&o)
	}
	cfg = rest.CopyConfig(cfg)
	if cfg.Timeout == 0 {
		cfg.Timeout = reviewTimeout
	}
	if cfg.QPS == 0 && cfg.RateLimiter == nil {
		cfg.QPS, cfg.Burst = 50, 100
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "tether"
	}
	client, err := newReviewClient(cfg)
	if err != nil {
		return nil, &tether.Error{Code: tether.EINVALID, Op: "kube.NewTokenReviewer",
			Message: "invalid Kubernetes client configuration", Err: err}
	}
	r := &TokenReviewer{reviews: client, audience: audience,
		issuers: slices.Clone(o.issuers)}
	if o.cacheTTL > 0 {
		r.cache = newReviewCache(o.cacheTTL, o.cacheSize)
	}
	return r, nil
}

// NewTokenReviewerFromKubeconfig is NewTokenReviewer with the API server
// and credentials of the current context of the kubeconfig file at path.
func NewTokenReviewerFromKubeconfig(path, audience string, opts ...Option) (*TokenReviewer, error) {
	if path == "" {
		return nil, tether.Errorf(tether.EINVALID, "no kubeconfig file given")
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", path)
	if err != nil {
		return nil, &tether.Error{Code: tether.EINVALID, Op: "kube.NewTokenReviewerFromKubeconfig",
			Message: "cannot load the kubeconfig " + path, Err: err}
	}
	return NewTokenReviewer(cfg, audience, opts...)
}

// NewInClusterTokenReviewer is NewTokenReviewer with the API server and
// service-account credentials of the pod Tether runs in (see InCluster).
func NewInClusterTokenReviewer(audience string, opts ...Option) (*TokenReviewer, error) {
	cfg, err := rest.InClusterConfig()
	if err != nil {
		return nil, &tether.Error{Code: tether.EINVALID, Op: "kube.NewInClusterTokenReviewer",
			Message: "cannot use the in-cluster Kubernetes configuration", Err: err}
	}
	return NewTokenReviewer(cfg, audience, opts...)
}

// InCluster reports whether the environment (read through getenv) is that
// of a Kubernetes pod, which is what NewInClusterTokenReviewer needs.
func InCluster(getenv func(string) string) bool {
	return getenv("KUBERNETES_SERVICE_HOST") != "" && getenv("KUBERNETES_SERVICE_PORT") != ""
}

// Authenticate implements tether.Authenticator. A token that is not a JWT,
// or whose issuer is not one given to WithIssuers, gets tether.ErrNotMine;
// one the API server does not accept for the audience, or that is not a
// service account's, gets EUNAUTHORIZED; an API server that cannot be
// reached or refuses to review gets EUNAVAILABLE. Errors never contain the
// token.
func (r *TokenReviewer) Authenticate(ctx context.Context, token string) (*tether.Identity, error) {
	claims, ok := peekJWT(token)
	if !ok || (len(r.issuers) > 0 && !slices.Contains(r.issuers, claims.Issuer)) {
		return nil, tether.ErrNotMine
	}
	key := sha256.Sum256([]byte(token))
	now := time.Now()
	if id, ok := r.cache.get(key, now); ok {
		return id, nil
	}
	id, err := r.review(ctx, token)
	if err != nil {
		return nil, err
	}
	r.cache.put(key, id, now, claims.expiry())
	return id, nil
}

// review asks the API server about token and maps its answer.
func (r *TokenReviewer) review(ctx context.Context, token string) (*tether.Identity, error) {
	tr := &authnv1.TokenReview{Spec: authnv1.TokenReviewSpec{Token: token, Audiences: []string{r.audience}}}
	res, err := r.reviews.create(ctx, tr)
	if err != nil {
		return nil, unavailable(err, token)
	}
	return identityFrom(res.Status, r.audience, token)
}

// identityFrom maps the status of a TokenReview to an identity.
func identityFrom(st authnv1.TokenReviewStatus, audience, token string) (*tether.Identity, error) {
	const op = "kube.TokenReview"
	if !st.Authenticated {
		// The API server's reason ("service account token has expired",
		// ...) is kept as the cause, for the log only.
		return nil, &tether.Error{Code: tether.EUNAUTHORIZED, Op: op,
			Message: "invalid or expired service-account token", Err: errors.New(scrub(st.Error, token))}
	}
	if !slices.Contains(st.Audiences, audience) {
		return nil, &tether.Error{Code: tether.EUNAUTHORIZED, Op: op,
			Message: "the service-account token is not meant for audience " + audience}
	}
	ns, name, ok := serviceAccount(st.User.Username)
	if !ok {
		return nil, &tether.Error{Code: tether.EUNAUTHORIZED, Op: op,
			Message: "only service-account tokens are accepted"}
	}
	groups := make([]string, 0, len(st.User.Groups))
	for _, g := range st.User.Groups {
		groups = append(groups, "group:"+g)
	}
	return &tether.Identity{
		Subject: "serviceaccount:" + ns + ":" + name,
		Groups:  groups,
		Method:  tether.MethodKubernetes,
		TokenID: tokenID(st.User),
	}, nil
}

// serviceAccount splits a username "system:serviceaccount:NS:NAME".
func serviceAccount(username string) (ns, name string, ok bool) {
	sa, ok := strings.CutPrefix(username, "system:serviceaccount:")
	if !ok {
		return "", "", false
	}
	ns, name, ok = strings.Cut(sa, ":")
	if !ok || ns == "" || name == "" || strings.Contains(name, ":") {
		return "", "", false
	}
	return ns, name, true
}

// tokenID names the credential for audit: the token's id (JTI) as the API
// server reports it (and records it in its own audit log), or else the
// service account's UID. Never the token.
func tokenID(u authnv1.UserInfo) string {
	if ids := u.Extra[credentialIDKey]; len(ids) > 0 && ids[0] != "" {
		return "k8s:" + ids[0]
	}
	return "k8s:" + u.UID
}

// unavailable maps a failed TokenReview call to EUNAVAILABLE. A refusal
// (401/403) means Tether's own credentials or RBAC are wrong: an operator
// must fix them, but the caller's token may well be good.
func unavailable(err error, token string) error {
	msg := "the Kubernetes API server is unavailable"
	if apierrors.IsUnauthorized(err) || apierrors.IsForbidden(err) {
		msg = "the Kubernetes API server refused to review the token (tether needs `create tokenreviews`)"
	}
	if token != "" && strings.Contains(err.Error(), token) {
		err = errors.New(scrub(err.Error(), token))
	}
	return &tether.Error{Code: tether.EUNAVAILABLE, Op: "kube.TokenReview", Message: msg, Err: err}
}

// scrub removes token from s, should a message ever quote it.
func scrub(s, token string) string {
	if token == "" {
		return s
	}
	return strings.ReplaceAll(s, token, "[token]")
}
