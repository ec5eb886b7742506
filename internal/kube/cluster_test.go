package kube_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"os"
	"sync/atomic"
	"testing"
	"time"

	authnv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// missingKube explains how to give the tests an API server.
const missingKube = "TETHER_TEST_KUBECONFIG is not set: run ./scripts/test.sh, which starts a Kubernetes " +
	"API server, or start one with `./scripts/testenv/kube.sh start` and export the kubeconfig path it " +
	"prints (TETHER_TEST_SKIP_KUBE=1 skips these tests)"

// kubeconfigPath returns the admin kubeconfig of the test API server, or
// skips t if the tests are to be skipped. A missing server fails the test:
// a suite skipped in CI would hide a missing install.
func kubeconfigPath(t testing.TB) string {
	t.Helper()
	if os.Getenv("TETHER_TEST_SKIP_KUBE") == "1" {
		t.Skip("TETHER_TEST_SKIP_KUBE=1")
	}
	p := os.Getenv("TETHER_TEST_KUBECONFIG")
	if p == "" {
		t.Fatal(missingKube)
	}
	return p
}

// cluster is the test API server, seen by its admin, with a fresh
// namespace for one test.
type cluster struct {
	kubeconfig string
	admin      *rest.Config
	cs         kubernetes.Interface
	ns         string
}

// newCluster connects to the test API server and creates a namespace for t.
// Nothing removes namespaces (there is no controller manager), so it is
// left behind: the server is throwaway.
func newCluster(t *testing.T) *cluster {
	t.Helper()
	c := &cluster{kubeconfig: kubeconfigPath(t)}
	var err error
	if c.admin, err = clientcmd.BuildConfigFromFlags("", c.kubeconfig); err != nil {
		t.Fatalf("load %s: %v", c.kubeconfig, err)
	}
	if c.cs, err = kubernetes.NewForConfig(c.admin); err != nil {
		t.Fatalf("client: %v", err)
	}
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	c.ns = "tether-test-" + hex.EncodeToString(suffix)
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: c.ns}}
	if _, err := c.cs.CoreV1().Namespaces().Create(t.Context(), ns, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	return c
}

// serviceAccount creates a service account in the test namespace.
func (c *cluster) serviceAccount(t *testing.T, name string) *corev1.ServiceAccount {
	t.Helper()
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name}}
	sa, err := c.cs.CoreV1().ServiceAccounts(c.ns).Create(t.Context(), sa, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create service account %s: %v", name, err)
	}
	return sa
}

// token mints a token for service account sa with the TokenRequest API,
// as the kubelet does for a projected volume. Nil audiences means the API
// server's own; bound, if not nil, ties the token to that object's life.
func (c *cluster) token(t *testing.T, sa string, audiences []string, bound *authnv1.BoundObjectReference) string {
	t.Helper()
	expiry := int64(600) // the API server's minimum
	req := &authnv1.TokenRequest{Spec: authnv1.TokenRequestSpec{
		Audiences: audiences, ExpirationSeconds: &expiry, BoundObjectRef: bound}}
	res, err := c.cs.CoreV1().ServiceAccounts(c.ns).CreateToken(t.Context(), sa, req, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("request a token for %s: %v", sa, err)
	}
	return res.Status.Token
}

// reviewerConfig returns the client configuration of a service account
// holding only what Tether needs (ClusterRole system:auth-delegator), as
// Tether's own deployment would, after waiting until RBAC lets it review.
func (c *cluster) reviewerConfig(t *testing.T) *rest.Config {
	t.Helper()
	c.serviceAccount(t, "tether")
	crb := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: c.ns + "-tether"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "system:auth-delegator"},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "tether", Namespace: c.ns}},
	}
	if _, err := c.cs.RbacV1().ClusterRoleBindings().Create(t.Context(), crb, metav1.CreateOptions{}); err != nil {
		t.Fatalf("bind system:auth-delegator: %v", err)
	}
	t.Cleanup(func() {
		_ = c.cs.RbacV1().ClusterRoleBindings().Delete(context.Background(), crb.Name, metav1.DeleteOptions{})
	})
	cfg := c.configFor(t, "tether")
	cs := kubernetes.NewForConfigOrDie(cfg)
	eventually(t, 10*time.Second, func() bool {
		probe := &authnv1.TokenReview{Spec: authnv1.TokenReviewSpec{Token: "probe"}}
		_, err := cs.AuthenticationV1().TokenReviews().Create(t.Context(), probe, metav1.CreateOptions{})
		return err == nil
	})
	return cfg
}

// configFor returns a client configuration authenticating as service
// account sa of the test namespace.
func (c *cluster) configFor(t *testing.T, sa string) *rest.Config {
	t.Helper()
	cfg := rest.AnonymousClientConfig(c.admin)
	cfg.BearerToken = c.token(t, sa, nil, nil)
	return cfg
}

// countRequests makes cfg count its HTTP requests in n.
func countRequests(cfg *rest.Config, n *atomic.Int64) *rest.Config {
	cfg = rest.CopyConfig(cfg)
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			n.Add(1)
			return rt.RoundTrip(r)
		})
	})
	return cfg
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// eventually polls cond until it holds, failing t after timeout.
func eventually(t *testing.T, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %s", timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
