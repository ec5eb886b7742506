package kube

import (
	"slices"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"

	"github.com/tether-ml/tether"
)

// reviewCache remembers successful token reviews for a short time, so that
// a client making many requests with one token costs one TokenReview per
// TTL rather than one per request. It is keyed by the SHA-256 of the token
// (the token itself is never kept), holds at most max entries (the least
// recently used goes first), and keeps no failures: a rejected token is
// reviewed again on its next use. A nil *reviewCache caches nothing.
type reviewCache struct {
	ttl     time.Duration
	entries *expirable.LRU[[32]byte, cacheEntry]
}

type cacheEntry struct {
	id      tether.Identity
	expires time.Time
}

func newReviewCache(ttl time.Duration, max int) *reviewCache {
	if max <= 0 {
		max = defaultCacheSize
	}
	return &reviewCache{ttl: ttl, entries: expirable.NewLRU[[32]byte, cacheEntry](max, nil, ttl)}
}

// get returns a copy of the identity cached under key, if still fresh at
// now. Each entry carries its own expiry, which may be the token's.
func (c *reviewCache) get(key [32]byte, now time.Time) (*tether.Identity, bool) {
	if c == nil {
		return nil, false
	}
	e, ok := c.entries.Get(key)
	if !ok {
		return nil, false
	}
	if !now.Before(e.expires) {
		c.entries.Remove(key)
		return nil, false
	}
	id := e.id
	id.Groups = slices.Clone(e.id.Groups)
	return &id, true
}

// put caches id under key until now+ttl, or until notAfter (the token's
// own expiry) if that is sooner and not zero.
func (c *reviewCache) put(key [32]byte, id *tether.Identity, now, notAfter time.Time) {
	if c == nil {
		return
	}
	expires := now.Add(c.ttl)
	if !notAfter.IsZero() && notAfter.Before(expires) {
		expires = notAfter
	}
	if !now.Before(expires) {
		return
	}
	e := cacheEntry{id: *id, expires: expires}
	e.id.Groups = slices.Clone(id.Groups)
	c.entries.Add(key, e)
}
