package service

import (
	"context"
	"encoding/json"
	"log/slog"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tether-ml/tether"
)

// ProbeSchedulerSubject is the built-in identity the periodic tests run
// as: their audit events name it.
const ProbeSchedulerSubject = tether.BuiltinSubjectPrefix + "probe-scheduler"

// DefaultProbeBatch bounds the connections a round of periodic tests
// takes: the most overdue first.
const DefaultProbeBatch = 500

// SchedulerOptions configure the periodic tests. A zero field takes its
// default.
type SchedulerOptions struct {
	// Concurrency caps the periodic tests that run at once (half of
	// DefaultProbeConcurrency). Each also takes a slot of the limiter of
	// the users' tests, and only a free one: users' tests never wait for
	// it.
	Concurrency int
	// Batch bounds a round (DefaultProbeBatch).
	Batch int
	// Clock tells when a test is due (time.Now): the stores keep the time
	// of a result by the same clock.
	Clock func() time.Time
	// Log receives the failures of the rounds' reads; none if nil.
	Log *slog.Logger
}

// scheduler runs the periodic tests of one server.
type scheduler struct {
	p     *Probes
	sched ProbeSchedule
	opts  SchedulerOptions
	slots chan struct{} // one per periodic test running

	mu      sync.Mutex
	running map[string]bool // "ns/id" of the tests running
	wg      sync.WaitGroup
}

// dueTest is a connection whose periodic test is due.
type dueTest struct {
	ns, id   string
	interval time.Duration
}

// RunSchedule runs the periodic tests of sched until ctx ends, then waits
// for those it started. Each round lists the due connections (a last test
// older than their interval, or none; the most overdue first) through the
// store's index, and starts their tests spread over the round, in a random
// order, in the name of ProbeSchedulerSubject. A connection whose type has
// no test is never due.
//
// Several replicas may run it on one store. Each re-reads a connection just
// before its test and leaves it if another replica has tested it since, so
// a test is repeated only when two replicas start it within its duration;
// that is harmless: a test reads and writes nothing at its target, and the
// last result is kept.
func (p *Probes) RunSchedule(ctx context.Context, sched ProbeSchedule, opts SchedulerOptions) {
	round := roundOf(sched)
	if round == 0 {
		return
	}
	s := newScheduler(p, sched, opts)
	defer s.wg.Wait()
	// Replicas started together start their rounds apart.
	if !sleep(ctx, rand.N(round)) {
		return
	}
	for {
		start := s.opts.Clock()
		due, err := s.due(ctx, start)
		if err != nil && ctx.Err() == nil {
			s.opts.Log.Warn("cannot list the connections due for a periodic test", "err", err.Error())
		}
		s.spread(ctx, due, round)
		if !sleep(ctx, round-s.opts.Clock().Sub(start)) {
			return
		}
	}
}

// newScheduler returns the scheduler of p, with opts' defaults.
func newScheduler(p *Probes, sched ProbeSchedule, opts SchedulerOptions) *scheduler {
	if opts.Concurrency <= 0 {
		opts.Concurrency = max(1, DefaultProbeConcurrency/2)
	}
	if opts.Batch <= 0 {
		opts.Batch = DefaultProbeBatch
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	return &scheduler{p: p, sched: sched, opts: opts, slots: make(chan struct{}, opts.Concurrency), running: map[string]bool{}}
}

// roundOf is how often the scheduler looks for due tests: a quarter of
// the shortest interval, between a second and a minute; 0 if sched tests
// nothing.
func roundOf(sched ProbeSchedule) time.Duration {
	shortest := sched.Shortest()
	if shortest == 0 {
		return 0
	}
	return min(max(shortest/4, time.Second), time.Minute)
}

// sleep waits d, or until ctx ends; it reports whether ctx lasts.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// due lists the connections due at now, at most Batch: those with an
// interval of their own, then those of each namespace with an interval,
// then those of the other namespaces under the default.
func (s *scheduler) due(ctx context.Context, now time.Time) ([]dueTest, error) {
	out := s.dueConnections(ctx, now)
	types := s.probedTypes()
	limit := s.opts.Batch + len(s.sched.Connections) // those may be listed too, and are skipped
	for _, ns := range slices.Sorted(maps.Keys(s.sched.Namespaces)) {
		if d := s.sched.Namespaces[ns]; d > 0 {
			states, err := s.p.store.DueRecords(ctx, tether.DueQuery{Namespace: ns, Types: types, Before: now.Add(-d), Limit: limit})
			if err != nil {
				return out, err
			}
			out = s.appendStates(out, states)
		}
	}
	if d := s.sched.Default; d > 0 {
		except := slices.Sorted(maps.Keys(s.sched.Namespaces))
		states, err := s.p.store.DueRecords(ctx, tether.DueQuery{Except: except, Types: types, Before: now.Add(-d), Limit: limit})
		if err != nil {
			return out, err
		}
		out = s.appendStates(out, states)
	}
	return out[:min(len(out), s.opts.Batch)], nil
}

// dueConnections lists the connections with an interval of their own that
// are due at now.
func (s *scheduler) dueConnections(ctx context.Context, now time.Time) []dueTest {
	var out []dueTest
	for _, key := range slices.Sorted(maps.Keys(s.sched.Connections)) {
		d := s.sched.Connections[key]
		ns, id := splitKey(key)
		if d <= 0 {
			continue
		}
		r, err := s.p.store.GetRecord(ctx, ns, id)
		if err != nil || s.p.types.Type(r.Type) == nil || s.p.types.Type(r.Type).Probe == nil || !isDue(r.LastTest, now, d) {
			continue
		}
		out = append(out, dueTest{ns: ns, id: id, interval: d})
	}
	return out
}

// appendStates appends the states listed for a namespace or the default,
// but those of connections with an interval of their own.
func (s *scheduler) appendStates(out []dueTest, states []*tether.RecordState) []dueTest {
	for _, st := range states {
		if _, own := s.sched.Connections[st.Namespace+"/"+st.ID]; !own {
			out = append(out, dueTest{ns: st.Namespace, id: st.ID, interval: s.sched.Interval(st.Namespace, st.ID)})
		}
	}
	return out
}

// probedTypes names the types that have a connection test.
func (s *scheduler) probedTypes() []string {
	var out []string
	for _, t := range s.p.types.Types() {
		if t.Probe != nil {
			out = append(out, t.Name)
		}
	}
	return out
}

// splitKey splits "ns/id".
func splitKey(key string) (ns, id string) {
	ns, id, _ = strings.Cut(key, "/")
	return ns, id
}

// isDue reports whether a connection whose last test is lastTest (JSON of
// a ProbeResult, nil if none) is due at now for interval d.
func isDue(lastTest []byte, now time.Time, d time.Duration) bool {
	var res tether.ProbeResult
	if lastTest == nil || json.Unmarshal(lastTest, &res) != nil {
		return true
	}
	return !res.At.After(now.Add(-d))
}
