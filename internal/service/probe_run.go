package service

import (
	"context"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/probe"
)

// slotFunc takes a slot of the limiter for one test: Probes.acquire for a
// caller's test, which waits a while for one; a background test takes one
// only if it is free.
type slotFunc func(ctx context.Context) (release func(), err error)

// run takes a slot with acquire and runs t's probe on c, revealed, under
// the timeout, and returns its result (probe.Run). The probe keeps the slot
// until it returns: a probe that ignores the end of its context cannot hold
// the request past the timeout, but neither can it let more probes run at
// once than the limiter allows.
//
// A connection that refers to a Kubernetes Secret or ConfigMap is EINVALID:
// its credentials are in the cluster, not in Tether.
func (p *Probes) run(ctx context.Context, acquire slotFunc, t *tether.ConnectionType, c *tether.Connection, version int64) (*tether.ProbeResult, error) {
	if c.Spec.Refers() {
		return nil, tether.Errorf(tether.EINVALID,
			"connection %s refers to a Kubernetes Secret or ConfigMap, which holds its credentials: Tether cannot test it", c.ID)
	}
	release, err := acquire(ctx)
	if err != nil {
		return nil, err
	}
	return probe.Run(ctx, t, c, p.env, probe.Options{
		Timeout: p.opts.Timeout, Clock: p.opts.Clock, From: p.from(), Version: version, Release: release,
	}), nil
}

// acquire takes a slot of the limiter, waiting at most QueueWait: a caller
// that finds every slot taken for that long gets ETHROTTLED.
func (p *Probes) acquire(ctx context.Context) (func(), error) {
	wait, cancel := context.WithTimeout(ctx, p.opts.QueueWait)
	defer cancel()
	return p.opts.Limiter.Acquire(wait)
}

// from is the From of this server's results.
func (p *Probes) from() string {
	if p.opts.Host == "" {
		return "server"
	}
	return "server " + p.opts.Host
}
