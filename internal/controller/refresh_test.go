package controller_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/api/v1alpha1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// tokenLifetime is the lifetime of the fake ECR's tokens: the controller
// refreshes a token when a third of it remains.
const tokenLifetime = 40 * time.Second

// fakeECR serves ECR's GetAuthorizationToken (the JSON 1.1 protocol) on a
// local port, handing out AWS:token-N tokens that expire after
// tokenLifetime. It checks the operation, not the signature.
func fakeECR(t *testing.T) *httptest.Server {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		if r.Header.Get("X-Amz-Target") != "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken" {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"__type":"UnknownOperationException"}`)
			return
		}
		token := base64.StdEncoding.EncodeToString(fmt.Appendf(nil, "AWS:token-%d", n.Add(1)))
		fmt.Fprintf(w, `{"authorizationData":[{"authorizationToken":%q,"expiresAt":%d}]}`,
			token, time.Now().Add(tokenLifetime).Unix())
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestConnectionSyncRefreshesECRToken: a ConnectionSync of an ecr
// connection gets a dockerconfigjson Secret with a registry token, never
// the keys, and the controller writes a new token into it well before the
// first expires, although the resync is an hour and the connection does
// not change.
func TestConnectionSyncRefreshesECRToken(t *testing.T) {
	h := newHarness(t, time.Hour)
	b64 := base64.StdEncoding.EncodeToString
	c := &tether.Connection{ID: "registry", Spec: tether.ConnectionSpec{Type: "ecr",
		URI:   "123456789012.dkr.ecr.eu-central-1.amazonaws.com/team",
		KeyID: tether.Secret(b64([]byte("AKIAEXAMPLE"))), KeySecret: tether.Secret(b64([]byte("ecr-stored-secret"))),
		Parameters: tether.Params{"endpoint": fakeECR(t).URL}}}
	if _, err := h.admin.Create(t.Context(), "", c); err != nil {
		t.Fatal(err)
	}
	h.bind(h.ns, "default", tether.RoleUser)
	start := time.Now()
	h.createSync(newSync("registry", "registry", v1alpha1.DeletionPolicyDelete))
	h.waitReason("registry", v1alpha1.ReasonSynced, converge)
	first := h.waitToken("registry", "", converge)
	expires := start.Add(tokenLifetime)
	firstExpiry := h.waitExpiryGauge("registry", func(at float64) bool { return at > 0 })
	if at := time.Unix(int64(firstExpiry), 0); at.Before(start.Add(tokenLifetime-2*time.Second)) || at.After(time.Now().Add(tokenLifetime+time.Second)) {
		t.Errorf("expiry gauge %v, want the first token's expiry, about %v", at, expires)
	}
	second := h.waitToken("registry", first, tokenLifetime)
	h.waitExpiryGauge("registry", func(at float64) bool { return at > firstExpiry })
	refreshed := time.Since(start)
	t.Logf("token %s replaced by %s %v after the sync was created (lifetime %v)", first, second, refreshed, tokenLifetime)
	if time.Now().After(expires.Add(-5 * time.Second)) {
		t.Errorf("the token was refreshed %v after the sync was created, less than 5s before it expired (%v)", refreshed, tokenLifetime)
	}
	h.checkEvents("registry", v1alpha1.ReasonSynced)
	h.deleteAndWait(&v1alpha1.ConnectionSync{ObjectMeta: metav1.ObjectMeta{Namespace: h.ns, Name: "registry"}})
	h.waitExpiryGauge("registry", func(at float64) bool { return at == 0 })
}

// waitExpiryGauge waits until the controller's expiry gauge of
// ConnectionSync name (0 when it has no series) satisfies ok, and returns
// it.
func (h *harness) waitExpiryGauge(name string, ok func(at float64) bool) float64 {
	h.t.Helper()
	var at float64
	waitFor(h.t, 30*time.Second, "the expiry gauge of "+name, func() (bool, string) {
		at = expiryGauge(h.t, h.ns, name)
		return ok(at), fmt.Sprintf("it is %v", at)
	})
	return at
}

// expiryGauge reads tether_sync_credential_expiry_timestamp_seconds of
// ConnectionSync namespace/name from the controller's registry; 0 if it
// has no series.
func expiryGauge(t *testing.T, namespace, name string) float64 {
	t.Helper()
	mfs, err := metrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"kind": "ConnectionSync", "namespace": namespace, "name": name}
	for _, mf := range mfs {
		if mf.GetName() != "tether_sync_credential_expiry_timestamp_seconds" {
			continue
		}
		for _, m := range mf.GetMetric() {
			got := map[string]string{}
			for _, l := range m.GetLabel() {
				got[l.GetName()] = l.GetValue()
			}
			if maps.Equal(got, want) {
				return m.GetGauge().GetValue()
			}
		}
	}
	return 0
}

// waitToken waits until the dockerconfigjson Secret name holds a token
// other than not, and returns it. It fails if the Secret holds the keys.
func (h *harness) waitToken(name, not string, timeout time.Duration) string {
	h.t.Helper()
	var token string
	waitFor(h.t, timeout, "Secret "+name+" to hold a token other than "+not, func() (bool, string) {
		s := h.secret(h.ns, name)
		if s == nil {
			return false, "no Secret"
		}
		if s.Type != "kubernetes.io/dockerconfigjson" || strings.Contains(string(s.Data[".dockerconfigjson"]), "ecr-stored-secret") {
			h.t.Fatalf("Secret %s of type %s: want a dockerconfigjson without the keys", name, s.Type)
		}
		var cfg struct {
			Auths map[string]struct{ Auth string } `json:"auths"`
		}
		if err := json.Unmarshal(s.Data[".dockerconfigjson"], &cfg); err != nil {
			return false, err.Error()
		}
		login, _ := base64.StdEncoding.DecodeString(cfg.Auths["123456789012.dkr.ecr.eu-central-1.amazonaws.com"].Auth)
		token = strings.TrimPrefix(string(login), "AWS:")
		return token != "" && token != not, "it holds " + token
	})
	return token
}
