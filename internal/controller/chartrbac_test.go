package controller_test

import (
	"context"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/api/v1alpha1"
	"github.com/tether-ml/tether/internal/kube"
	"github.com/tether-ml/tether/internal/kube/kubetest"
)

// TestChartRBAC runs the controller binary with exactly the permissions
// the Helm chart gives its ServiceAccount (and its leader election, and
// notebook access): a ConnectionSync with a PodDefault and a restart
// target, and a ClusterConnectionSync selecting a new namespace, are all
// delivered: the Secret, the PodDefault, the Deployment's checksum
// annotation (changed by a rotation), the Secret and the access-tether
// PodDefault in the selected namespace (both gone when its label is
// removed). The controller logs no "forbidden".
func TestChartRBAC(t *testing.T) {
	h := newWorld(t)
	token := h.controllerToken()
	chartKC := kubetest.ChartControllerKubeconfig(t, h.kubeconfig, h.ns)
	h.s3Connection("rbac", "rbac-1")
	h.bind(h.ns, "default", tether.RoleUser)
	h.createDeployment("web")
	label := "tether-rbac-" + randomSuffix(t)
	selected := h.ns + "-sel"
	h.createNamespace(selected, map[string]string{label: "yes"})

	proc := h.startControllerProc(chartKC, token, "--leader-elect", "--leader-election-namespace", h.ns,
		"--notebook-url", "https://tether.example")
	s := newSync("rbac", "rbac", v1alpha1.DeletionPolicyDelete)
	s.Spec.PodDefault = &v1alpha1.PodDefaultSpec{Label: "add-rbac", Desc: "RBAC data"}
	s.Spec.RestartTargets = []v1alpha1.RestartTarget{{Kind: v1alpha1.RestartDeployment, Name: "web"}}
	h.createSync(s)
	h.createClusterSync("rbac-"+h.ns, "rbac", map[string]string{label: "yes"})

	h.waitReason("rbac", v1alpha1.ReasonSynced, converge)
	h.waitSecret(h.ns, "rbac", "rbac-1", converge)
	h.waitPodDefault(h.ns, "add-rbac", true)
	first := h.waitChecksum("web", "rbac", "")
	h.waitSecret(selected, "rbac", "rbac-1", converge)
	h.waitPodDefault(selected, kube.AccessName, true)

	h.rotate("rbac", "rbac-2")
	h.waitSecret(h.ns, "rbac", "rbac-2", converge)
	h.waitChecksum("web", "rbac", first)
	h.waitSecret(selected, "rbac", "rbac-2", converge)

	h.relabel(selected, nil)
	h.waitPodDefault(selected, kube.AccessName, false)
	h.waitSecret(selected, "rbac", "", converge)
	if logs := proc.logs.String(); strings.Contains(strings.ToLower(logs), "forbidden") {
		t.Errorf("the controller was refused something with the chart's RBAC:\n%s", logs)
	}
}

// createDeployment creates Deployment name in h's namespace.
func (h *harness) createDeployment(name string) {
	h.t.Helper()
	labels := map[string]string{"app": name}
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: h.ns, Name: name},
		Spec: appsv1.DeploymentSpec{Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "main", Image: "busybox"}}}}}}
	if err := h.k.Create(h.t.Context(), d); err != nil {
		h.t.Fatal(err)
	}
}

// deployment returns Deployment name of h's namespace.
func (h *harness) deployment(name string) *appsv1.Deployment {
	h.t.Helper()
	d := &appsv1.Deployment{}
	if err := h.k.Get(h.t.Context(), types.NamespacedName{Namespace: h.ns, Name: name}, d); err != nil {
		h.t.Fatal(err)
	}
	return d
}

// waitChecksum waits until Deployment name's pod template carries the
// checksum annotation of Secret secret, with a value other than old, and
// returns it.
func (h *harness) waitChecksum(name, secret, old string) string {
	h.t.Helper()
	var got string
	waitFor(h.t, converge, "the checksum annotation of Deployment "+name, func() (bool, string) {
		got = h.deployment(name).Spec.Template.Annotations["checksum.tether.ml/"+secret]
		return got != "" && got != old, "annotation " + got
	})
	return got
}

// createClusterSync creates ClusterConnectionSync name of connection id
// for the namespaces labelled sel, with restart targets, deleted at the
// end of the test while the controller still runs.
func (h *harness) createClusterSync(name, id string, sel map[string]string, targets ...v1alpha1.RestartTarget) {
	h.t.Helper()
	cs := &v1alpha1.ClusterConnectionSync{ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: v1alpha1.ClusterConnectionSyncSpec{NamespaceSelector: metav1.LabelSelector{MatchLabels: sel},
			DeliverySpec: v1alpha1.DeliverySpec{Connection: v1alpha1.ConnectionRef{Namespace: "default", ID: id},
				RestartTargets: targets}}}
	h.own(cs)
	if err := h.k.Create(h.t.Context(), cs); err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { h.deleteAndWait(&v1alpha1.ClusterConnectionSync{ObjectMeta: metav1.ObjectMeta{Name: name}}) })
}

// waitPodDefault waits until PodDefault ns/name exists (or, !exists, is
// gone).
func (h *harness) waitPodDefault(ns, name string, exists bool) {
	h.t.Helper()
	waitFor(h.t, converge, "PodDefault "+ns+"/"+name, func() (bool, string) {
		pd := &unstructured.Unstructured{}
		pd.SetAPIVersion(kube.PodDefaultAPIVersion)
		pd.SetKind(kube.PodDefaultKind)
		err := h.k.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: name}, pd)
		switch {
		case apierrors.IsNotFound(err):
			return !exists, "absent"
		case err != nil:
			return false, err.Error()
		}
		return exists, "present"
	})
}
