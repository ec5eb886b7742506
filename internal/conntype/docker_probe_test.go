package conntype_test

import (
	"encoding/pem"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/tether-ml/tether"
)

// TestDockerProbe authenticates to the test registry (htpasswd, basic) and
// lists the tags of a repository it holds.
func TestDockerProbe(t *testing.T) {
	var f registryFixtures
	registryService.fixtures(t, &f)
	ref := testTag(t, f, "probe")
	auth := remote.WithAuth(&authn.Basic{Username: f.Username, Password: f.Password})
	if err := remote.Write(ref, randomImage(t), auth, remote.WithContext(testContext(t))); err != nil {
		t.Fatalf("pushing %s: %v", ref, err)
	}
	conn := func(uri, password string) *tether.Connection {
		c := registryConn(f, password)
		c.Spec.URI = uri
		return c
	}
	repo := f.Host + "/tether/test"
	wrong := f.Password + "x"
	runProbeCases(t, []probeCase{
		{name: "working", conn: conn(repo, f.Password), msg: "listed the tags of " + repo},
		{name: "registry only", conn: conn(f.Host, f.Password), msg: "authenticated to " + f.Host},
		{name: "wrong password", conn: conn(repo, wrong), code: tether.EUNAUTHORIZED, msg: "refused the credential (401"},
		{name: "wrong password, registry only", conn: conn(f.Host, wrong), code: tether.EUNAUTHORIZED,
			msg: "refused the credential (401"},
		{name: "wrong username", conn: func() *tether.Connection {
			c := conn(repo, f.Password)
			c.Spec.Username = "nobody"
			return c
		}(), code: tether.EUNAUTHORIZED, msg: "refused the credential"},
		{name: "missing repository", conn: conn(f.Host+"/tether/absent", f.Password), code: tether.ENOTFOUND,
			msg: "repository tether/absent does not exist"},
		{name: "unreachable port", conn: conn(closedPort(t)+"/tether/test", f.Password), code: tether.EUNAVAILABLE,
			msg: "connection refused"},
		{name: "stalled registry", conn: conn(stalledAddr(t)+"/tether/test", f.Password), timeout: time.Second,
			code: tether.EUNAVAILABLE, msg: "timed out"},
		{name: "refused address", conn: conn(repo, f.Password), env: refusingProbeEnv(), code: tether.EFORBIDDEN,
			msg: "is not allowed"},
	}, f.Password, wrong, b64(f.Password), b64(f.Username+":"+f.Password), b64(f.Username+":"+wrong))
}

// TestDockerProbeNoPlainHTTPRedirect checks that the credential of an
// https registry is never sent in clear text: a registry that redirects
// the authenticated request to plain HTTP on its own host name (where Go's
// client would forward the Authorization header) gets a refusal, and the
// plain-HTTP server no request.
func TestDockerProbeNoPlainHTTPRedirect(t *testing.T) {
	var plainHits atomic.Int32
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		plainHits.Add(1)
		http.Error(w, "no", http.StatusNotFound)
	}))
	defer plain.Close()
	_, plainPort, _ := net.SplitHostPort(plain.Listener.Addr().String())
	registry := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "" {
			w.Header().Set("WWW-Authenticate", `Basic realm="registry"`)
			http.Error(w, "authenticate", http.StatusUnauthorized)
			return
		}
		http.Redirect(w, r, "http://example.com:"+plainPort+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer registry.Close()
	_, port, _ := net.SplitHostPort(registry.Listener.Addr().String())
	host := "example.com:" + port // a name httptest's certificate holds, and not a local one
	env := portEnv(t, map[string]string{host: registry.Listener.Addr().String(),
		"example.com:" + plainPort: plain.Listener.Addr().String()})
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: registry.Certificate().Raw})
	const password = "redirect-secret"
	conn := func(uri string) *tether.Connection {
		return &tether.Connection{Kind: tether.Kind, ID: "registry", Spec: tether.ConnectionSpec{
			Type: "docker", URI: uri, Username: "u", Password: tether.Secret(b64(password)),
			Parameters: tether.Params{"caBundle": b64(string(ca))},
		}}
	}
	runProbeCases(t, []probeCase{
		{name: "tag list", conn: conn(host + "/tether/test"), env: env, code: tether.EFORBIDDEN, msg: "in plain http"},
		// The authentication alone follows no redirect.
		{name: "registry only", conn: conn(host), env: env, code: tether.EUNAVAILABLE, msg: "answered 307"},
	}, password, b64(password), b64("u:"+password))
	if n := plainHits.Load(); n != 0 {
		t.Errorf("the plain-HTTP server got %d requests", n)
	}
}
