package controller_test

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/tether-ml/tether/api/v1alpha1"
)

// TestClusterConnectionSync: a cluster sync delivers, as the controller's
// own identity, into every namespace its selector matches: a namespace
// created with the label gets the Secret, one that loses the label loses
// it (Delete), one that gains it gets it; one being deleted is skipped;
// the status counts them; deleting the sync removes them all.
func TestClusterConnectionSync(t *testing.T) {
	h := newHarness(t, time.Hour)
	h.s3Connection("platform", "platform-secret")
	label := "tether-test-" + randomSuffix(t)
	first, second, outside := h.ns+"-a", h.ns+"-b", h.ns+"-c"
	h.createNamespace(first, map[string]string{label: "yes"})
	h.createNamespace(outside, nil)
	cs := &v1alpha1.ClusterConnectionSync{ObjectMeta: metav1.ObjectMeta{Name: "platform-" + randomSuffix(t)},
		Spec: v1alpha1.ClusterConnectionSyncSpec{
			NamespaceSelector: metav1.LabelSelector{MatchLabels: map[string]string{label: "yes"}},
			DeliverySpec: v1alpha1.DeliverySpec{Connection: v1alpha1.ConnectionRef{Namespace: "default", ID: "platform"},
				SecretName: "platform-creds"}}}
	h.own(cs)
	if err := h.k.Create(t.Context(), cs); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.deleteAndWait(&v1alpha1.ClusterConnectionSync{ObjectMeta: metav1.ObjectMeta{Name: cs.Name}}) })
	h.waitSecret(first, "platform-creds", "platform-secret", converge)
	h.waitCluster(cs.Name, 1, 1)

	h.createNamespace(second, map[string]string{label: "yes"})
	h.waitSecret(second, "platform-creds", "platform-secret", converge)
	h.waitCluster(cs.Name, 2, 2)

	h.relabel(first, nil)
	h.waitSecret(first, "platform-creds", "", converge)
	h.waitCluster(cs.Name, 1, 1)
	h.relabel(outside, map[string]string{label: "yes"})
	h.waitSecret(outside, "platform-creds", "platform-secret", converge)

	h.rotate("platform", "rotated")
	h.waitSecret(second, "platform-creds", "rotated", converge)
	h.waitSecret(outside, "platform-creds", "rotated", converge)

	// a namespace being deleted (the test API server never finishes)
	// is no longer counted
	if err := h.k.Delete(t.Context(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: second}}); err != nil {
		t.Fatal(err)
	}
	h.waitCluster(cs.Name, 1, 1)

	h.deleteAndWait(&v1alpha1.ClusterConnectionSync{ObjectMeta: metav1.ObjectMeta{Name: cs.Name}})
	h.waitSecret(second, "platform-creds", "", converge)
	h.waitSecret(outside, "platform-creds", "", converge)
}

// relabel sets namespace name's labels.
func (h *harness) relabel(name string, labels map[string]string) {
	h.t.Helper()
	ns := &corev1.Namespace{}
	if err := h.k.Get(h.t.Context(), types.NamespacedName{Name: name}, ns); err != nil {
		h.t.Fatal(err)
	}
	ns.Labels = labels
	if err := h.k.Update(h.t.Context(), ns); err != nil {
		h.t.Fatal(err)
	}
}

// waitCluster waits until ClusterConnectionSync name counts namespaces
// and ready ones, and is Ready.
func (h *harness) waitCluster(name string, namespaces, ready int32) {
	h.t.Helper()
	waitFor(h.t, converge, "the cluster sync's status", func() (bool, string) {
		s := &v1alpha1.ClusterConnectionSync{}
		if err := h.k.Get(h.t.Context(), types.NamespacedName{Name: name}, s); err != nil {
			return false, err.Error()
		}
		st := s.Status
		reason := ""
		for _, c := range st.Conditions {
			if c.Type == v1alpha1.ConditionReady {
				reason = c.Reason + ": " + c.Message
			}
		}
		return st.Namespaces == namespaces && st.ReadyNamespaces == ready && st.DeliveredVersion > 0 &&
			strings.HasPrefix(reason, v1alpha1.ReasonSynced+":"), reason
	})
}
