package server

import (
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/tether-ml/tether"
)

// servePprof serves Go's profiling endpoints (/debug/pprof/) on addr, a
// listener apart from the API so that they are never exposed with it.
// Profiles show code paths, not data; keep addr on loopback all the same.
func servePprof(addr string, log *slog.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return tether.Errorf(tether.EUNAVAILABLE, "cannot listen on %s for profiling: %v", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	log.Info("profiling", "addr", ln.Addr().String())
	go func() { _ = srv.Serve(ln) }()
	return nil
}
