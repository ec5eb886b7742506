package egress

import (
	"context"
	"sync"

	"golang.org/x/sync/semaphore"

	"github.com/tether-ml/tether"
)

// Limiter caps the connection tests that run at once, so a burst of tests
// (or targets that answer slowly) cannot tie up the server. It is safe for
// concurrent use.
type Limiter struct {
	sem *semaphore.Weighted
}

// NewLimiter returns a Limiter that lets n tests run at once (at least 1).
func NewLimiter(n int64) *Limiter {
	return &Limiter{sem: semaphore.NewWeighted(max(n, 1))}
}

// Acquire takes a slot, waiting while all are taken for as long as ctx
// lasts; when ctx ends first it returns ETHROTTLED. On success the caller
// must call release once the test is over; calling it again does nothing.
func (l *Limiter) Acquire(ctx context.Context) (release func(), err error) {
	if err := l.sem.Acquire(ctx, 1); err != nil {
		return nil, &tether.Error{Code: tether.ETHROTTLED, Op: "egress.Limiter", Message: "too many connection tests at once, retry", Err: err}
	}
	var once sync.Once
	return func() { once.Do(func() { l.sem.Release(1) }) }, nil
}

// TryAcquire takes a slot only if one is free and no caller of Acquire
// waits for one, so that background tests take only what requests leave.
// On success the caller must call release once the test is over.
func (l *Limiter) TryAcquire() (release func(), ok bool) {
	if !l.sem.TryAcquire(1) {
		return nil, false
	}
	var once sync.Once
	return func() { once.Do(func() { l.sem.Release(1) }) }, true
}
