package kube_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// testScopeLabel marks the namespaces a test's webhook configuration may
// see: the test API server is shared, and a webhook of the chart's (which
// no controller serves here) must never refuse another test's pods.
const testScopeLabel = "tether.ml/chart-test"

// scopeWebhooks narrows the rendered webhook configurations to namespaces
// labelled testScopeLabel=scope, on top of the chart's own
// namespaceSelector, and removes them when t ends.
func (c *cluster) scopeWebhooks(t *testing.T, objs []*unstructured.Unstructured, scope string) {
	t.Helper()
	for _, o := range objs {
		if o.GetKind() != "MutatingWebhookConfiguration" {
			continue
		}
		hooks, _, _ := unstructured.NestedSlice(o.Object, "webhooks")
		for _, h := range hooks {
			sel := h.(map[string]any)["namespaceSelector"].(map[string]any)
			sel["matchLabels"] = map[string]any{testScopeLabel: scope}
		}
		if err := unstructured.SetNestedSlice(o.Object, hooks, "webhooks"); err != nil {
			t.Fatal(err)
		}
		name := o.GetName()
		t.Cleanup(func() {
			_ = c.cs.AdmissionregistrationV1().MutatingWebhookConfigurations().Delete(context.Background(), name, metav1.DeleteOptions{})
		})
	}
}

// installStubCRD installs a CRD of the kind (namespaced, any spec) unless
// it is there, and waits until it is served: the test API server has no
// cert-manager or Prometheus Operator.
func (c *cluster) installStubCRD(t *testing.T, group, version, kind, plural string) {
	t.Helper()
	cs := apiextclient.NewForConfigOrDie(c.admin)
	preserve := true
	crd := &apiextv1.CustomResourceDefinition{
		ObjectMeta: metav1.ObjectMeta{Name: plural + "." + group},
		Spec: apiextv1.CustomResourceDefinitionSpec{
			Group: group, Scope: apiextv1.NamespaceScoped,
			Names: apiextv1.CustomResourceDefinitionNames{Plural: plural, Singular: strings.ToLower(kind),
				Kind: kind, ListKind: kind + "List"},
			Versions: []apiextv1.CustomResourceDefinitionVersion{{Name: version, Served: true, Storage: true,
				Schema: &apiextv1.CustomResourceValidation{OpenAPIV3Schema: &apiextv1.JSONSchemaProps{
					Type: "object", XPreserveUnknownFields: &preserve}}}},
		},
	}
	_, err := cs.ApiextensionsV1().CustomResourceDefinitions().Create(t.Context(), crd, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatalf("install the %s CRD: %v", kind, err)
	}
	eventually(t, 30*time.Second, func() bool {
		got, err := cs.ApiextensionsV1().CustomResourceDefinitions().Get(t.Context(), crd.Name, metav1.GetOptions{})
		return err == nil && slices.ContainsFunc(got.Status.Conditions, func(c apiextv1.CustomResourceDefinitionCondition) bool {
			return c.Type == apiextv1.Established && c.Status == apiextv1.ConditionTrue
		})
	})
}

