package controller_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	admregv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	ctrlclient "sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/api/v1alpha1"
	"github.com/tether-ml/tether/internal/controller"
	"github.com/tether-ml/tether/internal/kube"
)

// TestControllerWiring runs controller.Run with restart targets, notebook
// access and the webhook, and checks each through the API server: a
// sync's Secret (named after the connection though its PodDefault has a
// label of its own) gets its Deployment's checksum annotation, changed by
// a rotation and left as it is by idle resyncs; a cluster sync gives its
// namespace the access-tether PodDefault, taken away with the label; a
// pod created through the API server that asks for the connection is
// stored with the variables the sync delivers.
func TestControllerWiring(t *testing.T) {
	h := newWorld(t)
	certs := t.TempDir()
	ca := writeServingCert(t, certs)
	port := freePort(t)
	const notebookURL = "https://tether.example/notebooks"
	h.runController(func(c *controller.Config) {
		c.Webhook, c.WebhookPort, c.WebhookCertDir, c.NotebookURL = true, port, certs, notebookURL
	})
	h.s3Connection("wired", "wired-1")
	h.bind(h.ns, "default", tether.RoleUser)
	h.createDeployment("app")
	s := newSync("wired", "wired", v1alpha1.DeletionPolicyDelete)
	s.Spec.PodDefault = &v1alpha1.PodDefaultSpec{Label: "add-wired"}
	s.Spec.RestartTargets = []v1alpha1.RestartTarget{{Kind: v1alpha1.RestartDeployment, Name: "app"}}
	h.createSync(s)

	h.waitSecret(h.ns, "wired", "wired-1", converge)
	first := h.waitChecksum("app", "wired", "")
	h.rotate("wired", "wired-2")
	h.waitSecret(h.ns, "wired", "wired-2", converge)
	second := h.waitChecksum("app", "wired", first)
	if h.secret(h.ns, "add-wired") != nil {
		t.Error("a Secret was delivered under the PodDefault's label")
	}
	h.checkIdleRestart("app", "wired", second)
	h.checkMissingTarget("wired", "wired-2")

	h.checkNotebookAccess(notebookURL)
	h.checkWebhook("https://127.0.0.1:"+strconv.Itoa(port)+controller.WebhookPath, ca, "wired")
}

// checkIdleRestart checks that reconciles of sync secret whose connection
// is unchanged (it is read again, Tether's audit shows), as a resync
// makes them, leave Deployment name as it is, its checksum annotation of
// secret at hash. Each is started by a new annotation of the sync: a
// resync is at least 10 s.
func (h *harness) checkIdleRestart(name, secret, hash string) {
	h.t.Helper()
	before := h.deployment(name).ResourceVersion
	since := time.Now()
	for i := range 3 {
		s := h.sync(secret)
		s.Annotations = map[string]string{"tether-test/poke": strconv.Itoa(i)}
		if err := h.k.Update(h.t.Context(), s); err != nil {
			h.t.Fatal(err)
		}
	}
	waitFor(h.t, converge, "three reconciles", func() (bool, string) {
		events, err := h.admin.Audit(h.t.Context(), tether.AuditFilter{Connection: secret,
			Actions: []string{"connection.reveal"}, Since: since})
		if err != nil {
			return false, err.Error()
		}
		n := 0
		for _, e := range events {
			if e.Time.After(since) {
				n++
			}
		}
		return n >= 3, fmt.Sprintf("%d reads", n)
	})
	d := h.deployment(name)
	if d.ResourceVersion != before || d.Spec.Template.Annotations["checksum.tether.ml/"+secret] != hash {
		h.t.Errorf("idle resyncs wrote Deployment %s: version %s -> %s, annotation %q (want %q)", name, before,
			d.ResourceVersion, d.Spec.Template.Annotations["checksum.tether.ml/"+secret], hash)
	}
}

// checkMissingTarget creates a sync of connection id (holding key) whose
// restart target does not exist: its Secret is delivered, and its status
// says which target is missing, with the version the Secret holds.
func (h *harness) checkMissingTarget(id, key string) {
	h.t.Helper()
	s := newSync("lost", id, v1alpha1.DeletionPolicyDelete)
	s.Spec.SecretName = "lost"
	s.Spec.RestartTargets = []v1alpha1.RestartTarget{{Kind: v1alpha1.RestartDeployment, Name: "nowhere"}}
	h.createSync(s)
	h.waitSecret(h.ns, "lost", key, converge)
	got := h.waitReason("lost", v1alpha1.ReasonNotFound, converge)
	if msg := readyMessage(got); !strings.Contains(msg, "Deployment/nowhere") {
		h.t.Errorf("Ready message %q does not name the missing Deployment/nowhere", msg)
	}
	if want := h.sync(id).Status.DeliveredVersion; got.Status.DeliveredVersion != want {
		h.t.Errorf("deliveredVersion %d, want the %d the Secret holds", got.Status.DeliveredVersion, want)
	}
	h.deleteAndWait(got) // the webhook is to find the first sync only
}

