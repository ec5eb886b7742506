package main_test

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestRequestLogs checks that every request yields one JSON log record with
// request_id, method, path, status and latency_ms, and that no body (nor
// query string, nor token) reaches the log.
func TestRequestLogs(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOptions{})
	token := s.token()
	bodyMarker := "body-marker-" + randomHex(t, 8)
	secret := randomHex(t, 24)
	queryMarker := "query-marker-" + randomHex(t, 8)
	create := map[string]any{"kind": "Connection", "id": "logged", "spec": map[string]any{
		"type": "docker", "uri": "registry.example.com/team", "username": "robot",
		"password": b64(secret), "description": bodyMarker}}
	tests := []struct {
		method, path string
		body         any
		requestID    string // sent as X-Request-Id; "" lets the server pick one
		status       int
	}{
		{http.MethodPost, "/api/v1/connection", create, "e2e-create-1", http.StatusCreated},
		{http.MethodGet, "/api/v1/connection/logged/decrypted", nil, "e2e-reveal-1", http.StatusOK},
		{http.MethodGet, "/api/v1/connection/nope", nil, "", http.StatusNotFound},
		{http.MethodGet, "/api/v1/connection?type=docker&" + queryMarker + "=1", nil, "", http.StatusOK},
		{http.MethodPost, "/api/v1/connection", `{"id": "bad", "spec": {"type": "docker", "password": "` + bodyMarker + `"}}`, "", http.StatusBadRequest},
		{http.MethodDelete, "/api/v1/connection/logged", nil, "e2e-delete-1", http.StatusOK},
	}
	for _, tt := range tests {
		hdr := bearer(token)
		if tt.requestID != "" {
			hdr.Set("X-Request-Id", tt.requestID)
		}
		status, h, body, err := s.send(hdr, tt.method, tt.path, tt.body)
		if err != nil || status != tt.status {
			t.Fatalf("%s %s: %v %d %s, want %d", tt.method, tt.path, err, status, body, tt.status)
		}
		id := h.Get("X-Request-Id")
		if tt.requestID != "" && id != tt.requestID {
			t.Errorf("%s %s: X-Request-Id %q, want the one sent, %q", tt.method, tt.path, id, tt.requestID)
		}
		path, _, _ := strings.Cut(tt.path, "?")
		rec := s.Logs.waitRecord(t, 5*time.Second, "for request "+id, func(r logRecord) bool {
			return r["msg"] == "request" && r["request_id"] == id
		})
		latency, isNumber := rec["latency_ms"].(float64)
		if rec["method"] != tt.method || rec["path"] != path || rec["status"] != float64(tt.status) ||
			!isNumber || latency < 0 || rec["level"] != "INFO" || rec["time"] == nil {
			t.Errorf("log record of %s %s: %v; want method, path %q, status %d, latency_ms", tt.method, tt.path, rec, path, tt.status)
		}
	}
	s.stop()
	logs := s.Logs.String()
	for _, never := range []string{bodyMarker, queryMarker, secret, b64(secret), token} {
		if strings.Contains(logs, never) {
			t.Errorf("the server log holds %q:\n%s", never, logs)
		}
	}
	n := 0
	for _, r := range s.Logs.records(t) {
		if r["msg"] == "request" && strings.HasPrefix(r["path"].(string), "/api/") {
			n++
		}
	}
	if n != len(tests) {
		t.Errorf("%d request records for /api/, want one per request (%d)", n, len(tests))
	}
}
