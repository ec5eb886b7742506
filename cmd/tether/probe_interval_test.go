package main_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/miniotest"
)

// TestProbeIntervalFlag: a wrong --probe-interval stops the server with a
// usage error naming it.
func TestProbeIntervalFlag(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"often", "100ms", "Team=1m", "=1m"} {
		f := startServerExpectingFailure(t, serverOptions{Args: []string{"--probe-interval", v}})
		if f.Code != 2 || !strings.Contains(f.Stderr, "--probe-interval") {
			t.Errorf("--probe-interval %q: exit %d, stderr:\n%s\nwant 2 and a message naming the flag", v, f.Code, f.Stderr)
		}
	}
}

// TestProbeIntervalServer runs the server with a periodic test every
// second, allowed to reach the test MinIO: the results appear in the
// connections' status and on /metrics (1 for the working key, 0 for a
// wrong one), one turned off is never tested, and a scrape without a
// token shows no connection.
func TestProbeIntervalServer(t *testing.T) {
	t.Parallel()
	m := miniotest.Load(t)
	bucket := m.Bucket(t)
	s := startServer(t, serverOptions{Args: []string{"--probe-interval", "1s", "--probe-interval", "default/off=0",
		"--test-allow-cidr", "127.0.0.1/32"}})
	keys := map[string]string{"good": m.SecretKey, "badkey": m.SecretKey + "x", "off": m.SecretKey}
	for id, key := range keys {
		body, err := json.Marshal(m.Conn(id, bucket, key))
		if err != nil {
			t.Fatal(err)
		}
		if status, b := s.api("POST", "/api/v1/connection", string(body)); status != http.StatusCreated {
			t.Fatalf("create %s: %d %s", id, status, b)
		}
	}
	for id, ok := range map[string]bool{"good": true, "badkey": false} {
		if r := awaitLastTest(t, s, id); r.OK != ok || !strings.HasPrefix(r.From, "server") {
			t.Errorf("periodic result of %s: %+v, want ok %v, from the server", id, r, ok)
		}
	}
	_, metrics := s.api("GET", "/metrics", nil)
	for _, want := range []string{
		`tether_connection_test_ok{connection="good",namespace="default",type="s3"} 1`,
		`tether_connection_test_ok{connection="badkey",namespace="default",type="s3"} 0`,
		// MinIO's CA certificate in caBundle carries an expiry.
		`tether_connection_expiry_seconds{connection="off",namespace="default",type="s3"} `,
	} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(string(metrics), `tether_connection_test_ok{connection="off"`) {
		t.Error("/metrics shows a test of the connection turned off")
	}
	if _, _, anon := s.apiWith("", "GET", "/metrics", nil); strings.Contains(string(anon), "tether_connection_") {
		t.Error("/metrics without a token shows the connection gauges")
	}
}

// awaitLastTest waits up to 20 s for a result of a periodic test of
// default/id and returns it.
func awaitLastTest(t *testing.T, s *server, id string) *tether.ProbeResult {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		var c tether.Connection
		_, b := s.api("GET", "/api/v1/connection/"+id, nil)
		if err := json.Unmarshal(b, &c); err != nil {
			t.Fatal(err)
		}
		if c.Status.LastTest != nil {
			return c.Status.LastTest
		}
		if time.Now().After(deadline) {
			t.Fatalf("no periodic test of default/%s within 20s", id)
		}
	}
}
