package service

import (
	"context"
	"runtime"
	"sync"

	"github.com/tether-ml/tether"
)

// auditWriter appends the events of concurrent requests together, in one
// store transaction (a group commit). Each caller still waits until its
// own event is committed, so an operation whose event cannot be written
// fails as before; but N requests arriving together share one write
// instead of queueing for N, which is what bounds reveals per second.
//
// The writing goroutine runs only while events wait, and exits when none
// is left.
type auditWriter struct {
	store   tether.AuditStore
	mu      sync.Mutex
	pending []pendingEvent
	running bool
}

// pendingEvent is an event waiting for its commit.
type pendingEvent struct {
	e    *tether.AuditEvent
	done chan error
}

// append stores e, grouped with the events that wait at the same time,
// and returns the outcome of the write that carried it.
func (w *auditWriter) append(e *tether.AuditEvent) error {
	p := pendingEvent{e: e, done: make(chan error, 1)}
	w.mu.Lock()
	w.pending = append(w.pending, p)
	if !w.running {
		w.running = true
		go w.flush()
	}
	w.mu.Unlock()
	return <-p.done
}

// flush writes what waits, batch after batch, until nothing does.
func (w *auditWriter) flush() {
	for {
		w.gather()
		w.mu.Lock()
		batch := w.pending
		w.pending = nil
		if len(batch) == 0 {
			w.running = false
			w.mu.Unlock()
			return
		}
		w.mu.Unlock()
		events := make([]*tether.AuditEvent, len(batch))
		for i, p := range batch {
			events[i] = p.e
		}
		err := w.store.AppendAudit(context.Background(), events...)
		for _, p := range batch {
			p.done <- err
		}
	}
}

// gather lets the requests that are ready to run reach append before a
// group is taken: on a busy server they join it instead of each paying for
// a commit of their own. It yields while the group still grows, at most
// gatherYields times; on an idle server it returns after two yields that
// find nothing to run.
func (w *auditWriter) gather() {
	waiting := -1
	for range gatherYields {
		runtime.Gosched()
		w.mu.Lock()
		n := len(w.pending)
		w.mu.Unlock()
		if n == waiting {
			return
		}
		waiting = n
	}
}

// gatherYields bounds the wait of gather: each yield lets every ready
// request run, so a few suffice.
const gatherYields = 4
