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
// One event never fails another's: events are made storable before they
// are queued (see storable), and a group whose write fails is written
// again one event at a time, so only an event that cannot be stored on its
// own fails, and only its own request.
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
		w.write(batch, events)
	}
}

// write appends the group and tells each waiting request the outcome of
// its own event: if the group fails, each event is retried alone.
func (w *auditWriter) write(batch []pendingEvent, events []*tether.AuditEvent) {
	err := w.store.AppendAudit(context.Background(), events...)
	if err == nil || len(batch) == 1 {
		for _, p := range batch {
			p.done <- err
		}
		return
	}
	for _, p := range batch {
		p.done <- w.store.AppendAudit(context.Background(), p.e)
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
