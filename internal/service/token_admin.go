package service

import (
	"context"
	"fmt"
	"time"

	"github.com/tether-ml/tether"
)

// TokenAdmin creates, lists and revokes API tokens; every operation needs
// the tokens permission in every namespace.
type TokenAdmin struct {
	store tether.Store
	authz tether.Authorizer
	audit tether.AuditLog
	clock func() time.Time
	// revoked runs after a revocation, so that authenticators forget the
	// token at once.
	revoked func()
}

// NewTokenAdmin returns the token administration service; revoked (may be
// nil) runs after each revocation.
func NewTokenAdmin(store tether.Store, authz tether.Authorizer, audit tether.AuditLog, revoked func()) *TokenAdmin {
	if revoked == nil {
		revoked = func() {}
	}
	return &TokenAdmin{store: store, authz: authz, audit: audit, clock: time.Now, revoked: revoked}
}

// Create issues a token for subject, valid for ttl (forever if 0), and
// returns it: the only time it is ever shown. Only its hash is stored.
func (s *TokenAdmin) Create(ctx context.Context, subject string, ttl time.Duration) (string, *tether.Token, error) {
	if err := authorizeGlobal(ctx, s.authz, tether.PermTokens); err != nil {
		return "", nil, err
	}
	if msg := tether.TextProblem(subject, 0); msg != "" {
		return "", nil, tether.Errorf(tether.EINVALID, "subject %s", msg)
	}
	if !tether.SubjectPattern.MatchString(subject) || subject[:6] == "group:" {
		return "", nil, tether.Errorf(tether.EINVALID, "subject %q is invalid: want user:NAME or serviceaccount:NAMESPACE:NAME", subject)
	}
	if subject == tether.LegacyBootstrapSubject {
		return "", nil, tether.Errorf(tether.EINVALID, "subject %q is reserved: its API tokens are the bootstrap admin's; bind a role to another user instead", subject)
	}
	if ttl < 0 {
		return "", nil, tether.Errorf(tether.EINVALID, "ttl must not be negative")
	}
	token := NewToken()
	t := &tether.Token{ID: "tok-" + randomHex(6), Hash: HashToken(token), Subject: subject, CreatedAt: now(s.clock)}
	if ttl > 0 {
		exp := t.CreatedAt.Add(ttl)
		t.ExpiresAt = &exp
	}
	if err := s.store.CreateToken(ctx, t); err != nil {
		return "", nil, err
	}
	if err := recordWrite(ctx, s.audit, tether.AuditEvent{Action: ActionTokenCreate, Detail: t.ID + " for " + subject},
		fmt.Sprintf("token %q was created", t.ID)); err != nil {
		return "", nil, err
	}
	return token, t, nil
}

// List returns every token (never the tokens themselves: they are not
// stored).
func (s *TokenAdmin) List(ctx context.Context) ([]*tether.Token, error) {
	if err := authorizeGlobal(ctx, s.authz, tether.PermTokens); err != nil {
		return nil, err
	}
	return s.store.ListTokens(ctx)
}

// Revoke deletes the token with that id; it stops working at once.
func (s *TokenAdmin) Revoke(ctx context.Context, id string) error {
	if err := authorizeGlobal(ctx, s.authz, tether.PermTokens); err != nil {
		return err
	}
	if err := s.store.DeleteToken(ctx, id); err != nil {
		return err
	}
	s.revoked()
	return recordWrite(ctx, s.audit, tether.AuditEvent{Action: ActionTokenRevoke, Detail: id}, fmt.Sprintf("token %q was revoked", id))
}
