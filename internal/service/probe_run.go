package service

import (
	"context"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/probe"
)

// run takes a slot of the limiter and runs t's probe on c, revealed, under
// the timeout, and returns its result (probe.Run). The probe keeps the slot
// until it returns: a probe that ignores the end of its context cannot hold
// the request past the timeout, but neither can it let more probes run at
// once than the limiter allows.
func (p *Probes) run(ctx context.Context, t *tether.ConnectionType, c *tether.Connection, version int64) (*tether.ProbeResult, error) {
	release, err := p.acquire(ctx)
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