// checkNotebookAccess creates a namespace that a cluster sync selects: it
// gets the access-tether PodDefault for url, which goes when the
// namespace loses the label.
func (h *harness) checkNotebookAccess(url string) {
	h.t.Helper()
	label := "tether-nb-" + randomSuffix(h.t)
	ns := h.ns + "-nb"
	h.createNamespace(ns, map[string]string{label: "yes"})
	h.createClusterSync("nb-"+h.ns, "wired", map[string]string{label: "yes"},
		v1alpha1.RestartTarget{Kind: v1alpha1.RestartDeployment, Name: "nowhere"})
	h.waitPodDefault(ns, kube.AccessName, true)
	// its restart target is missing there: it says so
	waitFor(h.t, converge, "the cluster sync to name its missing target", func() (bool, string) {
		cs := &v1alpha1.ClusterConnectionSync{}
		if err := h.k.Get(h.t.Context(), types.NamespacedName{Name: "nb-" + h.ns}, cs); err != nil {
			return false, err.Error()
		}
		for _, c := range cs.Status.Conditions {
			if c.Type == v1alpha1.ConditionReady {
				return c.Reason == v1alpha1.ReasonNotFound && strings.Contains(c.Message, "namespace "+ns) &&
					strings.Contains(c.Message, "Deployment/nowhere") && cs.Status.Namespaces == 1, c.Reason + ": " + c.Message
			}
		}
		return false, "no Ready condition"
	})
	pd := &unstructured.Unstructured{}
	pd.SetAPIVersion(kube.PodDefaultAPIVersion)
	pd.SetKind(kube.PodDefaultKind)
	if err := h.k.Get(h.t.Context(), types.NamespacedName{Namespace: ns, Name: kube.AccessName}, pd); err != nil {
		h.t.Fatal(err)
	}
	env, _, _ := unstructured.NestedSlice(pd.Object, "spec", "env")
	if len(env) == 0 || fmt.Sprint(env[0]) != fmt.Sprint(map[string]any{"name": "TETHER_URL", "value": url}) {
		h.t.Errorf("access-tether env %v, want TETHER_URL=%s first", env, url)
	}
	h.relabel(ns, nil)
	h.waitPodDefault(ns, kube.AccessName, false)
}

// checkWebhook registers the webhook at url for h's namespace and creates
// a pod asking for connection id: it is stored with the variables of the
// sync's status.injection, from Secret id.
func (h *harness) checkWebhook(url string, ca []byte, id string) {
	h.t.Helper()
	label := "tether-wh-" + randomSuffix(h.t)
	h.relabel(h.ns, map[string]string{label: "yes"})
	h.registerWebhook(url, ca, map[string]string{label: "yes"})
	pod := func(name string) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: h.ns, Name: name,
			Annotations: map[string]string{controller.ConnectionsAnnotation: id}},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "main", Image: "busybox"}}}}
	}
	waitFor(h.t, converge, "the API server to call the webhook", func() (bool, string) {
		p := pod("probe")
		err := h.k.Create(h.t.Context(), p, ctrlclient.DryRunAll)
		if err != nil {
			return false, err.Error()
		}
		return p.Annotations[controller.InjectedAnnotation] != "", "not injected"
	})
	p := pod("app")
	if err := h.k.Create(h.t.Context(), p); err != nil {
		h.t.Fatal(err)
	}
	got := &corev1.Pod{}
	if err := h.k.Get(h.t.Context(), ctrlclient.ObjectKeyFromObject(p), got); err != nil {
		h.t.Fatal(err)
	}
	want := h.sync(id).Status.Injection
	if want == nil {
		h.t.Fatal("the sync has no status.injection")
	}
	if d := cmp.Diff(want.Env, got.Spec.Containers[0].Env); d != "" {
		h.t.Errorf("the stored pod's env (-want +got):\n%s", d)
	}
	for _, e := range got.Spec.Containers[0].Env {
		if r := e.ValueFrom; r != nil && r.SecretKeyRef != nil && r.SecretKeyRef.Name != id {
			h.t.Errorf("variable %s comes from Secret %s, want %s", e.Name, r.SecretKeyRef.Name, id)
		}
	}
}

// registerWebhook registers the pod webhook at url (failurePolicy Fail)
// for the pods asking for connections in the namespaces labelled sel.
func (h *harness) registerWebhook(url string, ca []byte, sel map[string]string) {
	h.t.Helper()
	fail, none := admregv1.Fail, admregv1.SideEffectClassNone
	timeout := int32(10)
	cfg := &admregv1.MutatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: "tether-wiring-" + h.ns},
		Webhooks: []admregv1.MutatingWebhook{{Name: "pods.tether.ml",
			ClientConfig: admregv1.WebhookClientConfig{URL: &url, CABundle: ca},
			Rules: []admregv1.RuleWithOperations{{Operations: []admregv1.OperationType{admregv1.Create},
				Rule: admregv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"pods"}}}},
			FailurePolicy: &fail, SideEffects: &none, TimeoutSeconds: &timeout,
			AdmissionReviewVersions: []string{"v1"},
			NamespaceSelector:       &metav1.LabelSelector{MatchLabels: sel},
			MatchConditions: []admregv1.MatchCondition{{Name: "asks-for-connections",
				Expression: "has(object.metadata.annotations) && '" + controller.ConnectionsAnnotation + "' in object.metadata.annotations"}},
		}}}
	if err := h.k.Create(h.t.Context(), cfg); err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { _ = h.k.Delete(context.Background(), cfg) })
}

// writeServingCert writes a new CA's certificate for 127.0.0.1 into dir
// (tls.crt, tls.key) and returns the CA in PEM.
func writeServingCert(t *testing.T, dir string) []byte {
	t.Helper()
	now := time.Now()
	caKey, key := newKey(t), newKey(t)
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "wiring CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
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
	for name, b := range map[string]*pem.Block{"tls.crt": {Type: "CERTIFICATE", Bytes: leafDER},
		"tls.key": {Type: "EC PRIVATE KEY", Bytes: keyDER}} {
		if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(b), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
}

// newKey is a new P-256 key.
func newKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// freePort is a loopback TCP port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
