package service

import (
	"strings"
	"sync"

	"github.com/tether-ml/tether"
)

// maxCursors bounds the cursor cache; when it is full it starts over.
const maxCursors = 4096

// cursorReach is how many pages back a list looks for a cursor to start
// from before it falls back to skipping from the first record.
const cursorReach = 16

// cursors remembers, for Odahu's page/size lists, where each page starts:
// the id after which page p of (namespace, types, size) begins. A client
// paging through a list then costs one keyset query per page, wherever the
// page is, instead of skipping every record before it.
//
// Any write may move page boundaries, so every write clears the cache
// (writes through this server directly; writes through other servers of a
// shared store through Invalidate, called on the store's change
// notifications). The records themselves are always read from the store.
type cursors struct {
	mu sync.Mutex
	m  map[cursorKey]string
}

type cursorKey struct {
	ns, types  string
	size, page int
}

func newCursors() *cursors { return &cursors{m: map[cursorKey]string{}} }

func keyOf(ns string, f tether.ConnectionFilter, page int) cursorKey {
	return cursorKey{ns: ns, types: strings.Join(f.Types, ","), size: f.Size, page: page}
}

// start returns where page f.Page begins: after the id of the nearest page
// at or before it whose start is known, plus the records to skip from there.
func (c *cursors) start(ns string, f tether.ConnectionFilter) (after string, skip int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for p := f.Page; p > 0 && p > f.Page-cursorReach; p-- {
		if id, ok := c.m[keyOf(ns, f, p)]; ok {
			return id, (f.Page - p) * f.Size
		}
	}
	return "", f.Page * f.Size
}

// remember records that page f.Page+1 begins after lastID.
func (c *cursors) remember(ns string, f tether.ConnectionFilter, lastID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= maxCursors {
		clear(c.m)
	}
	c.m[keyOf(ns, f, f.Page+1)] = lastID
}

// invalidate forgets every cursor.
func (c *cursors) invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.m)
}
