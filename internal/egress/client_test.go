package egress_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/egress"
)

// server starts an HTTP server on addr ("127.0.0.1:0") that counts its
// requests and answers with h (or 200 "ok").
func server(t *testing.T, addr string, h http.HandlerFunc) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	hits := new(atomic.Int64)
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if h == nil {
			io.WriteString(w, "ok")
			return
		}
		h(w, r)
	})}}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, hits
}

func redirectTo(target string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, target, http.StatusFound) }
}

// TestHTTPClientRedirectToRefused holds that a redirect is dialled through
// the policy: from a server on 127.0.0.1 (allowed as a /32) a redirect to
// another loopback address, to the cloud metadata address or to a name that
// resolves to one fails with EFORBIDDEN, and the target never sees a
// request; with the target allowed, the same redirect is followed (the
// control that proves the redirect itself works).
func TestHTTPClientRedirectToRefused(t *testing.T) {
	target, targetHits := server(t, "127.0.0.2:0", nil)
	_, port, _ := net.SplitHostPort(target.Listener.Addr().String())
	res := &resolver{answers: map[string][][]string{"inside.test": {{"127.0.0.2"}}}}
	for _, tc := range []struct {
		name, location string
		policy         *egress.Policy
		want           string // in the message; "" means the redirect is followed
	}{
		{"other loopback", "http://127.0.0.2:" + port + "/", allow("127.0.0.1/32"), "address 127.0.0.2"},
		{"name of other loopback", "http://inside.test:" + port + "/", allow("127.0.0.1/32"), `host "inside.test" at 127.0.0.2`},
		{"cloud metadata", "http://169.254.169.254/latest/meta-data/", allow("127.0.0.1/32"), "cloud metadata"},
		{"mapped metadata", "http://[::ffff:169.254.169.254]/latest/meta-data/", allow("127.0.0.1/32"), "cloud metadata"},
		{"control: target allowed", "http://127.0.0.2:" + port + "/", allow("127.0.0.1/32", "127.0.0.2/32"), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			first, _ := server(t, "127.0.0.1:0", redirectTo(tc.location))
			before := targetHits.Load()
			client := egress.HTTPClient(egress.NewDialer(tc.policy, res, time.Second), egress.HTTPConfig{})
			resp, err := client.Get(first.URL)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Get: %v", err)
				}
				resp.Body.Close()
				if got := targetHits.Load() - before; got != 1 {
					t.Errorf("target hits = %d; want 1", got)
				}
				return
			}
			if err == nil {
				resp.Body.Close()
				t.Fatalf("Get succeeded with status %d; want EFORBIDDEN", resp.StatusCode)
			}
			err = egress.Scrub(err)
			if code := tether.ErrorCode(err); code != tether.EFORBIDDEN || !strings.Contains(tether.ErrorMessage(err), tc.want) {
				t.Errorf("Scrub(err) = %q %q; want %q with %q", code, tether.ErrorMessage(err), tether.EFORBIDDEN, tc.want)
			}
			if got := targetHits.Load() - before; got != 0 {
				t.Errorf("target hits = %d; want 0", got)
			}
		})
	}
}

// TestHTTPClientRedirectBounds holds that redirects stop after
// MaxRedirects and that a redirect from https to http is refused.
func TestHTTPClientRedirectBounds(t *testing.T) {
	var loop *httptest.Server
	loop, loopHits := server(t, "127.0.0.1:0", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, loop.URL+"/again", http.StatusFound)
	})
	plain, plainHits := server(t, "127.0.0.1:0", nil)
	secure := httptest.NewTLSServer(redirectTo(plain.URL))
	t.Cleanup(secure.Close)
	tlsConfig := secure.Client().Transport.(*http.Transport).TLSClientConfig
	client := egress.HTTPClient(egress.NewDialer(allow("127.0.0.1/32"), nil, time.Second),
		egress.HTTPConfig{TLS: tlsConfig, MaxRedirects: 2})
	for _, tc := range []struct {
		url, code, want string
		hits            *atomic.Int64
		wantHits        int64
	}{
		{loop.URL, tether.EINVALID, "redirected more than 2 times", loopHits, 3},
		{secure.URL, tether.EFORBIDDEN, "from https to http", plainHits, 0},
	} {
		resp, err := client.Get(tc.url)
		if err == nil {
			resp.Body.Close()
			t.Errorf("Get(%s) succeeded; want %s", tc.url, tc.code)
			continue
		}
		err = egress.Scrub(err)
		if code := tether.ErrorCode(err); code != tc.code || !strings.Contains(tether.ErrorMessage(err), tc.want) {
			t.Errorf("Get(%s): %q %q; want %q with %q", tc.url, code, tether.ErrorMessage(err), tc.code, tc.want)
		}
		if got := tc.hits.Load(); got != tc.wantHits {
			t.Errorf("Get(%s): %d requests; want %d", tc.url, got, tc.wantHits)
		}
	}
}

