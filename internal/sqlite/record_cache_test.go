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

// The cache holds at most recordCacheMaxBytes, dropping the least recently
// read records first, and never a record over recordCacheMaxRecord.
func TestRecordCacheBounds(t *testing.T) {
	c := newRecordCache()
	const spec = 8 << 10
	n := 2 * recordCacheMaxBytes / spec
	for i := range n {
		c.fill(c.generation(), cacheRecord(fmt.Sprintf("r%05d", i), spec))
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
	c.fill(c.generation(), cacheRecord("large", recordCacheMaxRecord))
	if _, ok := c.get("default", "large"); ok {
		t.Error("a record over the size limit was cached")
	}
}

// A fill from a read that started before a write finished is dropped, and
// what get returns is a copy the caller may change.
func TestRecordCacheFillAfterWrite(t *testing.T) {
	c := newRecordCache()
	gen := c.generation()
	c.forget("default", "a") // a write to a finished while a was being read
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
