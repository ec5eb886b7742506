package kube_test

import (
	"crypto/tls"
	"crypto/x509"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	admissionv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/utils/ptr"
)

// Names of the webhook's objects for release tether in namespace tether.
const (
	webhookService = "tether-controller-webhook"
	webhookSecret  = "tether-controller-webhook-tls"
	webhookConfig  = "tether-tether-controller"
)

// wantWebhook is the webhook the chart registers in namespace ns with
// failurePolicy policy, short of its caBundle.
func wantWebhook(ns string, policy admissionv1.FailurePolicyType) admissionv1.MutatingWebhook {
	return admissionv1.MutatingWebhook{
		Name: "pods.connections.tether.ml",
		ClientConfig: admissionv1.WebhookClientConfig{Service: &admissionv1.ServiceReference{
			Namespace: ns, Name: webhookService, Path: ptr.To("/mutate-v1-pod"), Port: ptr.To[int32](443)}},
		Rules: []admissionv1.RuleWithOperations{{
			Operations: []admissionv1.OperationType{admissionv1.Create},
			Rule: admissionv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"pods"},
				Scope: ptr.To(admissionv1.NamespacedScope)}}},
		FailurePolicy:      ptr.To(policy),
		SideEffects:        ptr.To(admissionv1.SideEffectClassNone),
		TimeoutSeconds:     ptr.To[int32](5),
		ReinvocationPolicy: ptr.To(admissionv1.NeverReinvocationPolicy),
		NamespaceSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{
			Key: "kubernetes.io/metadata.name", Operator: metav1.LabelSelectorOpNotIn, Values: []string{ns, "kube-system"}}}},
		AdmissionReviewVersions: []string{"v1"},
		MatchConditions: []admissionv1.MatchCondition{{Name: "annotated",
			Expression: "has(object.metadata.annotations) && 'tether.ml/connections' in object.metadata.annotations"}},
	}
}

// TestChartWebhookSelfManagedCert checks the webhook with the certificate
// helm generates: a serving certificate for the webhook's Service that the
// configuration's caBundle verifies, with its key, mounted where the
// controller's --webhook-cert-dir reads it; the configuration sends only
// annotated pods, outside the release namespace and kube-system, with the
// failure policy of the values.
func TestChartWebhookSelfManagedCert(t *testing.T) {
	helmBinary(t) // without helm, skip once here rather than in every case
	t.Parallel()
	for _, policy := range []admissionv1.FailurePolicyType{admissionv1.Fail, admissionv1.Ignore} {
		t.Run(string(policy), func(t *testing.T) {
			t.Parallel()
			values := "controller: {enabled: true, webhook: {enabled: true}}\n"
			if policy == admissionv1.Ignore {
				values = "controller: {enabled: true, webhook: {enabled: true, failurePolicy: Ignore}}\n"
			}
			objs := renderChart(t, "tether", values)
			var mwc admissionv1.MutatingWebhookConfiguration
			findNamed(t, objs, "MutatingWebhookConfiguration", webhookConfig, &mwc)
			if len(mwc.Webhooks) != 1 {
				t.Fatalf("%d webhooks, want 1", len(mwc.Webhooks))
			}
			got := mwc.Webhooks[0]
			caBundle := got.ClientConfig.CABundle
			got.ClientConfig.CABundle = nil
			if diff := cmp.Diff(wantWebhook("tether", policy), got); diff != "" {
				t.Errorf("webhook (-want +got):\n%s", diff)
			}
			var s corev1.Secret
			findNamed(t, objs, "Secret", webhookSecret, &s)
			checkServingCert(t, s, caBundle, webhookService+".tether.svc")
			checkWebhookPlumbing(t, objs)
		})
	}
}

// checkServingCert checks that Secret s holds a key pair whose certificate
// caBundle verifies for host, and that caBundle is the Secret's ca.crt.
func checkServingCert(t *testing.T, s corev1.Secret, caBundle []byte, host string) {
	t.Helper()
	if s.Type != corev1.SecretTypeTLS {
		t.Errorf("Secret type %s, want %s", s.Type, corev1.SecretTypeTLS)
	}
	if _, err := tls.X509KeyPair(s.Data["tls.crt"], s.Data["tls.key"]); err != nil {
		t.Fatalf("tls.crt and tls.key are no key pair: %v", err)
	}
	if string(caBundle) != string(s.Data["ca.crt"]) {
		t.Error("the webhook's caBundle is not the Secret's ca.crt")
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(caBundle) {
		t.Fatal("caBundle holds no PEM certificate")
	}
	pair, _ := tls.X509KeyPair(s.Data["tls.crt"], s.Data["tls.key"])
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: host}); err != nil {
		t.Errorf("the serving certificate does not verify for %s with the caBundle: %v", host, err)
	}
}

