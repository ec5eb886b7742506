package controller

import (
	"context"
	"errors"
	"time"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/api/v1alpha1"
	"github.com/tether-ml/tether/client"
)

// access reaches Tether as the identities the syncs read with: a
// ServiceAccount of a ConnectionSync's namespace, or the controller's own
// identity. Every identity shares one HTTP client.
type access struct {
	own    *client.Client // the controller's identity (cfg.Tether)
	tokens *tokens
}

// asServiceAccount returns the client that acts as ServiceAccount ns/name.
func (a *access) asServiceAccount(ctx context.Context, ns, name string) *client.Client {
	return a.own.WithToken(a.tokens.source(ctx, ns, name))
}

// revealAs returns connection ref as delivered (with its secrets, and a
// short-lived credential where its type exchanges one), read as
// ServiceAccount ns/sa.
func (a *access) revealAs(ctx context.Context, ns, sa string, ref v1alpha1.ConnectionRef) (*tether.Connection, error) {
	c, err := a.asServiceAccount(ctx, ns, sa).Deliver(ctx, ref.Namespace, ref.ID)
	switch tether.ErrorCode(err) {
	case tether.EUNAUTHORIZED:
		// a token Tether no longer takes (its key rotated): the next
		// attempt requests a new one
		a.tokens.forget(ns, sa)
	case tether.ENOTFOUND:
		return nil, a.hidden(ctx, ns, sa, ref, err)
	}
	return c, err
}

// hidden tells apart, for a connection that ServiceAccount ns/sa was told
// does not exist, one that exists but is not given to it (Tether hides
// what a caller may not read): EFORBIDDEN if the controller's own identity
// sees it, else notFound.
func (a *access) hidden(ctx context.Context, ns, sa string, ref v1alpha1.ConnectionRef, notFound error) error {
	if _, err := a.own.Get(ctx, ref.Namespace, ref.ID); err != nil {
		return notFound
	}
	return tether.Errorf(tether.EFORBIDDEN,
		"ServiceAccount %s/%s may not read connection %s/%s: bind serviceaccount:%s:%s to the user role in Tether namespace %s",
		ns, sa, ref.Namespace, ref.ID, ns, sa, ref.Namespace)
}

// reveal returns connection ref as delivered, read as the controller's
// own identity.
func (a *access) reveal(ctx context.Context, ref v1alpha1.ConnectionRef) (*tether.Connection, error) {
	return a.own.Deliver(ctx, ref.Namespace, ref.ID)
}

// outcome is what a reading of Tether means for a sync: the Ready
// condition's reason and a message that holds no secret; whether what was
// delivered goes (under the Delete policy), and whether the sync is
// retried with backoff rather than at its next resync; and, for a
// delivered short-lived credential, when to deliver a new one.
type outcome struct {
	reason  string
	message string
	remove  bool
	retry   bool
	refresh time.Time      // zero: the credential does not expire
	expiry  *tether.Expiry // of the delivered credential; nil if it does not expire
}

// readOutcome maps the error of a reading of Tether to the reason of the
// Ready condition: refused access is Forbidden, a connection that does not
// exist NotFound, a refused rendering Invalid, and anything else
// (unreachable, a 5xx, a timeout) TetherUnavailable. Only Tether's answer
// that the connection is not given (403) or does not exist (404) removes
// what was delivered, never its silence; nor does a token Tether does not
// take (401), which is a misconfiguration (an audience Tether does not
// accept) to be fixed and retried, not a revocation.
func readOutcome(err error) outcome {
	msg := safeMessage(err)
	switch tether.ErrorCode(err) {
	case tether.EFORBIDDEN:
		return outcome{reason: v1alpha1.ReasonForbidden, message: msg, remove: true}
	case tether.EUNAUTHORIZED:
		return outcome{reason: v1alpha1.ReasonForbidden, message: msg, retry: true}
	case tether.ENOTFOUND:
		return outcome{reason: v1alpha1.ReasonNotFound, message: msg, remove: true}
	case tether.EINVALID:
		return outcome{reason: v1alpha1.ReasonInvalid, message: msg}
	}
	return outcome{reason: v1alpha1.ReasonTetherUnavailable, message: msg, retry: true}
}

// removes reports whether the outcome removes delivered objects (under the
// Delete policy).
func (o outcome) removes() bool { return o.remove }

// safeMessage is the message of err that may be shown: a *tether.Error's
// Message (never a secret, nor its internal cause), else a generic text.
func safeMessage(err error) string {
	var te *tether.Error
	if errors.As(err, &te) && te.Message != "" {
		return te.Message
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "Tether did not answer in time"
	}
	return "unexpected error; see the controller's log"
}
