package service

import (
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"

	"github.com/tether-ml/tether"
)

// tokenCacheTTL bounds how long a token found in the store is trusted
// without asking it again: the net under invalidation, should a change
// notification from another server be lost.
const tokenCacheTTL = 30 * time.Second

// tokenCacheMax bounds the cache; the least recently used token goes first.
const tokenCacheMax = 10000

// tokenCache remembers the tokens found in the store by hash, so that a
// request costs a map lookup rather than a database round trip. Unknown
// tokens are not remembered (every guess still reaches the store, behind
// the throttle). Invalidate forgets everything: it runs on revocation
// here and on every change notification from other servers.
type tokenCache struct {
	entries *expirable.LRU[string, cachedToken]
}

type cachedToken struct {
	tok     tether.Token
	fetched time.Time
}

func newTokenCache() tokenCache {
	return tokenCache{entries: expirable.NewLRU[string, cachedToken](tokenCacheMax, nil, tokenCacheTTL)}
}

// get returns the token of hash if it was fetched less than
// tokenCacheTTL before now (now is the authenticator's clock, which the
// LRU's own expiry does not know).
func (c tokenCache) get(hash []byte, now time.Time) (*tether.Token, bool) {
	e, ok := c.entries.Get(string(hash))
	if !ok || now.Sub(e.fetched) >= tokenCacheTTL {
		return nil, false
	}
	tok := e.tok
	return &tok, true
}

// put remembers tok under hash.
func (c tokenCache) put(hash []byte, tok *tether.Token, now time.Time) {
	c.entries.Add(string(hash), cachedToken{tok: *tok, fetched: now})
}

// invalidate forgets every token.
func (c tokenCache) invalidate() { c.entries.Purge() }
