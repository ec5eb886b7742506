package controller_test

import (
	"maps"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"k8s.io/client-go/rest"
)

// writeProxy stands between one controller and the API server and counts
// the controller's write requests per resource: the API server's own
// counts (apiWrites) are of every client, and the test API server is
// shared. It adds the admin's credentials, so the controller's kubeconfig
// holds none.
type writeProxy struct {
	mu     sync.Mutex
	writes map[string]float64
	// Kubeconfig is a kubeconfig of the proxy, for the controller.
	Kubeconfig string
}

// newWriteProxy starts a proxy of the API server of admin until the end
// of b.
func newWriteProxy(b *testing.B, admin *rest.Config) *writeProxy {
	b.Helper()
	target, err := url.Parse(admin.Host)
	if err != nil {
		b.Fatal(err)
	}
	rt, err := rest.TransportFor(admin)
	if err != nil {
		b.Fatal(err)
	}
	p := &writeProxy{writes: map[string]float64{}}
	rp := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) { r.SetURL(target) }, Transport: rt,
		FlushInterval: -1}
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			p.count(resourceOf(r.URL.Path))
		}
		rp.ServeHTTP(rw, r)
	}))
	b.Cleanup(srv.Close)
	p.Kubeconfig = filepath.Join(b.TempDir(), "kubeconfig")
	kc := "apiVersion: v1\nkind: Config\nclusters:\n- name: proxy\n  cluster: {server: \"" + srv.URL + "\"}\n" +
		"users:\n- name: none\n  user: {}\ncontexts:\n- name: proxy\n  context: {cluster: proxy, user: none}\ncurrent-context: proxy\n"
	if err := os.WriteFile(p.Kubeconfig, []byte(kc), 0o600); err != nil {
		b.Fatal(err)
	}
	return p
}

func (p *writeProxy) count(resource string) {
	p.mu.Lock()
	p.writes[resource]++
	p.mu.Unlock()
}

// snapshot returns the writes counted so far, per resource.
func (p *writeProxy) snapshot() map[string]float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return maps.Clone(p.writes)
}

// resourceOf is the resource (with "/subresource") of an API path:
// /api/v1/namespaces/ns/secrets/name is "secrets",
// /apis/tether.ml/v1alpha1/namespaces/ns/connectionsyncs/name/status is
// "connectionsyncs/status".
func resourceOf(path string) string {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case len(parts) >= 2 && parts[0] == "api":
		parts = parts[2:]
	case len(parts) >= 3 && parts[0] == "apis":
		parts = parts[3:]
	default:
		return path
	}
	if len(parts) > 2 && parts[0] == "namespaces" {
		parts = parts[2:]
	}
	switch len(parts) {
	case 0:
		return path
	case 1, 2:
		return parts[0]
	}
	return parts[0] + "/" + parts[2]
}