// TestChartControllerAppliesToCluster renders the chart with the controller
// for several value sets, each in a fresh namespace, and applies every
// object to the real API server (server-side apply): all must be accepted.
// cert-manager's Issuer and Certificate are applied to stub CRDs (any
// spec): the API server accepts them, but what cert-manager makes of them
// is checked on the rendered objects only. It then reads the webhook
// configuration back: the API server kept its matchConditions.
func TestChartControllerAppliesToCluster(t *testing.T) {
	helmBinary(t) // without helm, skip once here rather than in every case
	const rbac = "ClusterRole ClusterRoleBinding Role RoleBinding ServiceAccount"
	const base = "ClusterRoleBinding Deployment PersistentVolumeClaim Secret Service ServiceAccount"
	tests := []struct{ name, values, wantKinds string }{
		{"controller", controllerValues, base + " " + rbac + " Deployment PodDisruptionBudget Service"},
		{"one replica and service monitor", "controller: {enabled: true, replicas: 1}\nserviceMonitor: {enabled: true}\n",
			base + " " + rbac + " Deployment Service ServiceMonitor ServiceMonitor"},
		{"webhook with a self-managed certificate", "controller: {enabled: true, webhook: {enabled: true}}\n",
			base + " " + rbac + " Deployment PodDisruptionBudget Service Service Secret MutatingWebhookConfiguration"},
		{"narrowed network policy", controllerValues + "networkPolicy: {enabled: true, from: [{namespaceSelector: {matchLabels: {team: ml}}}]}\n",
			base + " " + rbac + " Deployment PodDisruptionBudget Service NetworkPolicy"},
		{"webhook with cert-manager", "controller: {enabled: true, webhook: {enabled: true, certManager: {enabled: true}}}\n",
			base + " " + rbac + " Deployment PodDisruptionBudget Service Service Issuer Certificate MutatingWebhookConfiguration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t)
			objs := renderChart(t, c.ns, tt.values)
			got, want := kinds(objs), strings.Fields(tt.wantKinds)
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("rendered kinds %v, want %v", got, want)
			}
			if slices.Contains(got, "ServiceMonitor") {
				c.installServiceMonitorCRD(t)
			}
			if slices.Contains(got, "Certificate") {
				c.installStubCRD(t, "cert-manager.io", "v1", "Issuer", "issuers")
				c.installStubCRD(t, "cert-manager.io", "v1", "Certificate", "certificates")
			}
			c.scopeWebhooks(t, objs, c.ns)
			c.applyAll(t, objs)
			if !slices.Contains(got, "MutatingWebhookConfiguration") {
				return
			}
			mwc, err := c.cs.AdmissionregistrationV1().MutatingWebhookConfigurations().Get(t.Context(), c.ns+"-tether-controller", metav1.GetOptions{})
			if err != nil {
				t.Fatalf("get the applied webhook configuration: %v", err)
			}
			if len(mwc.Webhooks) != 1 || len(mwc.Webhooks[0].MatchConditions) != 1 {
				t.Errorf("stored webhooks %+v: want one, with its matchCondition", mwc.Webhooks)
			}
		})
	}
}

// TestChartWebhookOnAPIServer applies the chart's webhook configuration,
// with no controller to answer it, and creates Pods through the real API
// server: a pod without the annotation is never sent (matchConditions) and
// is created; an annotated one is refused (failurePolicy Fail: it would
// otherwise start without its connections); one in the release namespace
// is never sent (namespaceSelector), so the controller's own pods never
// wait on themselves.
func TestChartWebhookOnAPIServer(t *testing.T) {
	helmBinary(t) // without helm, skip once here rather than in every case
	c := newCluster(t)
	other := newCluster(t)
	for _, ns := range []string{c.ns, other.ns} {
		c.labelNamespace(t, ns, c.ns)
		if _, err := c.cs.CoreV1().ServiceAccounts(ns).Create(t.Context(),
			&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default"}}, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create the default ServiceAccount of %s: %v", ns, err)
		}
	}
	objs := renderChart(t, c.ns, "controller: {enabled: true, webhook: {enabled: true}}\n")
	c.scopeWebhooks(t, objs, c.ns)
	c.applyAll(t, objs)
	tests := []struct {
		name, ns  string
		annotated bool
		wantErr   string // "" for created
	}{
		{"not annotated", other.ns, false, ""},
		{"annotated", other.ns, true, "pods.connections.tether.ml"},
		{"annotated in the release namespace", c.ns, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{GenerateName: "p-"}, Spec: corev1.PodSpec{
				AutomountServiceAccountToken: new(bool), Containers: []corev1.Container{{Name: "c", Image: "busybox"}}}}
			if tt.annotated {
				pod.Annotations = map[string]string{"tether.ml/connections": "s3-data"}
			}
			_, err := c.cs.CoreV1().Pods(tt.ns).Create(t.Context(), pod, metav1.CreateOptions{})
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("create pod: %v; want it created without the webhook", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("create pod: %v; want it refused by webhook %s", err, tt.wantErr)
			}
		})
	}
}

