package controller_test

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// apiCounter is an HTTP proxy to the API server, with kubeconfig's
// credentials, that counts the write requests one client sends through
// it, per resource ("secrets", "connectionsyncs/status"...): exactly that
// client's writes, while other tests write to the same API server.
type apiCounter struct {
	mu     sync.Mutex
	writes map[string]int
	// Kubeconfig is a kubeconfig of the proxy, for the client to count.
	Kubeconfig string
}

// newAPICounter starts an apiCounter in front of kubeconfig's API server.
func newAPICounter(t testing.TB, kubeconfig string) *apiCounter {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	rt, err := rest.TransportFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	target, err := url.Parse(cfg.Host)
	if err != nil {
		t.Fatal(err)
	}
	c := &apiCounter{writes: map[string]int{}}
	proxy := &httputil.ReverseProxy{Transport: rt, FlushInterval: -1,
		Rewrite: func(r *httputil.ProxyRequest) { r.SetURL(target) }}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			c.mu.Lock()
			c.writes[resourceOf(r.URL.Path)]++
			c.mu.Unlock()
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	kc := clientcmdapi.NewConfig()
	kc.Clusters["proxy"] = &clientcmdapi.Cluster{Server: srv.URL}
	kc.AuthInfos["proxy"] = &clientcmdapi.AuthInfo{}
	kc.Contexts["proxy"] = &clientcmdapi.Context{Cluster: "proxy", AuthInfo: "proxy"}
	kc.CurrentContext = "proxy"
	c.Kubeconfig = filepath.Join(t.TempDir(), "proxy.kubeconfig")
	if err := clientcmd.WriteToFile(*kc, c.Kubeconfig); err != nil {
		t.Fatal(err)
	}
	return c
}

// Writes returns the writes counted so far, per resource, leaving out
// the resources in except.
func (c *apiCounter) Writes(except ...string) map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]int{}
	for r, n := range c.writes {
		out[r] = n
	}
	for _, r := range except {
		delete(out, r)
	}
	return out
}

// snapshot returns the writes counted so far, per resource, as apiWrites
// and writesSince count them.
func (c *apiCounter) snapshot() map[string]float64 {
	out := map[string]float64{}
	for r, n := range c.Writes() {
		out[r] = float64(n)
	}
	return out
}

// resourceOf is the resource (and "/subresource") of an API path:
// /api/v1/namespaces/ns/secrets/name -> secrets,
// /apis/g/v/namespaces/ns/connectionsyncs/name/status ->
// connectionsyncs/status, /api/v1/namespaces/ns -> namespaces.
func resourceOf(path string) string {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case len(segs) >= 2 && segs[0] == "api":
		segs = segs[2:]
	case len(segs) >= 3 && segs[0] == "apis":
		segs = segs[3:]
	default:
		return path
	}
	if len(segs) >= 3 && segs[0] == "namespaces" {
		segs = segs[2:]
	}
	if len(segs) == 0 {
		return path
	}
	if len(segs) >= 3 {
		return segs[0] + "/" + segs[2]
	}
	return segs[0]
}
