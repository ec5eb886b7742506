package kube_test

import (
	"context"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	authnv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/kube"
)

// testIssuer is the --service-account-issuer of scripts/testenv/kube.sh.
const testIssuer = "https://kubernetes.default.svc"

// reviewer returns a TokenReviewer for audience "tether" using cfg.
func reviewer(t *testing.T, cfg *rest.Config, opts ...kube.Option) *kube.TokenReviewer {
	t.Helper()
	r, err := kube.NewTokenReviewer(cfg, kube.DefaultAudience, opts...)
	if err != nil {
		t.Fatalf("NewTokenReviewer: %v", err)
	}
	return r
}

// wantError checks that err has the code want and does not quote token.
func wantError(t *testing.T, err error, want, token string) {
	t.Helper()
	if got := tether.ErrorCode(err); got != want {
		t.Fatalf("error code %q (%v), want %q", got, err, want)
	}
	sig := token[strings.LastIndex(token, ".")+1:]
	if token != "" && (strings.Contains(err.Error(), token) || strings.Contains(err.Error(), sig)) {
		t.Fatalf("the error quotes the token: %v", err)
	}
}

func TestTokenReviewerAcceptsServiceAccountTokens(t *testing.T) {
	c := newCluster(t)
	r := reviewer(t, c.reviewerConfig(t), kube.WithCache(0, 0))
	sa := c.serviceAccount(t, "trainer")
	for _, auds := range [][]string{{"tether"}, {"other", "tether"}} {
		id, err := r.Authenticate(t.Context(), c.token(t, "trainer", auds, nil))
		if err != nil {
			t.Fatalf("audiences %v: %v", auds, err)
		}
		want := &tether.Identity{
			Subject: "serviceaccount:" + c.ns + ":trainer",
			Groups: []string{"group:system:serviceaccounts", "group:system:serviceaccounts:" + c.ns,
				"group:system:authenticated"},
			Method: tether.MethodKubernetes,
		}
		ignoreID := cmpopts.IgnoreFields(tether.Identity{}, "TokenID")
		if d := cmp.Diff(want, id, ignoreID, cmpopts.SortSlices(strings.Compare)); d != "" {
			t.Errorf("audiences %v: identity (-want +got):\n%s", auds, d)
		}
		// The API server names the token by its JTI; never the token.
		if !strings.HasPrefix(id.TokenID, "k8s:JTI=") || strings.Contains(id.TokenID, string(sa.UID)) {
			t.Errorf("TokenID = %q, want k8s:JTI=...", id.TokenID)
		}
	}
}

func TestTokenReviewerRejectsBadTokens(t *testing.T) {
	c := newCluster(t)
	r := reviewer(t, c.reviewerConfig(t), kube.WithCache(0, 0))
	key := signingKey(t, c.kubeconfig)
	c.serviceAccount(t, "trainer")
	good := c.token(t, "trainer", []string{"tether"}, nil)
	shift := func(d time.Duration) func(map[string]any) {
		return func(m map[string]any) {
			for _, k := range []string{"exp", "iat", "nbf"} {
				m[k] = m[k].(float64) + d.Seconds()
			}
		}
	}
	// Control: the same claims signed again with the server's key pass,
	// so what fails below fails for the one thing changed.
	if key != nil {
		if _, err := r.Authenticate(t.Context(), editClaims(t, good, key, func(map[string]any) {})); err != nil {
			t.Fatalf("the token signed again: %v", err)
		}
	}
	resigned := func(d time.Duration) string {
		if key == nil {
			return "" // skipped below
		}
		return editClaims(t, good, key, shift(d))
	}
	cases := []struct{ name, token, cause string }{
		{"wrong audience", c.token(t, "trainer", []string{"other"}, nil), "audience"},
		{"signature tampered", flipSignature(good), ""},
		{"claims tampered", editClaims(t, good, nil, func(m map[string]any) {
			m["sub"] = "system:serviceaccount:kube-system:default"
		}), ""},
		// Expired an hour ago: validly signed by the server's own key,
		// with the claims of a real token moved back in time, because
		// TokenRequest will not issue tokens shorter than 10 minutes.
		{"expired", resigned(-time.Hour - 600*time.Second), "expired"},
		{"issued in the future", resigned(time.Hour), "not valid yet"},
		{"for the API server", c.token(t, "trainer", nil, nil), ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.token == "" {
				t.Skip("needs the API server's signing key")
			}
			_, err := r.Authenticate(t.Context(), tc.token)
			wantError(t, err, tether.EUNAUTHORIZED, tc.token)
			t.Log(err)
			if !strings.Contains(err.Error(), tc.cause) {
				t.Errorf("the logged cause %q does not mention %q", err, tc.cause)
			}
		})
	}
}

