package http

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tether-ml/tether"
)

type requestIDKey struct{}

// validRequestID limits what a client-supplied X-Request-Id may be, so it is
// safe to log and echo.
var validRequestID = tether.NewPattern(`^[A-Za-z0-9._-]{1,64}$`)

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// statusWriter records the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Flush lets streaming handlers flush through the wrapper.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap gives http.ResponseController the writer underneath.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe assigns a request id, then logs and measures every request:
// method, path, route, status and latency — never bodies, query strings or
// headers, which may hold secrets.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if !validRequestID.MatchString(id) {
			id = newRequestID()
		}
		w.Header().Set("X-Request-Id", id)
		ctx := context.WithValue(r.Context(), requestIDKey{}, id)
		ctx = tether.WithRequestInfo(ctx, tether.RequestInfo{Job: jobOf(r), Remote: s.proxies.clientAddr(r)})
		r = r.WithContext(ctx)
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		elapsed := time.Since(start)
		s.metrics.observe(r.Pattern, sw.status, elapsed)
		s.access.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("request_id", id), slog.String("method", r.Method), slog.String("path", loggedPath(r.URL.Path)),
			slog.Int("status", sw.status), slog.Float64("latency_ms", float64(elapsed.Microseconds())/1000))
	})
}

// maxLoggedPath bounds the path in a request's log record: the path is the
// caller's, and a refused 500 KB id must not cost 500 KB of log.
const maxLoggedPath = 512

// loggedPath is p cut to maxLoggedPath bytes (on a rune boundary), marked
// with "…[cut]" when cut.
func loggedPath(p string) string {
	if len(p) <= maxLoggedPath {
		return p
	}
	cut := maxLoggedPath
	for cut > 0 && !utf8.RuneStart(p[cut]) {
		cut--
	}
	return p[:cut] + "…[cut]"
}

func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// authenticate requires a valid bearer token and puts the caller's identity
// in the request context. Every credential is checked, and a valid one is
// served whatever its address did before; a failure spends the address's
// budget, and once that is spent failures get 429 instead of 401.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		who, err := s.identify(r)
		if err != nil {
			s.refuse(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(tether.WithIdentity(r.Context(), who)))
	})
}

// identify returns the identity of the request's bearer token.
func (s *Server) identify(r *http.Request) (*tether.Identity, error) {
	token, ok := bearer(r)
	if !ok {
		return nil, tether.Errorf(tether.EUNAUTHORIZED, "missing bearer token: send Authorization: Bearer <token>")
	}
	return s.auth.Authenticate(r.Context(), token)
}

// refuse answers a request whose authentication failed. A failed
// credential (not a verifier that is down) spends the client's budget;
// past it the answer is 429 with Retry-After, and the connection is closed
// so that each further guess costs the client a new one.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, err error) {
	if tether.ErrorCode(err) == tether.EUNAUTHORIZED {
		addr := tether.RequestInfoFrom(r.Context()).Remote
		if over, wait := s.throttle.failed(addr); over {
			w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
			w.Header().Set("Connection", "close")
			err = tether.Errorf(tether.ETHROTTLED, "too many failed authentications from %s: retry in %s", addr, wait.Round(time.Second))
		} else if _, sent := bearer(r); sent {
			w.Header().Set("WWW-Authenticate", `Bearer realm="tether", error="invalid_token"`)
		} else {
			w.Header().Set("WWW-Authenticate", `Bearer realm="tether"`)
		}
	}
	writeError(w, r, s.log, err)
}

func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// recoverPanics turns a handler panic into a 500 without a stack in the
// response, logging it instead.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.ErrorContext(r.Context(), "panic", "request_id", requestID(r.Context()), "panic", v)
				writeError(w, r, s.log, tether.Errorf(tether.EINTERNAL, "internal error"))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// validJob limits the X-Tether-Job header to what is safe to store and show.
var validJob = tether.NewPattern(`^[A-Za-z0-9._:/@-]{1,128}$`)

// jobOf returns the job a request is made for (X-Tether-Job), if valid.
func jobOf(r *http.Request) string {
	if j := r.Header.Get("X-Tether-Job"); validJob.MatchString(j) {
		return j
	}
	return ""
}