// checkWebhookPlumbing checks that the webhook's Service reaches the
// controller's webhook port, and that its certificate's Secret is mounted
// where --webhook-cert-dir says.
func checkWebhookPlumbing(t *testing.T, objs []*unstructured.Unstructured) {
	t.Helper()
	var svc corev1.Service
	findNamed(t, objs, "Service", webhookService, &svc)
	var d appsv1.Deployment
	findNamed(t, objs, "Deployment", "tether-controller", &d)
	if !cmp.Equal(svc.Spec.Selector, d.Spec.Selector.MatchLabels) || len(svc.Spec.Ports) != 1 ||
		svc.Spec.Ports[0].Port != 443 || svc.Spec.Ports[0].TargetPort.String() != "webhook" {
		t.Errorf("Service %+v: want port 443 to the controller's port webhook", svc.Spec)
	}
	c := d.Spec.Template.Spec.Containers[0]
	i := slices.IndexFunc(c.Ports, func(p corev1.ContainerPort) bool { return p.Name == "webhook" })
	if i < 0 || c.Ports[i].ContainerPort != 9443 || !slices.Contains(c.Args, "--webhook-port=9443") {
		t.Errorf("ports %+v args %q: want webhook on 9443", c.Ports, c.Args)
	}
	const dir = "/var/run/tether/webhook-certs"
	m := slices.IndexFunc(c.VolumeMounts, func(m corev1.VolumeMount) bool { return m.MountPath == dir })
	if m < 0 || !c.VolumeMounts[m].ReadOnly || !slices.Contains(c.Args, "--webhook-cert-dir="+dir) {
		t.Fatalf("mounts %+v args %q: want %s read-only and named by --webhook-cert-dir", c.VolumeMounts, c.Args, dir)
	}
	for _, v := range d.Spec.Template.Spec.Volumes {
		if v.Name == c.VolumeMounts[m].Name && (v.Secret == nil || v.Secret.SecretName != webhookSecret) {
			t.Errorf("volume %s = %+v, want Secret %s", v.Name, v.VolumeSource, webhookSecret)
		}
	}
}

// TestChartWebhookCertManager checks the webhook with cert-manager: a
// self-signed Issuer, a Certificate for the webhook's Service into the
// Secret the controller mounts, the cainjector's annotation in place of a
// caBundle, and no certificate of helm's.
func TestChartWebhookCertManager(t *testing.T) {
	helmBinary(t) // without helm, skip once here rather than in every case
	t.Parallel()
	objs := renderChart(t, "tether", "controller: {enabled: true, webhook: {enabled: true, certManager: {enabled: true}}}\n")
	var mwc admissionv1.MutatingWebhookConfiguration
	findNamed(t, objs, "MutatingWebhookConfiguration", webhookConfig, &mwc)
	if got := mwc.Annotations["cert-manager.io/inject-ca-from"]; got != "tether/"+webhookService {
		t.Errorf("inject-ca-from %q, want tether/%s", got, webhookService)
	}
	if len(mwc.Webhooks) != 1 || len(mwc.Webhooks[0].ClientConfig.CABundle) != 0 {
		t.Errorf("webhooks %+v: want one, its caBundle left to cert-manager", mwc.Webhooks)
	}
	var issuer, cert unstructured.Unstructured
	findNamed(t, objs, "Issuer", webhookService, &issuer.Object)
	findNamed(t, objs, "Certificate", webhookService, &cert.Object)
	if _, ok, _ := unstructured.NestedMap(issuer.Object, "spec", "selfSigned"); !ok || issuer.GetAPIVersion() != "cert-manager.io/v1" {
		t.Errorf("Issuer %v: want a cert-manager.io/v1 selfSigned one", issuer.Object)
	}
	secretName, _, _ := unstructured.NestedString(cert.Object, "spec", "secretName")
	dnsNames, _, _ := unstructured.NestedStringSlice(cert.Object, "spec", "dnsNames")
	issuerName, _, _ := unstructured.NestedString(cert.Object, "spec", "issuerRef", "name")
	if secretName != webhookSecret || !slices.Contains(dnsNames, webhookService+".tether.svc") || issuerName != webhookService {
		t.Errorf("Certificate spec %v: want Secret %s for %s.tether.svc from the Issuer", cert.Object["spec"], webhookSecret, webhookService)
	}
	for _, o := range objs {
		if o.GetKind() == "Secret" && o.GetName() == webhookSecret {
			t.Errorf("with cert-manager, helm renders the certificate's Secret too")
		}
	}
	checkWebhookPlumbing(t, objs)
}

// TestChartWebhookNeedsMatchConditions checks the webhook refuses to render
// for Kubernetes before 1.28, whose API server would drop its
// matchConditions and send it every pod of the cluster; the controller
// alone still renders there.
func TestChartWebhookNeedsMatchConditions(t *testing.T) {
	helmBinary(t) // without helm, skip once here rather than in every case
	t.Parallel()
	tests := []struct{ values, kubeVersion, wantErr string }{
		{"controller: {enabled: true, webhook: {enabled: true}}\n", "1.27.9", "needs Kubernetes 1.28 or later"},
		{"controller: {enabled: true, webhook: {enabled: true}}\n", "1.28.0", ""},
		{controllerValues, "1.27.9", ""},
	}
	for _, tt := range tests {
		_, err := helm(t, "template", "tether", chartDir, "--kube-version", tt.kubeVersion, "-f", valuesFile(t, tt.values))
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("Kubernetes %s, values %q: %v", tt.kubeVersion, tt.values, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("Kubernetes %s, values %q: %v; want a failure saying %q", tt.kubeVersion, tt.values, err, tt.wantErr)
		}
	}
}
