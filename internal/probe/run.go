// Package probe runs a connection type's test (tether.ConnectionType.Probe)
// and words its outcome in a result safe to show. It is the one runner of
// the tests the server runs (service.Probes) and of those run on the
// caller's machine (tether conn test --local).
package probe

import (
	"context"
	"time"

	"github.com/tether-ml/tether"
)

// Options configure one run.
type Options struct {
	// Timeout bounds the test; none if zero or less.
	Timeout time.Duration
	// Clock gives the time of the result (time.Now if nil).
	Clock func() time.Time
	// From says where the test runs (ProbeResult.From).
	From string
	// Version is the version of the connection tested; 0 if unsaved.
	Version int64
	// Release, if set, is called when the probe has returned, which may be
	// after Run has: a slot of a limiter that the probe holds.
	Release func()
}

// outcome is what a type's probe returned.
type outcome struct {
	msg      string
	err      error
	panicked bool
}

// Run runs t's probe on c, with its secrets, through env, under the
// timeout, and returns its result. The probe runs in its own goroutine: a
// probe that ignores the end of its context cannot hold the caller past
// the timeout (Release tells when it is over).
func Run(ctx context.Context, t *tether.ConnectionType, c *tether.Connection, env tether.ProbeEnv, o Options) *tether.ProbeResult {
	cancel := func() {}
	if o.Timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, o.Timeout)
	}
	defer cancel()
	start := time.Now()
	done := make(chan outcome, 1)
	go func() {
		if o.Release != nil {
			defer o.Release()
		}
		done <- call(ctx, t, c, env)
	}()
	var out outcome
	select {
	case out = <-done:
	case <-ctx.Done():
		out = outcome{err: ctx.Err()}
	}
	elapsed := time.Since(start)
	clock := o.Clock
	if clock == nil {
		clock = time.Now
	}
	return &tether.ProbeResult{
		OK:        out.err == nil,
		Message:   Redact(message(out, elapsed), t, c),
		LatencyMS: elapsed.Milliseconds(),
		At:        clock().UTC().Truncate(time.Microsecond),
		From:      o.From,
		Version:   o.Version,
	}
}

// call runs t's probe, turning a panic into a failure: the probe runs in a
// goroutine of its own, where a panic would end the process.
func call(ctx context.Context, t *tether.ConnectionType, c *tether.Connection, env tether.ProbeEnv) (o outcome) {
	defer func() {
		if r := recover(); r != nil {
			o = outcome{err: tether.Errorf(tether.EINTERNAL, "probe panicked"), panicked: true}
		}
	}()
	msg, err := t.Probe(ctx, c, env)
	return outcome{msg: msg, err: err}
}
