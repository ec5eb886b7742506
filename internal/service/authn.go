package service

import (
	"context"
	"errors"
	"sync"

	"github.com/tether-ml/tether"
)

// maxLogins bounds the credentials Authn remembers having seen.
const maxLogins = 10000

// Authn authenticates a bearer token with the first authenticator of its
// chain that recognises it (API tokens, then OIDC, then Kubernetes), and
// audits the outcome: every failure, with a keyed fingerprint of the
// credential (never the credential), and the first use of each OIDC or
// Kubernetes credential as a login.
type Authn struct {
	chain       []tether.Authenticator
	audit       tether.AuditLog
	fingerprint func([]byte) string

	mu   sync.Mutex
	seen map[string]bool
}

// NewAuthn returns the authenticator chain.
func NewAuthn(audit tether.AuditLog, fingerprint func([]byte) string, chain ...tether.Authenticator) *Authn {
	return &Authn{chain: chain, audit: audit, fingerprint: fingerprint, seen: map[string]bool{}}
}

var _ tether.Authenticator = (*Authn)(nil)

// Authenticate maps token to an identity, or fails with EUNAUTHORIZED (or
// EUNAVAILABLE when a verifier cannot be reached).
func (a *Authn) Authenticate(ctx context.Context, token string) (*tether.Identity, error) {
	for _, auth := range a.chain {
		who, err := auth.Authenticate(ctx, token)
		if errors.Is(err, tether.ErrNotMine) {
			continue
		}
		if err != nil {
			a.failed(ctx, token, err)
			return nil, err
		}
		a.login(ctx, who)
		return who, nil
	}
	err := tether.Errorf(tether.EUNAUTHORIZED, "invalid or expired token")
	a.failed(ctx, token, err)
	return nil, err
}

func (a *Authn) failed(ctx context.Context, token string, err error) {
	_ = a.audit.Record(ctx, tether.AuditEvent{Action: ActionAuthFailed, Outcome: tether.OutcomeFailed,
		Detail: "credential " + a.fingerprint([]byte(token)) + ": " + tether.ErrorMessage(err)})
}

// login records the first use of an OIDC or Kubernetes credential.
func (a *Authn) login(ctx context.Context, who *tether.Identity) {
	if who.Method == tether.MethodToken || who.TokenID == "" {
		return
	}
	a.mu.Lock()
	first := !a.seen[who.TokenID]
	if first {
		if len(a.seen) >= maxLogins {
			clear(a.seen)
		}
		a.seen[who.TokenID] = true
	}
	a.mu.Unlock()
	if first {
		_ = a.audit.Record(tether.WithIdentity(ctx, who), tether.AuditEvent{Action: ActionLogin, Outcome: tether.OutcomeSuccess, Detail: who.Method})
	}
}
