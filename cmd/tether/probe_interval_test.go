package main_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tether-ml/tether"
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
// second: a connection's result appears in its status and on /metrics
// (here a failure: the server's egress policy refuses the loopback
// address of its target), one turned off is never tested, and a scrape
// without a token shows no connection.
func TestProbeIntervalServer(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOptions{Args: []string{"--probe-interval", "1s", "--probe-interval", "default/off=0"}})
	for _, id := range []string{"local", "off"} {
		body := `{"id":"` + id + `","spec":{"type":"s3","uri":"s3://bucket/model","region":"us-east-1",` +
			`"keyID":"QUtJQUlPU0ZPRE5ON0VYQU1QTEU=","keySecret":"c2VjcmV0","parameters":{"endpoint":"https://127.0.0.1:9"}}}`
		if status, b := s.api("POST", "/api/v1/connection", body); status != http.StatusCreated {
			t.Fatalf("create %s: %d %s", id, status, b)
		}
	}
	var c tether.Connection
	for deadline := time.Now().Add(20 * time.Second); c.Status.LastTest == nil; time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no periodic test of default/local within 20s")
		}
		_, b := s.api("GET", "/api/v1/connection/local", nil)
		if err := json.Unmarshal(b, &c); err != nil {
			t.Fatal(err)
		}
	}
	if r := c.Status.LastTest; r.OK || !strings.Contains(r.Message, "refused") || !strings.HasPrefix(r.From, "server") {
		t.Errorf("periodic result %+v, want a refusal on the server", r)
	}
	_, metrics := s.api("GET", "/metrics", nil)
	if want := `tether_connection_test_ok{connection="local",namespace="default",type="s3"} 0`; !strings.Contains(string(metrics), want) {
		t.Errorf("/metrics lacks %s", want)
	}
	if strings.Contains(string(metrics), `connection="off"`) {
		t.Error("/metrics shows a test of the connection turned off")
	}
	if _, _, anon := s.apiWith("", "GET", "/metrics", nil); strings.Contains(string(anon), "tether_connection_") {
		t.Error("/metrics without a token shows the connection gauges")
	}
}
