package http

import (
	"cmp"
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/tether-ml/tether"
)

// Deps are what the server serves.
type Deps struct {
	Connections  tether.ConnectionService
	Keys         tether.KeyService
	Backups      tether.BackupService
	Namespaces   tether.NamespaceService
	RoleBindings tether.RoleBindingService
	Tokens       tether.TokenService
	Audit        tether.AuditService
	Auth         tether.Authenticator
	// Ready reports whether the server can serve requests (e.g. the store
	// answers); /readyz calls it.
	Ready  func(ctx context.Context) error
	Logger *slog.Logger
	// TrustedProxies are the networks of the reverse proxies in front of
	// the server: only a peer among them is believed about the client's
	// address (X-Forwarded-For), which throttling and audit use.
	TrustedProxies []netip.Prefix
	// AccessLog receives the record of every request; Logger's handler
	// when nil. Those records are many and routine, so it may buffer them.
	AccessLog *slog.Logger
	// AuditDropped, if set, counts the audit events of refused requests
	// dropped over the audit budget; /metrics exposes it.
	AuditDropped func() uint64
	// Types are the connection types the server accepts, which the
	// OpenAPI document lists: those Connections validates with. Default:
	// every type Tether knows.
	Types tether.TypeRegistry
	// Probes runs the connection tests (POST .../connection/{id}/test and
	// .../connection/test); those routes are not served if nil.
	Probes tether.ProbeService
	// Health, if set, reports how the connections fare: /metrics shows it
	// as gauges to a scraper allowed to read every namespace.
	Health tether.HealthService
	// History serves the history routes (.../connection/{id}/history,
	// .../rollback); Connections serves them when it implements
	// tether.HistoryService and History is nil.
	History tether.HistoryService
	// Watch serves the watches of connections (?watch=true); none if nil.
	Watch tether.WatchService
	// WatchBookmark is how often a watch sends a bookmark when nothing
	// else happens. Default: tether.DefaultBookmarkInterval.
	WatchBookmark time.Duration
}

// Server is the HTTP handler of the Tether API.
type Server struct {
	conns    tether.ConnectionService
	keys     tether.KeyService
	backups  tether.BackupService
	ns       tether.NamespaceService
	rb       tether.RoleBindingService
	tokens   tether.TokenService
	audit    tether.AuditService
	auth     tether.Authenticator
	ready    func(ctx context.Context) error
	log      *slog.Logger
	access   *slog.Logger
	metrics  *metrics
	throttle *throttle
	proxies  trustedProxies
	mux      *http.ServeMux
	handler  http.Handler
	openAPI  []byte // the OpenAPI document, listing the server's types
	types    []*tether.TypeSchema
	watch    tether.WatchService
	probes   tether.ProbeService
	history  tether.HistoryService
	health   tether.HealthService
	bookmark time.Duration
	// closing ends the watches when the server shuts down.
	closing     context.Context
	stopWatches context.CancelFunc
}

// NewServer returns the API handler: routes, authentication, request logs,
// metrics and panic recovery.
func NewServer(d Deps) *Server {
	s := &Server{
		conns: d.Connections, keys: d.Keys, backups: d.Backups, ns: d.Namespaces, rb: d.RoleBindings,
		tokens: d.Tokens, audit: d.Audit, auth: d.Auth, ready: d.Ready, log: d.Logger, access: d.AccessLog,
		metrics: newMetrics(), throttle: newThrottle(), proxies: d.TrustedProxies, mux: http.NewServeMux(),
		watch: d.Watch, probes: d.Probes, health: d.Health, bookmark: cmp.Or(d.WatchBookmark, tether.DefaultBookmarkInterval),
	}
	s.history = d.History
	if h, ok := d.Connections.(tether.HistoryService); ok && s.history == nil {
		s.history = h
	}
	s.closing, s.stopWatches = context.WithCancel(context.Background())
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.access == nil {
		s.access = s.log
	}
	if d.AuditDropped != nil {
		s.metrics.countAuditDrops(d.AuditDropped)
	}
	s.openAPI = openAPIDocumentFor(d.Types, s.log)
	s.types = typeSchemas(d.Types)
	s.routes()
	s.handler = s.observe(s.recoverPanics(jsonFallback(s.mux)))
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handler.ServeHTTP(w, r)
}
