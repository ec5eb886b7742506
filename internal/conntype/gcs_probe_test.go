package conntype_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/tether-ml/tether"
)

// gcsTestEmail is the service account of the test keys.
const gcsTestEmail = "prober@tether-test.iam.gserviceaccount.com"

// gcsTokenServer is an OAuth token endpoint of a test: it accepts a JWT
// bearer assertion only if signed by the service account's key, for the
// account, for itself as audience, and then issues token.
type gcsTokenServer struct {
	*httptest.Server
	pub   *rsa.PublicKey
	token string
}

func newGCSTokenServer(t *testing.T, pub *rsa.PublicKey) *gcsTokenServer {
	t.Helper()
	ts := &gcsTokenServer{pub: pub, token: "ya29.test-" + randomHex(t, 16)}
	ts.Server = httptest.NewServer(http.HandlerFunc(ts.serve))
	t.Cleanup(ts.Close)
	return ts
}

func (ts *gcsTokenServer) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if err := ts.verify(r); err != "" {
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": "invalid_grant", "error_description": err})
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"access_token": ts.token, "token_type": "Bearer", "expires_in": 3600})
}

// verify returns why the request's assertion is refused, or "".
func (ts *gcsTokenServer) verify(r *http.Request) string {
	if r.Method != http.MethodPost || r.PostFormValue("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" {
		return "not a JWT bearer grant"
	}
	tok, err := jwt.ParseSigned(r.PostFormValue("assertion"), []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return "malformed assertion"
	}
	var claims jwt.Claims
	var scope struct {
		Scope string `json:"scope"`
	}
	if err := tok.Claims(ts.pub, &claims, &scope); err != nil {
		return "bad signature"
	}
	err = claims.ValidateWithLeeway(jwt.Expected{Issuer: gcsTestEmail, AnyAudience: jwt.Audience{ts.URL + "/token"}, Time: time.Now()}, time.Minute)
	if err != nil || scope.Scope != "https://www.googleapis.com/auth/devstorage.read_only" {
		return "wrong claims"
	}
	return ""
}

// gcsProxy is a reverse proxy in front of fake-gcs-server, which checks no
// token: it refuses every request without the token server's token, and
// records the Authorization headers it saw.
type gcsProxy struct {
	*httptest.Server
	mu   sync.Mutex
	seen []string
}

func newGCSProxy(t *testing.T, target, token string) *gcsProxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &gcsProxy{}
	rp := httputil.NewSingleHostReverseProxy(u)
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.seen = append(p.seen, r.Header.Get("Authorization"))
		p.mu.Unlock()
		if r.Header.Get("Authorization") != "Bearer "+token {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error":{"code":401,"errors":[{"reason":"required"}]}}`))
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(p.Close)
	return p
}

func (p *gcsProxy) authorizations() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.seen...)
}

// gcsKey returns a service-account key JSON for gcsTestEmail with the
// private key priv and the given token_uri, and the key's PEM.
func gcsKey(t *testing.T, priv *rsa.PrivateKey, tokenURI string) (keyJSON, keyPEM string) {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM = string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	data, err := json.Marshal(map[string]string{
		"type": "service_account", "project_id": "tether-test", "private_key_id": randomHex(t, 20),
		"private_key": keyPEM, "client_email": gcsTestEmail, "client_id": "1234567890",
		"token_uri": tokenURI,
	})
	if err != nil {
		t.Fatal(err)
	}
	return string(data), keyPEM
}

func newRSAKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func randomHex(t testing.TB, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// emptyTokenServer returns the URL of a token endpoint that answers 200
// with no access token.
func emptyTokenServer(t *testing.T) string {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"token_type":"Bearer","expires_in":3600}`))
	}))
	t.Cleanup(s.Close)
	return s.URL
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// newGCSBucket creates a bucket on fake-gcs-server and returns its name.
func newGCSBucket(t *testing.T, endpoint string) string {
	t.Helper()
	name := "tether-" + randomHex(t, 6)
	body, _ := json.Marshal(map[string]string{"name": name})
	resp, err := http.Post(endpoint+"/storage/v1/b?project=tether-test", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("creating bucket %s: HTTP %d", name, resp.StatusCode)
	}
	return name
}

// TestGCSProbe reads a bucket's metadata on fake-gcs-server with a token
// that the test's token endpoint issued only for a JWT signed with the
// service-account key; the proxy in front of fake-gcs-server refuses any
// other.
func TestGCSProbe(t *testing.T) {
	emulator := gcsService.endpoint(t)
	bucket := newGCSBucket(t, emulator)
	priv := newRSAKey(t)
	tokens := newGCSTokenServer(t, &priv.PublicKey)
	proxy := newGCSProxy(t, emulator, tokens.token)
	keyJSON, keyPEM := gcsKey(t, priv, tokens.URL+"/token")
	otherJSON, otherPEM := gcsKey(t, newRSAKey(t), tokens.URL+"/token")
	closedJSON, _ := gcsKey(t, priv, "http://"+closedPort(t)+"/token")
	stalledJSON, _ := gcsKey(t, priv, "http://"+stalledAddr(t)+"/token")
	emptyJSON, _ := gcsKey(t, priv, emptyTokenServer(t)+"/token")
	var nonRSA map[string]string
	if err := json.Unmarshal([]byte(keyJSON), &nonRSA); err != nil {
		t.Fatal(err)
	}
	nonRSA["private_key"] = newTestCA(t).keyPEM // ed25519
	nonRSAJSON := mustJSON(t, nonRSA)
	conn := func(key, uri, endpoint string) *tether.Connection {
		c := validConn(t, "gcs")
		c.Spec.URI, c.Spec.KeySecret = uri, tether.Secret(b64(key))
		c.Spec.Parameters = tether.Params{"endpoint": endpoint}
		return c
	}
	gs := "gs://" + bucket + "/models"
	runProbeCases(t, []probeCase{
		{name: "working", conn: conn(keyJSON, gs, proxy.URL), msg: "read the metadata of bucket gs://" + bucket},
		{name: "gcs scheme", conn: conn(keyJSON, "gcs://"+bucket, proxy.URL), msg: "bucket gs://" + bucket},
		{name: "wrong key", conn: conn(otherJSON, gs, proxy.URL),
			code: tether.EUNAUTHORIZED, msg: "refused the service-account key (invalid_grant)"},
		{name: "missing bucket", conn: conn(keyJSON, "gs://"+bucket+"-gone", proxy.URL),
			code: tether.ENOTFOUND, msg: "bucket " + bucket + "-gone does not exist (HTTP 404"},
		{name: "token not the issued one", conn: conn(keyJSON, gs, newGCSProxy(t, emulator, "ya29.other").URL),
			code: tether.EUNAUTHORIZED, msg: "the storage API refused the token for bucket " + bucket + " (HTTP 401, required)"},
		{name: "storage closed port", conn: conn(keyJSON, gs, "http://"+closedPort(t)),
			code: tether.EUNAVAILABLE, msg: "connection refused"},
		{name: "token endpoint closed port", conn: conn(closedJSON, gs, proxy.URL),
			code: tether.EUNAVAILABLE, msg: "connection refused"},
		{name: "stalled token endpoint", conn: conn(stalledJSON, gs, proxy.URL),
			timeout: time.Second, code: tether.EUNAVAILABLE, msg: "timed out"},
		{name: "stalled storage", conn: conn(keyJSON, gs, "http://"+stalledAddr(t)),
			timeout: time.Second, code: tether.EUNAVAILABLE, msg: "timed out"},
		{name: "refused address", conn: conn(keyJSON, gs, proxy.URL), env: refusingProbeEnv(),
			code: tether.EFORBIDDEN, msg: "is not allowed"},
		{name: "through the egress policy", conn: conn(keyJSON, gs, proxy.URL), env: egressProbeEnv(loopback),
			msg: "read the metadata of bucket gs://" + bucket},
		{name: "egress policy refuses loopback", conn: conn(keyJSON, gs, proxy.URL), env: egressProbeEnv(),
			code: tether.EFORBIDDEN, msg: "127.0.0.1"},
		{name: "key without private key", conn: conn(serviceAccountJSON, gs, proxy.URL),
			code: tether.EINVALID, msg: "usable private_key"},
		{name: "key not RSA", conn: conn(nonRSAJSON, gs, proxy.URL),
			code: tether.EINVALID, msg: "usable private_key"},
		{name: "token endpoint answers no token", conn: conn(emptyJSON, gs, proxy.URL),
			code: tether.EUNAVAILABLE, msg: "gave no usable token"},
	}, keyPEM[40:120], otherPEM[40:120], b64(keyJSON), tokens.token, "assertion")
	seen := proxy.authorizations()
	if len(seen) == 0 {
		t.Fatal("no request reached the storage API")
	}
	for _, h := range seen {
		if h != "Bearer "+tokens.token {
			t.Errorf("the storage API got Authorization %q, want the token minted from the key", h)
		}
	}
}
