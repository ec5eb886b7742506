package service

import (
	"context"
	"sort"
	"sync"

	"github.com/tether-ml/tether"
)

// changeFeed wakes the watches of one server and reads the change log for
// all of them: after a write, a thousand watches at the same version cost
// one read of the store, not a thousand.
//
// Wakes are counted: a watch notes the count (and the channel the next
// wake closes) before it reads, and a read started after wake g sees every
// write whose wake was g or earlier (a store notifies after commit). So a
// read's "nothing after version v", made at count g, holds for any watch
// that noted g or less; a later write wakes it again.
type changeFeed struct {
	mu   sync.Mutex
	gen  uint64        // wakes so far
	next chan struct{} // closed by the next wake
	last changeWindow  // the last read of the log

	read sync.Mutex // one read of the store at a time
}

// changeWindow is a read of the changes after from: every change in
// (from, to], and, if complete, every change committed when the read began,
// which was after wake gen.
type changeWindow struct {
	changes  []*tether.Change
	from, to int64
	complete bool
	gen      uint64
}

func newChangeFeed() *changeFeed { return &changeFeed{next: make(chan struct{})} }

// wait returns the channel the next wake closes, and the wakes so far.
func (f *changeFeed) wait() (<-chan struct{}, uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.next, f.gen
}

// wake wakes every watch waiting.
func (f *changeFeed) wake() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gen++
	close(f.next)
	f.next = make(chan struct{})
}

// changes returns up to limit changes after rv for a watch that noted gen
// wakes before it asked: from the last read when that answers, else from
// the store.
func (f *changeFeed) changes(ctx context.Context, log tether.ChangeLog, rv int64, gen uint64, limit int) ([]*tether.Change, error) {
	if out, ok := f.cached(rv, gen, limit); ok {
		return out, nil
	}
	f.read.Lock()
	defer f.read.Unlock()
	if out, ok := f.cached(rv, gen, limit); ok { // read by another watch meanwhile
		return out, nil
	}
	_, now := f.wait()
	out, err := log.Changes(ctx, rv, limit)
	if err != nil {
		return nil, err
	}
	w := changeWindow{changes: out, from: rv, to: rv, complete: len(out) < limit, gen: now}
	if len(out) > 0 {
		w.to = out[len(out)-1].ResourceVersion
	}
	f.mu.Lock()
	f.last = w
	f.mu.Unlock()
	return out, nil
}

// cached answers from the last read, if it can: the changes after rv it
// holds, or none if it was complete up to rv and made after gen wakes.
func (f *changeFeed) cached(rv int64, gen uint64, limit int) ([]*tether.Change, bool) {
	f.mu.Lock()
	w := f.last
	f.mu.Unlock()
	switch {
	case w.changes == nil && !w.complete, rv < w.from, rv > w.to:
		return nil, false
	case rv == w.to:
		return nil, w.complete && w.gen >= gen
	}
	i := sort.Search(len(w.changes), func(i int) bool { return w.changes[i].ResourceVersion > rv })
	out := w.changes[i:]
	return out[:min(len(out), limit)], true
}