// TestTokenReviewerRevokedTokens checks tokens whose service account, or
// bound object, was deleted after they were issued: the API server stops
// accepting them (within its informers' delay, hence the polling).
func TestTokenReviewerRevokedTokens(t *testing.T) {
	c := newCluster(t)
	r := reviewer(t, c.reviewerConfig(t), kube.WithCache(0, 0))
	sas := c.cs.CoreV1().ServiceAccounts(c.ns)
	secrets := c.cs.CoreV1().Secrets(c.ns)

	c.serviceAccount(t, "doomed")
	saToken := c.token(t, "doomed", []string{"tether"}, nil)
	c.serviceAccount(t, "bound")
	secret, err := secrets.Create(t.Context(), &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "anchor"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	boundToken := c.token(t, "bound", []string{"tether"}, &authnv1.BoundObjectReference{
		Kind: "Secret", APIVersion: "v1", Name: secret.Name, UID: secret.UID})
	if _, err := r.Authenticate(t.Context(), boundToken); err != nil {
		t.Fatalf("bound token before its secret is deleted: %v", err)
	}
	if err := sas.Delete(t.Context(), "doomed", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := secrets.Delete(t.Context(), secret.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	for name, token := range map[string]string{"service account deleted": saToken, "bound secret deleted": boundToken} {
		var err error
		eventually(t, 30*time.Second, func() bool {
			_, err = r.Authenticate(t.Context(), token)
			return err != nil
		})
		wantError(t, err, tether.EUNAUTHORIZED, token)
		t.Logf("%s: %v", name, err)
	}
}

func TestTokenReviewerNotMine(t *testing.T) {
	c := newCluster(t)
	var calls atomic.Int64
	r := reviewer(t, countRequests(c.reviewerConfig(t), &calls))
	other := reviewer(t, c.admin, kube.WithIssuers("https://issuer.example"))
	c.serviceAccount(t, "trainer")
	good := c.token(t, "trainer", []string{"tether"}, nil)
	cases := map[string]string{
		"empty":           "",
		"tether API":      "tether_0123456789abcdef",
		"opaque":          "0123456789abcdef0123456789abcdef",
		"three dots":      "a.b.c",
		"unsigned":        "eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0.x",
		"too long":        good + strings.Repeat("A", 16<<10),
		"not base64 body": "eyJhbGciOiJSUzI1NiJ9.!!!.c2ln",
	}
	for name, token := range cases {
		if _, err := r.Authenticate(t.Context(), token); err != tether.ErrNotMine {
			t.Errorf("%s: %v, want ErrNotMine", name, err)
		}
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("%d requests to the API server for tokens that are not JWTs", n)
	}
	if _, err := other.Authenticate(t.Context(), good); err != tether.ErrNotMine {
		t.Errorf("a token of another issuer: %v, want ErrNotMine", err)
	}
	mine := reviewer(t, c.admin, kube.WithIssuers("https://issuer.example", testIssuer))
	if _, err := mine.Authenticate(t.Context(), good); err != nil {
		t.Errorf("a token of a configured issuer: %v", err)
	}
}

func TestTokenReviewerUnavailable(t *testing.T) {
	c := newCluster(t)
	c.serviceAccount(t, "trainer")
	good := c.token(t, "trainer", []string{"tether"}, nil)

	// Nothing listens on a port just released.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := rest.CopyConfig(c.admin)
	down.Host = "https://" + l.Addr().String()
	l.Close()
	_, err = reviewer(t, down).Authenticate(t.Context(), good)
	wantError(t, err, tether.EUNAVAILABLE, good)
	t.Log(err)

	// Tether's own account may not review tokens: not the caller's fault.
	c.serviceAccount(t, "unprivileged")
	_, err = reviewer(t, c.configFor(t, "unprivileged")).Authenticate(t.Context(), good)
	wantError(t, err, tether.EUNAVAILABLE, good)
	t.Log(err)
	if msg := tether.ErrorMessage(err); !strings.Contains(msg, "create tokenreviews") {
		t.Errorf("message %q does not say what is missing", msg)
	}

	// A caller that gives up gets an error, not a hang.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err = reviewer(t, c.admin).Authenticate(ctx, good); err == nil {
		t.Error("a cancelled review succeeded")
	}
}

// TestTokenReviewerCache counts the reviews sent for repeated tokens.
func TestTokenReviewerCache(t *testing.T) {
	c := newCluster(t)
	cfg := c.reviewerConfig(t)
	c.serviceAccount(t, "trainer")
	good := c.token(t, "trainer", []string{"tether"}, nil)
	bad := c.token(t, "trainer", []string{"other"}, nil)
	cases := []struct {
		name      string
		opts      []kube.Option
		token     string
		wantCalls int64
	}{
		{"cached", nil, good, 1},
		{"off", []kube.Option{kube.WithCache(0, 0)}, good, 5},
		{"failures not cached", nil, bad, 5},
	}
	for _, tc := range cases {
		var calls atomic.Int64
		r := reviewer(t, countRequests(cfg, &calls), tc.opts...)
		for range 5 {
			id, err := r.Authenticate(t.Context(), tc.token)
			if (err != nil) != (tc.token == bad) {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if id == nil {
				continue
			}
			if id.Subject != "serviceaccount:"+c.ns+":trainer" || id.Groups[0] == "changed" {
				t.Fatalf("%s: identity %+v", tc.name, id)
			}
			id.Groups[0] = "changed" // must not change what the cache holds
		}
		if n := calls.Load(); n != tc.wantCalls {
			t.Errorf("%s: %d reviews, want %d", tc.name, n, tc.wantCalls)
		}
	}
}

func TestNewTokenReviewerErrors(t *testing.T) {
	path := kubeconfigPath(t)
	if _, err := kube.NewTokenReviewerFromKubeconfig(path, kube.DefaultAudience); err != nil {
		t.Errorf("from the test kubeconfig: %v", err)
	}
	for name, err := range map[string]error{
		"no kubeconfig":      second(kube.NewTokenReviewerFromKubeconfig("", "tether")),
		"missing kubeconfig": second(kube.NewTokenReviewerFromKubeconfig(t.TempDir()+"/none", "tether")),
		"no audience":        second(kube.NewTokenReviewerFromKubeconfig(path, "")),
		"no config":          second(kube.NewTokenReviewer(nil, "tether")),
	} {
		if tether.ErrorCode(err) != tether.EINVALID {
			t.Errorf("%s: %v, want EINVALID", name, err)
		}
	}
	if !kube.InCluster(os.Getenv) {
		if _, err := kube.NewInClusterTokenReviewer("tether"); tether.ErrorCode(err) != tether.EINVALID {
			t.Errorf("in-cluster outside a pod: %v, want EINVALID", err)
		}
	}
}

func TestInCluster(t *testing.T) {
	pod := map[string]string{"KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"}
	if !kube.InCluster(func(k string) string { return pod[k] }) {
		t.Error("a pod's environment is not in-cluster")
	}
	if kube.InCluster(func(k string) string { return "" }) {
		t.Error("an empty environment is in-cluster")
	}
}

func second[T any](_ T, err error) error { return err }

var _ tether.Authenticator = (*kube.TokenReviewer)(nil)

// TestTokenReviewerServiceAccountNamedAdmin: on a real API server, a
// service account named admin is that service account, never a user and
// never one of Tether's built-in identities.
func TestTokenReviewerServiceAccountNamedAdmin(t *testing.T) {
	c := newCluster(t)
	r := reviewer(t, c.reviewerConfig(t), kube.WithCache(0, 0))
	c.serviceAccount(t, "admin")
	id, err := r.Authenticate(t.Context(), c.token(t, "admin", []string{"tether"}, nil))
	if err != nil {
		t.Fatal(err)
	}
	if id.Subject != "serviceaccount:"+c.ns+":admin" || tether.IsBuiltinSubject(id.Subject) ||
		id.Subject == tether.LegacyBootstrapSubject {
		t.Errorf("service account admin authenticated as %q", id.Subject)
	}
}
