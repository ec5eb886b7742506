package main_test

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"testing"

	"github.com/tether-ml/tether/internal/kube/kubetest"
)

// TestKubernetesServiceAccounts is Kubeflow's cross-namespace story on a
// real kube-apiserver: a pipeline's service account in one Kubernetes
// namespace, granted the user role on a Tether namespace, reveals a
// connection with its projected token (audience "tether"); a token for
// another audience, or tampered, is refused.
func TestKubernetesServiceAccounts(t *testing.T) {
	t.Parallel()
	kubeconfig := kubetest.Kubeconfig(t)
	s := startServer(t, serverOptions{Args: []string{"--kubeconfig", kubeconfig}})
	admin := newCLI(t, s)
	admin.ok("conn", "create", "-f", writeFile(t, t.TempDir(), "d.yaml", odahuDockerYAML("registry")))
	suffix := make([]byte, 3)
	_, _ = rand.Read(suffix)
	k8sNS := "team-b-" + hex.EncodeToString(suffix)
	admin.ok("rolebinding", "create", "--namespace", "default", "--role", "user", "--subject", "serviceaccount:"+k8sNS+":pipeline-runner")

	good := kubetest.Token(t, kubeconfig, k8sNS, "pipeline-runner", "tether")
	if code, _, body := s.apiWith(good, "GET", "/api/v1/connection/registry/decrypted", nil); code != http.StatusOK {
		t.Errorf("the bound service account: %d %s", code, body)
	}
	stranger := kubetest.Token(t, kubeconfig, k8sNS, "someone-else", "tether")
	if code, _, _ := s.apiWith(stranger, "GET", "/api/v1/connection/registry/decrypted", nil); code != http.StatusNotFound {
		t.Errorf("an unbound service account: %d, want 404", code)
	}
	other := kubetest.Token(t, kubeconfig, k8sNS, "pipeline-runner", "other")
	if code, _, _ := s.apiWith(other, "GET", "/api/v1/connection", nil); code != http.StatusUnauthorized {
		t.Errorf("a token for another audience: %d, want 401", code)
	}
	tampered := good[:len(good)-6] + "AAAAAA"
	if code, _, _ := s.apiWith(tampered, "GET", "/api/v1/connection", nil); code != http.StatusUnauthorized {
		t.Errorf("a tampered token: %d, want 401", code)
	}
}
