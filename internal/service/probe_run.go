package service

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/egress"
)

// maxProbeMessage bounds a result's message, in bytes: it is stored with the
// connection and shown in tables.
const maxProbeMessage = 500

// probeOutcome is what a type's probe returned.
type probeOutcome struct {
	msg      string
	err      error
	panicked bool
}

// slotFunc takes a slot of the limiter for one test: Probes.acquire for a
// caller's test, which waits a while for one; a background test takes one
// only if it is free.
type slotFunc func(ctx context.Context) (release func(), err error)

// run takes a slot with acquire and runs t's probe on c, revealed, under
// the timeout, and returns its result. The probe runs in its own goroutine,
// which keeps the slot until it returns: a probe that ignores the end of
// its context cannot hold the request past the timeout, but neither can it
// let more probes run at once than the limiter allows.
func (p *Probes) run(ctx context.Context, acquire slotFunc, t *tether.ConnectionType, c *tether.Connection, version int64) (*tether.ProbeResult, error) {
	release, err := acquire(ctx)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, p.opts.Timeout)
	defer cancel()
	start := time.Now()
	done := make(chan probeOutcome, 1)
	go func() {
		defer release()
		done <- callProbe(ctx, t, c, p.env)
	}()
	var o probeOutcome
	select {
	case o = <-done:
	case <-ctx.Done():
		o = probeOutcome{err: ctx.Err()}
	}
	elapsed := time.Since(start)
	return &tether.ProbeResult{
		OK:        o.err == nil,
		Message:   redact(probeMessage(o, elapsed), t, c),
		LatencyMS: elapsed.Milliseconds(),
		At:        now(p.opts.Clock),
		From:      p.from(),
		Version:   version,
	}, nil
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

// callProbe runs t's probe, turning a panic into a failure: the probe runs
// in a goroutine of its own, where a panic would end the server.
func callProbe(ctx context.Context, t *tether.ConnectionType, c *tether.Connection, env tether.ProbeEnv) (o probeOutcome) {
	defer func() {
		if r := recover(); r != nil {
			o = probeOutcome{err: tether.Errorf(tether.EINTERNAL, "probe panicked"), panicked: true}
		}
	}()
	msg, err := t.Probe(ctx, c, env)
	return probeOutcome{msg: msg, err: err}
}

// probeMessage is the message of a probe's outcome, safe to show: the
// probe's own words when it passed; when it failed, the message of the
// tether.Error it returned, an HTTP client's error scrubbed of its URL, or
// a timeout. Any other error (an SDK's, whose text may hold a signature or
// a key) is not shown.
func probeMessage(o probeOutcome, elapsed time.Duration) string {
	var te *tether.Error
	var ue *url.Error
	switch {
	case o.panicked:
		return "the connection test failed unexpectedly"
	case o.err == nil && o.msg == "":
		return "the connection test passed"
	case o.err == nil:
		return o.msg
	case errors.As(o.err, &te) && te.Message != "" && te.Code != tether.EINTERNAL:
		return te.Message
	case errors.As(o.err, &ue):
		return tether.ErrorMessage(egress.Scrub(ue))
	case errors.Is(o.err, context.DeadlineExceeded), errors.Is(o.err, context.Canceled):
		return fmt.Sprintf("the connection test did not finish within %s", elapsed.Round(time.Millisecond))
	}
	return "the connection test failed; its target's answer is not shown, as it may hold a secret"
}

// redact replaces every secret value of c (and, for one posted in base64,
// its decoded form) found in msg with the mask, and bounds msg's length: a
// probe's message may quote what its target answered, and a target may
// echo a credential.
func redact(msg string, t *tether.ConnectionType, c *tether.Connection) string {
	for _, v := range secretValues(t, c) {
		if len(v) < 4 { // too short to tell from ordinary words
			continue
		}
		msg = strings.ReplaceAll(msg, v, tether.Mask)
		if b, err := base64.StdEncoding.DecodeString(v); err == nil && len(b) >= 4 {
			msg = strings.ReplaceAll(msg, string(b), tether.Mask)
		}
	}
	if len(msg) > maxProbeMessage {
		cut := maxProbeMessage
		for cut > 0 && !utf8.RuneStart(msg[cut]) {
			cut--
		}
		msg = msg[:cut] + "…"
	}
	return msg
}

// secretValues returns the secret values of c, as its type declares them.
func secretValues(t *tether.ConnectionType, c *tether.Connection) []string {
	spec := c.Spec
	var out []string
	for _, name := range secretFields(t) {
		if p := spec.Field(name); p != nil && *p != "" && *p != tether.Mask {
			out = append(out, *p)
		}
	}
	for _, prm := range t.Parameters {
		if v := spec.Parameters[prm.Name]; prm.Secret && v != "" && v != tether.Mask {
			out = append(out, v)
		}
	}
	return out
}
