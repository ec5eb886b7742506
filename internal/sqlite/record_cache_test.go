package sqlite

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tether-ml/tether"
)

func cacheRecord(id string, specBytes int) *tether.Record {
	return &tether.Record{Namespace: "default", ID: id, Type: "s3", Spec: []byte(strings.Repeat("x", specBytes)), Version: 1}
}

// fillTwice fills r as two reads of it from the database do: the second
// one is admitted.
func fillTwice(c *recordCache, r *tether.Record) {
	c.fill(c.generation(), cloneRecord(r))
	c.fill(c.generation(), r)
}

// The cache holds at most recordCacheMaxBytes, dropping the least recently
// read records first, and never a record over recordCacheMaxRecord.
func TestRecordCacheBounds(t *testing.T) {
	c := newRecordCache()
	const spec = 8 << 10
	n := 2 * recordCacheMaxBytes / spec
	for i := range n {
		fillTwice(c, cacheRecord(fmt.Sprintf("r%05d", i), spec))
		if i == 0 {
			continue
		}
		if _, ok := c.get("default", "r00000"); !ok { // keep the first one recently read
			t.Fatalf("r00000 evicted after %d fills", i)
		}
	}
	if c.bytes > recordCacheMaxBytes {
		t.Errorf("cache holds %d bytes, over %d", c.bytes, recordCacheMaxBytes)
	}
	if _, ok := c.get("default", "r00001"); ok {
		t.Error("r00001, the least recently read, is still cached")
	}
	if _, ok := c.get("default", fmt.Sprintf("r%05d", n-1)); !ok {
		t.Error("the last record filled is not cached")
	}
	fillTwice(c, cacheRecord("large", recordCacheMaxRecord))
	if _, ok := c.get("default", "large"); ok {
		t.Error("a record over the size limit was cached")
	}
}

// A fill from a read that started before a write finished is dropped, and
// what get returns is a copy the caller may change.
func TestRecordCacheFillAfterWrite(t *testing.T) {
	c := newRecordCache()
	gen := c.generation()
	// A first read of a, which is not cached; then a write to a finishes
	// while a second read of it runs.
	c.fill(c.generation(), cacheRecord("a", 10))
	c.forget("default", "a")
	c.fill(gen, cacheRecord("a", 10))
	if _, ok := c.get("default", "a"); ok {
		t.Fatal("a read older than a write was cached")
	}
	c.fill(c.generation(), cacheRecord("a", 10))
	got, ok := c.get("default", "a")
	if !ok {
		t.Fatal("a not cached")
	}
	got.Spec[0] = 'y'
	if again, _ := c.get("default", "a"); again.Spec[0] != 'x' {
		t.Error("changing a returned record changed the cache")
	}
	c.forgetAll()
	if _, ok := c.get("default", "a"); ok {
		t.Error("forgetAll kept a")
	}
}

// A record is cached from its second read from the database on. Reads of
// many more records than the cache holds, each read once, neither fill it
// nor evict what was read twice.
func TestRecordCacheAdmission(t *testing.T) {
	c := newRecordCache()
	c.fill(c.generation(), cacheRecord("hot", 10))
	if _, ok := c.get("default", "hot"); ok {
		t.Fatal("a record read once was cached")
	}
	c.fill(c.generation(), cacheRecord("hot", 10))
	if _, ok := c.get("default", "hot"); !ok {
		t.Fatal("a record read twice was not cached")
	}
	for i := range 8 * recordCacheMaxEntries {
		c.fill(c.generation(), cacheRecord(fmt.Sprintf("once%06d", i), 10))
	}
	if n := c.lru.Len(); n != 1 {
		t.Errorf("after reads of records read once, the cache holds %d records; want only hot", n)
	}
	if _, ok := c.get("default", "hot"); !ok {
		t.Error("reads of records read once evicted hot")
	}
}
