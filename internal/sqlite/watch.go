package sqlite

import (
	"context"
	"sync"
)

// notifier calls the functions of WatchChanges after writes commit. The
// database has one writer, this process (see owner.go), so it hears of
// every write.
type notifier struct {
	mu   sync.Mutex
	next int
	fns  map[int]func()
}

// WatchChanges calls fn after every write this store commits to
// connections, namespaces or role bindings (possibly once for several),
// and once at the start, until ctx is done. fn must not block: it runs on
// the writer's goroutine.
func (db *DB) WatchChanges(ctx context.Context, fn func()) error {
	n := &db.notes
	n.mu.Lock()
	if n.fns == nil {
		n.fns = map[int]func(){}
	}
	id := n.next
	n.next++
	n.fns[id] = fn
	n.mu.Unlock()
	defer func() {
		n.mu.Lock()
		delete(n.fns, id)
		n.mu.Unlock()
	}()
	fn()
	<-ctx.Done()
	return ctx.Err()
}

// changed calls every function of WatchChanges. The writes call it when
// they return, whether they wrote or not: a needless call costs a read.
func (db *DB) changed() {
	n := &db.notes
	n.mu.Lock()
	fns := make([]func(), 0, len(n.fns))
	for _, fn := range n.fns {
		fns = append(fns, fn)
	}
	n.mu.Unlock()
	for _, fn := range fns {
		fn()
	}
}
