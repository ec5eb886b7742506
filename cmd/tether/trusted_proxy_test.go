package main_test

import (
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestTrustedProxy: X-Forwarded-For is believed only from the peers given
// by --trusted-proxy, read from its end back to the first address that is
// not a trusted proxy. A client is throttled, and audited, as that
// address: an untrusted peer cannot pick another one, nor can a client
// behind the proxy by prepending entries, while two clients behind one
// proxy do not share a budget. Valid tokens are served throughout.
func TestTrustedProxy(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOptions{Args: []string{"--trusted-proxy", "127.0.0.6/31", "--trusted-proxy", "127.0.0.9"}})
	for _, tc := range []struct {
		name, peer, xff, as string
	}{
		{"untrusted peer", "127.0.0.3", "203.0.113.1", "127.0.0.3"},
		{"trusted proxy", "127.0.0.6", "203.0.113.2", "203.0.113.2"},
		{"another client of the proxy", "127.0.0.7", "203.0.113.3", "203.0.113.3"},
		{"client prepending an address", "127.0.0.6", "198.51.100.1, 203.0.113.4", "203.0.113.4"},
		{"two trusted proxies", "127.0.0.7", "203.0.113.5, 127.0.0.9", "203.0.113.5"},
		{"no header from the proxy", "127.0.0.9", "", "127.0.0.9"},
		{"IPv4-mapped, with a port", "127.0.0.6", "[::ffff:203.0.113.6]:4711", "203.0.113.6"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			from := &server{t: t, URL: s.URL, HTTP: clientFrom(tc.peer)}
			h := bearer("tether_guess")
			if tc.xff != "" {
				h.Set("X-Forwarded-For", tc.xff)
			}
			var last []byte
			for i := 0; i < 11; i++ {
				status, _, body, err := from.send(h, "GET", "/api/v1/connection", nil)
				if err != nil {
					t.Fatal(err)
				}
				want := http.StatusUnauthorized
				if i == 10 {
					want = http.StatusTooManyRequests
				}
				if status != want {
					t.Fatalf("failure %d: %d %s, want %d", i+1, status, body, want)
				}
				last = body
				good := bearer(s.token())
				good.Set("X-Forwarded-For", tc.xff)
				if status, _, body, _ := from.send(good, "GET", "/api/v1/connection", nil); status != http.StatusOK {
					t.Fatalf("valid token after failure %d: %d %s", i+1, status, body)
				}
			}
			if !strings.Contains(string(last), "authentications from "+tc.as+":") {
				t.Errorf("throttled as %s, want %s", last, tc.as)
			}
			if !auditedFailureFrom(t, s, tc.as) {
				t.Errorf("the audit log has no failed authentication from %s", tc.as)
			}
		})
	}
}

// clientFrom returns a client whose connections come from the loopback
// address ip.
func clientFrom(ip string) *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DialContext: (&net.Dialer{
		LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}).DialContext}}
}

// auditedFailureFrom reports whether the audit log holds a failed
// authentication from addr, waiting a little for the last records.
func auditedFailureFrom(t *testing.T, s *server, addr string) bool {
	t.Helper()
	for try := 0; try < 30; try++ {
		status, body := s.api("GET", "/api/v1/audit?action=auth.failed&limit=1000", nil)
		var events []struct{ Remote string }
		if status != http.StatusOK || json.Unmarshal(body, &events) != nil {
			t.Fatalf("audit: %d %s", status, body)
		}
		for _, e := range events {
			if e.Remote == addr {
				return true
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return false
}
