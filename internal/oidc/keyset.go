package oidc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"golang.org/x/time/rate"

	"github.com/tether-ml/tether"
)

// Key-set refresh policy. The set is fetched again when a token names a key
// it does not hold (the issuer rolled its keys over) and when it is older
// than maxKeyAge (so that a key the issuer withdrew stops being trusted).
// Those fetches are rate-limited: anyone can send tokens naming made-up
// keys, and each must not become a request to the issuer.
const (
	maxKeyAge    = time.Hour
	refreshEvery = 10 * time.Second
	refreshBurst = 3
	maxJWKSSize  = 1 << 20
)

// signingAlgs are the algorithms a key may verify with; which of them the
// issuer may use is enforced by go-oidc from its discovery document.
var signingAlgs = []jose.SignatureAlgorithm{
	jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512,
	jose.ES256, jose.ES384, jose.ES512, jose.EdDSA,
}

// keySet is the issuer's public signing keys, cached. It implements
// go-oidc's KeySet from the cache alone; ensure, called first, fetches the
// set again when the cache cannot serve a token.
type keySet struct {
	url     string
	client  *http.Client
	limiter *rate.Limiter

	fetchMu sync.Mutex // one fetch at a time

	mu        sync.RWMutex
	keys      []jose.JSONWebKey
	fetchedAt time.Time
}

func newKeySet(url string, client *http.Client) *keySet {
	return &keySet{url: url, client: client, limiter: rate.NewLimiter(rate.Every(refreshEvery), refreshBurst)}
}

// load fetches the set unconditionally: the first time.
func (k *keySet) load(ctx context.Context) error {
	keys, err := k.fetch(ctx)
	if err != nil {
		return err
	}
	k.store(keys)
	return nil
}

// ensure makes the cache fit to verify a token signed with key kid ("" if
// the token names none): it fetches the set again if the key is unknown or
// the set is old, within the rate limit. A stale set that cannot be renewed
// is still used; an unknown key that cannot be fetched is an error.
func (k *keySet) ensure(ctx context.Context, kid string) error {
	if k.has(kid) && !k.stale() {
		return nil
	}
	k.fetchMu.Lock()
	defer k.fetchMu.Unlock()
	known := k.has(kid)
	if known && !k.stale() {
		return nil // another request fetched it meanwhile
	}
	if !k.limiter.Allow() {
		if known {
			return nil
		}
		return unauthorized("OIDC token is signed with a key the issuer does not publish", nil)
	}
	keys, err := k.fetch(ctx)
	if err != nil {
		if known {
			return nil
		}
		return err
	}
	k.store(keys)
	if !k.has(kid) {
		return unauthorized("OIDC token is signed with a key the issuer does not publish", nil)
	}
	return nil
}

// has reports whether the cache holds key kid, or any key if kid is "".
func (k *keySet) has(kid string) bool {
	k.mu.RLock()
	defer k.mu.RUnlock()
	for _, key := range k.keys {
		if kid == "" || key.KeyID == kid {
			return true
		}
	}
	return false
}

func (k *keySet) stale() bool {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return time.Since(k.fetchedAt) > maxKeyAge
}

func (k *keySet) store(keys []jose.JSONWebKey) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.keys, k.fetchedAt = keys, time.Now()
}

// fetch downloads the set and keeps its public signing keys.
func (k *keySet) fetch(ctx context.Context) ([]jose.JSONWebKey, error) {
	fail := func(err error) error {
		return &tether.Error{Code: tether.EUNAVAILABLE, Op: "oidc.fetchKeys",
			Message: "cannot fetch the OIDC issuer's signing keys", Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, k.url, nil)
	if err != nil {
		return nil, fail(err)
	}
	resp, err := k.client.Do(req)
	if err != nil {
		return nil, fail(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fail(fmt.Errorf("GET %s: %s", k.url, resp.Status))
	}
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxJWKSSize)).Decode(&set); err != nil {
		return nil, fail(fmt.Errorf("GET %s: %w", k.url, err))
	}
	var keys []jose.JSONWebKey
	for _, key := range set.Keys {
		if key.Valid() && key.IsPublic() && (key.Use == "" || key.Use == "sig") {
			keys = append(keys, key)
		}
	}
	if len(keys) == 0 {
		return nil, fail(fmt.Errorf("GET %s: no public signing keys", k.url))
	}
	return keys, nil
}

// VerifySignature implements go-oidc's KeySet: it returns the payload of
// jwt if one of the cached keys it may have been signed with verifies it.
func (k *keySet) VerifySignature(_ context.Context, jwt string) ([]byte, error) {
	jws, err := jose.ParseSignedCompact(jwt, signingAlgs)
	if err != nil {
		return nil, err
	}
	if len(jws.Signatures) != 1 {
		return nil, errors.New("not exactly one signature")
	}
	kid := jws.Signatures[0].Header.KeyID
	k.mu.RLock()
	keys := k.keys
	k.mu.RUnlock()
	for i := range keys {
		if kid != "" && keys[i].KeyID != kid {
			continue
		}
		if payload, err := jws.Verify(&keys[i]); err == nil {
			return payload, nil
		}
	}
	return nil, errors.New("no key of the issuer verifies the signature")
}
