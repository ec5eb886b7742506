package server

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/tether-ml/tether"
	thttp "github.com/tether-ml/tether/http"
	"github.com/tether-ml/tether/internal/cli"
	"github.com/tether-ml/tether/internal/kube"
	"github.com/tether-ml/tether/internal/oidc"
	"github.com/tether-ml/tether/internal/seal"
	"github.com/tether-ml/tether/internal/service"
)

// serverConfig holds the flags of "tether server".
type serverConfig struct {
	storeConfig
	serverLimits
	probes                               probeConfig
	addr, keyFile, adminTokenFile        string
	tlsCert, tlsKey, logLevel, logFormat string
	pprofAddr                            string
	oidc                                 oidc.Config
	k8sAudience, kubeconfig              string
	k8sIssuers                           []string
	trustedProxies                       []string
	auditRetention                       string
	watchBookmark                        time.Duration
	probeIntervals                       []string
}

func (a *app) serverCommand() *cobra.Command {
	var cfg serverConfig
	cmd := &cobra.Command{
		Use:   "server",
		Short: "Run the Tether API server",
		Long: `Run the Tether API server. With no flags it serves http://127.0.0.1:8080 with
an embedded SQLite database in ./tether-data.

On first start it creates, in the data directory, the key file that encrypts
secrets at rest (tether.key, 0600) and a bootstrap admin token (admin.token,
0600), which is never logged or printed. Keep the key file safe and apart from
backups of the database: without it the secrets cannot be read.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.runServer(cmd.Context(), cfg)
		},
	}
	f, env := cmd.Flags(), a.env.Getenv
	f.StringVar(&cfg.addr, "addr", cmp.Or(env(envAddr), "127.0.0.1:8080"), "listen address (env TETHER_ADDR)")
	cfg.storeConfig.addFlags(f, env)
	cfg.serverLimits.addFlags(f)
	cfg.probes.addFlags(f, env)
	f.StringVar(&cfg.keyFile, "key-file", env(envKeyFile), "key file (env TETHER_KEY_FILE; default DATA_DIR/tether.key)")
	f.StringVar(&cfg.adminTokenFile, "admin-token-file", env(envAdminToken), "file holding the admin token to accept (env TETHER_ADMIN_TOKEN_FILE)")
	f.StringVar(&cfg.tlsCert, "tls-cert", "", "TLS certificate file (PEM); serve HTTPS with --tls-key")
	f.StringVar(&cfg.tlsKey, "tls-key", "", "TLS private key file (PEM)")
	f.StringVar(&cfg.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	f.StringVar(&cfg.logFormat, "log-format", "text", "log format: text or json")
	f.StringVar(&cfg.auditRetention, "audit-retention", cmp.Or(env("TETHER_AUDIT_RETENTION"), defaultAuditRetention()),
		"delete audit events older than this, e.g. 365d or 720h; 0 keeps them all (env TETHER_AUDIT_RETENTION)")
	f.IntVar(&cfg.historyKeep, "history-keep", historyKeepDefault(env),
		"versions of each connection the history keeps, the live one included (env TETHER_HISTORY_KEEP)")
	f.DurationVar(&cfg.watchBookmark, "watch-bookmark", tether.DefaultBookmarkInterval,
		"how often a watch (?watch=true) sends a bookmark when nothing changes")
	f.StringVar(&cfg.pprofAddr, "pprof-addr", "", "serve Go's profiles (/debug/pprof/) on this address, e.g. 127.0.0.1:6060")
	f.StringVar(&cfg.oidc.IssuerURL, "oidc-issuer-url", env("TETHER_OIDC_ISSUER_URL"), "accept ID tokens of this OIDC issuer (env TETHER_OIDC_ISSUER_URL)")
	f.StringVar(&cfg.oidc.ClientID, "oidc-client-id", env("TETHER_OIDC_CLIENT_ID"), "the OIDC client the ID tokens must be issued to (env TETHER_OIDC_CLIENT_ID)")
	f.StringVar(&cfg.oidc.GroupsClaim, "oidc-groups-claim", oidc.DefaultGroupsClaim, "the ID token claim holding the groups")
	f.StringVar(&cfg.oidc.UsernameClaim, "oidc-username-claim", oidc.DefaultUsernameClaim, "the ID token claim holding the user name")
	f.StringArrayVar(&cfg.k8sIssuers, "k8s-issuer", nil,
		"only send service-account tokens of this issuer to TokenReview (repeatable; e.g. https://kubernetes.default.svc)")
	f.StringVar(&cfg.k8sAudience, "k8s-audience", cmp.Or(env("TETHER_K8S_AUDIENCE"), kube.DefaultAudience),
		"audience of the Kubernetes service-account tokens to accept (env TETHER_K8S_AUDIENCE)")
	f.StringVar(&cfg.kubeconfig, "kubeconfig", env("TETHER_KUBECONFIG"),
		"kubeconfig of the cluster whose service-account tokens to accept (env TETHER_KUBECONFIG; in a pod: the pod's cluster)")
	f.StringArrayVar(&cfg.probeIntervals, "probe-interval", nil, probeIntervalUsage)
	f.StringArrayVar(&cfg.trustedProxies, "trusted-proxy", nil,
		"believe X-Forwarded-For only from peers in this network (CIDR or address; repeatable), e.g. the load balancer's")
	return cmd
}

func (a *app) runServer(ctx context.Context, cfg serverConfig) error {
	logs := newLogBuffer(a.env.Stderr, accessLogDelay)
	defer logs.Close()
	log, access, err := newLoggers(logs, cfg.logLevel, cfg.logFormat)
	if err != nil {
		return err
	}
	tuneServerGC(a.env.Getenv)
	if (cfg.tlsCert == "") != (cfg.tlsKey == "") {
		return cli.Usagef("--tls-cert and --tls-key go together")
	}
	if err := cfg.serverLimits.check(); err != nil {
		return err
	}
	if cfg.historyKeep < 1 {
		return cli.Usagef("--history-keep must be at least 1 (the live version)")
	}
	if _, err := cfg.probes.options(); err != nil {
		return err // before any file is created
	}
	sched, err := parseProbeSchedule(cfg.probeIntervals)
	if err != nil {
		return err
	}
	if cfg.pprofAddr != "" {
		if err := servePprof(cfg.pprofAddr, log); err != nil {
			return err
		}
	}
	st, sealer, err := openData(ctx, cfg)
	if err != nil {
		log.Error("cannot start", "err", err.Error())
		return err
	}
	defer st.Close()
	deps, set, err := a.services(ctx, cfg, st, sealer, log)
	if err != nil {
		return err
	}
	// Other replicas write too: forget cached state when they do, and
	// follow their key rotations. Stopped before the store closes.
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	watchStore(wctx, st, sealer, set, log)
	stopUpkeep, err := startAuditUpkeep(ctx, deps, cfg.auditRetention)
	if err != nil {
		return err
	}
	defer stopUpkeep()
	defer startProbeSchedule(ctx, sched, set.Probes, log)()
	deps.AccessLog = access
	handler := thttp.NewServer(deps)
	return serve(ctx, log, cfg, handler)
}

// watchStore follows, in the background until ctx is done, the writes to
// st: they wake the watches; those of other servers sharing st also drop
// what this one caches, and their key rotations move this one's keyring to
// the new primary key at once.
func watchStore(ctx context.Context, st store, sealer *seal.Keyring, set *service.Set, log *slog.Logger) {
	follow := func(keyID string) {
		if err := sealer.Follow(keyID); err != nil {
			log.Error("cannot follow the key rotation of another server", "key_id", keyID, "err", err.Error())
		}
	}
	switch w := st.(type) {
	case tether.KeyWatcher:
		go func() { _ = w.WatchChangesAndKeys(ctx, set.Invalidate, follow) }()
	case tether.ChangeWatcher:
		// Only this server writes to st: what it caches stays true.
		go func() { _ = w.WatchChanges(ctx, set.Connections.Wake) }()
	}
}

// services builds the services over the store and the keyring, and
// returns them, served and as a set.
func (a *app) services(ctx context.Context, cfg serverConfig, st store, sealer *seal.Keyring, log *slog.Logger) (thttp.Deps, *service.Set, error) {
	proxies, err := parseNetworks("--trusted-proxy", cfg.trustedProxies)
	if err != nil {
		return thttp.Deps{}, nil, err
	}
	probeOpts, err := cfg.probes.options()
	if err != nil {
		return thttp.Deps{}, nil, err
	}
	more, err := a.authenticators(ctx, cfg)
	if err != nil {
		return thttp.Deps{}, nil, err
	}
	set := service.New(st, sealer, a.types, log, more...)
	// deliveries exchange credentials (STS, ECR) under the tests' egress
	// policy and timeout: one --test-allow-cidr governs what the server
	// reaches
	set.Connections.UseEgress(probeOpts)
	set.Probes = service.NewProbes(st, sealer, a.types, set.RBAC, set.Audit, probeOpts)
	return thttp.Deps{
		Connections: set.Connections, Keys: set.Keys, Backups: set.Backups, Namespaces: set.Namespaces,
		RoleBindings: set.RoleBindings, Tokens: set.Tokens, Audit: set.Audit, Auth: set.Authn,
		Ready: st.Ping, Logger: log, TrustedProxies: proxies, AuditDropped: set.Audit.Dropped, Types: a.types,
		Watch: set.Connections, WatchBookmark: cfg.watchBookmark, Probes: set.Probes, Health: set.Health,
	}, set, nil
}

// parseNetworks reads the networks of a repeatable flag: CIDRs, or single
// addresses.
func parseNetworks(flag string, values []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, v := range values {
		p, err := netip.ParsePrefix(v)
		if err != nil {
			a, aerr := netip.ParseAddr(v)
			if aerr != nil || a.Zone() != "" {
				return nil, cli.Usagef("%s %q: want a CIDR (10.0.0.0/8) or an address", flag, v)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// authenticators returns the authenticators the flags configure beyond API
// tokens: OIDC and Kubernetes service-account tokens.
func (a *app) authenticators(ctx context.Context, cfg serverConfig) ([]tether.Authenticator, error) {
	var out []tether.Authenticator
	if cfg.oidc.IssuerURL != "" || cfg.oidc.ClientID != "" {
		if cfg.oidc.IssuerURL == "" || cfg.oidc.ClientID == "" {
			return nil, cli.Usagef("--oidc-issuer-url and --oidc-client-id go together")
		}
		v, err := oidc.New(ctx, cfg.oidc)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	reviewer, err := a.tokenReviewer(cfg)
	if err != nil || reviewer == nil {
		return out, err
	}
	return append(out, reviewer), nil
}

// tokenReviewer returns the Kubernetes service-account authenticator: with
// --kubeconfig, or in a pod, the pod's own cluster; nil elsewhere.
// It comes last in the chain: without --k8s-issuer every JWT that no other
// authenticator claims goes to TokenReview.
func (a *app) tokenReviewer(cfg serverConfig) (tether.Authenticator, error) {
	var opts []kube.Option
	if len(cfg.k8sIssuers) > 0 {
		opts = append(opts, kube.WithIssuers(cfg.k8sIssuers...))
	}
	switch {
	case cfg.kubeconfig != "":
		return kube.NewTokenReviewerFromKubeconfig(cfg.kubeconfig, cfg.k8sAudience, opts...)
	case kube.InCluster(a.env.Getenv):
		return kube.NewInClusterTokenReviewer(cfg.k8sAudience, opts...)
	}
	return nil, nil
}

// openData opens the store (migrating it), the keyring (created on first
// start, refused if missing or wrong for existing data), and makes sure of
// the bootstrap admin token.
func openData(ctx context.Context, cfg serverConfig) (store, *seal.Keyring, error) {
	if err := os.MkdirAll(cfg.dataDir, 0o700); err != nil {
		return nil, nil, tether.Errorf(tether.EINVALID, "cannot create data directory %s: %v", cfg.dataDir, unwrapPathError(err))
	}
	// The data directory is Tether's own: nobody else needs to list it.
	if err := os.Chmod(cfg.dataDir, 0o700); err != nil {
		return nil, nil, tether.Errorf(tether.EINVALID, "cannot restrict data directory %s to its owner: %v", cfg.dataDir, unwrapPathError(err))
	}
	st, err := cfg.open(ctx, true)
	if err != nil {
		return nil, nil, err
	}
	sealer, err := openKeyring(ctx, st, cmp.Or(cfg.keyFile, filepath.Join(cfg.dataDir, "tether.key")))
	if err == nil {
		err = service.NewTokens(st).Bootstrap(ctx, cfg.adminTokenFile, filepath.Join(cfg.dataDir, cli.AdminTokenName))
	}
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, sealer, nil
}

// openKeyring loads the key file, creating it only for a store that has
// never sealed anything: a missing key file for existing data is an error,
// never a reason to make a new key.
func openKeyring(ctx context.Context, st tether.Store, path string) (*seal.Keyring, error) {
	kr, err := seal.Load(path)
	if tether.ErrorCode(err) == tether.ENOTFOUND {
		checks, cerr := st.KeyChecks(ctx)
		if cerr != nil {
			return nil, cerr
		}
		if len(checks) > 0 {
			return nil, tether.Errorf(tether.EINVALID,
				"key file %s does not exist, but this data directory holds secrets sealed with it: refusing to start; restore the key file (or point --key-file at it)", path)
		}
		kr, err = seal.Create(path)
	}
	if err != nil {
		return nil, err
	}
	return kr, service.VerifyKeys(ctx, st, kr, path)
}

// serve listens and serves until ctx is cancelled (SIGINT/SIGTERM), then
// shuts down gracefully, letting requests in flight finish. The limits of
// cfg bound every connection (see serverLimits).
func serve(ctx context.Context, log *slog.Logger, cfg serverConfig, h http.Handler) error {
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return tether.Errorf(tether.EUNAVAILABLE, "cannot listen on %s: %v", cfg.addr, err)
	}
	if err := cfg.serveHealth(ctx, log, h); err != nil {
		_ = ln.Close()
		return err
	}
	ln = newConnLimiter(ln, cfg.maxConns, log)
	srv := cfg.httpServer(h, log)
	if w, ok := h.(interface{ CloseWatches() }); ok {
		srv.RegisterOnShutdown(w.CloseWatches) // else Shutdown waits for them
	}
	scheme := "http"
	if cfg.tlsCert != "" {
		scheme = "https"
		srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	errc := make(chan error, 1)
	go func() {
		if scheme == "https" {
			errc <- srv.ServeTLS(ln, cfg.tlsCert, cfg.tlsKey)
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	log.Info("listening", "addr", ln.Addr().String(), "url", scheme+"://"+ln.Addr().String(),
		"data_dir", cfg.dataDir, "store", cfg.description())
	select {
	case err := <-errc:
		return tether.Errorf(tether.EUNAVAILABLE, "server stopped: %v", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return tether.Internal("server.serve", err)
	}
	log.Info("stopped")
	return nil
}

// accessLogDelay is how long a request's log record may wait in the buffer.
const accessLogDelay = 100 * time.Millisecond

// newLoggers returns the server's log, which writes each record at once,
// and its access log, whose records (one per request) wait in logs to be
// written together. Both write to logs, so records stay in order.
func newLoggers(logs *logBuffer, level, format string) (log, access *slog.Logger, err error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, nil, cli.Usagef("--log-level %q: use debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(logs.unbuffered(), opts)), slog.New(slog.NewTextHandler(logs, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(logs.unbuffered(), opts)), slog.New(slog.NewJSONHandler(logs, opts)), nil
	}
	return nil, nil, cli.Usagef("--log-format %q: use text or json", format)
}
