package service

import (
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"golang.org/x/time/rate"

	"github.com/tether-ml/tether"
)

// The budget of refused requests' audit events. A refused request (denied,
// or failed authentication) costs its caller nothing, so without a bound a
// flood of them grows the log as fast as the server answers. Each source
// (the subject, or the client address when there is none) may add
// sourceRate events a second after a burst of sourceBurst, and all sources
// together refusedRate after refusedBurst; with the bounded size of an
// event (see storable), refused requests grow the store by at most about
// refusedRate × 2 KB a second, whatever they send. Events over the budget
// are dropped and counted; SummarizeDropped writes, per source, one event
// saying how many.
const (
	sourceRate   = 1
	sourceBurst  = 20
	refusedRate  = 20
	refusedBurst = 200
	// maxSources bounds the sources whose budget is remembered (the least
	// recently seen is forgotten first; it starts afresh, under the global
	// budget) and those named in summaries (the others are summed).
	maxSources = 1024
	// maxSummaries bounds the summary events of one SummarizeDropped.
	maxSummaries = 100
)

// ActionAuditDropped is the action of the event that summarises the
// refused requests' events dropped for a source.
const ActionAuditDropped = "audit.dropped"

// refusedBudget decides which refused requests' events are stored.
type refusedBudget struct {
	mu      sync.Mutex
	global  *rate.Limiter
	sources *simplelru.LRU[auditSource, *rate.Limiter]
	pending map[auditSource]int // dropped and not yet summarised
	others  int                 // dropped from sources beyond maxSummaries
	dropped uint64              // dropped since start
}

// auditSource is whom a refused request's event is charged to.
type auditSource struct{ subject, remote string }

func newRefusedBudget() *refusedBudget {
	lru, _ := simplelru.NewLRU[auditSource, *rate.Limiter](maxSources, nil) // only fails for a size <= 0
	return &refusedBudget{
		global:  rate.NewLimiter(refusedRate, refusedBurst),
		sources: lru,
		pending: map[auditSource]int{},
	}
}

// refused reports whether e is the event of a refused request.
func refused(e *tether.AuditEvent) bool {
	return e.Outcome == tether.OutcomeDenied || e.Outcome == tether.OutcomeFailed
}

// allow reports whether e, a refused request's event at now, is within the
// budget; if not, it counts it as dropped.
func (b *refusedBudget) allow(now time.Time, e *tether.AuditEvent) bool {
	src := auditSource{subject: e.Subject}
	if src.subject == "" {
		src.remote = e.Remote
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	lim, ok := b.sources.Get(src)
	if !ok {
		lim = rate.NewLimiter(sourceRate, sourceBurst)
		b.sources.Add(src, lim)
	}
	if lim.AllowN(now, 1) && b.global.AllowN(now, 1) {
		return true
	}
	b.dropped++
	if _, ok := b.pending[src]; ok || len(b.pending) < maxSummaries {
		b.pending[src]++
	} else {
		b.others++
	}
	return false
}

// Dropped reports how many events the budget dropped since start.
func (b *refusedBudget) Dropped() uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.dropped
}

// summaries returns the events that summarise the drops since the last
// call, at t, and forgets them: one per source, in a stable order, and one
// for the sources beyond maxSummaries.
func (b *refusedBudget) summaries(t time.Time) []*tether.AuditEvent {
	b.mu.Lock()
	pending, others := b.pending, b.others
	b.pending, b.others = map[auditSource]int{}, 0
	b.mu.Unlock()
	out := make([]*tether.AuditEvent, 0, len(pending)+1)
	for src, n := range pending {
		from := src.subject
		if from == "" {
			from = "address " + src.remote
		}
		out = append(out, &tether.AuditEvent{Time: t, Subject: src.subject, Remote: src.remote,
			Action: ActionAuditDropped, Outcome: tether.OutcomeDenied,
			Detail: fmt.Sprintf("%d denied events from %s dropped", n, from)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Detail < out[j].Detail })
	if others > 0 {
		out = append(out, &tether.AuditEvent{Time: t, Action: ActionAuditDropped, Outcome: tether.OutcomeDenied,
			Detail: fmt.Sprintf("%d denied events from other sources dropped", others)})
	}
	return out
}