// labelNamespace labels namespace ns testScopeLabel=scope.
func (c *cluster) labelNamespace(t *testing.T, ns, scope string) {
	t.Helper()
	n, err := c.cs.CoreV1().Namespaces().Get(t.Context(), ns, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n.Labels == nil {
		n.Labels = map[string]string{}
	}
	n.Labels[testScopeLabel] = scope
	if _, err := c.cs.CoreV1().Namespaces().Update(t.Context(), n, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("label namespace %s: %v", ns, err)
	}
}

// TestChartUpgradeKeepsWebhookCert installs the chart with the webhook's
// self-managed certificate with helm, then upgrades it: the certificate,
// its key and the webhook's caBundle are unchanged (lookup), so an upgrade
// neither rotates the serving certificate under running pods nor breaks
// the webhook. The install's notes say how to give the controller its
// Tether role binding. The release's webhook uses failurePolicy Ignore
// here: it is cluster-wide, and other tests share the API server.
func TestChartUpgradeKeepsWebhookCert(t *testing.T) {
	helmBinary(t) // without helm, skip once here rather than in every case
	c := newCluster(t)
	run := func(args ...string) string {
		t.Helper()
		out, err := helm(t, append(args, "--namespace", c.ns, "--kubeconfig", c.kubeconfig)...)
		if err != nil {
			t.Fatalf("helm %s: %v", args[0], err)
		}
		return out
	}
	t.Cleanup(func() {
		_ = c.cs.AdmissionregistrationV1().MutatingWebhookConfigurations().Delete(context.Background(), c.ns+"-tether-controller", metav1.DeleteOptions{})
	})
	const set = "controller.enabled=true,controller.webhook.enabled=true,controller.webhook.failurePolicy=Ignore"
	notes := run("install", "tether", chartDir, "--set", set)
	if want := "--subject serviceaccount:" + c.ns + ":tether-controller"; !strings.Contains(notes, want) {
		t.Errorf("install notes do not say how to bind the controller a Tether role (%q):\n%s", want, notes)
	}
	installed, installedCA := c.webhookCert(t)
	run("upgrade", "tether", chartDir, "--set", set+",controller.resyncInterval=5m")
	upgraded, upgradedCA := c.webhookCert(t)
	for _, k := range []string{"tls.crt", "tls.key", "ca.crt"} {
		if string(installed[k]) != string(upgraded[k]) {
			t.Errorf("helm upgrade changed %s of the webhook's certificate", k)
		}
	}
	if string(installedCA) != string(upgradedCA) || string(upgradedCA) != string(upgraded["ca.crt"]) {
		t.Error("the webhook's caBundle changed on upgrade, or is not the certificate's CA")
	}
	run("uninstall", "tether")
}

// webhookCert returns the data of the webhook's certificate Secret and the
// caBundle of the webhook configuration, as installed.
func (c *cluster) webhookCert(t *testing.T) (map[string][]byte, []byte) {
	t.Helper()
	s, err := c.cs.CoreV1().Secrets(c.ns).Get(t.Context(), "tether-controller-webhook-tls", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get the webhook's certificate: %v", err)
	}
	mwc, err := c.cs.AdmissionregistrationV1().MutatingWebhookConfigurations().Get(t.Context(), c.ns+"-tether-controller", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get the webhook configuration: %v", err)
	}
	if len(mwc.Webhooks) != 1 || *mwc.Webhooks[0].FailurePolicy != admissionv1.Ignore {
		t.Fatalf("webhooks %+v: want one, failurePolicy Ignore", mwc.Webhooks)
	}
	return s.Data, mwc.Webhooks[0].ClientConfig.CABundle
}
