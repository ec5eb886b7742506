package controller

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/go-logr/logr"
	admregv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
	"sigs.k8s.io/yaml"

	"github.com/tether-ml/tether/api/v1alpha1"
	"github.com/tether-ml/tether/internal/kube/kubetest"
)

// injectCRDs applies the chart's CRDs to the test API server with
// server-side apply and waits until both are served.
func injectCRDs(t *testing.T, c client.Client) {
	t.Helper()
	files, err := filepath.Glob("../../charts/tether/crds/*.yaml")
	if err != nil || len(files) != 2 {
		t.Fatalf("the chart's CRDs: %v %v", files, err)
	}
	for _, f := range files {
		applyCRDFile(t, c, f, "apiextensions.k8s.io/v1", "CustomResourceDefinition")
	}
	eventuallyInject(t, 30*time.Second, "the sync CRDs are served", func() bool {
		return c.List(t.Context(), &v1alpha1.ConnectionSyncList{}) == nil &&
			c.List(t.Context(), &v1alpha1.ClusterConnectionSyncList{}) == nil
	})
}

// applyCRDFile applies the one object of a YAML file, of the given
// apiVersion and kind, with server-side apply.
func applyCRDFile(t *testing.T, c client.Client, path, apiVersion, kind string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	obj := &unstructured.Unstructured{}
	if err := yaml.Unmarshal(raw, &obj.Object); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	obj.SetAPIVersion(apiVersion)
	obj.SetKind(kind)
	obj.SetManagedFields(nil)
	data, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	err = c.Patch(t.Context(), obj, client.RawPatch(types.ApplyPatchType, data),
		client.FieldOwner("tether-test"), client.ForceOwnership)
	if err != nil {
		t.Fatalf("apply %s: %v", path, err)
	}
}

// eventuallyInject polls cond every 50ms until it holds, failing t after
// timeout.
func eventuallyInject(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(timeout); !cond(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, timeout)
		}
	}
}

// webhookCerts writes a fresh CA's serving certificate for 127.0.0.1 to
// dir (tls.crt, tls.key) and returns the CA in PEM.
func webhookCerts(t *testing.T, dir string) []byte {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "tether test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	leaf := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, typ string, der []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("tls.crt", "CERTIFICATE", leafDER)
	write("tls.key", "EC PRIVATE KEY", keyDER)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
}

// webhookPort returns a loopback TCP port that was free a moment ago.
func webhookPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startWebhook runs the controller's manager, as "tether controller
// --webhook" does, with only the webhook set up, and returns its URL and
// the CA of its certificate once it serves.
func startWebhook(t *testing.T) (url string, ca []byte) {
	t.Helper()
	dir := t.TempDir()
	ca = webhookCerts(t, dir)
	port := webhookPort(t)
	mgr, err := newManager(Config{Kubeconfig: kubetest.Kubeconfig(t), MetricsAddr: "0", HealthAddr: "0",
		Webhook: true, WebhookPort: port, WebhookCertDir: dir}, logr.Discard())
	if err != nil {
		t.Fatal(err)
	}
	if err := setupWebhook(mgr); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("manager: %v", err)
		}
	})
	started := mgr.GetWebhookServer().StartedChecker()
	eventuallyInject(t, 30*time.Second, "the webhook serves", func() bool { return started(nil) == nil })
	return "https://127.0.0.1:" + strconv.Itoa(port) + WebhookPath, ca
}

// registerWebhook registers the webhook at url, with failurePolicy Fail,
// for the pods of the namespaces labelled selector that carry
// tether.ml/connections, as the chart does (plus the namespace selector,
// which keeps other tests' pods away from it).
func registerWebhook(t *testing.T, c client.Client, name, url string, ca []byte, selector map[string]string) {
	t.Helper()
	fail, none, reinvoke := admregv1.Fail, admregv1.SideEffectClassNone, admregv1.IfNeededReinvocationPolicy
	timeout := int32(10)
	cfg := &admregv1.MutatingWebhookConfiguration{}
	cfg.Name = name
	cfg.Webhooks = []admregv1.MutatingWebhook{{
		Name:         "pods.tether.ml",
		ClientConfig: admregv1.WebhookClientConfig{URL: &url, CABundle: ca},
		Rules: []admregv1.RuleWithOperations{{Operations: []admregv1.OperationType{admregv1.Create},
			Rule: admregv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"pods"}}}},
		FailurePolicy:           &fail,
		SideEffects:             &none,
		TimeoutSeconds:          &timeout,
		ReinvocationPolicy:      &reinvoke,
		AdmissionReviewVersions: []string{"v1"},
		NamespaceSelector:       &metav1.LabelSelector{MatchLabels: selector},
		MatchConditions: []admregv1.MatchCondition{{Name: "asks-for-connections",
			Expression: "has(object.metadata.annotations) && 'tether.ml/connections' in object.metadata.annotations"}},
	}}
	if err := c.Create(t.Context(), cfg); err != nil {
		t.Fatalf("register the webhook: %v", err)
	}
	t.Cleanup(func() { _ = c.Delete(context.Background(), cfg) })
}

// webhookRequests is how many admission requests the webhook has served,
// by the controller-runtime metric.
func webhookRequests(t *testing.T) float64 {
	t.Helper()
	mfs, err := metrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var n float64
	for _, mf := range mfs {
		if mf.GetName() != "controller_runtime_webhook_requests_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "webhook" && l.GetValue() == WebhookPath {
					n += m.GetCounter().GetValue()
				}
			}
		}
	}
	return n
}
