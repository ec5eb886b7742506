package service

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"time"

	"github.com/tether-ml/tether"
)

// spread starts the tests of due over the round, shuffled, each at a
// random moment of its share of the round, at most Concurrency at once.
// A connection whose test is still running is left for a later round.
func (s *scheduler) spread(ctx context.Context, due []dueTest, round time.Duration) {
	if len(due) == 0 {
		return
	}
	rand.Shuffle(len(due), func(i, j int) { due[i], due[j] = due[j], due[i] })
	share := round / time.Duration(len(due))
	start := time.Now()
	for i, d := range due {
		at := time.Duration(i)*share + rand.N(share+1)
		if !sleep(ctx, at-time.Since(start)) || !s.claim(d) {
			if ctx.Err() != nil {
				return
			}
			continue
		}
		select {
		case s.slots <- struct{}{}:
		case <-ctx.Done():
			s.release(d)
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer func() { <-s.slots; s.release(d) }()
			s.test(ctx, d)
		}()
	}
}

// claim marks d running, unless it is already.
func (s *scheduler) claim(d dueTest) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := d.ns + "/" + d.id
	if s.running[key] {
		return false
	}
	s.running[key] = true
	return true
}

// release marks d no longer running.
func (s *scheduler) release(d dueTest) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.running, d.ns+"/"+d.id)
}

// test runs the periodic test of d, as ProbeSchedulerSubject, if it is
// still due (another replica may have run it since it was listed), in a
// free slot of the limiter only. A test that could not run for want of a
// slot, or whose connection is gone, stays due; one that could not run for
// another reason (secrets this server cannot open) is kept as a failed
// result, so that the gauges show it and the next rounds move on.
func (s *scheduler) test(ctx context.Context, d dueTest) {
	ctx = tether.WithIdentity(ctx, &tether.Identity{Subject: ProbeSchedulerSubject})
	r, err := s.p.store.GetRecord(ctx, d.ns, d.id)
	if err != nil || !isDue(r.LastTest, s.opts.Clock(), d.interval) {
		return
	}
	res, err := s.p.testStored(ctx, s.p.tryAcquire, d.ns, d.id)
	switch tether.ErrorCode(err) {
	case "":
		_ = s.p.recordResult(ctx, d.ns, d.id, res)
	case tether.ETHROTTLED, tether.ENOTFOUND:
	default:
		if ctx.Err() == nil {
			s.keepFailure(ctx, r, err)
		}
	}
}

// keepFailure keeps, and audits, the failed result of a periodic test of
// r that could not run because of err.
func (s *scheduler) keepFailure(ctx context.Context, r *tether.Record, err error) {
	res := &tether.ProbeResult{Message: "the periodic test could not run: " + tether.ErrorMessage(err),
		At: now(s.p.opts.Clock), From: s.p.from(), Version: r.Version}
	result, jerr := json.Marshal(res)
	if jerr != nil {
		return
	}
	if kept, serr := s.p.store.SetLastTest(ctx, r.Namespace, r.ID, r.Version, result); serr == nil && kept {
		_ = s.p.recordResult(ctx, r.Namespace, r.ID, res)
	}
}

// tryAcquire takes a slot of the limiter only if one is free: the
// periodic tests never make a user's test wait.
func (p *Probes) tryAcquire(context.Context) (func(), error) {
	release, ok := p.opts.Limiter.TryAcquire()
	if !ok {
		return nil, tether.Errorf(tether.ETHROTTLED, "every connection test slot is taken")
	}
	return release, nil
}