// TestHTTPClientNoSecretsInErrors holds that neither a refusal's message
// nor a scrubbed transport error carries the URL's user info or query.
func TestHTTPClientNoSecretsInErrors(t *testing.T) {
	closed := closedPort(t)
	client := egress.HTTPClient(egress.NewDialer(allow("127.0.0.1/32"), nil, time.Second), egress.HTTPConfig{})
	first, _ := server(t, "127.0.0.1:0", redirectTo("http://admin:hunter2@169.254.169.254/?X-Amz-Signature=deadbeef"))
	for _, url := range []string{
		"http://admin:hunter2@127.0.0.2:9/path?sig=deadbeef&se=2030",
		"http://admin:hunter2@[::1]:9/?X-Amz-Signature=deadbeef",
		"http://admin:hunter2@127.0.0.1:" + closed + "/?sig=deadbeef",
		first.URL + "/?sig=deadbeef",
	} {
		_, err := client.Get(url)
		if err == nil {
			t.Fatalf("Get(%s) succeeded; want an error", url)
		}
		scrubbed := egress.Scrub(err)
		for _, text := range []string{tether.ErrorMessage(err), tether.ErrorMessage(scrubbed), scrubbed.Error()} {
			for _, secret := range []string{"admin", "hunter2", "deadbeef", "sig=", "se=2030", "?"} {
				if strings.Contains(text, secret) {
					t.Errorf("Get(%s): error %q contains %q", url, text, secret)
				}
			}
		}
	}
}

// TestHTTPClientStalledTarget holds that a target that accepts and never
// answers ends at the header (http) or handshake (https) timeout, long
// before the caller's own deadline.
func TestHTTPClientStalledTarget(t *testing.T) {
	addr := stalledServer(t)
	client := egress.HTTPClient(egress.NewDialer(allow("127.0.0.1/32"), nil, time.Second),
		egress.HTTPConfig{HandshakeTimeout: 200 * time.Millisecond, HeaderTimeout: 200 * time.Millisecond})
	for _, scheme := range []string{"http", "https"} {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, scheme+"://"+addr+"/", nil)
		start := time.Now()
		resp, err := client.Do(req)
		elapsed := time.Since(start)
		cancel()
		if err == nil {
			resp.Body.Close()
			t.Fatalf("%s: Do succeeded; want a timeout", scheme)
		}
		err = egress.Scrub(err)
		if code := tether.ErrorCode(err); code != tether.EUNAVAILABLE || !strings.Contains(tether.ErrorMessage(err), "timed out") {
			t.Errorf("%s: %q %q; want %q with %q", scheme, code, tether.ErrorMessage(err), tether.EUNAVAILABLE, "timed out")
		}
		if elapsed > 10*time.Second {
			t.Errorf("%s: the request took %s; want it ended by the 200ms timeout", scheme, elapsed)
		}
	}
}

// stalledServer returns the address of a listener that accepts
// connections, holds them open and never answers.
func stalledServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	held := make(chan net.Conn, 16)
	t.Cleanup(func() {
		ln.Close()
		for len(held) > 0 {
			(<-held).Close()
		}
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held <- c
		}
	}()
	return ln.Addr().String()
}

// TestHTTPClientBodyBound holds that reading past MaxBody fails with
// ETOOLARGE, and a body of exactly MaxBody is read whole.
func TestHTTPClientBodyBound(t *testing.T) {
	const limit = 1024
	srv, _ := server(t, "127.0.0.1:0", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, strings.Repeat("x", len(r.URL.Path)-1))
	})
	client := egress.HTTPClient(egress.NewDialer(allow("127.0.0.1/32"), nil, time.Second), egress.HTTPConfig{MaxBody: limit})
	for _, tc := range []struct {
		size int
		code string
	}{{limit, ""}, {limit + 1, tether.ETOOLARGE}, {64 * limit, tether.ETOOLARGE}} {
		resp, err := client.Get(srv.URL + "/" + strings.Repeat("a", tc.size))
		if err != nil {
			t.Fatalf("Get: %v", err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if code := tether.ErrorCode(err); code != tc.code {
			t.Errorf("body of %d bytes: read error %v; want code %q", tc.size, err, tc.code)
		}
		if tc.code == "" && len(body) != tc.size {
			t.Errorf("body of %d bytes: read %d", tc.size, len(body))
		}
	}
}

// TestHTTPClientIgnoresProxyEnvironment holds that HTTP_PROXY is not used:
// the request reaches the target, the proxy sees nothing. net/http reads
// the proxy variables once per process, so the check runs in a fresh test
// process whose environment names the proxy from the start.
func TestHTTPClientIgnoresProxyEnvironment(t *testing.T) {
	const child = "TETHER_EGRESS_PROXY_CHILD"
	if os.Getenv(child) == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHTTPClientIgnoresProxyEnvironment$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), child+"=1")
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "--- PASS: TestHTTPClientIgnoresProxyEnvironment") {
			t.Fatalf("the test in a fresh process: %v\n%s", err, out)
		}
		return
	}
	proxy, proxyHits := server(t, "127.0.0.1:0", nil)
	target, targetHits := server(t, "127.0.0.1:0", nil)
	t.Setenv("HTTP_PROXY", proxy.URL)
	t.Setenv("HTTPS_PROXY", proxy.URL)
	t.Setenv("NO_PROXY", "")
	_, port, _ := net.SplitHostPort(target.Listener.Addr().String())
	res := &resolver{answers: map[string][][]string{"target.test": {{"127.0.0.1"}}}}
	client := egress.HTTPClient(egress.NewDialer(allow("127.0.0.1/32"), res, time.Second), egress.HTTPConfig{})
	resp, err := client.Get("http://target.test:" + port + "/")
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	resp.Body.Close()
	if p, tg := proxyHits.Load(), targetHits.Load(); p != 0 || tg != 1 {
		t.Errorf("proxy hits %d, target hits %d; want 0 and 1", p, tg)
	}
}
