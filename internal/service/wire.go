package service

import (
	"log/slog"

	"github.com/tether-ml/tether"
)

// Set is every service of one server, wired over one store and keyring.
type Set struct {
	Connections  *Connections
	Keys         *Keys
	Backups      *Backups
	Namespaces   *Namespaces
	RoleBindings *RoleBindings
	Tokens       *TokenAdmin
	Audit        *Audit
	Authn        *Authn
	RBAC         *RBAC
	Health       *Health
	// Probes runs connection tests; New leaves it nil, since it needs the
	// server's egress options (NewProbes).
	Probes *Probes
	tokens *Tokens
}

// New wires the services. API tokens are always accepted; more
// authenticators (OIDC, Kubernetes) follow them in the chain.
func New(st tether.Store, sealer tether.Sealer, types tether.TypeRegistry, log *slog.Logger, more ...tether.Authenticator) *Set {
	rbac := NewRBAC(st)
	audit := NewAudit(st, rbac, log)
	s := &Set{RBAC: rbac, Audit: audit}
	s.Connections = NewConnections(st, sealer, types, rbac, audit)
	rbac.changed = s.Connections.Wake // a revoked reader's watch ends
	s.Keys = NewKeys(st, sealer, rbac, audit)
	s.Backups = NewBackups(st, sealer, types, rbac, audit)
	s.Namespaces = NewNamespaces(st, rbac, audit, s.Invalidate)
	s.RoleBindings = NewRoleBindings(st, rbac, audit)
	s.Health = NewHealth(st, rbac, HealthOptions{})
	s.tokens = NewTokens(st)
	s.Tokens = NewTokenAdmin(st, rbac, audit, s.tokens.Invalidate)
	chain := append([]tether.Authenticator{s.tokens}, more...)
	s.Authn = NewAuthn(audit, sealer.Fingerprint, chain...)
	return s
}

// Invalidate drops what the services cache of the store's content (page
// boundaries, role bindings, tokens) and wakes the watches; call it when
// another server wrote.
func (s *Set) Invalidate() {
	s.Connections.Invalidate()
	s.RBAC.Invalidate()
	s.tokens.Invalidate()
	s.Connections.Wake()
}
