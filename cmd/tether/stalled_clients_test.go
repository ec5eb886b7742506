package main_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Limits of the server in TestStalledClientsAreCutOff.
const (
	stallReadTimeout = time.Second
	stallMaxConns    = 16
	stallClients     = 48 // three times the cap
)

// TestStalledClientsAreCutOff opens three times --max-connections
// connections that send headers and a few bytes of body (or not even all
// the headers) and then stall. The server's open file descriptors stay
// within the cap, /healthz keeps answering on --health-addr meanwhile, and
// the server closes every stalled connection once the read timeout has
// passed, after which the main port serves again.
func TestStalledClientsAreCutOff(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("counts the server's file descriptors in /proc")
	}
	t.Parallel()
	s := startServer(t, serverOptions{Args: []string{
		"--read-timeout", stallReadTimeout.String(), "--write-timeout", "2s", "--idle-timeout", "2s",
		"--max-connections", fmt.Sprint(stallMaxConns), "--health-addr", "127.0.0.1:0"}})
	rec := s.Logs.waitRecord(t, 5*time.Second, "health probes listening", func(r logRecord) bool {
		return r["msg"] == "health probes listening"
	})
	healthURL := fmt.Sprintf("http://%s/healthz", rec["addr"])
	pid := s.cmd.Process.Pid
	base := openFDs(t, pid)
	stalls := stalledRequests(s.token())

	start := time.Now()
	conns := make([]net.Conn, stallClients)
	for i := range conns {
		c, err := net.Dial("tcp", strings.TrimPrefix(s.URL, "http://"))
		if err != nil {
			t.Fatalf("dial %d: %v", i, err)
		}
		defer c.Close()
		_, _ = io.WriteString(c, stalls[i%len(stalls)].request) // refused ones may be closed already
		conns[i] = c
	}
	time.Sleep(stallReadTimeout / 4)
	if n := openFDs(t, pid); n > base+stallMaxConns+2 {
		t.Errorf("server holds %d file descriptors with %d stalled clients, want at most %d (%d before + cap %d + 2)",
			n, stallClients, base+stallMaxConns+2, base, stallMaxConns)
	}
	probe := &http.Client{Timeout: 2 * time.Second}
	if status := get(t, probe, healthURL); status != http.StatusOK {
		t.Errorf("GET /healthz on --health-addr during the stall: %d, want 200", status)
	}
	for i, c := range conns {
		_ = c.SetReadDeadline(start.Add(stallReadTimeout + 4*time.Second))
		if _, err := io.ReadAll(c); errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("stalled client %d (%s) still connected %v after it stalled, read timeout %v",
				i, stalls[i%len(stalls)].name, time.Since(start).Round(time.Millisecond), stallReadTimeout)
		}
	}
	if status := get(t, probe, s.URL+"/healthz"); status != http.StatusOK {
		t.Errorf("GET /healthz on the main port after the stall: %d, want 200", status)
	}
}

// stalledRequest is the start of a request that never completes.
type stalledRequest struct{ name, request string }

// stalledRequests returns the ways a client can stall: a body it never
// finishes, with and without credentials, and headers it never finishes.
func stalledRequests(token string) []stalledRequest {
	body := func(auth string) string {
		return "POST /api/v1/connection HTTP/1.1\r\nHost: tether\r\nContent-Type: application/json\r\n" +
			auth + "Content-Length: 4096\r\n\r\n{\"kind\":\"Conn"
	}
	return []stalledRequest{
		{"body, no token", body("")},
		{"body, admin token", body("Authorization: Bearer " + token + "\r\n")},
		{"headers", "POST /api/v1/connection HTTP/1.1\r\nHost: tether\r\nContent-Le"},
	}
}

// openFDs counts the file descriptors process pid has open.
func openFDs(t *testing.T, pid int) int {
	t.Helper()
	entries, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

// get returns the status of GET url with c, or 0 if the request failed.
func get(t *testing.T, c *http.Client, url string) int {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Logf("GET %s: %v", url, err)
		return 0
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}
