package service

import (
	"sync"
	"time"

	"github.com/tether-ml/tether"
)

// tokenCacheTTL bounds how long a token found in the store is trusted
// without asking it again: the net under invalidation, should a change
// notification from another server be lost.
const tokenCacheTTL = 30 * time.Second

// tokenCacheMax bounds the cache; it starts afresh when full.
const tokenCacheMax = 10000

// tokenCache remembers the tokens found in the store by hash, so that a
// request costs a map lookup rather than a database round trip. Unknown
// tokens are not remembered (every guess still reaches the store, behind
// the throttle). Invalidate forgets everything: it runs on revocation
// here and on every change notification from other servers.
type tokenCache struct {
	mu      sync.Mutex
	entries map[string]cachedToken
}

type cachedToken struct {
	tok     tether.Token
	fetched time.Time
}

// get returns the token of hash if it was fetched less than
// tokenCacheTTL before now.
func (c *tokenCache) get(hash []byte, now time.Time) (*tether.Token, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[string(hash)]
	if !ok || now.Sub(e.fetched) >= tokenCacheTTL {
		return nil, false
	}
	tok := e.tok
	return &tok, true
}

// put remembers tok under hash.
func (c *tokenCache) put(hash []byte, tok *tether.Token, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) >= tokenCacheMax {
		c.entries = map[string]cachedToken{}
	}
	c.entries[string(hash)] = cachedToken{tok: *tok, fetched: now}
}

// invalidate forgets every token.
func (c *tokenCache) invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries = nil
}
