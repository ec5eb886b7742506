package service

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"golang.org/x/sync/singleflight"

	"github.com/tether-ml/tether"
)

// maxDelivered bounds the short-lived credentials kept for reuse: past it,
// the least recently delivered is dropped (and exchanged again when next
// asked for).
const maxDelivered = 4096

// deliveries exchanges stored credentials for short-lived ones and keeps
// these for reuse while tether.Expiry.Reusable says so, keyed by
// connection, version and creation: a changed or re-created connection is
// exchanged anew. One
// exchange at a time runs per key; callers asking meanwhile share its
// result.
type deliveries struct {
	env     tether.ProbeEnv
	timeout time.Duration
	clock   func() time.Time

	flight singleflight.Group
	mu     sync.Mutex
	kept   *simplelru.LRU[string, delivered]
}

// delivered is a connection as exchanged, and when its exchange began:
// the start of its credential's lifetime, as far as the server knows.
type delivered struct {
	conn   *tether.Connection
	issued time.Time
}

// newDeliveries returns the deliveries of connections through env, each
// exchange bounded by timeout.
func newDeliveries(env tether.ProbeEnv, timeout time.Duration, clock func() time.Time) *deliveries {
	kept, err := simplelru.NewLRU[string, delivered](maxDelivered, nil)
	if err != nil {
		panic(err) // only for a size below 1
	}
	return &deliveries{env: env, timeout: timeout, clock: clock, kept: kept}
}

// deliver returns c (revealed, of type t, at version) as delivered: its
// type's exchange applied, or a reused result of it; Status.Expiry is the
// earliest of the stored and the exchanged credentials' expiries.
func (d *deliveries) deliver(ctx context.Context, t *tether.ConnectionType, c *tether.Connection) (*tether.Connection, error) {
	var stored *tether.Expiry
	if t.Expiry != nil {
		stored = t.Expiry(c)
	}
	out := c
	if t.Exchange != nil && !c.Spec.Refers() { // a reference holds nothing to exchange
		got, err := d.exchange(ctx, t, c)
		if err != nil {
			return nil, err
		}
		out = got.Clone()
		out.Status = c.Status
		out.Status.Expiry = got.Status.Expiry
	}
	out.Status.Expiry = tether.Earliest(stored, out.Status.Expiry)
	return out, nil
}

// exchange returns the kept exchange of c if still reusable, or runs one,
// shared with the callers that ask for the same key meanwhile. The
// exchange runs apart from ctx, which ends only this caller's wait: the
// others still get its result.
func (d *deliveries) exchange(ctx context.Context, t *tether.ConnectionType, c *tether.Connection) (*tether.Connection, error) {
	key := deliveryKey(c)
	if got, ok := d.reusable(key); ok {
		return got, nil
	}
	ch := d.flight.DoChan(key, func() (any, error) {
		if got, ok := d.reusable(key); ok {
			return got, nil
		}
		return d.run(context.WithoutCancel(ctx), t, c, key)
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.(*tether.Connection), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// deliveryKey names the stored connection c at its version. The creation
// time tells apart a connection deleted and created again under its id,
// whose versions start over.
func deliveryKey(c *tether.Connection) string {
	var created int64
	if c.Status.CreatedAt != nil {
		created = c.Status.CreatedAt.UnixNano()
	}
	return c.Namespace + "/" + c.ID + "/" + strconv.FormatInt(c.Status.Version, 10) + "/" + strconv.FormatInt(created, 10)
}

// run exchanges c under the timeout and keeps the result if it carries an
// expiry. A panic of the type's exchange is an error, not the end of the
// server.
func (d *deliveries) run(ctx context.Context, t *tether.ConnectionType, c *tether.Connection, key string) (got *tether.Connection, err error) {
	defer func() {
		if v := recover(); v != nil {
			got, err = nil, tether.Internal("service.deliver", fmt.Errorf("exchange of type %s panicked: %v", t.Name, v))
		}
	}()
	ctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	issued := d.clock()
	got, err = t.Exchange(ctx, c, d.env)
	if err != nil {
		return nil, err
	}
	if got != c && got.Status.Expiry != nil {
		d.mu.Lock()
		d.kept.Add(key, delivered{conn: got, issued: issued})
		d.mu.Unlock()
	}
	return got, nil
}

// reusable returns the kept exchange under key while the refresh rule lets
// it be handed out.
func (d *deliveries) reusable(key string) (*tether.Connection, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	got, ok := d.kept.Get(key)
	if !ok {
		return nil, false
	}
	if !got.conn.Status.Expiry.Reusable(got.issued, d.clock()) {
		d.kept.Remove(key)
		return nil, false
	}
	return got.conn, true
}
