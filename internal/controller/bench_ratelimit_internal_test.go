package controller

import (
	"os"
	"path/filepath"
	"testing"
)

// TestRestConfigDoesNotThrottle: the controller's client of the API server
// has no client-side rate limit unless the kubeconfig sets one; client-go's
// default (5 requests a second) would cap the delivery of thousands of
// syncs at minutes.
func TestRestConfigDoesNotThrottle(t *testing.T) {
	kc := filepath.Join(t.TempDir(), "kubeconfig")
	raw := []byte(`apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "https://127.0.0.1:6443"}
users:
- name: u
  user: {token: "x"}
contexts:
- name: c
  context: {cluster: c, user: u}
current-context: c
`)
	if err := os.WriteFile(kc, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := restConfig(kc)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.QPS >= 0 || cfg.RateLimiter != nil {
		t.Errorf("the client's QPS is %v (rate limiter %v), want a negative QPS: no client-side limit", cfg.QPS, cfg.RateLimiter)
	}
}
