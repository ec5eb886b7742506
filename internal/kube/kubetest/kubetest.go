// Package kubetest helps tests outside internal/kube obtain Kubernetes
// service-account tokens from the test API server, so that k8s.io imports
// stay under internal/kube.
package kubetest

import (
	"os"
	"testing"

	authnv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

// Kubeconfig returns the admin kubeconfig of the test API server
// (TETHER_TEST_KUBECONFIG). It skips t when TETHER_TEST_SKIP_KUBE=1 and
// fails it when no server is given: a suite skipped in CI would hide a
// missing install.
func Kubeconfig(t testing.TB) string {
	t.Helper()
	if os.Getenv("TETHER_TEST_SKIP_KUBE") == "1" {
		t.Skip("TETHER_TEST_SKIP_KUBE=1")
	}
	p := os.Getenv("TETHER_TEST_KUBECONFIG")
	if p == "" {
		t.Fatal("TETHER_TEST_KUBECONFIG is not set: run ./scripts/test.sh, or start a server with " +
			"`./scripts/testenv/kube.sh start` and export the kubeconfig path it prints (TETHER_TEST_SKIP_KUBE=1 skips)")
	}
	return p
}

// Token mints a 10-minute token for service account ns/name (creating both
// if needed) with the given audiences, as the kubelet does for a projected
// volume.
func Token(t testing.TB, kubeconfig, ns, name string, audiences ...string) string {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatalf("load %s: %v", kubeconfig, err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	_, err = cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatalf("create namespace %s: %v", ns, err)
	}
	_, err = cs.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatalf("create service account %s/%s: %v", ns, name, err)
	}
	expiry := int64(600)
	req := &authnv1.TokenRequest{Spec: authnv1.TokenRequestSpec{Audiences: audiences, ExpirationSeconds: &expiry}}
	res, err := cs.CoreV1().ServiceAccounts(ns).CreateToken(ctx, name, req, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("request a token for %s/%s: %v", ns, name, err)
	}
	return res.Status.Token
}
