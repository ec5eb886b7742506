package sqlite

import (
	"bytes"
	"hash/maphash"
	"sync"

	"github.com/hashicorp/golang-lru/v2/simplelru"

	"github.com/tether-ml/tether"
)

// Bounds of the record cache. The records of a typical registry (a few
// hundred bytes each) fit whole; a store of millions keeps its most
// recently read ones. Records over recordCacheMaxRecord bytes are always
// read from the database, so that a few large ones cannot crowd out the
// rest.
const (
	recordCacheMaxEntries = 16384
	recordCacheMaxBytes   = 8 << 20
	recordCacheMaxRecord  = 16 << 10
	// recordCacheSeenSlots is the size of the admission table, four times
	// the cache's entries. Each later first read overwrites a given one
	// with probability 1/recordCacheSeenSlots, so a first read is still
	// remembered after 45,000 others with probability one half.
	recordCacheSeenSlots = 4 * recordCacheMaxEntries
)

// recordCache keeps the records GetRecord read most recently, so that the
// read of a connection already seen costs a map lookup rather than a query:
// in the pure-Go driver, a query is most of the cost of serving a read.
//
// It is coherent because the DB that owns it is the only writer of its
// file (see owner.go) and calls forget or forgetAll after every committed
// write to connections. Secrets stay sealed in it, as they are on disk.
//
// A read that races a write must not put back what the write replaced: a
// reader notes the generation before its query and fills the cache only if
// no write has finished since (fill and forget exclude each other).
//
// A record enters the cache on its second read from the database, not its
// first (seen). Under reads spread over many more records than the cache
// holds, a million read at random, nearly every first read would evict a
// record for one that is itself evicted before it is read again: that
// churn cost a tenth of such a read's CPU (copies, evictions, garbage
// collection of the cache's turnover) and kept the cache full for nothing.
// A working set that fits is cached from its second read on.
type recordCache struct {
	mu    sync.Mutex
	gen   uint64
	bytes int
	lru   *simplelru.LRU[recordKey, *tether.Record]
	// seen holds hashes of records read from the database once and not
	// cached, one per slot, a later one overwriting an earlier: a record
	// whose hash is still there when it is read again is admitted.
	seen []uint64
	seed maphash.Seed
}

type recordKey struct{ ns, id string }

func newRecordCache() *recordCache {
	c := &recordCache{seen: make([]uint64, recordCacheSeenSlots), seed: maphash.MakeSeed()}
	// NewLRU fails only for a size below 1.
	c.lru, _ = simplelru.NewLRU(recordCacheMaxEntries, func(_ recordKey, r *tether.Record) {
		c.bytes -= recordSize(r)
	})
	return c
}

// recordSize approximates the memory a cached record holds.
func recordSize(r *tether.Record) int {
	return len(r.Namespace) + len(r.ID) + len(r.Type) + len(r.Spec) + len(r.Sealed) + len(r.KeyID) + 128
}

// get returns a copy of the cached record of ns/id, if there is one.
func (c *recordCache) get(ns, id string) (*tether.Record, bool) {
	c.mu.Lock()
	r, ok := c.lru.Get(recordKey{ns, id})
	c.mu.Unlock()
	if !ok {
		return nil, false
	}
	return cloneRecord(r), true
}

// generation is what a reader notes before it queries.
func (c *recordCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// fill caches r, read by a query that started at generation gen, unless a
// write has finished since, r is too large, or this is the first read of r
// that fill has seen lately. It reports whether it kept r, which is then
// the cache's: the caller returns a copy.
func (c *recordCache) fill(gen uint64, r *tether.Record) bool {
	size := recordSize(r)
	if size > recordCacheMaxRecord {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen || !c.admit(r.Namespace, r.ID) {
		return false
	}
	key := recordKey{r.Namespace, r.ID}
	c.lru.Remove(key) // a concurrent reader may have filled it first
	c.lru.Add(key, r)
	c.bytes += size
	for c.bytes > recordCacheMaxBytes {
		c.lru.RemoveOldest()
	}
	return true
}

// admit reports whether ns/id was read before, lately; if it was not, it
// remembers this read.
func (c *recordCache) admit(ns, id string) bool {
	var h maphash.Hash
	h.SetSeed(c.seed)
	h.WriteString(ns)
	h.WriteByte(0)
	h.WriteString(id)
	sum := h.Sum64()
	slot := &c.seen[sum%recordCacheSeenSlots]
	if *slot == sum {
		return true
	}
	*slot = sum
	return false
}

// forget drops the record of ns/id, after a write to it committed.
func (c *recordCache) forget(ns, id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.lru.Remove(recordKey{ns, id})
}

// forgetAll empties the cache, after a write to many records committed.
func (c *recordCache) forgetAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.lru.Purge()
}

// cloneRecord copies r, its byte slices included, so that neither the
// cache nor its callers can change what the other holds.
func cloneRecord(r *tether.Record) *tether.Record {
	c := *r
	c.Spec = bytes.Clone(r.Spec)
	c.Sealed = bytes.Clone(r.Sealed)
	c.LastTest = bytes.Clone(r.LastTest)
	if r.Expiry != nil {
		e := *r.Expiry
		c.Expiry = &e
	}
	return &c
}
