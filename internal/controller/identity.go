package controller

import (
	"context"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
	authnv1 "k8s.io/api/authentication/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/tether-ml/tether"
)

// tokenLifetime is how long the tokens requested for ServiceAccounts live:
// short, so that a leaked one is soon worthless, and the TokenRequest API's
// minimum.
const tokenLifetime = 10 * time.Minute

// tokenReuse is the part of a token's life during which it is reused; past
// it a new one is requested, so that a token sent is never about to expire.
const tokenReuse = 0.8

// tokens requests ServiceAccount tokens with Tether's audience through the
// TokenRequest API and keeps each until it is tokenReuse through its life.
// Tokens are never logged nor put in errors.
type tokens struct {
	core     kubernetes.Interface
	audience string
	now      func() time.Time

	mu    sync.Mutex
	cache map[string]cachedToken // by "namespace/name"
	// flight makes the reconciles of one ServiceAccount that find no
	// token cached wait for one TokenRequest, not send one each.
	flight singleflight.Group
}

// cachedToken is a token and when it is to be replaced.
type cachedToken struct {
	token   string
	renewAt time.Time
}

func newTokens(core kubernetes.Interface, audience string) *tokens {
	return &tokens{core: core, audience: audience, now: time.Now, cache: map[string]cachedToken{}}
}

// source returns the client.TokenSource of ServiceAccount ns/name: a
// cached token, or a new one.
func (t *tokens) source(ctx context.Context, ns, name string) func() (string, error) {
	return func() (string, error) { return t.token(ctx, ns, name) }
}

// token returns a token for ServiceAccount ns/name. A missing
// ServiceAccount is EFORBIDDEN naming it (the namespace has no such
// identity); the controller's lack of permission to request it,
// EUNAUTHORIZED; an API server that cannot be reached, EUNAVAILABLE.
func (t *tokens) token(ctx context.Context, ns, name string) (string, error) {
	key := ns + "/" + name
	if tok, ok := t.cached(key); ok {
		return tok, nil
	}
	tok, err, _ := t.flight.Do(key, func() (any, error) {
		if tok, ok := t.cached(key); ok { // requested while this one waited
			return tok, nil
		}
		return t.request(ctx, ns, name)
	})
	if err != nil {
		return "", err
	}
	return tok.(string), nil
}

// cached returns the cached token of key unless it is due for renewal.
func (t *tokens) cached(key string) (string, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	c, ok := t.cache[key]
	return c.token, ok && t.now().Before(c.renewAt)
}

// request requests a token for ServiceAccount ns/name and caches it.
func (t *tokens) request(ctx context.Context, ns, name string) (string, error) {
	secs := int64(tokenLifetime / time.Second)
	req := &authnv1.TokenRequest{Spec: authnv1.TokenRequestSpec{
		Audiences: []string{t.audience}, ExpirationSeconds: &secs}}
	issued := t.now()
	res, err := t.core.CoreV1().ServiceAccounts(ns).CreateToken(ctx, name, req, metav1.CreateOptions{})
	if err != nil {
		return "", tokenError(ns, name, err)
	}
	life := res.Status.ExpirationTimestamp.Sub(issued)
	if life <= 0 || life > tokenLifetime {
		life = tokenLifetime
	}
	c := cachedToken{token: res.Status.Token, renewAt: issued.Add(time.Duration(float64(life) * tokenReuse))}
	t.mu.Lock()
	t.cache[ns+"/"+name] = c
	t.mu.Unlock()
	return c.token, nil
}

// forget drops the cached token of ServiceAccount ns/name, so that the
// next call requests a new one (after Tether refused it).
func (t *tokens) forget(ns, name string) {
	t.mu.Lock()
	delete(t.cache, ns+"/"+name)
	t.mu.Unlock()
}

// tokenError is the error of a refused TokenRequest for ns/name.
func tokenError(ns, name string, err error) error {
	switch {
	case apierrors.IsNotFound(err):
		return tether.Errorf(tether.EFORBIDDEN,
			"ServiceAccount %s/%s does not exist: create it, or name another in spec.serviceAccountName", ns, name)
	case apierrors.IsForbidden(err):
		// the controller's own RBAC, not the namespace's access: what
		// was delivered stays (EUNAUTHORIZED keeps it, and retries)
		return tether.Errorf(tether.EUNAUTHORIZED,
			"the controller may not request tokens for ServiceAccount %s/%s (serviceaccounts/token create)", ns, name)
	}
	return &tether.Error{Code: tether.EUNAVAILABLE,
		Message: "cannot request a token for ServiceAccount " + ns + "/" + name + " from the Kubernetes API server", Err: err}
}
