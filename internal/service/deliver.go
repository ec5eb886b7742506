package service

import (
	"context"
	"errors"
	"fmt"

	"github.com/tether-ml/tether"
)

// Deliver returns the connection as a job gets it: revealed, its credential
// exchanged for a short-lived one where its type does so, through the
// egress environment (UseEgress), and reused while the refresh rule of
// tether.Expiry allows. It needs PermReveal and is audited as a reveal
// whose detail says it was a delivery; as for Reveal, nothing leaves if
// the audit log cannot be written. A failed exchange is audited as failed
// and answered with the type's message, which is safe to show.
func (s *Connections) Deliver(ctx context.Context, ns, id string) (*tether.Connection, error) {
	if err := s.check(ctx, tether.PermReveal, ns, ActionReveal, id); err != nil {
		return nil, err
	}
	r, err := s.store.GetRecord(ctx, ns, id)
	if err != nil {
		return nil, err
	}
	c, err := openRecord(s.sealer, r)
	if err != nil {
		return nil, err
	}
	t := s.types.Type(c.Spec.Type)
	if t == nil {
		return nil, tether.Errorf(tether.EINVALID, "connection %q has type %q, which this server does not know", id, c.Spec.Type)
	}
	e := s.event(ActionReveal, ns, id)
	d, err := s.deliveries.deliver(ctx, t, c)
	if err != nil {
		err = exchangeFailure(id, err)
		e.Outcome, e.Detail = tether.OutcomeFailed, "delivery: "+tether.ErrorMessage(err)
		_ = s.audit.Record(ctx, e)
		return nil, err
	}
	e.Detail = "delivery"
	if x := d.Status.Expiry; x != nil {
		e.Detail += ", " + x.What + " until " + x.At.UTC().Format("2006-01-02T15:04:05Z")
	}
	if err := s.audit.Record(ctx, e); err != nil {
		return nil, err
	}
	return d, nil
}

// exchangeFailure is the error a caller gets for a failed exchange of
// connection id: EUNAVAILABLE, with the type's message, which is safe to
// show, unless the connection itself is at fault (EINVALID) or the server
// is (EINTERNAL). A credential that AWS refuses (the type's EUNAUTHORIZED)
// or an address the egress policy refuses (EFORBIDDEN) is not the
// caller's authentication or permission: answered as such, the caller
// would drop its token, or a controller what it delivered.
func exchangeFailure(id string, err error) error {
	switch code := tether.ErrorCode(err); code {
	case tether.EINVALID, tether.EINTERNAL:
		return err
	case "":
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return &tether.Error{Code: tether.EUNAVAILABLE, Op: "service.Deliver", Err: err,
				Message: fmt.Sprintf("cannot deliver connection %q: its credential exchange did not finish in time", id)}
		}
		return tether.Internal("service.Deliver", err)
	}
	return &tether.Error{Code: tether.EUNAVAILABLE, Op: "service.Deliver", Err: err,
		Message: fmt.Sprintf("cannot deliver connection %q: %s", id, tether.ErrorMessage(err))}
}

// UseEgress makes deliveries reach the targets of credential exchanges
// (STS, ECR) through the environment of opts (EgressEnv), as connection
// tests do: call it while wiring the server, before it serves. Until then
// the default policy applies, which refuses every address that is not
// public.
func (s *Connections) UseEgress(opts ProbeOptions) {
	opts = opts.withDefaults()
	s.deliveries = newDeliveries(EgressEnv(opts), opts.Timeout, s.clock)
}
