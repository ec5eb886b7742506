package kube

import (
	"slices"
	"sync"
	"time"

	"github.com/tether-ml/tether"
)

// reviewCache remembers successful token reviews for a short time, so that
// a client making many requests with one token costs one TokenReview per
// TTL rather than one per request. It is keyed by the SHA-256 of the token
// (the token itself is never kept), holds at most max entries, and keeps
// no failures: a rejected token is reviewed again on its next use. A nil
// *reviewCache caches nothing.
type reviewCache struct {
	mu      sync.Mutex
	ttl     time.Duration
	max     int
	entries map[[32]byte]cacheEntry
}

type cacheEntry struct {
	id      tether.Identity
	expires time.Time
}

func newReviewCache(ttl time.Duration, max int) *reviewCache {
	if max <= 0 {
		max = defaultCacheSize
	}
	return &reviewCache{ttl: ttl, max: max, entries: make(map[[32]byte]cacheEntry)}
}

// get returns a copy of the identity cached under key, if still fresh.
func (c *reviewCache) get(key [32]byte, now time.Time) (*tether.Identity, bool) {
	if c == nil {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok {
		return nil, false
	}
	if !now.Before(e.expires) {
		delete(c.entries, key)
		return nil, false
	}
	id := e.id
	id.Groups = slices.Clone(e.id.Groups)
	return &id, true
}

// put caches id under key until now+ttl, or until notAfter (the token's
// own expiry) if that is sooner and not zero. When full, it drops the
// expired entries, and if none were, an arbitrary one.
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
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[key]; !ok && len(c.entries) >= c.max {
		c.evict(now)
	}
	e := cacheEntry{id: *id, expires: expires}
	e.id.Groups = slices.Clone(id.Groups)
	c.entries[key] = e
}

// evict makes room for one entry; c.mu is held.
func (c *reviewCache) evict(now time.Time) {
	for k, e := range c.entries {
		if !now.Before(e.expires) {
			delete(c.entries, k)
		}
	}
	for k := range c.entries {
		if len(c.entries) < c.max {
			return
		}
		delete(c.entries, k)
	}
}
