package main_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// silentListener accepts connections and never answers them, as a port
// forwarded to a stopped process or a wrong service does.
func silentListener(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return "http://" + ln.Addr().String()
}

// TestSilentServer checks that the CLI gives up on a server that accepts
// connections and never answers, with the default timeout, a flag or the
// environment, and says so.
func TestSilentServer(t *testing.T) {
	t.Parallel()
	silent := silentListener(t)
	c := newCLI(t, nil).with("TETHER_URL", silent).with("TETHER_TOKEN", "tether_x")
	tests := []struct {
		name string
		cli  *cli
		args []string
		want string
	}{
		{"default", c, []string{"conn", "get"}, "within 15s"},
		{"flag", c, []string{"conn", "get", "--response-timeout", "1s"}, "within 1s"},
		{"environment", c.with("TETHER_RESPONSE_TIMEOUT", "1s"), []string{"token", "get"}, "within 1s"},
		{"create", c.with("TETHER_RESPONSE_TIMEOUT", "1s"), []string{"namespace", "create", "team-a"}, "within 1s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			wantError(t, tt.cli.run("", tt.args...), 7, "the tether server at "+silent+" did not answer", tt.want)
		})
	}
	t.Run("malformed timeout", func(t *testing.T) {
		wantError(t, c.with("TETHER_CONNECT_TIMEOUT", "soon").run("", "conn", "get"), 3, `TETHER_CONNECT_TIMEOUT="soon" is not a duration`)
	})
}

// TestNotATetherServer checks that answers no Tether server gives (a
// plain-text 404, an HTML page) are reported as such, not as "not found".
func TestNotATetherServer(t *testing.T) {
	t.Parallel()
	plain := httptest.NewServer(http.NotFoundHandler())
	defer plain.Close()
	html := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<html><body>Welcome to nginx!</body></html>"))
	}))
	defer html.Close()
	tests := []struct {
		name, url string
		args      []string
	}{
		{"404 text, get by id", plain.URL, []string{"conn", "get", "--id", "x"}},
		{"404 text, list", plain.URL, []string{"conn", "get"}},
		{"404 text, delete", plain.URL, []string{"conn", "delete", "--id", "x"}},
		{"404 text, namespace", plain.URL, []string{"namespace", "get", "team-a"}},
		{"200 HTML, list", html.URL, []string{"conn", "get"}},
		{"200 HTML, delete", html.URL, []string{"conn", "delete", "--id", "x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newCLI(t, nil).with("TETHER_URL", tt.url).with("TETHER_TOKEN", "tether_x").run("", tt.args...)
			wantError(t, r, 7, tt.url+" is not a Tether server")
			if strings.Contains(r.Stderr, "not found") {
				t.Errorf("stderr says not found: %s", r.Stderr)
			}
		})
	}
}

// throttlingProxy forwards to a real server, answering 429 (or status)
// with Retry-After to the first n requests of each method.
type throttlingProxy struct {
	mu     sync.Mutex
	left   map[string]int
	seen   map[string]int
	status int
}

func newThrottlingProxy(t *testing.T, s *server, status, n int) (*throttlingProxy, string) {
	t.Helper()
	target, err := url.Parse(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	p := &throttlingProxy{left: map[string]int{}, seen: map[string]int{}, status: status}
	for _, m := range []string{"GET", "POST", "PUT", "DELETE"} {
		p.left[m] = n
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.seen[r.Method]++
		throttle := p.left[r.Method] > 0
		p.left[r.Method]--
		p.mu.Unlock()
		if !throttle {
			rp.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Retry-After", "1")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(p.status)
		_, _ = w.Write([]byte(`{"message":"too many requests, retry later"}`))
	}))
	t.Cleanup(srv.Close)
	return p, srv.URL
}

func (p *throttlingProxy) requests(method string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.seen[method]
}

// TestRetries checks which calls are retried on 429 and 503, honouring
// Retry-After, and that a throttled call that stays throttled exits 8.
func TestRetries(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOptions{})
	newCLI(t, s).ok("namespace", "create", "team-a")
	tests := []struct {
		name     string
		status   int
		throttle int // answers throttled per method
		args     []string
		method   string
		code     int
		requests int
	}{
		{"get retried after 429", 429, 1, []string{"conn", "get", "-o", "json"}, "GET", 0, 2},
		{"get retried after 503", 503, 2, []string{"namespace", "get", "team-a"}, "GET", 0, 3},
		{"delete retried after 429", 429, 1, []string{"conn", "delete", "--id", "nope", "--ignore-not-found"}, "DELETE", 0, 2},
		{"delete not retried after 503", 503, 1, []string{"conn", "delete", "--id", "nope"}, "DELETE", 7, 1},
		{"create not retried", 429, 1, []string{"namespace", "create", "team-b"}, "POST", 8, 1},
		{"still throttled", 429, 10, []string{"token", "get"}, "GET", 8, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, u := newThrottlingProxy(t, s, tt.status, tt.throttle)
			r := newCLI(t, s).with("TETHER_URL", u).run("", tt.args...)
			wantExit(t, r, tt.code)
			if got := p.requests(tt.method); got != tt.requests {
				t.Errorf("%s requests = %d, want %d", tt.method, got, tt.requests)
			}
			if tt.code != 0 && !strings.Contains(r.Stderr, "too many requests, retry later") {
				t.Errorf("stderr = %q, want the server's message", r.Stderr)
			}
		})
	}
	s.stop()
}
