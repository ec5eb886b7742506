package server

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/spf13/pflag"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/cli"
)

// serverLimits bound what one client can hold of the server: how long a
// request may take to arrive or to be read back, how long an idle
// keep-alive connection stays open, and how many connections are open.
type serverLimits struct {
	readTimeout, writeTimeout, idleTimeout time.Duration
	maxConns                               int
	healthAddr                             string
}

// addFlags registers the limits' flags.
func (l *serverLimits) addFlags(f *pflag.FlagSet) {
	f.DurationVar(&l.readTimeout, "read-timeout", 30*time.Second,
		"time allowed to receive a request's headers and body; a longer body must keep arriving at 64 KiB per read-timeout")
	f.DurationVar(&l.writeTimeout, "write-timeout", time.Minute,
		"time a response may go without the client reading any of it")
	f.DurationVar(&l.idleTimeout, "idle-timeout", 2*time.Minute, "time an idle keep-alive connection stays open")
	f.IntVar(&l.maxConns, "max-connections", 1024,
		"connections served at once; past it new connections are closed at once (keep it below the file descriptor limit)")
	f.StringVar(&l.healthAddr, "health-addr", "",
		"also serve /healthz and /readyz on this address, outside --max-connections (for Kubernetes probes)")
}

// check refuses limits that would make the server unusable.
func (l *serverLimits) check() error {
	switch {
	case l.readTimeout <= 0 || l.writeTimeout <= 0 || l.idleTimeout <= 0:
		return cli.Usagef("--read-timeout, --write-timeout and --idle-timeout must be positive")
	case l.maxConns < 1:
		return cli.Usagef("--max-connections must be at least 1")
	}
	return nil
}

// httpServer returns a server of h with the limits' timeouts. The whole
// request must arrive within the read timeout (a body that stalls gets the
// connection closed), headers within at most 10 s of it.
func (l *serverLimits) httpServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           progressDeadlines(h, l.readTimeout, l.writeTimeout),
		ReadHeaderTimeout: min(10*time.Second, l.readTimeout),
		ReadTimeout:       l.readTimeout,
		WriteTimeout:      l.writeTimeout,
		IdleTimeout:       l.idleTimeout,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// healthProbeConns caps the connections of the health listener, which
// answers probes only and so needs few.
const healthProbeConns = 16

// serveHealth serves /healthz and /readyz of h on the limits' health
// address until ctx is done, beside the main listener and outside its
// connection cap: a cap filled by slow or hostile clients must not make
// Kubernetes restart a server that works (liveness) or keep probing it
// from the main port. Its connections have short timeouts and a small cap
// of their own.
func (l *serverLimits) serveHealth(ctx context.Context, log *slog.Logger, h http.Handler) error {
	if l.healthAddr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", l.healthAddr)
	if err != nil {
		return tether.Errorf(tether.EUNAVAILABLE, "cannot listen on --health-addr %s: %v", l.healthAddr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /healthz", h)
	mux.Handle("GET /readyz", h)
	probes := serverLimits{readTimeout: 5 * time.Second, writeTimeout: 5 * time.Second, idleTimeout: 30 * time.Second}
	srv := probes.httpServer(mux, log)
	go func() { _ = srv.Serve(newConnLimiter(ln, healthProbeConns, log)) }()
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	log.Info("health probes listening", "addr", ln.Addr().String())
	return nil
}
